//! The circuit draft: each user's working copy of a project's circuit, edited row by row,
//! saved as the next numbered version, reset to the latest version, or replaced by an imported
//! circuit or pandapower file. One file per action; `read` holds what the editor pages load.
//!
//! Decisions:
//! - A version is only saved when the validator finds no error (warnings are fine): a saved
//!   version is what simulations run on, so it must be computable. The draft may hold errors
//!   while it is being edited.
//! - Edits to the draft are audited too (`circuit.draft.*`, before and after of the element).
//! - If a version was saved since the draft's base, saving needs an explicit confirmation
//!   naming the newest version seen; a save that races another is told so the same way, never
//!   given the same number.

mod discard;
mod import;
mod read;
mod rows;
mod save;
mod settings;

pub use discard::discard;
pub use import::{ImportSource, Imported, MAX_IMPORT_BYTES, import};
pub use read::{EditorState, draft, editor_state, shown_circuit};
pub use rows::{AddRow, DeleteRow, RowChanged, RowOp, UpdateRow, add_row, delete_row, update_row};
pub use save::{MAX_MESSAGE, SaveDraft, save};
pub use settings::{CircuitSettings, update_settings};

use serde_json::Value;

use crate::circuit_edit::edit::{self, EditError};
use crate::circuit_edit::problems::{self, ProblemIndex};
use crate::db::DbConn;
use crate::models::audit::Entry;
use crate::models::circuit_draft::{self, CircuitDraft};
use crate::models::circuit_version;
use crate::sc::validate::{Problem, Severity};

use super::access::{Capability, ProjectCtx};
use super::actor::Actor;
use super::error::OpError;

/// Why a draft change is refused.
#[derive(Debug, thiserror::Error)]
pub enum CircuitRefusal {
    /// A row edit the editor refused (field messages, or a row that is gone), with the draft as
    /// it stands, to show the form again.
    #[error("{}", edit_message(.error))]
    Edit { error: EditError, draft: Box<Value> },
    /// A version newer than the draft's base exists and was not confirmed.
    #[error(
        "Version {latest} was saved since your draft started. Review the differences, then \
         save again to confirm that your draft becomes the next version."
    )]
    StaleBase { latest: i32 },
    #[error(
        "Not saved: the circuit has {errors} error{} (listed above and beside the rows). A \
         saved version must be computable; warnings are fine.",
        plural(.errors)
    )]
    HasErrors { errors: usize },
    #[error("Nothing to save: your draft is the same as version {latest}.")]
    Unchanged { latest: i32 },
    #[error("Choose a circuit file (or paste its text) to import.")]
    NothingToImport,
    /// The upload itself could not be read (too large, not a form upload ...).
    #[error("{0}")]
    Upload(String),
    #[error("{file_name} was not imported: {problem}")]
    NotImported {
        file_name: String,
        #[source]
        problem: import::ImportProblem,
    },
}

fn plural(n: &usize) -> &'static str {
    if *n == 1 { "" } else { "s" }
}

/// What a refused row edit tells the user above the form.
pub fn edit_message(error: &EditError) -> String {
    match error {
        EditError::Fields(f) => format!(
            "Nothing was changed: correct the field{} marked below.",
            plural(&f.len())
        ),
        EditError::Row(m) => m.clone(),
    }
}

/// The circuit's problems by row; a document that does not parse is one general error.
pub fn check(circuit: &Value) -> ProblemIndex {
    problems::check(circuit).unwrap_or_else(|message| {
        let mut idx = ProblemIndex::default();
        idx.general.push(Problem {
            severity: Severity::Error,
            path: String::new(),
            message: format!("The circuit does not parse: {message}"),
        });
        idx.errors = 1;
        idx
    })
}

/// An empty circuit named after the project (a project without any version).
fn empty_circuit(name: &str) -> Value {
    serde_json::to_value(crate::sc::Circuit::new(name)).unwrap_or_default()
}

/// Content hash and element counts, what audit entries record of a circuit.
fn snapshot(circuit: &Value) -> Value {
    serde_json::json!({
        "content_hash": circuit_version::content_hash(circuit),
        "elements": edit::counts_json(circuit),
    })
}

/// The user whose draft the actor works on (a shell command has none).
fn draft_owner(actor: &Actor) -> Result<i64, OpError> {
    actor.user_id.ok_or(OpError::NotFound)
}

/// Denies a draft change the actor may not make here (recorded as `action` on `entity`).
fn require_edit(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    action: &'static str,
    entity: &'static str,
    details: Value,
) -> Result<(), OpError> {
    ctx.require(
        conn,
        actor,
        Capability::Edit,
        Entry::success(action, entity, None).details(details),
    )
}

/// The actor's draft, created from the latest version on first open.
fn open(conn: &mut DbConn, actor: &Actor, ctx: &ProjectCtx) -> Result<CircuitDraft, OpError> {
    let user_id = draft_owner(actor)?;
    let name = &ctx.project.name;
    Ok(circuit_draft::open(conn, ctx.id(), user_id, || {
        empty_circuit(name)
    })?)
}

/// The actor's draft, locked until the end of the caller's transaction.
fn locked(conn: &mut DbConn, actor: &Actor, ctx: &ProjectCtx) -> Result<CircuitDraft, OpError> {
    circuit_draft::find_for_update(conn, ctx.id(), draft_owner(actor)?)?.ok_or(OpError::NotFound)
}
