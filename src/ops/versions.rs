//! Circuit versions: restore an earlier version as the next one (versions are immutable: a
//! restore writes a new version with the old content, message "Restored version N").

use crate::circuit_edit::edit;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft;
use crate::models::circuit_version::{self, CircuitVersion};

use super::access::{Capability, ProjectCtx};
use super::actor::Actor;
use super::error::OpError;

/// Why a version cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum VersionRefusal {
    #[error(
        "Nothing to restore: version {latest}, the latest, has the same content as version {version}."
    )]
    SameAsLatest { version: i32, latest: i32 },
    #[error(
        "Version {version} cannot be restored as it is: it has {errors} error{s}. Import its JSON into your draft to correct it.",
        s = if *errors == 1 { "" } else { "s" }
    )]
    HasErrors { version: i32, errors: usize },
}

/// The problems of a circuit document (none when it cannot be checked at all).
pub fn problems_of(circuit: &serde_json::Value) -> crate::circuit_edit::problems::ProblemIndex {
    crate::circuit_edit::problems::check(circuit).unwrap_or_default()
}

/// Saves version `n`'s content as the project's next version. The actor's draft follows when
/// it has no changes of its own; one with changes keeps them (and is told that a newer version
/// exists).
pub fn restore(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    n: i32,
) -> Result<CircuitVersion, OpError> {
    ctx.require(
        conn,
        actor,
        Capability::Edit,
        Entry::success("circuit.restore", "circuit_version", None)
            .details(serde_json::json!({ "from_version": n })),
    )?;
    let pid = ctx.id();
    let old = circuit_version::find_by_number(conn, pid, n)?.ok_or(OpError::NotFound)?;
    let uid = actor.user_id.ok_or(OpError::Forbidden {
        permission: crate::auth::permissions::PROJECTS_WRITE,
    })?;
    let audit_actor = actor.audit();
    circuit_version::retry_on_conflict(
        || {
            write_tx(conn, |conn| {
                circuit_version::lock_project(conn, pid)?;
                let latest = circuit_version::latest(conn, pid)?;
                if let Some(l) = &latest
                    && edit::same_circuit(&l.data_json.0, &old.data_json.0)
                {
                    return Err(VersionRefusal::SameAsLatest {
                        version: n,
                        latest: l.version_number,
                    }
                    .into());
                }
                let content = &old.data_json.0;
                let idx = problems_of(content);
                if idx.has_errors() {
                    return Err(VersionRefusal::HasErrors {
                        version: n,
                        errors: idx.errors,
                    }
                    .into());
                }
                let message = format!("Restored version {n}");
                let new = circuit_version::insert_next_in_tx(conn, pid, content, &message, uid)?;
                if let Some(draft) = circuit_draft::find_for_update(conn, pid, uid)? {
                    let base = match draft.base_version_id {
                        Some(id) => circuit_version::find_in_project(conn, pid, id)?,
                        None => None,
                    };
                    let unchanged = base
                        .is_some_and(|b| edit::same_circuit(&b.data_json.0, &draft.data_json.0));
                    if unchanged {
                        circuit_draft::rebase(conn, draft.id, Some(&new), content)?;
                    }
                }
                let mut entry = Entry::success("circuit.restore", "circuit_version", Some(new.id))
                    .project(pid)
                    .after(circuit_version::snapshot(&new))
                    .details(serde_json::json!({ "from_version": n }));
                if let Some(l) = &latest {
                    entry = entry.before(circuit_version::snapshot(l));
                }
                audit::record(conn, &audit_actor, entry)?;
                Ok::<_, OpError>(new)
            })
        },
        OpError::is_unique_violation,
    )
}
