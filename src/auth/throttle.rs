//! Sign-in throttling over a sliding window of recorded failures: per account and per client
//! address, first slowed (a growing delay), then refused until the window has passed. Counting
//! the `login.failure` security events keeps the limits shared by every server process.

use std::time::Duration;

use diesel::QueryResult;

use crate::config::LoginThrottle;
use crate::db::DbConn;
use crate::models::security_event;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go on after waiting `delay`.
    Allow { delay: Duration },
    /// Refuse: too many failures in the window.
    Locked { retry_after: Duration },
}

const MAX_DELAY: Duration = Duration::from_secs(2);

pub fn check(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    user_id: Option<i64>,
    ip: Option<&str>,
) -> QueryResult<Verdict> {
    let window = chrono::Duration::from_std(limits.window).unwrap_or(chrono::Duration::minutes(15));
    let since = crate::util::now() - window;
    let by_user = match user_id {
        Some(id) => security_event::failures_for_user(conn, id, since)?,
        None => 0,
    };
    let by_ip = match ip {
        Some(ip) => security_event::failures_for_ip(conn, ip, since)?,
        None => 0,
    };
    Ok(decide(limits, by_user, by_ip))
}

pub fn decide(limits: &LoginThrottle, by_user: i64, by_ip: i64) -> Verdict {
    if by_user >= limits.max_account_failures || by_ip >= limits.max_ip_failures {
        return Verdict::Locked {
            retry_after: limits.window,
        };
    }
    let excess = by_user.max(by_ip) - limits.slow_after;
    let delay = if excess > 0 {
        (limits.delay_step * u32::try_from(excess).unwrap_or(u32::MAX)).min(MAX_DELAY)
    } else {
        Duration::ZERO
    };
    Verdict::Allow { delay }
}

/// Whole minutes, rounded up, for messages.
pub fn minutes(d: Duration) -> u64 {
    d.as_secs().div_ceil(60).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LoginThrottle {
        LoginThrottle {
            slow_after: 3,
            max_account_failures: 10,
            max_ip_failures: 50,
            window: Duration::from_secs(900),
            delay_step: Duration::from_millis(250),
        }
    }

    #[test]
    fn slows_then_locks() {
        let l = limits();
        assert_eq!(
            decide(&l, 0, 0),
            Verdict::Allow {
                delay: Duration::ZERO
            }
        );
        assert_eq!(
            decide(&l, 3, 0),
            Verdict::Allow {
                delay: Duration::ZERO
            }
        );
        assert_eq!(
            decide(&l, 4, 0),
            Verdict::Allow {
                delay: Duration::from_millis(250)
            }
        );
        assert_eq!(
            decide(&l, 9, 0),
            Verdict::Allow {
                delay: Duration::from_millis(1500)
            }
        );
        assert_eq!(decide(&l, 0, 20), Verdict::Allow { delay: MAX_DELAY });
        assert_eq!(
            decide(&l, 10, 0),
            Verdict::Locked {
                retry_after: l.window
            }
        );
        assert_eq!(
            decide(&l, 0, 50),
            Verdict::Locked {
                retry_after: l.window
            }
        );
        assert_eq!(minutes(l.window), 15);
    }
}
