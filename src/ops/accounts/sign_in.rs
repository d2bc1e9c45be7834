//! Signing in and out. Signing in runs in two steps so the throttle's delay is waited by the
//! caller without holding a database connection or a thread: `begin` claims the attempt (the
//! same for known and unknown logins) and says how long to wait; `finish` checks the password
//! and settles the attempt. Only security events are recorded, no audit entries. A user with
//! two-factor sign-in gets `SignedIn::SecondFactor` instead of a session: the code is checked
//! by `two_factor::finish_sign_in`.

use std::time::Duration;

use crate::auth::password;
use crate::auth::throttle::{self, Subject, Verdict};
use crate::config::LoginThrottle;
use crate::db::{DbConn, write_tx};
use crate::models::auth_token::{self, Purpose};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::user::{self, User};
use crate::models::{RequestMeta, company};
use crate::ops::error::OpError;

use super::AccountRefusal;
use super::mail;

/// A claimed sign-in attempt: wait `delay`, then `finish` it.
#[derive(Debug)]
pub struct Pending {
    pub delay: Duration,
    found: Option<User>,
    company_active: bool,
    subject: Subject,
    /// The provisional failure event of this attempt.
    event_id: Option<i64>,
}

/// How a finished sign-in ended.
#[derive(Debug)]
pub enum SignedIn {
    /// Start a session for this user.
    User(Box<User>),
    /// The password was right and the user signs in with a second factor: ask for a code
    /// (`ops::accounts::two_factor::finish_sign_in`) before any session starts.
    SecondFactor { user_id: i64 },
    /// The password was right but the address is not verified: a new link was mailed, and
    /// `refusal` explains.
    Unverified { refusal: AccountRefusal },
}

/// Claims an attempt for `login` (email or username). Refused with `Locked` (and recorded as
/// `login.blocked`) after too many failures.
pub fn begin(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    meta: &RequestMeta,
    login: &str,
) -> Result<Pending, OpError> {
    let login = login.trim();
    let found = user::find_by_login(conn, login)?;
    let subject = Subject {
        key: throttle::subject_key(found.as_ref().map(|u| u.id), login),
        user_id: found.as_ref().map(|u| u.id),
        company_id: found.as_ref().map(|u| u.company_id),
    };
    let claim = throttle::claim(
        conn,
        limits,
        &subject,
        meta,
        security_event::LOGIN_FAILURE,
        "Failed sign-in",
    )?;
    match claim.verdict {
        Verdict::Locked { retry_after } => {
            security_event::record(
                conn,
                meta,
                NewEvent {
                    user_id: subject.user_id,
                    company_id: subject.company_id,
                    event_type: "login.blocked",
                    subject_key: Some(subject.key.clone()),
                    severity: Severity::Warning,
                    description: "Sign-in refused while locked after repeated failures".into(),
                    metadata: serde_json::json!({}),
                },
            )?;
            Err(AccountRefusal::Locked { retry_after }.into())
        }
        Verdict::Allow { delay } => {
            let company_active = match &found {
                Some(u) => company::find(conn, u.company_id)?.is_active,
                None => true,
            };
            Ok(Pending {
                delay,
                found,
                company_active,
                subject,
                event_id: claim.event_id,
            })
        }
    }
}

/// Checks the password of a claimed attempt and settles it: a wrong password counts towards a
/// lockout; a right one for a deactivated account or an unverified address is refused without
/// counting; else the user is signed in (`last_login_at`).
pub fn finish(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    meta: &RequestMeta,
    base_url: &str,
    pending: Pending,
    password_in: &str,
) -> Result<SignedIn, OpError> {
    let Pending {
        found,
        company_active,
        subject,
        event_id,
        ..
    } = pending;
    let settle = |conn: &mut DbConn, event_type, severity, description| match event_id {
        Some(id) => security_event::settle(conn, id, event_type, severity, description),
        None => Ok(()),
    };
    let checked = match found {
        None => password::verify_dummy(password_in).map(|()| None),
        Some(u) => password::verify(password_in, &u.password_hash).map(|ok| ok.then_some(u)),
    };
    let user = match checked {
        Ok(user) => user,
        Err(busy) => {
            // Not checked (the server is busy): not a guess, so it does not count towards a
            // lockout; the client is told to retry.
            settle(
                conn,
                "login.busy",
                Severity::Info,
                "Sign-in not checked: the server was busy",
            )?;
            return Err(password::HashError::from(busy).into());
        }
    };
    // A refusal is an outcome like a success: its events are committed.
    let outcome: Result<SignedIn, AccountRefusal> = write_tx(conn, |conn| -> Result<_, OpError> {
        match user {
            None => {
                throttle::after_failure(conn, limits, &subject, meta)?;
                Ok(Err(AccountRefusal::WrongCredentials))
            }
            Some(u) if !u.is_active || !company_active => {
                // The password was right: not a guess, so it does not count towards a lockout.
                settle(
                    conn,
                    "login.inactive",
                    Severity::Warning,
                    "Sign-in refused: account or company deactivated",
                )?;
                Ok(Err(AccountRefusal::Deactivated))
            }
            Some(u) if u.email_verified_at.is_none() => {
                settle(
                    conn,
                    "login.unverified",
                    Severity::Info,
                    "Sign-in refused: email address not verified",
                )?;
                let token = auth_token::issue(conn, Some(u.id), Purpose::VerifyEmail)?;
                mail::verification(base_url, &u, &token).enqueue(conn)?;
                Ok(Ok(SignedIn::Unverified {
                    refusal: AccountRefusal::EmailUnverified { email: u.email },
                }))
            }
            Some(u) if u.two_factor_enabled_at.is_some() => {
                // Not signed in yet: the second step records the sign-in.
                settle(
                    conn,
                    "login.password_ok",
                    Severity::Info,
                    "Password right; waiting for the two-factor code",
                )?;
                Ok(Ok(SignedIn::SecondFactor { user_id: u.id }))
            }
            Some(u) => {
                settle(
                    conn,
                    security_event::LOGIN_SUCCESS,
                    Severity::Info,
                    "Signed in",
                )?;
                user::record_login(conn, u.id)?;
                Ok(Ok(SignedIn::User(Box::new(u))))
            }
        }
    })?;
    Ok(outcome?)
}

/// Records that `user_id` signed out (the caller ends the session).
pub fn sign_out(conn: &mut DbConn, meta: &RequestMeta, user_id: i64) -> Result<(), OpError> {
    let company_id = user::find(conn, user_id)?.map(|u| u.company_id);
    security_event::record(
        conn,
        meta,
        NewEvent {
            user_id: Some(user_id),
            company_id,
            event_type: "logout",
            subject_key: None,
            severity: Severity::Info,
            description: "Signed out".into(),
            metadata: serde_json::json!({}),
        },
    )?;
    Ok(())
}
