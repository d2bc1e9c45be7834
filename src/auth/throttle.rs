//! Sign-in throttling over a sliding window of recorded failures, per subject (an account, or a
//! login that matches none, so both are treated alike) and per client address: first slowed (a
//! growing delay), then refused until the window has passed.
//!
//! An attempt is claimed before the password is checked: inside one write transaction the
//! failures are counted and, if the attempt may go on, it is recorded as a failure at once (and
//! turned into a success afterwards if the password was right). Parallel guesses therefore count
//! each other, and the limits hold across every server process sharing the database.

use std::time::Duration;

use diesel::QueryResult;

use crate::config::LoginThrottle;
use crate::db::{BackendKind, DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::security_event::{self, NewEvent, Severity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go on after waiting `delay`.
    Allow { delay: Duration },
    /// Refuse: too many failures in the window.
    Locked { retry_after: Duration },
}

const MAX_DELAY: Duration = Duration::from_secs(2);

/// The subject of an attempt: the account when the login names one, else the login itself.
pub fn subject_key(user_id: Option<i64>, login: &str) -> String {
    match user_id {
        Some(id) => format!("user:{id}"),
        None => format!(
            "login:{}",
            crate::util::sha256_hex(login.trim().to_lowercase().as_bytes())
        ),
    }
}

/// Who an attempt is about, for the events it leaves.
#[derive(Debug, Clone)]
pub struct Subject {
    pub key: String,
    pub user_id: Option<i64>,
    pub company_id: Option<i64>,
}

/// A claimed attempt: go on (the provisional failure event is `event_id`), or refused.
#[derive(Debug, Clone)]
pub struct Claim {
    pub verdict: Verdict,
    pub event_id: Option<i64>,
}

/// Counts the failures and, when allowed, records this attempt as a failure (`failure_type`)
/// up front. Serialized per subject and per address (SQLite: the write lock; PostgreSQL:
/// advisory locks taken in a fixed order).
pub fn claim(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    subject: &Subject,
    meta: &RequestMeta,
    failure_type: &'static str,
    description: &str,
) -> QueryResult<Claim> {
    write_tx(conn, |conn| {
        if conn.kind() == BackendKind::Postgres {
            lock(conn, &subject.key)?;
            if let Some(ip) = &meta.ip_address {
                lock(conn, &format!("ip:{ip}"))?;
            }
        }
        let verdict = check(conn, limits, &subject.key, meta.ip_address.as_deref())?;
        let event_id = match verdict {
            Verdict::Locked { .. } => None,
            Verdict::Allow { .. } => Some(security_event::record(
                conn,
                meta,
                NewEvent {
                    user_id: subject.user_id,
                    company_id: subject.company_id,
                    event_type: failure_type,
                    subject_key: Some(subject.key.clone()),
                    severity: Severity::Warning,
                    description: description.to_string(),
                    metadata: serde_json::json!({ "known_account": subject.user_id.is_some() }),
                },
            )?),
        };
        Ok(Claim { verdict, event_id })
    })
}

fn lock(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT pg_advisory_xact_lock(60910, hashtext($1))")
        .bind::<diesel::sql_types::Text, _>(key)
        .execute(conn)?;
    Ok(())
}

/// After a failed attempt: the failure that reaches a limit starts a lockout, recorded once.
pub fn after_failure(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    subject: &Subject,
    meta: &RequestMeta,
) -> QueryResult<()> {
    let since = window_start(limits);
    let by_subject = security_event::failures_for_subject(conn, &subject.key, since)?;
    let by_ip = match &meta.ip_address {
        Some(ip) => security_event::failures_for_ip(conn, ip, since)?,
        None => 0,
    };
    if by_subject == limits.max_account_failures || by_ip == limits.max_ip_failures {
        security_event::record(
            conn,
            meta,
            NewEvent {
                user_id: subject.user_id,
                company_id: subject.company_id,
                event_type: security_event::LOGIN_LOCKOUT,
                subject_key: Some(subject.key.clone()),
                severity: Severity::Critical,
                description: "Sign-in locked after repeated failures".into(),
                metadata: serde_json::json!({ "minutes": minutes(limits.window) }),
            },
        )?;
    }
    Ok(())
}

fn window_start(limits: &LoginThrottle) -> chrono::NaiveDateTime {
    let window = chrono::Duration::from_std(limits.window).unwrap_or(chrono::Duration::minutes(15));
    crate::util::now() - window
}

pub fn check(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    key: &str,
    ip: Option<&str>,
) -> QueryResult<Verdict> {
    let since = window_start(limits);
    let by_subject = security_event::failures_for_subject(conn, key, since)?;
    let by_ip = match ip {
        Some(ip) => security_event::failures_for_ip(conn, ip, since)?,
        None => 0,
    };
    Ok(decide(limits, by_subject, by_ip))
}

pub fn decide(limits: &LoginThrottle, by_subject: i64, by_ip: i64) -> Verdict {
    if by_subject >= limits.max_account_failures || by_ip >= limits.max_ip_failures {
        return Verdict::Locked {
            retry_after: limits.window,
        };
    }
    let excess = by_subject.max(by_ip) - limits.slow_after;
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

/// The message of a refusal.
pub fn locked_message(retry_after: Duration) -> String {
    let m = minutes(retry_after);
    format!(
        "Too many failed sign-in attempts. Try again in {m} minute{}.",
        if m == 1 { "" } else { "s" }
    )
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
        assert_eq!(
            locked_message(l.window),
            "Too many failed sign-in attempts. Try again in 15 minutes."
        );
    }

    #[test]
    fn subjects() {
        assert_eq!(subject_key(Some(7), "ada"), "user:7");
        assert_eq!(subject_key(None, " Ada "), subject_key(None, "ada"));
        assert!(subject_key(None, "ada").starts_with("login:"));
    }
}
