//! What every full page needs: title, CSRF token, the signed-in user and their navigation,
//! flash messages and the license banner.

use actix_session::Session;
use serde::{Deserialize, Serialize};

use super::extractors::CurrentUser;
use crate::auth::{csrf, permissions};
use crate::models::license::LicenseState;

const FLASH_KEY: &str = "flash";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `info`, `success` or `error`: the CSS class of the message.
    pub level: String,
    pub message: String,
}

/// Queues a message for the next page shown to this session. Messages may quote user input;
/// NUL is replaced since the session state is stored in the database.
pub fn flash(session: &Session, level: &str, message: impl Into<String>) {
    let mut list: Vec<Flash> = session.get(FLASH_KEY).ok().flatten().unwrap_or_default();
    list.push(Flash {
        level: level.to_string(),
        message: crate::util::without_nul(&message.into()),
    });
    let _ = session.insert(FLASH_KEY, list);
}

fn take_flashes(session: &Session) -> Vec<Flash> {
    // Only touch the session when there is something to take: a removal marks it changed,
    // which costs a write.
    match session.get::<Vec<Flash>>(FLASH_KEY) {
        Ok(Some(list)) => {
            session.remove(FLASH_KEY);
            list
        }
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub username: String,
    pub company: String,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub csrf: String,
    pub user: Option<NavUser>,
    pub nav: Vec<NavLink>,
    pub flashes: Vec<Flash>,
    pub license_banner: Option<String>,
}

impl Page {
    /// A page of the signed-out area (sign-in, sign-up, one-time links): no navigation.
    pub fn anonymous(session: &Session, title: impl Into<String>) -> Page {
        Page::new(session, title, None, "")
    }

    /// `section` is the href of the navigation entry to mark as current.
    pub fn new(
        session: &Session,
        title: impl Into<String>,
        user: Option<&CurrentUser>,
        section: &str,
    ) -> Page {
        let nav = match user {
            None => Vec::new(),
            Some(u) => {
                let mut links = vec![("/", "Dashboard")];
                if u.can(permissions::PROJECTS_READ) {
                    links.push(("/projects", "Projects"));
                }
                if u.can(permissions::AUDIT_READ) {
                    links.push(("/audit", "Audit trail"));
                }
                if u.can(permissions::USERS_MANAGE) || u.can(permissions::LICENSES_READ) {
                    links.push(("/admin", "Company"));
                }
                links.push(("/account", "Account"));
                links
                    .into_iter()
                    .map(|(href, label)| NavLink {
                        href,
                        label,
                        active: href == section,
                    })
                    .collect()
            }
        };
        let license_banner = user.and_then(|u| match u.license_state() {
            LicenseState::Inactive { reason } => Some(format!(
                "{reason} The company's data is read-only until an administrator renews it."
            )),
            LicenseState::Active { plan, days_left } if days_left <= 7 => Some(format!(
                "The {plan} license ends in {days_left} day{}.",
                if days_left == 1 { "" } else { "s" }
            )),
            LicenseState::Active { .. } => None,
        });
        Page {
            title: title.into(),
            csrf: csrf::token(session),
            user: user.map(|u| NavUser {
                name: u.user.name.clone(),
                username: u.user.username.clone(),
                company: u.company.name.clone(),
            }),
            nav,
            flashes: take_flashes(session),
            license_banner,
        }
    }

    /// What of this page's frame a cached response depends on (the CSRF token, the user and
    /// navigation, the banner and title), for an entity tag; `None` while flash messages are
    /// shown, which must never be answered with 304 (they were taken from the session).
    pub fn fingerprint(&self) -> Option<String> {
        if !self.flashes.is_empty() {
            return None;
        }
        let mut f = format!("{}\n{}\n", self.title, self.csrf);
        if let Some(u) = &self.user {
            f.push_str(&format!("{}\n{}\n{}\n", u.name, u.username, u.company));
        }
        for link in &self.nav {
            f.push_str(&format!("{}|{}|{}\n", link.href, link.label, link.active));
        }
        f.push_str(self.license_banner.as_deref().unwrap_or(""));
        Some(f)
    }

    /// The JSON for `hx-headers` on `<body>`: every htmx request carries the CSRF token.
    pub fn hx_headers(&self) -> String {
        serde_json::json!({ "X-CSRF-Token": self.csrf }).to_string()
    }
}

/// Formats a UTC time in the user's time zone, e.g. `2026-11-22 14:03 CET`.
pub fn local_time(t: &chrono::NaiveDateTime, timezone: &str) -> String {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    t.and_utc()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Page {
        Page {
            title: "Simulation #1".into(),
            csrf: "token-a".into(),
            user: Some(NavUser {
                name: "Ada".into(),
                username: "ada".into(),
                company: "Grid Co".into(),
            }),
            nav: Vec::new(),
            flashes: Vec::new(),
            license_banner: None,
        }
    }

    #[test]
    fn the_fingerprint_follows_the_frame_and_is_absent_with_flash_messages() {
        let a = page();
        let same = page();
        assert_eq!(a.fingerprint(), same.fingerprint());
        let mut other_token = page();
        other_token.csrf = "token-b".into();
        assert_ne!(a.fingerprint(), other_token.fingerprint());
        let mut banner = page();
        banner.license_banner = Some("The trial license ends in 3 days.".into());
        assert_ne!(a.fingerprint(), banner.fingerprint());
        let mut flashed = page();
        flashed.flashes.push(Flash {
            level: "success".into(),
            message: "Saved.".into(),
        });
        assert_eq!(flashed.fingerprint(), None);
    }
}
