//! Teams (`users:manage`): create, rename and delete them, add and remove members, give a
//! project to a team with a project role and take it back. Members of a team have the role it
//! was given on the project (see `project::access_role`). Another company's team is not found;
//! another company's user or project is refused as a field error that does not say whether it
//! exists. Every change is audited with before and after, and refused while the company is
//! read-only.

use crate::auth::permissions as perm;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::team::{self, GRANT_ROLES, Grant, Team, TeamMember};
use crate::models::{project, user};
use crate::ops::input::{FieldErrors, check_name_and_description};
use crate::ops::{Actor, OpError};

/// The audit actions of team changes (entity `team`, its id).
pub const CREATE: &str = "team.create";
pub const UPDATE: &str = "team.update";
pub const DELETE: &str = "team.delete";
pub const MEMBER_ADD: &str = "team.member_add";
pub const MEMBER_REMOVE: &str = "team.member_remove";
pub const PROJECT_GRANT: &str = "team.project_grant";
pub const PROJECT_REVOKE: &str = "team.project_revoke";

const NAME_TAKEN: &str = "Your company already has a team with this name.";

/// A team's name and description as typed.
#[derive(Debug, Clone, Default)]
pub struct TeamInput {
    pub name: String,
    pub description: String,
}

/// A project to give to a team (`None` when the form's choice is not a project id) and the role.
#[derive(Debug, Clone, Default)]
pub struct GrantInput {
    pub project_id: Option<i64>,
    pub role: String,
}

// ---------------------------------------------------------------- reads

/// The company's teams with their member and project counts.
pub fn list(conn: &mut DbConn, actor: &Actor) -> Result<Vec<team::Listed>, OpError> {
    actor.require(perm::USERS_MANAGE)?;
    Ok(team::list(conn, actor.company_id)?)
}

/// One team as its page shows it, with what could be added.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub team: Team,
    pub members: Vec<TeamMember>,
    pub grants: Vec<Grant>,
    /// Active users of the company not in the team: id, name, username.
    pub user_candidates: Vec<(i64, String, String)>,
    /// Projects of the company not given to the team: id, name, status.
    pub project_candidates: Vec<(i64, String, String)>,
}

pub fn show(conn: &mut DbConn, actor: &Actor, team_id: i64) -> Result<TeamView, OpError> {
    actor.require(perm::USERS_MANAGE)?;
    let team = team::find_in_company(conn, actor.company_id, team_id)?.ok_or(OpError::NotFound)?;
    let grants = team::grants(conn, team.id)?;
    let mut project_candidates = team::company_projects(conn, actor.company_id)?;
    project_candidates.retain(|(id, _, _)| !grants.iter().any(|g| g.project_id == *id));
    Ok(TeamView {
        members: team::members(conn, team.id)?,
        grants,
        user_candidates: team::user_candidates(conn, actor.company_id, team.id)?,
        project_candidates,
        team,
    })
}

// ---------------------------------------------------------------- the team itself

/// Creates a team (its name unique in the company, regardless of case).
pub fn create(conn: &mut DbConn, actor: &Actor, input: TeamInput) -> Result<Team, OpError> {
    actor.require_to_change(
        conn,
        perm::USERS_MANAGE,
        Entry::success(CREATE, "team", None),
    )?;
    let input = checked(input)?;
    let who = actor.audit();
    write_tx(conn, |conn| {
        if team::name_taken(conn, actor.company_id, &input.name, None)? {
            return Err(OpError::field("name", NAME_TAKEN));
        }
        let team = team::insert(conn, actor.company_id, &input.name, &input.description)?;
        audit::record(
            conn,
            &who,
            Entry::success(CREATE, "team", Some(team.id)).after(team.audit_snapshot()),
        )?;
        Ok(team)
    })
    .map_err(name_race)
}

/// Renames a team or changes its description.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    input: TeamInput,
) -> Result<Team, OpError> {
    change_team(conn, actor, team_id, UPDATE, |conn, before, entry| {
        let input = checked(input)?;
        if team::name_taken(conn, actor.company_id, &input.name, Some(team_id))? {
            return Err(OpError::field("name", NAME_TAKEN));
        }
        let after = team::update(conn, team_id, &input.name, &input.description)?;
        let entry = entry
            .before(before.audit_snapshot())
            .after(after.audit_snapshot());
        Ok((after, Some(entry)))
    })
    .map_err(name_race)
}

/// Deletes a team; its memberships and project grants go with it (the audit entry lists them).
pub fn delete(conn: &mut DbConn, actor: &Actor, team_id: i64) -> Result<Team, OpError> {
    change_team(conn, actor, team_id, DELETE, |conn, team, entry| {
        let mut before = team.audit_snapshot();
        before["members"] = team::members(conn, team_id)?
            .iter()
            .map(TeamMember::audit_snapshot)
            .collect();
        before["projects"] = team::grants(conn, team_id)?
            .iter()
            .map(Grant::audit_snapshot)
            .collect();
        team::delete(conn, team_id)?;
        Ok((team.clone(), Some(entry.before(before))))
    })
}

/// The name and description trimmed and checked.
fn checked(input: TeamInput) -> Result<TeamInput, OpError> {
    let name = input.name.trim().to_string();
    let description = input.description.trim().to_string();
    let mut errors = FieldErrors::default();
    check_name_and_description(&name, &description, (100, 1000), &mut errors);
    if errors.is_empty() {
        Ok(TeamInput { name, description })
    } else {
        Err(OpError::Invalid(errors))
    }
}

/// A name taken by a request that committed between our check and our insert is the same
/// refusal as one taken before.
fn name_race(e: OpError) -> OpError {
    if e.is_unique_violation() {
        OpError::field("name", NAME_TAKEN)
    } else {
        e
    }
}

/// Runs a change of one of the company's teams: checks the permission and the license, then
/// in one write transaction locks the team (another company's or a deleted team is not found)
/// and lets `f` check the input, make the change and fill in the audit entry (`action` on the
/// team, which names it in its details), recorded with it; `None` when nothing changed.
fn change_team<T>(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    action: &'static str,
    f: impl FnOnce(&mut DbConn, &Team, Entry) -> Result<(T, Option<Entry>), OpError>,
) -> Result<T, OpError> {
    let entry = Entry::success(action, "team", Some(team_id));
    actor.require_to_change(conn, perm::USERS_MANAGE, entry.clone())?;
    let who = actor.audit();
    write_tx(conn, |conn| {
        team::lock(conn, team_id)?;
        let team =
            team::find_in_company(conn, actor.company_id, team_id)?.ok_or(OpError::NotFound)?;
        let entry = entry.details(serde_json::json!({ "team": team.name }));
        let (out, entry) = f(conn, &team, entry)?;
        if let Some(entry) = entry {
            audit::record(conn, &who, entry)?;
        }
        Ok(out)
    })
}

// ---------------------------------------------------------------- members

/// Adds an active user of the company to the team.
pub fn add_member(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    user_id: Option<i64>,
) -> Result<TeamMember, OpError> {
    change_team(conn, actor, team_id, MEMBER_ADD, |conn, _, entry| {
        // One message whether the user is missing, deactivated, deleted or another company's,
        // so an id never confirms that another tenant's user exists.
        let unavailable = || OpError::field("user_id", "Choose an active user of your company.");
        let user = match user_id {
            Some(id) => user::find_in_company(conn, actor.company_id, id)?,
            None => None,
        };
        let user = user.filter(|u| u.is_active).ok_or_else(unavailable)?;
        // Platform admins are not a company's to manage (their own organisation included).
        if crate::models::people::is_platform_admin(conn, user.id)? {
            return Err(unavailable());
        }
        if team::find_member(conn, team_id, user.id)?.is_some() {
            return Err(OpError::field(
                "user_id",
                format!("{} is already in this team.", user.name),
            ));
        }
        team::insert_member(conn, team_id, user.id, actor.user_id)?;
        let added = team::find_member(conn, team_id, user.id)?.ok_or(OpError::NotFound)?;
        let entry = entry.after(added.audit_snapshot());
        Ok((added, Some(entry)))
    })
}

/// Takes a member out of the team (a user who is not in it is not found).
pub fn remove_member(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    user_id: i64,
) -> Result<TeamMember, OpError> {
    change_team(conn, actor, team_id, MEMBER_REMOVE, |conn, _, entry| {
        let member = team::find_member(conn, team_id, user_id)?.ok_or(OpError::NotFound)?;
        team::delete_member(conn, team_id, user_id)?;
        let entry = entry.before(member.audit_snapshot());
        Ok((member, Some(entry)))
    })
}

// ---------------------------------------------------------------- projects

/// Gives a project of the company to the team with `editor` or `viewer`, or changes the role
/// it was given with (the same role again changes nothing and records nothing).
pub fn grant_project(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    input: GrantInput,
) -> Result<Grant, OpError> {
    change_team(conn, actor, team_id, PROJECT_GRANT, |conn, _, entry| {
        let project = match input.project_id {
            Some(id) => project::find_in_company(conn, actor.company_id, id)?,
            None => None,
        };
        let mut errors = FieldErrors::default();
        match (&project, input.project_id) {
            (Some(_), _) => {}
            (None, Some(_)) => errors.add("project_id", "Choose a project of your company."),
            (None, None) => errors.add("project_id", "Choose a project."),
        }
        if !GRANT_ROLES.contains(&input.role.as_str()) {
            errors.add("role", "Choose editor or viewer.");
        }
        let (Some(project), true) = (project, errors.is_empty()) else {
            return Err(OpError::Invalid(errors));
        };
        let before = team::find_grant(conn, team_id, project.id)?;
        if let Some(same) = before.as_ref().filter(|b| b.role == input.role) {
            return Ok((same.clone(), None));
        }
        team::set_grant(conn, team_id, project.id, &input.role)?;
        let after = team::find_grant(conn, team_id, project.id)?.ok_or(OpError::NotFound)?;
        let mut entry = entry.project(project.id).after(after.audit_snapshot());
        if let Some(b) = &before {
            entry = entry.before(b.audit_snapshot());
        }
        Ok((after, Some(entry)))
    })
}

/// Takes a project back from the team (one it was not given is not found).
pub fn revoke_project(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    project_id: i64,
) -> Result<Grant, OpError> {
    change_team(conn, actor, team_id, PROJECT_REVOKE, |conn, _, entry| {
        let grant = team::find_grant(conn, team_id, project_id)?.ok_or(OpError::NotFound)?;
        team::delete_grant(conn, team_id, project_id)?;
        let entry = entry.project(project_id).before(grant.audit_snapshot());
        Ok((grant, Some(entry)))
    })
}
