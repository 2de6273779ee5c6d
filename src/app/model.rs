//! What the app is in: the [`Model`] with its one [`Screen`], the messages ([`Msg`]) that
//! move it, the inputs each step is given ([`Input`]) and the effects ([`Effect`]) a step
//! asks the runtime to perform.

use ashyq_core::api::{
    CheckInRequest, CheckInResponse, DemoCitizen, PassResponse, SessionResponse, StatusResponse,
    Visit, VisitList,
};
use ashyq_core::keys::KeySet;
use ashyq_core::venue::VenueInfo;
use ashyq_core::{CodeError, Timestamp};

use super::flow::Flow;
use crate::i18n::Lang;
use crate::types::{ApiError, Failure, Haptic, HostError, HostKind, Proof};

/// What the app shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Starting: reading the host, signing in, or waiting for the venue keys.
    Start,
    SignIn(SignIn),
    Home(HomeStatus),
    /// The host's scanner is open.
    Scanning,
    /// A verified venue code ([`Model::flow`] is `Verified` or `Sending`): waiting for the
    /// user's tap (opened from a poster link) or for the backend.
    CheckIn,
    Pass(Box<PassView>),
    /// The status could not be obtained: not a pass.
    Unknown {
        retry: Retry,
        attempt: u32,
        reason: ApiError,
    },
    /// The code is not a genuine Ashyq venue code.
    Rejected {
        error: CodeError,
    },
    /// A host or request failure.
    Error {
        reason: Failure,
    },
    Diary(DiaryView),
    /// The owner's or the door staff's screens: a second wasm module, loaded on demand and
    /// shown in its own element; this screen is what shows while it loads or if it cannot.
    Roles {
        mode: RoleMode,
        failed: bool,
    },
}

/// Which role screens the lazily loaded module opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleMode {
    /// Business owners: premises, posters, staff.
    Business,
    /// Door staff: check a pass, guard mode.
    Door,
}

impl RoleMode {
    /// The name the role module is opened with (`mode` of its options).
    pub fn as_str(self) -> &'static str {
        match self {
            RoleMode::Business => "business",
            RoleMode::Door => "door",
        }
    }
}

impl Screen {
    /// `#app[data-screen]`.
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Start => "start",
            Screen::SignIn(_) => "signin",
            Screen::Home(_) => "home",
            Screen::Scanning => "scanning",
            Screen::CheckIn => "checkin",
            Screen::Pass(_) => "pass",
            Screen::Unknown { .. } => "unknown",
            Screen::Rejected { .. } => "rejected",
            Screen::Error { .. } => "error",
            Screen::Diary(_) => "diary",
            Screen::Roles { .. } => "roles",
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
    Failed(ApiError),
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
    pub error: Option<ApiError>,
}

/// Whether the venue keys are on their way, here, or could not be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeysState {
    Loading,
    Loaded,
    Failed,
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
    /// Unix seconds of the latest step (its [`Input::now`]): the clock the screens show.
    pub now: Timestamp,
    /// Where a scanned or linked code is.
    pub flow: Flow,
    pub(super) keys_state: KeysState,
    pub(super) retry_attempt: u32,
}

/// What the world gives each step: the time, and a fresh client visit id (UUID v4) that
/// the step takes if it starts a check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Unix seconds.
    pub now: Timestamp,
    pub visit_id: String,
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
    /// The clock moved on (every second): the pass clock, and the end of an expired pass.
    Tick,
    Retry,
    /// A scheduled retry; ignored unless it is still the current attempt.
    AutoRetry(u32),
    Done,
    OpenDiary,
    DiaryDone(Result<VisitList, ApiError>),
    /// Cancel a visit (false), or dispute one door staff recorded in guard mode (true).
    CancelVisit(String, bool),
    /// A cancel (false) or a dispute (true) answered.
    CancelDone(String, bool, Result<(), ApiError>),
    SwitchLang,
    SignOut,
    Back,
    /// Ticks or unticks a dependant on the check-in screen (family check-in).
    ToggleDependant(String),
    /// Opens the owner's or the staff's screens (loads their module on first use).
    OpenRoles(RoleMode),
    /// The role module could not be loaded.
    RolesFailed,
    /// The role module closed itself (its own back button).
    RolesClosed,
    /// The user asks for the host's settings (after a denied camera permission).
    OpenSettings,
    /// The app is back in the foreground: what is shown may be stale.
    Foreground,
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
    /// `DELETE /v1/session` with this token: signing out ends it on the server too.
    EndSession(String),
    LoadStatus,
    Scan,
    CheckIn(CheckInRequest),
    RefreshPass {
        visit_id: String,
        at: Timestamp,
    },
    LoadDiary,
    /// Cancel (false) or dispute (true) a visit.
    CancelVisit(String, bool),
    ScheduleRetry {
        attempt: u32,
        ms: u32,
    },
    Haptic(Haptic),
    SaveLang(Lang),
    BackButton(bool),
    /// Load the role module (once) and open it in `mode`.
    OpenRoles(RoleMode),
    /// Close the role module's screens, if they are open.
    CloseRoles,
    OpenSettings,
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
            flow: Flow::Idle,
            keys_state: KeysState::Loading,
            retry_attempt: 0,
        }
    }
}
