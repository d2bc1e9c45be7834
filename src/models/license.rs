//! Licenses. History is kept: a company's license state is its newest license row. The pages
//! that manage licenses belong to a later issue; sign-up creates a 30-day trial.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::licenses;

pub const TRIAL_DAYS: i64 = 30;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = licenses)]
pub struct License {
    pub id: i64,
    pub company_id: i64,
    pub plan: String,
    pub seats: i32,
    pub max_projects: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What the license means for the company today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenseState {
    /// Usable; `days_left` counts today.
    Active { plan: String, days_left: i64 },
    /// Read-only, with the reason shown in the banner.
    Inactive { reason: String },
}

impl License {
    pub fn state(&self, today: NaiveDate) -> LicenseState {
        match self.status.as_str() {
            "active" if today > self.end_date => LicenseState::Inactive {
                reason: format!("The {} license expired on {}.", self.plan, self.end_date),
            },
            "active" if today < self.start_date => LicenseState::Inactive {
                reason: format!("The {} license starts on {}.", self.plan, self.start_date),
            },
            "active" => LicenseState::Active {
                plan: self.plan.clone(),
                days_left: (self.end_date - today).num_days() + 1,
            },
            other => LicenseState::Inactive {
                reason: format!("The {} license is {other}.", self.plan),
            },
        }
    }
}

/// The trial every new company starts with.
pub fn create_trial(conn: &mut DbConn, company_id: i64) -> QueryResult<License> {
    let now = crate::util::now();
    let today = now.date();
    diesel::insert_into(licenses::table)
        .values((
            licenses::company_id.eq(company_id),
            licenses::plan.eq("trial"),
            licenses::seats.eq(5),
            licenses::max_projects.eq(10),
            licenses::start_date.eq(today),
            licenses::end_date.eq(today + chrono::Duration::days(TRIAL_DAYS - 1)),
            licenses::status.eq("active"),
            licenses::created_at.eq(now),
            licenses::updated_at.eq(now),
        ))
        .returning(licenses::all_columns)
        .get_result(conn)
}

/// The newest license of a company.
pub fn current(conn: &mut DbConn, company_id: i64) -> QueryResult<Option<License>> {
    // A company has a handful of licenses over its life; no LIMIT keeps the statement cached
    // (see `db::unique_row`).
    let all: Vec<License> = licenses::table
        .filter(licenses::company_id.eq(company_id))
        .order(licenses::id.desc())
        .select(License::as_select())
        .load(conn)?;
    Ok(all.into_iter().next())
}

/// The state to show: no license at all is inactive too.
pub fn state_of(license: Option<&License>, today: NaiveDate) -> LicenseState {
    match license {
        Some(l) => l.state(today),
        None => LicenseState::Inactive {
            reason: "The company has no license.".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn license(status: &str, start: NaiveDate, end: NaiveDate) -> License {
        let t = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        License {
            id: 1,
            company_id: 1,
            plan: "trial".into(),
            seats: 5,
            max_projects: 10,
            start_date: start,
            end_date: end,
            status: status.into(),
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn states() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let l = license("active", d(1, 1), d(1, 30));
        assert_eq!(
            l.state(d(1, 30)),
            LicenseState::Active {
                plan: "trial".into(),
                days_left: 1
            }
        );
        assert_eq!(
            l.state(d(1, 1)),
            LicenseState::Active {
                plan: "trial".into(),
                days_left: 30
            }
        );
        assert!(matches!(l.state(d(1, 31)), LicenseState::Inactive { .. }));
        let s = license("suspended", d(1, 1), d(1, 30));
        assert_eq!(
            s.state(d(1, 2)),
            LicenseState::Inactive {
                reason: "The trial license is suspended.".into()
            }
        );
    }
}
