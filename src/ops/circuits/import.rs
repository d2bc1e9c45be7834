//! Import a circuit or pandapower file into the actor's draft (replacing its content).

use serde_json::Value;

use crate::circuit_edit::edit;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft;
use crate::ops::access::ProjectCtx;
use crate::ops::{Actor, OpError};
use crate::sc::InputFormat;

use super::CircuitRefusal;

/// Largest circuit file accepted by the import.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// What the caller received to import.
pub enum ImportSource {
    /// A file (or pasted text) and its name.
    Document { name: String, bytes: Vec<u8> },
    /// Nothing was chosen or pasted.
    Missing,
    /// The upload could not be read; the message says why.
    Unreadable(String),
}

/// Why a document is not a circuit the draft can hold.
#[derive(Debug, thiserror::Error)]
pub enum ImportProblem {
    #[error("The file is not UTF-8 text (a JSON file was expected).")]
    NotUtf8,
    #[error(transparent)]
    Input(#[from] crate::sc::InputError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A value JSON cannot hold (NaN from a conversion) would leave a draft that no longer
    /// parses.
    #[error("it holds a value that is not a finite number.")]
    NotFinite,
    #[error("{at} holds a NUL character (U+0000), which cannot be stored; remove it.")]
    Nul { at: String },
}

/// An import that was made.
pub struct Imported {
    /// The file's name as recorded (control characters removed, at most 200 characters).
    pub file_name: String,
    pub format: InputFormat,
    pub warnings: Vec<String>,
    /// The draft's new circuit.
    pub circuit: Value,
}

/// The document as a circuit: its format, the conversion's warnings and the circuit.
fn parse(bytes: Vec<u8>) -> Result<(InputFormat, Vec<String>, Value), ImportProblem> {
    let text = String::from_utf8(bytes).map_err(|_| ImportProblem::NotUtf8)?;
    let parsed = crate::sc::parse_input(&text)?;
    let value = serde_json::to_value(&parsed.circuit)?;
    if serde_json::from_value::<crate::sc::Circuit>(value.clone()).is_err() {
        return Err(ImportProblem::NotFinite);
    }
    if let Some(at) = edit::nul_location(&value) {
        return Err(ImportProblem::Nul { at });
    }
    Ok((parsed.format, parsed.warnings, value))
}

/// Replaces the draft's circuit with the imported document.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    source: ImportSource,
) -> Result<Imported, OpError> {
    super::require_edit(
        conn,
        actor,
        ctx,
        "circuit.import",
        "circuit_draft",
        Value::Null,
    )?;
    let (name, bytes) = match source {
        ImportSource::Document { name, bytes } => (name, bytes),
        ImportSource::Missing => return Err(CircuitRefusal::NothingToImport.into()),
        ImportSource::Unreadable(message) => return Err(CircuitRefusal::Upload(message).into()),
    };
    let size = bytes.len();
    let file_name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let (format, warnings, circuit) = match parse(bytes) {
        Ok(p) => p,
        Err(problem) => return Err(CircuitRefusal::NotImported { file_name, problem }.into()),
    };
    let details = serde_json::json!({
        "format": match format {
            InputFormat::Circuit => "circuit",
            InputFormat::Pandapower => "pandapower",
        },
        "file_name": file_name,
        "bytes": size,
        "warnings": warnings,
        "elements": edit::counts_json(&circuit),
    });
    super::open(conn, actor, ctx)?;
    write_tx(conn, |conn| {
        let draft = super::locked(conn, actor, ctx)?;
        circuit_draft::set_data(conn, draft.id, &circuit)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("circuit.import", "circuit_draft", Some(draft.id))
                .project(ctx.id())
                .before(super::snapshot(&draft.data_json.0))
                .after(super::snapshot(&circuit))
                .details(details),
        )?;
        Ok::<_, OpError>(())
    })?;
    Ok(Imported {
        file_name,
        format,
        warnings,
        circuit,
    })
}
