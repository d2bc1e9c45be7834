//! The audit trail: one append-only row per mutation (or denied attempt), written in the same
//! transaction as the change, and chained per company: each row stores the hash of the previous
//! row of its company and a hash over its own content, so an edited, removed or reordered row
//! breaks the chain at that point.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::RequestMeta;
use crate::db::json::JsonValue;
use crate::db::schema::{audit_chain_heads, audit_logs};
use crate::db::{BackendKind, DbConn};

pub mod filter;
pub mod pickers;
pub mod targets;

pub use filter::{Filter, Listed, find, page};

/// `prev_hash` of the first row of each company.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// Who acts, in which company, from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub company_id: i64,
    pub user_id: Option<i64>,
    pub meta: RequestMeta,
}

impl Actor {
    /// A user acting on their own account (in their own company).
    pub fn user(user: &super::user::User, meta: &RequestMeta) -> Actor {
        Actor {
            company_id: user.company_id,
            user_id: Some(user.id),
            meta: meta.clone(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: Option<i64>,
    pub project_id: Option<i64>,
    pub outcome: Outcome,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub details: serde_json::Value,
}

impl Entry {
    pub fn success(
        action: &'static str,
        entity_type: &'static str,
        entity_id: Option<i64>,
    ) -> Self {
        Entry {
            action,
            entity_type,
            entity_id,
            project_id: None,
            outcome: Outcome::Success,
            before: None,
            after: None,
            details: serde_json::json!({}),
        }
    }

    pub fn failure(
        action: &'static str,
        entity_type: &'static str,
        entity_id: Option<i64>,
    ) -> Self {
        Entry {
            outcome: Outcome::Failure,
            ..Entry::success(action, entity_type, entity_id)
        }
    }

    pub fn before(mut self, v: serde_json::Value) -> Self {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: serde_json::Value) -> Self {
        self.after = Some(v);
        self
    }

    pub fn details(mut self, v: serde_json::Value) -> Self {
        self.details = v;
        self
    }

    /// The project the entry concerns.
    pub fn project(mut self, project_id: i64) -> Self {
        self.project_id = Some(project_id);
        self
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_logs)]
pub struct AuditLog {
    pub id: i64,
    pub company_id: i64,
    pub user_id: Option<i64>,
    pub project_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub outcome: String,
    pub changes: JsonValue,
    pub details: JsonValue,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

/// Writes `v` as canonical JSON: object keys sorted, no whitespace, numbers as serde_json
/// prints them. Independent of serde_json's map order feature and of JSONB's key order.
fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `v` as canonical JSON text (sorted keys, no whitespace).
pub fn canonical_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

/// Puts numbers in the form both databases give back: JSONB prints `-0.0` as `0.0` and an
/// integral float of 1e16 or more as an integer, which serde_json then reads as one. NUL in
/// strings (a request's hostile id) becomes U+FFFD: JSONB cannot hold it, and a refusal must
/// still be recorded.
pub fn normalize(v: serde_json::Value) -> serde_json::Value {
    use crate::util::without_nul;
    use serde_json::{Number, Value};
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (without_nul(&k), normalize(v)))
                .collect(),
        ),
        Value::String(s) if s.contains('\0') => Value::String(without_nul(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f == 0.0 => Value::from(0.0),
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() >= 1e16 => {
                if f >= 0.0 && f <= u64::MAX as f64 && (f as u64) as f64 == f {
                    Value::Number(Number::from(f as u64))
                } else if f < 0.0 && f >= i64::MIN as f64 && (f as i64) as f64 == f {
                    Value::Number(Number::from(f as i64))
                } else {
                    Value::Number(n)
                }
            }
            _ => Value::Number(n),
        },
        other => other,
    }
}

/// A row's created_at as its hash covers it (and as exports write it): UTC, ISO 8601 with a
/// `T` and exactly six decimals, e.g. `2026-12-05T09:30:00.123456`.
pub fn hashed_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The hash of a row: SHA-256 over a canonical JSON array of its content and the previous hash.
#[allow(clippy::too_many_arguments)]
fn content_hash(
    prev_hash: &str,
    company_id: i64,
    user_id: Option<i64>,
    project_id: Option<i64>,
    action: &str,
    entity_type: &str,
    entity_id: Option<i64>,
    outcome: &str,
    changes: &serde_json::Value,
    details: &serde_json::Value,
    ip_address: Option<&str>,
    user_agent: Option<&str>,
    created_at: NaiveDateTime,
) -> String {
    let canonical = serde_json::json!([
        prev_hash,
        company_id,
        user_id,
        project_id,
        action,
        entity_type,
        entity_id,
        outcome,
        changes,
        details,
        ip_address,
        user_agent,
        hashed_time(created_at),
    ]);
    let mut text = String::new();
    write_canonical(&canonical, &mut text);
    crate::util::sha256_hex(text.as_bytes())
}

impl AuditLog {
    fn recomputed_hash(&self) -> String {
        content_hash(
            &self.prev_hash,
            self.company_id,
            self.user_id,
            self.project_id,
            &self.action,
            &self.entity_type,
            self.entity_id,
            &self.outcome,
            &self.changes.0,
            &self.details.0,
            self.ip_address.as_deref(),
            self.user_agent.as_deref(),
            self.created_at,
        )
    }

    pub fn before(&self) -> Option<&serde_json::Value> {
        self.changes.get("before").filter(|v| !v.is_null())
    }

    pub fn after(&self) -> Option<&serde_json::Value> {
        self.changes.get("after").filter(|v| !v.is_null())
    }
}

/// The company's chain head: (entries, last id, last hash).
pub fn head(conn: &mut DbConn, company_id: i64) -> QueryResult<Option<(i64, i64, String)>> {
    audit_chain_heads::table
        .find(company_id)
        .select((
            audit_chain_heads::entries,
            audit_chain_heads::last_id,
            audit_chain_heads::last_hash,
        ))
        .first(conn)
        .optional()
}

fn advance_head(
    conn: &mut DbConn,
    company_id: i64,
    last_id: i64,
    last_hash: &str,
) -> QueryResult<()> {
    let updated = diesel::update(audit_chain_heads::table.find(company_id))
        .set((
            audit_chain_heads::entries.eq(audit_chain_heads::entries + 1),
            audit_chain_heads::last_id.eq(last_id),
            audit_chain_heads::last_hash.eq(last_hash),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(audit_chain_heads::table)
            .values((
                audit_chain_heads::company_id.eq(company_id),
                audit_chain_heads::entries.eq(1i64),
                audit_chain_heads::last_id.eq(last_id),
                audit_chain_heads::last_hash.eq(last_hash),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Appends an entry. Call it inside the transaction of the change it records (see
/// `db::write_tx`): on SQLite that transaction already holds the write lock; on PostgreSQL a
/// per-company advisory lock keeps two writers from chaining onto the same previous row.
pub fn record(conn: &mut DbConn, actor: &Actor, entry: Entry) -> QueryResult<AuditLog> {
    if conn.kind() == BackendKind::Postgres {
        diesel::sql_query("SELECT pg_advisory_xact_lock(60909, $1::int)")
            .bind::<diesel::sql_types::Integer, _>((actor.company_id % i64::from(i32::MAX)) as i32)
            .execute(conn)?;
    }
    let prev_hash = head(conn, actor.company_id)?.map_or_else(|| GENESIS_HASH.to_string(), |h| h.2);
    let created_at = crate::util::now();
    let changes = normalize(serde_json::json!({ "before": entry.before, "after": entry.after }));
    let details = normalize(entry.details);
    let hash = content_hash(
        &prev_hash,
        actor.company_id,
        actor.user_id,
        entry.project_id,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.outcome.as_str(),
        &changes,
        &details,
        actor.meta.ip_address.as_deref(),
        actor.meta.user_agent.as_deref(),
        created_at,
    );
    diesel::insert_into(audit_logs::table)
        .values((
            audit_logs::company_id.eq(actor.company_id),
            audit_logs::user_id.eq(actor.user_id),
            audit_logs::project_id.eq(entry.project_id),
            audit_logs::action.eq(entry.action),
            audit_logs::entity_type.eq(entry.entity_type),
            audit_logs::entity_id.eq(entry.entity_id),
            audit_logs::outcome.eq(entry.outcome.as_str()),
            audit_logs::changes.eq(JsonValue(changes)),
            audit_logs::details.eq(JsonValue(details)),
            audit_logs::ip_address.eq(&actor.meta.ip_address),
            audit_logs::user_agent.eq(&actor.meta.user_agent),
            audit_logs::created_at.eq(created_at),
            audit_logs::prev_hash.eq(prev_hash),
            audit_logs::hash.eq(hash),
        ))
        .returning(audit_logs::all_columns)
        .get_result::<AuditLog>(conn)
        .and_then(|row| {
            advance_head(conn, row.company_id, row.id, &row.hash)?;
            Ok(row)
        })
}

/// The result of walking the chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub rows_checked: u64,
    pub companies_checked: u64,
    pub first_broken: Option<BrokenLink>,
    /// The last row that matched (id and hash): with one company checked and nothing broken,
    /// the head of its chain, which an offline check of an export should end at.
    pub last_intact: Option<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub id: i64,
    pub company_id: i64,
    pub reason: String,
}

/// Walks every company's chain (or one company's) in id order and reports the first row whose
/// link or content does not match.
pub fn verify_chain(conn: &mut DbConn, only_company: Option<i64>) -> QueryResult<ChainReport> {
    verify_chain_with_progress(conn, only_company, &mut |_, _| {})
}

/// Reports progress while walking the chains: the connection (free between batches) and the
/// rows checked so far.
pub type Progress<'a> = &'a mut dyn FnMut(&mut DbConn, u64);

/// [`verify_chain`], calling `progress` after each batch of rows (the `audit.verify` job
/// shows it on the page).
pub fn verify_chain_with_progress(
    conn: &mut DbConn,
    only_company: Option<i64>,
    progress: Progress<'_>,
) -> QueryResult<ChainReport> {
    // Every company with entries or with a chain head (a head without entries means they were
    // all removed).
    let mut rows_q = audit_logs::table
        .select(audit_logs::company_id)
        .distinct()
        .into_boxed();
    let mut heads_q = audit_chain_heads::table
        .select(audit_chain_heads::company_id)
        .into_boxed();
    if let Some(c) = only_company {
        rows_q = rows_q.filter(audit_logs::company_id.eq(c));
        heads_q = heads_q.filter(audit_chain_heads::company_id.eq(c));
    }
    let mut companies: Vec<i64> = rows_q.load(conn)?;
    companies.extend(heads_q.load::<i64>(conn)?);
    companies.sort_unstable();
    companies.dedup();
    let mut report = ChainReport {
        rows_checked: 0,
        companies_checked: 0,
        first_broken: None,
        last_intact: None,
    };
    for company_id in companies {
        report.companies_checked += 1;
        if let Some(broken) = verify_company(conn, company_id, &mut report, progress)? {
            report.first_broken = Some(broken);
            return Ok(report);
        }
    }
    Ok(report)
}

fn verify_company(
    conn: &mut DbConn,
    company_id: i64,
    report: &mut ChainReport,
    progress: Progress<'_>,
) -> QueryResult<Option<BrokenLink>> {
    let broken = |id: i64, reason: &str| {
        Some(BrokenLink {
            id,
            company_id,
            reason: reason.to_string(),
        })
    };
    // The head first: entries appended while the walk runs (a live trail) are after it and
    // left for the next check, instead of looking like a chain that outgrew its head.
    let head = head(conn, company_id)?;
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut after_id = 0i64;
    let mut entries = 0i64;
    loop {
        let mut q = audit_logs::table
            .filter(audit_logs::company_id.eq(company_id))
            .filter(audit_logs::id.gt(after_id))
            .into_boxed();
        if let Some((_, last_id, _)) = &head {
            q = q.filter(audit_logs::id.le(*last_id));
        }
        let batch: Vec<AuditLog> = q
            .order(audit_logs::id.asc())
            .limit(1000)
            .select(AuditLog::as_select())
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after_id = last.id;
        for row in &batch {
            report.rows_checked += 1;
            entries += 1;
            if row.prev_hash != expected_prev {
                return Ok(broken(
                    row.id,
                    "its prev_hash does not match the hash of the previous row (a row was removed or inserted)",
                ));
            }
            if row.recomputed_hash() != row.hash {
                return Ok(broken(
                    row.id,
                    "its content does not match its hash (the row was edited)",
                ));
            }
            expected_prev = row.hash.clone();
            report.last_intact = Some((row.id, row.hash.clone()));
        }
        progress(conn, report.rows_checked);
    }
    // The newest entries: the chain must end where its head says.
    match head {
        Some((count, last_id, last_hash))
            if count == entries && last_id == after_id && last_hash == expected_prev =>
        {
            Ok(None)
        }
        Some((count, last_id, _)) => Ok(broken(
            last_id,
            &format!(
                "the chain ends before its recorded head ({entries} of {count} entries present: the newest entries were removed)"
            ),
        )),
        None if entries == 0 => Ok(None),
        None => Ok(broken(after_id, "the company's chain head is missing")),
    }
}
