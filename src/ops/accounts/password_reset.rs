//! Forgotten passwords: a reset link asked for by email address, the new password set through
//! it (which ends every session), and the reset from the shell.

use crate::auth::password;
use crate::db::{DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::audit::{self, Actor, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::session;
use crate::models::user::{self, User};
use crate::ops::error::OpError;
use crate::ops::input::valid_email;

use super::mail;
use super::{AccountRefusal, personal_words};

/// Reset links per account per hour; more requests are answered the same but send nothing.
const RESETS_PER_HOUR: i64 = 5;

const REQUESTED: &str = "password_reset.requested";

/// A request for a reset link.
#[derive(Debug, Clone)]
pub struct ResetRequest {
    /// Trimmed and lowercase.
    pub email: String,
}

impl ResetRequest {
    pub fn new(email: &str) -> Self {
        ResetRequest {
            email: email.trim().to_lowercase(),
        }
    }

    /// The address must look like one (nothing else is told before the answer).
    pub fn check(&self) -> Result<(), OpError> {
        if valid_email(&self.email) {
            Ok(())
        } else {
            Err(OpError::field(
                "email",
                "Enter the email address of your account.",
            ))
        }
    }
}

/// Issues a reset link for an active account with this address, unless it had too many in the
/// last hour, and queues its mail (true when one was queued). Every request for a known
/// account is recorded.
/// Callers answer before running this, so known and unknown addresses look the same.
pub fn request_reset(
    conn: &mut DbConn,
    meta: &RequestMeta,
    base_url: &str,
    request: &ResetRequest,
) -> Result<bool, OpError> {
    request.check()?;
    let lookup = &request.email;
    write_tx(conn, |conn| {
        let Some(u) =
            user::find_by_login(conn, lookup)?.filter(|u| u.is_active && &u.email == lookup)
        else {
            return Ok(false);
        };
        let since = crate::util::now() - chrono::Duration::hours(1);
        let recent = security_event::count_for_user_since(conn, u.id, REQUESTED, since)?;
        security_event::record(
            conn,
            meta,
            NewEvent {
                user_id: Some(u.id),
                company_id: Some(u.company_id),
                event_type: REQUESTED,
                subject_key: None,
                severity: Severity::Info,
                description: "Password reset link requested".into(),
                metadata: serde_json::json!({ "sent": recent < RESETS_PER_HOUR }),
            },
        )?;
        if recent >= RESETS_PER_HOUR {
            return Ok(false);
        }
        let token = auth_token::issue(conn, Some(u.id), Purpose::PasswordReset)?;
        mail::password_reset(base_url, &u, &token).enqueue(conn)?;
        Ok(true)
    })
}

/// Whether a reset link can still be used (to show its form).
pub fn check_link(conn: &mut DbConn, token: &str) -> Result<(), OpError> {
    match auth_token::peek(conn, Purpose::PasswordReset, token)? {
        Some(_) => Ok(()),
        None => Err(AccountRefusal::ResetLinkInvalid.into()),
    }
}

/// Sets a new password through a reset link: the address counts as verified (the mailbox is
/// proven) and every session of the user ends.
pub fn reset_password(
    conn: &mut DbConn,
    meta: &RequestMeta,
    token: &str,
    password_in: &str,
) -> Result<(), OpError> {
    let owner = match auth_token::peek(conn, Purpose::PasswordReset, token)?.and_then(|t| t.user_id)
    {
        Some(id) => user::find(conn, id)?,
        None => None,
    };
    let owner = owner.ok_or(AccountRefusal::ResetLinkInvalid)?;
    password::check_policy(password_in, &personal_words(&owner))
        .map_err(|m| OpError::field("password", m))?;
    let hash = password::hash(password_in)?;
    let done = write_tx(conn, |conn| {
        // Consumed inside the transaction: a second use of the same link changes nothing.
        let Some(u) = auth_token::consume_for_user(conn, Purpose::PasswordReset, token)? else {
            return Ok(false);
        };
        user::set_password(conn, u.id, &hash)?;
        user::mark_email_verified(conn, u.id)?;
        let ended = session::revoke_all_except(conn, u.id, None)?;
        audit::record(
            conn,
            &Actor::user(&u, meta),
            Entry::success("user.password_reset", "user", Some(u.id))
                .details(serde_json::json!({ "sessions_ended": ended })),
        )?;
        record_completed(
            conn,
            meta,
            &u,
            ended,
            "Password reset by emailed link; all sessions ended",
        )?;
        Ok::<_, OpError>(true)
    })?;
    if done {
        Ok(())
    } else {
        Err(AccountRefusal::ResetLinkInvalid.into())
    }
}

/// Sets a new password for `target` from the shell (which acts as nobody) and ends their
/// sessions; returns how many ended.
pub fn reset_from_shell(
    conn: &mut DbConn,
    meta: &RequestMeta,
    target: &User,
    password_in: &str,
) -> Result<usize, OpError> {
    password::check_policy(password_in, &personal_words(target))
        .map_err(|m| OpError::field("password", m))?;
    let hash = password::hash(password_in)?;
    write_tx(conn, |conn| {
        user::set_password(conn, target.id, &hash)?;
        let ended = session::revoke_all_except(conn, target.id, None)?;
        let actor = Actor {
            company_id: target.company_id,
            user_id: None,
            meta: meta.clone(),
        };
        audit::record(
            conn,
            &actor,
            Entry::success("user.password_reset", "user", Some(target.id))
                .details(serde_json::json!({ "via": "shell", "sessions_ended": ended })),
        )?;
        record_completed(
            conn,
            meta,
            target,
            ended,
            "Password reset from the shell; all sessions ended",
        )?;
        Ok(ended)
    })
}

fn record_completed(
    conn: &mut DbConn,
    meta: &RequestMeta,
    user: &User,
    ended: usize,
    description: &str,
) -> diesel::QueryResult<i64> {
    security_event::record(
        conn,
        meta,
        NewEvent {
            user_id: Some(user.id),
            company_id: Some(user.company_id),
            event_type: "password_reset.completed",
            subject_key: None,
            severity: Severity::Warning,
            description: description.into(),
            metadata: serde_json::json!({ "sessions_ended": ended }),
        },
    )
}
