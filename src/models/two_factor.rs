//! Two-factor sign-in rows: a user's TOTP secret (sealed; confirmed once a first code was
//! right; the last time step accepted, so a code is never accepted twice) and their recovery
//! codes (SHA-256 only; single use). `users.two_factor_enabled_at` mirrors a confirmed secret.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{recovery_codes, totp_secrets, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = totp_secrets)]
pub struct TotpSecret {
    pub user_id: i64,
    /// Hex of nonce || AES-256-GCM ciphertext (see `auth::two_factor::SealingKey`).
    pub secret_sealed: String,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<TotpSecret>> {
    totp_secrets::table
        .find(user_id)
        .select(TotpSecret::as_select())
        .first(conn)
        .optional()
}

/// Stores a new, unconfirmed secret for the user (replacing an unconfirmed one).
pub fn put_pending(conn: &mut DbConn, user_id: i64, sealed: &str) -> QueryResult<()> {
    let now = crate::util::now();
    diesel::delete(
        totp_secrets::table
            .find(user_id)
            .filter(totp_secrets::confirmed_at.is_null()),
    )
    .execute(conn)?;
    diesel::insert_into(totp_secrets::table)
        .values((
            totp_secrets::user_id.eq(user_id),
            totp_secrets::secret_sealed.eq(sealed),
            totp_secrets::created_at.eq(now),
            totp_secrets::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Accepts time step `step` for the user unless it (or a later one) was accepted before: true
/// once per step, also when two requests race (the update is conditional).
pub fn accept_step(conn: &mut DbConn, user_id: i64, step: i64) -> QueryResult<bool> {
    let n = diesel::update(
        totp_secrets::table.find(user_id).filter(
            totp_secrets::last_step
                .is_null()
                .or(totp_secrets::last_step.lt(step)),
        ),
    )
    .set((
        totp_secrets::last_step.eq(step),
        totp_secrets::updated_at.eq(crate::util::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Turns the user's pending secret on: confirmed, and mirrored on the user.
pub fn confirm(conn: &mut DbConn, user_id: i64) -> QueryResult<()> {
    let now = crate::util::now();
    diesel::update(totp_secrets::table.find(user_id))
        .set((
            totp_secrets::confirmed_at.eq(now),
            totp_secrets::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set((
            users::two_factor_enabled_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes the user's secret and recovery codes and turns two-factor sign-in off. Returns
/// whether it was on.
pub fn remove(conn: &mut DbConn, user_id: i64) -> QueryResult<bool> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(totp_secrets::table.find(user_id)).execute(conn)?;
    let n = diesel::update(
        users::table
            .find(user_id)
            .filter(users::two_factor_enabled_at.is_not_null()),
    )
    .set((
        users::two_factor_enabled_at.eq(None::<NaiveDateTime>),
        users::updated_at.eq(crate::util::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Replaces the user's recovery codes by these hashes.
pub fn replace_recovery_codes(
    conn: &mut DbConn,
    user_id: i64,
    hashes: &[String],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    let now = crate::util::now();
    for h in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(h.as_str()),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses up the unused recovery code with this hash: true once, also when two requests race.
pub fn use_recovery_code(conn: &mut DbConn, user_id: i64, hash: &str) -> QueryResult<bool> {
    let n = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(crate::util::now()))
    .execute(conn)?;
    Ok(n >= 1)
}

/// Recovery codes the user has left.
pub fn recovery_codes_left(conn: &mut DbConn, user_id: i64) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}
