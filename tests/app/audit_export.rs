//! The audit trail's exports (CSV and JSON Lines, streamed, with every column and hash) and the
//! "Verify chain" check on the page; who may use them. The hashes are recomputed here with
//! the recipe README.md documents ("Verifying an audit export"), not with the application's
//! code, so a wrong recipe fails these tests.

use crate::audit::{record_n, trail};
use crate::common::*;
use crate::on_both_databases;
use ampflux::db::write_tx;
use ampflux::models::RequestMeta;
use ampflux::models::audit::{self, Actor, Entry, GENESIS_HASH};
use diesel::connection::SimpleConnection;

// ------------------------------------------------------------------ the documented recipe

/// A JSON string as README says: `"` and `\` escaped with a backslash, the control characters
/// U+0000 to U+001F as `\b \t \n \f \r` or `\u00xx` (lowercase hex), nothing else escaped.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Canonical JSON as README says: keys sorted, no whitespace, numbers as written.
fn canonical(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", json_string(k), canonical(&map[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::String(s) => json_string(s),
        other => other.to_string(),
    }
}

/// The fields the hash covers, as text, in the recipe's order.
struct HashInput {
    prev_hash: String,
    company_id: String,
    user_id: Option<String>,
    project_id: Option<String>,
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    outcome: String,
    /// Canonical JSON text.
    changes: String,
    details: String,
    ip_address: Option<String>,
    user_agent: Option<String>,
    created_at: String,
}

fn recipe_hash(h: &HashInput) -> String {
    let num = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
    let text = |v: &Option<String>| v.as_deref().map_or("null".into(), json_string);
    let input = format!(
        "[{},{},{},{},{},{},{},{},{},{},{},{},{}]",
        json_string(&h.prev_hash),
        h.company_id,
        num(&h.user_id),
        num(&h.project_id),
        json_string(&h.action),
        json_string(&h.entity_type),
        num(&h.entity_id),
        json_string(&h.outcome),
        h.changes,
        h.details,
        text(&h.ip_address),
        text(&h.user_agent),
        json_string(&h.created_at),
    );
    ampflux::util::sha256_hex(input.as_bytes())
}

// ------------------------------------------------------------------ reading the files

/// RFC 4180 records; `None` for an empty unquoted cell (null), quoted cells unquoted.
fn parse_csv(text: &str) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let (mut quoted, mut in_quotes) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => in_quotes = false,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' => (in_quotes, quoted) = (true, true),
            ',' | '\r' => {
                if c == '\r' {
                    assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                }
                row.push((quoted || !cell.is_empty()).then(|| std::mem::take(&mut cell)));
                quoted = false;
                if c == '\r' {
                    rows.push(std::mem::take(&mut row));
                }
            }
            c => cell.push(c),
        }
    }
    assert!(row.is_empty() && cell.is_empty(), "the file ends with CRLF");
    rows
}

/// A text cell's value: one leading `'` was added by the export (formula guard).
fn unguard(cell: &Option<String>) -> Option<String> {
    cell.as_ref().map(|v| {
        v.strip_prefix('\'')
            .map_or_else(|| v.clone(), str::to_string)
    })
}

struct CsvRow(std::collections::HashMap<String, Option<String>>);

impl CsvRow {
    fn text(&self, k: &str) -> Option<String> {
        unguard(&self.0[k])
    }
    fn req(&self, k: &str) -> String {
        self.text(k).unwrap_or_else(|| panic!("{k} is null"))
    }
    fn hash_input(&self) -> HashInput {
        HashInput {
            prev_hash: self.req("prev_hash"),
            company_id: self.req("company_id"),
            user_id: self.text("user_id"),
            project_id: self.text("project_id"),
            action: self.req("action"),
            entity_type: self.req("entity_type"),
            entity_id: self.text("entity_id"),
            outcome: self.req("outcome"),
            changes: self.req("changes"),
            details: self.req("details"),
            ip_address: self.text("ip_address"),
            user_agent: self.text("user_agent"),
            created_at: self.req("created_at"),
        }
    }
}

fn csv_rows(body: &str) -> Vec<CsvRow> {
    let mut records = parse_csv(body);
    assert!(!records.is_empty(), "a header row");
    let header: Vec<String> = records.remove(0).into_iter().map(Option::unwrap).collect();
    let columns = "id,company_id,user_id,username,project_id,action,entity_type,entity_id,\
                   outcome,changes,details,ip_address,user_agent,created_at,prev_hash,hash";
    assert_eq!(header.join(","), columns);
    records
        .into_iter()
        .map(|r| {
            assert_eq!(r.len(), header.len());
            CsvRow(header.iter().cloned().zip(r).collect())
        })
        .collect()
}

fn jsonl_hash_input(v: &serde_json::Value) -> HashInput {
    let num = |k: &str| (!v[k].is_null()).then(|| v[k].to_string());
    let text = |k: &str| v[k].as_str().map(str::to_string);
    HashInput {
        prev_hash: text("prev_hash").unwrap(),
        company_id: v["company_id"].to_string(),
        user_id: num("user_id"),
        project_id: num("project_id"),
        action: text("action").unwrap(),
        entity_type: text("entity_type").unwrap(),
        entity_id: num("entity_id"),
        outcome: text("outcome").unwrap(),
        changes: canonical(&v["changes"]),
        details: canonical(&v["details"]),
        ip_address: text("ip_address"),
        user_agent: text("user_agent"),
        created_at: text("created_at").unwrap(),
    }
}

fn jsonl_rows(body: &str) -> Vec<serde_json::Value> {
    assert!(body.is_empty() || body.ends_with('\n'));
    body.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

// ------------------------------------------------------------------ tests

async fn exports_hold_the_filtered_rows_with_hashes_that_recompute(app: TestApp) {
    let mut t = trail(&app, "Export").await;
    let c = t.company_id;
    // A browser whose name needs quoting and the formula guard, and a change with awkward
    // values: the hashes must still recompute from the files.
    t.admin.user_agent = "=HYPERLINK(\"x\"), 'quoted'\tand tabbed".into();
    t.admin.get("/account").await;
    t.admin
        .post(
            "/account/profile",
            &[("name", "Ünïcode, \"Quoted\" Name"), ("timezone", "UTC")],
        )
        .await
        .assert_redirect("/account");
    app.with_conn(|conn| {
        write_tx(conn, |conn| {
            let actor = Actor {
                company_id: c,
                user_id: Some(t.engineer_id),
                meta: RequestMeta {
                    ip_address: None,
                    user_agent: Some(String::new()),
                },
            };
            audit::record(
                conn,
                &actor,
                Entry::success("circuit.save", "circuit", Some(7))
                    .project(t.p2)
                    .before(serde_json::json!({ "tiny": 1e-7, "huge": 1.5e300, "kv": 20.0, "neg": -0.5 }))
                    .after(serde_json::json!({ "s": "ctl\u{1}\u{1f} \"q\" \\ line\nbreak", "z": [1, { "b": true, "a": null }] })),
            )
        })
        .unwrap();
    });
    // More than one batch of 1,000 rows.
    record_n(
        &app,
        c,
        Some(t.admin_id),
        1100,
        "test.bulk",
        "thing",
        None,
        0,
    );

    let all_ids: Vec<i64> = {
        let mut v = crate::audit::expected_ids(&app, c, |_| true);
        v.reverse();
        v
    };
    let theirs = crate::audit::expected_ids(&app, t.other_company, |_| true);

    // The whole trail, CSV: every entry oldest first, one unbroken chain.
    let csv = t.admin.get("/audit/export.csv").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = csv.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"audit-export-power-light-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let rows = csv_rows(&csv.body);
    let ids: Vec<i64> = rows.iter().map(|r| r.req("id").parse().unwrap()).collect();
    assert_eq!(ids, all_ids);
    assert!(ids.iter().all(|id| !theirs.contains(id)));
    let mut prev = GENESIS_HASH.to_string();
    for r in &rows {
        assert_eq!(r.req("company_id"), c.to_string());
        assert_eq!(
            recipe_hash(&r.hash_input()),
            r.req("hash"),
            "row {}",
            r.req("id")
        );
        assert_eq!(r.req("prev_hash"), prev, "linked to the row before");
        prev = r.req("hash");
    }
    let guarded = rows
        .iter()
        .find(|r| r.req("action") == "user.update")
        .unwrap();
    assert_eq!(
        guarded.0["user_agent"].as_deref().unwrap().chars().next(),
        Some('\'')
    );
    assert_eq!(guarded.req("user_agent"), t.admin.user_agent);
    let awkward = rows
        .iter()
        .find(|r| r.req("changes").contains("\"tiny\":1e-7"))
        .expect("the entry with awkward values");
    assert_eq!(
        awkward.text("user_agent").as_deref(),
        Some(""),
        "an empty value is not null"
    );

    // Filtered: exactly the page's entries, oldest first, in both formats.
    let query = format!("action=circuit.&project={}", t.p2);
    let want: Vec<i64> = {
        let mut v = crate::audit::expected_ids(&app, c, |r| {
            r.action.starts_with("circuit.") && r.project_id == Some(t.p2)
        });
        v.reverse();
        v
    };
    assert!(want.len() > 30);
    let csv = t.admin.get(&format!("/audit/export.csv?{query}")).await;
    let rows = csv_rows(&csv.body);
    assert_eq!(
        rows.iter()
            .map(|r| r.req("id").parse::<i64>().unwrap())
            .collect::<Vec<_>>(),
        want
    );
    for r in &rows {
        assert_eq!(recipe_hash(&r.hash_input()), r.req("hash"));
    }
    let jsonl = t.admin.get(&format!("/audit/export.jsonl?{query}")).await;
    assert_eq!(jsonl.status, 200);
    assert_eq!(
        jsonl.header("content-type"),
        Some("application/x-ndjson; charset=utf-8")
    );
    assert!(
        jsonl
            .header("content-disposition")
            .unwrap()
            .ends_with(".jsonl\"")
    );
    let lines = jsonl_rows(&jsonl.body);
    assert_eq!(
        lines
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        want
    );
    for (line, row) in lines.iter().zip(&rows) {
        assert_eq!(
            line["hash"].as_str().unwrap(),
            recipe_hash(&jsonl_hash_input(line))
        );
        assert_eq!(line["hash"].as_str(), Some(row.req("hash").as_str()));
        assert_eq!(line["project_id"].as_i64(), Some(t.p2));
    }
    assert!(
        lines
            .iter()
            .any(|l| l["changes"]["before"]["tiny"].as_f64() == Some(1e-7))
    );

    // Another company's ids in the filters export nothing of theirs.
    for q in [
        format!("user={}", t.other_user),
        format!("project={}", t.other_project),
    ] {
        let res = t.admin.get(&format!("/audit/export.jsonl?{q}")).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.body, "", "{q}");
        let res = t.admin.get(&format!("/audit/export.csv?{q}")).await;
        assert_eq!(csv_rows(&res.body).len(), 0);
    }
    // Filters that cannot be read are refused.
    assert_eq!(t.admin.get("/audit/export.csv?from=soon").await.status, 400);
}
on_both_databases!(exports_hold_the_filtered_rows_with_hashes_that_recompute);

async fn readers_may_use_the_trail_engineers_may_not(app: TestApp) {
    let s = setup(&app, "Matrix").await;
    let (reviewer, _) = signed_in(&app, s.company_id, "matrix-reviewer", "reviewer").await;
    let (engineer, _) = signed_in(&app, s.company_id, "matrix-engineer", "engineer").await;
    let reads = [
        "/audit",
        "/audit?action=user.",
        "/audit/export.csv",
        "/audit/export.jsonl?outcome=success",
    ];
    for client in [&s.client, &reviewer] {
        for path in reads {
            assert_eq!(client.get(path).await.status, 200, "{path}");
        }
        client.get("/audit").await;
        let res = hx(client, "/audit/verify", &[]).await;
        assert_eq!(res.status, 200, "{}", res.body);
        res.assert_contains("The chain is intact");
    }
    for path in reads {
        assert_eq!(engineer.get(path).await.status, 403, "{path}");
    }
    engineer.get("/").await;
    assert_eq!(hx(&engineer, "/audit/verify", &[]).await.status, 403);
    // Signed out: to the sign-in page.
    assert_eq!(app.client().get("/audit/export.csv").await.status, 303);
}
on_both_databases!(readers_may_use_the_trail_engineers_may_not);

fn job_id_in(body: &str) -> i64 {
    let marker = "hx-get=\"/audit/verify/";
    let start = body.find(marker).expect("a polling piece") + marker.len();
    body[start..].split('"').next().unwrap().parse().unwrap()
}

/// Polls the piece like htmx until it stops asking to be polled.
async fn verified(client: &Client, job_id: i64) -> Resp {
    for _ in 0..300 {
        let res = client.get_htmx(&format!("/audit/verify/{job_id}")).await;
        assert_eq!(res.status, 200, "{}", res.body);
        if !res.body.contains("hx-trigger") {
            return res;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the check did not finish");
}

async fn verify_chain_on_the_page_inline_and_as_a_job(app: TestApp) {
    let s = setup(&app, "Verify").await;
    let other = setup(&app, "VerifyOther").await;
    record_n(
        &app,
        s.company_id,
        Some(s.user_id),
        20,
        "test.bulk",
        "thing",
        None,
        3,
    );
    let client = &s.client;
    let page = client.get("/audit").await;
    page.assert_contains("Verify chain");

    // Inline: the result at once, naming the chain's head.
    let entries = crate::audit::expected_ids(&app, s.company_id, |_| true);
    let res = hx(client, "/audit/verify", &[]).await;
    assert_eq!(res.status, 200);
    res.assert_contains(&format!(
        "The chain is intact: {} entries checked.",
        entries.len()
    ));
    res.assert_contains(&format!(
        "<a href=\"/audit/{}\">entry #{}</a>",
        entries[0], entries[0]
    ));
    let recorded = audit_entries(&app, s.company_id, "audit.verify");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].log.user_id, Some(s.user_id));
    assert_eq!(recorded[0].log.details.0["intact"], true);
    assert_eq!(recorded[0].log.details.0["via"], "page");

    // As a job (what a trail of more than 50,000 entries gets): poll until done.
    let queued = hx(client, "/audit/verify", &[("background", "1")]).await;
    assert_eq!(queued.status, 200);
    queued.assert_contains("hx-trigger");
    let job_id = job_id_in(&queued.body);
    let done = verified(client, job_id).await;
    done.assert_contains(&format!(
        "The chain is intact: {} entries checked.",
        entries.len() + 1
    ));
    let recorded = audit_entries(&app, s.company_id, "audit.verify");
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].log.details.0["via"], "job");
    // Without htmx the same piece comes in a page.
    let plain = client.get(&format!("/audit/verify/{job_id}")).await;
    plain.assert_contains("<html");
    plain.assert_contains("The chain is intact");

    // Another company's job, another kind of job, no job: not found.
    assert_eq!(
        other
            .client
            .get_htmx(&format!("/audit/verify/{job_id}"))
            .await
            .status,
        404
    );
    let mail_job = app.with_conn(|conn| {
        ampflux::models::job::enqueue(
            conn,
            ampflux::models::job::NewJob::new(
                "test.other",
                serde_json::json!({ "company_id": s.company_id }),
            ),
        )
        .unwrap()
        .id
    });
    assert_eq!(
        client
            .get_htmx(&format!("/audit/verify/{mail_job}"))
            .await
            .status,
        404
    );
    assert_eq!(client.get_htmx("/audit/verify/999999").await.status, 404);

    // A running check shows its progress.
    let running = app.with_conn(|conn| {
        let job = ampflux::models::job::enqueue(
            conn,
            ampflux::models::job::NewJob::new(
                "audit.verify",
                serde_json::json!({ "company_id": s.company_id, "user_id": s.user_id, "total": 80000 }),
            ),
        )
        .unwrap();
        conn.batch_execute(&format!(
            "UPDATE jobs SET status = 'running', locked_by = 'elsewhere', result = '{{\"checked\": 30000}}' WHERE id = {}",
            job.id
        ))
        .unwrap();
        job.id
    });
    let progress = client.get_htmx(&format!("/audit/verify/{running}")).await;
    progress.assert_contains("30000 of 80000 entries");
    progress.assert_contains("hx-trigger");

    // An edited entry: the first broken entry, linked.
    let victim = entries[5];
    let (disable, enable) = match app.backend {
        Backend::Sqlite => ("DROP TRIGGER audit_logs_no_update;", ""),
        Backend::Postgres => (
            "ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only;",
            "ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only;",
        ),
    };
    app.with_conn(|conn| {
        conn.batch_execute(disable).unwrap();
        conn.batch_execute(&format!(
            "UPDATE audit_logs SET entity_type = 'edited' WHERE id = {victim}"
        ))
        .unwrap();
        if !enable.is_empty() {
            conn.batch_execute(enable).unwrap();
        }
    });
    let broken = hx(client, "/audit/verify", &[]).await;
    broken.assert_contains("The chain is broken");
    broken.assert_contains(&format!("<a href=\"/audit/{victim}\">entry #{victim}</a>"));
    broken.assert_contains("the row was edited");
    assert_eq!(
        audit_entries(&app, s.company_id, "audit.verify")[0]
            .log
            .details
            .0["first_broken"],
        victim
    );
    // The other company's chain is its own, and intact.
    other.client.get("/audit").await;
    hx(&other.client, "/audit/verify", &[])
        .await
        .assert_contains("The chain is intact");

    // A read: it works while the company is read-only.
    app.with_conn(|conn| {
        conn.batch_execute(&format!(
            "UPDATE licenses SET status = 'expired' WHERE company_id = {}",
            other.company_id
        ))
        .unwrap();
    });
    let page = other.client.get("/audit").await;
    page.assert_contains("read-only");
    let res = hx(&other.client, "/audit/verify", &[]).await;
    assert_eq!(res.status, 200);
    res.assert_contains("The chain is intact");
    assert_eq!(other.client.get("/audit/export.csv").await.status, 200);
}
on_both_databases!(verify_chain_on_the_page_inline_and_as_a_job);
