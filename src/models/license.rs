//! Licenses. History is kept: a company's license state is its newest license row. Sign-up
//! creates a 30-day trial; the platform pages that sell licenses belong to a later issue.
//! Also here: what a company uses of its license (seats, projects) and the bookkeeping of the
//! daily check (`ops::admin::license_check`): expiring ended licenses and the reminders sent.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{license_reminders, licenses, projects, roles, user_roles, users};

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

impl License {
    /// What the audit trail keeps of a license.
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "plan": self.plan, "seats": self.seats, "max_projects": self.max_projects,
            "start_date": self.start_date, "end_date": self.end_date, "status": self.status,
        })
    }
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

/// Every license of a company, newest first (the first one is the current license).
pub fn history(conn: &mut DbConn, company_id: i64) -> QueryResult<Vec<License>> {
    licenses::table
        .filter(licenses::company_id.eq(company_id))
        .order(licenses::id.desc())
        .select(License::as_select())
        .load(conn)
}

/// Seats in use: active users that are not deleted, plus invitations still open (neither
/// accepted nor revoked, not expired), since each of those may become a user.
pub fn seats_used(conn: &mut DbConn, company_id: i64) -> QueryResult<i64> {
    Ok(super::user::active_count(conn, company_id)?
        + super::invitation::pending_count(conn, company_id)?)
}

/// Projects that count against `max_projects`: every project that is not archived.
pub fn projects_used(conn: &mut DbConn, company_id: i64) -> QueryResult<i64> {
    projects::table
        .filter(projects::company_id.eq(company_id))
        .filter(projects::status.ne("archived"))
        .count()
        .get_result(conn)
}

// ---------------------------------------------------------------- the daily check

/// Days before the end date on which the company admins are reminded.
pub const REMINDER_DAYS: [i32; 3] = [30, 7, 1];

/// The reminder due today for this license, if any: the nearest one whose day has come (so a
/// check that did not run for a while sends one reminder, not every one it missed), while the
/// license is active and has not ended. A reminder whose day falls before the license started
/// does not apply (a 30-day trial gets the 7- and 1-day reminders).
pub fn due_reminder(license: &License, today: NaiveDate) -> Option<i32> {
    if license.status != "active" || today < license.start_date || today > license.end_date {
        return None;
    }
    let until_end = (license.end_date - today).num_days();
    let mut ascending = REMINDER_DAYS;
    ascending.sort_unstable();
    let days = ascending.into_iter().find(|&d| until_end <= i64::from(d))?;
    (license.end_date - chrono::Duration::days(i64::from(days)) >= license.start_date)
        .then_some(days)
}

/// Active licenses whose end date has passed (to be set `expired`).
pub fn active_ended(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<License>> {
    licenses::table
        .filter(licenses::status.eq("active"))
        .filter(licenses::end_date.lt(today))
        .order(licenses::id)
        .select(License::as_select())
        .load(conn)
}

/// Active licenses running today that are their company's current (newest) license: an older
/// license that a renewal superseded gets no reminders.
pub fn current_running(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<License>> {
    let newest: HashMap<i64, i64> = licenses::table
        .select((licenses::company_id, licenses::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .fold(HashMap::new(), |mut m, (company, id)| {
            let e = m.entry(company).or_insert(id);
            *e = (*e).max(id);
            m
        });
    let running: Vec<License> = licenses::table
        .filter(licenses::status.eq("active"))
        .filter(licenses::start_date.le(today))
        .filter(licenses::end_date.ge(today))
        .order(licenses::id)
        .select(License::as_select())
        .load(conn)?;
    Ok(running
        .into_iter()
        .filter(|l| newest.get(&l.company_id) == Some(&l.id))
        .collect())
}

/// Sets an active license whose end date is before `today` to `expired`; returns it as it now
/// stands, or `None` when it was not (any more) such a license: of two processes expiring it
/// at once, only one gets it back (and audits it).
pub fn expire(conn: &mut DbConn, id: i64, today: NaiveDate) -> QueryResult<Option<License>> {
    let rows: Vec<License> = diesel::update(licenses::table)
        .filter(licenses::id.eq(id))
        .filter(licenses::status.eq("active"))
        .filter(licenses::end_date.lt(today))
        .set((
            licenses::status.eq("expired"),
            licenses::updated_at.eq(crate::util::now()),
        ))
        .returning(licenses::all_columns)
        .get_results(conn)?;
    Ok(rows.into_iter().next())
}

/// Records that the reminder `days_before` of a license goes out; false when it was recorded
/// before (by an earlier run, or by another process right now: the primary key decides, and
/// on PostgreSQL the second insert waits for the first transaction and then does nothing).
pub fn record_reminder(conn: &mut DbConn, license_id: i64, days_before: i32) -> QueryResult<bool> {
    let row = (
        license_reminders::license_id.eq(license_id),
        license_reminders::days_before.eq(days_before),
        license_reminders::sent_at.eq(crate::util::now()),
    );
    // The multi-backend query builder has no ON CONFLICT: each backend's own.
    let inserted = match conn {
        DbConn::Postgres(c) => diesel::insert_into(license_reminders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(license_reminders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

/// The reminders recorded for a license, as `days_before` values.
pub fn reminders_sent(conn: &mut DbConn, license_id: i64) -> QueryResult<Vec<i32>> {
    license_reminders::table
        .filter(license_reminders::license_id.eq(license_id))
        .order(license_reminders::days_before.desc())
        .select(license_reminders::days_before)
        .load(conn)
}

/// Who a license reminder goes to: the company's active, not deleted company admins, as
/// (name, email).
pub fn reminder_recipients(
    conn: &mut DbConn,
    company_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    users::table
        .inner_join(user_roles::table.on(user_roles::user_id.eq(users::id)))
        .inner_join(roles::table.on(roles::id.eq(user_roles::role_id)))
        .filter(users::company_id.eq(company_id))
        .filter(users::is_active.eq(true))
        .filter(users::deleted_at.is_null())
        .filter(roles::name.eq(crate::models::role::COMPANY_ADMIN))
        .order(users::id)
        .select((users::name, users::email))
        .load(conn)
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
        assert_eq!(due_reminder(&s, d(1, 29)), None, "not active");
        assert_eq!(
            s.state(d(1, 2)),
            LicenseState::Inactive {
                reason: "The trial license is suspended.".into()
            }
        );
    }

    #[test]
    fn the_nearest_due_reminder() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let l = license("active", d(1, 1), d(6, 30));
        assert_eq!(due_reminder(&l, d(5, 30)), None, "31 days before");
        assert_eq!(due_reminder(&l, d(5, 31)), Some(30));
        assert_eq!(due_reminder(&l, d(6, 22)), Some(30), "8 days before");
        assert_eq!(due_reminder(&l, d(6, 23)), Some(7));
        assert_eq!(due_reminder(&l, d(6, 29)), Some(1));
        assert_eq!(due_reminder(&l, d(6, 30)), Some(1), "the last day");
        assert_eq!(due_reminder(&l, d(7, 1)), None, "ended");
        // A 30-day trial: the 30-day reminder's day is before its start.
        let trial = license("active", d(6, 1), d(6, 30));
        assert_eq!(due_reminder(&trial, d(6, 1)), None);
        assert_eq!(due_reminder(&trial, d(6, 23)), Some(7));
        let later = license("active", d(7, 1), d(7, 30));
        assert_eq!(due_reminder(&later, d(6, 30)), None, "not started");
    }
}
