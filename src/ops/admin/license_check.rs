//! The daily license check (the `license.check` job, also run at start-up): active licenses
//! whose end date has passed become `expired`, and the company admins get a reminder 30, 7 and
//! 1 days before the end. Safe to run again and from several processes at once: an expiry is
//! a guarded update (only the process that changed the row audits it), and a reminder is a row
//! of `license_reminders` inserted in the transaction that queues its mails (only the process
//! whose insert took mails them).

use chrono::NaiveDate;
use serde::Serialize;

use crate::db::{DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::audit::{self, Entry};
use crate::models::license::{self, License};
use crate::ops::accounts::mail::Mail;
use crate::ops::error::OpError;

/// What one run did.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct CheckReport {
    /// Licenses set to `expired`.
    pub expired: Vec<i64>,
    /// Reminders sent: (license id, days before the end).
    pub reminders: Vec<(i64, i32)>,
    /// Mails queued.
    pub mails: usize,
}

/// Runs the check as of `today`; mail links start with `base_url`.
pub fn run(conn: &mut DbConn, today: NaiveDate, base_url: &str) -> Result<CheckReport, OpError> {
    let mut report = CheckReport::default();
    for ended in license::active_ended(conn, today)? {
        if expire(conn, &ended, today)? {
            report.expired.push(ended.id);
        }
    }
    for running in license::current_running(conn, today)? {
        let Some(days) = license::due_reminder(&running, today) else {
            continue;
        };
        if let Some(mails) = remind(conn, &running, days, today, base_url)? {
            report.reminders.push((running.id, days));
            report.mails += mails;
        }
    }
    Ok(report)
}

/// The system, acting on a company's license: audited with no user.
fn system(company_id: i64) -> audit::Actor {
    audit::Actor {
        company_id,
        user_id: None,
        meta: RequestMeta::default(),
    }
}

/// Expires one license with its audit entry; false when another run did it first.
fn expire(conn: &mut DbConn, before: &License, today: NaiveDate) -> Result<bool, OpError> {
    write_tx(conn, |conn| {
        let Some(after) = license::expire(conn, before.id, today)? else {
            return Ok(false);
        };
        audit::record(
            conn,
            &system(before.company_id),
            Entry::success("license.expire", "license", Some(before.id))
                .before(before.audit_snapshot())
                .after(after.audit_snapshot())
                .details(serde_json::json!({ "checked_on": today })),
        )?;
        tracing::info!(
            license = before.id,
            company = before.company_id,
            "license expired"
        );
        Ok(true)
    })
}

/// Records the reminder and queues one mail per company admin, in one transaction; `None`
/// when the reminder was sent before.
fn remind(
    conn: &mut DbConn,
    l: &License,
    days: i32,
    today: NaiveDate,
    base_url: &str,
) -> Result<Option<usize>, OpError> {
    write_tx(conn, |conn| {
        if !license::record_reminder(conn, l.id, days)? {
            return Ok(None);
        }
        let recipients = license::reminder_recipients(conn, l.company_id)?;
        for (name, email) in &recipients {
            reminder_mail(base_url, l, today, name, email).enqueue(conn)?;
        }
        audit::record(
            conn,
            &system(l.company_id),
            Entry::success("license.remind", "license", Some(l.id)).details(serde_json::json!({
                "days_before": days,
                "end_date": l.end_date,
                "recipients": recipients.len(),
            })),
        )?;
        Ok(Some(recipients.len()))
    })
}

/// The reminder to one company admin.
fn reminder_mail(base_url: &str, l: &License, today: NaiveDate, name: &str, email: &str) -> Mail {
    let days_left = (l.end_date - today).num_days() + 1;
    let left = match days_left {
        1 => "today is its last day".to_string(),
        n => format!("{n} days are left, today included"),
    };
    Mail {
        to_name: name.to_string(),
        to_email: email.to_string(),
        subject: format!("Your AmpFlux license ends on {}", l.end_date),
        body: format!(
            "Hello {name},\n\nyour company's AmpFlux {plan} license ends on {end} ({left}).\n\nAfter that date your company's data becomes read-only: everyone can still sign in, read and export everything, but nobody can change anything until the license is renewed. To renew it, contact your AmpFlux provider.\n\nThe license, its seats and projects: {base_url}/admin/license\n",
            plan = l.plan,
            end = l.end_date,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_names_the_end_date_and_the_page() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let t = d(1, 1).and_hms_opt(0, 0, 0).unwrap();
        let l = License {
            id: 1,
            company_id: 1,
            plan: "standard".into(),
            seats: 5,
            max_projects: 10,
            start_date: d(1, 1),
            end_date: d(3, 31),
            status: "active".into(),
            created_at: t,
            updated_at: t,
        };
        let m = reminder_mail("https://x.test", &l, d(3, 24), "Ann", "ann@x.test");
        assert_eq!(m.subject, "Your AmpFlux license ends on 2026-03-31");
        assert!(m.body.contains("8 days are left"), "{}", m.body);
        assert!(m.body.contains("https://x.test/admin/license"));
        let last = reminder_mail("https://x.test", &l, d(3, 31), "Ann", "ann@x.test");
        assert!(last.body.contains("today is its last day"));
    }
}
