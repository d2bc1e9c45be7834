#!/usr/bin/env python3
"""Audit trail at 1,000,000 rows (issue 11): the time of a filtered page of /audit (first page
and the page after a cursor) for each filter and several combinations, and the peak memory of
the server while it streams the whole trail as CSV and JSON Lines.

Usage (from the repository root):
    cargo build --release && python3 benches/audit/run.py [--rows 1000000] [--runs 7]
        [--database-url postgres://postgres@127.0.0.1:5432/ampflux_audit]

It starts target/release/ampflux on a fresh data folder (SQLite unless --database-url is given;
a PostgreSQL database named there is dropped and created again), signs up a company through the
pages (its admin is the reader), then fills the database directly with SQL: three more
companies, 200 people and 500 projects in the big company (20 and 40 in the others), and
--rows audit entries, 85 % of them the big company's, spread over the last year, with a skewed
mix of 20 actions (`circuit.row_update` common, `license.update` 1 in 2,000). The entries are
inserted in bulk with made-up hashes: their chain is NOT valid (it does not need to be for
timing reads), so the chain check is not timed here. The query planners get their statistics
as in service: PostgreSQL by VACUUM ANALYZE after the load (what autovacuum does), SQLite by a
restart of the server, whose start-up `PRAGMA optimize` (also run hourly) analyses tables that
grew tenfold.

Each page is requested --runs times in a row through HTTP by the signed-in admin; the table
shows the median (the whole request: query, the pickers of the full page, rendering). The
export's memory is the server's resident set size (VmRSS, sampled every 50 ms) during the
download, against its size before.
"""
import argparse
import importlib.util
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The load bench's browser, server start and sign-up.
_spec = importlib.util.spec_from_file_location("load_run", os.path.join(ROOT, "benches", "load", "run.py"))
load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load)

# (action, entity type, weight out of 10,000)
ACTIONS = [
    ("circuit.row_update", "circuit", 3000), ("circuit.row_create", "circuit", 1200),
    ("circuit.row_delete", "circuit", 500), ("circuit.save", "circuit_version", 900),
    ("circuit.settings", "circuit", 200), ("circuit.import", "circuit", 100),
    ("simulation.run", "simulation", 1200), ("simulation.complete", "simulation", 1100),
    ("project.update", "project", 300), ("project.create", "project", 100),
    ("member.add", "project_member", 150), ("member.role_change", "project_member", 50),
    ("version.restore", "circuit_version", 50), ("user.sign_in", "session", 900),
    ("user.update", "user", 100), ("user.password_change", "user", 60),
    ("user.role_change", "user", 40), ("team.create", "team", 25),
    ("request.refused", "request", 20), ("license.update", "license", 5),
]
assert sum(w for _, _, w in ACTIONS) == 10000

BIG = dict(users=200, projects=500)
SMALL = dict(users=20, projects=40)


def bulk_sql(rows, first_company, companies, now_sql, backend):
    """The statements that add companies, people, projects and `rows` entries."""
    pg = backend == "pg"
    out = []
    # Action ranges: an entry's action is the first whose cumulative weight exceeds r.
    out.append("CREATE TABLE bench_actions (hi INTEGER PRIMARY KEY, action TEXT NOT NULL, entity_type TEXT NOT NULL)")
    acc = 0
    values = []
    for action, entity, weight in ACTIONS:
        acc += weight
        values.append("(%d, '%s', '%s')" % (acc, action, entity))
    out.append("INSERT INTO bench_actions VALUES " + ", ".join(values))
    stamp = "now()" if pg else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    hashed = "'$argon2id$v=19$m=19456,t=2,p=1$bench$bench'"
    for c in range(first_company + 1, first_company + companies):
        out.append(
            "INSERT INTO companies (id, name, slug, code, contact_email, is_active, settings, created_at, updated_at) "
            "VALUES (%d, 'Bench company %d', 'bench-company-%d', 'BENCH-%d', 'bench%d@example.com', TRUE, '{}', %s, %s)"
            % (c, c, c, c, c, stamp, stamp))
    for c in range(first_company, first_company + companies):
        size = BIG if c == first_company else SMALL
        for u in range(size["users"]):
            uid = c * 100000 + u
            out.append(
                "INSERT INTO users (id, company_id, name, username, email, password_hash, is_active, timezone, preferences, created_at, updated_at) "
                "VALUES (%d, %d, 'Person %d-%d', 'bench-%d', 'bench-%d@example.com', %s, TRUE, 'UTC', '{}', %s, %s)"
                % (uid, c, c, u, uid, uid, hashed, stamp, stamp))
        for p in range(size["projects"]):
            pid = c * 100000 + p
            out.append(
                "INSERT INTO projects (id, company_id, owner_id, name, slug, description, status, created_at, updated_at) "
                "VALUES (%d, %d, %d, 'Project %d-%03d', 'project-%d', '', 'active', %s, %s)"
                % (pid, c, c * 100000, c, p, pid, stamp, stamp))
    # Entry i: 17 in 20 go to the big company, the rest round the others; the actor, project
    # (none for 30 %) and outcome (failure for 3 %) at random; times rising over the last year.
    small = companies - 1
    if pg:
        out.append("""
INSERT INTO audit_logs (company_id, user_id, project_id, action, entity_type, entity_id, outcome,
    changes, details, ip_address, user_agent, created_at, prev_hash, hash)
SELECT t.c,
    t.c * 100000 + floor(random() * (CASE WHEN t.c = %(big)d THEN %(bu)d ELSE %(su)d END))::bigint,
    CASE WHEN random() < 0.3 THEN NULL ELSE t.c * 100000 + floor(random() * (CASE WHEN t.c = %(big)d THEN %(bp)d ELSE %(sp)d END))::bigint END,
    a.action, a.entity_type, (t.i %% 5000),
    CASE WHEN random() < 0.03 THEN 'failure' ELSE 'success' END,
    ('{"after": {"name": "Feeder ' || (t.i %% 97) || '", "vn_kv": 20.0}, "before": {"name": "Feeder", "vn_kv": 10.0}}')::jsonb,
    '{}'::jsonb, '10.0.' || (t.i %% 250) || '.' || (t.i %% 200),
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    now() - interval '365 days' + interval '1 second' * (t.i * 31536000.0 / %(rows)d),
    lpad(to_hex(t.i - 1), 64, '0'), lpad(to_hex(t.i), 64, '0')
FROM (SELECT i, CASE WHEN i %% 20 < 17 THEN %(big)d ELSE %(big)d + 1 + i %% %(small)d END AS c,
             floor(random() * 10000)::int AS r
      FROM generate_series(1, %(rows)d) AS i) t
CROSS JOIN LATERAL (SELECT action, entity_type FROM bench_actions WHERE hi > t.r ORDER BY hi LIMIT 1) a
ORDER BY t.i""" % dict(big=first_company, bu=BIG["users"], su=SMALL["users"], bp=BIG["projects"],
                      sp=SMALL["projects"], rows=rows, small=small))
    else:
        out.append("""
INSERT INTO audit_logs (company_id, user_id, project_id, action, entity_type, entity_id, outcome,
    changes, details, ip_address, user_agent, created_at, prev_hash, hash)
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %(rows)d),
t AS MATERIALIZED (SELECT i, CASE WHEN i %% 20 < 17 THEN %(big)d ELSE %(big)d + 1 + i %% %(small)d END AS c,
                          abs(random()) %% 10000 AS r, abs(random()) %% 1000 AS u, abs(random()) %% 1000 AS p,
                          abs(random()) %% 100 AS f FROM s)
SELECT t.c,
    t.c * 100000 + t.u %% (CASE WHEN t.c = %(big)d THEN %(bu)d ELSE %(su)d END),
    CASE WHEN t.p < 300 THEN NULL ELSE t.c * 100000 + t.p %% (CASE WHEN t.c = %(big)d THEN %(bp)d ELSE %(sp)d END) END,
    (SELECT action FROM bench_actions WHERE hi > t.r ORDER BY hi LIMIT 1),
    (SELECT entity_type FROM bench_actions WHERE hi > t.r ORDER BY hi LIMIT 1),
    t.i %% 5000,
    CASE WHEN t.f < 3 THEN 'failure' ELSE 'success' END,
    '{"after":{"name":"Feeder ' || (t.i %% 97) || '","vn_kv":20.0},"before":{"name":"Feeder","vn_kv":10.0}}',
    '{}', '10.0.' || (t.i %% 250) || '.' || (t.i %% 200),
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-365 days', '+' || (t.i * 31536 / (%(rows)d / 1000)) || ' seconds'),
    printf('%%064x', t.i - 1), printf('%%064x', t.i)
FROM t ORDER BY t.i""" % dict(big=first_company, bu=BIG["users"], su=SMALL["users"], bp=BIG["projects"],
                            sp=SMALL["projects"], rows=rows, small=small))
    out.append("DROP TABLE bench_actions")
    return out


def fill(args, data_dir, company_id):
    t0 = time.perf_counter()
    statements = bulk_sql(args.rows, company_id, args.companies, None, "pg" if args.database_url else "sqlite")
    if args.database_url:
        script = ";\n".join(statements) + ";\nVACUUM ANALYZE;\n"
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", args.database_url], input=script,
                       text=True, check=True)
    else:
        db = sqlite3.connect(os.path.join(data_dir, "ampflux.db"), timeout=60)
        db.execute("PRAGMA busy_timeout = 60000")
        with db:
            for s in statements:
                db.execute(s)
        db.close()
    return time.perf_counter() - t0


def sql_value(args, data_dir, query):
    if args.database_url:
        out = subprocess.run(["psql", "-qtA", args.database_url, "-c", query], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    db = sqlite3.connect(os.path.join(data_dir, "ampflux.db"))
    value = db.execute(query).fetchone()[0]
    db.close()
    return str(value)


def timed(b, path, runs, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    times, body = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        status, body, _ = b.request("GET", path, headers=headers)
        times.append(time.perf_counter() - t0)
        load.expect(status, 200, path, body)
    return statistics.median(times) * 1000, body


def rows_in(body):
    return len(re.findall(r'<td><a href="/audit/\d+">', body))


def older(body):
    m = re.search(r'hx-get="(/audit\?[^"]*)"', body)
    return m.group(1).replace("&#38;", "&").replace("&amp;", "&") if m else None


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def export_memory(base, cookie, path, pid):
    """Downloads `path` while sampling the server's RSS; returns (rows, MB, s, RSS before, peak)."""
    before = rss_kb(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.perf_counter()
    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
    size = lines = 0
    with urllib.request.urlopen(req) as res:
        while True:
            chunk = res.read(1 << 16)
            if not chunk:
                break
            size += len(chunk)
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - t0
    done.set()
    sampler.join()
    rows = lines - 1 if path.startswith("/audit/export.csv") else lines
    return rows, size / 1e6, elapsed, before / 1024, peak[0] / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "ampflux"))
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--companies", type=int, default=4)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the data folder (printed) for a look at the database")
    args = ap.parse_args()
    load.PIN = False
    if args.database_url:
        admin_url, name = args.database_url.rsplit("/", 1)
        subprocess.run(["psql", admin_url + "/postgres", "-qc", 'DROP DATABASE IF EXISTS "%s"' % name], check=True)
        subprocess.run(["psql", admin_url + "/postgres", "-qc", 'CREATE DATABASE "%s"' % name], check=True)
    data_dir = tempfile.mkdtemp(prefix="ampflux-audit-")
    proc, base = load.start_server(args.binary, data_dir, args.port, args.database_url)
    try:
        b = load.Browser(base)
        load.sign_up(b, data_dir)
        company = int(sql_value(args, data_dir, "SELECT id FROM companies WHERE slug = 'load-test-power'"))
        seconds = fill(args, data_dir, company)
        if not args.database_url:
            # As after a restart or the hourly refresh: the start-up `PRAGMA optimize` analyses
            # the tables that grew tenfold (db::refresh_statistics).
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            t0 = time.perf_counter()
            proc, base = load.start_server(args.binary, data_dir, args.port, args.database_url)
            print("server restarted in %.1f s (with the statistics refresh)" % (time.perf_counter() - t0))
        total = int(sql_value(args, data_dir, "SELECT count(*) FROM audit_logs"))
        mine = int(sql_value(args, data_dir, "SELECT count(*) FROM audit_logs WHERE company_id = %d" % company))
        print("database: %s" % ("PostgreSQL" if args.database_url else "SQLite"))
        print("audit_logs: %d rows, %d of them the reader's company's (filled in %.0f s)" % (total, mine, seconds))
        user = company * 100000 + 7
        project = company * 100000 + 42
        day = sql_value(args, data_dir, "SELECT min(created_at) FROM audit_logs WHERE company_id = %d" % company)[:10]
        import datetime
        d0 = datetime.date.fromisoformat(day)
        one_day = (d0 + datetime.timedelta(days=200)).isoformat()
        half_year = (d0 + datetime.timedelta(days=180)).isoformat()
        month_from = (d0 + datetime.timedelta(days=100)).isoformat()
        month_to = (d0 + datetime.timedelta(days=130)).isoformat()
        queries = [
            ("no filter", ""),
            ("user", "user=%d" % user),
            ("project", "project=%d" % project),
            ("action, exact, common", "action=circuit.row_update"),
            ("action, exact, rare (1 in 2,000)", "action=license.update"),
            ("action prefix, 4 actions", "action=user."),
            ("action prefix, rare", "action=license."),
            ("action prefix, 6 actions", "action=circuit."),
            ("entity type, rare", "entity_type=license"),
            ("outcome failure (3 %)", "outcome=failure"),
            ("one day", "from=%s&to=%s" % (one_day, one_day)),
            ("up to half a year ago", "to=%s" % half_year),
            ("user + project", "user=%d&project=%d" % (user, project)),
            ("user + action", "user=%d&action=simulation.run" % user),
            ("project + failure", "project=%d&outcome=failure" % project),
            ("user + a month", "user=%d&from=%s&to=%s" % (user, month_from, month_to)),
            ("action prefix + failure + a month", "action=user.&outcome=failure&from=%s&to=%s" % (month_from, month_to)),
            ("rare action + user", "action=license.update&user=%d" % user),
            ("all seven", "user=%d&project=%d&action=circuit.&entity_type=circuit&outcome=success&from=%s&to=%s"
             % (user, project, month_from, month_to)),
        ]
        print()
        print("| filter | first page | rows | page after the cursor | rows |")
        print("|---|---|---|---|---|")
        worst = 0.0
        for label, q in queries:
            path = "/audit" + ("?" + q if q else "")
            first_ms, body = timed(b, path, args.runs)
            n1 = rows_in(body)
            nxt = older(body)
            if nxt:
                next_ms, body2 = timed(b, nxt, args.runs, htmx=True)
                n2 = rows_in(body2)
                cell = "%.1f ms | %d" % (next_ms, n2)
                worst = max(worst, next_ms)
            else:
                cell = "— | —"
            worst = max(worst, first_ms)
            print("| %s | %.1f ms | %d | %s |" % (label, first_ms, n1, cell))
        print()
        print("slowest median: %.1f ms" % worst)
        if not args.no_export:
            print()
            print("| export | rows | size | time | server RSS before | peak during |")
            print("|---|---|---|---|---|---|")
            cookie = b.cookie_header()
            for path in ("/audit/export.csv", "/audit/export.jsonl", "/audit/export.csv?action=user."):
                rows, mb, s, before, peak = export_memory(base, cookie, path, proc.pid)
                print("| %s | %d | %.0f MB | %.1f s | %.0f MB | %.0f MB |" % (path, rows, mb, s, before, peak))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if args.keep:
            print("data folder kept:", data_dir)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
