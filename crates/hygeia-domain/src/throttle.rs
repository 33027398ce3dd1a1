//! Password-guessing throttle: when may one more password check run?
//!
//! The rules, in the order they are applied:
//!
//! 1. **Per account and origin** — the origin is the browser's known-device cookie when it
//!    carries one for this account, else the source address. After [`ThrottlePolicy::free_failures`]
//!    failures in the window, each further attempt waits a delay that doubles with every failure
//!    (from [`ThrottlePolicy::base_delay`] up to the window). Nothing is ever locked for good.
//! 2. **Per source address** — one address guessing across many accounts (password spraying)
//!    is refused once it reaches [`ThrottlePolicy::source_failures`] failures in the window,
//!    except for browsers with a known-device cookie (colleagues behind the same address).
//! 3. **Per account from unknown devices** — failures of the account from every origin without
//!    a known-device cookie slow down *unknown* origins only. A distributed attacker therefore
//!    cannot keep the account's owner out: on a browser where they signed in before, rules 2
//!    and 3 do not apply, and rule 1 counts that browser's own failures only.
//!
//! Attempts are counted as failures from the moment they are reserved (before the slow hash
//! runs) until they succeed, so concurrent guesses cannot all slip through.

use chrono::{DateTime, Duration, Utc};

/// The limits, with their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// The period over which failures are counted.
    pub window: Duration,
    /// Failures per account and origin before delays start.
    pub free_failures: i64,
    /// The first delay; each further failure doubles it, up to `window`.
    pub base_delay: Duration,
    /// Failures from one source address, all accounts together, before it is refused.
    pub source_failures: i64,
    /// Failures of one account from unknown origins before those origins are slowed down.
    pub account_failures: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            free_failures: 5,
            base_delay: Duration::seconds(15),
            source_failures: 100,
            account_failures: 20,
        }
    }
}

/// What the store counted for one attempt (failures within the window, newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptHistory {
    /// Failures of this account from this origin, and when the last one happened.
    pub origin_failures: i64,
    pub origin_last_failure: Option<DateTime<Utc>>,
    /// Failures from this source address, every account.
    pub source_failures: i64,
    pub source_last_failure: Option<DateTime<Utc>>,
    /// Failures of this account from unknown origins (all addresses).
    pub account_failures: i64,
    pub account_last_failure: Option<DateTime<Utc>>,
    /// Whether the attempt comes with this account's known-device cookie.
    pub known_device: bool,
}

/// The verdict on one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Refused; the caller may try again after this many seconds.
    Wait {
        seconds: i64,
    },
}

impl ThrottlePolicy {
    /// The delay owed after `failures` failures when `free` come without one.
    fn delay_after(&self, failures: i64, free: i64) -> Duration {
        if failures < free {
            return Duration::zero();
        }
        let doublings = u32::try_from((failures - free).min(20)).unwrap_or(20);
        let factor = 1_i64 << doublings;
        let seconds = self
            .base_delay
            .num_seconds()
            .saturating_mul(factor)
            .min(self.window.num_seconds());
        Duration::seconds(seconds)
    }

    fn wait(now: DateTime<Utc>, last: Option<DateTime<Utc>>, delay: Duration) -> Option<i64> {
        let until = last? + delay;
        (until > now).then(|| (until - now).num_seconds().max(1))
    }

    /// May a password check run now?
    pub fn judge(&self, history: &AttemptHistory, now: DateTime<Utc>) -> Verdict {
        let mut waits = Vec::new();
        let origin = self.delay_after(history.origin_failures, self.free_failures);
        waits.extend(Self::wait(now, history.origin_last_failure, origin));
        if !history.known_device {
            if history.source_failures >= self.source_failures {
                waits.extend(Self::wait(now, history.source_last_failure, self.window));
            }
            let account = self.delay_after(history.account_failures, self.account_failures);
            waits.extend(Self::wait(now, history.account_last_failure, account));
        }
        match waits.into_iter().max() {
            Some(seconds) => Verdict::Wait { seconds },
            None => Verdict::Allow,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn origin(failures: i64, seconds_ago: i64) -> AttemptHistory {
        AttemptHistory {
            origin_failures: failures,
            origin_last_failure: Some(now() - Duration::seconds(seconds_ago)),
            ..AttemptHistory::default()
        }
    }

    #[test]
    fn the_first_failures_are_free() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.judge(&origin(4, 0), now()), Verdict::Allow);
        assert_eq!(p.judge(&AttemptHistory::default(), now()), Verdict::Allow);
    }

    #[test]
    fn delays_double_and_stop_at_the_window() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.judge(&origin(5, 0), now()), Verdict::Wait { seconds: 15 });
        assert_eq!(p.judge(&origin(6, 0), now()), Verdict::Wait { seconds: 30 });
        assert_eq!(
            p.judge(&origin(7, 10), now()),
            Verdict::Wait { seconds: 50 }
        );
        assert_eq!(
            p.judge(&origin(40, 0), now()),
            Verdict::Wait { seconds: 900 }
        );
        // Once the delay has passed, one more attempt may run.
        assert_eq!(p.judge(&origin(6, 31), now()), Verdict::Allow);
    }

    #[test]
    fn a_spraying_source_is_refused_for_the_window() {
        let p = ThrottlePolicy::default();
        let h = AttemptHistory {
            source_failures: 100,
            source_last_failure: Some(now() - Duration::seconds(60)),
            ..AttemptHistory::default()
        };
        assert_eq!(p.judge(&h, now()), Verdict::Wait { seconds: 840 });
        let colleague = AttemptHistory {
            known_device: true,
            ..h.clone()
        };
        assert_eq!(p.judge(&colleague, now()), Verdict::Allow);
        let h = AttemptHistory {
            source_failures: 99,
            ..h
        };
        assert_eq!(p.judge(&h, now()), Verdict::Allow);
    }

    #[test]
    fn a_distributed_attack_slows_unknown_origins_but_not_the_owners_device() {
        let p = ThrottlePolicy::default();
        let attacked = AttemptHistory {
            account_failures: 25,
            account_last_failure: Some(now()),
            ..AttemptHistory::default()
        };
        assert!(matches!(p.judge(&attacked, now()), Verdict::Wait { .. }));
        let owner = AttemptHistory {
            known_device: true,
            ..attacked
        };
        assert_eq!(p.judge(&owner, now()), Verdict::Allow);
    }

    #[test]
    fn absurd_counts_do_not_overflow() {
        let p = ThrottlePolicy::default();
        assert_eq!(
            p.judge(&origin(i64::MAX, 0), now()),
            Verdict::Wait { seconds: 900 }
        );
    }
}
