//! What an audit entry is about, by name and with a link: the project, version, simulation,
//! user, team or invitation its entity id names (one query per entity type of a page, scoped
//! to the company).

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::AuditLog;
use crate::db::DbConn;
use crate::db::schema::{circuit_versions, invitations, projects, simulations, teams, users};

/// An entry's target as shown (`project “Grid study”`, `version 3 of “Grid study”`), and the
/// page that shows it (when there is one).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Target {
    pub label: String,
    pub href: Option<String>,
    /// The project the target belongs to (a project, version or simulation): a reader who
    /// may no longer read that project is not shown its current name.
    pub project_id: Option<i64>,
}

fn ids_of<'a>(rows: impl Iterator<Item = &'a AuditLog>, entity_type: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .filter(|r| r.entity_type == entity_type)
        .filter_map(|r| r.entity_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The targets of `rows`, keyed by (entity type, id). Entities that no longer exist (or
/// belong to another company) are left out: the entry shows its type and id.
pub fn name_targets(
    conn: &mut DbConn,
    company_id: i64,
    rows: &[AuditLog],
) -> QueryResult<HashMap<(String, i64), Target>> {
    let mut out = HashMap::new();
    let mut put = |kind: &str, id: i64, label: String, href: Option<String>, project_id| {
        out.insert(
            (kind.to_string(), id),
            Target {
                label,
                href,
                project_id,
            },
        );
    };
    let ids = ids_of(rows.iter(), "project");
    if !ids.is_empty() {
        let found: Vec<(i64, String)> = projects::table
            .filter(projects::company_id.eq(company_id))
            .filter(projects::id.eq_any(&ids))
            .select((projects::id, projects::name))
            .load(conn)?;
        for (id, name) in found {
            put(
                "project",
                id,
                format!("project “{name}”"),
                Some(format!("/projects/{id}")),
                Some(id),
            );
        }
    }
    let ids = ids_of(rows.iter(), "circuit_version");
    if !ids.is_empty() {
        let found: Vec<(i64, i64, i32, String)> = circuit_versions::table
            .inner_join(projects::table)
            .filter(projects::company_id.eq(company_id))
            .filter(circuit_versions::id.eq_any(&ids))
            .select((
                circuit_versions::id,
                projects::id,
                circuit_versions::version_number,
                projects::name,
            ))
            .load(conn)?;
        for (id, pid, n, name) in found {
            let href = Some(format!("/projects/{pid}/versions/{n}"));
            put(
                "circuit_version",
                id,
                format!("version {n} of “{name}”"),
                href,
                Some(pid),
            );
        }
    }
    let ids = ids_of(rows.iter(), "simulation");
    if !ids.is_empty() {
        let found: Vec<(i64, i64, String)> = simulations::table
            .inner_join(projects::table)
            .filter(projects::company_id.eq(company_id))
            .filter(simulations::id.eq_any(&ids))
            .select((simulations::id, projects::id, projects::name))
            .load(conn)?;
        for (id, pid, name) in found {
            let href = Some(format!("/simulations/{id}"));
            put(
                "simulation",
                id,
                format!("simulation #{id} of “{name}”"),
                href,
                Some(pid),
            );
        }
    }
    let ids = ids_of(rows.iter(), "user");
    if !ids.is_empty() {
        let found: Vec<(i64, String)> = users::table
            .filter(users::company_id.eq(company_id))
            .filter(users::id.eq_any(&ids))
            .select((users::id, users::name))
            .load(conn)?;
        for (id, name) in found {
            put(
                "user",
                id,
                format!("user “{name}”"),
                Some(format!("/admin/users/{id}")),
                None,
            );
        }
    }
    let ids = ids_of(rows.iter(), "team");
    if !ids.is_empty() {
        let found: Vec<(i64, String)> = teams::table
            .filter(teams::company_id.eq(company_id))
            .filter(teams::id.eq_any(&ids))
            .select((teams::id, teams::name))
            .load(conn)?;
        for (id, name) in found {
            put(
                "team",
                id,
                format!("team “{name}”"),
                Some(format!("/admin/teams/{id}")),
                None,
            );
        }
    }
    let ids = ids_of(rows.iter(), "invitation");
    if !ids.is_empty() {
        let found: Vec<(i64, String)> = invitations::table
            .filter(invitations::company_id.eq(company_id))
            .filter(invitations::id.eq_any(&ids))
            .select((invitations::id, invitations::email))
            .load(conn)?;
        for (id, email) in found {
            let href = Some("/admin/users".to_string());
            put(
                "invitation",
                id,
                format!("invitation of {email}"),
                href,
                None,
            );
        }
    }
    Ok(out)
}
