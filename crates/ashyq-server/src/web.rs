//! Serving the built mini-app from `--dist DIR` with tower-http's `ServeDir`: `index.html`
//! for `/` and for `/v/1` (the URL form of venue codes opens the app; the code itself is
//! in the fragment), hashed `/assets/*` cached for a year and everything else revalidated,
//! `/dev/*` only in dev and from its own folder (the emulator is not in dist), a `.br` or
//! `.gz` sibling when the client accepts it, and on every
//! HTML response a strict Content-Security-Policy. Paths never leave the dist directory.
//!
//! `ServeDir` reads the files, guesses their types and picks the encoding; this module
//! decides which file a path may name and adds our headers.

use std::path::Path;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, VARY};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

use crate::api;
use crate::error::AppError;
use crate::state::AppState;

/// True for a URL path of names that may be served: no `..`, no hidden names (`.git`), no
/// escapes (`%2e`) or other odd bytes.
fn servable(url_path: &str) -> bool {
    url_path.split('/').filter(|p| !p.is_empty()).all(|part| {
        !part.starts_with('.')
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@' | b'+'))
    })
}

fn no_page() -> Response {
    AppError::not_found("not_found", "no such page").into_response()
}

pub async fn serve_static(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/v1/") || path == "/v1" || path.starts_with("/dev/api/") {
        return api::api_not_found();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return api::method_not_allowed().await.into_response();
    }
    let dev_page = path == "/dev" || path.starts_with("/dev/");
    let root = if dev_page {
        // The emulator lives in its own folder, mounted in dev only.
        match (state.config.dev, state.config.dev_dir.as_deref()) {
            (true, Some(dir)) => dir,
            _ => return no_page(),
        }
    } else {
        match state.config.dist.as_deref() {
            Some(dist) => dist,
            None => return no_page(),
        }
    };
    let path = if dev_page {
        let rest = path.trim_start_matches("/dev");
        if rest.is_empty() { "/" } else { rest }.to_owned()
    } else {
        path
    };
    let file = match path.as_str() {
        "/" | "/index.html" | "/v/1" | "/v/1/" => "/index.html".to_owned(),
        p if !servable(p) => return no_page(),
        // A directory's index is served in place (ServeDir would redirect to add a `/`).
        p if is_dir(root, p).await => format!("{}/index.html", p.trim_end_matches('/')),
        p => p.to_owned(),
    };
    let (mut parts, _) = req.into_parts();
    parts.uri = match Uri::try_from(file) {
        Ok(uri) => uri,
        Err(_) => return no_page(),
    };
    let served = ServeDir::new(root)
        .precompressed_br()
        .precompressed_gzip()
        .try_call(Request::from_parts(parts, Body::empty()))
        .await;
    let mut resp = match served {
        Ok(r) if r.status() == StatusCode::NOT_FOUND => return no_page(),
        Ok(r) => r.map(Body::new),
        Err(e) => {
            tracing::error!(error = %e, path, "static file unreadable");
            return no_page();
        }
    };
    let h = resp.headers_mut();
    // The charset that ServeDir's type guess leaves out: our text files are UTF-8.
    if let Some(ct) = h.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        if ct.starts_with("text/") && !ct.contains("charset") {
            if let Ok(v) = HeaderValue::from_str(&format!("{ct}; charset=utf-8")) {
                h.insert(CONTENT_TYPE, v);
            }
        }
    }
    let html = h
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let cache = if !dev_page && path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if html {
        if let Ok(v) = HeaderValue::from_str(&state.csp) {
            h.insert(CONTENT_SECURITY_POLICY, v);
        }
    }
    resp
}

async fn is_dir(root: &Path, url_path: &str) -> bool {
    let rel = url_path.trim_start_matches('/');
    tokio::fs::metadata(root.join(rel))
        .await
        .is_ok_and(|m| m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_servable() {
        assert!(servable("/assets/app-1a2b.js"));
        assert!(servable("/dev/"));
        assert!(!servable("/../etc/passwd"));
        assert!(!servable("/assets/%2e%2e/x"));
        assert!(!servable("/.git/config"));
    }
}
