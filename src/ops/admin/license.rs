//! The company's license as its admins read it (`licenses:read`), and the limits it sets on
//! changes: `max_projects` caps the projects that are not archived. (Seats are checked where
//! people are invited or reactivated; the read-only gate is `Actor::require_writable`.)

use crate::auth::permissions as perm;
use crate::db::DbConn;
use crate::models::audit::{Entry, Outcome};
use crate::models::company;
use crate::models::license::{self, License, LicenseState};

use crate::ops::actor::Actor;
use crate::ops::error::OpError;

/// Why the license refuses a change.
#[derive(Debug, thiserror::Error)]
pub enum LicenseRefusal {
    #[error(
        "The license allows {max} projects that are not archived, and {used} are in use. Archive a project or ask for a larger license first."
    )]
    ProjectLimit { used: i64, max: i64 },
}

/// The license page: the current license, what the company uses of it, and every license.
#[derive(Debug, Clone)]
pub struct Overview {
    pub current: Option<License>,
    pub state: LicenseState,
    pub seats_used: i64,
    pub projects_used: i64,
    /// Newest first.
    pub history: Vec<License>,
}

/// The actor's company's license and its history (`licenses:read`).
pub fn overview(conn: &mut DbConn, actor: &Actor) -> Result<Overview, OpError> {
    actor.require(perm::LICENSES_READ)?;
    let today = crate::util::now().date();
    let history = license::history(conn, actor.company_id)?;
    let current = history.first().cloned();
    Ok(Overview {
        state: license::state_of(current.as_ref(), today),
        current,
        seats_used: license::seats_used(conn, actor.company_id)?,
        projects_used: license::projects_used(conn, actor.company_id)?,
        history,
    })
}

/// Refuses one more project that is not archived beyond the license's `max_projects`. Call it
/// inside the `write_tx` that creates or reactivates the project: it takes the company's limit
/// lock first, so concurrent requests count one after the other.
pub fn check_project_limit(conn: &mut DbConn, company_id: i64) -> Result<(), OpError> {
    company::lock_for_limits(conn, company_id)?;
    // A company without a license is read-only, so never gets here; count it as no room.
    let max = license::current(conn, company_id)?.map_or(0, |l| i64::from(l.max_projects));
    let used = license::projects_used(conn, company_id)?;
    if used >= max {
        return Err(LicenseRefusal::ProjectLimit { used, max }.into());
    }
    Ok(())
}

/// Passes `result` on; a refusal of the license's limits is also recorded as a failed `entry`
/// (the change's transaction was rolled back, so in a transaction of its own).
pub fn refused_by_license<T>(
    conn: &mut DbConn,
    actor: &Actor,
    result: Result<T, OpError>,
    entry: impl FnOnce() -> Entry,
) -> Result<T, OpError> {
    if let Err(OpError::License(refusal)) = &result {
        let mut entry = entry();
        entry.outcome = Outcome::Failure;
        entry.details = serde_json::json!({ "refused": refusal.to_string() });
        actor.record_denial(conn, entry)?;
    }
    result
}
