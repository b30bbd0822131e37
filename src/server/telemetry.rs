//! Logging: `tracing` to standard error, filtered by `RUST_LOG`; and the id
//! of the request being served, for code with no request at hand. Giving
//! requests their ids, and the access log, are the `request_id`
//! middleware's.

use std::{
    future::Future,
    sync::Mutex,
    time::{Duration, Instant},
};

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set: our own lines at info,
/// chatty dependencies only when they warn.
const DEFAULT_FILTER: &str = "info,sqlx=warn,leptos_axum=warn";

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).compact().init();
}

/// A log line that may come at the rate of an attack (a refused request),
/// written at most once per `every`; the next one that is written says how
/// many were left out meanwhile.
#[derive(Debug)]
pub struct Throttled {
    every: Duration,
    /// When a line was last written, and how many were left out since.
    state: Mutex<(Option<Instant>, u64)>,
}

impl Throttled {
    /// At most one line per `every`.
    pub fn new(every: Duration) -> Self {
        Throttled { every, state: Mutex::new((None, 0)) }
    }

    /// `Some(left out since the last line)` when a line may be written now;
    /// `None` (and one more left out) when not.
    pub fn line(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (last, left_out) = &mut *state;
        let now = Instant::now();
        if last.is_some_and(|last| now.duration_since(last) < self.every) {
            *left_out += 1;
            return None;
        }
        *last = Some(now);
        Some(std::mem::take(left_out))
    }
}

/// A new id in the shape of a request's: twelve hexadecimal digits of a
/// random UUID, short enough to read out from an error message, unique
/// enough for one server's logs.
pub fn fresh_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.truncate(12);
    id
}

tokio::task_local! {
    /// The id of the request the current task is serving.
    static CURRENT: String;
}

/// Runs `work` as the serving of request `id`: [`current_request_id`]
/// inside it answers `id`.
pub async fn with_request_id<F: Future>(id: String, work: F) -> F::Output {
    CURRENT.scope(id, work).await
}

/// The id of the request being served, if this runs inside one.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttled_line_is_written_once_per_period_and_counts_what_it_left_out() {
        let refusals = Throttled::new(Duration::from_secs(3600));
        assert_eq!(refusals.line(), Some(0));
        for _ in 0..5 {
            assert_eq!(refusals.line(), None);
        }
        let always = Throttled::new(Duration::ZERO);
        assert_eq!((always.line(), always.line()), (Some(0), Some(0)));
        // The next line after the period says how many were left out.
        let brief = Throttled::new(Duration::from_millis(1));
        brief.line();
        brief.state.lock().unwrap().1 = 5;
        brief.state.lock().unwrap().0 = Some(Instant::now() - Duration::from_millis(2));
        assert_eq!(brief.line(), Some(5));
    }
}
