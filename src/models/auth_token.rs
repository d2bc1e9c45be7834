//! One-time tokens for the setup link, email verification, password reset and invitations. Only
//! the SHA-256 of a token is stored; a token is consumed at most once, before it expires.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::auth_tokens;
use crate::util::{now, random_token, sha256_hex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Setup,
    VerifyEmail,
    PasswordReset,
    /// Opens an invitation (`invitation_id`); no user exists yet.
    Invitation,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Setup => "setup",
            Purpose::VerifyEmail => "verify_email",
            Purpose::PasswordReset => "password_reset",
            Purpose::Invitation => "invitation",
        }
    }

    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Purpose::Setup => chrono::Duration::hours(24),
            Purpose::VerifyEmail => chrono::Duration::hours(48),
            Purpose::PasswordReset => chrono::Duration::hours(1),
            Purpose::Invitation => chrono::Duration::days(7),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_tokens)]
pub struct AuthToken {
    pub id: i64,
    pub user_id: Option<i64>,
    pub purpose: String,
    pub token_hash: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// The invitation an `invitation` token opens.
    pub invitation_id: Option<i64>,
}

/// Ends every unused token of this user (or of no user, for setup) and purpose.
pub fn expire(conn: &mut DbConn, user_id: Option<i64>, purpose: Purpose) -> QueryResult<usize> {
    let mut stale = diesel::update(auth_tokens::table)
        .filter(auth_tokens::purpose.eq(purpose.as_str()))
        .filter(auth_tokens::used_at.is_null())
        .into_boxed();
    stale = match user_id {
        Some(id) => stale.filter(auth_tokens::user_id.eq(id)),
        None => stale.filter(auth_tokens::user_id.is_null()),
    };
    stale.set(auth_tokens::expires_at.eq(now())).execute(conn)
}

/// Issues a token and returns it in clear (to put in a link); earlier unused tokens of the same
/// user and purpose stop working, so only the newest link is valid.
pub fn issue(conn: &mut DbConn, user_id: Option<i64>, purpose: Purpose) -> QueryResult<String> {
    expire(conn, user_id, purpose)?;
    insert(conn, user_id, None, purpose)
}

/// Issues the link of an invitation (valid 7 days); the invitation's earlier links stop
/// working. Returns the token in clear.
pub fn issue_for_invitation(conn: &mut DbConn, invitation_id: i64) -> QueryResult<String> {
    expire_for_invitation(conn, invitation_id)?;
    insert(conn, None, Some(invitation_id), Purpose::Invitation)
}

/// Ends every unused link of an invitation (resent, revoked).
pub fn expire_for_invitation(conn: &mut DbConn, invitation_id: i64) -> QueryResult<usize> {
    diesel::update(auth_tokens::table)
        .filter(auth_tokens::invitation_id.eq(invitation_id))
        .filter(auth_tokens::used_at.is_null())
        .set(auth_tokens::expires_at.eq(now()))
        .execute(conn)
}

fn insert(
    conn: &mut DbConn,
    user_id: Option<i64>,
    invitation_id: Option<i64>,
    purpose: Purpose,
) -> QueryResult<String> {
    let t = now();
    let token = random_token(32);
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::user_id.eq(user_id),
            auth_tokens::invitation_id.eq(invitation_id),
            auth_tokens::purpose.eq(purpose.as_str()),
            auth_tokens::token_hash.eq(sha256_hex(token.as_bytes())),
            auth_tokens::expires_at.eq(t + purpose.lifetime()),
            auth_tokens::created_at.eq(t),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Looks a token up without using it (to show the form behind a link).
pub fn peek(conn: &mut DbConn, purpose: Purpose, token: &str) -> QueryResult<Option<AuthToken>> {
    auth_tokens::table
        .filter(auth_tokens::token_hash.eq(sha256_hex(token.as_bytes())))
        .filter(auth_tokens::purpose.eq(purpose.as_str()))
        .filter(auth_tokens::used_at.is_null())
        .filter(auth_tokens::expires_at.gt(now()))
        .select(AuthToken::as_select())
        .first(conn)
        .optional()
}

/// Uses a token: marks it used and returns it, or `None` when it is unknown, used or expired.
/// The conditional update makes two concurrent uses succeed at most once.
pub fn consume(conn: &mut DbConn, purpose: Purpose, token: &str) -> QueryResult<Option<AuthToken>> {
    let hash = sha256_hex(token.as_bytes());
    let t = now();
    let updated = diesel::update(auth_tokens::table)
        .filter(auth_tokens::token_hash.eq(&hash))
        .filter(auth_tokens::purpose.eq(purpose.as_str()))
        .filter(auth_tokens::used_at.is_null())
        .filter(auth_tokens::expires_at.gt(t))
        .set(auth_tokens::used_at.eq(t))
        .execute(conn)?;
    if updated != 1 {
        return Ok(None);
    }
    auth_tokens::table
        .filter(auth_tokens::token_hash.eq(&hash))
        .select(AuthToken::as_select())
        .first(conn)
        .optional()
}

/// Uses a token that belongs to a user and returns that (not deleted) user.
pub fn consume_for_user(
    conn: &mut DbConn,
    purpose: Purpose,
    token: &str,
) -> QueryResult<Option<super::user::User>> {
    match consume(conn, purpose, token)?.and_then(|t| t.user_id) {
        Some(id) => super::user::find(conn, id),
        None => Ok(None),
    }
}
