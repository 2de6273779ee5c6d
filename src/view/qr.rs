//! The pass QR as SVG built node by node: one `<path>` whose `d` lists the dark modules
//! (the core's numbers, never text from the network), on a white quiet zone.

use ashyq_core::encoding::push_decimal;
use ashyq_core::qr::{svg_path, EcLevel};
use web_sys::Element;

use super::{set, Ui};

/// An `<svg>` of `text` as a QR code, or `None` when it does not fit in a QR code.
pub fn render(ui: &Ui, text: &str, label: &str) -> Option<Element> {
    let qr = svg_path(text, EcLevel::M).ok()?;
    let mut size = String::new();
    push_decimal(&mut size, u64::from(qr.size), 0);
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
    set(&path, "d", &qr.d);
    set(&path, "fill", "#000");
    super::append(&svg, &bg);
    super::append(&svg, &path);
    Some(svg)
}
