//! The distinct values of one column of a company's rows, through an index that starts with
//! `(company_id, column)`: a loose index scan (a recursive query that jumps from one value to
//! the next), so it costs one index step per value however many rows there are. Neither
//! database does this by itself for `SELECT DISTINCT` (PostgreSQL 15 has no skip scan).

use diesel::prelude::*;

use super::{BackendKind, DbConn};

/// Tables and columns with such an index (names are never taken from input).
#[derive(Debug, Clone, Copy)]
pub enum Indexed {
    AuditAction,
    AuditEntityType,
    SecurityEventType,
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// The company's distinct values, sorted as the database sorts text, at most 500.
pub fn distinct_values(
    conn: &mut DbConn,
    company_id: i64,
    what: Indexed,
) -> QueryResult<Vec<String>> {
    let (table, c) = match what {
        Indexed::AuditAction => ("audit_logs", "action"),
        Indexed::AuditEntityType => ("audit_logs", "entity_type"),
        Indexed::SecurityEventType => ("security_events", "event_type"),
    };
    let sql = format!(
        "WITH RECURSIVE t(v, n) AS (\
           SELECT MIN({c}), 1 FROM {table} WHERE company_id = $1 \
           UNION ALL \
           SELECT (SELECT MIN({c}) FROM {table} WHERE company_id = $1 AND {c} > t.v), n + 1 \
           FROM t WHERE t.v IS NOT NULL AND n < 500) \
         SELECT v FROM t WHERE v IS NOT NULL"
    );
    let sql = match conn.kind() {
        BackendKind::Postgres => sql,
        BackendKind::Sqlite => sql.replace("$1", "?1"),
    };
    let rows: Vec<Value> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(company_id)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.v).collect())
}
