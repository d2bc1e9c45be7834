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
    diesel::insert_into(project_members::table)
        .values((
            project_members::project_id.eq(project.id),
            project_members::user_id.eq(creator_id),
            project_members::role.eq("owner"),
            project_members::created_at.eq(t),
            project_members::updated_at.eq(t),
        ))
        .execute(conn)?;
    Ok(project)
}

/// A project of the company (tenant scope), or `None`.
pub fn find_in_company(
    conn: &mut DbConn,
    company_id: i64,
    id: i64,
) -> QueryResult<Option<Project>> {
    projects::table
        .find(id)
        .filter(projects::company_id.eq(company_id))
        .select(Project::as_select())
        .first(conn)
        .optional()
}

/// The user's role in the project, if a member.
pub fn member_role(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
) -> QueryResult<Option<String>> {
    project_members::table
        .filter(project_members::project_id.eq(project_id))
        .filter(project_members::user_id.eq(user_id))
        .select(project_members::role)
        .first(conn)
        .optional()
}
