//! Security events: sign-ins, failures, lockouts, password and session changes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::RequestMeta;
use crate::db::DbConn;
use crate::db::json::JsonValue;
use crate::db::schema::security_events;

pub const LOGIN_SUCCESS: &str = "login.success";
pub const LOGIN_FAILURE: &str = "login.failure";
pub const LOGIN_LOCKOUT: &str = "login.lockout";
pub const PASSWORD_CHANGE_FAILURE: &str = "password_change.failure";
/// A wrong, malformed or replayed second-factor code (at sign-in, or when confirming one's
/// password and code for a two-factor change): counts towards the lockout like a password.
pub const TWO_FACTOR_FAILURE: &str = "two_factor.failure";

#[derive(Debug, Clone, Copy)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = security_events)]
pub struct SecurityEvent {
    pub id: i64,
    pub user_id: Option<i64>,
    pub company_id: Option<i64>,
    pub event_type: String,
    pub subject_key: Option<String>,
    pub severity: String,
    pub description: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub metadata: JsonValue,
    pub created_at: NaiveDateTime,
}

pub struct NewEvent<'a> {
    pub user_id: Option<i64>,
    pub company_id: Option<i64>,
    pub event_type: &'a str,
    /// Set on sign-in attempts (see `auth::throttle::subject_key`).
    pub subject_key: Option<String>,
    pub severity: Severity,
    pub description: String,
    pub metadata: serde_json::Value,
}

/// Records an event and returns its id.
pub fn record(conn: &mut DbConn, meta: &RequestMeta, event: NewEvent<'_>) -> QueryResult<i64> {
    diesel::insert_into(security_events::table)
        .values((
            security_events::user_id.eq(event.user_id),
            security_events::company_id.eq(event.company_id),
            security_events::event_type.eq(event.event_type),
            security_events::subject_key.eq(event.subject_key),
            security_events::severity.eq(event.severity.as_str()),
            security_events::description.eq(event.description),
            security_events::ip_address.eq(&meta.ip_address),
            security_events::user_agent.eq(&meta.user_agent),
            security_events::metadata.eq(JsonValue(event.metadata)),
            security_events::created_at.eq(crate::util::now()),
        ))
        .returning(security_events::id)
        .get_result(conn)
}

/// Events that count as failed attempts to prove a password or a second factor.
pub const FAILURE_TYPES: [&str; 3] = [LOGIN_FAILURE, PASSWORD_CHANGE_FAILURE, TWO_FACTOR_FAILURE];

/// Failed attempts against one subject since `since`.
pub fn failures_for_subject(
    conn: &mut DbConn,
    key: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    security_events::table
        .filter(security_events::subject_key.eq(key))
        .filter(security_events::event_type.eq_any(FAILURE_TYPES))
        .filter(security_events::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Failed attempts from one client address since `since`.
pub fn failures_for_ip(conn: &mut DbConn, ip: &str, since: NaiveDateTime) -> QueryResult<i64> {
    security_events::table
        .filter(security_events::ip_address.eq(ip))
        .filter(security_events::event_type.eq_any(FAILURE_TYPES))
        .filter(security_events::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Events of one type about a user since `since` (e.g. reset links asked for in the last hour).
pub fn count_for_user_since(
    conn: &mut DbConn,
    user_id: i64,
    event_type: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    security_events::table
        .filter(security_events::event_type.eq(event_type))
        .filter(security_events::user_id.eq(user_id))
        .filter(security_events::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Turns a provisional event (recorded before the outcome was known) into its final form.
pub fn settle(
    conn: &mut DbConn,
    id: i64,
    event_type: &str,
    severity: Severity,
    description: &str,
) -> QueryResult<()> {
    diesel::update(security_events::table.find(id))
        .set((
            security_events::event_type.eq(event_type),
            security_events::severity.eq(severity.as_str()),
            security_events::description.eq(description),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest events of a user, for tests and (later) the security pages.
pub fn recent_for_user(
    conn: &mut DbConn,
    user_id: i64,
    limit: i64,
) -> QueryResult<Vec<SecurityEvent>> {
    security_events::table
        .filter(security_events::user_id.eq(user_id))
        .order(security_events::id.desc())
        .limit(limit)
        .select(SecurityEvent::as_select())
        .load(conn)
}

/// What the company's security events page lists. Empty strings count as "any".
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub severity: Option<String>,
    pub event_type: Option<String>,
    pub user_id: Option<i64>,
    /// At or after (UTC).
    pub since: Option<NaiveDateTime>,
    /// Before (UTC).
    pub until: Option<NaiveDateTime>,
}

/// An event with the username of the person it is about.
#[derive(Debug, Clone)]
pub struct ListedEvent {
    pub event: SecurityEvent,
    pub username: Option<String>,
}

/// One page of a company's events, newest first, strictly older than `before_id`; and
/// whether more exist. Each filter has an index ending in the id (migration 000011); a time
/// range becomes id bounds first, as on the audit trail (`models::audit::filter`): concurrent
/// writers may store times slightly out of id order, never by `CLOCK_SLACK`.
pub fn page(
    conn: &mut DbConn,
    company_id: i64,
    f: &EventFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<ListedEvent>, bool)> {
    crate::db::with_custom_plans(conn, |conn| {
        page_unplanned(conn, company_id, f, before_id, limit)
    })
}

fn page_unplanned(
    conn: &mut DbConn,
    company_id: i64,
    f: &EventFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<ListedEvent>, bool)> {
    use super::audit::filter::CLOCK_SLACK;
    use crate::db::schema::users;
    let of_company = || security_events::table.filter(security_events::company_id.eq(company_id));
    let mut q = of_company().into_boxed();
    // Time ranges become id bounds as on the audit trail (`models::audit::filter`).
    if let Some(since) = f.since {
        let last_before: Option<i64> = of_company()
            .filter(security_events::created_at.lt(since - CLOCK_SLACK))
            .order((
                security_events::created_at.desc(),
                security_events::id.desc(),
            ))
            .select(security_events::id)
            .first(conn)
            .optional()?;
        if let Some(after) = last_before {
            q = q.filter(security_events::id.gt(after));
        }
        q = q.filter(security_events::created_at.ge(since));
    }
    if let Some(until) = f.until {
        let first_from: Option<i64> = of_company()
            .filter(security_events::created_at.ge(until + CLOCK_SLACK))
            .order((security_events::created_at.asc(), security_events::id.asc()))
            .select(security_events::id)
            .first(conn)
            .optional()?;
        if let Some(before) = first_from {
            q = q.filter(security_events::id.lt(before));
        }
        q = q.filter(security_events::created_at.lt(until));
    }
    if let Some(severity) = f.severity.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(security_events::severity.eq(severity.to_string()));
    }
    if let Some(t) = f.event_type.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(security_events::event_type.eq(t.to_string()));
    }
    if let Some(user_id) = f.user_id {
        q = q.filter(security_events::user_id.eq(user_id));
    }
    if let Some(before) = before_id {
        q = q.filter(security_events::id.lt(before));
    }
    let mut rows: Vec<SecurityEvent> = q
        .order(security_events::id.desc())
        .limit(limit + 1)
        .select(SecurityEvent::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let mut ids: Vec<i64> = rows.iter().filter_map(|e| e.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&ids))
        // A deleted user's username was released: they read as "Name (deleted)".
        .select((users::id, super::user::display_login()))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let listed = rows
        .into_iter()
        .map(|event| ListedEvent {
            username: event.user_id.and_then(|id| names.get(&id).cloned()),
            event,
        })
        .collect();
    Ok((listed, more))
}
