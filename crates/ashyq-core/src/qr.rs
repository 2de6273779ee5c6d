//! A QR code as one SVG path: the pass the app shows and the poster the server prints
//! draw their codes with this, so both agree on the symbol and its quiet zone.

pub use qrcode::types::QrError;
pub use qrcode::EcLevel;
use qrcode::{Color, QrCode};

use crate::encoding::push_decimal;

/// Modules of light margin around the symbol, as the QR standard asks.
pub const QUIET_ZONE: u32 = 4;

/// A QR symbol drawn as an SVG path in module units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPath {
    /// The `d` attribute of one path covering the dark modules, the first at
    /// ([`QUIET_ZONE`], [`QUIET_ZONE`]). Only digits and path commands: safe to set as an
    /// attribute anywhere.
    pub d: String,
    /// The side of the square the path belongs in, quiet zone included (the `viewBox`).
    pub size: u32,
    /// The QR version (1–40): how dense the symbol is.
    pub version: i16,
}

/// Draws `text` as a QR code with error correction `ec`, dark modules merged into one
/// rectangle per horizontal run. Fails when `text` does not fit in any QR version.
pub fn svg_path(text: &str, ec: EcLevel) -> Result<QrPath, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), ec)?;
    let version = match code.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
    };
    let w = code.width();
    let colors = code.to_colors();
    // `push_decimal`, not `format!`: the app's wasm carries no `core::fmt` for this.
    let mut d = String::with_capacity(w * w);
    for y in 0..w {
        let row = &colors[y * w..][..w];
        let mut x = 0;
        while x < w {
            if row[x] != Color::Dark {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && row[x] == Color::Dark {
                x += 1;
            }
            let run = (x - start) as u64;
            d.push('M');
            push_decimal(&mut d, start as u64 + u64::from(QUIET_ZONE), 0);
            d.push(' ');
            push_decimal(&mut d, y as u64 + u64::from(QUIET_ZONE), 0);
            d.push('h');
            push_decimal(&mut d, run, 0);
            d.push_str("v1h-");
            push_decimal(&mut d, run, 0);
            d.push('z');
        }
    }
    Ok(QrPath {
        d,
        size: w as u32 + 2 * QUIET_ZONE,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paints the path's rectangles back onto a grid.
    fn paint(p: &QrPath) -> Vec<bool> {
        let n = p.size as usize;
        let mut grid = vec![false; n * n];
        for cmd in p.d.split('M').skip(1) {
            let (xy, rest) = cmd.split_once('h').expect("M x y h…");
            let (x, y) = xy.split_once(' ').expect("x y");
            let (x, y): (usize, usize) = (x.parse().expect("x"), y.parse().expect("y"));
            let run: usize = rest.split('v').next().expect("run").parse().expect("run");
            assert_eq!(rest, format!("{run}v1h-{run}z"));
            for cell in &mut grid[y * n + x..y * n + x + run] {
                assert!(!*cell, "a module drawn twice at row {y}");
                *cell = true;
            }
        }
        grid
    }

    #[test]
    fn the_path_draws_exactly_the_dark_modules_inside_the_quiet_zone() {
        let text = "ASHYQP1:abc.def";
        let p = svg_path(text, EcLevel::M).expect("fits");
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).expect("fits");
        let w = code.width();
        assert_eq!(p.size as usize, w + 8);
        assert_eq!(p.version, 1);
        let q = QUIET_ZONE as usize;
        let n = p.size as usize;
        let grid = paint(&p);
        for (i, c) in code.to_colors().iter().enumerate() {
            let (x, y) = (i % w + q, i / w + q);
            assert_eq!(grid[y * n + x], *c == Color::Dark, "module {x},{y}");
        }
        let painted = grid.iter().filter(|c| **c).count();
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        assert_eq!(painted, dark, "nothing drawn in the quiet zone");
        assert!(
            p.d.starts_with("M4 4h7v1h-7z"),
            "finder pattern first: {}",
            &p.d[..20]
        );
    }

    #[test]
    fn longer_text_and_stronger_correction_need_bigger_symbols() {
        let short = svg_path("x", EcLevel::L).expect("fits");
        let long = svg_path(&"x".repeat(300), EcLevel::H).expect("fits");
        assert!(long.version > short.version);
        assert!(long.size > short.size);
        assert_eq!(
            svg_path(&"x".repeat(4000), EcLevel::M),
            Err(QrError::DataTooLong)
        );
    }
}
