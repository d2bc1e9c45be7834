//! The filtered trail as a download (`audit:read`): CSV with a header row, or JSON Lines, one
//! entry per row with every column, `prev_hash` and `hash` included, so an auditor can
//! recompute each row's hash offline (README, "Verifying an audit export"). Oldest first, the
//! chain's order.
//!
//! The download is produced in batches of [`BATCH`] entries by keyset (`id > cursor`), each
//! batch read on its own connection: memory stays at one batch whatever the size of the trail,
//! and a slow client holds no database connection while it reads. The export stops at the
//! newest entry that existed when it started, so it is one consistent cut of an append-only
//! trail.

use crate::auth::permissions;
use crate::db::DbConn;
use crate::models::audit::filter::{self, Resolved};
use crate::models::audit::{Listed, canonical_json, hashed_time};
use crate::ops::{Actor, OpError};

use super::{ListInput, query};

/// Entries per batch (one query and one chunk of the response).
pub const BATCH: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::JsonLines => "application/x-ndjson; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }
}

/// A checked export: the filters resolved once, and where it stops. Only [`plan`] makes one,
/// after checking the permission, so holding it is the right to read its batches.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    format: Format,
    /// `None`: nothing matches.
    resolved: Option<Resolved>,
    up_to: i64,
}

/// Checks the permission and the filters (invalid ones are refused: `OpError::Invalid`).
pub fn plan(
    conn: &mut DbConn,
    actor: &Actor,
    input: ListInput,
    format: Format,
) -> Result<ExportPlan, OpError> {
    actor.require(permissions::AUDIT_READ)?;
    let filter = query::parse(&input.query, &input.timezone)
        .1
        .map_err(OpError::Invalid)?;
    let up_to = filter::last_id(conn, actor.company_id)?.unwrap_or(0);
    let resolved = filter::resolve(conn, actor.company_id, &filter)?;
    Ok(ExportPlan {
        format,
        resolved,
        up_to,
    })
}

impl ExportPlan {
    pub fn format(&self) -> Format {
        self.format
    }

    /// The file's first line (the CSV header), or nothing.
    pub fn header(&self) -> String {
        match self.format {
            Format::Csv => {
                let mut line = COLUMNS.join(",");
                line.push_str("\r\n");
                line
            }
            Format::JsonLines => String::new(),
        }
    }

    /// The rows after `cursor` (an id; 0 at the start), formatted, and the cursor to continue
    /// from; `None` at the end.
    pub fn next_chunk(
        &self,
        conn: &mut DbConn,
        cursor: i64,
    ) -> Result<Option<(String, i64)>, OpError> {
        let Some(resolved) = &self.resolved else {
            return Ok(None);
        };
        let rows = filter::batch_after(conn, resolved, cursor, self.up_to, BATCH)?;
        let Some(last) = rows.last().map(|r| r.log.id) else {
            return Ok(None);
        };
        let mut out = String::with_capacity(rows.len() * 600);
        for row in &rows {
            match self.format {
                Format::Csv => csv_row(row, &mut out),
                Format::JsonLines => jsonl_row(row, &mut out),
            }
        }
        Ok(Some((out, last)))
    }
}

/// The CSV columns, in order (the JSON Lines objects have the same keys).
pub const COLUMNS: [&str; 16] = [
    "id",
    "company_id",
    "user_id",
    "username",
    "project_id",
    "action",
    "entity_type",
    "entity_id",
    "outcome",
    "changes",
    "details",
    "ip_address",
    "user_agent",
    "created_at",
    "prev_hash",
    "hash",
];

/// One CSV text cell, reversibly: `None` is an empty cell and `Some("")` a quoted empty one;
/// a value starting with `=`, `+`, `-`, `@`, tab, carriage return or `'` gets one `'` in front
/// (a spreadsheet would run the first four as a formula), so a reader removes the first
/// character of any cell that starts with `'` and has the value back exactly; quoted (with `"`
/// doubled) when it holds a comma, quote or line break.
pub fn csv_cell(value: Option<&str>) -> String {
    let Some(s) = value else {
        return String::new();
    };
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.is_empty() || guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn num(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn csv_row(row: &Listed, out: &mut String) {
    let log = &row.log;
    let cells = [
        log.id.to_string(),
        log.company_id.to_string(),
        num(log.user_id),
        csv_cell(row.actor.as_deref()),
        num(log.project_id),
        csv_cell(Some(&log.action)),
        csv_cell(Some(&log.entity_type)),
        num(log.entity_id),
        csv_cell(Some(&log.outcome)),
        csv_cell(Some(&canonical_json(&log.changes.0))),
        csv_cell(Some(&canonical_json(&log.details.0))),
        csv_cell(log.ip_address.as_deref()),
        csv_cell(log.user_agent.as_deref()),
        csv_cell(Some(&hashed_time(log.created_at))),
        csv_cell(Some(&log.prev_hash)),
        csv_cell(Some(&log.hash)),
    ];
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

fn jsonl_row(row: &Listed, out: &mut String) {
    let log = &row.log;
    let object = serde_json::json!({
        "id": log.id,
        "company_id": log.company_id,
        "user_id": log.user_id,
        "username": row.actor,
        "project_id": log.project_id,
        "action": log.action,
        "entity_type": log.entity_type,
        "entity_id": log.entity_id,
        "outcome": log.outcome,
        "changes": log.changes.0,
        "details": log.details.0,
        "ip_address": log.ip_address,
        "user_agent": log.user_agent,
        "created_at": hashed_time(log.created_at),
        "prev_hash": log.prev_hash,
        "hash": log.hash,
    });
    // Canonical (sorted keys, no whitespace): the same text the hash covers for the JSON
    // columns.
    out.push_str(&canonical_json(&object));
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    /// The reverse of `csv_cell` for one unquoted-or-quoted cell, as the README tells readers.
    fn read_back(cell: &str) -> Option<String> {
        if cell.is_empty() {
            return None;
        }
        let v = match cell.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
            Some(inner) => inner.replace("\"\"", "\""),
            None => cell.to_string(),
        };
        Some(v.strip_prefix('\'').map(str::to_string).unwrap_or(v))
    }

    #[test]
    fn cells_quote_guard_and_read_back_exactly() {
        assert_eq!(csv_cell(None), "");
        assert_eq!(csv_cell(Some("")), "\"\"");
        assert_eq!(csv_cell(Some("user.update")), "user.update");
        assert_eq!(csv_cell(Some("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(Some("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(
            csv_cell(Some("=HYPERLINK(\"x\")")),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_cell(Some("-1")), "'-1");
        assert_eq!(csv_cell(Some("'quoted")), "''quoted");
        for v in [
            "",
            "plain",
            "a,b",
            "line\nbreak",
            "cr\rlf",
            "\"",
            "=1+1",
            "+x",
            "-",
            "@a",
            "\tx",
            "'",
            "''x",
            "{\"a\":[1,2]}",
            "Mozilla/5.0 (X11; Linux x86_64)",
            "ünïcödé",
        ] {
            assert_eq!(read_back(&csv_cell(Some(v))).as_deref(), Some(v), "{v:?}");
        }
        assert_eq!(read_back(&csv_cell(None)), None);
    }
}
