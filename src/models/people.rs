//! The people of a company as its administrators see them: the user list (search, role and
//! status filters, pages) and what a user's page shows besides the user (projects). Platform
//! admins are never listed: a company cannot manage them.

use diesel::prelude::*;

use super::role::{self, PLATFORM_ADMIN};
use super::user::{User, like_pattern};
use crate::db::DbConn;
use crate::db::schema::{project_members, projects, roles, user_roles, users};

pub const PAGE_SIZE: i64 = 25;

/// The statuses a user can be filtered by (`invited` lists invitations, not users).
pub const STATUSES: [&str; 5] = ["active", "unverified", "deactivated", "invited", "deleted"];

/// What the people list asks for. Empty `role` or `status` means any (but not deleted users).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub search: String,
    pub role: String,
    pub status: String,
}

/// A user's status as the list shows it.
pub fn status_of(user: &User) -> &'static str {
    if user.deleted_at.is_some() {
        "deleted"
    } else if !user.is_active {
        "deactivated"
    } else if user.email_verified_at.is_none() {
        "unverified"
    } else {
        "active"
    }
}

/// A listed user with their role names.
#[derive(Debug, Clone)]
pub struct Listed {
    pub user: User,
    pub roles: Vec<String>,
}

/// One page (from 0) of the company's users matching `filter`, and how many match in all.
pub fn list_users(
    conn: &mut DbConn,
    company_id: i64,
    filter: &Filter,
    page: i64,
) -> QueryResult<(Vec<Listed>, i64)> {
    let filtered = || {
        let platform_admins = user_roles::table
            .inner_join(roles::table)
            .filter(roles::name.eq(PLATFORM_ADMIN))
            .select(user_roles::user_id);
        let mut q = users::table
            .filter(users::company_id.eq(company_id))
            .filter(users::id.ne_all(platform_admins))
            .into_boxed();
        q = match filter.status.as_str() {
            "deleted" => q.filter(users::deleted_at.is_not_null()),
            other => {
                let q = q.filter(users::deleted_at.is_null());
                match other {
                    "active" => q
                        .filter(users::is_active.eq(true))
                        .filter(users::email_verified_at.is_not_null()),
                    "unverified" => q
                        .filter(users::is_active.eq(true))
                        .filter(users::email_verified_at.is_null()),
                    "deactivated" => q.filter(users::is_active.eq(false)),
                    // Invitations are not users.
                    "invited" => q.filter(users::id.lt(0)),
                    _ => q,
                }
            }
        };
        if !filter.role.is_empty() {
            q = q.filter(
                users::id.eq_any(
                    user_roles::table
                        .inner_join(roles::table)
                        .filter(roles::name.eq(filter.role.clone()))
                        .select(user_roles::user_id),
                ),
            );
        }
        let search = filter.search.trim();
        if !search.is_empty() {
            let pattern = like_pattern(search);
            q = q.filter(
                super::project::lower(users::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(users::username.like(pattern.clone()).escape('\\'))
                    .or(users::email.like(pattern).escape('\\')),
            );
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let page_users: Vec<User> = filtered()
        .order((super::project::lower(users::name).asc(), users::id.asc()))
        .offset(page * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .select(User::as_select())
        .load(conn)?;
    let ids: Vec<i64> = page_users.iter().map(|u| u.id).collect();
    let role_rows = role::names_for_users(conn, &ids)?;
    let listed = page_users
        .into_iter()
        .map(|user| Listed {
            roles: role_rows
                .iter()
                .filter(|(id, _)| *id == user.id)
                .map(|(_, name)| name.clone())
                .collect(),
            user,
        })
        .collect();
    Ok((listed, total))
}

/// Whether the user holds `platform_admin` (such accounts are not managed by a company).
pub fn is_platform_admin(conn: &mut DbConn, user_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        user_roles::table
            .inner_join(roles::table)
            .filter(user_roles::user_id.eq(user_id))
            .filter(roles::name.eq(PLATFORM_ADMIN)),
    ))
    .get_result(conn)
}

/// A project the user can open, with the role they have there and where it comes from: a
/// direct membership, teams, or both (the highest role wins, as in `project::access_role`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub project_id: i64,
    pub name: String,
    pub status: String,
    /// The role that applies.
    pub role: String,
    pub direct_role: Option<String>,
    /// (team name, role the team has), by team name.
    pub teams: Vec<(String, String)>,
}

/// The company's projects the user reaches directly or through a team, by project name.
pub fn memberships(
    conn: &mut DbConn,
    company_id: i64,
    user_id: i64,
) -> QueryResult<Vec<Membership>> {
    use crate::db::schema::{project_teams, team_members, teams};
    let direct: Vec<(i64, String, String, String)> = project_members::table
        .inner_join(projects::table)
        .filter(project_members::user_id.eq(user_id))
        .filter(projects::company_id.eq(company_id))
        .select((
            projects::id,
            projects::name,
            projects::status,
            project_members::role,
        ))
        .load(conn)?;
    let through_teams: Vec<(i64, String, String, String, String)> = project_teams::table
        .inner_join(projects::table.on(projects::id.eq(project_teams::project_id)))
        .inner_join(teams::table.on(teams::id.eq(project_teams::team_id)))
        .inner_join(team_members::table.on(team_members::team_id.eq(project_teams::team_id)))
        .filter(team_members::user_id.eq(user_id))
        .filter(projects::company_id.eq(company_id))
        .filter(teams::company_id.eq(company_id))
        .select((
            projects::id,
            projects::name,
            projects::status,
            project_teams::role,
            teams::name,
        ))
        .load(conn)?;
    let mut by_project: std::collections::BTreeMap<i64, Membership> = Default::default();
    for (project_id, name, status, role) in direct {
        by_project.insert(
            project_id,
            Membership {
                project_id,
                name,
                status,
                role: role.clone(),
                direct_role: Some(role),
                teams: Vec::new(),
            },
        );
    }
    for (project_id, name, status, role, team) in through_teams {
        let m = by_project.entry(project_id).or_insert_with(|| Membership {
            project_id,
            name,
            status,
            role: role.clone(),
            direct_role: None,
            teams: Vec::new(),
        });
        // Ties keep the direct role (or the first team's).
        if super::project::role_rank(&role) < super::project::role_rank(&m.role) {
            m.role = role.clone();
        }
        m.teams.push((team, role));
    }
    let mut all: Vec<Membership> = by_project.into_values().collect();
    for m in &mut all {
        m.teams.sort_by_cached_key(|(team, _)| team.to_lowercase());
    }
    all.sort_by_cached_key(|m| (m.name.to_lowercase(), m.project_id));
    Ok(all)
}
