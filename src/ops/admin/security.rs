//! The company's security events (`users:manage`): sign-ins, failures, lockouts, role changes,
//! deactivations: whatever `security_events` holds for the company. Filters by severity, type,
//! person (id, username or email) and days, newest first with keyset pagination.

use serde::Deserialize;

use crate::auth::permissions as perm;
use crate::db::DbConn;
use crate::db::loose_scan::{Indexed, distinct_values};
use crate::models::security_event::{self, EventFilter, ListedEvent};
use crate::models::user;
use crate::ops::audit::{days, query::word};
use crate::ops::input::FieldErrors;
use crate::ops::{Actor, OpError};

/// Events per page.
pub const PAGE_SIZE: i64 = 50;

pub const SEVERITIES: [&str; 3] = ["info", "warning", "critical"];

/// The filters as the address carries them (empty means any).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventQuery {
    pub severity: Option<String>,
    /// The event type (`login.failure` ...).
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// A user id, username or email address.
    pub user: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<i64>,
}

/// The filters as applied (shown again and carried on by the links).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedEvents {
    pub severity: String,
    pub event_type: String,
    /// As typed (trimmed).
    pub user: String,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl AppliedEvents {
    /// The filters as URL query pairs (only those set).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("severity", self.severity.clone()),
            ("type", self.event_type.clone()),
            ("user", self.user.clone()),
            ("from", self.from.map(|d| d.to_string()).unwrap_or_default()),
            ("to", self.to.map(|d| d.to_string()).unwrap_or_default()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub query: EventQuery,
    /// The reader's time zone: days are theirs.
    pub timezone: String,
    /// Also list the event types for the filter's select (a full page).
    pub types: bool,
}

#[derive(Debug)]
pub struct EventPage {
    pub rows: Vec<ListedEvent>,
    pub more: bool,
    pub applied: AppliedEvents,
    /// Filters that could not be used (nothing is listed then), beside their fields.
    pub errors: FieldErrors,
    /// The event types the company has, when asked for.
    pub types: Vec<String>,
}

/// The person a `user` filter names, in the actor's company: an id, or a username or email
/// address. `None` when nobody of the company matches.
fn user_id(conn: &mut DbConn, company_id: i64, typed: &str) -> Result<Option<i64>, OpError> {
    if let Ok(id) = typed.parse::<i64>() {
        return Ok(Some(id));
    }
    Ok(user::find_by_login(conn, typed)?
        .filter(|u| u.company_id == company_id)
        .map(|u| u.id))
}

/// The actor's company's events, newest first (`users:manage`).
pub fn list(conn: &mut DbConn, actor: &Actor, input: EventInput) -> Result<EventPage, OpError> {
    actor.require(perm::USERS_MANAGE)?;
    let q = input.query;
    let mut errors = FieldErrors::default();
    let mut applied = AppliedEvents {
        severity: word(q.severity).chars().take(20).collect(),
        event_type: word(q.event_type),
        user: q
            .user
            .unwrap_or_default()
            .trim()
            .chars()
            .take(254)
            .collect(),
        ..AppliedEvents::default()
    };
    if !applied.severity.is_empty() && !SEVERITIES.contains(&applied.severity.as_str()) {
        applied.severity.clear();
    }
    let range = days(
        q.from.as_deref(),
        q.to.as_deref(),
        &input.timezone,
        &mut errors,
    );
    (applied.from, applied.to) = (range.from, range.to);
    let who = match applied.user.as_str() {
        "" => None,
        typed => match user_id(conn, actor.company_id, typed)? {
            Some(id) => Some(id),
            None => {
                errors.add(
                    "user",
                    "Nobody in your company has this id, username or email address.",
                );
                None
            }
        },
    };
    let types = if input.types {
        distinct_values(conn, actor.company_id, Indexed::SecurityEventType)?
    } else {
        Vec::new()
    };
    if !errors.is_empty() {
        return Ok(EventPage {
            rows: Vec::new(),
            more: false,
            applied,
            errors,
            types,
        });
    }
    let filter = EventFilter {
        severity: Some(applied.severity.clone()),
        event_type: Some(applied.event_type.clone()),
        user_id: who,
        since: range.since,
        until: range.until,
    };
    let (rows, more) = security_event::page(conn, actor.company_id, &filter, q.before, PAGE_SIZE)?;
    Ok(EventPage {
        rows,
        more,
        applied,
        errors,
        types,
    })
}
