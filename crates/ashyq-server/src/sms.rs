//! Text messages to a citizen's registered phone: guard mode's one-time codes, which prove
//! that the visitor a staff member checks in by IIN is the one standing at the door.
//!
//! One way out, [`SmsSender`]: Twilio's Programmable Messaging API in production
//! (`POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form fields `To`, `From`,
//! `Body`, HTTP Basic auth with the account SID and auth token; `201 Created` with the
//! message resource, errors as `{"code", "message", "status"}`, `429` with code 20429 when
//! sending too fast), and in `--dev` an outbox in memory that the host emulator shows.
//! The base URL is configurable so tests run against a stand-in that answers as Twilio's
//! documentation says.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

/// Why a message did not leave.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SmsError {
    /// The gateway refused this message for good (bad number, unsubscribed, bad account).
    #[error("refused by the SMS gateway (code {0})")]
    Refused(i64),
    /// Too fast, the gateway is down or slow: worth a later try.
    #[error("the SMS gateway is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Sends one message to an E.164 number.
    async fn send(&self, to: &str, body: &str) -> Result<(), SmsError>;
}

/// Twilio's Messages API.
pub struct Twilio {
    client: reqwest::Client,
    url: String,
    account_sid: String,
    auth_token: String,
    from: String,
}

impl std::fmt::Debug for Twilio {
    // Never the auth token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twilio")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Twilio {
    pub fn new(base: &str, account_sid: &str, auth_token: &str, from: &str) -> Twilio {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("unreachable: a client with a timeout always builds");
        Twilio {
            client,
            url: format!(
                "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
                base.trim_end_matches('/')
            ),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
        }
    }
}

#[async_trait]
impl SmsSender for Twilio {
    async fn send(&self, to: &str, body: &str) -> Result<(), SmsError> {
        let answer = self
            .client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&[("To", to), ("From", self.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| SmsError::Unavailable(e.without_url().to_string()))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let code = answer
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v.get("code").and_then(serde_json::Value::as_i64))
            .unwrap_or(0);
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SmsError::Unavailable(format!("HTTP {status}, code {code}")))
        } else {
            Err(SmsError::Refused(code))
        }
    }
}

/// A message the dev outbox kept.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DevMessage {
    pub to: String,
    pub body: String,
}

/// `--dev`: messages stay in memory (the newest 50), for the host emulator and the tests.
#[derive(Debug, Default)]
pub struct DevOutbox(Mutex<VecDeque<DevMessage>>);

impl DevOutbox {
    pub fn messages(&self) -> Vec<DevMessage> {
        self.0
            .lock()
            .expect("unreachable: nothing panics holding the outbox")
            .iter()
            .cloned()
            .collect()
    }
}

#[async_trait]
impl SmsSender for DevOutbox {
    async fn send(&self, to: &str, body: &str) -> Result<(), SmsError> {
        let mut q = self
            .0
            .lock()
            .expect("unreachable: nothing panics holding the outbox");
        if q.len() == 50 {
            q.pop_front();
        }
        q.push_back(DevMessage {
            to: to.to_owned(),
            body: body.to_owned(),
        });
        Ok(())
    }
}

/// Sends with a few tries on `Unavailable` (1 s, then 2 s apart), none on `Refused`.
pub async fn send_with_retries(
    sender: &dyn SmsSender,
    to: &str,
    body: &str,
) -> Result<(), SmsError> {
    let mut wait = Duration::from_secs(1);
    loop {
        match sender.send(to, body).await {
            Err(SmsError::Unavailable(_)) if wait <= Duration::from_secs(2) => {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            done => return done,
        }
    }
}

/// The code's message: who asks (the premises' name) and that only the staff member in
/// front of the visitor may hear it. In Kazakh, Russian and English, since the registry
/// keeps no language; no status, no colour.
pub fn presence_code_text(code: &str, venue_name: &str) -> String {
    let venue: String = venue_name.chars().take(40).collect();
    format!(
        "Ashyq {code} — {venue}. Кодты тек есіктегі қызметкерге айтыңыз. \
         Назовите код только сотруднику у входа. Tell the code only to the staff at the door."
    )
}
