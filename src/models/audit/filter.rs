//! Reading one company's trail through filters (actor, project, action prefix, entity type,
//! outcome, time range), newest first for pages and oldest first for exports, always by id
//! (keyset). Every filter has an index that ends with the id (migration 000011), so a page is
//! one ordered index range that stops after a page of rows, also at 1,000,000 entries:
//!
//! - an action prefix (`user.`) is first turned into the company's actions that start with it
//!   (`db::loose_scan`, one index step per distinct action); a page over a few actions reads
//!   each action's own newest rows and merges them, instead of sorting every match;
//! - a time range is turned into id bounds through the `(company_id, created_at, id)` index.
//!   Entries of a company are written one at a time (the chain's lock), so ids follow
//!   created_at: every entry older than the last one written before `since - CLOCK_SLACK`,
//!   and every entry newer than the first one written at `until + CLOCK_SLACK` or later, is
//!   outside the range, as long as the clock never stepped back by more than [`CLOCK_SLACK`].
//!   The exact created_at condition is applied as well.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::AuditLog;
use crate::db::loose_scan::{Indexed, distinct_values};
use crate::db::schema::{audit_logs, users};
use crate::db::{DbConn, MultiBackend};

/// An entry with the name of its actor, for listing.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub log: AuditLog,
    /// The actor's username (`name (deleted)` for a deleted user), `None` for shell commands.
    pub actor: Option<String>,
    /// What the entry is about, by name and with a link, while it exists.
    pub target: Option<super::targets::Target>,
}

/// What to list. Empty strings count as "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Entries whose action starts with this (e.g. `account.` or `account.password_change`).
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// Only this actor's entries.
    pub user_id: Option<i64>,
    pub project_id: Option<i64>,
    /// Exactly this entity type (`user`, `project` ...).
    pub entity_type: Option<String>,
    /// Entries at or after this time (UTC).
    pub since: Option<NaiveDateTime>,
    /// Entries before this time (UTC).
    pub until: Option<NaiveDateTime>,
}

/// How far created_at may run backwards between consecutive entries of a company (a clock
/// step) and still be found by a time filter.
pub const CLOCK_SLACK: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// A prefix matching more actions than this is read with one `IN` query (such a broad filter
/// matches densely) instead of one query per action.
const MERGE_MAX: usize = 12;

/// A filter made ready to query: the actions an action prefix stands for and the id range a
/// time range stands for. Built by [`resolve`].
#[derive(Debug, Clone)]
pub struct Resolved {
    company_id: i64,
    filter: Filter,
    /// `None`: any action.
    actions: Option<Vec<String>>,
    /// Exclusive id bounds that a time range stands for.
    after_id: Option<i64>,
    before_id: Option<i64>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// Prepares `filter` for the company; `None` when nothing can match (no action with that
/// prefix).
pub fn resolve(
    conn: &mut DbConn,
    company_id: i64,
    filter: &Filter,
) -> QueryResult<Option<Resolved>> {
    let actions = match non_empty(&filter.action) {
        None => None,
        Some(prefix) => {
            let matching: Vec<String> = distinct_values(conn, company_id, Indexed::AuditAction)?
                .into_iter()
                .filter(|a| a.starts_with(prefix))
                .collect();
            if matching.is_empty() {
                return Ok(None);
            }
            Some(matching)
        }
    };
    // Rows before the last one written before `since` (less the slack), and after the first
    // one written from `until` (plus the slack) on, are outside the range.
    let after_id = match filter.since {
        Some(t) => last_before(conn, company_id, t - CLOCK_SLACK)?,
        None => None,
    };
    let before_id = match filter.until {
        Some(t) => first_from(conn, company_id, t + CLOCK_SLACK)?,
        None => None,
    };
    Ok(Some(Resolved {
        company_id,
        filter: filter.clone(),
        actions,
        after_id,
        before_id,
    }))
}

/// The id of the first entry written at or after `t`.
fn first_from(conn: &mut DbConn, company_id: i64, t: NaiveDateTime) -> QueryResult<Option<i64>> {
    audit_logs::table
        .filter(audit_logs::company_id.eq(company_id))
        .filter(audit_logs::created_at.ge(t))
        .order((audit_logs::created_at.asc(), audit_logs::id.asc()))
        .select(audit_logs::id)
        .first(conn)
        .optional()
}

/// The id of the last entry written before `t`.
fn last_before(conn: &mut DbConn, company_id: i64, t: NaiveDateTime) -> QueryResult<Option<i64>> {
    audit_logs::table
        .filter(audit_logs::company_id.eq(company_id))
        .filter(audit_logs::created_at.lt(t))
        .order((audit_logs::created_at.desc(), audit_logs::id.desc()))
        .select(audit_logs::id)
        .first(conn)
        .optional()
}

/// Which actions one query reads.
#[derive(Clone, Copy)]
enum Actions<'a> {
    Any,
    One(&'a str),
    Some(&'a [String]),
}

/// The company's entries matching everything but the order, the cursor and the limit.
fn matching<'a>(r: &'a Resolved, actions: Actions<'a>) -> audit_logs::BoxedQuery<'a, MultiBackend> {
    let f = &r.filter;
    let mut q = audit_logs::table
        .filter(audit_logs::company_id.eq(r.company_id))
        .into_boxed();
    match actions {
        Actions::Any => {}
        Actions::One(a) => q = q.filter(audit_logs::action.eq(a)),
        Actions::Some(list) => q = q.filter(audit_logs::action.eq_any(list)),
    }
    if let Some(user_id) = f.user_id {
        q = q.filter(audit_logs::user_id.eq(user_id));
    }
    if let Some(project_id) = f.project_id {
        q = q.filter(audit_logs::project_id.eq(project_id));
    }
    if let Some(entity_type) = non_empty(&f.entity_type) {
        q = q.filter(audit_logs::entity_type.eq(entity_type));
    }
    if let Some(outcome) = non_empty(&f.outcome) {
        q = q.filter(audit_logs::outcome.eq(outcome));
    }
    if let Some(after) = r.after_id {
        q = q.filter(audit_logs::id.gt(after));
    }
    if let Some(before) = r.before_id {
        q = q.filter(audit_logs::id.lt(before));
    }
    if let Some(since) = f.since {
        q = q.filter(audit_logs::created_at.ge(since));
    }
    if let Some(until) = f.until {
        q = q.filter(audit_logs::created_at.lt(until));
    }
    q
}

fn newest(
    conn: &mut DbConn,
    r: &Resolved,
    actions: Actions<'_>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditLog>> {
    let mut q = matching(r, actions);
    if let Some(before) = before_id {
        q = q.filter(audit_logs::id.lt(before));
    }
    q.order(audit_logs::id.desc()).limit(limit).load(conn)
}

/// One page of a company's entries, newest first, strictly older than `before_id`.
/// Returns the rows and whether more exist.
pub fn page(
    conn: &mut DbConn,
    company_id: i64,
    filter: &Filter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<Listed>, bool)> {
    crate::db::with_custom_plans(conn, |conn| {
        page_unplanned(conn, company_id, filter, before_id, limit)
    })
}

fn page_unplanned(
    conn: &mut DbConn,
    company_id: i64,
    filter: &Filter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<Listed>, bool)> {
    let Some(r) = resolve(conn, company_id, filter)? else {
        return Ok((Vec::new(), false));
    };
    let mut rows = match r.actions.as_deref() {
        None => newest(conn, &r, Actions::Any, before_id, limit + 1)?,
        Some([one]) => newest(conn, &r, Actions::One(one), before_id, limit + 1)?,
        Some(list) if list.len() <= MERGE_MAX => {
            // Each action's newest rows come from its own index range: merge them.
            let mut all = Vec::new();
            for action in list {
                all.extend(newest(
                    conn,
                    &r,
                    Actions::One(action),
                    before_id,
                    limit + 1,
                )?);
            }
            all.sort_unstable_by_key(|r| std::cmp::Reverse(r.id));
            all
        }
        Some(list) => newest(conn, &r, Actions::Some(list), before_id, limit + 1)?,
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    Ok((with_actors(conn, rows)?, more))
}

/// Up to `limit` entries with ids in `(after_id, up_to]`, oldest first (the export's batches).
pub fn batch_after(
    conn: &mut DbConn,
    r: &Resolved,
    after_id: i64,
    up_to: i64,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    crate::db::with_custom_plans(conn, |conn| {
        batch_after_unplanned(conn, r, after_id, up_to, limit)
    })
}

fn batch_after_unplanned(
    conn: &mut DbConn,
    r: &Resolved,
    after_id: i64,
    up_to: i64,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    let actions = match r.actions.as_deref() {
        None => Actions::Any,
        Some([one]) => Actions::One(one),
        Some(list) => Actions::Some(list),
    };
    let rows = matching(r, actions)
        .filter(audit_logs::id.gt(after_id))
        .filter(audit_logs::id.le(up_to))
        .order(audit_logs::id.asc())
        .limit(limit)
        .load(conn)?;
    with_actors(conn, rows)
}

/// The newest entry's id of the company (where an export stops), if any.
pub fn last_id(conn: &mut DbConn, company_id: i64) -> QueryResult<Option<i64>> {
    audit_logs::table
        .filter(audit_logs::company_id.eq(company_id))
        .select(diesel::dsl::max(audit_logs::id))
        .first(conn)
}

/// Names the actors of `rows` (one query for the page's distinct users).
fn with_actors(conn: &mut DbConn, rows: Vec<AuditLog>) -> QueryResult<Vec<Listed>> {
    let company_id = rows.first().map(|r| r.company_id);
    let targets = match company_id {
        Some(company_id) => super::targets::name_targets(conn, company_id, &rows)?,
        None => HashMap::new(),
    };
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(&ids))
            // A deleted user's username was released: they read as "Name (deleted)".
            .select((users::id, crate::models::user::display_login()))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|log| {
            let actor = log.user_id.and_then(|id| names.get(&id).cloned());
            let target = log
                .entity_id
                .and_then(|id| targets.get(&(log.entity_type.clone(), id)).cloned());
            Listed { log, actor, target }
        })
        .collect())
}

/// One entry of the company (tenant scope), with its actor's username.
pub fn find(conn: &mut DbConn, company_id: i64, id: i64) -> QueryResult<Option<Listed>> {
    let row: Option<AuditLog> = audit_logs::table
        .filter(audit_logs::company_id.eq(company_id))
        .filter(audit_logs::id.eq(id))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(log) => with_actors(conn, vec![log])?.pop(),
        None => None,
    })
}
