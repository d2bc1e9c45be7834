//! The dashboard as a read model: recent audit entries, the user's roles and the most recently
//! changed projects they may see.

use diesel::QueryResult;

use super::{audit, project, role};
use crate::db::DbConn;

/// What the dashboard shows of the company.
pub struct Dashboard {
    /// The ten newest audit entries (the company's, or only the user's own).
    pub activity: Vec<audit::Listed>,
    pub roles: Vec<String>,
    /// The first page of the project list (newest change first) and how many there are.
    pub projects: Vec<project::Listed>,
    pub project_total: i64,
}

/// What to read.
pub struct DashboardQuery {
    pub company_id: i64,
    pub user_id: i64,
    /// Only the user's own activity (they may not read the company's audit trail).
    pub own_activity_only: bool,
    /// Whose projects, when the user may read projects at all.
    pub projects: Option<project::Viewer>,
}

pub fn load(conn: &mut DbConn, q: &DashboardQuery) -> QueryResult<Dashboard> {
    let filter = audit::Filter {
        user_id: q.own_activity_only.then_some(q.user_id),
        ..Default::default()
    };
    let (mut activity, _) = audit::page(conn, q.company_id, &filter, None, 10)?;
    if q.own_activity_only {
        hide_unreadable_projects(conn, q, &mut activity)?;
    }
    let roles = role::role_names_for_user(conn, q.user_id)?;
    let (projects, project_total) = match q.projects {
        Some(viewer) => project::list(conn, viewer, &project::ListQuery::default())?,
        None => (Vec::new(), 0),
    };
    Ok(Dashboard {
        activity,
        roles,
        projects,
        project_total,
    })
}

/// A user who reads only their own activity is not shown the current name of a project they
/// can no longer read (removed from it since): the entry shows its type and id instead.
fn hide_unreadable_projects(
    conn: &mut DbConn,
    q: &DashboardQuery,
    activity: &mut [audit::Listed],
) -> QueryResult<()> {
    if q.projects.is_some_and(|v| v.read_all) {
        return Ok(());
    }
    let mut readable: std::collections::HashMap<i64, bool> = Default::default();
    for entry in activity.iter_mut() {
        let Some(pid) = entry.target.as_ref().and_then(|t| t.project_id) else {
            continue;
        };
        let can_read = match readable.get(&pid) {
            Some(known) => *known,
            None => {
                let known =
                    q.projects.is_some() && project::access_role(conn, pid, q.user_id)?.is_some();
                readable.insert(pid, known);
                known
            }
        };
        if !can_read {
            entry.target = None;
        }
    }
    Ok(())
}
