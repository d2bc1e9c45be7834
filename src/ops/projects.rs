//! Projects: create (with version 1 of the circuit: empty, a built-in example or an uploaded
//! document), update the settings (name, description, status), archive and reactivate.
//! Creating and reactivating count against the license's `max_projects`.

use crate::auth::permissions as perm;
use crate::db::{DbConn, write_tx};
use crate::examples;
use crate::models::audit::{self, Entry};
use crate::models::circuit_version::{self, CircuitVersion};
use crate::models::project::{self, Project};
use crate::sc;

use super::access::{Capability, ProjectCtx};
use super::actor::Actor;
use super::admin::license::{check_project_limit, refused_by_license};
use super::error::OpError;
use super::input::{FieldErrors, check_name_and_description};

/// Why a project refuses a change.
#[derive(Debug, thiserror::Error)]
pub enum ProjectRefusal {
    #[error("This project is archived and read-only. An owner can reactivate it in its settings.")]
    Archived,
    #[error("The project is already archived.")]
    AlreadyArchived,
    /// The circuit a new project should start with cannot be used: `field` is the input it
    /// came from, `problems` what the file's checks found (errors, or the import's notes).
    #[error("{message}")]
    UnusableCircuit {
        field: &'static str,
        message: String,
        problems: Vec<String>,
    },
}

// ---------------------------------------------------------------- create

/// A new project and how version 1 of its circuit starts.
pub struct CreateProject {
    pub name: String,
    pub description: String,
    /// `empty`, `example` (the one named by `example`) or `upload` (the `file`).
    pub start: String,
    pub example: String,
    pub file: CircuitFile,
}

impl CreateProject {
    /// How version 1 starts: the ticked choice, except that an example or a file chosen while
    /// "empty" (or nothing) stays ticked is what the form's user meant.
    pub fn chosen_start(&self) -> &str {
        match self.start.as_str() {
            "" | "empty" if !self.example.trim().is_empty() => "example",
            "" | "empty" if matches!(self.file, CircuitFile::File { .. }) => "upload",
            other => other,
        }
    }
}

/// The circuit document sent along (AmpFlux circuit or pandapower JSON).
pub enum CircuitFile {
    None,
    File {
        name: String,
        bytes: Vec<u8>,
    },
    /// The upload itself failed (too large, malformed): the message says why.
    Unreadable(String),
}

/// A created project, and what the import noted about an uploaded circuit.
pub struct Created {
    pub project: Project,
    pub notes: Vec<String>,
}

/// Creates a project with its creator as owner and version 1 of its circuit.
pub fn create(conn: &mut DbConn, actor: &Actor, input: CreateProject) -> Result<Created, OpError> {
    actor.require_to_change(
        conn,
        perm::PROJECTS_WRITE,
        Entry::success("project.create", "project", None),
    )?;
    let user_id = actor.user_id.ok_or(OpError::Forbidden {
        permission: perm::PROJECTS_WRITE,
    })?;
    let name = input.name.trim();
    let description = input.description.trim();
    let mut errors = FieldErrors::default();
    if let CircuitFile::Unreadable(message) = &input.file {
        errors.add("file", message.clone());
    }
    check_fields(name, description, &mut errors);
    if !errors.is_empty() {
        return Err(OpError::Invalid(errors));
    }
    let start = starting_circuit(&input)?;
    let (ops_actor, actor) = (actor, actor.audit());
    let created = write_tx(conn, |conn| {
        check_project_limit(conn, actor.company_id)?;
        let project = project::create(conn, actor.company_id, user_id, name, description)?;
        let version = circuit_version::insert_next_in_tx(
            conn,
            project.id,
            &start.circuit,
            "Initial circuit",
            user_id,
        )?;
        audit::record(
            conn,
            &actor,
            Entry::success("project.create", "project", Some(project.id))
                .project(project.id)
                .after(project.audit_snapshot())
                .details(start.details),
        )?;
        audit::record(
            conn,
            &actor,
            Entry::success("circuit.save", "circuit_version", Some(version.id))
                .project(project.id)
                .after(version_snapshot(&version))
                .details(serde_json::json!({ "message": version.message })),
        )?;
        Ok::<_, OpError>(project)
    });
    let project = refused_by_license(conn, ops_actor, created, || {
        Entry::success("project.create", "project", None)
    })?;
    Ok(Created {
        project,
        notes: start.notes,
    })
}

/// What a project's name and description must be.
fn check_fields(name: &str, description: &str, errors: &mut FieldErrors) {
    check_name_and_description(name, description, (200, 5000), errors);
}

/// Version 1 as stored, the audit entry's details and the import's notes.
struct Start {
    circuit: serde_json::Value,
    details: serde_json::Value,
    notes: Vec<String>,
}

fn unusable(field: &'static str, message: impl Into<String>, problems: Vec<String>) -> OpError {
    ProjectRefusal::UnusableCircuit {
        field,
        message: message.into(),
        problems,
    }
    .into()
}

/// The first circuit of a new project, as the input asks for it.
fn starting_circuit(input: &CreateProject) -> Result<Start, OpError> {
    let mut notes = Vec::new();
    let start = input.chosen_start();
    let circuit = match start {
        "empty" => sc::Circuit::new(input.name.trim().to_string()),
        "example" => match examples::find(input.example.trim()) {
            Some(example) => example.circuit(),
            None => return Err(unusable("example", "Choose one of the examples.", notes)),
        },
        "upload" => {
            let CircuitFile::File { bytes, .. } = &input.file else {
                let message = "Choose a circuit or pandapower JSON file.";
                return Err(unusable("file", message, notes));
            };
            let Ok(text) = std::str::from_utf8(bytes) else {
                let message = "The file is not a text (JSON) file.";
                return Err(unusable("file", message, notes));
            };
            let parsed = sc::parse_input(text).map_err(|e| {
                let message = format!("The file cannot be read as a circuit: {e}");
                unusable("file", message, Vec::new())
            })?;
            let found = sc::validate::validate(&parsed.circuit);
            if sc::validate::has_errors(&found) {
                let problems = found
                    .iter()
                    .filter(|p| p.severity == sc::validate::Severity::Error)
                    .take(50)
                    .map(|p| format!("{}: {}", p.path, p.message))
                    .collect();
                let message = "The circuit in the file has errors (listed below); fix them and upload it again.";
                return Err(unusable("file", message, problems));
            }
            notes.extend(parsed.warnings.iter().cloned());
            parsed.circuit
        }
        _ => return Err(unusable("start", "Choose how the circuit starts.", notes)),
    };
    let value = serde_json::to_value(&circuit).map_err(|e| {
        let message = format!("The circuit cannot be stored: {e}");
        unusable("", message, notes.clone())
    })?;
    if let Some(at) = crate::circuit_edit::edit::nul_location(&value) {
        let message =
            format!("{at} holds a NUL character (U+0000), which cannot be stored; remove it.");
        return Err(unusable("file", message, notes));
    }
    let file_name = match &input.file {
        CircuitFile::File { name, .. } if start == "upload" => Some(name.clone()),
        _ => None,
    };
    let details = serde_json::json!({
        "start": start,
        "example": (start == "example").then(|| input.example.trim().to_string()),
        "file": file_name,
        "buses": circuit.buses.len(),
    });
    Ok(Start {
        circuit: value,
        details,
        notes,
    })
}

/// What the audit trail keeps of a project's first version.
fn version_snapshot(v: &CircuitVersion) -> serde_json::Value {
    serde_json::json!({
        "version_number": v.version_number,
        "content_hash": v.content_hash,
        "buses": v.data_json.0.get("buses").and_then(|b| b.as_array()).map_or(0, Vec::len),
    })
}

// ---------------------------------------------------------------- settings

/// Name, description and status as the settings form edits them.
pub struct ProjectSettings {
    pub name: String,
    pub description: String,
    pub status: String,
}

/// The saved project, and whether the save archived it (audited as `project.archive`).
pub struct SettingsSaved {
    pub project: Project,
    pub archived: bool,
}

/// Saves name, description and status. Setting the status `archived` archives the project;
/// any other status of an archived project reactivates it.
pub fn update_settings(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: ProjectSettings,
) -> Result<SettingsSaved, OpError> {
    let archives = input.status == "archived" && !ctx.is_archived();
    let action = if archives {
        "project.archive"
    } else {
        "project.update"
    };
    ctx.require(
        conn,
        actor,
        Capability::Manage,
        Entry::success(action, "project", Some(ctx.id())),
    )?;
    let (name, description) = (input.name.trim(), input.description.trim());
    let mut errors = FieldErrors::default();
    check_fields(name, description, &mut errors);
    if !project::STATUSES.contains(&input.status.as_str()) {
        errors.add("status", "Choose one of the statuses.");
    }
    if !errors.is_empty() {
        return Err(OpError::Invalid(errors));
    }
    let project = save(conn, actor, ctx, action, name, description, &input.status)?;
    Ok(SettingsSaved {
        project,
        archived: archives,
    })
}

/// Gives an archived project another status (`status`), which makes it editable again.
pub fn reactivate(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    status: String,
) -> Result<Project, OpError> {
    let input = ProjectSettings {
        name: ctx.project.name.clone(),
        description: ctx.project.description.clone(),
        status,
    };
    Ok(update_settings(conn, actor, ctx, input)?.project)
}

/// Archives the project: it stays readable, and nobody edits its circuit or runs simulations
/// until an owner reactivates it.
pub fn archive(conn: &mut DbConn, actor: &Actor, ctx: &ProjectCtx) -> Result<Project, OpError> {
    ctx.require(
        conn,
        actor,
        Capability::Manage,
        Entry::success("project.archive", "project", Some(ctx.id())),
    )?;
    if ctx.is_archived() {
        return Err(ProjectRefusal::AlreadyArchived.into());
    }
    let p = &ctx.project;
    save(
        conn,
        actor,
        ctx,
        "project.archive",
        &p.name,
        &p.description,
        "archived",
    )
}

/// Writes name, description and status with the audit entry (`action`) in one transaction.
fn save(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    action: &'static str,
    name: &str,
    description: &str,
    status: &str,
) -> Result<Project, OpError> {
    let (pid, before) = (ctx.id(), ctx.project.audit_snapshot());
    let reactivates = ctx.is_archived() && status != "archived";
    let saved = write_tx(conn, |conn| {
        if reactivates {
            check_project_limit(conn, actor.company_id)?;
        }
        let updated = project::update(conn, pid, name, description, status)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success(action, "project", Some(pid))
                .project(pid)
                .before(before)
                .after(updated.audit_snapshot()),
        )?;
        Ok::<_, OpError>(updated)
    });
    refused_by_license(conn, actor, saved, || {
        Entry::success(action, "project", Some(pid)).project(pid)
    })
}
