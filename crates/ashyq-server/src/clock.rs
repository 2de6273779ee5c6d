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
    /// When non-zero, the instant the clock stands still at (tests only).
    frozen_at: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let frozen = self.frozen_at.load(Ordering::Relaxed);
        let base = if frozen != 0 { frozen } else { system_now() };
        base + self.offset.load(Ordering::Relaxed)
    }
    /// Stops this clock at the current second, so that a test comparing the times it reads
    /// with the times the server wrote is not off by a second that ticked in between
    /// (tests only; `advance` still moves it).
    pub fn freeze(&self) {
        self.frozen_at.store(system_now(), Ordering::Relaxed);
    }
    /// Moves this clock forward by `secs` (tests only; the real clock is never moved).
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }
}
