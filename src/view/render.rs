//! `Ui::render`: the model on the page, keeping what the user typed and where the focus is
//! when the screen stays the same; `Ui::tick`: the pass clock alone.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use super::{screens, set, Ui};
use crate::app::Model;

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
