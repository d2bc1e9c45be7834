//! Who may do what inside a project. The company permission says what kind of thing a user may
//! do at all (`projects:read`, `projects:write`, `simulations:run`); the project membership
//! (`owner`, `editor`, `viewer`) narrows it to the projects they belong to. `projects:read_all`
//! (reviewers, company admins) reads every project of the company and `projects:admin`
//! (company admins) acts as owner everywhere. Everything else is denied.
//!
//! A project the user may not read — another tenant's, or one of their own company they are not
//! a member of — is a 404, so an id never confirms that a project exists.

use crate::auth::permissions as perm;
use crate::db::write_tx;
use crate::models::audit::{self, Entry, Outcome};
use crate::models::project::{self, Project};
use crate::web::AppState;
use crate::web::errors::AppError;
use crate::web::extractors::CurrentUser;

/// What a request wants to do in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See the project, its circuit versions and simulations.
    Read,
    /// Edit the draft, save, import and restore versions.
    Edit,
    /// Run simulations.
    Run,
    /// Members, name, description, status, archive.
    Manage,
}

/// A project loaded for the signed-in user, with their role in it.
#[derive(Debug, Clone)]
pub struct ProjectCtx {
    pub project: Project,
    /// The user's membership role, if they are a member.
    pub member_role: Option<String>,
    /// Holds `projects:read_all`.
    read_all: bool,
    /// Holds `projects:admin`.
    admin: bool,
    can_write: bool,
    can_run: bool,
    can_read: bool,
}

impl ProjectCtx {
    /// Loads a project of the user's company that they may read, else `NotFound`.
    pub async fn load(
        state: &AppState,
        me: &CurrentUser,
        project_id: i64,
    ) -> Result<Self, AppError> {
        let (company_id, user_id) = (me.company_id(), me.user.id);
        let found = state
            .db(move |conn| {
                let Some(p) = project::find_in_company(conn, company_id, project_id)? else {
                    return Ok(None);
                };
                let role = project::member_role(conn, p.id, user_id)?;
                Ok(Some((p, role)))
            })
            .await?;
        let (project, member_role) = found.ok_or(AppError::NotFound)?;
        let ctx = Self::new(me, project, member_role);
        if ctx.can(Capability::Read) {
            Ok(ctx)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Builds the context from rows already loaded (for list pages and blocking code).
    pub fn new(me: &CurrentUser, project: Project, member_role: Option<String>) -> Self {
        ProjectCtx {
            project,
            member_role,
            read_all: me.can(perm::PROJECTS_READ_ALL),
            admin: me.can(perm::PROJECTS_ADMIN),
            can_write: me.can(perm::PROJECTS_WRITE),
            can_run: me.can(perm::SIMULATIONS_RUN),
            can_read: me.can(perm::PROJECTS_READ),
        }
    }

    pub fn id(&self) -> i64 {
        self.project.id
    }

    pub fn is_archived(&self) -> bool {
        self.project.status == "archived"
    }

    fn role_is(&self, roles: &[&str]) -> bool {
        self.member_role
            .as_deref()
            .is_some_and(|r| roles.contains(&r))
    }

    /// Whether the user may do `cap` here (an archived project is read-only except for
    /// managing it, which is how it is reactivated).
    pub fn can(&self, cap: Capability) -> bool {
        match cap {
            Capability::Read => self.can_read && (self.member_role.is_some() || self.read_all),
            Capability::Edit => {
                !self.is_archived()
                    && self.can_write
                    && (self.admin || self.role_is(&["owner", "editor"]))
            }
            Capability::Run => {
                !self.is_archived()
                    && self.can_run
                    && (self.admin || self.role_is(&["owner", "editor"]))
            }
            Capability::Manage => self.can_write && (self.admin || self.role_is(&["owner"])),
        }
    }

    /// Denies a change the user may not make here, recording the denial as a failed audit
    /// entry (`entry` names the change). An archived project gets its own message.
    pub async fn require_to_change(
        &self,
        state: &AppState,
        me: &CurrentUser,
        cap: Capability,
        entry: Entry,
    ) -> Result<(), AppError> {
        if self.can(cap) {
            return Ok(());
        }
        let archived = self.is_archived() && matches!(cap, Capability::Edit | Capability::Run);
        let mut entry = entry.project(self.id());
        entry.outcome = Outcome::Failure;
        entry.details = serde_json::json!({
            "denied": format!("{cap:?}").to_lowercase(),
            "member_role": self.member_role,
            "archived": self.is_archived(),
            "details": entry.details,
        });
        let actor = me.actor();
        state
            .db(move |conn| {
                write_tx(conn, |conn| audit::record(conn, &actor, entry))?;
                Ok(())
            })
            .await?;
        if archived {
            Err(AppError::Conflict(
                "This project is archived and read-only. An owner can reactivate it in its settings."
                    .into(),
            ))
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The capabilities as booleans for templates.
    pub fn flags(&self) -> ProjectFlags {
        ProjectFlags {
            edit: self.can(Capability::Edit),
            run: self.can(Capability::Run),
            manage: self.can(Capability::Manage),
        }
    }
}

/// What the page may offer (buttons and forms are only shown when allowed; the handlers check
/// again).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectFlags {
    pub edit: bool,
    pub run: bool,
    pub manage: bool,
}
