//! Circuit versions: immutable, numbered 1, 2, 3 ... per project. Two people saving at once
//! never get the same number and neither save is lost: saves of one project are serialized
//! (SQLite's write lock; a per-project advisory lock on PostgreSQL), and the unique
//! (project, number) index backs that up: a refused insert retries with the next number.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::json::JsonValue;
use crate::db::schema::circuit_versions;
use crate::db::{BackendKind, DbConn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = circuit_versions)]
pub struct CircuitVersion {
    pub id: i64,
    pub project_id: i64,
    pub version_number: i32,
    pub data_json: JsonValue,
    pub message: String,
    pub content_hash: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// SHA-256 of the circuit's canonical JSON (sorted keys), so equal content hashes equal on
/// both databases (JSONB reorders keys).
pub fn content_hash(circuit: &serde_json::Value) -> String {
    crate::util::sha256_hex(crate::models::audit::canonical_json(circuit).as_bytes())
}

/// Writes the next version of the project. Retries a few times when another save took the
/// number first (each attempt in its own transaction).
pub fn save_next(
    conn: &mut DbConn,
    project_id: i64,
    circuit: &serde_json::Value,
    message: &str,
    author: i64,
) -> QueryResult<CircuitVersion> {
    let mut last_error = None;
    for _ in 0..5 {
        let attempt = write_tx(conn, |conn| {
            insert_next_in_tx(conn, project_id, circuit, message, author)
        });
        match attempt {
            Err(
                e @ diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ),
            ) => {
                last_error = Some(e);
            }
            other => return other,
        }
    }
    Err(last_error.unwrap_or(diesel::result::Error::RollbackTransaction))
}

/// Inserts the next version inside the caller's write transaction (so that its audit entry
/// commits with it). Takes the project's advisory lock on PostgreSQL; a unique violation
/// means another save won the number: retry the whole transaction.
pub fn insert_next_in_tx(
    conn: &mut DbConn,
    project_id: i64,
    circuit: &serde_json::Value,
    message: &str,
    author: i64,
) -> QueryResult<CircuitVersion> {
    if conn.kind() == BackendKind::Postgres {
        diesel::sql_query("SELECT pg_advisory_xact_lock(60911, $1::int)")
            .bind::<diesel::sql_types::Integer, _>((project_id % i64::from(i32::MAX)) as i32)
            .execute(conn)?;
    }
    let latest: Option<i32> = circuit_versions::table
        .filter(circuit_versions::project_id.eq(project_id))
        .select(diesel::dsl::max(circuit_versions::version_number))
        .first(conn)?;
    diesel::insert_into(circuit_versions::table)
        .values((
            circuit_versions::project_id.eq(project_id),
            circuit_versions::version_number.eq(latest.unwrap_or(0) + 1),
            circuit_versions::data_json.eq(JsonValue(circuit.clone())),
            circuit_versions::message.eq(message),
            circuit_versions::content_hash.eq(content_hash(circuit)),
            circuit_versions::created_by.eq(author),
            circuit_versions::created_at.eq(crate::util::now()),
        ))
        .returning(circuit_versions::all_columns)
        .get_result::<CircuitVersion>(conn)
}

/// The project's versions, newest first.
pub fn list(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<CircuitVersion>> {
    circuit_versions::table
        .filter(circuit_versions::project_id.eq(project_id))
        .order(circuit_versions::version_number.desc())
        .select(CircuitVersion::as_select())
        .load(conn)
}
