//! The circuit's own fields (name, frequency) in the actor's draft.

use crate::circuit_edit::edit::{self, EditError};
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft;
use crate::ops::access::ProjectCtx;
use crate::ops::input::FieldErrors;
use crate::ops::{Actor, OpError};

/// The circuit's name and frequency as entered (`50` or `60`).
pub struct CircuitSettings {
    pub name: String,
    pub frequency_hz: String,
}

/// Sets the draft's name and frequency; field refusals come back as `OpError::Invalid`.
pub fn update_settings(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: CircuitSettings,
) -> Result<(), OpError> {
    const ACTION: &str = "circuit.draft.settings";
    super::require_edit(
        conn,
        actor,
        ctx,
        ACTION,
        "circuit_draft",
        serde_json::Value::Null,
    )?;
    super::open(conn, actor, ctx)?;
    write_tx(conn, |conn| {
        let draft = super::locked(conn, actor, ctx)?;
        let value = |name: &str| match name {
            "name" => Some(input.name.clone()),
            "frequency_hz" => Some(input.frequency_hz.clone()),
            _ => None,
        };
        let edited = edit::update_header(&draft.data_json.0, &value)
            .map_err(|e| OpError::Invalid(field_errors(e)))?;
        circuit_draft::set_data(conn, draft.id, &edited.circuit)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success(ACTION, "circuit_draft", Some(draft.id))
                .project(ctx.id())
                .before(edited.before.clone().unwrap_or_default())
                .after(edited.after.clone().unwrap_or_default()),
        )?;
        Ok(())
    })
}

/// The editor's refusal as field messages (a message about the whole form under `""`).
fn field_errors(error: EditError) -> FieldErrors {
    let mut errors = FieldErrors::default();
    match error {
        EditError::Fields(f) => {
            for (k, m) in f {
                errors.add(k, m);
            }
        }
        EditError::Row(m) => errors.add("", m),
    }
    errors
}
