//! The project overview as a read model: the owner, the recent versions and simulations, the
//! version count, the latest circuit, the members and the teams of one project (already scoped to the
//! reader's company by the caller).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::project::{self, Member, Project};
use crate::db::DbConn;
use crate::db::schema::{circuit_versions as cv, simulations as s, users};

/// How many versions and simulations the overview lists.
const RECENT: i64 = 5;

pub struct RecentVersion {
    pub number: i32,
    pub author: String,
    pub created_at: NaiveDateTime,
    pub message: String,
}

pub struct RecentSimulation {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub version: i32,
    pub queued_at: NaiveDateTime,
}

pub struct Overview {
    pub owner: String,
    pub versions: Vec<RecentVersion>,
    pub version_count: i64,
    /// The newest version's circuit document.
    pub latest_circuit: Option<serde_json::Value>,
    pub simulations: Vec<RecentSimulation>,
    pub members: Vec<Member>,
    /// The teams the project was given to: name and role.
    pub teams: Vec<(String, String)>,
}

/// Reads the overview of `project`.
pub fn load(conn: &mut DbConn, project: &Project) -> QueryResult<Overview> {
    let pid = project.id;
    let versions = cv::table
        .inner_join(users::table.on(users::id.eq(cv::created_by)))
        .filter(cv::project_id.eq(pid))
        .order(cv::version_number.desc())
        .limit(RECENT)
        .select((
            cv::version_number,
            super::user::display_name(),
            cv::created_at,
            cv::message,
        ))
        .load::<(i32, String, NaiveDateTime, String)>(conn)?
        .into_iter()
        .map(|(number, author, created_at, message)| RecentVersion {
            number,
            author,
            created_at,
            message,
        })
        .collect();
    let version_count = cv::table
        .filter(cv::project_id.eq(pid))
        .count()
        .get_result(conn)?;
    let latest_circuit = cv::table
        .filter(cv::project_id.eq(pid))
        .order(cv::version_number.desc())
        .select(cv::data_json)
        .first::<crate::db::json::JsonValue>(conn)
        .optional()?
        .map(|j| j.0);
    let simulations = s::table
        .inner_join(cv::table)
        .filter(s::project_id.eq(pid))
        .order(s::id.desc())
        .limit(RECENT)
        .select((
            s::id,
            s::simulation_type,
            s::status,
            cv::version_number,
            s::queued_at,
        ))
        .load::<(i64, String, String, i32, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, kind, status, version, queued_at)| RecentSimulation {
            id,
            kind,
            status,
            version,
            queued_at,
        })
        .collect();
    let members = project::members(conn, pid)?;
    let teams = super::team::of_project(conn, pid)?
        .into_iter()
        .map(|t| (t.name, t.role))
        .collect();
    let owner = super::user::name_of(conn, project.owner_id)?;
    Ok(Overview {
        owner,
        versions,
        version_count,
        latest_circuit,
        simulations,
        members,
        teams,
    })
}
