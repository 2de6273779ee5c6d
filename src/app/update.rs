//! One step of the state machine: [`Model::update`] applies a message with its inputs and
//! returns the effects. Pure: no DOM, no network, no clock, no randomness — the time and a
//! fresh visit id arrive in [`Input`].

use ashyq_core::api::{CheckInRequest, CheckInResponse};
use ashyq_core::venue::{self, Direction};
use ashyq_core::CodeError;

use super::flow::{Flow, Pending, Source, Verified};
use super::model::{
    backoff_ms, refresh_at, DiaryView, Effect, HomeStatus, Input, KeysState, Model, Msg, PassView,
    Retry, RoleMode, Screen, SignIn,
};
use crate::types::{ApiError, Failure, Haptic, HostError, HostKind, Proof};

impl Model {
    /// Applies one message, at `input.now`; returns what the runtime must do next.
    pub fn update(&mut self, msg: Msg, input: Input) -> Vec<Effect> {
        self.now = input.now;
        let visit_id = input.visit_id;
        let mut fx = Vec::new();
        let was_roles = matches!(self.screen, Screen::Roles { .. });
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
                    self.flow = Flow::WaitingForSession(Pending {
                        text,
                        client_visit_id: visit_id,
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
                if let Some((code, refetched)) = self.waiting_for_keys() {
                    self.verify(code, refetched, &mut fx);
                }
            }
            Msg::KeysFailed => {
                self.keys_state = KeysState::Failed;
                // Could not refresh: judge with the keys we have (none: status unavailable).
                if let Some((code, refetched)) = self.waiting_for_keys() {
                    self.verify(code, refetched, &mut fx);
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
                    reason: Failure::Host(e),
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
                    self.unknown(Retry::Session, e, &mut fx);
                } else {
                    self.screen = Screen::SignIn(SignIn::Failed(e));
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
                            let attempt = self.next_attempt();
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
                } else {
                    self.screen = Screen::Scanning;
                    fx.push(Effect::Scan);
                    fx.push(Effect::Haptic(Haptic::Tap));
                }
            }
            Msg::ScanDone(r) => {
                if matches!(self.screen, Screen::Scanning) {
                    match r {
                        Ok(text) => self.code_in(text, Source::Scan, visit_id, &mut fx),
                        // The user closed the scanner: back where they were, no error.
                        Err(HostError::Cancelled) => self.back_from_scan(&mut fx),
                        Err(e) => {
                            self.screen = Screen::Error {
                                reason: Failure::Host(e),
                            }
                        }
                    }
                }
            }
            Msg::Paste(text) => {
                let text = text.trim().to_owned();
                if !text.is_empty() {
                    self.code_in(text, Source::Scan, visit_id, &mut fx);
                }
            }
            Msg::ConfirmCheckIn => {
                self.flow = match std::mem::take(&mut self.flow) {
                    Flow::Verified(v) => {
                        fx.push(Effect::CheckIn(request(&v)));
                        Flow::Sending(v)
                    }
                    other => other,
                };
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
            Msg::Tick => {
                if let Screen::Pass(view) = &self.screen {
                    if self.now >= view.resp.pass.expires_at {
                        let view = view.clone();
                        self.unknown(Retry::Pass(view), ApiError::Timeout, &mut fx);
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
                        Err(e) => d.error = Some(e),
                    }
                }
            }
            Msg::CancelVisit(id, dispute) => {
                if matches!(self.screen, Screen::Diary(_)) {
                    fx.push(Effect::CancelVisit(id, dispute));
                }
            }
            Msg::CancelDone(id, dispute, r) => {
                if let Screen::Diary(d) = &mut self.screen {
                    match r {
                        Ok(()) => {
                            if let Some(v) = d
                                .visits
                                .as_mut()
                                .and_then(|vs| vs.iter_mut().find(|v| v.id == id))
                            {
                                if dispute {
                                    v.disputed = true;
                                } else {
                                    v.cancelled = true;
                                }
                            }
                            d.error = None;
                        }
                        Err(e) => d.error = Some(e),
                    }
                }
            }
            Msg::SwitchLang => {
                self.lang = self.lang.next();
                fx.push(Effect::SaveLang(self.lang));
            }
            Msg::SignOut => self.signed_out(&mut fx),
            Msg::ToggleDependant(id) => {
                if let Flow::Verified(v) = &mut self.flow {
                    let known = self
                        .session
                        .as_ref()
                        .is_some_and(|s| s.dependants.iter().any(|d| d.id == id));
                    // `retain`, not `remove(index)`: its panic message would pull
                    // `core::fmt` into the wasm.
                    if v.party.contains(&id) {
                        v.party.retain(|p| *p != id);
                    } else if known {
                        v.party.push(id);
                    }
                }
            }
            Msg::OpenRoles(mode) => {
                let allowed = self.session.as_ref().is_some_and(|s| match mode {
                    RoleMode::Business => !s.roles.owner_of.is_empty(),
                    RoleMode::Door => !s.roles.staff_at.is_empty(),
                });
                if allowed && matches!(self.screen, Screen::Home(_)) {
                    self.flow = Flow::Idle;
                    self.screen = Screen::Roles {
                        mode,
                        failed: false,
                    };
                    fx.push(Effect::OpenRoles(mode));
                }
            }
            Msg::RolesFailed => {
                if let Screen::Roles { failed, .. } = &mut self.screen {
                    *failed = true;
                }
            }
            Msg::RolesClosed => {
                if matches!(self.screen, Screen::Roles { .. }) {
                    self.go_home(&mut fx);
                }
            }
            Msg::Foreground => match &self.screen {
                // The pass was hidden: a fresh token now (the clock resyncs on its own).
                Screen::Pass(view) => fx.push(Effect::RefreshPass {
                    visit_id: view.resp.visit.id.clone(),
                    at: self.now,
                }),
                Screen::Home(_) => fx.push(Effect::LoadStatus),
                _ => {}
            },
            Msg::OpenSettings => {
                if self.host.has_settings() {
                    fx.push(Effect::OpenSettings);
                }
            }
        }
        if was_roles && !matches!(self.screen, Screen::Roles { .. }) {
            fx.push(Effect::CloseRoles);
        }
        let back = !matches!(
            self.screen,
            Screen::Home(_) | Screen::Start | Screen::SignIn(_)
        );
        fx.push(Effect::BackButton(back));
        fx
    }

    /// The code waiting for the keys, taken out of the flow (signed in only: before that
    /// the code waits for the session, which verifies it).
    fn waiting_for_keys(&mut self) -> Option<(Pending, bool)> {
        if self.session.is_none() || !matches!(self.screen, Screen::Start) {
            return None;
        }
        match std::mem::take(&mut self.flow) {
            Flow::WaitingForKeys { code, refetched } => Some((code, refetched)),
            other => {
                self.flow = other;
                None
            }
        }
    }

    /// The attempt number of the next automatic retry.
    fn next_attempt(&mut self) -> u32 {
        let attempt = self.retry_attempt;
        self.retry_attempt = self.retry_attempt.saturating_add(1);
        attempt
    }

    /// Home as it was before the scan: the status already shown stays (no loading flash);
    /// without one, home loads it.
    fn back_from_scan(&mut self, fx: &mut Vec<Effect>) {
        match &self.last_status {
            Some(s) => {
                self.flow = Flow::Idle;
                self.screen = Screen::Home(HomeStatus::Known(s.clone()));
            }
            None => self.go_home(fx),
        }
    }

    fn go_home(&mut self, fx: &mut Vec<Effect>) {
        self.flow = Flow::Idle;
        self.screen = Screen::Home(HomeStatus::Loading);
        fx.push(Effect::LoadStatus);
    }

    fn unknown(&mut self, retry: Retry, reason: ApiError, fx: &mut Vec<Effect>) {
        let attempt = self.next_attempt();
        self.screen = Screen::Unknown {
            retry,
            attempt,
            reason,
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

    fn signed_out(&mut self, fx: &mut Vec<Effect>) {
        if let Some(s) = self.session.take() {
            fx.push(Effect::EndSession(s.token));
        }
        fx.push(Effect::SaveSession(None));
        self.sign_in(fx);
    }

    fn after_session(&mut self, fx: &mut Vec<Effect>) {
        match std::mem::take(&mut self.flow) {
            Flow::WaitingForSession(code) => self.verify(code, false, fx),
            Flow::WaitingForKeys { code, refetched } => self.verify(code, refetched, fx),
            Flow::Idle | Flow::Verified(_) | Flow::Sending(_) => self.go_home(fx),
        }
    }

    /// Verifies a code offline, then checks in (scan) or asks for a tap (link).
    /// `refetched`: the keys were already fetched again for this code.
    fn verify(&mut self, code: Pending, refetched: bool, fx: &mut Vec<Effect>) {
        self.flow = Flow::Idle;
        if self.keys.is_empty() {
            match self.keys_state {
                KeysState::Failed => {
                    let retry = Retry::Keys {
                        text: code.text,
                        client_visit_id: code.client_visit_id,
                    };
                    self.unknown(retry, ApiError::Network(String::from("no keys")), fx);
                }
                KeysState::Loading | KeysState::Loaded => {
                    self.screen = Screen::Start;
                    if self.keys_state == KeysState::Loaded {
                        self.keys_state = KeysState::Loading;
                        fx.push(Effect::LoadKeys);
                    }
                    self.flow = Flow::WaitingForKeys { code, refetched };
                }
            }
            return;
        }
        match venue::parse(&code.text, &self.keys) {
            Ok(parsed) => {
                let v = Verified {
                    venue: parsed.info,
                    code: code.text,
                    client_visit_id: code.client_visit_id,
                    party: Vec::new(),
                };
                self.screen = Screen::CheckIn;
                // A visitor with dependants ticks who comes along before sending.
                let family = self
                    .session
                    .as_ref()
                    .is_some_and(|s| !s.dependants.is_empty());
                self.flow = match code.source {
                    Source::Scan if !family => {
                        fx.push(Effect::CheckIn(request(&v)));
                        Flow::Sending(v)
                    }
                    Source::Scan | Source::Link => Flow::Verified(v),
                };
            }
            // A key published after our cached set: fetch the keys once and verify again.
            Err(CodeError::UnknownKey) if !refetched && self.keys_state != KeysState::Failed => {
                self.keys_state = KeysState::Loading;
                self.screen = Screen::Start;
                fx.push(Effect::LoadKeys);
                self.flow = Flow::WaitingForKeys {
                    code,
                    refetched: true,
                };
            }
            Err(error) => {
                fx.push(Effect::Haptic(Haptic::Error));
                self.screen = Screen::Rejected { error };
            }
        }
    }

    fn code_in(&mut self, text: String, source: Source, visit_id: String, fx: &mut Vec<Effect>) {
        let code = Pending {
            text,
            client_visit_id: visit_id,
            source,
        };
        if self.session.is_none() {
            // Verify first: a forged code is rejected even before signing in.
            if !self.keys.is_empty() {
                if let Err(error) = venue::parse(&code.text, &self.keys) {
                    if error != CodeError::UnknownKey {
                        self.screen = Screen::Rejected { error };
                        return;
                    }
                }
            }
            // After signing in the user confirms with a tap.
            self.flow = Flow::WaitingForSession(Pending {
                source: Source::Link,
                ..code
            });
            self.sign_in(fx);
            return;
        }
        self.verify(code, false, fx);
    }

    fn retry_now(&mut self, fx: &mut Vec<Effect>) {
        match std::mem::replace(&mut self.screen, Screen::Start) {
            Screen::Unknown { retry, .. } => self.retry(retry, fx),
            Screen::Home(HomeStatus::Unknown) => self.go_home(fx),
            other => self.screen = other,
        }
    }

    fn retry(&mut self, retry: Retry, fx: &mut Vec<Effect>) {
        match retry {
            Retry::Session => self.sign_in(fx),
            Retry::Keys {
                text,
                client_visit_id,
            } => {
                self.keys_state = KeysState::Loading;
                self.screen = Screen::Start;
                fx.push(Effect::LoadKeys);
                self.flow = Flow::WaitingForKeys {
                    code: Pending {
                        text,
                        client_visit_id,
                        source: Source::Scan,
                    },
                    refetched: false,
                };
            }
            // The same client visit id: a retry never creates a second visit.
            Retry::CheckIn {
                code,
                client_visit_id,
            } => self.verify(
                Pending {
                    text: code,
                    client_visit_id,
                    source: Source::Scan,
                },
                false,
                fx,
            ),
            Retry::Pass(view) => {
                fx.push(Effect::RefreshPass {
                    visit_id: view.resp.visit.id.clone(),
                    at: self.now,
                });
                self.screen = Screen::Pass(view);
            }
        }
    }

    fn checked_in(&mut self, r: Result<CheckInResponse, ApiError>, fx: &mut Vec<Effect>) {
        let v = match std::mem::take(&mut self.flow) {
            Flow::Sending(v) => v,
            other => {
                // No check-in on its way (the user left): nothing to show.
                self.flow = other;
                return;
            }
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
                    venue: v.venue,
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
                self.flow = Flow::WaitingForSession(Pending {
                    text: v.code,
                    client_visit_id: v.client_visit_id,
                    source: Source::Link,
                });
                self.signed_out(fx);
            }
            Err(e) if e.is_unavailable() => {
                let retry = Retry::CheckIn {
                    code: v.code,
                    client_visit_id: v.client_visit_id,
                };
                self.unknown(retry, e, fx);
            }
            Err(e) => {
                self.screen = Screen::Error {
                    reason: Failure::Api(e),
                };
            }
        }
    }
}

/// The `POST /v1/visits` body for a verified code.
fn request(v: &Verified) -> CheckInRequest {
    CheckInRequest {
        code: v.code.clone(),
        client_visit_id: v.client_visit_id.clone(),
        dependants: v.party.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use ashyq_core::api::{
        BusinessRef, Dependant, ExitKind, PartyMember, Profile, Roles, StaffPost,
    };
    use ashyq_core::api::{PassResponse, SessionResponse, StatusResponse, Visit};
    use ashyq_core::keys::KeySet;
    use ashyq_core::keys::Signer;
    use ashyq_core::status::{Admission, AdmissionReason};
    use ashyq_core::venue::Category;
    use ashyq_core::venue::VenueInfo;
    use ashyq_core::Status;

    const T0: i64 = 1_800_000_000;

    /// One step at `T0`, with "id-1" as the fresh visit id.
    fn step(m: &mut Model, msg: Msg) -> Vec<Effect> {
        m.update(msg, input(T0, "id-1"))
    }

    fn input(now: i64, visit_id: &str) -> Input {
        Input {
            now,
            visit_id: String::from(visit_id),
        }
    }

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
            roles: Roles::default(),
            dependants: Vec::new(),
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
                by_staff: false,
                disputed: false,
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
            party: Vec::new(),
        }
    }
    fn signed_in(host: HostKind) -> Model {
        let mut m = Model::new(host, Lang::En);
        step(
            &mut m,
            Msg::Started {
                session: Some(session()),
                keys: Some(keys()),
                venue_code: None,
            },
        );
        step(&mut m, Msg::KeysLoaded(keys()));
        m
    }

    #[test]
    fn signing_out_ends_the_session_on_the_server_then_forgets_it() {
        let mut m = signed_in(HostKind::Fake);
        let fx = step(&mut m, Msg::SignOut);
        assert_eq!(
            fx[..2],
            [
                Effect::EndSession(String::from("t")),
                Effect::SaveSession(None)
            ]
        );
        assert_eq!(m.session, None);
        // Signed out already: nothing to end on the server.
        let fx = step(&mut m, Msg::SignOut);
        assert!(!fx.iter().any(|e| matches!(e, Effect::EndSession(_))));
    }

    #[test]
    fn a_plain_browser_scans_with_the_camera_and_camera_errors_keep_their_code() {
        let mut m = signed_in(HostKind::Browser);
        let fx = step(&mut m, Msg::ScanTap);
        assert!(
            fx.contains(&Effect::Scan),
            "the browser opens its camera scanner"
        );
        assert_eq!(m.screen, Screen::Scanning);
        step(&mut m, Msg::ScanDone(Err(HostError::PermissionDenied)));
        assert_eq!(m.screen.name(), "error");
        let Screen::Error { reason } = &m.screen else {
            panic!("expected the error screen, got {:?}", m.screen)
        };
        assert_eq!(reason.code(), "permission_denied");
    }

    #[test]
    fn scan_verifies_offline_then_checks_in_with_one_visit_id() {
        let mut m = signed_in(HostKind::Fake);
        assert_eq!(m.screen, Screen::Home(HomeStatus::Loading));
        let fx = step(&mut m, Msg::ScanTap);
        assert!(fx.contains(&Effect::Scan));
        assert_eq!(m.screen, Screen::Scanning);
        let fx = step(&mut m, Msg::ScanDone(Ok(code(Direction::In))));
        let req = fx.iter().find_map(|e| match e {
            Effect::CheckIn(r) => Some(r.clone()),
            _ => None,
        });
        let req = req.expect("a check-in request");
        assert_eq!(req.client_visit_id, "id-1");
        assert_eq!(m.screen.name(), "checkin");
        // Backend down → UNKNOWN, and the retry reuses the same visit id.
        step(
            &mut m,
            Msg::CheckInDone(Err(ApiError::Network(String::from("refused")))),
        );
        assert_eq!(m.screen.name(), "unknown");
        let fx = step(&mut m, Msg::Retry);
        assert!(fx.contains(&Effect::CheckIn(req.clone())));
        step(&mut m, Msg::CheckInDone(Ok(checkin(Direction::In))));
        let Screen::Pass(view) = &m.screen else {
            panic!("expected the pass, got {:?}", m.screen)
        };
        assert_eq!(view.masked_name, "Айгерим С.");
        assert_eq!(view.venue.business_name, "<img src=x onerror=alert(1)>");
    }

    #[test]
    fn forged_code_never_reaches_the_network() {
        let mut m = signed_in(HostKind::Fake);
        step(&mut m, Msg::ScanTap);
        let mut forged = code(Direction::In);
        let last = forged.pop().expect("non-empty");
        forged.push(if last == 'A' { 'B' } else { 'A' });
        let fx = step(&mut m, Msg::ScanDone(Ok(forged)));
        assert!(!fx.iter().any(|e| matches!(e, Effect::CheckIn(_))));
        assert!(matches!(m.screen, Screen::Rejected { .. }));
        let fx = step(
            &mut m,
            Msg::Paste(String::from("https://evil.example/login?next=/v/1")),
        );
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
        let fx = step(&mut m, Msg::Paste(text.clone()));
        assert!(fx.contains(&Effect::LoadKeys));
        assert_eq!(m.screen, Screen::Start);
        step(&mut m, Msg::KeysLoaded(keys()));
        assert_eq!(
            m.screen,
            Screen::Rejected {
                error: CodeError::UnknownKey
            }
        );
        // The new key arrives on the next refresh: it verifies.
        let mut m = signed_in(HostKind::Browser);
        step(&mut m, Msg::Paste(text));
        let mut both = keys();
        both.insert(other.key_id(), other.verifying_key());
        step(&mut m, Msg::KeysLoaded(both));
        assert_eq!(m.screen.name(), "checkin");
    }

    #[test]
    fn status_failure_is_unknown_with_history_and_backoff() {
        let mut m = signed_in(HostKind::Fake);
        step(&mut m, Msg::StatusDone(Ok(status(Status::Green))));
        assert_eq!(
            m.screen,
            Screen::Home(HomeStatus::Known(status(Status::Green)))
        );
        step(&mut m, Msg::Done);
        let fx = step(&mut m, Msg::StatusDone(Err(ApiError::Timeout)));
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
        assert!(!step(&mut m, Msg::AutoRetry(7)).contains(&Effect::LoadStatus));
        assert!(step(&mut m, Msg::AutoRetry(0)).contains(&Effect::LoadStatus));
        let fx = step(&mut m, Msg::StatusDone(Err(ApiError::Timeout)));
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
        let fx = m.update(
            Msg::Started {
                session: None,
                keys: Some(keys()),
                venue_code: Some(code(Direction::In)),
            },
            input(T0, "id-9"),
        );
        assert!(fx.contains(&Effect::LoadDemo));
        step(&mut m, Msg::Demo(Ok(None)));
        assert_eq!(m.screen, Screen::SignIn(SignIn::NeedsHost));
        step(&mut m, Msg::SessionDone(Ok(session())));
        assert_eq!(m.screen, Screen::CheckIn);
        assert!(
            matches!(m.flow.verified(), Some((_, false))),
            "{:?}",
            m.flow
        );
        let fx = step(&mut m, Msg::ConfirmCheckIn);
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::CheckIn(r) if r.client_visit_id == "id-9")));
    }

    #[test]
    fn exit_scan_shows_the_closing_pass_without_refresh() {
        let mut m = signed_in(HostKind::Fake);
        step(&mut m, Msg::ScanTap);
        step(&mut m, Msg::ScanDone(Ok(code(Direction::Out))));
        let fx = step(&mut m, Msg::CheckInDone(Ok(checkin(Direction::Out))));
        assert!(!fx.iter().any(|e| matches!(e, Effect::RefreshPass { .. })));
        assert_eq!(m.screen.name(), "pass");
    }

    #[test]
    fn host_failures_end_on_error_screens() {
        for (err, code) in [
            (HostError::Timeout, "host_timeout"),
            (HostError::PermissionDenied, "permission_denied"),
        ] {
            let mut m = signed_in(HostKind::Fake);
            step(&mut m, Msg::ScanTap);
            step(&mut m, Msg::ScanDone(Err(err.clone())));
            assert_eq!(
                m.screen,
                Screen::Error {
                    reason: Failure::Host(err.clone())
                }
            );
            let Screen::Error { reason } = &m.screen else {
                unreachable!()
            };
            assert_eq!(reason.code(), code);
            step(&mut m, Msg::Back);
            assert_eq!(m.screen.name(), "home");
        }
    }

    #[test]
    fn closing_the_scanner_returns_quietly_to_home() {
        let mut m = signed_in(HostKind::Fake);
        let shown = Screen::Home(HomeStatus::Known(status(Status::Green)));
        step(&mut m, Msg::StatusDone(Ok(status(Status::Green))));
        assert_eq!(m.screen, shown);
        step(&mut m, Msg::ScanTap);
        let fx = step(&mut m, Msg::ScanDone(Err(HostError::Cancelled)));
        // The same home, no error screen, no reload flash.
        assert_eq!(m.screen, shown);
        assert!(!fx.contains(&Effect::LoadStatus), "{fx:?}");
    }

    #[test]
    fn back_in_the_foreground_the_pass_and_status_refresh() {
        let mut m = signed_in(HostKind::Fake);
        assert!(step(&mut m, Msg::Foreground).contains(&Effect::LoadStatus));
        step(&mut m, Msg::ScanTap);
        step(&mut m, Msg::ScanDone(Ok(code(Direction::In))));
        step(&mut m, Msg::CheckInDone(Ok(checkin(Direction::In))));
        assert_eq!(m.screen.name(), "pass");
        let fx = step(&mut m, Msg::Foreground);
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::RefreshPass { at, .. } if *at == T0)),
            "{fx:?}"
        );
    }

    #[test]
    fn denied_camera_offers_the_hosts_settings_where_it_has_them() {
        let mut m = signed_in(HostKind::Fake);
        step(&mut m, Msg::ScanTap);
        step(&mut m, Msg::ScanDone(Err(HostError::PermissionDenied)));
        assert!(step(&mut m, Msg::OpenSettings).contains(&Effect::OpenSettings));
        let mut vk = signed_in(HostKind::Vk(crate::types::VkTransport::Web));
        assert!(!step(&mut vk, Msg::OpenSettings).contains(&Effect::OpenSettings));
    }

    #[test]
    fn expired_pass_that_cannot_refresh_becomes_unknown() {
        let mut m = signed_in(HostKind::Fake);
        step(&mut m, Msg::ScanTap);
        step(&mut m, Msg::ScanDone(Ok(code(Direction::In))));
        step(&mut m, Msg::CheckInDone(Ok(checkin(Direction::In))));
        step(&mut m, Msg::PassRefreshed(Err(ApiError::Timeout)));
        // The clock ticks through `update`: before the expiry the pass stays.
        m.update(Msg::Tick, input(T0 + 299, ""));
        assert_eq!(m.screen.name(), "pass");
        assert_eq!(m.now, T0 + 299);
        m.update(Msg::Tick, input(T0 + 301, ""));
        assert_eq!(m.screen.name(), "unknown");
    }

    #[test]
    fn a_linked_code_waits_for_the_session_then_the_keys_then_the_tap() {
        let mut m = Model::new(HostKind::Fake, Lang::En);
        // Opened at a poster's URL, with no session and no cached keys.
        step(
            &mut m,
            Msg::Started {
                session: None,
                keys: None,
                venue_code: Some(code(Direction::In)),
            },
        );
        assert!(matches!(m.flow, Flow::WaitingForSession(_)), "{:?}", m.flow);
        step(&mut m, Msg::SessionDone(Ok(session())));
        assert!(
            matches!(m.flow, Flow::WaitingForKeys { .. }),
            "{:?}",
            m.flow
        );
        assert_eq!(m.screen, Screen::Start);
        step(&mut m, Msg::KeysLoaded(keys()));
        assert_eq!(m.screen, Screen::CheckIn);
        assert!(matches!(m.flow, Flow::Verified(_)), "{:?}", m.flow);
        let fx = step(&mut m, Msg::ConfirmCheckIn);
        assert!(fx.iter().any(|e| matches!(e, Effect::CheckIn(_))));
        assert!(matches!(m.flow, Flow::Sending(_)), "{:?}", m.flow);
        // A second tap sends nothing more.
        let fx = step(&mut m, Msg::ConfirmCheckIn);
        assert!(!fx.iter().any(|e| matches!(e, Effect::CheckIn(_))));
        // Leaving drops the check-in: its late answer shows no pass.
        step(&mut m, Msg::Back);
        assert_eq!(m.flow, Flow::Idle);
        step(&mut m, Msg::CheckInDone(Ok(checkin(Direction::In))));
        assert_eq!(m.screen.name(), "home");
    }

    #[test]
    fn failures_carry_their_reason() {
        let mut m = signed_in(HostKind::Fake);
        step(&mut m, Msg::ScanTap);
        step(&mut m, Msg::ScanDone(Ok(code(Direction::In))));
        step(&mut m, Msg::CheckInDone(Err(ApiError::Timeout)));
        let Screen::Unknown { reason, .. } = &m.screen else {
            panic!("expected unknown, got {:?}", m.screen)
        };
        assert_eq!(reason, &ApiError::Timeout);
        assert_eq!(reason.code(), "timeout");
        let refused = ApiError::Refused {
            status: 409,
            code: String::from("cancel_window_over"),
        };
        step(&mut m, Msg::Retry);
        step(&mut m, Msg::CheckInDone(Err(refused.clone())));
        assert_eq!(
            m.screen,
            Screen::Error {
                reason: Failure::Api(refused)
            }
        );
    }

    fn family_session() -> SessionResponse {
        let mut s = session();
        s.dependants = vec![Dependant {
            id: String::from("d1"),
            masked_name: String::from("Әлихан С."),
            masked_iin: String::from("•••••••••456"),
        }];
        s
    }

    #[test]
    fn a_family_ticks_who_comes_along_then_every_member_is_on_the_pass() {
        let mut m = Model::new(HostKind::Fake, Lang::En);
        step(
            &mut m,
            Msg::Started {
                session: Some(family_session()),
                keys: Some(keys()),
                venue_code: None,
            },
        );
        step(&mut m, Msg::ScanTap);
        let fx = step(&mut m, Msg::ScanDone(Ok(code(Direction::In))));
        // With dependants the scan waits for the ticks instead of checking in at once.
        assert!(!fx.iter().any(|e| matches!(e, Effect::CheckIn(_))));
        assert_eq!(m.screen, Screen::CheckIn);
        step(&mut m, Msg::ToggleDependant(String::from("d1")));
        // An id this session does not have is never sent.
        step(&mut m, Msg::ToggleDependant(String::from("someone-else")));
        let fx = step(&mut m, Msg::ConfirmCheckIn);
        let req = fx
            .iter()
            .find_map(|e| match e {
                Effect::CheckIn(r) => Some(r.clone()),
                _ => None,
            })
            .expect("a check-in");
        assert_eq!(req.dependants, vec![String::from("d1")]);
        let mut resp = checkin(Direction::In);
        resp.party = vec![PartyMember {
            dependant_id: String::from("d1"),
            masked_name: String::from("Әлихан С."),
            visit_id: String::from("v2"),
            status: Status::Blue,
            admission: Admission {
                admitted: true,
                reason: AdmissionReason::Allowed,
            },
        }];
        step(&mut m, Msg::CheckInDone(Ok(resp)));
        let Screen::Pass(view) = &m.screen else {
            panic!("expected the pass, got {:?}", m.screen)
        };
        assert_eq!(view.resp.party.len(), 1);
        // Unticking takes the dependant out again.
        let mut m2 = Model::new(HostKind::Fake, Lang::En);
        step(
            &mut m2,
            Msg::Started {
                session: Some(family_session()),
                keys: Some(keys()),
                venue_code: None,
            },
        );
        step(&mut m2, Msg::Paste(code(Direction::In)));
        step(&mut m2, Msg::ToggleDependant(String::from("d1")));
        step(&mut m2, Msg::ToggleDependant(String::from("d1")));
        let fx = step(&mut m2, Msg::ConfirmCheckIn);
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::CheckIn(r) if r.dependants.is_empty())));
    }

    #[test]
    fn a_replaced_poster_says_so() {
        let mut m = signed_in(HostKind::Fake);
        step(&mut m, Msg::ScanTap);
        step(&mut m, Msg::ScanDone(Ok(code(Direction::In))));
        let revoked = crate::api::classify(409, String::from("code_revoked"));
        step(&mut m, Msg::CheckInDone(Err(revoked)));
        let Screen::Error { reason } = &m.screen else {
            panic!("expected an error, got {:?}", m.screen)
        };
        assert_eq!(reason.code(), "code_revoked");
        // 422 too: the app keys on the code, not the status.
        let r = crate::api::classify(422, String::from("code_revoked"));
        assert_eq!(r.code(), "code_revoked");
    }

    #[test]
    fn role_screens_open_only_for_their_role_and_close_on_back() {
        let mut m = signed_in(HostKind::Fake);
        let fx = step(&mut m, Msg::OpenRoles(RoleMode::Business));
        assert!(!fx.iter().any(|e| matches!(e, Effect::OpenRoles(_))));
        assert_eq!(m.screen.name(), "home");

        let mut s = session();
        s.roles = Roles {
            owner_of: vec![BusinessRef {
                bin: String::from("180340021791"),
                name: String::from("Береке"),
            }],
            staff_at: vec![StaffPost {
                venue_id: 5,
                venue_name: String::from("Береке"),
                address: String::from("Астана"),
                category: Category::Grocery,
                pcr_required: false,
            }],
        };
        let mut m = Model::new(HostKind::Fake, Lang::En);
        step(
            &mut m,
            Msg::Started {
                session: Some(s),
                keys: Some(keys()),
                venue_code: None,
            },
        );
        let fx = step(&mut m, Msg::OpenRoles(RoleMode::Door));
        assert!(fx.contains(&Effect::OpenRoles(RoleMode::Door)));
        assert_eq!(
            m.screen,
            Screen::Roles {
                mode: RoleMode::Door,
                failed: false
            }
        );
        // The host's back button leaves the role screens.
        let fx = step(&mut m, Msg::Back);
        assert!(fx.contains(&Effect::CloseRoles));
        assert_eq!(m.screen.name(), "home");
        // The module failing to load says so; its own close button goes home.
        step(&mut m, Msg::OpenRoles(RoleMode::Business));
        step(&mut m, Msg::RolesFailed);
        assert_eq!(
            m.screen,
            Screen::Roles {
                mode: RoleMode::Business,
                failed: true
            }
        );
        let fx = step(&mut m, Msg::RolesClosed);
        assert!(fx.contains(&Effect::CloseRoles));
        assert_eq!(m.screen.name(), "home");
        // Signing out closes them too.
        step(&mut m, Msg::OpenRoles(RoleMode::Business));
        let fx = step(&mut m, Msg::SignOut);
        assert!(fx.contains(&Effect::CloseRoles));
    }
}
