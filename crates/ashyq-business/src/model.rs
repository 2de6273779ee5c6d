//! What the role screens are in: the [`Model`] with its one [`Screen`], the messages
//! ([`Msg`]) that move it, and the effects ([`Effect`]) a step asks the runtime to perform.

use ashyq_core::api::{
    Business, BusinessList, EntranceCodes, GuardChallenge, GuardChallengeRequest,
    GuardCheckInRequest, GuardCheckInResponse, RegisterPremisesRequest, Roles, StaffMember,
    StaffPost,
};
use ashyq_core::id::IdError;
use ashyq_core::keys::KeySet;
use ashyq_core::status::Admission;
use ashyq_core::venue::{Category, Direction};
use ashyq_core::{Status, Timestamp};

use ashyq_core::Lang;

/// Which screens the app opened this module for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Business owners: premises, posters, staff.
    Business,
    /// Door staff: check a pass, guard mode.
    Door,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "business" => Some(Mode::Business),
            "door" => Some(Mode::Door),
            _ => None,
        }
    }
}

/// Why a request failed, as the screens word it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The server said no: its stable error code (`not_owner`, `bad_iin`, …).
    Refused {
        status: u16,
        code: String,
    },
    Network,
    Timeout,
    /// The answer could not be read.
    Decode,
    /// The host's scanner did not read a code: the app's code for why (`scan_cancelled`,
    /// `permission_denied`, …).
    Scan(String),
}

impl Problem {
    /// The stable code the screen shows (`data-code`) and words its message by.
    pub fn code(&self) -> &str {
        match self {
            Problem::Refused { code, .. } if !code.is_empty() => code,
            Problem::Refused { status: 401, .. } => "unauthorized",
            Problem::Refused { .. } => "refused",
            Problem::Network => "network",
            Problem::Timeout => "timeout",
            Problem::Decode => "bad_response",
            Problem::Scan(code) => code,
        }
    }
}

/// Where a typed IIN is, checked on every keystroke with `ashyq_core::id` (before any
/// request is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IinCheck {
    Empty,
    /// Digits so far, fewer than 12.
    Partial,
    Invalid(IdError),
    Valid,
}

impl IinCheck {
    pub fn of(text: &str) -> IinCheck {
        let t = text.trim();
        if t.is_empty() {
            IinCheck::Empty
        } else if !t.bytes().all(|b| b.is_ascii_digit()) {
            IinCheck::Invalid(IdError::NotDigits)
        } else if t.len() < 12 {
            IinCheck::Partial
        } else {
            match ashyq_core::id::validate_iin(t) {
                Ok(_) => IinCheck::Valid,
                Err(e) => IinCheck::Invalid(e),
            }
        }
    }
}

/// The register-premises form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PremisesForm {
    pub name: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: bool,
    pub entrances: String,
}

impl Default for PremisesForm {
    fn default() -> Self {
        PremisesForm {
            name: String::new(),
            address: String::new(),
            category: Category::Grocery,
            pcr_required: Category::Grocery.pcr_required_by_default(),
            entrances: String::from("1"),
        }
    }
}

impl PremisesForm {
    /// The request, or the code of the first thing that is wrong.
    pub fn request(&self) -> Result<RegisterPremisesRequest, &'static str> {
        if self.address.trim().is_empty() {
            return Err("address_missing");
        }
        let entrances = match self.entrances.trim().parse::<u8>() {
            Ok(n) if n >= 1 => n,
            _ => return Err("entrances_range"),
        };
        Ok(RegisterPremisesRequest {
            name: self.name.trim().to_owned(),
            address: self.address.trim().to_owned(),
            category: self.category,
            pcr_required: Some(self.pcr_required),
            entrances,
        })
    }
}

/// A field of the register form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Address,
    Category,
    Pcr,
    Entrances,
}

/// Poster sizes the server draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    A4,
    Card,
}

impl Size {
    pub fn as_str(self) -> &'static str {
        match self {
            Size::A4 => "a4",
            Size::Card => "card",
        }
    }
}

/// One poster: which entrance, which way, what size, which language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PosterKey {
    pub venue_id: u64,
    pub entrance: u8,
    pub direction: Direction,
    pub size: Size,
    pub lang: Lang,
}

/// Why a pass does not let its holder in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The token is past its expiry: most likely a screenshot.
    Expired,
    /// A genuine pass of another venue.
    OtherVenue,
    /// The signature does not verify with any published pass key.
    Forged,
    /// Not an Ashyq pass at all (a venue poster, a link, …).
    NotAPass,
    /// An exit pass: the visitor left.
    ExitPass,
    /// No pass keys cached yet and none could be fetched.
    NoKeys,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::Expired => "expired",
            Reason::OtherVenue => "other_venue",
            Reason::Forged => "forged",
            Reason::NotAPass => "not_a_pass",
            Reason::ExitPass => "exit_pass",
            Reason::NoKeys => "no_keys",
        }
    }
}

/// What the door sees after a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid {
        masked_name: String,
        status: Status,
        admission: Admission,
        entrance: u8,
        expires_at: Timestamp,
    },
    Invalid(Reason),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The owner's businesses and their premises.
    Businesses,
    Register {
        bin: String,
        form: PremisesForm,
        /// The code of what is wrong with the form, after a submit.
        invalid: Option<&'static str>,
        sending: bool,
    },
    Premises {
        venue_id: u64,
        /// The entrance whose re-issue waits for a confirmation.
        confirm: Option<u8>,
        staff_iin: String,
        poster_lang: Lang,
    },
    /// Door staff: pick the premises, check a pass or go to guard mode.
    Door,
    Scanning,
    Verdict(Verdict),
    /// Guard mode: the visitor's IIN, then the code their phone received by SMS.
    Guard {
        iin: String,
        /// The code sent, and the visit id this check-in keeps through retries: while
        /// set, the screen asks for the visitor's code.
        challenge: Option<(GuardChallenge, String)>,
        code: String,
        sending: bool,
        result: Option<Box<GuardCheckInResponse>>,
        /// A submit was tried with an IIN (or a code) that does not validate.
        tried: bool,
    },
}

impl Screen {
    /// `#roles[data-screen]`.
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Businesses => "business",
            Screen::Register { .. } => "register",
            Screen::Premises { .. } => "premises",
            Screen::Door => "door",
            Screen::Scanning => "scanning",
            Screen::Verdict(_) => "verdict",
            Screen::Guard { .. } => "guard",
        }
    }
}

/// Something that went well, said once on the next screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Registered,
    Reissued,
    Appointed,
    Removed,
}

impl Notice {
    pub fn code(self) -> &'static str {
        match self {
            Notice::Registered => "registered",
            Notice::Reissued => "reissued",
            Notice::Appointed => "appointed",
            Notice::Removed => "removed",
        }
    }
}

pub struct Model {
    pub mode: Mode,
    pub lang: Lang,
    pub now: Timestamp,
    pub screen: Screen,
    pub roles: Roles,
    /// `None` while loading.
    pub businesses: Option<Vec<Business>>,
    /// The staff post the door works at (index into `roles.staff_at`).
    pub post: usize,
    pub pass_keys: KeySet,
    /// The latest failure, in plain words on the current screen.
    pub problem: Option<Problem>,
    pub notice: Option<Notice>,
    /// Posters fetched this session: their object URLs, to open or save again.
    pub posters: Vec<(PosterKey, String)>,
}

/// What the world gives each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub now: Timestamp,
    /// A fresh client visit id (guard-mode check-ins are retried with the same one).
    pub visit_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// Cached pass keys, if any.
    Started(Option<KeySet>),
    BusinessesLoaded(Result<BusinessList, Problem>),
    KeysLoaded(Result<KeySet, Problem>),
    OpenPremises(u64),
    OpenRegister(String),
    Field(Field, String),
    SubmitPremises,
    Registered(Result<ashyq_core::api::Premises, Problem>),
    PosterLang(Lang),
    Poster(PosterKey),
    PosterDone(PosterKey, Result<String, Problem>),
    AskReissue(u8),
    CancelReissue,
    ConfirmReissue,
    Reissued(u64, Result<EntranceCodes, Problem>),
    StaffIin(String),
    Appoint,
    Appointed(u64, Result<StaffMember, Problem>),
    RemoveStaff(String),
    Removed(u64, String, Result<(), Problem>),
    PickPost(usize),
    CheckPass,
    /// The host's scanner: the text, or the code of why it did not read one.
    Scanned(Result<String, String>),
    OpenGuard,
    GuardIin(String),
    GuardCode(String),
    GuardSubmit,
    GuardChallenged(Result<GuardChallenge, Problem>),
    GuardDone(Result<GuardCheckInResponse, Problem>),
    Back,
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadBusinesses,
    LoadKeys,
    /// Cache the pass keys for checking passes offline.
    SaveKeys,
    Register(String, RegisterPremisesRequest),
    /// Fetch a poster with the session and offer it as a file.
    Poster(PosterKey),
    Reissue(u64, u8),
    Appoint(u64, String),
    RemoveStaff(u64, String),
    Scan,
    GuardChallenge(u64, GuardChallengeRequest),
    Guard(u64, GuardCheckInRequest),
    /// Give the screen back to the app.
    Close,
}

impl Model {
    pub fn new(mode: Mode, lang: Lang, roles: Roles) -> Model {
        Model {
            mode,
            lang,
            now: 0,
            screen: match mode {
                Mode::Business => Screen::Businesses,
                Mode::Door => Screen::Door,
            },
            roles,
            businesses: None,
            post: 0,
            pass_keys: KeySet::default(),
            problem: None,
            notice: None,
            posters: Vec::new(),
        }
    }

    /// The staff post the door works at.
    pub fn post(&self) -> Option<&StaffPost> {
        self.roles.staff_at.get(self.post)
    }

    /// The premises with this id among the owner's businesses.
    pub fn premises(&self, venue_id: u64) -> Option<&ashyq_core::api::Premises> {
        self.businesses
            .iter()
            .flatten()
            .flat_map(|b| b.premises.iter())
            .find(|p| p.venue_id == venue_id)
    }

    pub(crate) fn premises_mut(&mut self, venue_id: u64) -> Option<&mut ashyq_core::api::Premises> {
        self.businesses
            .iter_mut()
            .flatten()
            .flat_map(|b| b.premises.iter_mut())
            .find(|p| p.venue_id == venue_id)
    }
}
