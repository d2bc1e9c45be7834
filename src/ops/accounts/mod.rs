//! Accounts: sign-up and first setup, sign-in and sign-out, email verification, password reset
//! and change, profile, sessions, two-factor sign-in. One file per action; the refusals they share are here.

pub mod mail;
pub mod password_change;
pub mod password_reset;
pub mod profile;
pub mod sessions;
pub mod setup;
pub mod sign_in;
pub mod signup;
pub mod two_factor;
pub mod verify_email;

use std::time::Duration;

use crate::auth::throttle;
use crate::db::DbConn;
use crate::models::user::{self, User};

use super::error::OpError;

pub use mail::Mail;

/// Why an account action is refused. The message is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum AccountRefusal {
    /// Too many failed attempts to prove a password: refused until the window has passed.
    #[error("{}", throttle::locked_message(*retry_after))]
    Locked { retry_after: Duration },
    #[error("Incorrect email, username or password.")]
    WrongCredentials,
    #[error("This account is deactivated. Ask your company administrator.")]
    Deactivated,
    /// The password was right but the address is not verified (a new link is sent).
    #[error(
        "Your email address is not verified yet. We have sent a new link to {email}; open it, then sign in."
    )]
    EmailUnverified { email: String },
    #[error("The link is invalid, was already used or has expired. Sign in to receive a new one.")]
    VerifyLinkInvalid,
    #[error(
        "The password reset link is invalid, was already used or has expired. Ask for a new one."
    )]
    ResetLinkInvalid,
    #[error("This is not your current password.")]
    WrongCurrentPassword,
    /// The session making the request is ended by signing out, not by revoking it.
    #[error("To end this session, sign out.")]
    CurrentSession,
    /// A second-factor code that is wrong, malformed, or a recovery code already used.
    #[error(
        "This code is not right. Enter the 6-digit code your app shows now, or an unused recovery code."
    )]
    WrongCode,
    /// A code of a time step that was already accepted once.
    #[error("This code was already used. Wait for the next code from your app.")]
    CodeReused,
    #[error("Two-factor sign-in is already on.")]
    TwoFactorAlreadyOn,
    #[error("Two-factor sign-in is not on.")]
    TwoFactorOff,
    /// Confirming a set-up that was not started (or was replaced).
    #[error("Start the set-up again: no new secret is waiting for confirmation.")]
    NoPendingSetup,
    /// The sign-in's second step timed out or was never started.
    #[error("The sign-in took too long. Enter your password again.")]
    SecondStepExpired,
}

/// The id of the signed-in user the actor is (a shell actor is nobody, and is refused).
fn signed_in_id(actor: &super::Actor) -> Result<i64, OpError> {
    actor.user_id.ok_or(OpError::Forbidden {
        permission: "a signed-in user",
    })
}

/// The signed-in user the actor is.
fn acting_user(conn: &mut DbConn, actor: &super::Actor) -> Result<User, OpError> {
    user::find(conn, signed_in_id(actor)?)?.ok_or(OpError::NotFound)
}

/// What a password must not resemble: the user's name, username, email and its local part.
fn personal_words(user: &User) -> [&str; 4] {
    let local = user.email.split('@').next().unwrap_or("");
    [&user.name, &user.username, &user.email, local]
}

/// A user by email or username (for the shell).
pub fn find_by_login(conn: &mut DbConn, login: &str) -> Result<Option<User>, OpError> {
    Ok(user::find_by_login(conn, login)?)
}
