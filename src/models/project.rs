//! Projects and their members. Every read takes the caller's company id, so another tenant's
//! project is not found; the pages of the projects issue build on these functions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{project_members, projects};

pub const STATUSES: [&str; 5] = ["planning", "active", "on_hold", "completed", "archived"];
pub const MEMBER_ROLES: [&str; 3] = ["owner", "editor", "viewer"];

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = projects)]
pub struct Project {
    pub id: i64,
    pub company_id: i64,
    pub team_id: Option<i64>,
    pub owner_id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Project {
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name, "slug": self.slug, "description": self.description, "status": self.status,
        })
    }
}

fn slug_taken(conn: &mut DbConn, company_id: i64, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        projects::table
            .filter(projects::company_id.eq(company_id))
            .filter(projects::slug.eq(slug)),
    ))
    .get_result(conn)
}

/// Creates a project (slug unique in the company) with its creator as `owner` member.
pub fn create(
    conn: &mut DbConn,
    company_id: i64,
    creator_id: i64,
    name: &str,
    description: &str,
) -> QueryResult<Project> {
    let base = super::company::slugify(name);
    let mut slug = base.clone();
    let mut n = 2;
    while slug_taken(conn, company_id, &slug)? {
        slug = format!("{base}-{n}");
        n += 1;
    }
    let t = crate::util::now();
    let project: Project = diesel::insert_into(projects::table)
        .values((
            projects::company_id.eq(company_id),
            projects::owner_id.eq(creator_id),
            projects::name.eq(name),
            projects::slug.eq(&slug),
            projects::description.eq(description),
            projects::status.eq("planning"),
            projects::created_at.eq(t),
            projects::updated_at.eq(t),
        ))
        .returning(projects::all_columns)
        .get_result(conn)?;
    insert_membership(conn, project.id, creator_id, "owner", t)?;
    Ok(project)
}

/// A project of the company (tenant scope), or `None`.
pub fn find_in_company(
    conn: &mut DbConn,
    company_id: i64,
    id: i64,
) -> QueryResult<Option<Project>> {
    crate::db::unique_row(
        projects::table
            .find(id)
            .filter(projects::company_id.eq(company_id))
            .select(Project::as_select())
            .load(conn),
    )
}

/// The user's direct membership role in the project, if a member (not counting teams: see
/// [`access_role`]).
pub fn member_role(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
) -> QueryResult<Option<String>> {
    crate::db::unique_row(
        project_members::table
            .filter(project_members::project_id.eq(project_id))
            .filter(project_members::user_id.eq(user_id))
            .select(project_members::role)
            .load(conn),
    )
}

/// The role a user has on a project, and whether it comes through one of their teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRole {
    pub role: String,
    pub through_team: bool,
}

/// How much a project role allows: owner 0, editor 1, viewer 2 (lower allows more).
pub fn role_rank(role: &str) -> usize {
    MEMBER_ROLES
        .iter()
        .position(|r| *r == role)
        .unwrap_or(MEMBER_ROLES.len())
}

/// The user's role on the project: the higher of their direct membership's and the highest
/// role given to a team they belong to (team roles are `editor` or `viewer`, never `owner`).
/// One statement with two indexed subqueries.
pub fn access_role(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
) -> QueryResult<Option<AccessRole>> {
    use crate::db::schema::{project_teams, team_members};
    let direct = project_members::table
        .filter(project_members::project_id.eq(project_id))
        .filter(project_members::user_id.eq(user_id))
        .select(project_members::role)
        .single_value();
    // `editor` sorts before `viewer`: the smallest team role is the highest.
    let through_teams = project_teams::table
        .inner_join(team_members::table.on(team_members::team_id.eq(project_teams::team_id)))
        .filter(project_teams::project_id.eq(project_id))
        .filter(team_members::user_id.eq(user_id))
        .select(diesel::dsl::min(project_teams::role))
        .single_value();
    let (direct, team): (Option<String>, Option<String>) =
        diesel::select((direct, through_teams)).get_result(conn)?;
    Ok(highest(direct, team))
}

/// The higher of a direct role and a team role (the direct one on a tie).
fn highest(direct: Option<String>, team: Option<String>) -> Option<AccessRole> {
    match (direct, team) {
        (Some(d), Some(t)) if role_rank(&t) < role_rank(&d) => Some(AccessRole {
            role: t,
            through_team: true,
        }),
        (Some(role), _) => Some(AccessRole {
            role,
            through_team: false,
        }),
        (None, Some(role)) => Some(AccessRole {
            role,
            through_team: true,
        }),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------- listing

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Sort keys of the project list.
pub const SORTS: [&str; 4] = ["updated", "name", "status", "created"];
pub const PAGE_SIZE: i64 = 25;

/// What the project list asks for. Empty `status` means every status but `archived`; `all`
/// means every status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListQuery {
    pub search: String,
    pub status: String,
    pub sort: String,
    pub descending: bool,
    pub page: i64,
}

/// Whose projects: those the user is a member of or reaches through a team, or all of the
/// company's (`projects:read_all`).
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub company_id: i64,
    pub user_id: i64,
    pub read_all: bool,
}

/// One row of the project list with what the list shows about it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub project: Project,
    pub owner_name: String,
    pub latest_version: Option<i32>,
    pub member_count: i64,
    /// Status and queue time of the newest simulation.
    pub last_simulation: Option<(String, NaiveDateTime)>,
}

/// A page of the projects the viewer may see, and how many match in all. Four small queries
/// whatever the page size: the page itself, then latest version, member count and newest
/// simulation for just the projects on it.
pub fn list(conn: &mut DbConn, viewer: Viewer, q: &ListQuery) -> QueryResult<(Vec<Listed>, i64)> {
    use crate::db::schema::users;
    let filtered = || {
        let mut query = projects::table
            .filter(projects::company_id.eq(viewer.company_id))
            .into_boxed();
        if !viewer.read_all {
            // A member's own projects and those given to one of their teams. Diesel cannot
            // write a UNION on both databases; two uncorrelated IN subqueries (each read once,
            // through team_members_user_idx and project_teams_team_idx) do the same.
            use crate::db::schema::{project_teams, team_members};
            let direct = project_members::table
                .filter(project_members::user_id.eq(viewer.user_id))
                .select(project_members::project_id);
            let through_teams = project_teams::table
                .inner_join(
                    team_members::table.on(team_members::team_id.eq(project_teams::team_id)),
                )
                .filter(team_members::user_id.eq(viewer.user_id))
                .select(project_teams::project_id);
            query = query.filter(
                projects::id
                    .eq_any(direct)
                    .or(projects::id.eq_any(through_teams)),
            );
        }
        match q.status.as_str() {
            "" => query = query.filter(projects::status.ne("archived")),
            "all" => {}
            s => query = query.filter(projects::status.eq(s.to_string())),
        }
        let search = q.search.trim();
        if !search.is_empty() {
            let pattern = format!("%{}%", crate::util::escape_like(&search.to_lowercase()));
            query = query.filter(
                lower(projects::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(projects::description).like(pattern).escape('\\')),
            );
        }
        query
    };
    use crate::db::schema::{circuit_versions as cv, simulations as sims};
    // What the list shows about each project, as correlated subqueries of the page query: one
    // statement whatever the page size, which SQLite and PostgreSQL can prepare once and reuse.
    let latest_version = cv::table
        .filter(cv::project_id.eq(projects::id))
        .select(diesel::dsl::max(cv::version_number))
        .single_value();
    let member_count = project_members::table
        .filter(project_members::project_id.eq(projects::id))
        .count()
        .single_value();
    let newest_simulation = || {
        sims::table
            .filter(sims::project_id.eq(projects::id))
            .order(sims::id.desc())
            .limit(1)
    };
    let mut query = filtered()
        .inner_join(users::table.on(users::id.eq(projects::owner_id)))
        .select((
            Project::as_select(),
            super::user::display_name(),
            latest_version,
            member_count,
            newest_simulation().select(sims::status).single_value(),
            newest_simulation().select(sims::queued_at).single_value(),
        ));
    query = match (q.sort.as_str(), q.descending) {
        ("name", false) => query.order((lower(projects::name).asc(), projects::id.asc())),
        ("name", true) => query.order((lower(projects::name).desc(), projects::id.desc())),
        ("status", false) => query.order((projects::status.asc(), projects::id.asc())),
        ("status", true) => query.order((projects::status.desc(), projects::id.desc())),
        ("created", false) => query.order((projects::created_at.asc(), projects::id.asc())),
        ("created", true) => query.order((projects::created_at.desc(), projects::id.desc())),
        (_, false) => query.order((projects::updated_at.asc(), projects::id.asc())),
        (_, true) => query.order((projects::updated_at.desc(), projects::id.desc())),
    };
    type Row = (
        Project,
        String,
        Option<i32>,
        Option<i64>,
        Option<String>,
        Option<NaiveDateTime>,
    );
    let offset = q.page.max(0) * PAGE_SIZE;
    let rows: Vec<Row> = if conn.kind() == crate::db::BackendKind::Sqlite {
        // SQLite computes rows as they are stepped, so the page is read off the cursor without
        // LIMIT, which keeps the statement cached (see `db::unique_row`).
        query
            .load_iter::<Row, diesel::connection::DefaultLoadingMode>(conn)?
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(PAGE_SIZE as usize)
            .collect::<QueryResult<_>>()?
    } else {
        query.limit(PAGE_SIZE).offset(offset).load(conn)?
    };
    // A first page that is not full holds every match: no need to count them.
    let total = if q.page <= 0 && (rows.len() as i64) < PAGE_SIZE {
        rows.len() as i64
    } else {
        filtered().count().get_result(conn)?
    };
    let listed = rows
        .into_iter()
        .map(
            |(project, owner_name, latest_version, members, sim_status, sim_queued)| Listed {
                latest_version,
                member_count: members.unwrap_or(0),
                last_simulation: sim_status.zip(sim_queued),
                owner_name,
                project,
            },
        )
        .collect();
    Ok((listed, total))
}

// ---------------------------------------------------------------- changes

/// Name, description and status as edited in the settings form.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    description: &str,
    status: &str,
) -> QueryResult<Project> {
    diesel::update(projects::table.find(id))
        .set((
            projects::name.eq(name),
            projects::description.eq(description),
            projects::status.eq(status),
            projects::updated_at.eq(crate::util::now()),
        ))
        .returning(projects::all_columns)
        .get_result(conn)
}

/// Marks the project as changed (a new version, a new simulation) for the list's sort.
pub fn touch(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(projects::table.find(id))
        .set(projects::updated_at.eq(crate::util::now()))
        .execute(conn)
        .map(|_| ())
}

// ---------------------------------------------------------------- members

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub username: String,
    pub email: String,
    pub role: String,
    pub is_active: bool,
    pub since: NaiveDateTime,
}

impl Member {
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({ "user_id": self.user_id, "username": self.username, "role": self.role })
    }
}

/// The project's members, owners first, then by name.
pub fn members(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<Member>> {
    use crate::db::schema::users;
    let rows: Vec<(i64, String, String, String, String, bool, NaiveDateTime)> =
        project_members::table
            .inner_join(users::table)
            .filter(project_members::project_id.eq(project_id))
            .select((
                users::id,
                super::user::display_name(),
                users::username,
                users::email,
                project_members::role,
                users::is_active,
                project_members::created_at,
            ))
            .load(conn)?;
    let mut members: Vec<Member> = rows
        .into_iter()
        .map(
            |(user_id, name, username, email, role, is_active, since)| Member {
                user_id,
                name,
                username,
                email,
                role,
                is_active,
                since,
            },
        )
        .collect();
    members.sort_by(|a, b| {
        role_rank(&a.role)
            .cmp(&role_rank(&b.role))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(members)
}

/// Adds a member (the caller checks who may be added: see `ops::members`).
pub fn insert_member(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
    role: &str,
) -> QueryResult<()> {
    insert_membership(conn, project_id, user_id, role, crate::util::now())
}

fn insert_membership(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
    role: &str,
    t: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(project_members::table)
        .values((
            project_members::project_id.eq(project_id),
            project_members::user_id.eq(user_id),
            project_members::role.eq(role),
            project_members::created_at.eq(t),
            project_members::updated_at.eq(t),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_member(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
) -> QueryResult<Option<Member>> {
    Ok(members(conn, project_id)?
        .into_iter()
        .find(|m| m.user_id == user_id))
}

/// Locks the project row until the end of the caller's transaction (PostgreSQL; SQLite's
/// write transaction already excludes other writers), so that membership checks such as the
/// last-owner rule see every concurrent change.
pub fn lock(conn: &mut DbConn, project_id: i64) -> QueryResult<()> {
    if conn.kind() == crate::db::BackendKind::Postgres {
        diesel::sql_query("SELECT id FROM projects WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(project_id)
            .execute(conn)?;
    }
    Ok(())
}

/// How many owners the project has.
pub fn owner_count(conn: &mut DbConn, project_id: i64) -> QueryResult<i64> {
    project_members::table
        .filter(project_members::project_id.eq(project_id))
        .filter(project_members::role.eq("owner"))
        .count()
        .get_result(conn)
}

/// Sets a member's role (the last-owner rule is the caller's: see `ops::members`).
pub fn update_member_role(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
    role: &str,
) -> QueryResult<()> {
    diesel::update(
        project_members::table
            .filter(project_members::project_id.eq(project_id))
            .filter(project_members::user_id.eq(user_id)),
    )
    .set((
        project_members::role.eq(role),
        project_members::updated_at.eq(crate::util::now()),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Removes a member (the last-owner rule is the caller's: see `ops::members`).
pub fn delete_member(conn: &mut DbConn, project_id: i64, user_id: i64) -> QueryResult<()> {
    diesel::delete(
        project_members::table
            .filter(project_members::project_id.eq(project_id))
            .filter(project_members::user_id.eq(user_id)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Active users of the company who are not members yet (for the add-member form).
pub fn candidates(conn: &mut DbConn, project: &Project) -> QueryResult<Vec<Candidate>> {
    use crate::db::schema::users;
    users::table
        .filter(users::company_id.eq(project.company_id))
        .filter(users::is_active.eq(true))
        .filter(users::deleted_at.is_null())
        .filter(
            users::id.ne_all(
                project_members::table
                    .filter(project_members::project_id.eq(project.id))
                    .select(project_members::user_id),
            ),
        )
        .order(users::name.asc())
        .select((users::id, users::name, users::username))
        .load(conn)
}

/// A user who could be added: id, name, username.
pub type Candidate = (i64, String, String);

/// The members, and the users who could be added when `with_candidates` (for those who manage
/// the project).
pub fn members_and_candidates(
    conn: &mut DbConn,
    project: &Project,
    with_candidates: bool,
) -> QueryResult<(Vec<Member>, Vec<Candidate>)> {
    let members = members(conn, project.id)?;
    let candidates = if with_candidates {
        candidates(conn, project)?
    } else {
        Vec::new()
    };
    Ok((members, candidates))
}
