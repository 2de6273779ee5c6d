//! The app as one state machine: a [`Model`] holding one [`Screen`], messages ([`Msg`]) that
//! move it, and the effects ([`Effect`]) a transition asks the runtime to perform (bridge
//! calls, fetches, timers). Pure: no DOM, no network, no clock (the runtime sets
//! [`Model::now`]), so every transition is unit-tested natively.
//!
//! The rules that matter most live here:
//! - a scanned code is verified offline with `ashyq_core::venue::parse` before any network
//!   call; a forged or foreign code never reaches the backend;
//! - when the backend is down, slow or broken the screen is UNKNOWN ("status unavailable —
//!   this is not a pass"); an earlier status is kept only as history, never shown as a pass.

use ashyq_core::api::{
    CheckInRequest, CheckInResponse, DemoCitizen, PassResponse, SessionResponse, StatusResponse,
    Visit, VisitList,
};
use ashyq_core::keys::KeySet;
use ashyq_core::venue::{self, Direction, VenueInfo};
use ashyq_core::{CodeError, Timestamp};

use crate::i18n::Lang;
use crate::types::{ApiError, Haptic, HostError, HostKind, Proof};

/// What the app shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Starting: reading the host, signing in.
    Start,
    SignIn(SignIn),
    Home(HomeStatus),
    /// The host's scanner is open.
    Scanning,
    /// A verified venue code: waiting for the user's tap (opened from a poster link) or for
    /// the backend (`busy`).
    CheckIn {
        venue: VenueInfo,
        code: String,
        client_visit_id: String,
        busy: bool,
    },
    Pass(Box<PassView>),
    /// The status could not be obtained: not a pass.
    Unknown {
        retry: Retry,
        attempt: u32,
        reason: String,
    },
    /// The code is not a genuine Ashyq venue code.
    Rejected {
        error: CodeError,
    },
    /// A host or request failure with its stable code.
    Error {
        code: String,
    },
    Diary(DiaryView),
}

impl Screen {
    /// `#app[data-screen]`.
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Start => "start",
            Screen::SignIn(_) => "signin",
            Screen::Home(_) => "home",
            Screen::Scanning => "scanning",
            Screen::CheckIn { .. } => "checkin",
            Screen::Pass(_) => "pass",
            Screen::Unknown { .. } => "unknown",
            Screen::Rejected { .. } => "rejected",
            Screen::Error { .. } => "error",
            Screen::Diary(_) => "diary",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SignIn {
    /// Asking the server whether it is in demo mode.
    Loading,
    /// `--dev --demo`: pick a citizen.
    Demo(Vec<DemoCitizen>),
    /// A plain browser outside dev mode: signing in needs a host app.
    NeedsHost,
    /// The host or the backend refused the identity.
    Failed(String),
    Busy,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HomeStatus {
    Loading,
    Known(StatusResponse),
    /// The backend did not give a status; retried with backoff.
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PassView {
    pub resp: CheckInResponse,
    /// The verified fields of the scanned code (entrance, direction, PCR requirement).
    pub venue: VenueInfo,
    pub masked_name: String,
    /// The last refresh failed; the pass shows its expiry honestly.
    pub refresh_failed: bool,
}

/// What "retry" repeats.
#[derive(Debug, Clone, PartialEq)]
pub enum Retry {
    Session,
    Keys {
        text: String,
        client_visit_id: String,
    },
    CheckIn {
        code: String,
        client_visit_id: String,
    },
    Pass(Box<PassView>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiaryView {
    pub visits: Option<Vec<Visit>>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeysState {
    Loading,
    Loaded,
    Failed,
}

/// How a code reached the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The host scanner or the paste box: check in at once.
    Scan,
    /// The app was opened at the poster's URL: show a one-tap confirmation first.
    Link,
}

#[derive(Debug, Clone, PartialEq)]
struct PendingCode {
    text: String,
    client_visit_id: String,
    source: Source,
}

pub struct Model {
    pub screen: Screen,
    pub lang: Lang,
    pub host: HostKind,
    pub session: Option<SessionResponse>,
    pub keys: KeySet,
    /// The latest status the backend gave; shown as history (with its age) when current
    /// status is unavailable.
    pub last_status: Option<StatusResponse>,
    /// Unix seconds, set by the runtime before each update.
    pub now: Timestamp,
    /// A fresh client visit id (UUID v4) supplied by the runtime; taken once per scan.
    pub next_visit_id: String,
    keys_state: KeysState,
    keys_refetched: bool,
    pending: Option<PendingCode>,
    retry_attempt: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// Boot: a cached session (still valid), cached keys, the poster code from the URL.
    Started {
        session: Option<SessionResponse>,
        keys: Option<KeySet>,
        venue_code: Option<String>,
    },
    KeysLoaded(KeySet),
    KeysFailed,
    Demo(Result<Option<Vec<DemoCitizen>>, ApiError>),
    /// The host has no identity (plain browser).
    NoProof,
    ProofFailed(HostError),
    PickCitizen(String),
    SessionDone(Result<SessionResponse, ApiError>),
    StatusDone(Result<StatusResponse, ApiError>),
    ScanTap,
    ScanDone(Result<String, HostError>),
    Paste(String),
    ConfirmCheckIn,
    CheckInDone(Result<CheckInResponse, ApiError>),
    PassRefreshed(Result<PassResponse, ApiError>),
    /// The clock passed the pass token's expiry.
    PassExpired,
    Retry,
    /// A scheduled retry; ignored unless it is still the current attempt.
    AutoRetry(u32),
    Done,
    OpenDiary,
    DiaryDone(Result<VisitList, ApiError>),
    CancelVisit(String),
    CancelDone(String, Result<(), ApiError>),
    SwitchLang,
    SignOut,
    Back,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadKeys,
    SaveKeys,
    LoadDemo,
    /// Ask the host for its identity proof, then `POST /v1/session`.
    HostSession,
    Session(Proof),
    SaveSession(Option<SessionResponse>),
    LoadStatus,
    Scan,
    CheckIn(CheckInRequest),
    RefreshPass {
        visit_id: String,
        at: Timestamp,
    },
    LoadDiary,
    CancelVisit(String),
    ScheduleRetry {
        attempt: u32,
        ms: u32,
    },
    Haptic(Haptic),
    SaveLang(Lang),
    BackButton(bool),
}

/// Backoff before automatic retry `attempt` (0-based): 1, 2, 4, 8, 16, then 30 s.
pub fn backoff_ms(attempt: u32) -> u32 {
    1000u32.saturating_mul(1 << attempt.min(5)).min(30_000)
}

/// When to refresh a pass: a minute before it expires, or halfway for short lifetimes.
pub fn refresh_at(p: &PassResponse) -> Timestamp {
    let life = (p.expires_at - p.issued_at).max(2);
    p.expires_at - (life / 2).min(60)
}

impl Model {
    pub fn new(host: HostKind, lang: Lang) -> Model {
        Model {
            screen: Screen::Start,
            lang,
            host,
            session: None,
            keys: KeySet::default(),
            last_status: None,
            now: 0,
            next_visit_id: String::new(),
            keys_state: KeysState::Loading,
            keys_refetched: false,
            pending: None,
            retry_attempt: 0,
        }
    }

    fn take_visit_id(&mut self) -> String {
        std::mem::take(&mut self.next_visit_id)
    }

    fn go_home(&mut self, fx: &mut Vec<Effect>) {
        self.screen = Screen::Home(HomeStatus::Loading);
        fx.push(Effect::LoadStatus);
    }

    fn unknown(&mut self, retry: Retry, err: &ApiError, fx: &mut Vec<Effect>) {
        let attempt = self.retry_attempt;
        self.retry_attempt = self.retry_attempt.saturating_add(1);
        self.screen = Screen::Unknown {
            retry,
            attempt,
            reason: String::from(err.code()),
        };
        fx.push(Effect::ScheduleRetry {
            attempt,
            ms: backoff_ms(attempt),
        });
    }

    fn sign_in(&mut self, fx: &mut Vec<Effect>) {
        if self.host == HostKind::Browser {
            self.screen = Screen::SignIn(SignIn::Loading);
            fx.push(Effect::LoadDemo);
        } else {
            self.screen = Screen::Start;
            fx.push(Effect::HostSession);
        }
    }

    fn after_session(&mut self, fx: &mut Vec<Effect>) {
        match self.pending.take() {
            Some(p) => self.verify(p, fx),
            None => self.go_home(fx),
        }
    }

    /// Verifies a code offline, then checks in (scan) or asks for a tap (link).
    fn verify(&mut self, p: PendingCode, fx: &mut Vec<Effect>) {
        if self.keys.is_empty() {
            match self.keys_state {
                KeysState::Failed => {
                    let retry = Retry::Keys {
                        text: p.text,
                        client_visit_id: p.client_visit_id,
                    };
                    self.unknown(retry, &ApiError::Network(String::from("no keys")), fx);
                }
                KeysState::Loading | KeysState::Loaded => {
                    self.screen = Screen::Start;
                    self.pending = Some(p);
                    if self.keys_state == KeysState::Loaded {
                        self.keys_state = KeysState::Loading;
                        fx.push(Effect::LoadKeys);
                    }
                }
            }
            return;
        }
        match venue::parse(&p.text, &self.keys) {
            Ok(code) => {
                let busy = p.source == Source::Scan;
                if busy {
                    fx.push(Effect::CheckIn(CheckInRequest {
                        code: p.text.clone(),
                        client_visit_id: p.client_visit_id.clone(),
                    }));
                }
                self.screen = Screen::CheckIn {
                    venue: code.info,
                    code: p.text,
                    client_visit_id: p.client_visit_id,
                    busy,
                };
            }
            // A key published after our cached set: fetch the keys once and verify again.
            Err(CodeError::UnknownKey)
                if !self.keys_refetched && self.keys_state != KeysState::Failed =>
            {
                self.keys_refetched = true;
                self.keys_state = KeysState::Loading;
                self.pending = Some(p);
                self.screen = Screen::Start;
                fx.push(Effect::LoadKeys);
            }
            Err(error) => {
                fx.push(Effect::Haptic(Haptic::Error));
                self.screen = Screen::Rejected { error };
            }
        }
    }

    fn code_in(&mut self, text: String, source: Source, fx: &mut Vec<Effect>) {
        let p = PendingCode {
            text,
            client_visit_id: self.take_visit_id(),
            source,
        };
        if self.session.is_none() {
            // Verify first: a forged code is rejected even before signing in.
            if !self.keys.is_empty() {
                if let Err(error) = venue::parse(&p.text, &self.keys) {
                    if error != CodeError::UnknownKey {
                        self.screen = Screen::Rejected { error };
                        return;
                    }
                }
            }
            self.pending = Some(PendingCode {
                source: Source::Link,
                ..p
            });
            self.sign_in(fx);
            return;
        }
        self.verify(p, fx);
    }

    fn retry(&mut self, retry: Retry, fx: &mut Vec<Effect>) {
        match retry {
            Retry::Session => {
                self.sign_in(fx);
            }
            Retry::Keys {
                text,
                client_visit_id,
            } => {
                self.keys_state = KeysState::Loading;
                self.pending = Some(PendingCode {
                    text,
                    client_visit_id,
                    source: Source::Scan,
                });
                self.screen = Screen::Start;
                fx.push(Effect::LoadKeys);
            }
            Retry::CheckIn {
                code,
                client_visit_id,
            } => {
                // The same client visit id: a retry never creates a second visit.
                self.pending = None;
                self.verify(
                    PendingCode {
                        text: code,
                        client_visit_id,
                        source: Source::Scan,
                    },
                    fx,
                );
            }
            Retry::Pass(view) => {
                fx.push(Effect::RefreshPass {
                    visit_id: view.resp.visit.id.clone(),
                    at: self.now,
                });
                self.screen = Screen::Pass(view);
            }
        }
    }

    /// Applies one message; returns what the runtime must do next.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg {
            Msg::Started {
                session,
                keys,
                venue_code,
            } => {
                if let Some(k) = keys {
                    self.keys = k;
                }
                fx.push(Effect::LoadKeys);
                if let Some(text) = venue_code {
                    self.pending = Some(PendingCode {
                        text,
                        client_visit_id: self.take_visit_id(),
                        source: Source::Link,
                    });
                }
                match session {
                    Some(s) if s.expires_at > self.now + 60 => {
                        self.session = Some(s);
                        self.after_session(&mut fx);
                    }
                    _ => self.sign_in(&mut fx),
                }
            }
            Msg::KeysLoaded(keys) => {
                self.keys = keys;
                self.keys_state = KeysState::Loaded;
                fx.push(Effect::SaveKeys);
                if self.session.is_some() && matches!(self.screen, Screen::Start) {
                    if let Some(p) = self.pending.take() {
                        self.verify(p, &mut fx);
                    }
                }
            }
            Msg::KeysFailed => {
                self.keys_state = KeysState::Failed;
                if self.session.is_some() && matches!(self.screen, Screen::Start) {
                    if let Some(p) = self.pending.take() {
                        if self.keys.is_empty() {
                            self.verify(p, &mut fx);
                        } else {
                            // Could not refresh: judge with the keys we have.
                            self.keys_refetched = true;
                            self.verify(p, &mut fx);
                        }
                    }
                }
            }
            Msg::Demo(r) => {
                if matches!(self.screen, Screen::SignIn(_)) {
                    self.screen = Screen::SignIn(match r {
                        Ok(Some(citizens)) if !citizens.is_empty() => SignIn::Demo(citizens),
                        _ => SignIn::NeedsHost,
                    });
                }
            }
            Msg::NoProof => {
                self.screen = Screen::SignIn(SignIn::Loading);
                fx.push(Effect::LoadDemo);
            }
            Msg::ProofFailed(e) => {
                self.screen = Screen::Error {
                    code: String::from(e.code()),
                };
            }
            Msg::PickCitizen(iin) => {
                self.screen = Screen::SignIn(SignIn::Busy);
                fx.push(Effect::Session(Proof::Dev { iin }));
            }
            Msg::SessionDone(Ok(s)) => {
                self.retry_attempt = 0;
                fx.push(Effect::SaveSession(Some(s.clone())));
                self.session = Some(s);
                self.after_session(&mut fx);
            }
            Msg::SessionDone(Err(e)) => {
                if e.is_unavailable() {
                    self.unknown(Retry::Session, &e, &mut fx);
                } else {
                    self.screen = Screen::SignIn(SignIn::Failed(String::from(e.code())));
                }
            }
            Msg::StatusDone(r) => {
                if matches!(self.screen, Screen::Home(_)) {
                    match r {
                        Ok(s) => {
                            self.retry_attempt = 0;
                            self.last_status = Some(s.clone());
                            self.screen = Screen::Home(HomeStatus::Known(s));
                        }
                        Err(ApiError::Unauthorized) => self.signed_out(&mut fx),
                        Err(_) => {
                            let attempt = self.retry_attempt;
                            self.retry_attempt = self.retry_attempt.saturating_add(1);
                            self.screen = Screen::Home(HomeStatus::Unknown);
                            fx.push(Effect::ScheduleRetry {
                                attempt,
                                ms: backoff_ms(attempt),
                            });
                        }
                    }
                }
            }
            Msg::ScanTap => {
                if self.session.is_none() {
                    self.sign_in(&mut fx);
                } else if self.host != HostKind::Browser {
                    self.screen = Screen::Scanning;
                    fx.push(Effect::Scan);
                    fx.push(Effect::Haptic(Haptic::Tap));
                }
            }
            Msg::ScanDone(r) => {
                if matches!(self.screen, Screen::Scanning) {
                    match r {
                        Ok(text) => self.code_in(text, Source::Scan, &mut fx),
                        Err(e) => {
                            self.screen = Screen::Error {
                                code: String::from(e.code()),
                            }
                        }
                    }
                }
            }
            Msg::Paste(text) => {
                let text = text.trim().to_owned();
                if !text.is_empty() {
                    self.code_in(text, Source::Scan, &mut fx);
                }
            }
            Msg::ConfirmCheckIn => {
                if let Screen::CheckIn {
                    code,
                    client_visit_id,
                    busy,
                    ..
                } = &mut self.screen
                {
                    if !*busy {
                        *busy = true;
                        fx.push(Effect::CheckIn(CheckInRequest {
                            code: code.clone(),
                            client_visit_id: client_visit_id.clone(),
                        }));
                    }
                }
            }
            Msg::CheckInDone(r) => self.checked_in(r, &mut fx),
            Msg::PassRefreshed(r) => {
                if let Screen::Pass(view) = &mut self.screen {
                    match r {
                        Ok(p) => {
                            fx.push(Effect::RefreshPass {
                                visit_id: view.resp.visit.id.clone(),
                                at: refresh_at(&p),
                            });
                            view.resp.pass = p;
                            view.refresh_failed = false;
                        }
                        Err(ApiError::Unauthorized) => self.signed_out(&mut fx),
                        Err(_) => {
                            view.refresh_failed = true;
                            // Try again soon; the expiry check ends the pass if it never works.
                            fx.push(Effect::RefreshPass {
                                visit_id: view.resp.visit.id.clone(),
                                at: self.now + 5,
                            });
                        }
                    }
                }
            }
            Msg::PassExpired => {
                if let Screen::Pass(view) = &self.screen {
                    if self.now >= view.resp.pass.expires_at {
                        let view = view.clone();
                        self.unknown(Retry::Pass(view), &ApiError::Timeout, &mut fx);
                    }
                }
            }
            Msg::Retry => self.retry_now(&mut fx),
            Msg::AutoRetry(attempt) => {
                let current = self.retry_attempt.checked_sub(1) == Some(attempt);
                if current {
                    self.retry_now(&mut fx);
                }
            }
            Msg::Done | Msg::Back => match &self.screen {
                Screen::Start | Screen::SignIn(_) => {}
                Screen::Home(_) if matches!(msg, Msg::Back) => {}
                _ if self.session.is_some() => self.go_home(&mut fx),
                _ => self.sign_in(&mut fx),
            },
            Msg::OpenDiary => {
                self.screen = Screen::Diary(DiaryView::default());
                fx.push(Effect::LoadDiary);
            }
            Msg::DiaryDone(r) => {
                if let Screen::Diary(d) = &mut self.screen {
                    match r {
                        Ok(list) => {
                            d.visits = Some(list.visits);
                            d.error = None;
                        }
                        Err(ApiError::Unauthorized) => self.signed_out(&mut fx),
                        Err(e) => d.error = Some(String::from(e.code())),
                    }
                }
            }
            Msg::CancelVisit(id) => {
                if matches!(self.screen, Screen::Diary(_)) {
                    fx.push(Effect::CancelVisit(id));
                }
            }
            Msg::CancelDone(id, r) => {
                if let Screen::Diary(d) = &mut self.screen {
                    match r {
                        Ok(()) => {
                            if let Some(v) = d
                                .visits
                                .as_mut()
                                .and_then(|vs| vs.iter_mut().find(|v| v.id == id))
                            {
                                v.cancelled = true;
                            }
                            d.error = None;
                        }
                        Err(e) => d.error = Some(String::from(e.code())),
                    }
                }
            }
            Msg::SwitchLang => {
                self.lang = self.lang.next();
                fx.push(Effect::SaveLang(self.lang));
            }
            Msg::SignOut => {
                self.session = None;
                fx.push(Effect::SaveSession(None));
                self.sign_in(&mut fx);
            }
        }
        let back = !matches!(
            self.screen,
            Screen::Home(_) | Screen::Start | Screen::SignIn(_)
        );
        fx.push(Effect::BackButton(back));
        fx
    }

    fn signed_out(&mut self, fx: &mut Vec<Effect>) {
        self.session = None;
        fx.push(Effect::SaveSession(None));
        self.sign_in(fx);
    }

    fn retry_now(&mut self, fx: &mut Vec<Effect>) {
        match std::mem::replace(&mut self.screen, Screen::Start) {
            Screen::Unknown { retry, .. } => self.retry(retry, fx),
            Screen::Home(HomeStatus::Unknown) => self.go_home(fx),
            other => self.screen = other,
        }
    }

    fn checked_in(&mut self, r: Result<CheckInResponse, ApiError>, fx: &mut Vec<Effect>) {
        let Screen::CheckIn {
            venue,
            code,
            client_visit_id,
            ..
        } = &self.screen
        else {
            return;
        };
        match r {
            Ok(resp) => {
                self.retry_attempt = 0;
                self.last_status = Some(resp.status.clone());
                let masked_name = self
                    .session
                    .as_ref()
                    .map(|s| s.profile.masked_name.clone())
                    .unwrap_or_default();
                fx.push(Effect::Haptic(if resp.admission.admitted {
                    Haptic::Success
                } else {
                    Haptic::Warning
                }));
                if resp.direction == Direction::In {
                    fx.push(Effect::RefreshPass {
                        visit_id: resp.visit.id.clone(),
                        at: refresh_at(&resp.pass),
                    });
                }
                self.screen = Screen::Pass(Box::new(PassView {
                    venue: venue.clone(),
                    resp,
                    masked_name,
                    refresh_failed: false,
                }));
            }
            Err(ApiError::Rejected(error)) => {
                fx.push(Effect::Haptic(Haptic::Error));
                self.screen = Screen::Rejected { error };
            }
            Err(ApiError::Unauthorized) => {
                self.pending = Some(PendingCode {
                    text: code.clone(),
                    client_visit_id: client_visit_id.clone(),
                    source: Source::Link,
                });
                self.signed_out(fx);
            }
            Err(e) if e.is_unavailable() => {
                let retry = Retry::CheckIn {
                    code: code.clone(),
                    client_visit_id: client_visit_id.clone(),
                };
                self.unknown(retry, &e, fx);
            }
            Err(e) => {
                self.screen = Screen::Error {
                    code: String::from(e.code()),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ashyq_core::api::{ExitKind, Profile};
    use ashyq_core::keys::Signer;
    use ashyq_core::status::{Admission, AdmissionReason};
    use ashyq_core::venue::Category;
    use ashyq_core::Status;

    fn signer() -> Signer {
        Signer::from_seed([9; 32])
    }
    fn keys() -> KeySet {
        let s = signer();
        let mut k = KeySet::default();
        k.insert(s.key_id(), s.verifying_key());
        k
    }
    fn info(direction: Direction) -> VenueInfo {
        VenueInfo {
            venue_id: 5,
            entrance: 1,
            direction,
            business_name: String::from("<img src=x onerror=alert(1)>"),
            bin: String::from("180340021791"),
            address: String::from("Астана"),
            category: Category::Grocery,
            pcr_required: false,
            issued_at: 1_790_000_000,
        }
    }
    fn code(direction: Direction) -> String {
        venue::sign(&info(direction), &signer())
            .expect("valid")
            .bare()
    }
    fn session() -> SessionResponse {
        SessionResponse {
            token: String::from("t"),
            expires_at: 2_000_000_000,
            profile: Profile {
                masked_name: String::from("Айгерим С."),
                masked_iin: String::from("•••••••••123"),
            },
        }
    }
    fn status(s: Status) -> StatusResponse {
        StatusResponse {
            status: s,
            since: None,
            valid_until: None,
            as_of: 1_800_000_000,
        }
    }
    fn checkin(direction: Direction) -> CheckInResponse {
        CheckInResponse {
            visit: Visit {
                id: String::from("v1"),
                venue_id: 5,
                venue_name: String::from("Береке"),
                address: String::from("Астана"),
                category: Category::Grocery,
                entrance: 1,
                entered_at: 1_800_000_000,
                exited_at: None,
                exit_kind: None::<ExitKind>,
                cancelled: false,
            },
            direction,
            status: status(Status::Green),
            admission: Admission {
                admitted: true,
                reason: AdmissionReason::Allowed,
            },
            pass: PassResponse {
                token: String::from("ASHYQP1:x.y"),
                issued_at: 1_800_000_000,
                expires_at: 1_800_000_300,
            },
            closed_visit_id: None,
        }
    }
    fn signed_in(host: HostKind) -> Model {
        let mut m = Model::new(host, Lang::En);
        m.now = 1_800_000_000;
        m.next_visit_id = String::from("id-1");
        m.update(Msg::Started {
            session: Some(session()),
            keys: Some(keys()),
            venue_code: None,
        });
        m.update(Msg::KeysLoaded(keys()));
        m
    }

    #[test]
    fn scan_verifies_offline_then_checks_in_with_one_visit_id() {
        let mut m = signed_in(HostKind::Fake);
        assert_eq!(m.screen, Screen::Home(HomeStatus::Loading));
        let fx = m.update(Msg::ScanTap);
        assert!(fx.contains(&Effect::Scan));
        assert_eq!(m.screen, Screen::Scanning);
        let fx = m.update(Msg::ScanDone(Ok(code(Direction::In))));
        let req = fx.iter().find_map(|e| match e {
            Effect::CheckIn(r) => Some(r.clone()),
            _ => None,
        });
        let req = req.expect("a check-in request");
        assert_eq!(req.client_visit_id, "id-1");
        assert_eq!(m.screen.name(), "checkin");
        // Backend down → UNKNOWN, and the retry reuses the same visit id.
        m.update(Msg::CheckInDone(Err(ApiError::Network(String::from(
            "refused",
        )))));
        assert_eq!(m.screen.name(), "unknown");
        let fx = m.update(Msg::Retry);
        assert!(fx.contains(&Effect::CheckIn(req.clone())));
        m.update(Msg::CheckInDone(Ok(checkin(Direction::In))));
        let Screen::Pass(view) = &m.screen else {
            panic!("expected the pass, got {:?}", m.screen)
        };
        assert_eq!(view.masked_name, "Айгерим С.");
        assert_eq!(view.venue.business_name, "<img src=x onerror=alert(1)>");
    }

    #[test]
    fn forged_code_never_reaches_the_network() {
        let mut m = signed_in(HostKind::Fake);
        m.update(Msg::ScanTap);
        let mut forged = code(Direction::In);
        let last = forged.pop().expect("non-empty");
        forged.push(if last == 'A' { 'B' } else { 'A' });
        let fx = m.update(Msg::ScanDone(Ok(forged)));
        assert!(!fx.iter().any(|e| matches!(e, Effect::CheckIn(_))));
        assert!(matches!(m.screen, Screen::Rejected { .. }));
        let fx = m.update(Msg::Paste(String::from(
            "https://evil.example/login?next=/v/1",
        )));
        assert!(!fx.iter().any(|e| matches!(e, Effect::CheckIn(_))));
        assert_eq!(
            m.screen,
            Screen::Rejected {
                error: CodeError::BadPrefix
            }
        );
    }

    #[test]
    fn unknown_key_refetches_keys_once() {
        let mut m = signed_in(HostKind::Browser);
        let other = Signer::from_seed([1; 32]);
        let text = venue::sign(&info(Direction::In), &other)
            .expect("valid")
            .bare();
        let fx = m.update(Msg::Paste(text.clone()));
        assert!(fx.contains(&Effect::LoadKeys));
        assert_eq!(m.screen, Screen::Start);
        m.update(Msg::KeysLoaded(keys()));
        assert_eq!(
            m.screen,
            Screen::Rejected {
                error: CodeError::UnknownKey
            }
        );
        // The new key arrives on the next refresh: it verifies.
        let mut m = signed_in(HostKind::Browser);
        m.update(Msg::Paste(text));
        let mut both = keys();
        both.insert(other.key_id(), other.verifying_key());
        m.update(Msg::KeysLoaded(both));
        assert_eq!(m.screen.name(), "checkin");
    }

    #[test]
    fn status_failure_is_unknown_with_history_and_backoff() {
        let mut m = signed_in(HostKind::Fake);
        m.update(Msg::StatusDone(Ok(status(Status::Green))));
        assert_eq!(
            m.screen,
            Screen::Home(HomeStatus::Known(status(Status::Green)))
        );
        m.update(Msg::Done);
        let fx = m.update(Msg::StatusDone(Err(ApiError::Timeout)));
        assert_eq!(m.screen, Screen::Home(HomeStatus::Unknown));
        assert!(fx.contains(&Effect::ScheduleRetry {
            attempt: 0,
            ms: 1000
        }));
        assert_eq!(
            m.last_status.as_ref().map(|s| s.status),
            Some(Status::Green)
        );
        // A stale timer does nothing; the current one retries.
        assert!(!m.update(Msg::AutoRetry(7)).contains(&Effect::LoadStatus));
        assert!(m.update(Msg::AutoRetry(0)).contains(&Effect::LoadStatus));
        let fx = m.update(Msg::StatusDone(Err(ApiError::Timeout)));
        assert!(fx.contains(&Effect::ScheduleRetry {
            attempt: 1,
            ms: 2000
        }));
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(0), 1000);
        assert_eq!(backoff_ms(3), 8000);
        assert_eq!(backoff_ms(10), 30_000);
    }

    #[test]
    fn poster_link_asks_for_one_tap_after_sign_in() {
        let mut m = Model::new(HostKind::Browser, Lang::En);
        m.now = 1_800_000_000;
        m.next_visit_id = String::from("id-9");
        let fx = m.update(Msg::Started {
            session: None,
            keys: Some(keys()),
            venue_code: Some(code(Direction::In)),
        });
        assert!(fx.contains(&Effect::LoadDemo));
        m.update(Msg::Demo(Ok(None)));
        assert_eq!(m.screen, Screen::SignIn(SignIn::NeedsHost));
        m.update(Msg::SessionDone(Ok(session())));
        let Screen::CheckIn { busy, .. } = m.screen else {
            panic!("expected check-in")
        };
        assert!(!busy);
        let fx = m.update(Msg::ConfirmCheckIn);
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::CheckIn(r) if r.client_visit_id == "id-9")));
    }

    #[test]
    fn exit_scan_shows_the_closing_pass_without_refresh() {
        let mut m = signed_in(HostKind::Fake);
        m.update(Msg::ScanTap);
        m.update(Msg::ScanDone(Ok(code(Direction::Out))));
        let fx = m.update(Msg::CheckInDone(Ok(checkin(Direction::Out))));
        assert!(!fx.iter().any(|e| matches!(e, Effect::RefreshPass { .. })));
        assert_eq!(m.screen.name(), "pass");
    }

    #[test]
    fn host_failures_end_on_error_screens() {
        for (err, code) in [
            (HostError::Timeout, "host_timeout"),
            (HostError::Cancelled, "scan_cancelled"),
            (HostError::PermissionDenied, "permission_denied"),
        ] {
            let mut m = signed_in(HostKind::Fake);
            m.update(Msg::ScanTap);
            m.update(Msg::ScanDone(Err(err)));
            assert_eq!(
                m.screen,
                Screen::Error {
                    code: String::from(code)
                }
            );
            m.update(Msg::Back);
            assert_eq!(m.screen.name(), "home");
        }
    }

    #[test]
    fn expired_pass_that_cannot_refresh_becomes_unknown() {
        let mut m = signed_in(HostKind::Fake);
        m.update(Msg::ScanTap);
        m.update(Msg::ScanDone(Ok(code(Direction::In))));
        m.update(Msg::CheckInDone(Ok(checkin(Direction::In))));
        m.update(Msg::PassRefreshed(Err(ApiError::Timeout)));
        m.now = 1_800_000_301;
        m.update(Msg::PassExpired);
        assert_eq!(m.screen.name(), "unknown");
    }
}
