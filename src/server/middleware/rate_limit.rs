//! Limits on how fast one visitor, and one IP address, may write.
//!
//! Token buckets: each key may make `per_minute` writes in a burst, and
//! earns them back evenly over a minute. A write over the limit gets 429
//! with `Retry-After`. Reads (the server functions that only read, and
//! every GET) are never limited.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

use super::{forms::is_read_only_server_fn, is_unsafe, refuse, wants_html};
use crate::{
    error::AppError,
    server::{AppState, visitor::Visitor},
};

/// How many keys a limiter tracks before it forgets those at rest.
const MAX_KEYS: usize = 100_000;

/// One token bucket per key.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` writes a minute per key; 0 allows all.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter { per_minute, buckets: Mutex::default() }
    }

    /// Takes a token for `key`, or says how long until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_KEYS {
            // Forget the buckets that have refilled: they hold no history.
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: capacity, updated: now });
        let refilled = bucket.tokens + now.saturating_duration_since(bucket.updated).as_secs_f64() * per_second;
        bucket.tokens = refilled.min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// The limiters of one server: per visitor and per IP address.
#[derive(Debug)]
pub struct WriteLimits {
    per_visitor: RateLimiter,
    per_ip: RateLimiter,
}

impl WriteLimits {
    /// Limits with the configured rates.
    pub fn new(per_visitor: u32, per_ip: u32) -> Self {
        WriteLimits { per_visitor: RateLimiter::new(per_visitor), per_ip: RateLimiter::new(per_ip) }
    }
}

/// Refuses a write with 429 when its visitor or its IP address is over the
/// limit. Runs after the visitor middleware.
pub async fn limit_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !is_unsafe(request.method()) || is_read_only_server_fn(path) {
        return next.run(request).await;
    }
    let now = Instant::now();
    let visitor = request.extensions().get::<Visitor>().map(|visitor| visitor.id().to_owned());
    let ip = client_ip(&request, state.config.security.trusted_proxy);
    let verdict = visitor
        .map_or(Ok(()), |visitor| state.write_limits.per_visitor.check(&visitor, now))
        .and_then(|()| ip.map_or(Ok(()), |ip| state.write_limits.per_ip.check(&ip.to_string(), now)));
    match verdict {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!(path, "write rate limit reached");
            let retry_after_secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            refuse(AppError::TooManyRequests { retry_after_secs }, wants_html(&request))
        }
    }
}

/// The client's address: the connection's peer, or, behind a trusted proxy,
/// the first address in `X-Forwarded-For`.
fn client_ip(request: &Request, trusted_proxy: bool) -> Option<IpAddr> {
    if trusted_proxy
        && let Some(ip) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .and_then(|first| first.trim().parse().ok())
    {
        return Some(ip);
    }
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_the_rate_passes_and_the_next_write_waits() {
        let limiter = RateLimiter::new(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("v", start).is_ok());
        }
        let wait = limiter.check("v", start).unwrap_err();
        assert!(wait > Duration::from_secs(19) && wait <= Duration::from_secs(20), "{wait:?}");
        assert!(limiter.check("other", start).is_ok(), "keys are independent");
        assert!(limiter.check("v", start + Duration::from_secs(20)).is_ok(), "one write earned back");
    }

    #[test]
    fn a_rate_of_zero_limits_nothing() {
        let limiter = RateLimiter::new(0);
        let now = Instant::now();
        assert!((0..10_000).all(|_| limiter.check("v", now).is_ok()));
    }
}
