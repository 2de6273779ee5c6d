//! Ashyq's fallback QR decoder: `quircs` (a Rust port of the C library quirc) behind one
//! function, built as its own small wasm module that a Web Worker loads only when the browser camera
//! opens and the browser has no `BarcodeDetector` (DESIGN §5, Browser). The app's first
//! load never includes it.
//!
//! `rqrr` (quirc's algorithm rewritten) is the other candidate, behind the `rqrr` feature
//! (`--no-default-features --features rqrr`): it adapts its threshold per row, but its
//! Galois-field tables make the module four times larger (97 KB gzip against 23 KB);
//! docs/BENCHMARKS.md has both measured.
//!
//! The input is a camera frame as a canvas gives it (RGBA, 4 bytes a pixel) or already
//! greyscale (1 byte a pixel); the caller downscales frames to at most [`MAX_SIDE`] pixels
//! a side first, which keeps a decode within a frame interval on a cheap phone.
//!
//! ```
//! // A white frame holds no code.
//! let frame = vec![255u8; 64 * 48 * 4];
//! assert_eq!(ashyq_qr::decode(&frame, 64, 48), Ok(Vec::<String>::new()));
//! assert_eq!(ashyq_qr::decode(&frame, 65, 48), Err(ashyq_qr::FrameError::Size));
//! ```

/// Frames larger than this on either side are refused: the worker downscales before it
/// decodes, and a bound keeps a hostile or buggy caller from allocating without limit.
pub const MAX_SIDE: usize = 4096;

/// Why a frame could not be decoded at all (a frame that simply holds no code is `Ok(vec![])`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Width or height is 0 or above [`MAX_SIDE`], or the pixel buffer is neither
    /// `width × height` (greyscale) nor `width × height × 4` (RGBA) bytes.
    Size,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Size => f.write_str("frame size does not match its pixel buffer"),
        }
    }
}

impl std::error::Error for FrameError {}

/// The text of every QR code found in the frame, in the order the decoder finds them; codes that
/// are found but do not decode (damaged, not UTF-8) are left out.
///
/// Fails when the buffer does not match `width × height` (see [`FrameError::Size`]).
pub fn decode(pixels: &[u8], width: usize, height: usize) -> Result<Vec<String>, FrameError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(FrameError::Size);
    }
    let area = width * height;
    let grey: Vec<u8> = if pixels.len() == area {
        pixels.to_vec()
    } else if pixels.len() == area * 4 {
        pixels.chunks_exact(4).map(luma).collect()
    } else {
        return Err(FrameError::Size);
    };
    let found = find(&grey, width, height);
    if !found.is_empty() {
        return Ok(found);
    }
    // quirc thresholds the whole frame at one level (Otsu), which loses a code half in a
    // shadow; a second look at the frame divided by its local brightness finds it
    // (measured: docs/BENCHMARKS.md, "shadow"). Only frames without a code pay for it.
    Ok(find(&flatten_light(&grey, width, height), width, height))
}

/// Each pixel divided by the mean of the square around it (side about 1/8 of the frame),
/// so a shadow or a lamp's gradient no longer moves the threshold.
fn flatten_light(grey: &[u8], width: usize, height: usize) -> Vec<u8> {
    let r = (width.max(height) / 16).max(1);
    // Summed-area table, one row and column of zeros in front; 4096² × 255 fits in a u64.
    let w1 = width + 1;
    let mut sum = vec![0u64; w1 * (height + 1)];
    for y in 0..height {
        let mut row = 0u64;
        for x in 0..width {
            row += u64::from(grey[y * width + x]);
            sum[(y + 1) * w1 + x + 1] = sum[y * w1 + x + 1] + row;
        }
    }
    let mut out = Vec::with_capacity(grey.len());
    for y in 0..height {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(height));
        for x in 0..width {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(width));
            let total =
                sum[y1 * w1 + x1] + sum[y0 * w1 + x0] - sum[y0 * w1 + x1] - sum[y1 * w1 + x0];
            let area = ((y1 - y0) * (x1 - x0)) as u64;
            // 160 for the local mean: white stays white, black black, whatever the light.
            let v = u64::from(grey[y * width + x]) * 160 * area / (total + area);
            out.push(v.min(255) as u8);
        }
    }
    out
}

#[cfg(feature = "quircs")]
fn find(grey: &[u8], width: usize, height: usize) -> Vec<String> {
    let mut quirc = quircs::Quirc::default();
    quirc
        .identify(width, height, grey)
        .filter_map(|code| code.ok()?.decode().ok())
        .filter_map(|data| String::from_utf8(data.payload).ok())
        .collect()
}

#[cfg(all(feature = "rqrr", not(feature = "quircs")))]
fn find(grey: &[u8], width: usize, height: usize) -> Vec<String> {
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_meta, text)| text))
        .collect()
}

/// ITU-R BT.601 luma in integers; alpha is ignored (canvas frames are opaque).
fn luma(px: &[u8]) -> u8 {
    let (r, g, b) = (u32::from(px[0]), u32::from(px[1]), u32::from(px[2]));
    // The weights add up to 256, so the result fits in a byte.
    ((r * 77 + g * 150 + b * 29) >> 8) as u8
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use wasm_bindgen::prelude::wasm_bindgen;

    /// The worker's one entry point: the texts found in a frame (an empty array when none).
    /// Throws a string when the size does not match the buffer.
    #[wasm_bindgen]
    pub fn decode(pixels: &[u8], width: u32, height: u32) -> Result<Vec<String>, String> {
        super::decode(pixels, width as usize, height as usize).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RGBA frame of `text` as a QR code (the `qrcode` crate the app draws passes with),
    /// `scale` pixels a module, with a `quiet`-module white margin.
    fn frame_of(text: &str, scale: usize, quiet: usize) -> (Vec<u8>, usize) {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("a short text fits a QR code");
        let n = code.width();
        let colors = code.to_colors();
        let side = (n + 2 * quiet) * scale;
        let mut rgba = vec![255u8; side * side * 4];
        for (i, c) in colors.iter().enumerate() {
            if *c != qrcode::Color::Dark {
                continue;
            }
            let (x, y) = (i % n, i / n);
            for dy in 0..scale {
                for dx in 0..scale {
                    let px = ((quiet + y) * scale + dy) * side + (quiet + x) * scale + dx;
                    rgba[px * 4..px * 4 + 3].copy_from_slice(&[0, 0, 0]);
                }
            }
        }
        (rgba, side)
    }

    #[test]
    fn decodes_a_clean_code_in_rgba_and_grey() {
        let text = "https://ashyq.example/v/1#AQEBAgMEBQYHCAkKCwwNDg8Q";
        let (rgba, side) = frame_of(text, 4, 4);
        let want = vec![text.to_string()];
        assert_eq!(decode(&rgba, side, side), Ok(want.clone()));
        let grey: Vec<u8> = rgba.chunks_exact(4).map(|p| p[0]).collect();
        assert_eq!(decode(&grey, side, side), Ok(want));
    }

    #[test]
    fn reads_a_code_half_in_shadow() {
        let text = "https://ashyq.example/v/1#shadow";
        let (mut rgba, side) = frame_of(text, 4, 4);
        // Darken the left half to a fifth: one global threshold cannot split both halves.
        for (i, px) in rgba.chunks_exact_mut(4).enumerate() {
            if i % side < side / 2 {
                for c in &mut px[..3] {
                    *c = (u16::from(*c) * 2 / 10 + 20) as u8;
                }
            }
        }
        assert_eq!(decode(&rgba, side, side), Ok(vec![text.to_string()]));
    }

    #[test]
    fn refuses_mismatched_sizes() {
        assert_eq!(decode(&[0; 12], 2, 2), Err(FrameError::Size));
        assert_eq!(decode(&[], 0, 0), Err(FrameError::Size));
        assert_eq!(decode(&[0; 16], 4, 4), Ok(vec![]));
        assert_eq!(decode(&vec![0; 5000], 5000, 1), Err(FrameError::Size));
    }

    #[test]
    fn luma_of_black_and_white() {
        assert_eq!(luma(&[0, 0, 0, 255]), 0);
        assert_eq!(luma(&[255, 255, 255, 255]), 255);
    }
}
