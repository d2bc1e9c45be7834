//! The audit trail as readers see it (listing, one entry, verifying the chains), and the
//! refused requests the web layer records (a failed CSRF check).

use crate::auth::permissions;
use crate::db::{DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::audit::{self, ChainReport, Entry, Filter, Listed};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::user;

use super::actor::Actor;
use super::error::OpError;

/// Entries per page.
pub const PAGE_SIZE: i64 = 50;

/// What the list is asked for: filters as typed, and the id to continue below.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListQuery {
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub before: Option<i64>,
}

/// One page of entries, with the filters as applied.
#[derive(Debug)]
pub struct EntryPage {
    pub rows: Vec<Listed>,
    /// Older entries exist.
    pub more: bool,
    /// The action prefix applied (lowercase, without control characters, at most 100).
    pub action: String,
    /// `success`, `failure` or empty (any).
    pub outcome: String,
}

/// The actor's company's entries, newest first (`audit:read`).
pub fn list(conn: &mut DbConn, actor: &Actor, query: ListQuery) -> Result<EntryPage, OpError> {
    actor.require(permissions::AUDIT_READ)?;
    // Actions are lowercase ASCII like `user.update`: compare the same way on both databases.
    let action: String = query
        .action
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>()
        .to_lowercase();
    let outcome = match query.outcome.as_deref() {
        Some(o @ ("success" | "failure")) => o.to_string(),
        _ => String::new(),
    };
    let filter = Filter {
        action: Some(action.clone()),
        outcome: Some(outcome.clone()),
        user_id: None,
    };
    let (rows, more) = audit::page(conn, actor.company_id, &filter, query.before, PAGE_SIZE)?;
    Ok(EntryPage {
        rows,
        more,
        action,
        outcome,
    })
}

/// One entry of the actor's company (`audit:read`); another company's is not found.
pub fn detail(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Listed, OpError> {
    actor.require(permissions::AUDIT_READ)?;
    audit::find(conn, actor.company_id, id)?.ok_or(OpError::NotFound)
}

/// Walks every company's hash chain (or one company's) and reports the first broken row (the
/// shell's `audit verify`).
pub fn verify(conn: &mut DbConn, company_id: Option<i64>) -> Result<ChainReport, OpError> {
    Ok(audit::verify_chain(conn, company_id)?)
}

/// An unsafe request refused before reaching its handler.
#[derive(Debug, Clone)]
pub struct RefusedRequest {
    /// The signed-in user, if any.
    pub user_id: Option<i64>,
    pub meta: RequestMeta,
    /// The route pattern (never the path, which may hold a token).
    pub route: String,
    pub method: String,
    pub reason: &'static str,
}

/// Records a refused request as a security event and, for a signed-in user, as a denied
/// change (`request.refused`) in their company's trail.
pub fn record_refusal(conn: &mut DbConn, refused: RefusedRequest) -> Result<(), OpError> {
    let RefusedRequest {
        user_id,
        meta,
        route,
        method,
        reason,
    } = refused;
    let company_id = match user_id {
        Some(id) => user::find(conn, id)?.map(|u| u.company_id),
        None => None,
    };
    write_tx(conn, |conn| {
        security_event::record(
            conn,
            &meta,
            NewEvent {
                user_id,
                company_id,
                event_type: "csrf.rejected",
                subject_key: None,
                severity: Severity::Warning,
                description: format!("Refused {method} {route}: {reason}"),
                metadata: serde_json::json!({ "route": route, "method": method, "reason": reason }),
            },
        )?;
        if let Some(company_id) = company_id {
            let actor = audit::Actor {
                company_id,
                user_id,
                meta: meta.clone(),
            };
            audit::record(
                conn,
                &actor,
                Entry::failure("request.refused", "request", None).details(
                    serde_json::json!({ "route": route, "method": method, "reason": reason }),
                ),
            )?;
        }
        Ok(())
    })
}
