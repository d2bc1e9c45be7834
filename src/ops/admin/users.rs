//! People of the company as its administrators see them (the list, one user's page), the
//! refusals of every people change, and the rules they share: seats, the last company admin,
//! which users a company may manage.

use chrono::NaiveDateTime;

use crate::auth::permissions as perm;
use crate::db::DbConn;
use crate::models::invitation::{self, Listed as ListedInvitation};
use crate::models::people::{self, Filter, Listed as ListedUser, Membership};
use crate::models::role::{self, COMPANY_ADMIN, COMPANY_ROLES};
use crate::models::security_event::{self, SecurityEvent};
use crate::models::session::{self, SessionRow};
use crate::models::user::{self, User};
use crate::models::{company, license};
use crate::ops::actor::Actor;
use crate::ops::error::OpError;

/// Why a change to the company's people is refused. The message is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum PeopleRefusal {
    #[error(
        "The company must keep at least one active company administrator: make someone else administrator first."
    )]
    LastCompanyAdmin,
    #[error("{}", seats_message(*seats, *active, *pending))]
    SeatsExhausted {
        seats: i64,
        active: i64,
        pending: i64,
    },
    /// The address belongs to an account or an open invitation somewhere: which company is
    /// never said.
    #[error(
        "This email address cannot be invited: it already belongs to an account or has an open invitation."
    )]
    EmailInUse,
    /// At acceptance: an account with the invited address was created since the invitation.
    #[error(
        "An account with this email address exists now, so this invitation can no longer be accepted. Sign in with that account, or ask your administrator."
    )]
    AddressNowInUse,
    #[error(
        "This invitation link is invalid, was already used, was revoked or has expired. Ask your administrator for a new invitation."
    )]
    InvitationLinkInvalid,
    #[error("This invitation was already accepted or revoked.")]
    InvitationClosed,
    #[error("This user is already deactivated.")]
    AlreadyDeactivated,
    #[error("This user is already active.")]
    AlreadyActive,
    #[error("This user is deactivated: reactivate them first.")]
    Deactivated,
    #[error("This user does not use two-factor sign-in.")]
    TwoFactorOff,
    /// Turning one's own second factor off needs the password and a code (on one's account
    /// page), not an administrator's reset.
    #[error(
        "You cannot reset your own two-factor sign-in here: turn it off on your account's two-factor page, with your password and a code."
    )]
    OwnTwoFactor,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn seats_message(seats: i64, active: i64, pending: i64) -> String {
    format!(
        "All {} {} taken ({}, {}). Deactivate or delete someone, revoke an invitation, or ask for a license with more seats.",
        plural(seats, "seat", "seats"),
        if seats == 1 { "is" } else { "are" },
        plural(active, "active user", "active users"),
        plural(pending, "pending invitation", "pending invitations"),
    )
}

/// How the company's seats are used: active users and pending invitations each hold one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatUsage {
    /// The current license's seats (0 without a license).
    pub seats: i64,
    pub active: i64,
    pub pending: i64,
}

impl SeatUsage {
    pub fn used(&self) -> i64 {
        self.active + self.pending
    }
}

pub fn seat_usage(conn: &mut DbConn, company_id: i64) -> Result<SeatUsage, OpError> {
    let seats = license::current(conn, company_id)?.map_or(0, |l| i64::from(l.seats));
    Ok(SeatUsage {
        seats,
        active: user::active_count(conn, company_id)?,
        pending: invitation::pending_count(conn, company_id)?,
    })
}

/// Refuses unless one more seat is free. Call inside the write transaction, after
/// `company::lock_for_limits`, so concurrent requests count one after another.
pub(super) fn ensure_free_seat(conn: &mut DbConn, company_id: i64) -> Result<SeatUsage, OpError> {
    let usage = seat_usage(conn, company_id)?;
    if usage.used() >= usage.seats {
        return Err(PeopleRefusal::SeatsExhausted {
            seats: usage.seats,
            active: usage.active,
            pending: usage.pending,
        }
        .into());
    }
    Ok(usage)
}

/// Locks the company's limits for the rest of the transaction (see `lock_for_limits`).
pub(super) fn lock_limits(conn: &mut DbConn, company_id: i64) -> Result<(), OpError> {
    Ok(company::lock_for_limits(conn, company_id)?)
}

/// A user the actor's company may manage: of the company, not deleted, not a platform admin.
/// Anything else is not found.
pub(super) fn managed_user(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<User, OpError> {
    let found = user::find_in_company(conn, actor.company_id, id)?.ok_or(OpError::NotFound)?;
    if people::is_platform_admin(conn, found.id)? {
        return Err(OpError::NotFound);
    }
    Ok(found)
}

/// Refuses when `target` is the company's last active company admin and is about to stop being
/// one. Call after `lock_limits`, inside the transaction of the change.
pub(super) fn keep_an_admin(
    conn: &mut DbConn,
    company_id: i64,
    target: &User,
    roles: &[String],
) -> Result<(), OpError> {
    let is_admin = target.is_active && roles.iter().any(|r| r == COMPANY_ADMIN);
    if is_admin && user::active_count_with_role(conn, company_id, COMPANY_ADMIN)? <= 1 {
        return Err(PeopleRefusal::LastCompanyAdmin.into());
    }
    Ok(())
}

/// A company role from a form: one of the three, else a field error (`platform_admin` too).
pub(super) fn company_role(field: &'static str, role: &str) -> Result<&'static str, OpError> {
    COMPANY_ROLES
        .into_iter()
        .find(|r| *r == role.trim())
        .ok_or_else(|| {
            OpError::field(
                field,
                "Choose a company role: company_admin, engineer or reviewer.",
            )
        })
}

/// A company by slug or code (for the shell, which names the company it acts in).
pub fn find_company(conn: &mut DbConn, name: &str) -> Result<Option<company::Company>, OpError> {
    Ok(company::find_by_slug_or_code(conn, name)?)
}

// ------------------------------------------------------------------ the list

/// The list's query as typed (from the URL).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PeopleQuery {
    pub q: String,
    pub role: String,
    pub status: String,
    /// From 1.
    pub page: Option<i64>,
}

impl PeopleQuery {
    /// Unknown roles and statuses mean any; the search loses control characters.
    pub fn normalized(self) -> (Filter, i64) {
        let role = if COMPANY_ROLES.contains(&self.role.as_str()) {
            self.role
        } else {
            String::new()
        };
        let status = if people::STATUSES.contains(&self.status.as_str()) {
            self.status
        } else {
            String::new()
        };
        let search = self
            .q
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect::<String>()
            .trim()
            .to_string();
        let page = self.page.unwrap_or(1).clamp(1, 100_000);
        (
            Filter {
                search,
                role,
                status,
            },
            page,
        )
    }
}

/// One page of the people list.
#[derive(Debug)]
pub struct PeoplePage {
    pub filter: Filter,
    /// From 1.
    pub page: i64,
    pub pages: i64,
    pub users: Vec<ListedUser>,
    /// Users matching in all.
    pub total: i64,
    /// Open invitations matching the filter (shown on the first page).
    pub invitations: Vec<ListedInvitation>,
    pub seats: SeatUsage,
}

/// The company's people (`users:manage`): users and open invitations.
pub fn list(conn: &mut DbConn, actor: &Actor, query: PeopleQuery) -> Result<PeoplePage, OpError> {
    actor.require(perm::USERS_MANAGE)?;
    let (filter, page) = query.normalized();
    let (users, total) = if filter.status == "invited" {
        (Vec::new(), 0)
    } else {
        people::list_users(conn, actor.company_id, &filter, page - 1)?
    };
    let show_invitations = page == 1 && matches!(filter.status.as_str(), "" | "invited");
    let invitations = if show_invitations {
        invitation::list_open(conn, actor.company_id, &filter.search, &filter.role)?
    } else {
        Vec::new()
    };
    Ok(PeoplePage {
        pages: ((total + people::PAGE_SIZE - 1) / people::PAGE_SIZE).max(1),
        filter,
        page,
        users,
        total,
        invitations,
        seats: seat_usage(conn, actor.company_id)?,
    })
}

// ------------------------------------------------------------------ one user

/// What a user's page shows.
#[derive(Debug)]
pub struct UserDetail {
    pub user: User,
    pub roles: Vec<String>,
    pub projects: Vec<Membership>,
    pub sessions: Vec<SessionRow>,
    pub events: Vec<SecurityEvent>,
}

/// Security events shown on a user's page.
const RECENT_EVENTS: i64 = 20;

/// One user of the company (`users:manage`) with roles, projects, live sessions (seen since
/// `idle_since`) and recent security events.
pub fn detail(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    idle_since: NaiveDateTime,
) -> Result<UserDetail, OpError> {
    actor.require(perm::USERS_MANAGE)?;
    let user = managed_user(conn, actor, id)?;
    Ok(UserDetail {
        roles: role::role_names_for_user(conn, id)?,
        projects: people::memberships(conn, actor.company_id, id)?,
        sessions: session::list_for_user(conn, id, idle_since)?,
        events: security_event::recent_for_user(conn, id, RECENT_EVENTS)?,
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seat_messages_count_right() {
        assert_eq!(
            seats_message(5, 4, 1),
            "All 5 seats are taken (4 active users, 1 pending invitation). Deactivate or delete someone, revoke an invitation, or ask for a license with more seats."
        );
        assert!(
            seats_message(1, 1, 0)
                .starts_with("All 1 seat is taken (1 active user, 0 pending invitations)")
        );
    }

    #[test]
    fn queries_normalize() {
        let (f, page) = PeopleQuery {
            q: " ada\0 ".into(),
            role: "platform_admin".into(),
            status: "invited".into(),
            page: Some(0),
        }
        .normalized();
        assert_eq!(
            (f.search.as_str(), f.role.as_str(), f.status.as_str(), page),
            ("ada", "", "invited", 1)
        );
    }
}
