//! Verifying an email address by the one-time link mailed at sign-up (or at a refused
//! sign-in).

use crate::db::{DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::audit::{self, Actor, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::user::{self, User};
use crate::ops::error::OpError;

use super::AccountRefusal;

/// Consumes the link and marks the address verified; the user is the actor.
pub fn verify_email(conn: &mut DbConn, meta: &RequestMeta, token: &str) -> Result<User, OpError> {
    // A link that does not work still commits: whatever it consumed stays used.
    let verified = write_tx(conn, |conn| {
        let Some(u) = auth_token::consume_for_user(conn, Purpose::VerifyEmail, token)? else {
            return Ok(None);
        };
        user::mark_email_verified(conn, u.id)?;
        audit::record(
            conn,
            &Actor::user(&u, meta),
            Entry::success("user.verify_email", "user", Some(u.id))
                .before(serde_json::json!({ "email_verified": false }))
                .after(serde_json::json!({ "email_verified": true, "email": u.email })),
        )?;
        Ok::<_, OpError>(Some(u))
    })?;
    verified.ok_or(AccountRefusal::VerifyLinkInvalid.into())
}
