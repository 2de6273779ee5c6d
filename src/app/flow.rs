//! The check-in flow: where a scanned or linked venue code is on its way to a visit. One
//! enum, so a code is in exactly one place: waiting for a session, waiting for the venue
//! keys, verified (waiting for the user's tap) or being sent.

use ashyq_core::venue::VenueInfo;

/// How a code reached the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The host scanner or the paste box: check in at once.
    Scan,
    /// The app was opened at the poster's URL: show a one-tap confirmation first.
    Link,
}

/// A code not verified yet, with the client visit id it will be sent with (taken once per
/// scan, reused by every retry, so a retry never creates a second visit).
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub text: String,
    pub client_visit_id: String,
    pub source: Source,
}

/// A code verified offline with the venue keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The verified fields of the code (shown on the check-in card and the pass).
    pub venue: VenueInfo,
    /// The code as scanned, sent to the backend.
    pub code: String,
    pub client_visit_id: String,
    /// The dependants ticked to check in with the visitor ([`ashyq_core::api::Dependant::id`]).
    pub party: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Flow {
    /// No code in hand.
    #[default]
    Idle,
    /// The code waits until the user is signed in (it came before a session, or the
    /// session ended while it was being sent).
    WaitingForSession(Pending),
    /// The code waits for the venue keys: none are cached yet, or its key is newer than the
    /// cached set. `refetched`: the keys were already fetched again for this code.
    WaitingForKeys { code: Pending, refetched: bool },
    /// Verified; the user confirms with one tap (a poster link).
    Verified(Verified),
    /// `POST /v1/visits` is on its way.
    Sending(Verified),
}

impl Flow {
    /// The verified code the check-in screen shows, and whether it is being sent.
    pub fn verified(&self) -> Option<(&Verified, bool)> {
        match self {
            Flow::Verified(v) => Some((v, false)),
            Flow::Sending(v) => Some((v, true)),
            _ => None,
        }
    }
}
