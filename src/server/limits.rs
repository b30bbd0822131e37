//! The write limiters: how fast one visitor, and one IP address, may write,
//! on `governor`'s keyed limiters (GCRA, the token bucket's exact form).
//! The rates are the configuration's (`security.writes_per_minute_*`); the
//! rate-limit middleware asks these limiters for every write.

use std::{hash::Hash, net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock};

use super::config::SecurityConfig;

/// How many keys a limiter tracks before it forgets those at rest.
const MAX_KEYS: usize = 100_000;

/// The limiters of one server: per visitor and per IP address. A limit of
/// 0 is no limiter at all.
#[derive(Debug)]
pub struct WriteLimits {
    per_visitor: Option<DefaultKeyedRateLimiter<String>>,
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl WriteLimits {
    /// The limits `security` configures.
    pub fn configured(security: &SecurityConfig) -> Self {
        WriteLimits::new(security.writes_per_minute_per_visitor, security.writes_per_minute_per_ip)
    }

    /// Limits with these rates, in writes per minute.
    pub fn new(per_visitor: u32, per_ip: u32) -> Self {
        let quota = |per_minute| NonZeroU32::new(per_minute).map(Quota::per_minute);
        WriteLimits {
            per_visitor: quota(per_visitor).map(DefaultKeyedRateLimiter::keyed),
            per_ip: quota(per_ip).map(DefaultKeyedRateLimiter::keyed),
        }
    }

    /// Counts a write by `visitor` from `ip`, or says how long until the
    /// one over its limit may write again.
    pub fn check(&self, visitor: Option<&str>, ip: Option<IpAddr>) -> Result<(), Duration> {
        if let (Some(limiter), Some(visitor)) = (&self.per_visitor, visitor) {
            take(limiter, &visitor.to_owned())?;
        }
        if let (Some(limiter), Some(ip)) = (&self.per_ip, ip) {
            take(limiter, &ip)?;
        }
        Ok(())
    }
}

fn take<K: Clone + Hash + Eq>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), Duration> {
    if limiter.len() >= MAX_KEYS {
        // Keys whose allowance has refilled hold no history: forget them.
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_the_rate_passes_and_the_next_write_waits_for_its_share_of_the_minute() {
        let limits = WriteLimits::new(3, 0);
        for _ in 0..3 {
            assert_eq!(limits.check(Some("v"), None), Ok(()));
        }
        let wait = limits.check(Some("v"), None).unwrap_err();
        assert!(wait > Duration::from_secs(19) && wait <= Duration::from_secs(20), "{wait:?}");
        assert_eq!(limits.check(Some("other"), None), Ok(()), "visitors are counted apart");
    }

    #[test]
    fn the_address_limit_counts_every_visitor_from_it() {
        let limits = WriteLimits::new(0, 2);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(limits.check(Some("a"), Some(ip)), Ok(()));
        assert_eq!(limits.check(Some("b"), Some(ip)), Ok(()));
        assert!(limits.check(Some("c"), Some(ip)).is_err());
        assert_eq!(limits.check(Some("c"), Some("192.0.2.2".parse().unwrap())), Ok(()));
    }

    #[test]
    fn a_rate_of_zero_limits_nothing() {
        let limits = WriteLimits::new(0, 0);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..10_000).all(|_| limits.check(Some("v"), Some(ip)).is_ok()));
    }
}
