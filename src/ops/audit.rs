//! The audit trail as readers see it (listing, one entry, verifying the chains), and the
//! refused requests the web layer records (a failed CSRF check).

use crate::auth::permissions;
use crate::db::{DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::audit::pickers::{self, Pickers};
use crate::models::audit::{self, ChainReport, Entry, Listed};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::user;

use super::actor::Actor;
use super::error::OpError;
use super::input::FieldErrors;

pub mod export;
pub mod query;
pub mod verify;

pub use query::{Applied, Days, ListQuery, day_start_utc, days};

/// Entries per page.
pub const PAGE_SIZE: i64 = 50;

/// A request for the list: the query as typed, the reader's time zone (dates are their days),
/// and whether the pickers are wanted (a full page; not the next rows for htmx).
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    pub query: ListQuery,
    pub timezone: String,
    pub pickers: bool,
}

/// One page of entries, with the filters as applied.
#[derive(Debug)]
pub struct EntryPage {
    pub rows: Vec<Listed>,
    /// Older entries exist.
    pub more: bool,
    pub applied: Applied,
    /// Filters that could not be read (nothing is listed then), shown beside their fields.
    pub errors: FieldErrors,
    /// The choices of the filter form, when asked for.
    pub pickers: Option<Pickers>,
}

/// The actor's company's entries, newest first (`audit:read`).
pub fn list(conn: &mut DbConn, actor: &Actor, input: ListInput) -> Result<EntryPage, OpError> {
    actor.require(permissions::AUDIT_READ)?;
    let pickers = if input.pickers {
        Some(pickers::load(conn, actor.company_id)?)
    } else {
        None
    };
    let (applied, filter) = query::parse(&input.query, &input.timezone);
    let filter = match filter {
        Ok(filter) => filter,
        Err(errors) => {
            return Ok(EntryPage {
                rows: Vec::new(),
                more: false,
                applied,
                errors,
                pickers,
            });
        }
    };
    let (rows, more) = audit::page(
        conn,
        actor.company_id,
        &filter,
        input.query.before,
        PAGE_SIZE,
    )?;
    Ok(EntryPage {
        rows,
        more,
        applied,
        errors: FieldErrors::default(),
        pickers,
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

fn refusal_details(route: &str, method: &str, reason: &str, repeated: u64) -> serde_json::Value {
    let mut details = serde_json::json!({ "route": route, "method": method, "reason": reason });
    if repeated > 0 {
        details["repeated"] = repeated.into();
        details["window_seconds"] = super::refusals::WINDOW.as_secs().into();
    }
    details
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
/// change (`request.refused`) in their company's trail; `repeated` more like it since the last
/// record (see `ops::refusals`).
pub fn record_refusal(
    conn: &mut DbConn,
    refused: RefusedRequest,
    repeated: u64,
) -> Result<(), OpError> {
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
                description: if repeated > 0 {
                    format!(
                        "Refused {method} {route}: {reason} ({repeated} more in the last minute)"
                    )
                } else {
                    format!("Refused {method} {route}: {reason}")
                },
                metadata: refusal_details(&route, &method, reason, repeated),
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
                Entry::failure("request.refused", "request", None)
                    .details(refusal_details(&route, &method, reason, repeated)),
            )?;
        }
        Ok(())
    })
}
