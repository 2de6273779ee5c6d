//! The DOM: one `render` per screen (in [`screens`]) over small helpers. Text only: nothing
//! from a QR code or the network is ever parsed as HTML (`set_text_content` everywhere, SVG
//! built node by node). Click listeners are owned and dropped with the screen they belong to.
//!
//! A render of the screen already shown (an automatic retry, a refreshed pass) keeps what
//! the user typed and where the focus is; a new screen moves the focus to its heading.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use crate::app::{Model, Msg};

pub mod qr;
pub mod screens;

pub const SVG_NS: &str = "http://www.w3.org/2000/svg";

pub struct Ui {
    pub doc: Document,
    pub root: Element,
    listeners: RefCell<Vec<EventListener>>,
    dispatch: Rc<dyn Fn(Msg)>,
    last_announced: RefCell<String>,
    /// `data-screen` of the last render.
    last_screen: Cell<&'static str>,
}

/// What the user did on a screen that a render of the same screen must keep.
#[derive(Default)]
struct Kept {
    /// Every text box with an id: its value and selection.
    inputs: Vec<(String, String, Option<u32>, Option<u32>)>,
    /// Where the focus was inside the screen: the attribute that names the element
    /// (`data-testid` or `id`), its value, and the element's index among those with the
    /// same; `Some(None)`: an element without a name (the heading).
    focus: Option<Option<(&'static str, String, usize)>>,
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
        }
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

    /// Replaces the screen. Old listeners go with the old nodes.
    pub fn render(&self, m: &Model) {
        let name = m.screen.name();
        let same = self.last_screen.replace(name) == name;
        let kept = if same { self.kept() } else { Kept::default() };
        self.listeners.borrow_mut().clear();
        self.root.set_text_content(None);
        set(&self.root, "data-screen", name);
        set(&self.root, "lang", m.lang.code());
        if let Some(html) = self.doc.document_element() {
            set(&html, "lang", m.lang.code());
        }
        screens::render(self, m);
        let announce = screens::announcement(m);
        if *self.last_announced.borrow() != announce {
            if let Some(live) = self.doc.get_element_by_id("announce") {
                live.set_text_content(Some(&announce));
            }
            *self.last_announced.borrow_mut() = announce;
        }
        if same {
            self.restore(kept);
        } else {
            // A new screen: focus its heading so screen readers follow the change.
            self.focus_heading();
        }
    }

    /// Only the time moved: the pass clock shows the model's time.
    pub fn tick(&self, m: &Model) {
        if let Some(c) = self.doc.get_element_by_id("pass-clock") {
            c.set_text_content(Some(&screens::pass_clock(m)));
        }
    }

    fn focus_heading(&self) {
        if let Some(h) = self.root.query_selector("h1").ok().flatten() {
            if let Some(h) = h.dyn_ref::<HtmlElement>() {
                set(h, "tabindex", "-1");
                let _ = h.focus();
            }
        }
    }

    /// The elements of the screen that carry `attr="value"`.
    fn all(&self, attr: &str, value: &str) -> Vec<Element> {
        let mut sel = String::from("[");
        sel.push_str(attr);
        sel.push_str("=\"");
        // Our own test ids and element ids: letters, digits, dashes.
        sel.push_str(value);
        sel.push_str("\"]");
        let mut out = Vec::new();
        if let Ok(list) = self.root.query_selector_all(&sel) {
            for i in 0..list.length() {
                if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    out.push(e);
                }
            }
        }
        out
    }

    fn kept(&self) -> Kept {
        let mut kept = Kept::default();
        if let Ok(list) = self.root.query_selector_all("input[id]") {
            for i in 0..list.length() {
                let Some(input) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<HtmlInputElement>().ok())
                else {
                    continue;
                };
                kept.inputs.push((
                    input.id(),
                    input.value(),
                    input.selection_start().ok().flatten(),
                    input.selection_end().ok().flatten(),
                ));
            }
        }
        let active = self.doc.active_element();
        if let Some(a) = active.filter(|a| self.root.contains(Some(a))) {
            let key = ["data-testid", "id"]
                .into_iter()
                .find_map(|attr| Some((attr, a.get_attribute(attr).filter(|v| !v.is_empty())?)));
            kept.focus = Some(key.and_then(|(attr, value)| {
                let index = self.all(attr, &value).iter().position(|e| *e == a)?;
                Some((attr, value, index))
            }));
        }
        kept
    }

    fn restore(&self, kept: Kept) {
        for (id, value, start, end) in kept.inputs {
            let Some(input) = self
                .doc
                .get_element_by_id(&id)
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            else {
                continue;
            };
            input.set_value(&value);
            if let (Some(s), Some(e)) = (start, end) {
                let _ = input.set_selection_range(s, e);
            }
        }
        match kept.focus {
            // The focus was outside the screen (or nowhere): leave it there.
            None => {}
            Some(Some((attr, value, index))) => match self.all(attr, &value).get(index) {
                Some(e) => {
                    if let Some(e) = e.dyn_ref::<HtmlElement>() {
                        let _ = e.focus();
                    }
                }
                None => self.focus_heading(),
            },
            Some(None) => self.focus_heading(),
        }
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

    /// The text colour on every status colour, as the stylesheet sets them, reaches 4.5:1.
    #[test]
    fn status_colours_have_readable_text() {
        let css = include_str!("../../www/assets/app.css");
        for class in [
            ".st-red",
            ".st-yellow",
            ".st-blue",
            ".st-green",
            ".st-unknown",
        ] {
            let mut rule = String::from(class);
            rule.push_str(" { background: ");
            let at = css
                .find(&rule)
                .unwrap_or_else(|| panic!("{class} rule missing"));
            let body = &css[at + rule.len()..];
            let bg = &body[..7];
            let color_at = body.find("color: ").expect("color") + 7;
            let fg = &body[color_at..color_at + 7];
            let c = contrast(bg, fg);
            assert!(c >= 4.5, "{class}: {fg} on {bg} is {c:.2}:1");
        }
    }
}
