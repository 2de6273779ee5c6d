//! The edge that runs the state machine: it feeds messages to [`Model::update`], renders,
//! and performs the effects (host calls, fetches, timers), turning each result back into a
//! message. Timers are owned and replaced, so a stale retry or refresh never fires twice.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use ashyq_core::keys::KeySet;
use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::Element;

use crate::api::Api;
use crate::app::{Effect, Input, Model, Msg, RoleMode, Screen};
use crate::host::{js, Host, HostEvent, Theme};
use crate::i18n::Lang;
use crate::params::Params;
use crate::types::HostKind;
use crate::view::Ui;

const KEYS_CACHE: &str = "ashyq.keys";
const SESSION_CACHE: &str = "ashyq.session";
const LANG_CACHE: &str = "ashyq.lang";
/// Default budget of one backend request (retries included).
pub const FETCH_TIMEOUT_MS: u32 = 8_000;

pub struct App {
    model: RefCell<Model>,
    ui: Ui,
    host: Rc<dyn Host>,
    api: Api,
    retry_timer: RefCell<Option<Timeout>>,
    pass_timer: RefCell<Option<Timeout>>,
    _clock: RefCell<Option<Interval>>,
    back_visible: Cell<Option<bool>>,
    ready: Cell<bool>,
    roles: RefCell<Option<RolesOpen>>,
    /// The host bar colours last sent, so a re-render does not resend them.
    texts_loading: Cell<bool>,
    /// Pass protection and closing confirmation as last told to the host.
    guards: Cell<(bool, bool)>,
}

/// The role module's screens while they are open: its element, its handle, and the two
/// functions this module lent it (the host's scanner, and "close").
struct RolesOpen {
    root: Element,
    handle: JsValue,
    _scan: Closure<dyn FnMut() -> js_sys::Promise>,
    _close: Closure<dyn FnMut()>,
}

pub fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// A random UUID v4 from `crypto.getRandomValues`: one per scan, reused on retries.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    let filled = js::window()
        .crypto()
        .ok()
        .map(|c| c.get_random_values_with_u8_array(&mut b).is_ok())
        .unwrap_or(false);
    if !filled {
        for x in b.iter_mut() {
            *x = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ashyq_core::visit::new_client_visit_id(b)
}

/// The UI language: `?lang=`, the user's earlier choice, the host, the browser, Kazakh.
fn pick_lang(params: &Params, host: &dyn Host) -> Lang {
    params
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .or_else(|| js::local_get(LANG_CACHE).as_deref().and_then(Lang::parse))
        .or_else(|| host.language().as_deref().and_then(Lang::parse))
        .or_else(|| {
            js::window()
                .navigator()
                .language()
                .as_deref()
                .and_then(Lang::parse)
        })
        .unwrap_or(Lang::Kk)
}

/// Whether this host keeps a session between launches (Telegram and VK give a fresh
/// signed proof with every launch, so theirs are not cached).
fn caches_session(kind: HostKind) -> bool {
    matches!(kind, HostKind::Aitu(_) | HostKind::Browser | HostKind::Fake)
}

fn cached_keys() -> Option<KeySet> {
    let text = js::local_get(KEYS_CACHE)?;
    let map = crate::json::string_map(&crate::json::parse(&text)?)?;
    KeySet::from_b64_pairs(map.iter().map(|(k, v)| (k, v)))
        .ok()
        .filter(|k| !k.is_empty())
}

/// Mounts the app in `root` and starts it. The returned handle keeps it alive.
pub fn mount(root: Element, host: Rc<dyn Host>, params: Params) -> Rc<App> {
    let doc = js::window()
        .document()
        .expect("unreachable: a window has a document");
    let lang = pick_lang(&params, host.as_ref());
    let timeout = params.timeout_ms.unwrap_or(FETCH_TIMEOUT_MS);
    let app = Rc::new_cyclic(|weak: &Weak<App>| {
        let w = weak.clone();
        let dispatch: Rc<dyn Fn(Msg)> = Rc::new(move |m| {
            if let Some(app) = w.upgrade() {
                app.dispatch(m);
            }
        });
        App {
            model: RefCell::new(Model::new(host.kind(), lang)),
            ui: Ui::new(doc, root, dispatch),
            host: host.clone(),
            api: Api::new(timeout),
            retry_timer: RefCell::new(None),
            pass_timer: RefCell::new(None),
            _clock: RefCell::new(None),
            back_visible: Cell::new(None),
            ready: Cell::new(false),
            roles: RefCell::new(None),
            texts_loading: Cell::new(false),
            guards: Cell::new((false, false)),
        }
    });
    {
        let w = Rc::downgrade(&app);
        host.on_event(Rc::new(move |e| {
            let Some(app) = w.upgrade() else { return };
            match e {
                HostEvent::Back => {
                    // The role screens walk back through their own screens first; from
                    // their top screen they close themselves.
                    let handle = app.roles.borrow().as_ref().map(|r| r.handle.clone());
                    match handle {
                        Some(h) => {
                            let _ = js::call_method(&h, "back", &[]);
                        }
                        None => app.dispatch(Msg::Back),
                    }
                }
                HostEvent::Foreground => app.dispatch(Msg::Foreground),
                HostEvent::Theme(t) => app.set_theme(t),
                // CSS custom properties: the stylesheet adds the insets to
                // env(safe-area-inset-*) and lays out in the stable height.
                HostEvent::Insets(insets) => {
                    for (name, px) in ["top", "right", "bottom", "left"].iter().zip(insets) {
                        let mut prop = String::from("--host-inset-");
                        prop.push_str(name);
                        app.set_css_px(&prop, px);
                    }
                }
                HostEvent::Height(px) => app.set_css_px("--host-height", px),
            }
        }));
    }
    {
        let w = Rc::downgrade(&app);
        // Every second: the pass clock, and the end of an expired pass.
        let clock = Interval::new(1000, move || {
            if let Some(app) = w.upgrade() {
                app.dispatch(Msg::Tick);
            }
        });
        *app._clock.borrow_mut() = Some(clock);
    }
    app.ui.render(&app.model.borrow());
    app.sync_bars();
    app.host
        .set_title(crate::view::screens::title(&app.model.borrow()));
    let a = app.clone();
    spawn_local(async move {
        // Ready (which shows the app in Telegram) only once the first screen is painted in
        // its theme's colours: no white flash in a dark host.
        js::after_paint().await;
        a.host.ready().await;
        let session = if caches_session(a.host.kind()) {
            a.host
                .storage_get(SESSION_CACHE)
                .await
                .ok()
                .flatten()
                .and_then(|s| crate::json::parse(&s))
                .and_then(|v| crate::json::session(&v))
        } else {
            None
        };
        if let Some(s) = &session {
            a.api.set_token(Some(s.token.clone()));
        }
        a.dispatch(Msg::Started {
            session,
            keys: cached_keys(),
            venue_code: params.venue_code.clone(),
        });
    });
    app
}

impl App {
    pub fn model(&self) -> std::cell::Ref<'_, Model> {
        self.model.borrow()
    }

    pub fn dispatch(self: &Rc<Self>, msg: Msg) {
        let tick = matches!(msg, Msg::Tick);
        let (fx, same_screen) = {
            let mut m = self.model.borrow_mut();
            let before = m.screen.name();
            let input = Input {
                now: now_secs(),
                visit_id: uuid_v4(),
            };
            let fx = m.update(msg, input);
            (fx, m.screen.name() == before)
        };
        if tick && same_screen {
            // Only the time moved: the clock, not a new screen.
            self.ui.tick(&self.model.borrow());
        } else {
            self.ui.render(&self.model.borrow());
            // A new screen, or the pass (its status may have changed): the bars again.
            if !same_screen || matches!(self.model.borrow().screen, Screen::Pass(_)) {
                self.sync_bars();
            }
            if self.ui.wants_texts.replace(false) {
                self.load_texts();
            }
        }
        self.mark_ready();
        self.sync_guards();
        if !same_screen {
            self.host
                .set_title(crate::view::screens::title(&self.model.borrow()));
        }
        for e in fx {
            self.run(e);
        }
    }

    /// The words of rare screens (boot.js `window.ashyqTexts`), loaded once, the first
    /// time one shows; a failed load (offline) is tried again the next time.
    fn load_texts(self: &Rc<Self>) {
        if self.texts_loading.replace(true) {
            return;
        }
        let Ok(p) = js::call_method(js::window().as_ref(), "ashyqTexts", &[]) else {
            self.texts_loading.set(false);
            return;
        };
        let a = self.clone();
        spawn_local(async move {
            match JsFuture::from(js_sys::Promise::resolve(&p)).await {
                Ok(module) => {
                    *a.ui.texts.borrow_mut() = js::get(&module, "default");
                    a.ui.render(&a.model.borrow());
                }
                Err(_) => a.texts_loading.set(false),
            }
        });
    }

    /// Follows the host's theme live.
    fn set_theme(&self, t: Theme) {
        if let Some(html) = self.ui.doc.document_element() {
            crate::view::set(&html, "data-theme", t.as_str());
        }
        self.sync_bars();
    }

    /// `px` CSS pixels as the custom property `name` of the page.
    fn set_css_px(&self, name: &str, px: f64) {
        let Some(html) = self.ui.doc.document_element() else {
            return;
        };
        let mut v = String::new();
        ashyq_core::encoding::push_decimal(&mut v, px.round() as u64, 0);
        v.push_str("px");
        let style = js::get(html.as_ref(), "style");
        let _ = js::call_method(
            &style,
            "setProperty",
            &[JsValue::from_str(name), JsValue::from_str(&v)],
        );
    }

    /// The host's bars in the page's background, on the pass in its status colour.
    fn sync_bars(&self) {
        let dark = self
            .ui
            .doc
            .document_element()
            .and_then(|h| h.get_attribute("data-theme"))
            .as_deref()
            == Some("dark");
        let pass = match &self.model.borrow().screen {
            Screen::Pass(p) => Some(p.resp.status.status),
            _ => None,
        };
        self.host.set_bars(crate::view::bar_colour(dark, pass));
    }

    /// Pass protection while the pass is shown, closing confirmation during a check-in.
    fn sync_guards(&self) {
        let (pass, checking) = {
            let m = self.model.borrow();
            (
                matches!(m.screen, Screen::Pass(_)),
                matches!(m.screen, Screen::CheckIn),
            )
        };
        let (was_pass, was_checking) = self.guards.get();
        if pass != was_pass {
            self.host.protect_pass(pass);
        }
        if checking != was_checking {
            self.host.confirm_closing(checking);
        }
        self.guards.set((pass, checking));
    }

    /// Tells tests and benchmarks the app is usable: `performance.mark('ashyq-ready')` and
    /// `<html data-ready="1">`, once, on the first interactive screen.
    fn mark_ready(&self) {
        if self.ready.get() {
            return;
        }
        let interactive = !matches!(
            self.model.borrow().screen,
            Screen::Start | Screen::SignIn(crate::app::SignIn::Loading)
        );
        if !interactive {
            return;
        }
        self.ready.set(true);
        let w = js::window();
        if let Some(p) = w.performance() {
            let _ = p.mark("ashyq-ready");
        }
        if let Some(html) = w.document().and_then(|d| d.document_element()) {
            crate::view::set(&html, "data-ready", "1");
        }
    }

    fn spawn<F>(self: &Rc<Self>, f: impl FnOnce(Rc<App>) -> F + 'static)
    where
        F: std::future::Future<Output = Option<Msg>> + 'static,
    {
        // Every `f` is an `async` block: calling it now only builds the future.
        self.spawn_boxed(Box::pin(f(self.clone())));
    }

    /// The one copy of the task plumbing (`spawn` is generic over each effect's future).
    #[inline(never)]
    fn spawn_boxed(
        self: &Rc<Self>,
        fut: std::pin::Pin<Box<dyn std::future::Future<Output = Option<Msg>>>>,
    ) {
        let a = self.clone();
        spawn_local(async move {
            if let Some(msg) = fut.await {
                a.dispatch(msg);
            }
        });
    }

    fn run(self: &Rc<Self>, e: Effect) {
        match e {
            Effect::LoadKeys => self.spawn(|a| async move {
                Some(match a.api.keys().await {
                    Ok(k) => match KeySet::from_b64_pairs(k.iter().map(|(k, v)| (k, v))) {
                        Ok(set) if !set.is_empty() => Msg::KeysLoaded(set),
                        _ => Msg::KeysFailed,
                    },
                    Err(_) => Msg::KeysFailed,
                })
            }),
            Effect::SaveKeys => {
                let map = self.model.borrow().keys.to_b64_pairs();
                let text = crate::json::stringify(&crate::json::string_map_js(&map));
                js::local_set(KEYS_CACHE, &text);
            }
            Effect::LoadDemo => self.spawn(|a| async move { Some(Msg::Demo(a.api.demo().await)) }),
            Effect::HostSession => self.spawn(|a| async move {
                Some(match a.host.proof().await {
                    Ok(Some(proof)) => Msg::SessionDone(a.api.session(&proof).await),
                    Ok(None) => Msg::NoProof,
                    Err(e) => Msg::ProofFailed(e),
                })
            }),
            Effect::Session(proof) => {
                self.spawn(|a| async move { Some(Msg::SessionDone(a.api.session(&proof).await)) })
            }
            Effect::SaveSession(s) => {
                self.api.set_token(s.as_ref().map(|s| s.token.clone()));
                if caches_session(self.host.kind()) {
                    let text = s
                        .map(|s| crate::json::stringify(&crate::json::session_js(&s)))
                        .unwrap_or_default();
                    self.spawn(|a| async move {
                        let _ = a.host.storage_set(SESSION_CACHE, &text).await;
                        None
                    });
                }
            }
            Effect::EndSession(token) => self.spawn(|a| async move {
                // Best effort: the app forgets the session whatever the answer.
                let _ = a.api.end_session(token).await;
                None
            }),
            Effect::LoadStatus => {
                self.spawn(|a| async move { Some(Msg::StatusDone(a.api.status().await)) })
            }
            Effect::Scan => self
                .spawn(|a| async move { Some(Msg::ScanDone(crate::host::scan(&*a.host).await)) }),
            Effect::CheckIn(req) => {
                self.spawn(|a| async move { Some(Msg::CheckInDone(a.api.check_in(&req).await)) })
            }
            Effect::RefreshPass { visit_id, at } => {
                let delay_ms = ((at - now_secs()).max(0) as u32).saturating_mul(1000);
                let w = Rc::downgrade(self);
                let t = Timeout::new(delay_ms, move || {
                    if let Some(a) = w.upgrade() {
                        a.spawn(|a| async move {
                            Some(Msg::PassRefreshed(a.api.refresh_pass(&visit_id).await))
                        });
                    }
                });
                *self.pass_timer.borrow_mut() = Some(t);
            }
            Effect::LoadDiary => {
                self.spawn(|a| async move { Some(Msg::DiaryDone(a.api.visits().await)) })
            }
            Effect::CancelVisit(id, dispute) => self.spawn(move |a| async move {
                let r = a.api.cancel(&id, dispute).await;
                Some(Msg::CancelDone(id, dispute, r))
            }),
            Effect::ScheduleRetry { attempt, ms } => {
                let w = Rc::downgrade(self);
                let t = Timeout::new(ms, move || {
                    if let Some(a) = w.upgrade() {
                        a.dispatch(Msg::AutoRetry(attempt));
                    }
                });
                *self.retry_timer.borrow_mut() = Some(t);
            }
            Effect::Haptic(k) => self.host.haptic(k),
            Effect::OpenSettings => self.host.open_settings(),
            Effect::SaveLang(l) => js::local_set(LANG_CACHE, l.code()),
            Effect::OpenRoles(mode) => self.spawn(move |a| async move { a.open_roles(mode).await }),
            Effect::CloseRoles => self.close_roles(),
            Effect::BackButton(v) => {
                if self.back_visible.get() != Some(v) {
                    self.back_visible.set(Some(v));
                    self.host.set_back_button(v);
                }
            }
        }
    }
}

impl App {
    /// Loads the role module (`window.ashyqRoles`, set by the shell's boot.js: a dynamic
    /// import, so the module is fetched only now) and opens it in its own element beside
    /// `#app`, handing it the API origin, the session token, the language, the roles, and
    /// the host's scanner as a function that resolves to the scanned text.
    async fn open_roles(self: &Rc<Self>, mode: RoleMode) -> Option<Msg> {
        let w = js::window();
        let loader = js::get(w.as_ref(), "ashyqRoles");
        let loaded = match js::call_method(w.as_ref(), "ashyqRoles", &[]) {
            Ok(p) if loader.is_function() => JsFuture::from(js_sys::Promise::resolve(&p)).await,
            _ => return Some(Msg::RolesFailed),
        };
        // Offline, or the module's files are gone: say so (the screen offers Back).
        let Ok(module) = loaded else {
            return Some(Msg::RolesFailed);
        };
        // The user may have left while the module loaded.
        if !matches!(self.model.borrow().screen, Screen::Roles { .. }) {
            return None;
        }
        let doc = w.document()?;
        let root = self.ui.el("div", "roles");
        crate::view::set(&root, "id", "roles");
        let host = self.host.clone();
        let scan = Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
            let host = host.clone();
            wasm_bindgen_futures::future_to_promise(async move {
                // The same scanner as the visitor's: the host's, or the camera where it has none.
                match crate::host::scan(&*host).await {
                    Ok(text) => Ok(JsValue::from_str(&text)),
                    Err(e) => Err(JsValue::from_str(e.code())),
                }
            })
        });
        let weak = Rc::downgrade(self);
        // Later, not inside the call: the role module is still on its stack.
        let close = Closure::<dyn FnMut()>::new(move || {
            let weak = weak.clone();
            spawn_local(async move {
                if let Some(a) = weak.upgrade() {
                    a.dispatch(Msg::RolesClosed);
                }
            });
        });
        let (lang, roles) = {
            let m = self.model.borrow();
            let roles = m
                .session
                .as_ref()
                .map(|s| crate::json::roles_js(&s.roles))
                .unwrap_or(JsValue::NULL);
            (m.lang, roles)
        };
        let token = self.api.token().unwrap_or_default();
        let opts = js::obj(&[
            ("mode", JsValue::from_str(mode.as_str())),
            (
                "origin",
                JsValue::from_str(&w.location().origin().unwrap_or_default()),
            ),
            ("token", JsValue::from_str(&token)),
            ("lang", JsValue::from_str(lang.code())),
            (
                "timeout_ms",
                JsValue::from_f64(f64::from(self.api.timeout_ms())),
            ),
            ("roles", roles),
            ("scan", scan.as_ref().clone()),
            ("close", close.as_ref().clone()),
        ]);
        let body = doc.body()?;
        crate::view::append(body.as_ref(), &root);
        let handle = match js::call_method(&module, "roles_open", &[root.clone().into(), opts]) {
            Ok(h) => h,
            Err(_) => {
                root.remove();
                return Some(Msg::RolesFailed);
            }
        };
        crate::view::set(&self.ui.root, "hidden", "");
        *self.roles.borrow_mut() = Some(RolesOpen {
            root,
            handle,
            _scan: scan,
            _close: close,
        });
        None
    }

    fn close_roles(&self) {
        if let Some(r) = self.roles.borrow_mut().take() {
            let _ = js::call_method(&r.handle, "close", &[]);
            r.root.remove();
        }
        let _ = self.ui.root.remove_attribute("hidden");
    }
}

/// Keeps the page's one app alive for the page's lifetime.
pub fn keep_alive(app: Rc<App>) {
    thread_local! {
        static APP: RefCell<Option<Rc<App>>> = const { RefCell::new(None) };
    }
    APP.with(|a| *a.borrow_mut() = Some(app));
}
