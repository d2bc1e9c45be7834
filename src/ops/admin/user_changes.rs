//! Changes a company admin makes to a user of the company: the company role, deactivation and
//! reactivation, a password-reset mail, ending sessions, and (soft) deletion. Each runs in one
//! transaction with the company's limits locked, so the last active company admin cannot be
//! removed, not even by two admins demoting each other at the same moment, and a reactivation
//! counts against the seats like an invitation.

use super::users::{
    PeopleRefusal, company_role, ensure_free_seat, keep_an_admin, lock_limits, managed_user,
};
use crate::auth::permissions as perm;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::role::{self, COMPANY_ADMIN};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::session;
use crate::models::user::{self, User};
use crate::ops::accounts::mail;
use crate::ops::actor::Actor;
use crate::ops::error::OpError;

/// What a change did, for its audit entry.
struct Changed<T> {
    before: serde_json::Value,
    after: serde_json::Value,
    details: serde_json::Value,
    result: T,
}

/// A change made, or nothing to do (the role the user already has): nothing to audit.
enum Outcome<T> {
    Changed(Changed<T>),
    Unchanged(T),
}

/// Whether a change gives or keeps something (refused while the company is read-only) or only
/// takes access away (allowed then; see the module comment of `ops/actor.rs`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Change,
    ReducesAccess,
}

/// Runs a change to user `id` of the actor's company (`users:manage`): the permission and (for
/// a `Kind::Change`) the license are checked, then in one write transaction the company's limits are locked, the
/// user is loaded (404 outside the company) with their role names, `f` makes the change, and
/// the audit entry `action` is written with its before and after.
fn change_user<T>(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    (action, kind): (&'static str, Kind),
    f: impl FnOnce(&mut DbConn, &User, &[String]) -> Result<Outcome<T>, OpError>,
) -> Result<T, OpError> {
    let entry = Entry::success(action, "user", Some(id));
    match kind {
        Kind::Change => actor.require_to_change(conn, perm::USERS_MANAGE, entry)?,
        Kind::ReducesAccess => actor.require_to_reduce_access(conn, perm::USERS_MANAGE, entry)?,
    }
    write_tx(conn, |conn| {
        lock_limits(conn, actor.company_id)?;
        let target = managed_user(conn, actor, id)?;
        let roles = role::role_names_for_user(conn, id)?;
        let changed = match f(conn, &target, &roles)? {
            Outcome::Changed(changed) => changed,
            Outcome::Unchanged(result) => return Ok(result),
        };
        audit::record(
            conn,
            &actor.audit(),
            Entry::success(action, "user", Some(id))
                .before(changed.before)
                .after(changed.after)
                .details(changed.details),
        )?;
        Ok(changed.result)
    })
}

/// Records a security event about `target` caused by the actor.
fn security(
    conn: &mut DbConn,
    actor: &Actor,
    target: &User,
    event_type: &str,
    severity: Severity,
    description: String,
    metadata: serde_json::Value,
) -> Result<(), OpError> {
    let mut metadata = metadata;
    metadata["by_user_id"] = serde_json::json!(actor.user_id);
    security_event::record(
        conn,
        &actor.meta,
        NewEvent {
            user_id: Some(target.id),
            company_id: Some(target.company_id),
            event_type,
            subject_key: None,
            severity,
            description,
            metadata,
        },
    )?;
    Ok(())
}

/// Gives the user `role` as their company role (one of the three company roles; anything else,
/// `platform_admin` included, is a field error). The last active company admin keeps the role.
/// Returns the role names after the change.
pub fn change_role(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    role_in: &str,
) -> Result<Vec<String>, OpError> {
    change_user(
        conn,
        actor,
        id,
        ("user.role_change", Kind::Change),
        |conn, target, roles| {
            let new_role = company_role("role", role_in)?;
            if roles.iter().any(|r| r == new_role) {
                return Ok(Outcome::Unchanged(roles.to_vec()));
            }
            if new_role != COMPANY_ADMIN {
                keep_an_admin(conn, actor.company_id, target, roles)?;
            }
            role::replace_company_role(conn, id, new_role, actor.user_id)?;
            let after = role::role_names_for_user(conn, id)?;
            security(
                conn,
                actor,
                target,
                "user.role_change",
                Severity::Info,
                format!("Company role changed to {new_role}"),
                serde_json::json!({ "before": roles, "after": after }),
            )?;
            Ok(Outcome::Changed(Changed {
                before: serde_json::json!({ "roles": roles }),
                after: serde_json::json!({ "roles": after }),
                details: serde_json::json!({}),
                result: after,
            }))
        },
    )
}

/// Deactivates the user and ends all their sessions at once (their open browser is signed out
/// on its next request). Returns how many sessions ended.
pub fn deactivate(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<usize, OpError> {
    change_user(
        conn,
        actor,
        id,
        ("user.deactivate", Kind::ReducesAccess),
        |conn, target, roles| {
            if !target.is_active {
                return Err(PeopleRefusal::AlreadyDeactivated.into());
            }
            keep_an_admin(conn, actor.company_id, target, roles)?;
            user::set_active(conn, id, false)?;
            let ended = session::revoke_all_except(conn, id, None)?;
            security(
                conn,
                actor,
                target,
                "user.deactivate",
                Severity::Warning,
                "Account deactivated; all sessions ended".into(),
                serde_json::json!({ "sessions_ended": ended }),
            )?;
            Ok(Outcome::Changed(Changed {
                before: serde_json::json!({ "is_active": true }),
                after: serde_json::json!({ "is_active": false }),
                details: serde_json::json!({ "sessions_ended": ended }),
                result: ended,
            }))
        },
    )
}

/// Reactivates a deactivated user, if a seat is free.
pub fn reactivate(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<(), OpError> {
    change_user(
        conn,
        actor,
        id,
        ("user.reactivate", Kind::Change),
        |conn, target, _| {
            if target.is_active {
                return Err(PeopleRefusal::AlreadyActive.into());
            }
            ensure_free_seat(conn, actor.company_id)?;
            user::set_active(conn, id, true)?;
            security(
                conn,
                actor,
                target,
                "user.reactivate",
                Severity::Info,
                "Account reactivated".into(),
                serde_json::json!({}),
            )?;
            Ok(Outcome::Changed(Changed {
                before: serde_json::json!({ "is_active": false }),
                after: serde_json::json!({ "is_active": true }),
                details: serde_json::json!({}),
                result: (),
            }))
        },
    )
}

/// Deletes the user (softly): deactivated, sessions ended, seat freed, email address and
/// username released; the name stays, shown as "name (deleted)" on everything they did.
pub fn delete(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<User, OpError> {
    change_user(
        conn,
        actor,
        id,
        ("user.delete", Kind::Change),
        |conn, target, roles| {
            keep_an_admin(conn, actor.company_id, target, roles)?;
            let ended = session::revoke_all_except(conn, id, None)?;
            let deleted = user::soft_delete(conn, id)?;
            security(
                conn,
                actor,
                target,
                "user.delete",
                Severity::Warning,
                "Account deleted; all sessions ended".into(),
                serde_json::json!({ "sessions_ended": ended }),
            )?;
            Ok(Outcome::Changed(Changed {
                before: target.audit_snapshot(),
                after: serde_json::json!({
                    "deleted": true, "is_active": false,
                    "username": deleted.username, "email": deleted.email,
                }),
                details: serde_json::json!({ "sessions_ended": ended, "roles": roles }),
                result: deleted,
            }))
        },
    )
}

/// Mails the user a password-reset link (like "forgot password" does); earlier links stop
/// working. Only for active users.
pub fn send_password_reset(
    conn: &mut DbConn,
    actor: &Actor,
    base_url: &str,
    id: i64,
) -> Result<User, OpError> {
    change_user(
        conn,
        actor,
        id,
        ("user.password_reset_sent", Kind::Change),
        |conn, target, _| {
            if !target.is_active {
                return Err(PeopleRefusal::Deactivated.into());
            }
            let token = auth_token::issue(conn, Some(id), Purpose::PasswordReset)?;
            mail::password_reset(base_url, target, &token).enqueue(conn)?;
            Ok(Outcome::Changed(Changed {
                before: serde_json::json!({}),
                after: serde_json::json!({ "reset_link_sent_to": target.email }),
                details: serde_json::json!({}),
                result: target.clone(),
            }))
        },
    )
}

/// Ends one session of the user (by its public id; another user's session is not found).
pub fn revoke_session(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    public_id: &str,
) -> Result<(), OpError> {
    // Public ids are short URL-safe tokens: anything else (a NUL, say) names no session and
    // never reaches the database.
    let well_formed = (1..=64).contains(&public_id.len())
        && public_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(OpError::NotFound);
    }
    change_user(
        conn,
        actor,
        id,
        ("session.revoke", Kind::ReducesAccess),
        |conn, _, _| {
            if !session::revoke(conn, id, public_id)? {
                return Err(OpError::NotFound);
            }
            Ok(Outcome::Changed(Changed {
                before: serde_json::json!({ "session": public_id, "revoked": false }),
                after: serde_json::json!({ "session": public_id, "revoked": true }),
                details: serde_json::json!({ "user_id": id }),
                result: (),
            }))
        },
    )
}

/// Ends every session of the user; returns how many ended.
pub fn revoke_all_sessions(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<usize, OpError> {
    change_user(
        conn,
        actor,
        id,
        ("session.revoke", Kind::ReducesAccess),
        |conn, _, _| {
            let ended = session::revoke_all_except(conn, id, None)?;
            Ok(Outcome::Changed(Changed {
                before: serde_json::json!({}),
                after: serde_json::json!({ "sessions_ended": ended }),
                details: serde_json::json!({ "user_id": id, "all": true }),
                result: ended,
            }))
        },
    )
}

/// Turns the user's two-factor sign-in off for someone who lost their device (their secret
/// and recovery codes are deleted); they sign in with their password and, where the company
/// requires it, set it up again. Audited and recorded as a security event.
pub fn reset_two_factor(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<(), OpError> {
    if actor.user_id == Some(id) {
        return Err(PeopleRefusal::OwnTwoFactor.into());
    }
    change_user(
        conn,
        actor,
        id,
        ("user.two_factor_reset", Kind::Change),
        |conn, target, _| {
            if !crate::models::two_factor::remove(conn, id)? {
                return Err(PeopleRefusal::TwoFactorOff.into());
            }
            security(
                conn,
                actor,
                target,
                "two_factor.reset",
                Severity::Warning,
                "Two-factor sign-in reset by an administrator".into(),
                serde_json::json!({}),
            )?;
            Ok(Outcome::Changed(Changed {
                before: serde_json::json!({ "two_factor": true }),
                after: serde_json::json!({ "two_factor": false }),
                details: serde_json::json!({}),
                result: (),
            }))
        },
    )
}
