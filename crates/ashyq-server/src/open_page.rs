//! `GET /v/open?code=<payload>.<signature>`: where a poster URL (`/v/1#…`) opened outside
//! any host ends up (the app sends it here when it finds no host). The page offers the same
//! code inside each host this server is configured for — Telegram
//! `https://t.me/<bot>/<app>?startapp=<param>`, VK `https://vk.com/app<id>#<param>`, Aitu's
//! configured link — with `<param>` the start-parameter form of the code
//! (`c1<payload><signature>`, docs/protocol.md), and "continue in this browser" where
//! sign-in works in one (`--dev`). With no host configured it says so. Kazakh, Russian or
//! English from `?lang=` or `Accept-Language`. No script: the server writes the links.

use ashyq_core::Lang;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::state::{AppState, HostLinks};

#[derive(Debug, Deserialize)]
pub struct OpenQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    lang: String,
}

fn pick_lang(q: &str, accept: &str) -> Lang {
    let of = Lang::parse;
    of(q)
        .or_else(|| {
            accept
                .split(',')
                .find_map(|t| of(t.split(';').next().unwrap_or("")))
        })
        .unwrap_or(Lang::Kk)
}

struct Words {
    title: &'static str,
    explain: &'static str,
    open_in: fn(&str) -> String,
    none: &'static str,
    browser: &'static str,
    no_browser: &'static str,
    bad: &'static str,
}

fn words(l: Lang) -> Words {
    match l {
        Lang::Kk => Words {
            title: "Ashyq-ты мессенджерде ашыңыз",
            explain: "Осы орынға тіркелу үшін плакаттың кодын мессенджердегі Ashyq-та ашыңыз.",
            open_in: |h| format!("{h}-да ашу"),
            none: "Бұл серверде мессенджер әлі бапталмаған.",
            browser: "Осы браузерде жалғастыру",
            no_browser: "Қарапайым браузерде кіру мүмкін емес.",
            bad: "Бұл сілтемеде Ashyq коды жоқ.",
        },
        Lang::Ru => Words {
            title: "Откройте Ashyq в мессенджере",
            explain:
                "Чтобы отметиться в этом месте, откройте код плаката в Ashyq внутри мессенджера.",
            open_in: |h| format!("Открыть в {h}"),
            none: "На этом сервере мессенджеры ещё не настроены.",
            browser: "Продолжить в этом браузере",
            no_browser: "Войти в обычном браузере нельзя.",
            bad: "В этой ссылке нет кода Ashyq.",
        },
        Lang::En => Words {
            title: "Open Ashyq in a messenger",
            explain: "To check in here, open the poster's code in Ashyq inside a messenger.",
            open_in: |h| format!("Open in {h}"),
            none: "No messenger is set up on this server yet.",
            browser: "Continue in this browser",
            no_browser: "Signing in does not work in a plain browser.",
            bad: "This link holds no Ashyq code.",
        },
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A Telegram username or Mini App short name: letters, digits and `_`.
fn is_tg_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The host links for `param`, as (host, test id, URL), in a fixed order.
pub fn links(
    l: &HostLinks,
    vk_app_id: Option<i64>,
    param: &str,
) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    if let (Some(bot), Some(app)) = (&l.telegram_bot, &l.telegram_app) {
        if is_tg_name(bot) && is_tg_name(app) {
            out.push((
                "Telegram",
                "open-telegram",
                format!("https://t.me/{bot}/{app}?startapp={param}"),
            ));
        }
    }
    if let Some(id) = vk_app_id.filter(|id| *id > 0) {
        out.push(("VK", "open-vk", format!("https://vk.com/app{id}#{param}")));
    }
    if let Some(link) = l.aitu_link.as_deref().filter(|s| s.starts_with("https://")) {
        let url = if link.contains("{param}") {
            link.replace("{param}", param)
        } else {
            format!("{}#{param}", link.split('#').next().unwrap_or(link))
        };
        out.push(("Aitu", "open-aitu", url));
    }
    out
}

/// `href` of the app's stylesheet as `index.html` names it (its name is content-hashed).
async fn stylesheet(state: &AppState) -> Option<String> {
    let dist = state.config.dist.as_deref()?;
    let html = tokio::fs::read_to_string(dist.join("index.html"))
        .await
        .ok()?;
    let at = html.find("href=\"/assets/app.")? + "href=\"".len();
    let end = at + html[at..].find('"')?;
    Some(html[at..end].to_owned())
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<OpenQuery>,
) -> Response {
    let accept = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lang = pick_lang(&q.lang, accept);
    let w = words(lang);
    let mut bare = String::from(ashyq_core::venue::BARE_PREFIX);
    bare.push_str(&q.code);
    let param = ashyq_core::venue::to_start_param(&bare);
    let mut body = String::new();
    match &param {
        None => {
            body.push_str(&format!(
                "<p data-testid=\"open-bad\" role=\"alert\">{}</p>",
                escape(w.bad)
            ));
        }
        Some(param) => {
            body.push_str(&format!("<p>{}</p>", escape(w.explain)));
            let links = links(&state.config.links, state.config.hosts.vk_app_id, param);
            if links.is_empty() {
                body.push_str(&format!(
                    "<p data-testid=\"open-none\">{}</p>",
                    escape(w.none)
                ));
            }
            for (host, id, url) in &links {
                body.push_str(&format!(
                    "<p><a class=\"btn primary big\" data-testid=\"{id}\" href=\"{}\">{}</a></p>",
                    escape(url),
                    escape(&(w.open_in)(host))
                ));
            }
            // Sign-in works in a plain browser only with the dev identities.
            if state.config.dev {
                body.push_str(&format!(
                    "<p><a class=\"btn\" data-testid=\"open-browser\" href=\"/#{}\">{}</a></p>",
                    escape(param),
                    escape(w.browser)
                ));
            } else {
                body.push_str(&format!(
                    "<p data-testid=\"open-no-browser\">{}</p>",
                    escape(w.no_browser)
                ));
            }
        }
    }
    let css = stylesheet(&state)
        .await
        .map(|href| format!("<link rel=\"stylesheet\" href=\"{}\">", escape(&href)))
        .unwrap_or_default();
    let lang_code = match lang {
        Lang::Kk => "kk",
        Lang::Ru => "ru",
        Lang::En => "en",
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang_code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1, viewport-fit=cover\">\
         <meta name=\"color-scheme\" content=\"light dark\"><title>Ashyq</title>\
         <link rel=\"icon\" href=\"/icons/icon.svg\" type=\"image/svg+xml\">{css}</head>\
         <body><div id=\"app\" data-screen=\"open\"><main class=\"screen\">\
         <h1 class=\"title\">{}</h1>{body}</main></div></body></html>\n",
        escape(w.title)
    );
    let status = if param.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&state.csp) {
        h.insert(CONTENT_SECURITY_POLICY, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_from_the_query_then_the_browser() {
        assert_eq!(pick_lang("en", "ru-RU,ru;q=0.9"), Lang::En);
        assert_eq!(pick_lang("", "ru-RU,ru;q=0.9"), Lang::Ru);
        assert_eq!(pick_lang("", "de-DE, en;q=0.5"), Lang::En);
        assert_eq!(pick_lang("", ""), Lang::Kk);
    }

    #[test]
    fn links_only_for_configured_hosts_and_sane_names() {
        let none = HostLinks::default();
        assert!(links(&none, None, "c1x").is_empty());
        let all = HostLinks {
            telegram_bot: Some(String::from("AshyqBot")),
            telegram_app: Some(String::from("pass")),
            aitu_link: Some(String::from("https://aitu.io/app/ashyq")),
        };
        let got = links(&all, Some(51234), "c1AbC_-");
        assert_eq!(
            got.iter().map(|l| l.2.as_str()).collect::<Vec<_>>(),
            [
                "https://t.me/AshyqBot/pass?startapp=c1AbC_-",
                "https://vk.com/app51234#c1AbC_-",
                "https://aitu.io/app/ashyq#c1AbC_-",
            ]
        );
        let odd = HostLinks {
            telegram_bot: Some(String::from("bad\"bot")),
            telegram_app: Some(String::from("pass")),
            aitu_link: Some(String::from("https://aitu.io/app?start={param}")),
        };
        let got = links(&odd, None, "c1z");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].2, "https://aitu.io/app?start=c1z");
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
