//! The backend client (same origin, `ashyq_core::api` types). Every request has a timeout
//! and is aborted when it runs out; network failures and 502–504 are retried with a short
//! backoff inside that budget. Errors are typed so the app can tell "the status is
//! unavailable" (show UNKNOWN) from "the code was rejected" and "sign in again".

use std::cell::RefCell;

use ashyq_core::api::{
    CheckInRequest, CheckInResponse, DemoCitizen, PassResponse, SessionResponse, StatusResponse,
    VisitList,
};
use ashyq_core::CodeError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::host::js::{self, error_text, with_timeout};
use crate::json;
pub use crate::types::{ApiError, Proof};

pub type Result<T> = core::result::Result<T, ApiError>;

/// Delays before the second and third attempt of a request that failed on the network.
const BACKOFF_MS: [u32; 2] = [250, 750];

pub struct Api {
    timeout_ms: u32,
    token: RefCell<Option<String>>,
}

enum Method {
    Get,
    Post,
    Delete,
}

impl Api {
    pub fn new(timeout_ms: u32) -> Api {
        Api {
            timeout_ms,
            token: RefCell::new(None),
        }
    }

    pub fn set_token(&self, token: Option<String>) {
        *self.token.borrow_mut() = token;
    }

    /// The budget of one request, in milliseconds.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// The session's bearer token (handed to the role module).
    pub fn token(&self) -> Option<String> {
        self.token.borrow().clone()
    }

    /// One `fetch` (plain `web_sys`: gloo-net's request builder formats its errors, which
    /// kept `core::fmt` machinery in the wasm), aborted after `ms`; or, for a GET that
    /// boot.js already sent, its answer (sharing the code below measured 0.2 KB more brotli).
    async fn once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
        ms: u32,
    ) -> Result<web_sys::Response> {
        if let (Method::Get, Some(early)) = (method, take_early(path, token)) {
            return match with_timeout(ms, JsFuture::from(early)).await {
                Some(Ok(resp)) => resp
                    .dyn_into::<web_sys::Response>()
                    .map_err(|e| ApiError::Network(error_text(&e))),
                Some(Err(e)) => Err(ApiError::Network(error_text(&e))),
                None => Err(ApiError::Timeout),
            };
        }
        let abort = web_sys::AbortController::new().ok();
        let init = web_sys::RequestInit::new();
        init.set_method(match method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        });
        let headers = web_sys::Headers::new().map_err(|e| ApiError::Network(error_text(&e)))?;
        // Setting a valid header name and value does not throw.
        let _ = headers.set("accept", "application/json");
        if let Some(t) = token {
            let mut v = String::with_capacity(7 + t.len());
            v.push_str("Bearer ");
            v.push_str(t);
            let _ = headers.set("authorization", &v);
        }
        if let Some(json) = body {
            let _ = headers.set("content-type", "application/json");
            init.set_body(&JsValue::from_str(json));
        }
        init.set_headers(&headers);
        init.set_signal(abort.as_ref().map(|a| a.signal()).as_ref());
        let promise = js::window().fetch_with_str_and_init(path, &init);
        match with_timeout(ms, JsFuture::from(promise)).await {
            Some(Ok(resp)) => resp
                .dyn_into::<web_sys::Response>()
                .map_err(|e| ApiError::Network(error_text(&e))),
            Some(Err(e)) => Err(ApiError::Network(error_text(&e))),
            None => {
                if let Some(a) = abort {
                    a.abort();
                }
                Err(ApiError::Timeout)
            }
        }
    }

    /// One request with its retries; the answer's JSON as a JavaScript value. Not generic:
    /// one copy of this future serves every endpoint.
    async fn call(&self, method: Method, path: &str, body: Option<String>) -> Result<JsValue> {
        let token = self.token.borrow().clone();
        self.call_as(method, path, body, token).await
    }

    async fn call_as(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        token: Option<String>,
    ) -> Result<JsValue> {
        let started = js_sys::Date::now();
        let mut attempt = 0;
        loop {
            let elapsed = (js_sys::Date::now() - started).max(0.0) as u32;
            let left = self.timeout_ms.saturating_sub(elapsed).max(1);
            let res = self
                .once(&method, path, body.as_deref(), token.as_deref(), left)
                .await;
            let retryable = match &res {
                Err(ApiError::Network(_)) => true,
                Ok(r) => matches!(r.status(), 502..=504),
                Err(_) => false,
            };
            if retryable && attempt < BACKOFF_MS.len() {
                let delay = BACKOFF_MS[attempt];
                let spent = (js_sys::Date::now() - started).max(0.0) as u32;
                if spent.saturating_add(delay) < self.timeout_ms {
                    gloo_timers::future::TimeoutFuture::new(delay).await;
                    attempt += 1;
                    continue;
                }
            }
            return read(res?).await;
        }
    }

    /// `GET /v1/keys`: the venue keys (the app verifies posters only).
    pub async fn keys(&self) -> Result<Vec<(String, String)>> {
        decode(
            self.call(Method::Get, "/v1/keys", None).await,
            json::venue_keys,
        )
    }

    /// `GET /dev/api/demo`'s citizens: `Ok(None)` when the server is not in `--dev --demo`
    /// mode.
    pub async fn demo(&self) -> Result<Option<Vec<DemoCitizen>>> {
        match decode(
            self.call(Method::Get, "/dev/api/demo", None).await,
            json::demo_citizens,
        ) {
            Ok(d) => Ok(Some(d)),
            Err(ApiError::Refused { status: 404, .. })
            | Err(ApiError::Refused { status: 403, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /v1/session`.
    pub async fn session(&self, proof: &Proof) -> Result<SessionResponse> {
        let body = json::session_request(proof);
        decode(
            self.call(Method::Post, "/v1/session", Some(body)).await,
            json::session,
        )
    }

    /// `DELETE /v1/session`: ends `token`'s session on the server (the app has already
    /// forgotten it, so the token is passed, not read).
    pub async fn end_session(&self, token: String) -> Result<()> {
        self.call_as(Method::Delete, "/v1/session", None, Some(token))
            .await
            .map(|_| ())
    }

    /// `GET /v1/me/status`.
    pub async fn status(&self) -> Result<StatusResponse> {
        decode(
            self.call(Method::Get, "/v1/me/status", None).await,
            json::status,
        )
    }

    /// `POST /v1/visits`; retrying with the same `client_visit_id` never duplicates.
    pub async fn check_in(&self, req: &CheckInRequest) -> Result<CheckInResponse> {
        let body = json::check_in_request(req);
        decode(
            self.call(Method::Post, "/v1/visits", Some(body)).await,
            json::check_in,
        )
    }

    /// `GET /v1/visits`.
    pub async fn visits(&self) -> Result<VisitList> {
        decode(
            self.call(Method::Get, "/v1/visits", None).await,
            json::visits,
        )
    }

    /// `POST /v1/visits/{id}/cancel`, or `/dispute` for a guard-mode visit.
    pub async fn cancel(&self, visit_id: &str, dispute: bool) -> Result<()> {
        let path = visit_path(visit_id, if dispute { "/dispute" } else { "/cancel" });
        self.call(Method::Post, &path, Some(String::from("{}")))
            .await
            .map(|_| ())
    }

    /// `POST /v1/visits/{id}/pass`: a fresh pass token.
    pub async fn refresh_pass(&self, visit_id: &str) -> Result<PassResponse> {
        let path = visit_path(visit_id, "/pass");
        decode(
            self.call(Method::Post, &path, Some(String::from("{}")))
                .await,
            json::pass,
        )
    }
}

/// The answer to a GET that boot.js sent before the app was loaded, if it asked for `path`
/// with the same session (`window.ashyqEarly`, www/assets/boot.js): taken once, then read
/// and checked as any other answer. A retry sends its own request.
fn take_early(path: &str, token: Option<&str>) -> Option<js_sys::Promise> {
    let token = token.map_or(JsValue::NULL, JsValue::from_str);
    js::call_method(
        js::window().as_ref(),
        "ashyqEarly",
        &[JsValue::from_str(path), token],
    )
    .ok()?
    .dyn_into()
    .ok()
}

/// Reads a typed answer out of the JSON; a missing or mistyped field is [`ApiError::Decode`].
fn decode<T>(v: Result<JsValue>, f: fn(&JsValue) -> Option<T>) -> Result<T> {
    f(&v?).ok_or(ApiError::Decode)
}

fn visit_path(id: &str, tail: &str) -> String {
    let mut p = String::from("/v1/visits/");
    p.push_str(&ashyq_core::encoding::uri_component_encode(id));
    p.push_str(tail);
    p
}

/// The body of a response as text (`None` when it cannot be read).
async fn text(resp: &web_sys::Response) -> Option<String> {
    JsFuture::from(resp.text().ok()?).await.ok()?.as_string()
}

async fn read(resp: web_sys::Response) -> Result<JsValue> {
    let status = resp.status();
    if (200..300).contains(&status) {
        let text = text(&resp).await.ok_or(ApiError::Decode)?;
        // Empty bodies (204) read as JSON null.
        if text.is_empty() {
            return Ok(JsValue::NULL);
        }
        return json::parse(&text).ok_or(ApiError::Decode);
    }
    let code = text(&resp)
        .await
        .and_then(|t| json::parse(&t))
        .and_then(|v| json::error_code(&v))
        .unwrap_or_default();
    Err(classify(status, code))
}

/// Turns an error status and code into an [`ApiError`].
pub fn classify(status: u16, code: String) -> ApiError {
    if status == 401 {
        return ApiError::Unauthorized;
    }
    if status == 422 || status == 400 {
        if let Some(e) = CodeError::from_code(&code) {
            return ApiError::Rejected(e);
        }
    }
    if status >= 500 {
        return ApiError::Server { status, code };
    }
    ApiError::Refused { status, code }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify(401, String::new()), ApiError::Unauthorized);
        assert_eq!(
            classify(422, String::from("bad_signature")),
            ApiError::Rejected(CodeError::BadSignature)
        );
        assert!(classify(503, String::from("unavailable")).is_unavailable());
        assert!(!classify(409, String::from("cancel_window_over")).is_unavailable());
        assert!(ApiError::Timeout.is_unavailable());
        assert!(!ApiError::Rejected(CodeError::Expired).is_unavailable());
    }

    #[test]
    fn visit_ids_are_escaped_in_paths() {
        assert_eq!(visit_path("a/b", "/pass"), "/v1/visits/a%2Fb/pass");
    }
}
