//! Circuit versions: immutable, numbered 1, 2, 3 ... per project. Two people saving at once
//! never get the same number and neither save is lost: saves of one project are serialized
//! (SQLite's write lock; a per-project advisory lock on PostgreSQL), and the unique
//! (project, number) index backs that up: a refused insert retries with the next number.
//! [`insert_next_in_tx`] runs inside the caller's transaction, so the audit entry of a save
//! commits (or not) together with the version.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::json::JsonValue;
use crate::db::schema::{circuit_versions, users};
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

/// Serializes the saves of one project until the end of the caller's transaction: a
/// per-project advisory lock on PostgreSQL; SQLite's `BEGIN IMMEDIATE` (see `write_tx`)
/// already holds the database's write lock.
pub fn lock_project(conn: &mut DbConn, project_id: i64) -> QueryResult<()> {
    if conn.kind() == BackendKind::Postgres {
        diesel::sql_query("SELECT pg_advisory_xact_lock(60911, $1::int)")
            .bind::<diesel::sql_types::Integer, _>((project_id % i64::from(i32::MAX)) as i32)
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts the next version of the project inside the caller's write transaction (so the
/// caller's audit entry commits with it). A unique violation means another save took the
/// number first: the caller rolls back and tries again (see [`retry_on_conflict`]).
pub fn insert_next_in_tx(
    conn: &mut DbConn,
    project_id: i64,
    circuit: &serde_json::Value,
    message: &str,
    author: i64,
) -> QueryResult<CircuitVersion> {
    lock_project(conn, project_id)?;
    // A new version is a change of the project (the list sorts by it).
    super::project::touch(conn, project_id)?;
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

/// Whether a database error is a unique-constraint violation (two saves took one number).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs `attempt` (a whole transaction) up to five times while it fails with a unique
/// violation, as told by `is_conflict`.
pub fn retry_on_conflict<T, E>(
    mut attempt: impl FnMut() -> Result<T, E>,
    is_conflict: impl Fn(&E) -> bool,
) -> Result<T, E> {
    let mut tries = 0;
    loop {
        match attempt() {
            Err(e) if tries < 4 && is_conflict(&e) => tries += 1,
            other => return other,
        }
    }
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
    retry_on_conflict(
        || {
            write_tx(conn, |conn| {
                insert_next_in_tx(conn, project_id, circuit, message, author)
            })
        },
        is_unique_violation,
    )
}

/// The project's versions, newest first.
pub fn list(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<CircuitVersion>> {
    circuit_versions::table
        .filter(circuit_versions::project_id.eq(project_id))
        .order(circuit_versions::version_number.desc())
        .select(CircuitVersion::as_select())
        .load(conn)
}

/// The newest version of the project.
pub fn latest(conn: &mut DbConn, project_id: i64) -> QueryResult<Option<CircuitVersion>> {
    circuit_versions::table
        .filter(circuit_versions::project_id.eq(project_id))
        .order(circuit_versions::version_number.desc())
        .select(CircuitVersion::as_select())
        .first(conn)
        .optional()
}

/// Version `number` of the project (the project is already scoped to the caller's company).
pub fn find_by_number(
    conn: &mut DbConn,
    project_id: i64,
    number: i32,
) -> QueryResult<Option<CircuitVersion>> {
    circuit_versions::table
        .filter(circuit_versions::project_id.eq(project_id))
        .filter(circuit_versions::version_number.eq(number))
        .select(CircuitVersion::as_select())
        .first(conn)
        .optional()
}

/// A version of the project by row id.
pub fn find_in_project(
    conn: &mut DbConn,
    project_id: i64,
    id: i64,
) -> QueryResult<Option<CircuitVersion>> {
    circuit_versions::table
        .find(id)
        .filter(circuit_versions::project_id.eq(project_id))
        .select(CircuitVersion::as_select())
        .first(conn)
        .optional()
}

/// The name of a version's author.
pub fn author_name(conn: &mut DbConn, version: &CircuitVersion) -> QueryResult<String> {
    super::user::name_of(conn, version.created_by)
}

/// Version `number` of the project with its author's name.
pub fn with_author(
    conn: &mut DbConn,
    project_id: i64,
    number: i32,
) -> QueryResult<Option<(CircuitVersion, String)>> {
    let Some(v) = find_by_number(conn, project_id, number)? else {
        return Ok(None);
    };
    let author = author_name(conn, &v)?;
    Ok(Some((v, author)))
}

/// Version `number` of the project with its author's name, and the project's newest version.
pub fn with_author_and_latest(
    conn: &mut DbConn,
    project_id: i64,
    number: i32,
) -> QueryResult<Option<(CircuitVersion, String, Option<CircuitVersion>)>> {
    let Some((v, author)) = with_author(conn, project_id, number)? else {
        return Ok(None);
    };
    let latest = latest(conn, project_id)?;
    Ok(Some((v, author, latest)))
}

/// A version for lists: everything but the circuit, with its author's name and the number
/// of elements of each kind (counted by the database, without loading the circuit).
#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    pub id: i64,
    pub version_number: i32,
    pub message: String,
    pub content_hash: String,
    pub created_by: i64,
    pub author: String,
    pub created_at: NaiveDateTime,
    /// `{"buses": 6, "lines": 1, ...}`, every kind (0 when absent).
    pub counts: serde_json::Value,
}

/// id, number, message, hash, author id, author name, time, counts (JSON text).
type SummaryRow = (i64, i32, String, String, i64, String, NaiveDateTime, String);

/// The SQL of a JSON object text with each element kind's array length.
fn counts_sql(kind: BackendKind) -> String {
    let parts: Vec<String> = crate::circuit_edit::KINDS
        .iter()
        .map(|k| match kind {
            BackendKind::Postgres => format!(
                "'{0}', CASE WHEN jsonb_typeof(circuit_versions.data_json -> '{0}') = 'array' \
                 THEN jsonb_array_length(circuit_versions.data_json -> '{0}') ELSE 0 END",
                k.key
            ),
            BackendKind::Sqlite => format!(
                "'{0}', COALESCE(json_array_length(circuit_versions.data_json, '$.{0}'), 0)",
                k.key
            ),
        })
        .collect();
    match kind {
        BackendKind::Postgres => format!("jsonb_build_object({})::text", parts.join(", ")),
        BackendKind::Sqlite => format!("json_object({})", parts.join(", ")),
    }
}

/// The project's versions without their circuits, newest first.
pub fn list_summaries(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<VersionSummary>> {
    let counts = diesel::dsl::sql::<diesel::sql_types::Text>(&counts_sql(conn.kind()));
    let rows: Vec<SummaryRow> = circuit_versions::table
        .inner_join(users::table.on(users::id.eq(circuit_versions::created_by)))
        .filter(circuit_versions::project_id.eq(project_id))
        .order(circuit_versions::version_number.desc())
        .select((
            circuit_versions::id,
            circuit_versions::version_number,
            circuit_versions::message,
            circuit_versions::content_hash,
            circuit_versions::created_by,
            super::user::display_name(),
            circuit_versions::created_at,
            counts,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                version_number,
                message,
                content_hash,
                created_by,
                author,
                created_at,
                counts,
            )| {
                VersionSummary {
                    id,
                    version_number,
                    message,
                    content_hash,
                    created_by,
                    author,
                    created_at,
                    counts: serde_json::from_str(&counts).unwrap_or_default(),
                }
            },
        )
        .collect())
}

/// What an audit entry records of a version: number, content hash and element counts.
pub fn snapshot(v: &CircuitVersion) -> serde_json::Value {
    serde_json::json!({
        "version_number": v.version_number,
        "content_hash": v.content_hash,
        "elements": crate::circuit_edit::edit::counts_json(&v.data_json.0),
    })
}
