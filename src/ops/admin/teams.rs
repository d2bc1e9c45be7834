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
use crate::ops::input::{FieldErrors, has_control};
use crate::ops::{Actor, OpError};

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
    Ok(TeamView {
        members: team::members(conn, team.id)?,
        grants: team::grants(conn, team.id)?,
        user_candidates: team::user_candidates(conn, actor.company_id, team.id)?,
        project_candidates: team::project_candidates(conn, actor.company_id, team.id)?,
        team,
    })
}

// ---------------------------------------------------------------- the team itself

/// Creates a team (its name unique in the company, regardless of case).
pub fn create(conn: &mut DbConn, actor: &Actor, input: TeamInput) -> Result<Team, OpError> {
    actor.require_to_change(
        conn,
        perm::USERS_MANAGE,
        Entry::success("team.create", "team", None),
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
            Entry::success("team.create", "team", Some(team.id)).after(team.audit_snapshot()),
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
    let entry = Entry::success("team.update", "team", Some(team_id));
    actor.require_to_change(conn, perm::USERS_MANAGE, entry.clone())?;
    let input = checked(input)?;
    let who = actor.audit();
    write_tx(conn, |conn| {
        let before = locked_team(conn, actor, team_id)?;
        if team::name_taken(conn, actor.company_id, &input.name, Some(team_id))? {
            return Err(OpError::field("name", NAME_TAKEN));
        }
        let after = team::update(conn, team_id, &input.name, &input.description)?;
        audit::record(
            conn,
            &who,
            entry
                .before(before.audit_snapshot())
                .after(after.audit_snapshot()),
        )?;
        Ok(after)
    })
    .map_err(name_race)
}

/// Deletes a team; its memberships and project grants go with it (the audit entry lists them).
pub fn delete(conn: &mut DbConn, actor: &Actor, team_id: i64) -> Result<Team, OpError> {
    let entry = Entry::success("team.delete", "team", Some(team_id));
    actor.require_to_change(conn, perm::USERS_MANAGE, entry.clone())?;
    let who = actor.audit();
    write_tx(conn, |conn| {
        let team = locked_team(conn, actor, team_id)?;
        let members = team::members(conn, team_id)?;
        let grants = team::grants(conn, team_id)?;
        team::delete(conn, team_id)?;
        let mut before = team.audit_snapshot();
        before["members"] = members.iter().map(TeamMember::audit_snapshot).collect();
        before["projects"] = grants.iter().map(Grant::audit_snapshot).collect();
        audit::record(conn, &who, entry.before(before))?;
        Ok(team)
    })
}

/// The name and description trimmed and checked.
fn checked(input: TeamInput) -> Result<TeamInput, OpError> {
    let name = input.name.trim().to_string();
    let description = input.description.trim().to_string();
    let mut errors = FieldErrors::default();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "Enter a name of up to 100 characters.");
    } else if has_control(&name) {
        errors.add(
            "name",
            "The name must not contain control characters such as line breaks.",
        );
    }
    if description.chars().count() > 1000 {
        errors.add(
            "description",
            "Keep the description under 1,000 characters.",
        );
    } else if description
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(
            "description",
            "The description contains control characters.",
        );
    }
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

/// The actor's company's team, locked for the rest of the transaction; another company's (or
/// a deleted) team is not found.
fn locked_team(conn: &mut DbConn, actor: &Actor, team_id: i64) -> Result<Team, OpError> {
    team::lock(conn, team_id)?;
    team::find_in_company(conn, actor.company_id, team_id)?.ok_or(OpError::NotFound)
}

// ---------------------------------------------------------------- members

/// Adds an active user of the company to the team.
pub fn add_member(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    user_id: Option<i64>,
) -> Result<TeamMember, OpError> {
    let entry = Entry::success("team.member_add", "team", Some(team_id));
    actor.require_to_change(conn, perm::USERS_MANAGE, entry.clone())?;
    let who = actor.audit();
    write_tx(conn, |conn| {
        let team = locked_team(conn, actor, team_id)?;
        // One message whether the user is missing, deactivated, deleted or another company's,
        // so an id never confirms that another tenant's user exists.
        let unavailable = || OpError::field("user_id", "Choose an active user of your company.");
        let user = match user_id {
            Some(id) => user::find(conn, id)?.ok_or_else(unavailable)?,
            None => return Err(unavailable()),
        };
        if user.company_id != actor.company_id || !user.is_active || user.deleted_at.is_some() {
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
        audit::record(
            conn,
            &who,
            entry
                .after(added.audit_snapshot())
                .details(serde_json::json!({ "team": team.name })),
        )?;
        Ok(added)
    })
}

/// Takes a member out of the team (a user who is not in it is not found).
pub fn remove_member(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    user_id: i64,
) -> Result<TeamMember, OpError> {
    let entry = Entry::success("team.member_remove", "team", Some(team_id));
    actor.require_to_change(conn, perm::USERS_MANAGE, entry.clone())?;
    let who = actor.audit();
    write_tx(conn, |conn| {
        let team = locked_team(conn, actor, team_id)?;
        let member = team::find_member(conn, team_id, user_id)?.ok_or(OpError::NotFound)?;
        team::delete_member(conn, team_id, user_id)?;
        audit::record(
            conn,
            &who,
            entry
                .before(member.audit_snapshot())
                .details(serde_json::json!({ "team": team.name })),
        )?;
        Ok(member)
    })
}

// ---------------------------------------------------------------- projects

/// Gives a project of the company to the team with `editor` or `viewer`, or changes the role
/// it was given with.
pub fn grant_project(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    input: GrantInput,
) -> Result<Grant, OpError> {
    let entry = Entry::success("team.project_grant", "team", Some(team_id));
    actor.require_to_change(conn, perm::USERS_MANAGE, entry.clone())?;
    let mut errors = FieldErrors::default();
    if input.project_id.is_none() {
        errors.add("project_id", "Choose a project.");
    }
    if !GRANT_ROLES.contains(&input.role.as_str()) {
        errors.add("role", "Choose editor or viewer.");
    }
    let (Some(project_id), true) = (input.project_id, errors.is_empty()) else {
        return Err(OpError::Invalid(errors));
    };
    let who = actor.audit();
    write_tx(conn, |conn| {
        let team = locked_team(conn, actor, team_id)?;
        let Some(project) = project::find_in_company(conn, actor.company_id, project_id)? else {
            return Err(OpError::field(
                "project_id",
                "Choose a project of your company.",
            ));
        };
        let before = team::find_grant(conn, team_id, project.id)?;
        if let Some(b) = before.as_ref().filter(|b| b.role == input.role) {
            return Ok(b.clone());
        }
        team::set_grant(conn, team_id, project.id, &input.role)?;
        let after = team::find_grant(conn, team_id, project.id)?.ok_or(OpError::NotFound)?;
        let mut entry = entry
            .project(project.id)
            .after(after.audit_snapshot())
            .details(serde_json::json!({ "team": team.name }));
        if let Some(b) = &before {
            entry = entry.before(b.audit_snapshot());
        }
        audit::record(conn, &who, entry)?;
        Ok(after)
    })
}

/// Takes a project back from the team (one it was not given is not found).
pub fn revoke_project(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: i64,
    project_id: i64,
) -> Result<Grant, OpError> {
    let entry = Entry::success("team.project_revoke", "team", Some(team_id));
    actor.require_to_change(conn, perm::USERS_MANAGE, entry.clone())?;
    let who = actor.audit();
    write_tx(conn, |conn| {
        let team = locked_team(conn, actor, team_id)?;
        let grant = team::find_grant(conn, team_id, project_id)?.ok_or(OpError::NotFound)?;
        team::delete_grant(conn, team_id, project_id)?;
        audit::record(
            conn,
            &who,
            entry
                .project(project_id)
                .before(grant.audit_snapshot())
                .details(serde_json::json!({ "team": team.name })),
        )?;
        Ok(grant)
    })
}
