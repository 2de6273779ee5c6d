//! The edge that runs the role screens: messages in, [`Model::update`], a render, and the
//! effects (fetches with the session's bearer token, the host's scanner lent by the app,
//! the pass-key cache) turned back into messages.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ashyq_core::api::{
    AppointStaffRequest, BusinessList, EntranceCodes, ErrorBody, GuardChallenge,
    GuardCheckInResponse, KeysResponse, Premises, StaffMember,
};
use ashyq_core::encoding::uri_component_encode;
use ashyq_core::keys::KeySet;
use ashyq_core::venue::Direction;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};

use crate::model::{Effect, Input, Model, Msg, PosterKey, Problem};
use crate::view::Ui;

/// Where the pass keys are kept for checking passes with no network.
pub const PASS_KEYS_CACHE: &str = "ashyq.passkeys";

/// What the app hands over besides the model's inputs.
pub struct Options {
    /// The API origin (`https://…`), without a trailing slash.
    pub origin: String,
    pub token: String,
    pub timeout_ms: u32,
    /// Seconds added to the clock (tests only: `ashyq_clock_offset_s`); never negative, so
    /// it can only make passes look older, never younger.
    pub clock_offset_s: i64,
    /// `() => Promise<string>`: the host's scanner, run by the app's host bridge.
    pub scan: js_sys::Function,
    /// `() => void`: give the screen back to the app.
    pub close: js_sys::Function,
}

pub struct App {
    model: RefCell<Model>,
    ui: Ui,
    opts: Options,
    closed: Cell<bool>,
}

fn window() -> web_sys::Window {
    web_sys::window().expect("unreachable: the role screens run in a window")
}

fn local_get(key: &str) -> Option<String> {
    window()
        .local_storage()
        .ok()
        .flatten()?
        .get_item(key)
        .ok()
        .flatten()
}

fn local_set(key: &str, value: &str) {
    if let Some(s) = window().local_storage().ok().flatten() {
        // Storage full or disabled: the cache is only a cache.
        let _ = s.set_item(key, value);
    }
}

/// The pass keys cached by an earlier visit.
pub fn cached_keys() -> Option<KeySet> {
    let text = local_get(PASS_KEYS_CACHE)?;
    let map = serde_json::from_str(&text).ok()?;
    KeySet::from_b64_map(&map).ok().filter(|k| !k.is_empty())
}

fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    let filled = window()
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

fn path(parts: &[&str]) -> String {
    let mut p = String::new();
    for (i, part) in parts.iter().enumerate() {
        // Odd parts are values (ids from the server or the model): escape them.
        if i % 2 == 1 {
            p.push_str(&uri_component_encode(part));
        } else {
            p.push_str(part);
        }
    }
    p
}

impl App {
    pub fn new(model: Model, ui: Ui, opts: Options) -> App {
        App {
            model: RefCell::new(model),
            ui,
            opts,
            closed: Cell::new(false),
        }
    }

    pub fn model(&self) -> std::cell::Ref<'_, Model> {
        self.model.borrow()
    }

    fn now(&self) -> i64 {
        (js_sys::Date::now() / 1000.0) as i64 + self.opts.clock_offset_s
    }

    pub fn dispatch(self: &Rc<Self>, msg: Msg) {
        if self.closed.get() {
            return;
        }
        let fx = {
            let input = Input {
                now: self.now(),
                visit_id: uuid_v4(),
            };
            self.model.borrow_mut().update(msg, input)
        };
        self.ui.render(&self.model.borrow());
        for e in fx {
            self.run(e);
        }
    }

    /// Stops for good: no more renders, the posters' object URLs released.
    pub fn shut(&self) {
        self.closed.set(true);
        for (_, url) in self.model.borrow().posters.iter() {
            let _ = web_sys::Url::revoke_object_url(url);
        }
        self.ui.clear();
    }

    fn spawn(self: &Rc<Self>, fut: impl std::future::Future<Output = Msg> + 'static) {
        let a = self.clone();
        spawn_local(async move {
            let msg = fut.await;
            a.dispatch(msg);
        });
    }

    fn run(self: &Rc<Self>, e: Effect) {
        match e {
            Effect::LoadBusinesses => {
                let a = self.clone();
                self.spawn(async move {
                    Msg::BusinessesLoaded(a.json::<BusinessList>("GET", "/v1/business", None).await)
                })
            }
            Effect::LoadKeys => {
                let a = self.clone();
                self.spawn(async move {
                    let r = a.json::<KeysResponse>("GET", "/v1/keys", None).await;
                    Msg::KeysLoaded(r.and_then(|k| {
                        KeySet::from_b64_map(&k.pass_keys).map_err(|_| Problem::Decode)
                    }))
                })
            }
            Effect::SaveKeys => {
                let map = self.model.borrow().pass_keys.to_b64_map();
                if let Ok(text) = serde_json::to_string(&map) {
                    local_set(PASS_KEYS_CACHE, &text);
                }
            }
            Effect::Register(bin, req) => {
                let a = self.clone();
                let body = serde_json::to_string(&req).ok();
                self.spawn(async move {
                    let p = path(&["/v1/business/", &bin, "/premises"]);
                    Msg::Registered(a.json::<Premises>("POST", &p, body).await)
                })
            }
            Effect::Poster(key) => {
                let a = self.clone();
                self.spawn(async move {
                    let r = a.poster(&key).await;
                    Msg::PosterDone(key, r)
                })
            }
            Effect::Reissue(venue_id, n) => {
                let a = self.clone();
                self.spawn(async move {
                    let p = path(&[
                        "/v1/premises/",
                        &venue_id.to_string(),
                        "/entrances/",
                        &n.to_string(),
                        "/reissue",
                    ]);
                    let r = a
                        .json::<EntranceCodes>("POST", &p, Some(String::from("{}")))
                        .await;
                    Msg::Reissued(venue_id, r)
                })
            }
            Effect::Appoint(venue_id, iin) => {
                let a = self.clone();
                let body = serde_json::to_string(&AppointStaffRequest { iin }).ok();
                self.spawn(async move {
                    let p = path(&["/v1/premises/", &venue_id.to_string(), "/staff"]);
                    Msg::Appointed(venue_id, a.json::<StaffMember>("POST", &p, body).await)
                })
            }
            Effect::RemoveStaff(venue_id, staff_id) => {
                let a = self.clone();
                self.spawn(async move {
                    let p = path(&["/v1/premises/", &venue_id.to_string(), "/staff/", &staff_id]);
                    let r = a.fetch("DELETE", &p, None).await.map(|_| ());
                    Msg::Removed(venue_id, staff_id, r)
                })
            }
            Effect::Scan => {
                let scan = self.opts.scan.clone();
                self.spawn(async move {
                    let p = match scan.call0(&JsValue::NULL) {
                        Ok(p) => js_sys::Promise::resolve(&p),
                        Err(_) => return Msg::Scanned(Err(String::from("scan_unsupported"))),
                    };
                    Msg::Scanned(match JsFuture::from(p).await {
                        Ok(v) => v.as_string().ok_or_else(|| String::from("scan_cancelled")),
                        Err(e) => Err(e
                            .as_string()
                            .unwrap_or_else(|| String::from("scan_cancelled"))),
                    })
                })
            }
            Effect::GuardChallenge(venue_id, req) => {
                let a = self.clone();
                let body = serde_json::to_string(&req).ok();
                self.spawn(async move {
                    let p = path(&[
                        "/v1/premises/",
                        &venue_id.to_string(),
                        "/guard-checkin/challenge",
                    ]);
                    Msg::GuardChallenged(a.json::<GuardChallenge>("POST", &p, body).await)
                })
            }
            Effect::Guard(venue_id, req) => {
                let a = self.clone();
                let body = serde_json::to_string(&req).ok();
                self.spawn(async move {
                    let p = path(&["/v1/premises/", &venue_id.to_string(), "/guard-checkin"]);
                    Msg::GuardDone(a.json::<GuardCheckInResponse>("POST", &p, body).await)
                })
            }
            Effect::Close => {
                let _ = self.opts.close.call0(&JsValue::NULL);
            }
        }
    }

    /// One request with the session's bearer token, aborted after the timeout; an answer
    /// that is not 2xx is [`Problem::Refused`] with the server's stable error code.
    async fn fetch(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<web_sys::Response, Problem> {
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        let headers = web_sys::Headers::new().map_err(|_| Problem::Network)?;
        let mut auth = String::from("Bearer ");
        auth.push_str(&self.opts.token);
        let _ = headers.set("authorization", &auth);
        if let Some(b) = &body {
            let _ = headers.set("content-type", "application/json");
            init.set_body(&JsValue::from_str(b));
        }
        init.set_headers(&headers);
        let ctrl = web_sys::AbortController::new().ok();
        init.set_signal(ctrl.as_ref().map(|c| c.signal()).as_ref());
        let timer = ctrl
            .clone()
            .map(|c| gloo_timers::callback::Timeout::new(self.opts.timeout_ms, move || c.abort()));
        let mut url = self.opts.origin.clone();
        url.push_str(path);
        let r = JsFuture::from(window().fetch_with_str_and_init(&url, &init)).await;
        drop(timer);
        let aborted = ctrl.map(|c| c.signal().aborted()).unwrap_or(false);
        let resp: web_sys::Response = match r {
            Ok(v) => v.dyn_into().map_err(|_| Problem::Network)?,
            Err(_) if aborted => return Err(Problem::Timeout),
            Err(_) => return Err(Problem::Network),
        };
        if resp.ok() {
            return Ok(resp);
        }
        let status = resp.status();
        let code = text(&resp)
            .await
            .and_then(|t| serde_json::from_str::<ErrorBody>(&t).ok())
            .map(|b| b.error.code)
            .unwrap_or_default();
        Err(Problem::Refused { status, code })
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, Problem> {
        let resp = self.fetch(method, path, body).await?;
        let t = text(&resp).await.ok_or(Problem::Decode)?;
        serde_json::from_str(&t).map_err(|_| Problem::Decode)
    }

    /// Fetches a poster with the session (a plain link could not carry the token) and
    /// returns an object URL for the SVG, which the screen offers to open or save.
    async fn poster(&self, k: &PosterKey) -> Result<String, Problem> {
        let mut p = path(&["/v1/premises/", &k.venue_id.to_string(), "/poster.svg"]);
        p.push_str("?entrance=");
        p.push_str(&k.entrance.to_string());
        p.push_str("&direction=");
        p.push_str(match k.direction {
            Direction::In => "in",
            Direction::Out => "out",
        });
        p.push_str("&lang=");
        p.push_str(k.lang.code());
        p.push_str("&size=");
        p.push_str(k.size.as_str());
        let resp = self.fetch("GET", &p, None).await?;
        let promise = resp.blob().map_err(|_| Problem::Decode)?;
        let blob: web_sys::Blob = JsFuture::from(promise)
            .await
            .map_err(|_| Problem::Network)?
            .dyn_into()
            .map_err(|_| Problem::Decode)?;
        // Typed as SVG whatever the answer said, so the object URL opens as an image.
        let parts = js_sys::Array::of1(&blob);
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("image/svg+xml");
        let typed = web_sys::Blob::new_with_blob_sequence_and_options(&parts, &opts)
            .map_err(|_| Problem::Decode)?;
        web_sys::Url::create_object_url_with_blob(&typed).map_err(|_| Problem::Decode)
    }
}

async fn text(resp: &web_sys::Response) -> Option<String> {
    JsFuture::from(resp.text().ok()?).await.ok()?.as_string()
}
