//! Who may do what inside a project. The company permission says what kind of thing a user may
//! do at all (`projects:read`, `projects:write`, `simulations:run`); the project membership
//! (`owner`, `editor`, `viewer`) narrows it to the projects they belong to, directly or through
//! a team the project was given to (`editor` or `viewer`; the higher role wins). `projects:read_all`
//! (reviewers, company admins) reads every project of the company and `projects:admin`
//! (company admins) acts as owner everywhere. Everything else is denied.
//!
//! A project the user may not read — another tenant's, or one of their own company they are not
//! a member of — is not found, so an id never confirms that a project exists. A `ProjectCtx` is
//! the proof that the actor may read the project: operations inside a project take one and check
//! the capability they need with `require`.

use crate::auth::permissions as perm;
use crate::db::DbConn;
use crate::models::audit::{Entry, Outcome};
use crate::models::project::{self, AccessRole, Project};

use super::actor::Actor;
use super::error::OpError;
use super::projects::ProjectRefusal;

/// What an action wants to do in a project.
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

impl Capability {
    /// The company permission this capability also needs (named in a refusal).
    fn permission(self) -> &'static str {
        match self {
            Capability::Read => perm::PROJECTS_READ,
            Capability::Edit | Capability::Manage => perm::PROJECTS_WRITE,
            Capability::Run => perm::SIMULATIONS_RUN,
        }
    }
}

/// A project loaded for an actor who may read it, with their role in it.
#[derive(Debug, Clone)]
pub struct ProjectCtx {
    pub project: Project,
    /// The actor's role here, if they are a member or in a team the project was given to.
    pub member_role: Option<String>,
    /// The role comes through a team (it is higher than any direct membership).
    pub through_team: bool,
    /// Holds `projects:read_all`.
    read_all: bool,
    /// Holds `projects:admin`.
    admin: bool,
    can_write: bool,
    can_run: bool,
    can_read: bool,
    /// The company's license allows no changes (see `Actor::read_only`).
    read_only: bool,
}

impl ProjectCtx {
    /// Loads a project of the actor's company that they may read, else `NotFound`.
    pub fn load(conn: &mut DbConn, actor: &Actor, project_id: i64) -> Result<Self, OpError> {
        let project = project::find_in_company(conn, actor.company_id, project_id)?
            .ok_or(OpError::NotFound)?;
        let role = match actor.user_id {
            Some(user_id) => project::access_role(conn, project.id, user_id)?,
            None => None,
        };
        let ctx = Self::new(actor, project, role);
        if ctx.can(Capability::Read) {
            Ok(ctx)
        } else {
            Err(OpError::NotFound)
        }
    }

    /// Builds the context from rows already loaded (`project::access_role`).
    pub fn new(actor: &Actor, project: Project, role: Option<AccessRole>) -> Self {
        let through_team = role.as_ref().is_some_and(|r| r.through_team);
        ProjectCtx {
            project,
            member_role: role.map(|r| r.role),
            through_team,
            read_all: actor.can(perm::PROJECTS_READ_ALL),
            admin: actor.can(perm::PROJECTS_ADMIN),
            can_write: actor.can(perm::PROJECTS_WRITE),
            can_run: actor.can(perm::SIMULATIONS_RUN),
            can_read: actor.can(perm::PROJECTS_READ),
            read_only: actor.read_only.is_some(),
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

    /// Whether the actor may do `cap` here (an archived project is read-only except for
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

    /// Whether a page should offer `cap` (its buttons and forms, a draft to edit): the actor may
    /// do it and the company is not read-only. Operations check with `require`.
    pub fn offers(&self, cap: Capability) -> bool {
        self.can(cap) && (cap == Capability::Read || !self.read_only)
    }

    /// Denies a change the actor may not make here, recording the denial as a failed audit
    /// entry (`entry` names the change). An archived project is its own refusal.
    pub fn require(
        &self,
        conn: &mut DbConn,
        actor: &Actor,
        cap: Capability,
        entry: Entry,
    ) -> Result<(), OpError> {
        if self.can(cap) {
            return actor.require_writable(conn, entry.project(self.id()));
        }
        let archived = self.is_archived() && matches!(cap, Capability::Edit | Capability::Run);
        let mut entry = entry.project(self.id());
        entry.outcome = Outcome::Failure;
        entry.details = serde_json::json!({
            "denied": format!("{cap:?}").to_lowercase(),
            "member_role": self.member_role,
            "through_team": self.through_team,
            "archived": self.is_archived(),
            "details": entry.details,
        });
        actor.record_denial(conn, entry)?;
        if archived {
            Err(ProjectRefusal::Archived.into())
        } else {
            Err(OpError::Forbidden {
                permission: cap.permission(),
            })
        }
    }

    /// The capabilities as booleans for pages.
    pub fn flags(&self) -> ProjectFlags {
        ProjectFlags {
            edit: self.offers(Capability::Edit),
            run: self.offers(Capability::Run),
            manage: self.offers(Capability::Manage),
        }
    }
}

/// What a page may offer (buttons and forms are only shown when allowed; operations check
/// again).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectFlags {
    pub edit: bool,
    pub run: bool,
    pub manage: bool,
}
