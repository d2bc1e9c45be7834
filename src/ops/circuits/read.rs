//! What the editor pages read: the actor's draft (opened on first visit) beside the versions.

use serde_json::Value;

use crate::auth::permissions;
use crate::db::DbConn;
use crate::models::circuit_draft::{self, CircuitDraft};
use crate::models::circuit_version::{self, CircuitVersion};
use crate::ops::access::{Capability, ProjectCtx};
use crate::ops::projects::ProjectRefusal;
use crate::ops::{Actor, OpError};

/// The editor page's data: the draft (for those who may edit) and the versions it stands
/// against.
pub struct EditorState {
    pub draft: Option<CircuitDraft>,
    pub latest: Option<CircuitVersion>,
    pub latest_author: String,
    /// The draft's base version, its number and circuit.
    pub base_number: Option<i32>,
    pub base_data: Option<Value>,
}

/// The editor page's data; the draft is opened (created) only for an actor who may edit (not
/// while the company is read-only: then the latest version is shown, as to a viewer).
pub fn editor_state(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
) -> Result<EditorState, OpError> {
    let draft = if ctx.offers(Capability::Edit) {
        Some(super::open(conn, actor, ctx)?)
    } else {
        None
    };
    let pid = ctx.id();
    let base_id = draft.as_ref().and_then(|d| d.base_version_id);
    let latest = circuit_version::latest(conn, pid)?;
    let latest_author = match &latest {
        Some(v) => circuit_version::author_name(conn, v)?,
        None => String::new(),
    };
    // The draft's base is usually the latest version: no second read of its circuit.
    let (base_number, base_data) = match (base_id, &latest) {
        (Some(id), Some(l)) if l.id == id => (Some(l.version_number), Some(l.data_json.0.clone())),
        (Some(id), _) => match circuit_version::find_in_project(conn, pid, id)? {
            Some(b) => (Some(b.version_number), Some(b.data_json.0)),
            None => (None, None),
        },
        (None, _) => (None, None),
    };
    Ok(EditorState {
        draft,
        latest,
        latest_author,
        base_number,
        base_data,
    })
}

/// The circuit the editor shows: the actor's draft when they may edit, else the latest version
/// (`None` without any).
pub fn shown_circuit(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
) -> Result<Option<Value>, OpError> {
    if ctx.offers(Capability::Edit) {
        return Ok(Some(super::open(conn, actor, ctx)?.data_json.0));
    }
    Ok(circuit_version::latest(conn, ctx.id())?.map(|v| v.data_json.0))
}

/// The actor's draft, for pages that only exist for those who may edit (an edit row, the
/// draft's download): refused without recording, as a read. While the company is read-only
/// a draft that exists is still shown, but none is created.
pub fn draft(conn: &mut DbConn, actor: &Actor, ctx: &ProjectCtx) -> Result<CircuitDraft, OpError> {
    if !ctx.can(Capability::Edit) {
        return Err(if ctx.is_archived() {
            ProjectRefusal::Archived.into()
        } else {
            OpError::Forbidden {
                permission: permissions::PROJECTS_WRITE,
            }
        });
    }
    if let Some(reason) = &actor.read_only {
        return circuit_draft::find(conn, ctx.id(), super::draft_owner(actor)?)?.ok_or_else(|| {
            OpError::ReadOnly {
                reason: reason.clone(),
            }
        });
    }
    super::open(conn, actor, ctx)
}
