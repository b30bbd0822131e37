//! The time, where the server compares it with times it stored (a draft's
//! expiry): the system's clock, or, in tests, one that moves only when
//! told, so that expiry is tested without waiting for it.

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// Milliseconds since the Unix epoch, from the system or set by hand.
#[derive(Clone, Default)]
pub struct Clock {
    /// `None`: the system's clock.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that reads `at_ms` until [`Clock::advance`] moves it; its
    /// clones move with it.
    pub fn manual(at_ms: i64) -> Self {
        Clock { manual: Some(Arc::new(AtomicI64::new(at_ms))) }
    }

    /// The time now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.manual {
            Some(at) => at.load(Ordering::Acquire),
            None => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as i64),
        }
    }

    /// Moves a manual clock on by `by`. The system's clock moves by itself:
    /// asking it to is a mistake in the caller.
    pub fn advance(&self, by: Duration) {
        let at = self.manual.as_ref().expect("only a manual clock is moved by hand");
        at.fetch_add(by.as_millis() as i64, Ordering::AcqRel);
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manual {
            Some(at) => write!(f, "Clock::manual({})", at.load(Ordering::Acquire)),
            None => f.write_str("Clock::system()"),
        }
    }
}
