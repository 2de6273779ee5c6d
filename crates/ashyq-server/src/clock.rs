//! The server's notion of "now": the system clock plus an offset that tests move forward
//! (auto-close, cancel windows, token expiry) without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use ashyq_core::Timestamp;

/// Unix seconds from the system clock.
pub fn system_now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as Timestamp)
        .unwrap_or(0)
}

#[derive(Debug, Default)]
pub struct Clock {
    offset: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        system_now() + self.offset.load(Ordering::Relaxed)
    }
    /// Moves this clock forward by `secs` (tests only; the real clock is never moved).
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }
}
