//! Add, change or delete one element (a row of the editor's tables) in the actor's draft.
//! Renaming an element updates every reference to it; deleting one leaves references in place
//! (the validator then points at each of them).

use std::collections::HashMap;

use serde_json::Value;

use crate::circuit_edit::KindDef;
use crate::circuit_edit::edit::{self, Edited};
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft;
use crate::ops::access::ProjectCtx;
use crate::ops::{Actor, OpError};

use super::CircuitRefusal;

/// What a row action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOp {
    Add,
    Update,
    Delete,
}

impl RowOp {
    /// The audit action.
    pub fn action(self) -> &'static str {
        match self {
            RowOp::Add => "circuit.draft.add",
            RowOp::Update => "circuit.draft.update",
            RowOp::Delete => "circuit.draft.delete",
        }
    }
}

/// A new element of kind `kind` (a kind key such as `buses`) from its field values.
pub struct AddRow {
    pub kind: String,
    pub values: HashMap<String, String>,
}

/// New field values for the element `element` of kind `kind`.
pub struct UpdateRow {
    pub kind: String,
    pub element: String,
    pub values: HashMap<String, String>,
}

/// The element `element` of kind `kind` to remove.
pub struct DeleteRow {
    pub kind: String,
    pub element: String,
}

/// A row change that was made.
pub struct RowChanged {
    pub kind: &'static KindDef,
    /// The draft's circuit before the change.
    pub before: Value,
    pub edited: Edited,
}

pub fn add_row(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: AddRow,
) -> Result<RowChanged, OpError> {
    let values = input.values;
    change(conn, actor, ctx, RowOp::Add, &input.kind, None, |c, k| {
        edit::add(c, k, &|name| values.get(name).cloned())
    })
}

pub fn update_row(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: UpdateRow,
) -> Result<RowChanged, OpError> {
    let (id, values) = (input.element, input.values);
    change(
        conn,
        actor,
        ctx,
        RowOp::Update,
        &input.kind,
        Some(&id),
        |c, k| edit::update(c, k, &id, &|name| values.get(name).cloned()),
    )
}

pub fn delete_row(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: DeleteRow,
) -> Result<RowChanged, OpError> {
    let id = input.element;
    change(
        conn,
        actor,
        ctx,
        RowOp::Delete,
        &input.kind,
        Some(&id),
        |c, k| edit::delete(c, k, &id),
    )
}

/// Applies `apply` to the draft in one transaction with its audit entry.
fn change(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    op: RowOp,
    kind_key: &str,
    element: Option<&str>,
    apply: impl FnOnce(&Value, &'static KindDef) -> Result<Edited, edit::EditError>,
) -> Result<RowChanged, OpError> {
    let kind = crate::circuit_edit::kind(kind_key).ok_or(OpError::NotFound)?;
    super::require_edit(
        conn,
        actor,
        ctx,
        op.action(),
        "circuit_draft",
        serde_json::json!({ "kind": kind.key, "element": element }),
    )?;
    super::open(conn, actor, ctx)?;
    write_tx(conn, |conn| {
        let draft = super::locked(conn, actor, ctx)?;
        let current = draft.data_json.0;
        let edited = match apply(&current, kind) {
            Ok(e) => e,
            Err(error) => {
                return Err(CircuitRefusal::Edit {
                    error,
                    draft: Box::new(current),
                }
                .into());
            }
        };
        circuit_draft::set_data(conn, draft.id, &edited.circuit)?;
        let subject = edited
            .after
            .as_ref()
            .or(edited.before.as_ref())
            .map(|e| edit::element_id(e).to_string())
            .unwrap_or_default();
        let mut entry = Entry::success(op.action(), "circuit_draft", Some(draft.id))
            .project(ctx.id())
            .details(serde_json::json!({
                "kind": kind.key,
                "element": subject,
                "references_updated": edited.references_updated,
            }));
        if let Some(b) = &edited.before {
            entry = entry.before(b.clone());
        }
        if let Some(a) = &edited.after {
            entry = entry.after(a.clone());
        }
        audit::record(conn, &actor.audit(), entry)?;
        Ok(RowChanged {
            kind,
            before: current,
            edited,
        })
    })
}
