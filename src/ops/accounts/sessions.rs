//! One's own sessions: the list, signing one out, signing out all others.

use chrono::NaiveDateTime;

use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::session::{self, SessionRow};
use crate::ops::actor::Actor;
use crate::ops::error::OpError;

use super::{AccountRefusal, signed_in_id};

/// The actor's live sessions (seen since `idle_since`).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    idle_since: NaiveDateTime,
) -> Result<Vec<SessionRow>, OpError> {
    Ok(session::list_for_user(
        conn,
        signed_in_id(actor)?,
        idle_since,
    )?)
}

/// Signs out one of the actor's sessions by its public id (not `current`, the caller's own:
/// that one ends by signing out). Another user's session is not found.
pub fn revoke(
    conn: &mut DbConn,
    actor: &Actor,
    current: Option<&str>,
    public_id: &str,
) -> Result<(), OpError> {
    if current == Some(public_id) {
        return Err(AccountRefusal::CurrentSession.into());
    }
    let id = signed_in_id(actor)?;
    write_tx(conn, |conn| {
        if !session::revoke(conn, id, public_id)? {
            return Err(OpError::NotFound);
        }
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("session.revoke", "session", None)
                .details(serde_json::json!({ "session": public_id })),
        )?;
        Ok(())
    })
}

/// Signs out every session of the actor but `keep`; returns how many ended.
pub fn revoke_others(
    conn: &mut DbConn,
    actor: &Actor,
    keep: Option<&str>,
) -> Result<usize, OpError> {
    let id = signed_in_id(actor)?;
    write_tx(conn, |conn| {
        let ended = session::revoke_all_except(conn, id, keep)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("session.revoke_others", "session", None)
                .details(serde_json::json!({ "sessions_ended": ended })),
        )?;
        Ok(ended)
    })
}
