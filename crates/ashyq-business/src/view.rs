//! The role screens as text-only DOM: one function per screen, small helpers, nothing from
//! the network ever parsed as HTML. The DOM contract the end-to-end tests drive
//! (`#roles[data-screen]`, `data-testid`, `data-verdict`, `data-reason`, …) is made here.

use std::cell::RefCell;
use std::rc::Rc;

use ashyq_core::api::{GuardCheckInResponse, Premises};
use ashyq_core::venue::{Category, Direction};
use ashyq_core::Status;
use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use crate::i18n::{self, t, Key, Lang};
use crate::model::{Field, IinCheck, Model, Msg, PosterKey, PremisesForm, Screen, Size, Verdict};

pub struct Ui {
    pub doc: Document,
    pub root: Element,
    listeners: RefCell<Vec<EventListener>>,
    dispatch: Rc<dyn Fn(Msg)>,
}

impl Ui {
    pub fn new(doc: Document, root: Element, dispatch: Rc<dyn Fn(Msg)>) -> Ui {
        Ui {
            doc,
            root,
            listeners: RefCell::new(Vec::new()),
            dispatch,
        }
    }

    fn el(&self, tag: &str, class: &str) -> Element {
        let e = self.doc.create_element(tag).unwrap_or_else(|_| {
            wasm_bindgen::throw_str("unreachable: literal tag names are valid")
        });
        if !class.is_empty() {
            e.set_class_name(class);
        }
        e
    }

    fn text(&self, tag: &str, class: &str, text: &str) -> Element {
        let e = self.el(tag, class);
        e.set_text_content(Some(text));
        e
    }

    fn on(&self, target: &Element, event: &'static str, f: impl Fn(&web_sys::Event) + 'static) {
        let l = EventListener::new(target, event, move |e| f(e));
        self.listeners.borrow_mut().push(l);
    }

    fn button(
        &self,
        label: &str,
        testid: &str,
        class: &str,
        msg: impl Fn() -> Msg + 'static,
    ) -> Element {
        let b = self.text("button", class, label);
        set(&b, "type", "button");
        set(&b, "data-testid", testid);
        let d = self.dispatch.clone();
        self.on(&b, "click", move |_| d(msg()));
        b
    }

    /// A labelled text box whose every keystroke sends `msg(value)`.
    fn input(
        &self,
        id: &str,
        label: &str,
        value: &str,
        msg: impl Fn(String) -> Msg + 'static,
    ) -> (Element, Element) {
        let wrap = self.el("p", "field");
        let l = self.text("label", "", label);
        set(&l, "for", id);
        let i = self.el("input", "");
        set(&i, "id", id);
        set(&i, "data-testid", id);
        set(&i, "type", "text");
        set(&i, "autocomplete", "off");
        if let Some(input) = i.dyn_ref::<HtmlInputElement>() {
            input.set_value(value);
        }
        let d = self.dispatch.clone();
        self.on(&i, "input", move |e| {
            if let Some(t) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                d(msg(t.value()));
            }
        });
        append(&wrap, &l);
        append(&wrap, &i);
        (wrap, i)
    }

    /// Replaces the screen, keeping the focus and the caret of the text box being typed in.
    /// The elements of the screen whose `data-testid` is `testid`.
    fn by_testid(&self, testid: &str) -> Vec<Element> {
        let mut out = Vec::new();
        let mut sel = String::from("[data-testid=\"");
        // Our own test ids: letters, digits and dashes.
        sel.push_str(testid);
        sel.push_str("\"]");
        if let Ok(list) = self.root.query_selector_all(&sel) {
            for i in 0..list.length() {
                if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// Replaces the screen. On the same screen the focus stays where it was (a text box
    /// with its caret, or the n-th element with the same `data-testid`); a new screen
    /// focuses its heading.
    pub fn render(&self, m: &Model) {
        let focused = self
            .doc
            .active_element()
            .filter(|a| self.root.contains(Some(a)))
            .map(|a| {
                let sel = a
                    .dyn_ref::<HtmlInputElement>()
                    .and_then(|i| i.selection_start().ok().flatten());
                let testid = a.get_attribute("data-testid").unwrap_or_default();
                let index = self.by_testid(&testid).iter().position(|e| *e == a);
                (testid, index, sel)
            });
        let same = self.root.get_attribute("data-screen").as_deref() == Some(m.screen.name());
        self.listeners.borrow_mut().clear();
        self.root.set_text_content(None);
        set(&self.root, "data-screen", m.screen.name());
        set(&self.root, "lang", m.lang.code());
        let main = self.el("main", "screen");
        render_screen(self, m, &main);
        append(&self.root, &main);
        let again = match (&focused, same) {
            (Some((testid, Some(index), sel)), true) if !testid.is_empty() => self
                .by_testid(testid)
                .get(*index)
                .map(|e| (e.clone(), *sel)),
            _ => None,
        };
        if let Some((e, sel)) = again {
            if let Some(h) = e.dyn_ref::<HtmlElement>() {
                let _ = h.focus();
            }
            if let (Some(i), Some(s)) = (e.dyn_ref::<HtmlInputElement>(), sel) {
                let _ = i.set_selection_range(s, s);
            }
        } else if !same || focused.is_some() {
            // A new screen, or the focused element is gone: focus the heading so screen
            // readers follow.
            if let Some(h) = self.root.query_selector("h1").ok().flatten() {
                set(&h, "tabindex", "-1");
                if let Some(h) = h.dyn_ref::<HtmlElement>() {
                    let _ = h.focus();
                }
            }
        }
    }

    pub fn clear(&self) {
        self.listeners.borrow_mut().clear();
        self.root.set_text_content(None);
    }
}

fn set(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

fn append(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

fn num(n: u64) -> String {
    n.to_string()
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Red => "st-red",
        Status::Yellow => "st-yellow",
        Status::Blue => "st-blue",
        Status::Green => "st-green",
        Status::Unknown => "st-unknown",
    }
}

fn render_screen(ui: &Ui, m: &Model, main: &Element) {
    let l = m.lang;
    let bar = ui.el("header", "bar");
    let title = match m.mode {
        crate::model::Mode::Business => t(l, Key::Business),
        crate::model::Mode::Door => t(l, Key::Door),
    };
    append(&bar, &ui.text("span", "brand", title));
    append(
        &bar,
        &ui.button(t(l, Key::Close), "roles-close", "btn small", || Msg::Close),
    );
    append(main, &bar);
    if let Some(n) = m.notice {
        let p = ui.text("p", "notice", i18n::notice(l, n));
        set(&p, "data-testid", "notice");
        set(&p, "data-code", n.code());
        set(&p, "role", "status");
        append(main, &p);
    }
    if let Some(p) = &m.problem {
        let e = ui.text("p", "error-message", i18n::problem(l, p.code()));
        set(&e, "data-testid", "error-message");
        set(&e, "data-code", p.code());
        set(&e, "role", "alert");
        append(main, &e);
    }
    match &m.screen {
        Screen::Businesses => businesses(ui, m, main),
        Screen::Register {
            bin,
            form,
            invalid,
            sending,
        } => register(ui, l, bin, form, *invalid, *sending, main),
        Screen::Premises {
            venue_id,
            confirm,
            staff_iin,
            poster_lang,
        } => match m.premises(*venue_id) {
            Some(p) => premises(ui, m, p, *confirm, staff_iin, *poster_lang, main),
            None => append(main, &ui.text("p", "muted", t(l, Key::Loading))),
        },
        Screen::Door => door(ui, m, main),
        Screen::Scanning => {
            append(main, &ui.text("h1", "title", t(l, Key::CheckPass)));
            append(main, &ui.text("p", "busy", t(l, Key::ScanPass)));
            append(
                main,
                &ui.button(t(l, Key::Cancel), "back", "btn", || Msg::Back),
            );
        }
        Screen::Verdict(v) => verdict(ui, m, v, main),
        Screen::Guard {
            iin,
            challenge,
            code,
            sending,
            result,
            tried,
        } => guard(
            ui,
            m,
            iin,
            challenge.is_some(),
            code,
            *sending,
            result,
            *tried,
            main,
        ),
    }
}

/// Guard mode: the IIN, then the visitor's code; the answer is admitted or not and the
/// masked name, never a colour (the visitor shows their own pass for that).
#[allow(clippy::too_many_arguments)] // the guard screen's fields, borrowed apart
fn guard(
    ui: &Ui,
    m: &Model,
    iin: &str,
    asked: bool,
    code: &str,
    sending: bool,
    result: &Option<Box<GuardCheckInResponse>>,
    tried: bool,
    main: &Element,
) {
    let l = m.lang;
    append(main, &ui.text("h1", "title", t(l, Key::GuardMode)));
    if let Some(post) = m.post() {
        append(main, &ui.text("p", "muted", &post.venue_name));
    }
    let submit = if asked {
        let (field, _) = ui.input("guard-code", t(l, Key::GuardCode), code, Msg::GuardCode);
        append(main, &field);
        let hint = ui.text(
            "p",
            if tried { "error" } else { "muted" },
            t(l, Key::GuardCodeHint),
        );
        set(&hint, "id", "guard-code-hint");
        append(main, &hint);
        t(l, Key::GuardCheckIn)
    } else {
        let (field, _) = ui.input("guard-iin", t(l, Key::GuardIin), iin, Msg::GuardIin);
        append(main, &field);
        append(main, &iin_hint(ui, l, iin, tried));
        t(l, Key::GuardSubmit)
    };
    if sending {
        append(main, &ui.text("p", "busy", t(l, Key::Sending)));
    } else {
        let b = ui.button(submit, "guard-submit", "btn primary", || Msg::GuardSubmit);
        append(main, &b);
    }
    if let Some(r) = result {
        let sec = ui.el(
            "section",
            if r.admitted {
                "verdict valid admitted"
            } else {
                "verdict invalid refused"
            },
        );
        set(&sec, "data-testid", "guard-result");
        set(
            &sec,
            "data-admitted",
            if r.admitted { "true" } else { "false" },
        );
        let word = if r.admitted {
            Key::Admitted
        } else {
            Key::NotAdmitted
        };
        append(&sec, &ui.text("h2", "", t(l, word)));
        append(&sec, &ui.text("p", "name", &r.masked_name));
        append(&sec, &ui.text("p", "muted", t(l, Key::NeverShown)));
        append(main, &sec);
    }
    append(
        main,
        &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
    );
}

fn businesses(ui: &Ui, m: &Model, main: &Element) {
    let l = m.lang;
    append(main, &ui.text("h1", "title", t(l, Key::Business)));
    let Some(list) = &m.businesses else {
        append(main, &ui.text("p", "busy", t(l, Key::Loading)));
        return;
    };
    for b in list {
        let sec = ui.el("section", "card business");
        set(&sec, "data-testid", "business");
        set(&sec, "data-bin", &b.bin);
        append(&sec, &ui.text("h2", "", &b.name));
        append(&sec, &ui.text("p", "muted", &b.bin));
        if b.premises.is_empty() {
            append(&sec, &ui.text("p", "muted", t(l, Key::NoPremises)));
        }
        let ul = ui.el("ul", "premises-list");
        for p in &b.premises {
            let li = ui.el("li", "");
            let id = p.venue_id;
            let mut label = p.name.clone();
            label.push_str(" — ");
            label.push_str(&p.address);
            let btn = ui.button(&label, "premises-open", "btn link", move || {
                Msg::OpenPremises(id)
            });
            set(&btn, "data-venue-id", &num(id));
            append(&li, &btn);
            append(&ul, &li);
        }
        append(&sec, &ul);
        let bin = b.bin.clone();
        append(
            &sec,
            &ui.button(
                t(l, Key::RegisterPremises),
                "register-open",
                "btn",
                move || Msg::OpenRegister(bin.clone()),
            ),
        );
        append(main, &sec);
    }
}

fn register(
    ui: &Ui,
    l: Lang,
    bin: &str,
    form: &PremisesForm,
    invalid: Option<&'static str>,
    sending: bool,
    main: &Element,
) {
    append(main, &ui.text("h1", "title", t(l, Key::RegisterPremises)));
    append(main, &ui.text("p", "muted", bin));
    let (name, ni) = ui.input("reg-name", t(l, Key::Name), &form.name, |v| {
        Msg::Field(Field::Name, v)
    });
    set(&ni, "placeholder", t(l, Key::NameHint));
    append(main, &name);
    let (addr, _) = ui.input("reg-address", t(l, Key::Address), &form.address, |v| {
        Msg::Field(Field::Address, v)
    });
    append(main, &addr);

    let p = ui.el("p", "field");
    let lab = ui.text("label", "", t(l, Key::Category));
    set(&lab, "for", "reg-category");
    let sel = ui.el("select", "");
    set(&sel, "id", "reg-category");
    set(&sel, "data-testid", "reg-category");
    for c in Category::ALL {
        let o = ui.text("option", "", i18n::category(l, c));
        set(&o, "value", c.as_str());
        if c == form.category {
            set(&o, "selected", "");
        }
        append(&sel, &o);
    }
    let d = ui.dispatch.clone();
    ui.on(&sel, "change", move |e| {
        if let Some(s) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        {
            d(Msg::Field(Field::Category, s.value()));
        }
    });
    append(&p, &lab);
    append(&p, &sel);
    append(main, &p);

    let p = ui.el("p", "field tick");
    let cb = ui.el("input", "");
    set(&cb, "type", "checkbox");
    set(&cb, "id", "reg-pcr");
    set(&cb, "data-testid", "reg-pcr");
    if form.pcr_required {
        set(&cb, "checked", "");
    }
    let d = ui.dispatch.clone();
    ui.on(&cb, "change", move |e| {
        if let Some(i) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            d(Msg::Field(
                Field::Pcr,
                String::from(if i.checked() { "true" } else { "false" }),
            ));
        }
    });
    let lab = ui.text("label", "", t(l, Key::PcrRequired));
    set(&lab, "for", "reg-pcr");
    append(&p, &cb);
    append(&p, &lab);
    append(main, &p);

    let (n, ni) = ui.input(
        "reg-entrances",
        t(l, Key::Entrances),
        &form.entrances,
        |v| Msg::Field(Field::Entrances, v),
    );
    set(&ni, "inputmode", "numeric");
    append(main, &n);
    if let Some(code) = invalid {
        let e = ui.text("p", "error-message", i18n::problem(l, code));
        set(&e, "data-testid", "form-error");
        set(&e, "data-code", code);
        set(&e, "role", "alert");
        append(main, &e);
    }
    if sending {
        append(main, &ui.text("p", "busy", t(l, Key::Registering)));
    } else {
        append(
            main,
            &ui.button(
                t(l, Key::Register),
                "register-submit",
                "btn primary",
                || Msg::SubmitPremises,
            ),
        );
    }
    append(
        main,
        &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
    );
}

fn premises(
    ui: &Ui,
    m: &Model,
    p: &Premises,
    confirm: Option<u8>,
    staff_iin: &str,
    poster_lang: Lang,
    main: &Element,
) {
    let l = m.lang;
    let h = ui.text("h1", "title", &p.name);
    set(&h, "data-testid", "premises-name");
    set(&h, "data-venue-id", &num(p.venue_id));
    append(main, &h);
    append(main, &ui.text("p", "", &p.address));
    let mut cat = String::from(i18n::category(l, p.category));
    if p.pcr_required {
        cat.push_str(" · ");
        cat.push_str(t(l, Key::PcrRequired));
    }
    append(main, &ui.text("p", "muted", &cat));

    // The posters' language.
    let row = ui.el("p", "row");
    set(&row, "role", "group");
    set(&row, "aria-label", t(l, Key::PosterLanguage));
    append(&row, &ui.text("span", "k", t(l, Key::PosterLanguage)));
    for pl in Lang::ALL {
        let b = ui.button(
            pl.name(),
            "poster-lang",
            if pl == poster_lang {
                "btn small on"
            } else {
                "btn small"
            },
            move || Msg::PosterLang(pl),
        );
        set(&b, "data-lang", pl.code());
        set(
            &b,
            "aria-pressed",
            if pl == poster_lang { "true" } else { "false" },
        );
        append(&row, &b);
    }
    append(main, &row);

    for e in &p.entrances {
        let sec = ui.el("section", "card entrance");
        set(&sec, "data-testid", "entrance");
        set(&sec, "data-entrance", &num(u64::from(e.entrance)));
        let mut title = String::from(t(l, Key::Entrance));
        title.push(' ');
        title.push_str(&num(u64::from(e.entrance)));
        append(&sec, &ui.text("h2", "", &title));
        let grid = ui.el("div", "row");
        for (direction, size) in [
            (Direction::In, Size::A4),
            (Direction::Out, Size::A4),
            (Direction::In, Size::Card),
            (Direction::Out, Size::Card),
        ] {
            let key = PosterKey {
                venue_id: p.venue_id,
                entrance: e.entrance,
                direction,
                size,
                lang: poster_lang,
            };
            let mut label = String::from(match direction {
                Direction::In => t(l, Key::EntryPoster),
                Direction::Out => t(l, Key::ExitPoster),
            });
            label.push_str(match size {
                Size::A4 => " · A4",
                Size::Card => "",
            });
            if size == Size::Card {
                label.push_str(" · ");
                label.push_str(t(l, Key::TableCard));
            }
            let mut testid = String::from("poster-");
            testid.push_str(direction.as_str());
            testid.push('-');
            testid.push_str(size.as_str());
            append(
                &grid,
                &ui.button(&label, &testid, "btn small", move || Msg::Poster(key)),
            );
        }
        append(&sec, &grid);
        for (key, url) in m
            .posters
            .iter()
            .filter(|(k, _)| k.venue_id == p.venue_id && k.entrance == e.entrance)
        {
            let a = ui.el("a", "poster-link");
            set(&a, "href", url);
            set(&a, "download", &poster_file_name(key));
            set(&a, "target", "_blank");
            set(&a, "rel", "noopener");
            set(&a, "data-testid", "poster-link");
            set(&a, "data-entrance", &num(u64::from(key.entrance)));
            set(&a, "data-direction", key.direction.as_str());
            set(&a, "data-size", key.size.as_str());
            set(&a, "data-lang", key.lang.code());
            let mut label = String::from(t(l, Key::OpenPoster));
            label.push_str(": ");
            label.push_str(&poster_file_name(key));
            a.set_text_content(Some(&label));
            append(&sec, &a);
        }
        if confirm == Some(e.entrance) {
            let c = ui.el("div", "confirm");
            set(&c, "role", "alertdialog");
            set(&c, "data-testid", "reissue-ask");
            append(&c, &ui.text("p", "", t(l, Key::ReissueConfirm)));
            append(
                &c,
                &ui.button(
                    t(l, Key::ReissueYes),
                    "reissue-confirm",
                    "btn danger",
                    || Msg::ConfirmReissue,
                ),
            );
            append(
                &c,
                &ui.button(t(l, Key::Cancel), "reissue-cancel", "btn", || {
                    Msg::CancelReissue
                }),
            );
            append(&sec, &c);
        } else {
            let n = e.entrance;
            append(
                &sec,
                &ui.button(t(l, Key::Reissue), "reissue", "btn small", move || {
                    Msg::AskReissue(n)
                }),
            );
        }
        append(main, &sec);
    }

    let staff = ui.el("section", "card staff");
    set(&staff, "data-testid", "staff");
    append(&staff, &ui.text("h2", "", t(l, Key::Staff)));
    if p.staff.is_empty() {
        append(&staff, &ui.text("p", "muted", t(l, Key::NoStaff)));
    }
    let ul = ui.el("ul", "");
    for s in &p.staff {
        let li = ui.el("li", "");
        set(&li, "data-testid", "staff-member");
        set(&li, "data-staff-id", &s.staff_id);
        // The IIN as the owner typed it, masked: the registry's name is not the owner's to
        // learn from an appointment.
        append(&li, &ui.text("span", "", &s.masked_iin));
        let id = s.staff_id.clone();
        append(
            &li,
            &ui.button(t(l, Key::Remove), "staff-remove", "btn small", move || {
                Msg::RemoveStaff(id.clone())
            }),
        );
        append(&ul, &li);
    }
    append(&staff, &ul);
    let (field, _) = ui.input("staff-iin", t(l, Key::StaffIin), staff_iin, Msg::StaffIin);
    append(&staff, &field);
    append(&staff, &iin_hint(ui, l, staff_iin, false));
    let b = ui.button(t(l, Key::Appoint), "staff-appoint", "btn", || Msg::Appoint);
    if IinCheck::of(staff_iin) != IinCheck::Valid {
        set(&b, "disabled", "");
    }
    append(&staff, &b);
    append(main, &staff);
    append(
        main,
        &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
    );
}

/// `ashyq-<venue>-<entrance>-<in|out>-<a4|card>-<lang>.svg`
fn poster_file_name(k: &PosterKey) -> String {
    let mut s = String::from("ashyq-");
    s.push_str(&num(k.venue_id));
    s.push('-');
    s.push_str(&num(u64::from(k.entrance)));
    s.push('-');
    s.push_str(k.direction.as_str());
    s.push('-');
    s.push_str(k.size.as_str());
    s.push('-');
    s.push_str(k.lang.code());
    s.push_str(".svg");
    s
}

/// What is wrong with a typed IIN, said as it is typed.
fn iin_hint(ui: &Ui, l: Lang, iin: &str, tried: bool) -> Element {
    let check = IinCheck::of(iin);
    let p = ui.el("p", "hint");
    set(&p, "data-testid", "iin-check");
    set(&p, "aria-live", "polite");
    match check {
        IinCheck::Empty | IinCheck::Partial => {
            set(&p, "data-state", if tried { "invalid" } else { "partial" });
            p.set_text_content(Some(if tried {
                i18n::problem(l, "iin_invalid")
            } else {
                t(l, Key::IinPartial)
            }));
            if tried {
                p.set_class_name("hint error-message");
                set(&p, "role", "alert");
            }
        }
        IinCheck::Invalid(e) => {
            set(&p, "data-state", "invalid");
            set(&p, "data-code", e.code());
            p.set_class_name("hint error-message");
            set(&p, "role", "alert");
            p.set_text_content(Some(i18n::problem(l, "iin_invalid")));
        }
        IinCheck::Valid => {
            set(&p, "data-state", "valid");
            p.set_text_content(Some(t(l, Key::IinOk)));
        }
    }
    p
}

fn door(ui: &Ui, m: &Model, main: &Element) {
    let l = m.lang;
    append(main, &ui.text("h1", "title", t(l, Key::Door)));
    if m.roles.staff_at.len() > 1 {
        let p = ui.el("p", "field");
        let lab = ui.text("label", "", t(l, Key::Premises));
        set(&lab, "for", "post");
        let sel = ui.el("select", "");
        set(&sel, "id", "post");
        set(&sel, "data-testid", "post");
        for (i, post) in m.roles.staff_at.iter().enumerate() {
            let o = ui.text("option", "", &post.venue_name);
            set(&o, "value", &num(i as u64));
            if i == m.post {
                set(&o, "selected", "");
            }
            append(&sel, &o);
        }
        let d = ui.dispatch.clone();
        ui.on(&sel, "change", move |e| {
            if let Some(s) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                if let Ok(i) = s.value().parse::<usize>() {
                    d(Msg::PickPost(i));
                }
            }
        });
        append(&p, &lab);
        append(&p, &sel);
        append(main, &p);
    }
    if let Some(post) = m.post() {
        let card = ui.el("section", "card venue");
        set(&card, "data-testid", "post-venue");
        set(&card, "data-venue-id", &num(post.venue_id));
        append(&card, &ui.text("h2", "venue-name", &post.venue_name));
        append(&card, &ui.text("p", "", &post.address));
        append(
            &card,
            &ui.text("p", "muted", i18n::category(l, post.category)),
        );
        append(main, &card);
    }
    append(
        main,
        &ui.button(
            t(l, Key::CheckPass),
            "check-pass",
            "btn primary big",
            || Msg::CheckPass,
        ),
    );
    append(
        main,
        &ui.button(t(l, Key::GuardMode), "guard-open", "btn", || Msg::OpenGuard),
    );
}

fn status_and_admission(
    ui: &Ui,
    l: Lang,
    st: Status,
    adm: &ashyq_core::status::Admission,
    parent: &Element,
) {
    let w = ui.text("p", "status-word", i18n::status_word(l, st));
    set(&w, "data-testid", "status-word");
    append(parent, &w);
    let a = ui.el("div", "admission");
    set(&a, "data-testid", "admission");
    set(
        &a,
        "data-admitted",
        if adm.admitted { "true" } else { "false" },
    );
    append(
        &a,
        &ui.text(
            "strong",
            "",
            if adm.admitted {
                t(l, Key::Admitted)
            } else {
                t(l, Key::NotAdmitted)
            },
        ),
    );
    append(
        &a,
        &ui.text("span", "reason", i18n::admission_reason(l, adm.reason)),
    );
    append(parent, &a);
}

fn verdict(ui: &Ui, m: &Model, v: &Verdict, main: &Element) {
    let l = m.lang;
    let sec = ui.el("section", "");
    set(&sec, "data-testid", "verdict");
    match v {
        Verdict::Valid {
            masked_name,
            status,
            admission,
            ..
        } => {
            let mut class = String::from("verdict valid ");
            class.push_str(status_class(*status));
            sec.set_class_name(&class);
            set(&sec, "data-verdict", "valid");
            set(&sec, "data-status", status.as_str());
            let mark = ui.text("p", "mark", "✔");
            set(&mark, "aria-hidden", "true");
            append(&sec, &mark);
            append(&sec, &ui.text("h1", "title", t(l, Key::Valid)));
            let n = ui.text("p", "name", masked_name);
            set(&n, "data-testid", "verdict-name");
            append(&sec, &n);
            status_and_admission(ui, l, *status, admission, &sec);
        }
        Verdict::Invalid(r) => {
            sec.set_class_name("verdict invalid");
            set(&sec, "data-verdict", "invalid");
            set(&sec, "data-reason", r.code());
            let mark = ui.text("p", "mark", "✘");
            set(&mark, "aria-hidden", "true");
            append(&sec, &mark);
            append(&sec, &ui.text("h1", "title", t(l, Key::Invalid)));
            let why = ui.text("p", "reason", i18n::reason(l, *r));
            set(&why, "data-testid", "verdict-reason");
            set(&why, "role", "alert");
            append(&sec, &why);
        }
    }
    append(
        &sec,
        &ui.button(t(l, Key::CheckNext), "check-pass", "btn big", || {
            Msg::CheckPass
        }),
    );
    append(
        &sec,
        &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
    );
    append(main, &sec);
}
