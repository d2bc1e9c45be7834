//! Save the actor's draft as the project's next version.

use crate::circuit_edit::edit;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft;
use crate::models::circuit_version::{self, CircuitVersion};
use crate::ops::access::ProjectCtx;
use crate::ops::input::has_control;
use crate::ops::{Actor, OpError};

use super::CircuitRefusal;

/// Longest version message.
pub const MAX_MESSAGE: usize = 500;

pub struct SaveDraft {
    /// What changed, saved with the version (one line).
    pub message: String,
    /// The newest version number the user saw, confirming that their draft becomes the next
    /// version although a newer version than their base exists.
    pub confirm_base: Option<i32>,
}

fn message_problem(message: &str) -> Option<String> {
    if message.is_empty() {
        Some("Describe what changed (a short message saved with the version).".into())
    } else if message.chars().count() > MAX_MESSAGE {
        Some(format!("At most {MAX_MESSAGE} characters."))
    } else if has_control(message) {
        Some("One line, without control characters.".into())
    } else {
        None
    }
}

/// Saves the draft as the next version (only when it has no error) and moves the draft's base
/// there. A refused message comes back as `OpError::Invalid` on the field `message`.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: SaveDraft,
) -> Result<CircuitVersion, OpError> {
    super::require_edit(
        conn,
        actor,
        ctx,
        "circuit.save",
        "circuit_version",
        serde_json::Value::Null,
    )?;
    let message = input.message.trim();
    if let Some(problem) = message_problem(message) {
        return Err(OpError::field("message", problem));
    }
    super::open(conn, actor, ctx)?;
    let (pid, uid) = (ctx.id(), super::draft_owner(actor)?);
    circuit_version::retry_on_conflict(
        || {
            write_tx(conn, |conn| {
                circuit_version::lock_project(conn, pid)?;
                let draft = super::locked(conn, actor, ctx)?;
                let latest = circuit_version::latest(conn, pid)?;
                if let Some(l) = &latest
                    && draft.base_version_id != Some(l.id)
                    && input.confirm_base != Some(l.version_number)
                {
                    return Err(CircuitRefusal::StaleBase {
                        latest: l.version_number,
                    }
                    .into());
                }
                let content = edit::canonical(&draft.data_json.0)
                    .unwrap_or_else(|| draft.data_json.0.clone());
                let idx = super::check(&content);
                if idx.has_errors() {
                    return Err(CircuitRefusal::HasErrors { errors: idx.errors }.into());
                }
                if let Some(l) = &latest
                    && edit::same_circuit(&l.data_json.0, &content)
                {
                    return Err(CircuitRefusal::Unchanged {
                        latest: l.version_number,
                    }
                    .into());
                }
                let base_number = match draft.base_version_id {
                    Some(id) => {
                        circuit_version::find_in_project(conn, pid, id)?.map(|v| v.version_number)
                    }
                    None => None,
                };
                let version =
                    circuit_version::insert_next_in_tx(conn, pid, &content, message, uid)?;
                circuit_draft::rebase(conn, draft.id, Some(&version), &content)?;
                let stale_confirmed = latest
                    .as_ref()
                    .is_some_and(|l| draft.base_version_id != Some(l.id));
                let mut entry = Entry::success("circuit.save", "circuit_version", Some(version.id))
                    .project(pid)
                    .after(circuit_version::snapshot(&version))
                    .details(serde_json::json!({
                        "message": message,
                        "base_version": base_number,
                        "confirmed_over_newer_version": stale_confirmed
                            .then(|| latest.as_ref().map(|l| l.version_number)),
                        "warnings": idx.warnings,
                    }));
                if let Some(l) = &latest {
                    entry = entry.before(circuit_version::snapshot(l));
                }
                audit::record(conn, &actor.audit(), entry)?;
                Ok(version)
            })
        },
        OpError::is_unique_violation,
    )
}
