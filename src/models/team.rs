//! Teams: groups of people inside a company, and the projects given to them with a project role
//! (`editor` or `viewer`). Every member of a team has that role on the project (a direct
//! membership with a higher role wins: see `project::access_role`). Reads that start from an
//! id take the caller's company, so another tenant's team is not found; the rules (who may
//! change what, which users and projects qualify) are `ops::admin::teams`'.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{project_teams, projects, team_members, teams, users};

/// The roles a project can be given to a team with (never `owner`).
pub const GRANT_ROLES: [&str; 2] = ["editor", "viewer"];

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = teams)]
pub struct Team {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Team {
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name, "description": self.description })
    }
}

/// A team as the list shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub team: Team,
    pub member_count: i64,
    pub project_count: i64,
}

/// The company's teams by name, with how many members and projects each has (one statement).
pub fn list(conn: &mut DbConn, company_id: i64) -> QueryResult<Vec<Listed>> {
    let member_count = team_members::table
        .filter(team_members::team_id.eq(teams::id))
        .count()
        .single_value();
    let project_count = project_teams::table
        .filter(project_teams::team_id.eq(teams::id))
        .count()
        .single_value();
    let rows: Vec<(Team, Option<i64>, Option<i64>)> = teams::table
        .filter(teams::company_id.eq(company_id))
        .order((lower(teams::name).asc(), teams::id.asc()))
        .select((Team::as_select(), member_count, project_count))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(team, members, projects)| Listed {
            team,
            member_count: members.unwrap_or(0),
            project_count: projects.unwrap_or(0),
        })
        .collect())
}

/// A team of the company (tenant scope), or `None`.
pub fn find_in_company(conn: &mut DbConn, company_id: i64, id: i64) -> QueryResult<Option<Team>> {
    crate::db::unique_row(
        teams::table
            .find(id)
            .filter(teams::company_id.eq(company_id))
            .select(Team::as_select())
            .load(conn),
    )
}

/// Another team of the company whose name is `name` regardless of case, if any (`except`: the
/// team being renamed).
pub fn name_taken(
    conn: &mut DbConn,
    company_id: i64,
    name: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let wanted = name.to_lowercase();
    // Compared here rather than with SQL `lower`, which folds only ASCII on SQLite.
    let names: Vec<(i64, String)> = teams::table
        .filter(teams::company_id.eq(company_id))
        .select((teams::id, teams::name))
        .load(conn)?;
    Ok(names
        .into_iter()
        .any(|(id, n)| Some(id) != except && n.to_lowercase() == wanted))
}

pub fn insert(
    conn: &mut DbConn,
    company_id: i64,
    name: &str,
    description: &str,
) -> QueryResult<Team> {
    let t = crate::util::now();
    diesel::insert_into(teams::table)
        .values((
            teams::company_id.eq(company_id),
            teams::name.eq(name),
            teams::description.eq(description),
            teams::created_at.eq(t),
            teams::updated_at.eq(t),
        ))
        .returning(teams::all_columns)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, name: &str, description: &str) -> QueryResult<Team> {
    diesel::update(teams::table.find(id))
        .set((
            teams::name.eq(name),
            teams::description.eq(description),
            teams::updated_at.eq(crate::util::now()),
        ))
        .returning(teams::all_columns)
        .get_result(conn)
}

/// Deletes the team with its memberships and project grants (explicitly, so it does not
/// depend on the foreign keys' cascades).
pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(project_teams::table.filter(project_teams::team_id.eq(id))).execute(conn)?;
    diesel::delete(team_members::table.filter(team_members::team_id.eq(id))).execute(conn)?;
    diesel::delete(teams::table.find(id)).execute(conn)?;
    Ok(())
}

/// Locks the team row until the end of the caller's transaction (PostgreSQL; SQLite's write
/// transaction already excludes other writers), so that "is already a member" and "is already
/// given" checks see concurrent changes, and a team being deleted is not changed meanwhile.
pub fn lock(conn: &mut DbConn, team_id: i64) -> QueryResult<()> {
    if conn.kind() == crate::db::BackendKind::Postgres {
        diesel::sql_query("SELECT id FROM teams WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(team_id)
            .execute(conn)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- members

#[derive(Debug, Clone, Serialize)]
pub struct TeamMember {
    pub user_id: i64,
    pub name: String,
    pub username: String,
    pub is_active: bool,
    pub deleted: bool,
    pub added_at: NaiveDateTime,
}

impl TeamMember {
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({ "user_id": self.user_id, "username": self.username, "name": self.name })
    }
}

/// The members of these teams as (team id, member), by name.
pub fn members_of(conn: &mut DbConn, team_ids: &[i64]) -> QueryResult<Vec<(i64, TeamMember)>> {
    type Row = (
        i64,
        i64,
        String,
        String,
        bool,
        Option<NaiveDateTime>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = team_members::table
        .inner_join(users::table)
        .filter(team_members::team_id.eq_any(team_ids))
        .order((lower(users::name).asc(), users::id.asc()))
        .select((
            team_members::team_id,
            users::id,
            users::name,
            users::username,
            users::is_active,
            users::deleted_at,
            team_members::added_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(team_id, user_id, name, username, is_active, deleted_at, added_at)| {
                let member = TeamMember {
                    user_id,
                    name,
                    username,
                    is_active,
                    deleted: deleted_at.is_some(),
                    added_at,
                };
                (team_id, member)
            },
        )
        .collect())
}

pub fn members(conn: &mut DbConn, team_id: i64) -> QueryResult<Vec<TeamMember>> {
    Ok(members_of(conn, &[team_id])?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

pub fn find_member(
    conn: &mut DbConn,
    team_id: i64,
    user_id: i64,
) -> QueryResult<Option<TeamMember>> {
    Ok(members(conn, team_id)?
        .into_iter()
        .find(|m| m.user_id == user_id))
}

pub fn insert_member(
    conn: &mut DbConn,
    team_id: i64,
    user_id: i64,
    added_by: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(team_members::table)
        .values((
            team_members::team_id.eq(team_id),
            team_members::user_id.eq(user_id),
            team_members::added_at.eq(crate::util::now()),
            team_members::added_by.eq(added_by),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_member(conn: &mut DbConn, team_id: i64, user_id: i64) -> QueryResult<()> {
    diesel::delete(
        team_members::table
            .filter(team_members::team_id.eq(team_id))
            .filter(team_members::user_id.eq(user_id)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Active users of the company who are not in the team yet (the add-member picker): id, name,
/// username.
pub fn user_candidates(
    conn: &mut DbConn,
    company_id: i64,
    team_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    users::table
        .filter(users::company_id.eq(company_id))
        .filter(users::is_active.eq(true))
        .filter(users::deleted_at.is_null())
        .filter(
            users::id.ne_all(
                team_members::table
                    .filter(team_members::team_id.eq(team_id))
                    .select(team_members::user_id),
            ),
        )
        .order((lower(users::name).asc(), users::id.asc()))
        .select((users::id, users::name, users::username))
        .load(conn)
}

// ---------------------------------------------------------------- projects

/// A project given to a team.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub project_id: i64,
    pub project_name: String,
    pub project_status: String,
    pub role: String,
}

impl Grant {
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "project_id": self.project_id, "project": self.project_name, "role": self.role,
        })
    }
}

/// The projects given to the team, by name.
pub fn grants(conn: &mut DbConn, team_id: i64) -> QueryResult<Vec<Grant>> {
    let rows: Vec<(i64, String, String, String)> = project_teams::table
        .inner_join(projects::table)
        .filter(project_teams::team_id.eq(team_id))
        .order((lower(projects::name).asc(), projects::id.asc()))
        .select((
            projects::id,
            projects::name,
            projects::status,
            project_teams::role,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(project_id, project_name, project_status, role)| Grant {
            project_id,
            project_name,
            project_status,
            role,
        })
        .collect())
}

pub fn find_grant(conn: &mut DbConn, team_id: i64, project_id: i64) -> QueryResult<Option<Grant>> {
    Ok(grants(conn, team_id)?
        .into_iter()
        .find(|g| g.project_id == project_id))
}

/// Gives the project to the team with `role`, or changes the role it was given with.
pub fn set_grant(conn: &mut DbConn, team_id: i64, project_id: i64, role: &str) -> QueryResult<()> {
    let t = crate::util::now();
    let pair = project_teams::table
        .filter(project_teams::team_id.eq(team_id))
        .filter(project_teams::project_id.eq(project_id));
    let updated = diesel::update(pair)
        .set((
            project_teams::role.eq(role),
            project_teams::updated_at.eq(t),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(project_teams::table)
            .values((
                project_teams::project_id.eq(project_id),
                project_teams::team_id.eq(team_id),
                project_teams::role.eq(role),
                project_teams::created_at.eq(t),
                project_teams::updated_at.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_grant(conn: &mut DbConn, team_id: i64, project_id: i64) -> QueryResult<()> {
    diesel::delete(
        project_teams::table
            .filter(project_teams::team_id.eq(team_id))
            .filter(project_teams::project_id.eq(project_id)),
    )
    .execute(conn)
    .map(|_| ())
}

/// The company's projects by name (for the give-a-project picker): id, name, status.
pub fn company_projects(
    conn: &mut DbConn,
    company_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    projects::table
        .filter(projects::company_id.eq(company_id))
        .order((lower(projects::name).asc(), projects::id.asc()))
        .select((projects::id, projects::name, projects::status))
        .load(conn)
}

/// A team a project was given to, with its people (for the project's members page).
#[derive(Debug, Clone)]
pub struct ProjectTeam {
    pub team_id: i64,
    pub name: String,
    pub role: String,
    pub members: Vec<TeamMember>,
}

/// The teams the project was given to, by name, each with its members (two statements).
pub fn of_project(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<ProjectTeam>> {
    let rows: Vec<(i64, String, String)> = project_teams::table
        .inner_join(teams::table)
        .filter(project_teams::project_id.eq(project_id))
        .order((lower(teams::name).asc(), teams::id.asc()))
        .select((teams::id, teams::name, project_teams::role))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|(id, _, _)| *id).collect();
    let mut members = members_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(team_id, name, role)| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                members.drain(..).partition(|(t, _)| *t == team_id);
            members = rest;
            ProjectTeam {
                team_id,
                name,
                role,
                members: mine.into_iter().map(|(_, m)| m).collect(),
            }
        })
        .collect())
}
