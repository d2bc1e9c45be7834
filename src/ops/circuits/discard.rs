//! Discard the actor's draft: it becomes the latest version again (or an empty circuit).

use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft;
use crate::models::circuit_version;
use crate::ops::access::ProjectCtx;
use crate::ops::{Actor, OpError};

/// Resets the draft to the latest version; returns its number (`None`: the project has no
/// version and the draft is empty again).
pub fn discard(conn: &mut DbConn, actor: &Actor, ctx: &ProjectCtx) -> Result<Option<i32>, OpError> {
    super::require_edit(
        conn,
        actor,
        ctx,
        "circuit.discard",
        "circuit_draft",
        serde_json::Value::Null,
    )?;
    super::open(conn, actor, ctx)?;
    write_tx(conn, |conn| {
        let draft = super::locked(conn, actor, ctx)?;
        let latest = circuit_version::latest(conn, ctx.id())?;
        let data = latest.as_ref().map_or_else(
            || super::empty_circuit(&ctx.project.name),
            |v| v.data_json.0.clone(),
        );
        circuit_draft::rebase(conn, draft.id, latest.as_ref(), &data)?;
        let number = latest.as_ref().map(|v| v.version_number);
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("circuit.discard", "circuit_draft", Some(draft.id))
                .project(ctx.id())
                .before(super::snapshot(&draft.data_json.0))
                .after(super::snapshot(&data))
                .details(serde_json::json!({ "reset_to_version": number })),
        )?;
        Ok(number)
    })
}
