//! The DOM: one `render` per screen (in [`screens`]) over small helpers. Text only: nothing
//! from a QR code or the network is ever parsed as HTML (`set_text_content` everywhere, SVG
//! built node by node). Click listeners are owned and dropped with the screen they belong to.
//!
//! [`Ui`] and its helpers are here; `Ui::render` (in `render.rs`) puts a model on the page.
//! A render of the screen already shown (an automatic retry, a refreshed pass) keeps what
//! the user typed and where the focus is; a new screen moves the focus to its heading.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use web_sys::{Document, Element};

use crate::app::Msg;

pub mod qr;
mod render;
pub mod screens;

pub const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// The host's bars (Telegram, VK): the page background of the theme (`--bg` in app.css), on
/// the pass its status colour (`.st-*`; UNKNOWN is never a colour: the background). A unit
/// test checks these against the stylesheet, which stays the one source of the colours:
/// reading them back with `getComputedStyle` was measured at +0.2 KB of first load.
pub fn bar_colour(dark: bool, pass: Option<ashyq_core::Status>) -> &'static str {
    use ashyq_core::Status::*;
    match (pass, dark) {
        (Some(Red), _) => "#b3261e",
        (Some(Yellow), _) => "#ffd60a",
        (Some(Blue), _) => "#0b57d0",
        (Some(Green), _) => "#0a6b3b",
        (_, false) => "#ffffff",
        (_, true) => "#121316",
    }
}

pub struct Ui {
    pub doc: Document,
    pub root: Element,
    listeners: RefCell<Vec<EventListener>>,
    dispatch: Rc<dyn Fn(Msg)>,
    last_announced: RefCell<String>,
    /// `data-screen` of the last render.
    last_screen: Cell<&'static str>,
    /// The words of rare screens once loaded (`www/assets/texts_lazy.js`: the rejection
    /// sentences); `undefined` until then.
    pub texts: RefCell<wasm_bindgen::JsValue>,
    /// A render wanted them before they were loaded.
    pub wants_texts: Cell<bool>,
}

impl Ui {
    pub fn new(doc: Document, root: Element, dispatch: Rc<dyn Fn(Msg)>) -> Ui {
        Ui {
            doc,
            root,
            listeners: RefCell::new(Vec::new()),
            dispatch,
            last_announced: RefCell::new(String::new()),
            last_screen: Cell::new(""),
            texts: RefCell::new(wasm_bindgen::JsValue::UNDEFINED),
            wants_texts: Cell::new(false),
        }
    }

    /// A rare screen's sentence (`group`, `code`, in `lang`) once the rare texts are loaded;
    /// until then `None`, and the runtime is asked to load them.
    pub fn rare(&self, group: &str, code: &str, lang: crate::i18n::Lang) -> Option<String> {
        let texts = self.texts.borrow();
        if texts.is_undefined() {
            self.wants_texts.set(true);
            return None;
        }
        use crate::host::js::get;
        get(&get(&get(&texts, group), code), lang.code()).as_string()
    }

    /// `<tag class=…>`; creating an element with a literal tag name cannot fail.
    #[inline(never)]
    pub fn el(&self, tag: &str, class: &str) -> Element {
        let e = self
            .doc
            .create_element(tag)
            // Throwing, not `expect`: formatting the JsValue error would pull `Debug` and the
            // glue's `debugString` into the first load.
            .unwrap_or_else(|_| {
                wasm_bindgen::throw_str("unreachable: literal tag names are valid")
            });
        if !class.is_empty() {
            e.set_class_name(class);
        }
        e
    }

    /// An element holding `text` as text.
    #[inline(never)]
    pub fn text(&self, tag: &str, class: &str, text: &str) -> Element {
        let e = self.el(tag, class);
        e.set_text_content(Some(text));
        e
    }

    #[inline(never)]
    pub fn svg(&self, tag: &str) -> Element {
        self.doc
            .create_element_ns(Some(SVG_NS), tag)
            .unwrap_or_else(|_| {
                wasm_bindgen::throw_str("unreachable: literal SVG tag names are valid")
            })
    }

    /// A `<button>` that sends `msg()` when clicked. A function, not a `Msg` to clone on
    /// every press: `Msg::clone` covers every variant (1.7 KB) where buttons send a handful.
    pub fn button(
        &self,
        label: &str,
        testid: &str,
        class: &str,
        msg: impl Fn() -> Msg + 'static,
    ) -> Element {
        self.button_dyn(label, testid, class, Box::new(msg))
    }

    #[inline(never)]
    fn button_dyn(
        &self,
        label: &str,
        testid: &str,
        class: &str,
        msg: Box<dyn Fn() -> Msg>,
    ) -> Element {
        let b = self.text("button", class, label);
        set(&b, "type", "button");
        if !testid.is_empty() {
            set(&b, "data-testid", testid);
        }
        let d = self.dispatch.clone();
        self.on(&b, "click", move || d(msg()));
        b
    }

    pub fn on(&self, target: &Element, event: &'static str, f: impl Fn() + 'static) {
        self.on_dyn(target, event, Box::new(f));
    }

    /// The one copy of the listener plumbing (`on` is generic over the closure).
    #[inline(never)]
    fn on_dyn(&self, target: &Element, event: &'static str, f: Box<dyn Fn()>) {
        let l = EventListener::new(target, event, move |_| f());
        self.listeners.borrow_mut().push(l);
    }

    /// Keeps a listener alive until the next render.
    pub fn keep(&self, l: EventListener) {
        self.listeners.borrow_mut().push(l);
    }

    pub fn send(&self, msg: Msg) {
        (self.dispatch)(msg);
    }

    pub fn dispatcher(&self) -> Rc<dyn Fn(Msg)> {
        self.dispatch.clone()
    }
}

/// Sets an attribute; our literal attribute names are always valid.
#[inline(never)]
pub fn set(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

#[inline(never)]
pub fn append(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

#[cfg(test)]
mod tests {
    /// WCAG relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).expect("hex colour");
        let lin = |c: u32| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin((v >> 16) & 255) + 0.7152 * lin((v >> 8) & 255) + 0.0722 * lin(v & 255)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    const CSS: &str = include_str!("../../www/assets/app.css");

    #[test]
    fn inner_screens_have_their_own_title() {
        use crate::app::{DiaryView, Model, Screen};
        use crate::i18n::Lang;
        use crate::types::HostKind;
        let mut m = Model::new(HostKind::Fake, Lang::En);
        assert_eq!(super::screens::title(&m), "Ashyq");
        m.screen = Screen::Diary(DiaryView::default());
        assert_eq!(super::screens::title(&m), "Visit diary");
        m.screen = Screen::Scanning;
        assert_eq!(super::screens::title(&m), "Scanner open…");
    }

    /// `name: #rrggbb` (a custom property or not) inside the rule that starts with `selector {`.
    fn var(selector: &str, name: &str) -> String {
        let mut open = String::from(selector);
        open.push_str(" {");
        let at = CSS
            .find(&open)
            .unwrap_or_else(|| panic!("{selector} missing"));
        let body = &CSS[at..at + CSS[at..].find('}').expect("rule ends")];
        let mut key = String::from(name);
        key.push_str(": ");
        let v = body
            .find(&key)
            .unwrap_or_else(|| panic!("{name} in {selector}"))
            + key.len();
        body[v..v + 7].to_owned()
    }

    /// Every text colour of both palettes, on every surface it sits on, reaches 4.5:1.
    #[test]
    fn both_palettes_have_readable_text() {
        for theme in [":root", ":root[data-theme=\"dark\"]"] {
            for fg in ["--fg", "--muted"] {
                for bg in ["--bg", "--card"] {
                    let (f, b) = (var(theme, fg), var(theme, bg));
                    let c = contrast(&f, &b);
                    assert!(c >= 4.5, "{theme} {fg} {f} on {bg} {b} is {c:.2}:1");
                }
            }
        }
        // The browser's dark mode uses the same dark palette.
        for name in ["--fg", "--muted", "--bg", "--card", "--line"] {
            assert_eq!(
                var(":root[data-theme=\"dark\"]", name),
                var("  :root:not([data-theme=\"light\"])", name),
                "{name}"
            );
        }
        // The bars the app gives the host are the page's own background.
        assert_eq!(super::bar_colour(false, None), var(":root", "--bg"));
        assert_eq!(
            super::bar_colour(true, None),
            var(":root[data-theme=\"dark\"]", "--bg")
        );
        // The unknown card in the dark theme.
        let bg = var(":root[data-theme=\"dark\"] .st-unknown", "background");
        let fg = var(":root[data-theme=\"dark\"] .st-unknown", "color");
        assert!(contrast(&fg, &bg) >= 4.5, "dark unknown {fg} on {bg}");
    }

    /// The text colour on every status colour, as the stylesheet sets them, reaches 4.5:1;
    /// the host's bars take the same colour on the pass.
    #[test]
    fn status_colours_have_readable_text() {
        use ashyq_core::Status;
        for s in [Status::Red, Status::Yellow, Status::Blue, Status::Green] {
            let mut rule = String::from(".st-");
            rule.push_str(&s.as_str().to_ascii_lowercase());
            rule.push_str(" { background: ");
            let at = CSS.find(&rule).unwrap_or_else(|| panic!("{rule} missing"));
            let body = &CSS[at + rule.len()..];
            let bg = &body[..7];
            assert_eq!(super::bar_colour(false, Some(s)), bg, "{rule}");
            assert_eq!(super::bar_colour(true, Some(s)), bg, "{rule}");
            let color_at = body.find("color: ").expect("color") + 7;
            let fg = &body[color_at..color_at + 7];
            let c = contrast(bg, fg);
            assert!(c >= 4.5, "{rule}: {fg} on {bg} is {c:.2}:1");
        }
        assert_eq!(
            super::bar_colour(false, Some(Status::Unknown)),
            var(":root", "--bg")
        );
        let at = CSS.find(".st-unknown { background: ").expect("unknown") + 26;
        let (bg, fg) = (&CSS[at..at + 7], &CSS[at + 16..at + 23]);
        assert!(contrast(bg, fg) >= 4.5, ".st-unknown: {fg} on {bg}");
    }
}
