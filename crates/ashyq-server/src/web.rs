//! Serving the built mini-app from `--dist DIR`: `index.html` for `/` and for `/v/1` (the
//! URL form of venue codes opens the app; the code itself is in the fragment), hashed
//! `/assets/*` cached for a year, `/dev/*` only in dev, and on every HTML response a
//! strict Content-Security-Policy. Paths never leave the dist directory.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

pub fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "map" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The file under `root` for a URL path, refusing `..`, hidden names and odd bytes.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    for part in url_path.split('/').filter(|p| !p.is_empty()) {
        let ok = !part.starts_with('.')
            && part.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@' | b'+')
            });
        if !ok {
            return None;
        }
        out.push(part);
    }
    if out.components().any(|c| matches!(c, Component::ParentDir)) {
        return None;
    }
    Some(out)
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

pub async fn serve_static(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/v1/") || path == "/v1" || path.starts_with("/dev/api/") {
        return crate::api::api_not_found();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return crate::api::method_not_allowed().await.into_response();
    }
    let Some(root) = state.config.dist.clone() else {
        return AppError::not_found("not_found", "no such page").into_response();
    };
    if path.starts_with("/dev/") && !state.config.dev {
        return AppError::not_found("not_found", "no such page").into_response();
    }
    let target = match path.as_str() {
        "/" | "/index.html" | "/v/1" | "/v/1/" => Some(root.join("index.html")),
        p => resolve(&root, p),
    };
    let Some(mut file) = target else {
        return AppError::not_found("not_found", "no such page").into_response();
    };
    if tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir()) {
        file.push("index.html");
    }
    let gzip = accepts_gzip(req.headers());
    let mut encoded = false;
    let mut bytes = None;
    if gzip {
        let mut gz = file.clone().into_os_string();
        gz.push(".gz");
        if let Ok(b) = tokio::fs::read(&gz).await {
            bytes = Some(b);
            encoded = true;
        }
    }
    let bytes = match bytes {
        Some(b) => b,
        None => match tokio::fs::read(&file).await {
            Ok(b) => b,
            Err(_) => return AppError::not_found("not_found", "no such page").into_response(),
        },
    };
    let content_type = mime(&file);
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    let cache = if path.starts_with("/assets/") {
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
    if encoded {
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if content_type.starts_with("text/html") {
        if let Ok(v) = HeaderValue::from_str(&state.csp) {
            h.insert(CONTENT_SECURITY_POLICY, v);
        }
    }
    *resp.status_mut() = StatusCode::OK;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let root = Path::new("/srv/dist");
        assert_eq!(
            resolve(root, "/assets/app-1a2b.js"),
            Some(PathBuf::from("/srv/dist/assets/app-1a2b.js"))
        );
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/assets/%2e%2e/x"), None);
        assert_eq!(resolve(root, "/.git/config"), None);
    }
}
