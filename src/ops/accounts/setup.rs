//! First start: no default password exists. While no platform admin exists, each start logs a
//! one-time setup link; opening it lets the operator create the platform admin.

use crate::db::{DbConn, write_tx};
use crate::models::auth_token::{self, Purpose};
use crate::models::user::{self, User};
use crate::models::{RequestMeta, role};
use crate::ops::error::OpError;

use super::signup::{Creation, NewAccount, create_company_with_user, just_taken};

/// Issues a fresh setup token when no platform admin exists (older links stop working) and
/// returns the link to log; `None` once set up.
pub fn setup_link_if_needed(conn: &mut DbConn, base_url: &str) -> Result<Option<String>, OpError> {
    if user::platform_admin_exists(conn)? {
        return Ok(None);
    }
    let token = auth_token::issue(conn, None, Purpose::Setup)?;
    Ok(Some(format!("{base_url}/setup/{token}")))
}

/// A setup link works only while no platform admin exists; any other is not found.
pub fn check_link(conn: &mut DbConn, token: &str) -> Result<(), OpError> {
    if !user::platform_admin_exists(conn)?
        && auth_token::peek(conn, Purpose::Setup, token)?.is_some()
    {
        Ok(())
    } else {
        Err(OpError::NotFound)
    }
}

/// Creates the platform admin (with an organisation of their own) through a setup link, which
/// is consumed in the same transaction: a link creates one admin at most.
pub fn set_up(
    conn: &mut DbConn,
    meta: &RequestMeta,
    token: &str,
    input: NewAccount,
) -> Result<User, OpError> {
    check_link(conn, token)?;
    let (input, hash, _) = input.validate(
        conn,
        "the operator's organisation",
        super::signup::AddressInUse::Reveal,
    )?;
    let created = write_tx(conn, |conn| {
        if auth_token::consume(conn, Purpose::Setup, token)?.is_none()
            || user::platform_admin_exists(conn)?
        {
            return Ok(None);
        }
        let how = Creation {
            role: role::PLATFORM_ADMIN,
            email_verified: true,
            via: "setup",
            meta,
            acting_user: true,
        };
        let (_, admin, _) = create_company_with_user(conn, &input, &hash, how)?;
        Ok::<_, OpError>(Some(admin))
    });
    match created {
        Ok(admin) => admin.ok_or(OpError::NotFound),
        Err(e) if e.is_unique_violation() => Err(just_taken()),
        Err(e) => Err(e),
    }
}
