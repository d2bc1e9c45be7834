//! Two-factor sign-in for one's own account: set-up (a new secret shown as a QR code, turned on
//! by a first right code, with ten recovery codes shown once), turning it off and new recovery
//! codes (each asks for the password and a current code), and the second step of signing in.
//!
//! Every code typed is an attempt like a password: claimed first through `auth::throttle`
//! against the account's budget (a wrong one stays a `two_factor.failure` and counts towards the
//! lockout), in the same two steps as a password change: `begin` claims and says how long to
//! wait, then the action checks. A TOTP code is accepted once per time step (a replay is
//! refused); a recovery code once at all. Like the password change, these stay open while the
//! company is read-only (account security; see `ops/actor.rs`).

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::auth::password;
use crate::auth::throttle::{self, Subject, Verdict};
use crate::auth::two_factor::{self as tf, SealingKey};
use crate::config::LoginThrottle;
use crate::db::{DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::audit::{self, Entry};
use crate::models::company;
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::two_factor as model;
use crate::models::user::{self, User};
use crate::ops::actor::Actor;
use crate::ops::error::OpError;

use super::{AccountRefusal, acting_user, signed_in_id};

/// A set-up waiting for its first code: what the page shows. Its `Debug` shows neither the key
/// nor the QR code, so it can never reach a log.
#[derive(Clone)]
pub struct Setup {
    /// The secret in base32, in groups of four (to type into an app).
    pub secret_text: String,
    /// The QR code of the `otpauth://` URL, an inline `<svg>`.
    pub qr_svg: String,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Setup(..)")
    }
}

/// The account's two-factor state, for its page.
#[derive(Debug, Clone)]
pub struct Overview {
    pub enabled_at: Option<NaiveDateTime>,
    pub recovery_left: i64,
    /// The company requires two-factor sign-in.
    pub required: bool,
    /// A set-up in progress (only while off).
    pub setup: Option<Setup>,
}

/// A claimed attempt to prove a code: wait `delay`, then act.
#[derive(Debug)]
pub struct Pending {
    pub delay: Duration,
    subject: Subject,
    event_id: Option<i64>,
}

/// How a code was proved.
enum Proof {
    App,
    Recovery { left: i64 },
}

fn event(
    conn: &mut DbConn,
    meta: &RequestMeta,
    user: &User,
    event_type: &str,
    severity: Severity,
    description: &str,
    metadata: serde_json::Value,
) -> Result<(), OpError> {
    security_event::record(
        conn,
        meta,
        NewEvent {
            user_id: Some(user.id),
            company_id: Some(user.company_id),
            event_type,
            subject_key: None,
            severity,
            description: description.into(),
            metadata,
        },
    )?;
    Ok(())
}

/// The account's state; opens a set-up in progress to show it again.
pub fn overview(conn: &mut DbConn, actor: &Actor, key: &SealingKey) -> Result<Overview, OpError> {
    let me = acting_user(conn, actor)?;
    let required = company::find(conn, me.company_id)?.require_two_factor;
    let secret = model::find(conn, me.id)?;
    let setup = match &secret {
        Some(s) if s.confirmed_at.is_none() && me.two_factor_enabled_at.is_none() => {
            match key.open(&s.secret_sealed) {
                Ok(plain) => setup_of(&plain, &me.email),
                // Sealed under an earlier server key: the page offers a new set-up.
                Err(_) => None,
            }
        }
        _ => None,
    };
    Ok(Overview {
        enabled_at: me.two_factor_enabled_at,
        recovery_left: model::recovery_codes_left(conn, me.id)?,
        required,
        setup,
    })
}

fn setup_of(secret: &[u8], account: &str) -> Option<Setup> {
    let url = tf::otpauth_url(secret, account)?;
    Some(Setup {
        secret_text: tf::secret_text(secret),
        qr_svg: tf::qr_svg(&url)?,
    })
}

/// Starts a set-up: a new secret waiting for its first code (replacing one waiting before).
pub fn start(conn: &mut DbConn, actor: &Actor, key: &SealingKey) -> Result<(), OpError> {
    let me = acting_user(conn, actor)?;
    if me.two_factor_enabled_at.is_some() {
        return Err(AccountRefusal::TwoFactorAlreadyOn.into());
    }
    let sealed = key.seal(&tf::new_secret())?;
    write_tx(conn, |conn| model::put_pending(conn, me.id, &sealed))?;
    Ok(())
}

fn subject_of(user_id: i64, company_id: i64) -> Subject {
    Subject {
        key: throttle::subject_key(Some(user_id), ""),
        user_id: Some(user_id),
        company_id: Some(company_id),
    }
}

fn claim(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    meta: &RequestMeta,
    subject: Subject,
    description: &str,
) -> Result<Pending, OpError> {
    let claim = throttle::claim(
        conn,
        limits,
        &subject,
        meta,
        security_event::TWO_FACTOR_FAILURE,
        description,
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

/// Claims an attempt to prove a code (and, for turning it off or new recovery codes, the
/// password) for the actor's own account; `Locked` after too many failures.
pub fn begin(conn: &mut DbConn, limits: &LoginThrottle, actor: &Actor) -> Result<Pending, OpError> {
    let subject = subject_of(signed_in_id(actor)?, actor.company_id);
    claim(
        conn,
        limits,
        &actor.meta,
        subject,
        "Two-factor code refused",
    )
}

/// Checks a code of `user`: a TOTP code of a time step not accepted before (then accepted), or
/// (when `recovery` allows) an unused recovery code (then used up). Inside the caller's
/// transaction.
fn prove(
    conn: &mut DbConn,
    key: &SealingKey,
    user: &User,
    code: &str,
    recovery: bool,
) -> Result<Result<Proof, AccountRefusal>, OpError> {
    if tf::looks_like_totp(code) {
        let Some(secret) = model::find(conn, user.id)? else {
            return Ok(Err(AccountRefusal::WrongCode));
        };
        let plain = match key.open(&secret.secret_sealed) {
            Ok(plain) => plain,
            Err(e) => {
                tracing::error!(user_id = user.id, error = %e, "two-factor secret unreadable");
                return Ok(Err(AccountRefusal::WrongCode));
            }
        };
        let Some(step) = tf::check_code(&plain, code, tf::unix_now()) else {
            return Ok(Err(AccountRefusal::WrongCode));
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        if !model::accept_step(conn, user.id, step)? {
            return Ok(Err(AccountRefusal::CodeReused));
        }
        return Ok(Ok(Proof::App));
    }
    if recovery
        && user.two_factor_enabled_at.is_some()
        && model::use_recovery_code(conn, user.id, &tf::recovery_hash(code))?
    {
        let left = model::recovery_codes_left(conn, user.id)?;
        return Ok(Ok(Proof::Recovery { left }));
    }
    Ok(Err(AccountRefusal::WrongCode))
}

/// Settles a claimed attempt that succeeded.
fn settle(
    conn: &mut DbConn,
    pending: &Pending,
    event_type: &str,
    description: &str,
) -> Result<(), OpError> {
    if let Some(id) = pending.event_id {
        security_event::settle(conn, id, event_type, Severity::Info, description)?;
    }
    Ok(())
}

/// A refused attempt: audited as a failure of `action`, counted towards the lockout.
fn refused(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    actor: &Actor,
    pending: &Pending,
    action: &'static str,
    me: &User,
    refusal: &AccountRefusal,
) -> Result<(), OpError> {
    audit::record(
        conn,
        &actor.audit(),
        Entry::failure(action, "user", Some(me.id))
            .details(serde_json::json!({ "reason": refusal.to_string() })),
    )?;
    throttle::after_failure(conn, limits, &pending.subject, &actor.meta)?;
    Ok(())
}

/// New recovery codes for `user`, replacing the old ones; returns them (shown once).
fn new_recovery_codes(conn: &mut DbConn, user_id: i64) -> Result<Vec<String>, OpError> {
    let codes = tf::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| tf::recovery_hash(c)).collect();
    model::replace_recovery_codes(conn, user_id, &hashes)?;
    Ok(codes)
}

/// Turns two-factor sign-in on with the first right code of the set-up in progress. Returns
/// the ten recovery codes, which are shown once.
pub fn confirm(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    actor: &Actor,
    key: &SealingKey,
    pending: Pending,
    code: &str,
) -> Result<Vec<String>, OpError> {
    let me = acting_user(conn, actor)?;
    if me.two_factor_enabled_at.is_some() {
        return Err(AccountRefusal::TwoFactorAlreadyOn.into());
    }
    if model::find(conn, me.id)?.is_none_or(|s| s.confirmed_at.is_some()) {
        return Err(AccountRefusal::NoPendingSetup.into());
    }
    const ACTION: &str = "user.two_factor_enable";
    let outcome = write_tx(conn, |conn| -> Result<_, OpError> {
        // A set-up is confirmed by its app's code only (no recovery codes exist yet).
        match prove(conn, key, &me, code, false)? {
            Err(refusal) => {
                refused(conn, limits, actor, &pending, ACTION, &me, &refusal)?;
                Ok(Err(refusal))
            }
            Ok(_) => {
                settle(
                    conn,
                    &pending,
                    "two_factor.code_confirmed",
                    "Two-factor code confirmed",
                )?;
                model::confirm(conn, me.id)?;
                let codes = new_recovery_codes(conn, me.id)?;
                audit::record(
                    conn,
                    &actor.audit(),
                    Entry::success(ACTION, "user", Some(me.id))
                        .before(serde_json::json!({ "two_factor": false }))
                        .after(serde_json::json!({ "two_factor": true, "recovery_codes": codes.len() })),
                )?;
                event(
                    conn,
                    &actor.meta,
                    &me,
                    "two_factor.enabled",
                    Severity::Info,
                    "Two-factor sign-in turned on",
                    serde_json::json!({ "recovery_codes": codes.len() }),
                )?;
                Ok(Ok(codes))
            }
        }
    })?;
    Ok(outcome?)
}

/// Checks the password and a current code (an app code or a recovery code) for a change to
/// two-factor sign-in, then makes it with `change` in the same transaction.
fn with_password_and_code<T>(
    conn: &mut DbConn,
    (limits, key): (&LoginThrottle, &SealingKey),
    actor: &Actor,
    pending: Pending,
    (password_in, code): (&str, &str),
    action: &'static str,
    change: impl FnOnce(&mut DbConn, &User) -> Result<T, OpError>,
) -> Result<T, OpError> {
    let me = acting_user(conn, actor)?;
    if me.two_factor_enabled_at.is_none() {
        return Err(AccountRefusal::TwoFactorOff.into());
    }
    // The slow hash runs outside the write transaction (on the bounded hashing pool).
    let password_ok =
        password::verify(password_in, &me.password_hash).map_err(password::HashError::from)?;
    let outcome = write_tx(conn, |conn| -> Result<_, OpError> {
        let proof = if password_ok {
            prove(conn, key, &me, code, true)?
        } else {
            Err(AccountRefusal::WrongCurrentPassword)
        };
        match proof {
            Err(refusal) => {
                refused(conn, limits, actor, &pending, action, &me, &refusal)?;
                Ok(Err(refusal))
            }
            Ok(proof) => {
                settle(
                    conn,
                    &pending,
                    "two_factor.code_confirmed",
                    "Password and two-factor code confirmed",
                )?;
                if let Proof::Recovery { left } = proof {
                    event(
                        conn,
                        &actor.meta,
                        &me,
                        "two_factor.recovery_code_used",
                        Severity::Warning,
                        "Recovery code used",
                        serde_json::json!({ "left": left }),
                    )?;
                }
                Ok(Ok(change(conn, &me)?))
            }
        }
    })?;
    Ok(outcome?)
}

/// Turns two-factor sign-in off (the password and a current code): the secret and the
/// recovery codes are deleted.
pub fn disable(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    actor: &Actor,
    key: &SealingKey,
    pending: Pending,
    proof: (&str, &str),
) -> Result<(), OpError> {
    const ACTION: &str = "user.two_factor_disable";
    with_password_and_code(
        conn,
        (limits, key),
        actor,
        pending,
        proof,
        ACTION,
        |conn, me| {
            model::remove(conn, me.id)?;
            audit::record(
                conn,
                &actor.audit(),
                Entry::success(ACTION, "user", Some(me.id))
                    .before(serde_json::json!({ "two_factor": true }))
                    .after(serde_json::json!({ "two_factor": false })),
            )?;
            event(
                conn,
                &actor.meta,
                me,
                "two_factor.disabled",
                Severity::Warning,
                "Two-factor sign-in turned off",
                serde_json::json!({}),
            )
        },
    )
}

/// New recovery codes (the password and a current code); the old ones stop working. Returns
/// the new ones, which are shown once.
pub fn regenerate_recovery_codes(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    actor: &Actor,
    key: &SealingKey,
    pending: Pending,
    proof: (&str, &str),
) -> Result<Vec<String>, OpError> {
    const ACTION: &str = "user.two_factor_recovery_codes";
    with_password_and_code(
        conn,
        (limits, key),
        actor,
        pending,
        proof,
        ACTION,
        |conn, me| {
            let codes = new_recovery_codes(conn, me.id)?;
            audit::record(
                conn,
                &actor.audit(),
                Entry::success(ACTION, "user", Some(me.id))
                    .after(serde_json::json!({ "recovery_codes": codes.len() })),
            )?;
            event(
                conn,
                &actor.meta,
                me,
                "two_factor.recovery_codes_regenerated",
                Severity::Info,
                "New recovery codes made; the old ones stop working",
                serde_json::json!({ "recovery_codes": codes.len() }),
            )?;
            Ok(codes)
        },
    )
}

// ------------------------------------------------------------------ the second sign-in step

/// Claims a second-step attempt for `user_id` (whose password was right a moment ago).
pub fn begin_sign_in(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    meta: &RequestMeta,
    user_id: i64,
) -> Result<Pending, OpError> {
    let Some(me) = user::find(conn, user_id)? else {
        return Err(AccountRefusal::SecondStepExpired.into());
    };
    claim(
        conn,
        limits,
        meta,
        subject_of(me.id, me.company_id),
        "Failed sign-in: wrong two-factor code",
    )
}

/// Checks the second step's code (an app code or a recovery code) and signs the user in
/// (`last_login_at`). A wrong or replayed code counts towards the lockout.
pub fn finish_sign_in(
    conn: &mut DbConn,
    limits: &LoginThrottle,
    meta: &RequestMeta,
    key: &SealingKey,
    pending: Pending,
    user_id: i64,
    code: &str,
) -> Result<User, OpError> {
    let me = match user::find(conn, user_id)? {
        // Turned off meanwhile (an administrator's reset): the password step starts over.
        Some(u) if u.two_factor_enabled_at.is_some() => u,
        _ => return Err(AccountRefusal::SecondStepExpired.into()),
    };
    if !me.is_active || !company::find(conn, me.company_id)?.is_active {
        return Err(AccountRefusal::Deactivated.into());
    }
    let outcome = write_tx(conn, |conn| -> Result<_, OpError> {
        match prove(conn, key, &me, code, true)? {
            Err(refusal) => {
                throttle::after_failure(conn, limits, &pending.subject, meta)?;
                Ok(Err(refusal))
            }
            Ok(proof) => {
                let how = match proof {
                    Proof::App => "Signed in (password and authenticator code)",
                    Proof::Recovery { .. } => "Signed in (password and recovery code)",
                };
                settle(conn, &pending, security_event::LOGIN_SUCCESS, how)?;
                if let Proof::Recovery { left } = proof {
                    event(
                        conn,
                        meta,
                        &me,
                        "two_factor.recovery_code_used",
                        Severity::Warning,
                        "Recovery code used to sign in",
                        serde_json::json!({ "left": left }),
                    )?;
                }
                user::record_login(conn, me.id)?;
                Ok(Ok(me.clone()))
            }
        }
    })?;
    Ok(outcome?)
}
