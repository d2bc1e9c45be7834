//! The trail's filters as the address carries them (`?user=3&project=&action=user.&from=...`),
//! checked and turned into a `models::audit::Filter`. Dates are days in the reader's time zone.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;

use crate::models::audit::Filter;
use crate::ops::input::FieldErrors;

/// The filters as typed (empty means any), and the id to continue below.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    /// Actions starting with this (`user.` or `user.role_change`).
    pub action: Option<String>,
    /// `success` or `failure`.
    pub outcome: Option<String>,
    /// A user id (from the picker).
    pub user: Option<String>,
    /// A project id (from the picker).
    pub project: Option<String>,
    pub entity_type: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (included).
    pub to: Option<String>,
    pub before: Option<i64>,
}

/// The filters as applied: what the form shows again and the links carry on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub action: String,
    pub outcome: String,
    pub user: Option<i64>,
    pub project: Option<i64>,
    pub entity_type: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Applied {
    /// The filters as URL query pairs (only those set), in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut add = |k: &'static str, v: String| {
            if !v.is_empty() {
                pairs.push((k, v));
            }
        };
        add("user", self.user.map(|u| u.to_string()).unwrap_or_default());
        add(
            "project",
            self.project.map(|p| p.to_string()).unwrap_or_default(),
        );
        add("action", self.action.clone());
        add("entity_type", self.entity_type.clone());
        add("outcome", self.outcome.clone());
        add("from", self.from.map(|d| d.to_string()).unwrap_or_default());
        add("to", self.to.map(|d| d.to_string()).unwrap_or_default());
        pairs
    }
}

/// Lowercase, trimmed, without control characters, at most 100 characters: actions and
/// entity types are lowercase ASCII like `user.update`, compared the same way on both
/// databases.
pub(crate) fn word(s: Option<String>) -> String {
    s.unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>()
        .to_lowercase()
}

/// A positive id, or `None` for an empty value; anything else is an error.
fn id(s: Option<&str>) -> Result<Option<i64>, ()> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().ok().filter(|n| *n > 0).map(Some).ok_or(()),
    }
}

fn date(s: Option<&str>) -> Result<Option<NaiveDate>, ()> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| (1970..=9998).contains(&chrono::Datelike::year(d)))
            .map(Some)
            .ok_or(()),
    }
}

/// The UTC time at which `day` starts in `timezone` (the first instant of the day where a
/// clock change skips midnight).
pub fn day_start_utc(day: NaiveDate, timezone: &str) -> NaiveDateTime {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (0..=3)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + chrono::TimeDelta::hours(h)))
                .earliest()
        })
        .map(|t| t.naive_utc())
        .unwrap_or(midnight)
}

/// A range of days as typed (`from`, `to`, the last day included), in a time zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct Days {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// When `from` starts (UTC).
    pub since: Option<NaiveDateTime>,
    /// When the day after `to` starts (UTC).
    pub until: Option<NaiveDateTime>,
}

/// Reads `from` and `to` (`YYYY-MM-DD`, empty for open), adding errors beside those fields.
pub fn days(
    from: Option<&str>,
    to: Option<&str>,
    timezone: &str,
    errors: &mut FieldErrors,
) -> Days {
    let mut d = Days::default();
    match date(from) {
        Ok(v) => d.from = v,
        Err(()) => errors.add("from", "Enter a date like 2026-12-31."),
    }
    match date(to) {
        Ok(v) => d.to = v,
        Err(()) => errors.add("to", "Enter a date like 2026-12-31."),
    }
    if let (Some(from), Some(to)) = (d.from, d.to)
        && to < from
    {
        errors.add("to", "The last day must not be before the first.");
    }
    d.since = d.from.map(|day| day_start_utc(day, timezone));
    d.until =
        d.to.and_then(|day| day.succ_opt())
            .map(|day| day_start_utc(day, timezone));
    d
}

/// Checks the query. Returns the filters as applied, and the model's filter or the errors per
/// field (`user`, `project`, `from`, `to`).
pub fn parse(query: &ListQuery, timezone: &str) -> (Applied, Result<Filter, FieldErrors>) {
    let mut errors = FieldErrors::default();
    let mut applied = Applied {
        action: word(query.action.clone()),
        outcome: match query.outcome.as_deref() {
            Some(o @ ("success" | "failure")) => o.to_string(),
            _ => String::new(),
        },
        entity_type: word(query.entity_type.clone()),
        ..Applied::default()
    };
    match id(query.user.as_deref()) {
        Ok(u) => applied.user = u,
        Err(()) => errors.add("user", "Choose a person from the list."),
    }
    match id(query.project.as_deref()) {
        Ok(p) => applied.project = p,
        Err(()) => errors.add("project", "Choose a project from the list."),
    }
    let days = days(
        query.from.as_deref(),
        query.to.as_deref(),
        timezone,
        &mut errors,
    );
    (applied.from, applied.to) = (days.from, days.to);
    if !errors.is_empty() {
        return (applied, Err(errors));
    }
    let filter = Filter {
        action: Some(applied.action.clone()),
        outcome: Some(applied.outcome.clone()),
        user_id: applied.user,
        project_id: applied.project,
        entity_type: Some(applied.entity_type.clone()),
        since: days.since,
        until: days.until,
    };
    (applied, Ok(filter))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> ListQuery {
        let mut q = ListQuery::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "action" => q.action = v,
                "outcome" => q.outcome = v,
                "user" => q.user = v,
                "project" => q.project = v,
                "entity_type" => q.entity_type = v,
                "from" => q.from = v,
                "to" => q.to = v,
                _ => unreachable!(),
            }
        }
        q
    }

    #[test]
    fn empty_values_mean_any() {
        let (applied, filter) = parse(&q(&[("user", ""), ("project", " "), ("from", "")]), "UTC");
        let filter = filter.unwrap();
        assert_eq!(applied, Applied::default());
        assert_eq!(filter.user_id, None);
        assert_eq!(filter.since, None);
        assert!(applied.pairs().is_empty());
    }

    #[test]
    fn days_are_local_and_the_last_day_is_included() {
        let (applied, filter) = parse(
            &q(&[
                ("from", "2026-12-01"),
                ("to", "2026-12-01"),
                ("action", " User. "),
            ]),
            "Europe/Berlin",
        );
        let filter = filter.unwrap();
        assert_eq!(applied.action, "user.");
        assert_eq!(filter.since.unwrap().to_string(), "2026-11-30 23:00:00");
        assert_eq!(filter.until.unwrap().to_string(), "2026-12-01 23:00:00");
        assert_eq!(
            applied.pairs(),
            vec![
                ("action", "user.".to_string()),
                ("from", "2026-12-01".to_string()),
                ("to", "2026-12-01".to_string())
            ]
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_hour() {
        // Santiago moved its clocks from 00:00 to 01:00 on 2026-09-06.
        let start = day_start_utc(
            NaiveDate::from_ymd_opt(2026, 9, 6).unwrap(),
            "America/Santiago",
        );
        assert_eq!(start.to_string(), "2026-09-06 04:00:00");
    }

    #[test]
    fn bad_values_are_field_errors() {
        let errors = parse(
            &q(&[
                ("user", "x"),
                ("project", "-3"),
                ("from", "2026-13-01"),
                ("to", "yesterday"),
            ]),
            "UTC",
        )
        .1
        .unwrap_err();
        for field in ["user", "project", "from", "to"] {
            assert!(errors.has(field), "{field}");
        }
        let errors = parse(&q(&[("from", "2026-12-02"), ("to", "2026-12-01")]), "UTC")
            .1
            .unwrap_err();
        assert!(errors.has("to"));
        let (applied, filter) = parse(&q(&[("outcome", "maybe")]), "UTC");
        assert!(filter.is_ok());
        assert_eq!(applied.outcome, "");
    }
}
