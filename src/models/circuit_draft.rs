//! Each user's working draft of a project's circuit (`circuit_drafts`, one per project and
//! user). Created on first open from the latest version, which becomes its base; edits write
//! the draft, "save" turns it into the next version and moves the base there.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::circuit_version::{self, CircuitVersion};
use crate::db::json::JsonValue;
use crate::db::schema::circuit_drafts;
use crate::db::{DbConn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = circuit_drafts)]
pub struct CircuitDraft {
    pub id: i64,
    pub project_id: i64,
    pub user_id: i64,
    /// The version the draft started from (or was last saved as); `None` when the project had
    /// no version then.
    pub base_version_id: Option<i64>,
    pub data_json: JsonValue,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The user's draft of the project, if they have one.
pub fn find(conn: &mut DbConn, project_id: i64, user_id: i64) -> QueryResult<Option<CircuitDraft>> {
    circuit_drafts::table
        .filter(circuit_drafts::project_id.eq(project_id))
        .filter(circuit_drafts::user_id.eq(user_id))
        .select(CircuitDraft::as_select())
        .first(conn)
        .optional()
}

fn insert(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
    base: Option<&CircuitVersion>,
    data: &serde_json::Value,
) -> QueryResult<CircuitDraft> {
    let t = crate::util::now();
    diesel::insert_into(circuit_drafts::table)
        .values((
            circuit_drafts::project_id.eq(project_id),
            circuit_drafts::user_id.eq(user_id),
            circuit_drafts::base_version_id.eq(base.map(|v| v.id)),
            circuit_drafts::data_json.eq(JsonValue(data.clone())),
            circuit_drafts::created_at.eq(t),
            circuit_drafts::updated_at.eq(t),
        ))
        .returning(circuit_drafts::all_columns)
        .get_result(conn)
}

/// The user's draft, created from the latest version (or from `empty` when the project has
/// none) on first open. Two first opens at once create one draft: the loser of the unique
/// (project, user) index reads the winner's.
pub fn open(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
    empty: impl Fn() -> serde_json::Value,
) -> QueryResult<CircuitDraft> {
    if let Some(d) = find(conn, project_id, user_id)? {
        return Ok(d);
    }
    let created = write_tx(conn, |conn| {
        if let Some(d) = find(conn, project_id, user_id)? {
            return Ok(d);
        }
        let latest = circuit_version::latest(conn, project_id)?;
        let data = latest
            .as_ref()
            .map_or_else(&empty, |v| v.data_json.0.clone());
        insert(conn, project_id, user_id, latest.as_ref(), &data)
    });
    match created {
        Err(e) if circuit_version::is_unique_violation(&e) => {
            find(conn, project_id, user_id)?.ok_or(diesel::result::Error::NotFound)
        }
        other => other,
    }
}

/// Replaces the draft's circuit (inside the caller's transaction).
pub fn set_data(
    conn: &mut DbConn,
    draft_id: i64,
    data: &serde_json::Value,
) -> QueryResult<CircuitDraft> {
    diesel::update(circuit_drafts::table.find(draft_id))
        .set((
            circuit_drafts::data_json.eq(JsonValue(data.clone())),
            circuit_drafts::updated_at.eq(crate::util::now()),
        ))
        .returning(circuit_drafts::all_columns)
        .get_result(conn)
}

/// Moves the draft's base to `version` and sets its circuit to `data` (after a save: the
/// version's own content; after a discard: the latest version's).
pub fn rebase(
    conn: &mut DbConn,
    draft_id: i64,
    version: Option<&CircuitVersion>,
    data: &serde_json::Value,
) -> QueryResult<CircuitDraft> {
    diesel::update(circuit_drafts::table.find(draft_id))
        .set((
            circuit_drafts::base_version_id.eq(version.map(|v| v.id)),
            circuit_drafts::data_json.eq(JsonValue(data.clone())),
            circuit_drafts::updated_at.eq(crate::util::now()),
        ))
        .returning(circuit_drafts::all_columns)
        .get_result(conn)
}

/// Locks the draft row until the end of the caller's transaction (PostgreSQL; SQLite's
/// write transaction already excludes other writers), and reads it.
pub fn find_for_update(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
) -> QueryResult<Option<CircuitDraft>> {
    if conn.kind() == crate::db::BackendKind::Postgres {
        let id: Option<i64> = circuit_drafts::table
            .filter(circuit_drafts::project_id.eq(project_id))
            .filter(circuit_drafts::user_id.eq(user_id))
            .select(circuit_drafts::id)
            .first(conn)
            .optional()?;
        if let Some(id) = id {
            diesel::sql_query("SELECT id FROM circuit_drafts WHERE id = $1 FOR UPDATE")
                .bind::<diesel::sql_types::BigInt, _>(id)
                .execute(conn)?;
        }
    }
    find(conn, project_id, user_id)
}
