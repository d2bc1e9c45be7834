//! Refused requests are recorded, but no client can grow the audit trail or the security events
//! with them: per refusal kind, actor (or address) and route or action, the first refusal of a
//! minute is written at once; the ones after it are counted in memory and written as one record
//! with the count when the minute is over (by the periodic flush, or with the next refusal).
//! Beyond 50 first records a second (many addresses at once), refusals are only counted too.
//! Each server process keeps its own counts, so N processes allow N times the rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::DbConn;
use crate::models::audit::{self, Entry};

use super::audit::RefusedRequest;
use super::error::OpError;

/// How long refusals of one key are counted after a record.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Keys counted at once; beyond, refusals of new keys share one key per kind.
const MAX_KEYS: usize = 10_000;
/// First records written per second, over all keys.
const MAX_RECORDS_PER_SECOND: u32 = 50;

/// What a refusal would write.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// An unsafe request refused by the CSRF check (a security event, and a trail entry for a
    /// signed-in user).
    Request(RefusedRequest),
    /// A change denied (permission or read-only license): a failed trail entry.
    Denial(audit::Actor, Entry),
}

impl Refusal {
    /// Which refusals count together: the same kind, actor or address, and route or action.
    fn key(&self) -> (&'static str, String, String) {
        match self {
            Refusal::Request(r) => {
                let who = match (r.user_id, &r.meta.ip_address) {
                    (Some(id), _) => format!("user:{id}"),
                    (None, Some(ip)) => format!("ip:{ip}"),
                    (None, None) => "anonymous".into(),
                };
                ("request", who, format!("{} {}", r.method, r.route))
            }
            Refusal::Denial(actor, entry) => {
                let who = match actor.user_id {
                    Some(id) => format!("user:{id}"),
                    None => format!("company:{}", actor.company_id),
                };
                // The same change of the same thing refused for the same reason; the reason
                // is the server's (a permission, a capability or the license state), never
                // input, so a client cannot make each refusal a new key.
                let why = ["denied", "read_only"]
                    .iter()
                    .filter_map(|k| entry.details.get(*k))
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                let what = format!(
                    "{} {}:{} project:{} {why}",
                    entry.action,
                    entry.entity_type,
                    entry.entity_id.unwrap_or(0),
                    entry.project_id.unwrap_or(0),
                );
                ("denial", who, what)
            }
        }
    }

    /// Where refusals go when the table is full or the rate is exceeded: one window per kind
    /// for requests (written as a platform event, naming no user), one per company for denied
    /// changes (so no company's count lands in another's trail).
    fn overflow_key(&self) -> (&'static str, String, String) {
        match self {
            Refusal::Request(_) => ("request", "*".into(), "*".into()),
            Refusal::Denial(actor, _) => (
                "denial",
                format!("company:{}", actor.company_id),
                "*".into(),
            ),
        }
    }

    /// The refusal as the shared window's record: a request names no user (its count mixes
    /// clients); a denial names the company only.
    fn anonymized(self) -> Refusal {
        match self {
            Refusal::Request(mut r) => {
                r.user_id = None;
                r.meta = Default::default();
                r.route = "*".into();
                Refusal::Request(r)
            }
            Refusal::Denial(mut actor, mut entry) => {
                actor.user_id = None;
                actor.meta = Default::default();
                entry.entity_id = None;
                entry.project_id = None;
                entry.details =
                    serde_json::json!({ "mixed": "refusals of several users and targets" });
                Refusal::Denial(actor, entry)
            }
        }
    }

    /// Writes the refusal; `repeated` more like it since the last record (0 for a first one).
    pub fn write(self, conn: &mut DbConn, repeated: u64) -> Result<(), OpError> {
        match self {
            Refusal::Request(r) => super::audit::record_refusal(conn, r, repeated),
            Refusal::Denial(actor, mut entry) => {
                if repeated > 0 {
                    entry.details = serde_json::json!({
                        "repeated": repeated,
                        "window_seconds": WINDOW.as_secs(),
                        "details": entry.details,
                    });
                }
                crate::db::write_tx(conn, |conn| audit::record(conn, &actor, entry))?;
                Ok(())
            }
        }
    }
}

/// Whether to write a refusal now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Write it, with this many refusals counted since the last record.
    Record { repeated: u64 },
    /// Only counted: it is written later, with the others of its minute.
    Counted,
}

struct Window {
    started: Instant,
    /// Refusals counted since the record that opened the window.
    counted: u64,
    /// The newest counted refusal (what the count's record describes).
    last: Option<Refusal>,
}

#[derive(Default)]
struct Counts {
    windows: HashMap<(&'static str, String, String), Window>,
    second: Option<(Instant, u32)>,
}

/// The refusal counts of this process.
#[derive(Default)]
pub struct RefusalLog {
    counts: Mutex<Counts>,
}

impl std::fmt::Debug for RefusalLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefusalLog")
    }
}

impl RefusalLog {
    /// Decides whether `refusal` is written now or counted.
    pub fn admit(&self, refusal: &Refusal) -> Admit {
        self.admit_at(refusal, Instant::now())
    }

    fn admit_at(&self, refusal: &Refusal, now: Instant) -> Admit {
        let mut counts = match self.counts.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut key = refusal.key();
        if !counts.windows.contains_key(&key) && counts.windows.len() >= MAX_KEYS {
            key = refusal.overflow_key();
        }
        let carried = match counts.windows.get_mut(&key) {
            Some(w) if now.duration_since(w.started) < WINDOW => {
                w.counted += 1;
                w.last = Some(refusal.clone());
                return Admit::Counted;
            }
            // A window over: its count goes with this record.
            Some(w) => w.counted,
            None => 0,
        };
        let within_rate = match &mut counts.second {
            Some((start, n)) if now.duration_since(*start) < Duration::from_secs(1) => {
                *n += 1;
                *n <= MAX_RECORDS_PER_SECOND
            }
            second => {
                *second = Some((now, 1));
                true
            }
        };
        if !within_rate {
            // Over the rate: counted in the shared window of its kind (and company), so a
            // flood of new keys makes one record a minute, not one per key.
            if carried > 0
                && let Some(w) = counts.windows.get_mut(&key)
            {
                w.started = now;
            }
            let overflow = refusal.overflow_key();
            let w = counts.windows.entry(overflow).or_insert(Window {
                started: now,
                counted: 0,
                last: None,
            });
            w.counted += 1;
            w.last = Some(refusal.clone().anonymized());
            return Admit::Counted;
        }
        counts.windows.insert(
            key,
            Window {
                started: now,
                counted: 0,
                last: None,
            },
        );
        Admit::Record { repeated: carried }
    }

    /// Takes the counts of windows that are over: the records to write (each with its count),
    /// and forgets windows that counted nothing.
    pub fn take_due(&self) -> Vec<(Refusal, u64)> {
        self.take_due_at(Instant::now())
    }

    /// Takes every count, over or not (a server stopping, or a test that cannot wait a minute).
    pub fn take_all(&self) -> Vec<(Refusal, u64)> {
        self.take_due_at(Instant::now() + WINDOW)
    }

    fn take_due_at(&self, now: Instant) -> Vec<(Refusal, u64)> {
        let mut counts = match self.counts.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut due = Vec::new();
        counts.windows.retain(|_, w| {
            if now.duration_since(w.started) < WINDOW {
                return true;
            }
            if let Some(last) = w.last.take() {
                due.push((last, w.counted));
            }
            false
        });
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::RequestMeta;

    fn csrf(user_id: Option<i64>, ip: &str, route: &str) -> Refusal {
        Refusal::Request(RefusedRequest {
            user_id,
            meta: RequestMeta {
                ip_address: Some(ip.into()),
                user_agent: None,
            },
            route: route.into(),
            method: "POST".into(),
            reason: "missing or wrong CSRF token",
        })
    }

    #[test]
    fn first_of_a_window_is_written_the_rest_counted_then_flushed_once() {
        let log = RefusalLog::default();
        let t0 = Instant::now();
        let r = csrf(Some(7), "10.0.0.1", "/account/profile");
        assert_eq!(log.admit_at(&r, t0), Admit::Record { repeated: 0 });
        for i in 0..1000 {
            assert_eq!(
                log.admit_at(&r, t0 + Duration::from_millis(i)),
                Admit::Counted
            );
        }
        // Another route, user or address is a first refusal of its own.
        assert_eq!(
            log.admit_at(&csrf(Some(7), "10.0.0.1", "/account/password"), t0),
            Admit::Record { repeated: 0 }
        );
        assert_eq!(
            log.admit_at(&csrf(None, "10.0.0.2", "/login"), t0),
            Admit::Record { repeated: 0 }
        );
        assert!(log.take_due_at(t0 + Duration::from_secs(30)).is_empty());
        let due = log.take_due_at(t0 + WINDOW);
        assert_eq!(due.len(), 1, "windows without a count are forgotten");
        assert_eq!(due[0].1, 1000);
        assert!(log.take_due_at(t0 + WINDOW * 3).is_empty());
        // After the flush, the next one is a first refusal again.
        assert_eq!(
            log.admit_at(&r, t0 + WINDOW * 3),
            Admit::Record { repeated: 0 }
        );
    }

    #[test]
    fn a_count_not_yet_flushed_goes_with_the_next_record() {
        let log = RefusalLog::default();
        let t0 = Instant::now();
        let r = csrf(None, "10.0.0.3", "/login");
        log.admit_at(&r, t0);
        log.admit_at(&r, t0 + Duration::from_secs(1));
        log.admit_at(&r, t0 + Duration::from_secs(2));
        assert_eq!(
            log.admit_at(&r, t0 + WINDOW + Duration::from_secs(1)),
            Admit::Record { repeated: 2 }
        );
    }

    #[test]
    fn many_addresses_at_once_are_bounded_per_second() {
        let log = RefusalLog::default();
        let t0 = Instant::now();
        let written = (0..5000)
            .filter(|i| {
                let r = csrf(None, &format!("10.1.{}.{}", i / 256, i % 256), "/login");
                matches!(log.admit_at(&r, t0), Admit::Record { .. })
            })
            .count();
        assert_eq!(written, MAX_RECORDS_PER_SECOND as usize);
        // The rest make one record a minute (naming no client), not one per address.
        let due = log.take_due_at(t0 + WINDOW);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1, (5000 - written) as u64);
        let Refusal::Request(r) = &due[0].0 else {
            panic!("a request refusal")
        };
        assert_eq!((r.user_id, r.meta.ip_address.as_deref()), (None, None));
    }

    #[test]
    fn keys_are_bounded() {
        let log = RefusalLog::default();
        let t0 = Instant::now();
        for i in 0..(MAX_KEYS + 500) {
            let r = csrf(None, &format!("a{i}"), "/login");
            log.admit_at(&r, t0 + Duration::from_secs((i / 40) as u64 % 50));
        }
        assert!(log.counts.lock().unwrap().windows.len() <= MAX_KEYS + 1);
    }
}
