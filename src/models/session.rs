//! Server-side sessions behind actix-session. The cookie carries a random key; only its SHA-256
//! is stored. A session is valid until it is deleted or revoked, idle too long or too old.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::json::JsonValue;
use crate::db::schema::{company_revisions, sessions, users};
use crate::util::sha256_hex;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub key_hash: String,
    pub public_id: String,
    pub user_id: Option<i64>,
    pub state: JsonValue,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Columns that mirror a few session values, so sessions can be listed and revoked per user.
#[derive(Debug, Clone, Default)]
pub struct Indexed {
    pub public_id: String,
    pub user_id: Option<i64>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

pub fn hash_key(key: &str) -> String {
    sha256_hex(key.as_bytes())
}

/// The session with its key, and the revision of its user's company (`None` for a session
/// without a user): read in the same statement, so a signed-in request whose user and pages
/// are cached needs no other read to know they are current.
pub fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<(SessionRow, Option<i64>)>> {
    crate::db::unique_row(
        sessions::table
            .left_join(users::table.on(users::id.nullable().eq(sessions::user_id)))
            .left_join(
                company_revisions::table.on(company_revisions::company_id.eq(users::company_id)),
            )
            .filter(sessions::key_hash.eq(hash_key(key)))
            .select((
                SessionRow::as_select(),
                company_revisions::revision.nullable(),
            ))
            .load(conn),
    )
}

pub fn insert(
    conn: &mut DbConn,
    key: &str,
    idx: &Indexed,
    state: serde_json::Value,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    let now = crate::util::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::key_hash.eq(hash_key(key)),
            sessions::public_id.eq(&idx.public_id),
            sessions::user_id.eq(idx.user_id),
            sessions::state.eq(JsonValue(state)),
            sessions::ip_address.eq(&idx.ip_address),
            sessions::user_agent.eq(&idx.user_agent),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    if let Some(user_id) = idx.user_id {
        end_oldest_beyond(conn, user_id, MAX_SESSIONS_PER_USER)?;
    }
    Ok(())
}

/// Sessions one user may hold at once; signing in once more ends the oldest (a script that
/// signs in on every run cannot pile up sessions).
pub const MAX_SESSIONS_PER_USER: i64 = 20;

/// Ends the user's sessions beyond the `keep` newest.
fn end_oldest_beyond(conn: &mut DbConn, user_id: i64, keep: i64) -> QueryResult<usize> {
    let old: Vec<i64> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .offset(keep)
        .select(sessions::id)
        .load(conn)?;
    if old.is_empty() {
        return Ok(0);
    }
    diesel::delete(sessions::table.filter(sessions::id.eq_any(&old))).execute(conn)
}

/// Replaces the state of a live session; returns false when it no longer exists.
pub fn update_state(
    conn: &mut DbConn,
    key: &str,
    idx: &Indexed,
    state: serde_json::Value,
) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table
            .filter(sessions::key_hash.eq(hash_key(key)))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::state.eq(JsonValue(state)),
        sessions::user_id.eq(idx.user_id),
        sessions::ip_address.eq(&idx.ip_address),
        sessions::user_agent.eq(&idx.user_agent),
        sessions::last_seen_at.eq(crate::util::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn touch(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(crate::util::now()))
        .execute(conn)?;
    Ok(())
}

pub fn delete_by_key(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::key_hash.eq(hash_key(key)))).execute(conn)?;
    Ok(())
}

/// The user's live sessions, most recently used first.
pub fn list_for_user(
    conn: &mut DbConn,
    user_id: i64,
    idle_since: NaiveDateTime,
) -> QueryResult<Vec<SessionRow>> {
    let now = crate::util::now();
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(idle_since))
        .order(sessions::last_seen_at.desc())
        .select(SessionRow::as_select())
        .load(conn)
}

/// Revokes one of the user's sessions by its public id; returns whether one was revoked.
pub fn revoke(conn: &mut DbConn, user_id: i64, public_id: &str) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::public_id.eq(public_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(crate::util::now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes all of the user's sessions except `keep` (a public id); returns how many.
pub fn revoke_all_except(
    conn: &mut DbConn,
    user_id: i64,
    keep: Option<&str>,
) -> QueryResult<usize> {
    let target = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::public_id.ne(keep.unwrap_or("")));
    diesel::update(target)
        .set(sessions::revoked_at.eq(crate::util::now()))
        .execute(conn)
}

/// Removes sessions that can no longer be used.
pub fn purge_dead(conn: &mut DbConn, idle_since: NaiveDateTime) -> QueryResult<usize> {
    let now = crate::util::now();
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(idle_since))
                .or(sessions::revoked_at.is_not_null()),
        ),
    )
    .execute(conn)
}
