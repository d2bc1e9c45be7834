//! Changing one's own password. Guessing the current password from a hijacked session is
//! throttled like signing in, against the same account budget, and in the same two steps:
//! `begin` claims the attempt and says how long to wait, `change` checks and changes.

use std::time::Duration;

use crate::auth::password;
use crate::auth::throttle::{self, Subject, Verdict};
use crate::config::LoginThrottle;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::{session, user};
use crate::ops::actor::Actor;
use crate::ops::error::OpError;
use crate::ops::input::FieldErrors;

use super::{AccountRefusal, acting_user, personal_words, signed_in_id};

/// The current password and the new one.
#[derive(Debug, Clone)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// A claimed attempt: wait `delay`, then `change`.
#[derive(Debug)]
pub struct Pending {
    pub delay: Duration,
    subject: Subject,
    event_id: Option<i64>,
}

fn subject(actor: &Actor) -> Result<Subject, OpError> {
    let user_id = signed_in_id(actor)?;
    Ok(Subject {
        key: throttle::subject_key(Some(user_id), ""),
        user_id: Some(user_id),
        company_id: Some(actor.company_id),
    })
}

/// Claims an attempt to prove the current password; `Locked` after too many failures.
pub fn begin(conn: &mut DbConn, limits: &LoginThrottle, actor: &Actor) -> Result<Pending, OpError> {
    let subject = subject(actor)?;
    let claim = throttle::claim(
        conn,
        limits,
        &subject,
        &actor.meta,
        security_event::PASSWORD_CHANGE_FAILURE,
        "Password change refused: wrong current password",
    )?;
    match claim.verdict {
        Verdict::Locked { retry_after } => Err(AccountRefusal::Locked { retry_after }.into()),
        Verdict::Allow { delay } => Ok(Pending {
            delay,
            subject,
            event_id: claim.event_id,
        }),
    }
}

/// Checks the current password (a wrong one is audited as a failure and counts towards a
/// lockout), then the new one, and changes it: reset links mailed before stop working and every
/// other session ends (`keep` is the caller's own). Returns how many sessions ended.
pub fn change(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    actor: &Actor,
    keep: Option<&str>,
    pending: Pending,
    input: ChangePassword,
) -> Result<usize, OpError> {
    let me = acting_user(conn, actor)?;
    let audit_actor = actor.audit();
    if !password::verify(&input.current_password, &me.password_hash)
        .map_err(password::HashError::from)?
    {
        write_tx(conn, |conn| {
            audit::record(
                conn,
                &audit_actor,
                Entry::failure("user.password_change", "user", Some(me.id))
                    .details(serde_json::json!({ "reason": "wrong current password" })),
            )?;
            throttle::after_failure(conn, limits, &pending.subject, &actor.meta)
        })?;
        return Err(AccountRefusal::WrongCurrentPassword.into());
    }
    if let Some(id) = pending.event_id {
        security_event::settle(
            conn,
            id,
            "password_change.confirmed",
            Severity::Info,
            "Current password confirmed for a password change",
        )?;
    }
    let mut errors = FieldErrors::default();
    if let Err(m) = password::check_policy(&input.new_password, &personal_words(&me)) {
        errors.add("new_password", m);
    } else if input.new_password == input.current_password {
        errors.add(
            "new_password",
            "Choose a password different from the current one.",
        );
    }
    if !errors.is_empty() {
        return Err(OpError::Invalid(errors));
    }
    let hash = password::hash(&input.new_password)?;
    write_tx(conn, |conn| {
        user::set_password(conn, me.id, &hash)?;
        // A reset link mailed before the change must not undo it.
        auth_token::expire(conn, Some(me.id), Purpose::PasswordReset)?;
        let ended = session::revoke_all_except(conn, me.id, keep)?;
        audit::record(
            conn,
            &audit_actor,
            Entry::success("user.password_change", "user", Some(me.id))
                .details(serde_json::json!({ "other_sessions_ended": ended })),
        )?;
        security_event::record(
            conn,
            &actor.meta,
            NewEvent {
                user_id: Some(me.id),
                company_id: Some(actor.company_id),
                event_type: "password_change",
                subject_key: None,
                severity: Severity::Info,
                description: "Password changed; other sessions ended".into(),
                metadata: serde_json::json!({ "other_sessions_ended": ended }),
            },
        )?;
        Ok(ended)
    })
}
