//! The pass QR as SVG built node by node: one `<path>` whose `d` lists the dark modules
//! (our own numbers, never text from the network), on a white quiet zone.

use ashyq_core::codec::push_decimal;
use qrcode::{Color, EcLevel, QrCode};
use web_sys::Element;

use super::{set, Ui};

/// Modules of quiet zone around the code, as the QR standard asks.
const QUIET: usize = 4;

/// The `d` attribute of a path drawing the dark modules of `code`, run-length encoded by row.
pub fn path_data(code: &QrCode) -> String {
    let w = code.width();
    let colors = code.to_colors();
    let mut d = String::with_capacity(w * w);
    for y in 0..w {
        let mut x = 0;
        while x < w {
            if colors[y * w + x] == Color::Dark {
                let start = x;
                while x < w && colors[y * w + x] == Color::Dark {
                    x += 1;
                }
                d.push('M');
                push_decimal(&mut d, (start + QUIET) as u64, 0);
                d.push(' ');
                push_decimal(&mut d, (y + QUIET) as u64, 0);
                d.push('h');
                push_decimal(&mut d, (x - start) as u64, 0);
                d.push_str("v1h-");
                push_decimal(&mut d, (x - start) as u64, 0);
                d.push('z');
            } else {
                x += 1;
            }
        }
    }
    d
}

/// An `<svg>` of `text` as a QR code, or `None` when it does not fit in a QR code.
pub fn render(ui: &Ui, text: &str, label: &str) -> Option<Element> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let mut size = String::new();
    push_decimal(&mut size, (code.width() + 2 * QUIET) as u64, 0);
    let mut view_box = String::from("0 0 ");
    view_box.push_str(&size);
    view_box.push(' ');
    view_box.push_str(&size);
    let svg = ui.svg("svg");
    set(&svg, "viewBox", &view_box);
    set(&svg, "role", "img");
    set(&svg, "aria-label", label);
    set(&svg, "shape-rendering", "crispEdges");
    let bg = ui.svg("rect");
    set(&bg, "width", &size);
    set(&bg, "height", &size);
    set(&bg, "fill", "#fff");
    let path = ui.svg("path");
    set(&path, "d", &path_data(&code));
    set(&path, "fill", "#000");
    super::append(&svg, &bg);
    super::append(&svg, &path);
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_covers_every_dark_module_once() {
        let code =
            QrCode::with_error_correction_level(b"ASHYQP1:abc.def", EcLevel::M).expect("fits");
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        let d = path_data(&code);
        let drawn: usize = d
            .split('h')
            .skip(1)
            .step_by(2)
            .filter_map(|s| s.split('v').next()?.parse::<usize>().ok())
            .sum();
        assert_eq!(drawn, dark);
        assert!(
            d.starts_with("M4 4h7"),
            "finder pattern first: {}",
            &d[..20]
        );
    }
}
