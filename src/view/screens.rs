//! One render function per screen. The DOM contract the end-to-end tests drive
//! (`data-screen`, `data-testid`, `data-status`, …) is produced here and only here.

use ashyq_core::encoding::push_decimal;
use ashyq_core::status::Policy;
use ashyq_core::venue::Direction;
use ashyq_core::{Status, Timestamp};
use wasm_bindgen::JsCast;

use super::{append, set, Ui};
use crate::app::{DiaryView, HomeStatus, Model, Msg, PassView, RoleMode, Screen, SignIn};
use crate::i18n::{self, t, Key, Lang};
use crate::types::HostKind;
use web_sys::Element;

pub fn render(ui: &Ui, m: &Model) {
    let l = m.lang;
    let main = ui.el("main", "screen");
    let pass_colour = matches!(m.screen, Screen::Pass(_));
    if !pass_colour {
        append(&main, &header(ui, m));
    }
    match &m.screen {
        Screen::Start => {
            append(&main, &ui.text("h1", "title", t(l, Key::AppName)));
            append(&main, &busy(ui, t(l, Key::Loading)));
        }
        Screen::SignIn(s) => sign_in(ui, m, s, &main),
        Screen::Home(h) => home(ui, m, h, &main),
        Screen::Scanning => {
            append(&main, &ui.text("h1", "title", t(l, Key::Scanning)));
            append(&main, &busy(ui, t(l, Key::ScanPrompt)));
            append(
                &main,
                &ui.button(t(l, Key::CancelScan), "scan-cancel", "btn", || Msg::Back),
            );
        }
        Screen::CheckIn => check_in(ui, m, &main),
        Screen::Pass(p) => pass(ui, m, p, &main),
        Screen::Unknown { reason, .. } => unknown(ui, m, reason.code(), &main),
        Screen::Rejected { error } => {
            append(&main, &ui.text("h1", "title", t(l, Key::NotVenueCode)));
            let msg = ui.el("p", "error-message");
            set(&msg, "data-testid", "error-message");
            set(&msg, "data-code", error.code());
            set(&msg, "role", "alert");
            // Its own sentence once the rare texts are loaded; the title says what happened
            // meanwhile.
            msg.set_text_content(ui.rare("rejected", error.code(), l).as_deref());
            append(&main, &icon(ui, "reject"));
            append(&main, &msg);
            append(
                &main,
                &ui.button(t(l, Key::Back), "back", "btn primary", || Msg::Back),
            );
        }
        Screen::Error { reason } => {
            let code = reason.code();
            append(&main, &ui.text("h1", "title", t(l, Key::ErrorTitle)));
            let msg = ui.text("p", "error-message", &error_sentence(ui, code, l));
            set(&msg, "data-testid", "error-message");
            set(&msg, "data-code", code);
            set(&msg, "role", "alert");
            append(&main, &msg);
            // Scanning could not work here: the code can still be typed or pasted; a denied
            // camera also gets the host's settings where it has them.
            if matches!(
                code,
                "permission_denied" | "no_camera" | "camera_in_use" | "scan_unsupported"
            ) {
                if code == "permission_denied" && m.host.has_settings() {
                    append(
                        &main,
                        &ui.button(t(l, Key::OpenSettings), "open-settings", "btn", || {
                            Msg::OpenSettings
                        }),
                    );
                }
                append(&main, &paste_box(ui, l));
            }
            append(
                &main,
                &ui.button(t(l, Key::Back), "back", "btn primary", || Msg::Back),
            );
        }
        Screen::Diary(d) => diary(ui, m, d, &main),
        Screen::Roles { mode, failed } => {
            let title = match mode {
                RoleMode::Business => Key::Business,
                RoleMode::Door => Key::Door,
            };
            append(&main, &ui.text("h1", "title", t(l, title)));
            if *failed {
                let msg = ui.text("p", "error-message", &rare_sentence(ui, "roles_failed", l));
                set(&msg, "data-testid", "error-message");
                set(&msg, "data-code", "roles_load_failed");
                set(&msg, "role", "alert");
                append(&main, &msg);
            } else {
                append(&main, &busy(ui, t(l, Key::Loading)));
            }
            append(
                &main,
                &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
            );
        }
    }
    append(&ui.root, &main);
}

/// An error's own sentence once the rare texts are loaded, the general one until then (or
/// for an error without one).
fn error_sentence(ui: &Ui, code: &str, l: i18n::Lang) -> String {
    ui.rare("errors", code, l)
        .unwrap_or_else(|| String::from(i18n::error_message(l)))
}

/// A rare screen's own sentence once loaded, the general error sentence until then.
fn rare_sentence(ui: &Ui, code: &str, l: i18n::Lang) -> String {
    ui.rare("screens", code, l)
        .unwrap_or_else(|| String::from(i18n::error_message(l)))
}

/// The host's title for this screen (Aitu `setTitle`, VK, the browser tab).
pub fn title(m: &Model) -> &'static str {
    let l = m.lang;
    t(
        l,
        match &m.screen {
            Screen::Scanning => Key::Scanning,
            Screen::CheckIn => match m.flow.verified().map(|(v, _)| v.venue.direction) {
                Some(Direction::Out) => Key::CheckOutTitle,
                _ => Key::CheckInTitle,
            },
            Screen::Diary(_) => Key::Diary,
            _ => Key::AppName,
        },
    )
}

/// What the `aria-live` region says about this screen (status changes are announced).
pub fn announcement(m: &Model) -> String {
    let l = m.lang;
    match &m.screen {
        Screen::Home(HomeStatus::Known(s)) => {
            join(t(l, Key::YourStatus), i18n::status_word(l, s.status))
        }
        Screen::Home(HomeStatus::Unknown) | Screen::Unknown { .. } => {
            String::from(t(l, Key::StatusUnavailable))
        }
        Screen::Pass(p) => {
            let admitted = if p.resp.admission.admitted {
                t(l, Key::Admitted)
            } else {
                t(l, Key::NotAdmitted)
            };
            join(i18n::status_word(l, p.resp.status.status), admitted)
        }
        Screen::Rejected { .. } => String::from(t(l, Key::NotVenueCode)),
        _ => String::new(),
    }
}

fn join(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 2);
    s.push_str(a);
    s.push_str(": ");
    s.push_str(b);
    s
}

fn testid(e: Element, id: &str) -> Element {
    set(&e, "data-testid", id);
    e
}

fn header(ui: &Ui, m: &Model) -> Element {
    let h = ui.el("header", "bar");
    append(&h, &ui.text("span", "brand", t(m.lang, Key::AppName)));
    let lang = ui.button(m.lang.next().name(), "lang", "btn small", || {
        Msg::SwitchLang
    });
    set(&lang, "lang", m.lang.next().code());
    append(&h, &lang);
    h
}

fn busy(ui: &Ui, text: &str) -> Element {
    let p = ui.el("p", "busy");
    set(&p, "role", "status");
    append(&p, &ui.el("span", "spinner"));
    append(&p, &ui.text("span", "", text));
    p
}

/// A status icon that differs in shape, not only colour: a cross, a triangle, a circle, a
/// check mark, a question mark.
fn icon(ui: &Ui, kind: &str) -> Element {
    let glyph = match kind {
        "RED" | "reject" => "✕",
        "YELLOW" => "!",
        "BLUE" => "i",
        "GREEN" => "✓",
        _ => "?",
    };
    let mut class = String::from("icon icon-");
    class.push_str(&kind.to_ascii_lowercase());
    let e = ui.text("span", &class, glyph);
    set(&e, "aria-hidden", "true");
    e
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

// ---------------------------------------------------------------- time

fn two(out: &mut String, n: u32) {
    push_decimal(out, u64::from(n), 2);
}

/// Local `HH:MM` (with `:SS` when `secs`).
pub fn clock(ts_ms: f64, secs: bool) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts_ms));
    let mut s = String::with_capacity(8);
    two(&mut s, d.get_hours());
    s.push(':');
    two(&mut s, d.get_minutes());
    if secs {
        s.push(':');
        two(&mut s, d.get_seconds());
    }
    s
}

/// The pass clock: the model's time, local `HH:MM:SS` (it ticks through `update`).
pub fn pass_clock(m: &Model) -> String {
    clock(m.now as f64 * 1000.0, true)
}

/// Local `DD.MM HH:MM`, or `DD.MM.YYYY HH:MM` when `ts` is not in the year of `now` (a
/// status valid until next October must not look like last October).
pub fn date_time(ts: Timestamp, now: Timestamp) -> String {
    let ms = ts as f64 * 1000.0;
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    // Through Reflect: a typed `getFullYear` binding costs first-load bytes in the glue.
    let year = |d: &js_sys::Date| {
        crate::host::js::call_method(d.as_ref(), "getFullYear", &[])
            .ok()
            .and_then(|y| y.as_f64())
            .unwrap_or(0.0) as u64
    };
    let this_year = year(&js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        now as f64 * 1000.0,
    )));
    let mut s = String::with_capacity(17);
    two(&mut s, d.get_date());
    s.push('.');
    two(&mut s, d.get_month() + 1);
    if year(&d) != this_year {
        s.push('.');
        push_decimal(&mut s, year(&d), 4);
    }
    s.push(' ');
    s.push_str(&clock(ms, false));
    s
}

/// "5 min ago", "2 h ago", …
fn age(l: Lang, now: Timestamp, then: Timestamp) -> String {
    let secs = (now - then).max(0);
    let (n, unit) = if secs < 60 {
        return String::from(t(l, Key::JustNow));
    } else if secs < 3600 {
        (secs / 60, Key::MinutesAgo)
    } else if secs < 86_400 {
        (secs / 3600, Key::HoursAgo)
    } else {
        (secs / 86_400, Key::DaysAgo)
    };
    let mut s = String::new();
    push_decimal(&mut s, n as u64, 0);
    s.push(' ');
    s.push_str(t(l, unit));
    s
}

fn labelled(ui: &Ui, label: &str, value: &str) -> Element {
    let p = ui.el("p", "kv");
    append(&p, &ui.text("span", "k", label));
    append(&p, &ui.text("span", "v", value));
    p
}

fn entrance_line(ui: &Ui, l: Lang, entrance: u8, dir: Direction) -> Element {
    let p = ui.el("p", "entrance");
    let mut s = String::from(t(l, Key::Entrance));
    s.push(' ');
    push_decimal(&mut s, u64::from(entrance), 0);
    append(&p, &ui.text("span", "", &s));
    let d = ui.text(
        "span",
        "direction",
        match dir {
            Direction::In => t(l, Key::DirectionIn),
            Direction::Out => t(l, Key::DirectionOut),
        },
    );
    set(&d, "data-testid", "direction");
    set(&d, "data-direction", dir.as_str());
    append(&p, &d);
    p
}

// ---------------------------------------------------------------- screens

fn sign_in(ui: &Ui, m: &Model, s: &SignIn, main: &Element) {
    let l = m.lang;
    append(main, &ui.text("h1", "title", t(l, Key::SignInTitle)));
    match s {
        SignIn::Loading | SignIn::Busy => append(main, &busy(ui, t(l, Key::Loading))),
        SignIn::Demo(citizens) => {
            let words = ui.rare("screens", "sign_in_demo", l);
            append(main, &ui.text("p", "", words.as_deref().unwrap_or("")));
            let list = ui.el("div", "citizens");
            for c in citizens {
                let mut label = c.name.clone();
                label.push(' ');
                label.push_str(&c.lastname);
                let mut id = String::from("citizen-");
                id.push_str(&c.iin);
                let b = ui.el("button", "btn citizen");
                set(&b, "type", "button");
                set(&b, "data-testid", &id);
                append(&b, &ui.text("span", "", &label));
                append(
                    &b,
                    &ui.text("span", "muted", i18n::status_word(l, c.expected_status)),
                );
                let d = ui.dispatcher();
                let iin = c.iin.clone();
                ui.on(&b, "click", move || d(Msg::PickCitizen(iin.clone())));
                append(&list, &b);
            }
            append(main, &list);
        }
        SignIn::NeedsHost => {
            let words = ui.rare("screens", "sign_in_needs_host", l);
            let p = ui.text("p", "notice", words.as_deref().unwrap_or(""));
            set(&p, "data-testid", "needs-host");
            append(main, &p);
        }
        SignIn::Failed(e) => {
            let p = ui.text(
                "p",
                "error-message",
                &rare_sentence(ui, "sign_in_host_failed", l),
            );
            set(&p, "data-testid", "error-message");
            set(&p, "data-code", e.code());
            set(&p, "role", "alert");
            append(main, &p);
            append(
                main,
                &ui.button(t(l, Key::Retry), "retry", "btn primary", || Msg::SignOut),
            );
        }
    }
}

fn status_card(ui: &Ui, m: &Model, h: &HomeStatus) -> Element {
    let l = m.lang;
    let card = ui.el("section", "");
    set(&card, "data-testid", "status-card");
    set(&card, "aria-label", t(l, Key::YourStatus));
    match h {
        HomeStatus::Known(s) => {
            let mut class = String::from("card status ");
            class.push_str(status_class(s.status));
            card.set_class_name(&class);
            set(&card, "data-status", s.status.as_str());
            append(&card, &ui.text("p", "k", t(l, Key::YourStatus)));
            let word = ui.el("p", "status-word");
            set(&word, "data-testid", "status-word");
            append(&word, &icon(ui, s.status.as_str()));
            append(&word, &ui.text("span", "", i18n::status_word(l, s.status)));
            append(&card, &word);
            append(&card, &ui.text("p", "", i18n::status_meaning(l, s.status)));
            if let Some(since) = s.since {
                append(
                    &card,
                    &labelled(ui, t(l, Key::Since), &date_time(since, m.now)),
                );
            }
            let until = s
                .valid_until
                .map(|u| date_time(u, m.now))
                .unwrap_or_else(|| String::from(t(l, Key::OpenEnded)));
            append(&card, &labelled(ui, t(l, Key::ValidUntil), &until));
            append(
                &card,
                &labelled(ui, t(l, Key::AsOf), &date_time(s.as_of, m.now)),
            );
        }
        HomeStatus::Loading => {
            card.set_class_name("card status st-unknown");
            // Not UNKNOWN: nothing has failed yet, the status is on its way.
            set(&card, "data-status", "LOADING");
            set(&card, "aria-busy", "true");
            append(&card, &busy(ui, t(l, Key::Loading)));
        }
        HomeStatus::Unknown => {
            card.set_class_name("card status st-unknown");
            set(&card, "data-status", "UNKNOWN");
            let word = ui.el("p", "status-word");
            append(&word, &icon(ui, "UNKNOWN"));
            append(&word, &ui.text("span", "", t(l, Key::StatusUnavailable)));
            append(&card, &word);
            append(&card, &ui.text("p", "", t(l, Key::NotAPass)));
            history(ui, m, &card);
            append(
                &card,
                &ui.button(t(l, Key::Retry), "retry", "btn", || Msg::Retry),
            );
        }
    }
    card
}

/// The last known status as history: its word and age, no colour, never a pass.
fn history(ui: &Ui, m: &Model, parent: &Element) {
    let Some(s) = &m.last_status else { return };
    let l = m.lang;
    let p = ui.el("p", "history");
    set(&p, "data-testid", "history");
    append(&p, &ui.text("span", "k", t(l, Key::LastKnown)));
    let mut v = String::from(i18n::status_word(l, s.status));
    v.push_str(" · ");
    v.push_str(&age(l, m.now, s.as_of));
    append(&p, &ui.text("span", "v", &v));
    append(parent, &p);
}

fn paste_box(ui: &Ui, l: Lang) -> Element {
    let form = ui.el("div", "paste");
    let id = "code-input";
    let label = ui.text("label", "", t(l, Key::PasteLabel));
    set(&label, "for", id);
    let input = ui.el("input", "");
    set(&input, "id", id);
    set(&input, "type", "text");
    set(&input, "data-testid", "code-input");
    set(&input, "autocomplete", "off");
    set(&input, "spellcheck", "false");
    set(&input, "inputmode", "url");
    let submit = ui.text("button", "btn primary", t(l, Key::PasteSubmit));
    set(&submit, "type", "button");
    set(&submit, "data-testid", "code-submit");
    let d = ui.dispatcher();
    let read = input.clone();
    ui.on(&submit, "click", move || {
        if let Some(i) = read.dyn_ref::<web_sys::HtmlInputElement>() {
            d(Msg::Paste(i.value()));
        }
    });
    let d = ui.dispatcher();
    let read = input.clone();
    // Enter in the box submits too.
    let l2 = gloo_events::EventListener::new(&input, "keydown", move |e| {
        let enter = e
            .dyn_ref::<web_sys::KeyboardEvent>()
            .map(|k| k.key() == "Enter")
            .unwrap_or(false);
        if enter {
            if let Some(i) = read.dyn_ref::<web_sys::HtmlInputElement>() {
                d(Msg::Paste(i.value()));
            }
        }
    });
    ui.keep(l2);
    append(&form, &label);
    append(&form, &input);
    append(&form, &submit);
    form
}

fn home(ui: &Ui, m: &Model, h: &HomeStatus, main: &Element) {
    let l = m.lang;
    append(main, &ui.text("h1", "title sr-only", t(l, Key::YourStatus)));
    if let Some(s) = &m.session {
        append(main, &ui.text("p", "muted who", &s.profile.masked_name));
    }
    append(main, &status_card(ui, m, h));
    let scan = ui.button(t(l, Key::Scan), "scan", "btn primary big", || Msg::ScanTap);
    append(main, &scan);
    if m.host == HostKind::Browser {
        append(main, &ui.text("p", "muted", t(l, Key::OrPaste)));
        append(main, &paste_box(ui, l));
    }
    if let Some(s) = &m.session {
        if !s.roles.owner_of.is_empty() {
            append(
                main,
                &ui.button(t(l, Key::Business), "business-open", "btn", || {
                    Msg::OpenRoles(RoleMode::Business)
                }),
            );
        }
        if !s.roles.staff_at.is_empty() {
            append(
                main,
                &ui.button(t(l, Key::Door), "door-open", "btn", || {
                    Msg::OpenRoles(RoleMode::Door)
                }),
            );
        }
    }
    let row = ui.el("div", "row");
    append(
        &row,
        &ui.button(t(l, Key::Diary), "diary-open", "btn", || Msg::OpenDiary),
    );
    if m.host == HostKind::Browser {
        append(
            &row,
            &ui.button(t(l, Key::SignOut), "sign-out", "btn", || Msg::SignOut),
        );
    }
    append(main, &row);
}

fn check_in(ui: &Ui, m: &Model, main: &Element) {
    let l = m.lang;
    let Some((v, sending)) = m.flow.verified() else {
        append(main, &ui.text("h1", "title", t(l, Key::CheckInTitle)));
        return;
    };
    // An exit poster records leaving: it must say so, not "Check in here".
    let (title, confirm) = match v.venue.direction {
        Direction::In => (Key::CheckInTitle, Key::CheckInConfirm),
        Direction::Out => (Key::CheckOutTitle, Key::CheckOutConfirm),
    };
    append(main, &ui.text("h1", "title", t(l, title)));
    let venue = &v.venue;
    let card = ui.el("section", "card venue");
    append(
        &card,
        &testid(
            ui.text("h2", "venue-name", &venue.business_name),
            "venue-name",
        ),
    );
    append(&card, &ui.text("p", "", &venue.address));
    append(
        &card,
        &ui.text("p", "muted", i18n::category(l, venue.category)),
    );
    append(
        &card,
        &entrance_line(ui, l, venue.entrance, venue.direction),
    );
    append(main, &card);
    let deps = m.session.as_ref().map(|s| &s.dependants[..]).unwrap_or(&[]);
    if !deps.is_empty() {
        let fs = ui.el("fieldset", "party");
        set(&fs, "data-testid", "party-pick");
        append(&fs, &ui.text("legend", "", t(l, Key::WithYou)));
        for d in deps {
            let label = ui.el("label", "tick");
            let b = ui.el("input", "");
            set(&b, "type", "checkbox");
            set(&b, "data-testid", "dependant");
            set(&b, "data-dependant", &d.id);
            if v.party.contains(&d.id) {
                set(&b, "checked", "");
            }
            if sending {
                set(&b, "disabled", "");
            }
            let d2 = ui.dispatcher();
            let id = d.id.clone();
            ui.on(&b, "change", move || d2(Msg::ToggleDependant(id.clone())));
            append(&label, &b);
            append(&label, &ui.text("span", "", &d.masked_name));
            append(&fs, &label);
        }
        append(main, &fs);
    }
    if sending {
        append(main, &busy(ui, t(l, Key::CheckingIn)));
    } else {
        append(
            main,
            &ui.button(t(l, confirm), "checkin-confirm", "btn primary", || {
                Msg::ConfirmCheckIn
            }),
        );
        append(
            main,
            &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
        );
    }
}

fn pass(ui: &Ui, m: &Model, p: &PassView, main: &Element) {
    let l = m.lang;
    let st = p.resp.status.status;
    let sec = ui.el("section", "");
    let mut class = String::from("pass ");
    class.push_str(status_class(st));
    sec.set_class_name(&class);
    set(&sec, "data-testid", "pass");
    set(&sec, "data-status", st.as_str());
    // The moving band: a screenshot is obvious because it stops.
    append(&sec, &ui.el("div", "live-band"));
    let top = ui.el("div", "pass-top");
    append(&top, &ui.text("span", "brand", t(l, Key::AppName)));
    let lang = ui.button(l.next().name(), "lang", "btn small", || Msg::SwitchLang);
    append(&top, &lang);
    append(&sec, &top);
    let clock_el = ui.text("p", "clock", &pass_clock(m));
    set(&clock_el, "data-testid", "clock");
    set(&clock_el, "id", "pass-clock");
    append(&sec, &clock_el);
    let word = ui.el("h1", "status-word");
    set(&word, "data-testid", "status-word");
    append(&word, &icon(ui, st.as_str()));
    append(&word, &ui.text("span", "", i18n::status_word(l, st)));
    append(&sec, &word);
    append(&sec, &ui.text("p", "name", &p.masked_name));

    let adm = ui.el("div", "admission");
    set(&adm, "data-testid", "admission");
    let admitted = p.resp.admission.admitted;
    set(
        &adm,
        "data-admitted",
        if admitted { "true" } else { "false" },
    );
    append(&adm, &icon(ui, if admitted { "GREEN" } else { "reject" }));
    append(
        &adm,
        &ui.text(
            "strong",
            "",
            if admitted {
                t(l, Key::Admitted)
            } else {
                t(l, Key::NotAdmitted)
            },
        ),
    );
    append(
        &adm,
        &ui.text("span", "reason", i18n::reason(l, p.resp.admission.reason)),
    );
    append(&sec, &adm);
    // Done right under what the door staff look at: on a small phone (320×568) the colour,
    // status, admission, clock and Done fit without scrolling; venue and QR may scroll.
    append(
        &sec,
        &ui.button(t(l, Key::Done), "done", "btn big", || Msg::Done),
    );

    let venue = ui.el("div", "venue");
    append(
        &venue,
        &testid(
            ui.text("h2", "venue-name", &p.resp.visit.venue_name),
            "venue-name",
        ),
    );
    append(&venue, &ui.text("p", "", &p.resp.visit.address));
    append(
        &venue,
        &entrance_line(ui, l, p.venue.entrance, p.resp.direction),
    );
    append(&sec, &venue);
    if !p.resp.party.is_empty() {
        let list = ui.el("ul", "party");
        set(&list, "data-testid", "party");
        for member in &p.resp.party {
            let li = ui.el("li", status_class(member.status));
            set(&li, "data-testid", "party-member");
            set(&li, "data-status", member.status.as_str());
            set(
                &li,
                "data-admitted",
                if member.admission.admitted {
                    "true"
                } else {
                    "false"
                },
            );
            append(&li, &icon(ui, member.status.as_str()));
            append(&li, &ui.text("strong", "", &member.masked_name));
            append(
                &li,
                &ui.text("span", "", i18n::status_word(l, member.status)),
            );
            append(
                &li,
                &ui.text(
                    "span",
                    "",
                    if member.admission.admitted {
                        t(l, Key::Admitted)
                    } else {
                        t(l, Key::NotAdmitted)
                    },
                ),
            );
            append(&list, &li);
        }
        append(&sec, &list);
    }
    if p.resp.direction == Direction::Out {
        append(&sec, &ui.text("p", "closed", t(l, Key::VisitClosed)));
    }

    let qr_box = ui.el("div", "qr");
    set(&qr_box, "data-testid", "pass-qr");
    if let Some(svg) = super::qr::render(ui, &p.resp.pass.token, t(l, Key::ShowToStaff)) {
        append(&qr_box, &svg);
    }
    append(&sec, &qr_box);
    let expiry = if p.refresh_failed {
        let mut s = String::from(t(l, Key::PassExpires));
        s.push(' ');
        s.push_str(&clock(p.resp.pass.expires_at as f64 * 1000.0, false));
        s
    } else {
        String::from(t(l, Key::ShowToStaff))
    };
    append(&sec, &ui.text("p", "muted-on", &expiry));
    append(main, &sec);
}

fn unknown(ui: &Ui, m: &Model, reason: &str, main: &Element) {
    let l = m.lang;
    let card = ui.el("section", "card unknown");
    set(&card, "data-testid", "unknown");
    set(&card, "data-reason", reason);
    append(&card, &icon(ui, "UNKNOWN"));
    append(&card, &ui.text("h1", "title", t(l, Key::StatusUnavailable)));
    append(&card, &ui.text("p", "", t(l, Key::NotAPass)));
    history(ui, m, &card);
    append(&card, &ui.text("p", "muted", t(l, Key::RetryingIn)));
    append(main, &card);
    append(
        main,
        &ui.button(t(l, Key::Retry), "retry", "btn primary", || Msg::Retry),
    );
    append(
        main,
        &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
    );
}

fn diary(ui: &Ui, m: &Model, d: &DiaryView, main: &Element) {
    let l = m.lang;
    append(main, &ui.text("h1", "title", t(l, Key::Diary)));
    let list = ui.el("ul", "diary");
    set(&list, "data-testid", "diary");
    if let Some(e) = &d.error {
        let code = e.code();
        let p = ui.text("p", "error-message", &error_sentence(ui, code, l));
        set(&p, "data-testid", "error-message");
        set(&p, "data-code", code);
        set(&p, "role", "alert");
        append(main, &p);
    }
    match &d.visits {
        None if d.error.is_none() => append(main, &busy(ui, t(l, Key::Loading))),
        None => {}
        Some(v) if v.is_empty() => {
            let words = ui.rare("screens", "diary_empty", l);
            append(main, &ui.text("p", "muted", words.as_deref().unwrap_or("")));
        }
        Some(visits) => {
            let policy = Policy::default();
            for v in visits {
                let row = ui.el(
                    "li",
                    if v.cancelled {
                        "visit cancelled"
                    } else {
                        "visit"
                    },
                );
                set(&row, "data-testid", "visit");
                set(&row, "data-visit-id", &v.id);
                append(&row, &ui.text("strong", "", &v.venue_name));
                append(&row, &ui.text("span", "muted", &v.address));
                let mut when = date_time(v.entered_at, m.now);
                when.push_str(" — ");
                if v.cancelled {
                    when.push_str(t(l, Key::Cancelled));
                } else {
                    match v.exited_at {
                        Some(x) => {
                            when.push_str(t(l, Key::Left));
                            when.push(' ');
                            when.push_str(&clock(x as f64 * 1000.0, false));
                        }
                        None => when.push_str(t(l, Key::Open)),
                    }
                }
                append(&row, &ui.text("span", "", &when));
                // A visit door staff recorded in guard mode can be disputed ("this was not
                // me"; rare words, loaded with the other rare screens); the visitor's own is
                // cancelled within the cancel window. One button either way.
                let dispute = v.by_staff;
                if dispute {
                    let code = if v.disputed { "disputed" } else { "by_staff" };
                    let words = ui.rare("screens", code, l).unwrap_or_default();
                    append(&row, &ui.text("span", "muted", &words));
                }
                let label = if dispute {
                    (!v.disputed).then(|| ui.rare("screens", "dispute", l).unwrap_or_default())
                } else {
                    ashyq_core::visit::can_cancel(v.entered_at, v.cancelled, m.now, &policy)
                        .is_ok()
                        .then(|| String::from(t(l, Key::CancelVisit)))
                };
                if let Some(label) = label {
                    let id = v.id.clone();
                    let b = ui.button(&label, "cancel-visit", "btn small", move || {
                        Msg::CancelVisit(id.clone(), dispute)
                    });
                    append(&row, &b);
                }
                append(&list, &row);
            }
        }
    }
    append(main, &list);
    append(
        main,
        &ui.button(t(l, Key::Back), "back", "btn", || Msg::Back),
    );
}
