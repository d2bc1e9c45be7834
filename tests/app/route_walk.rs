//! Read-only enforcement on every mutating route. The routes are read from the handlers'
//! source (`src/web/handlers/**`: `.route(path, web::post()...)`, inside `web::scope(...)` and
//! `web::resource(...)` too), so a route added later is walked as well: it must refuse a
//! read-only company's admin with the read-only message (403), change nothing and audit a
//! failure, unless it is one of the exemptions below (the same list as in `ops/actor.rs`).

use std::collections::BTreeMap;
use std::path::Path;

use diesel::prelude::*;

use crate::common::*;
use crate::license::{READ_ONLY_MESSAGE, set_license};
use crate::on_both_databases;

/// Unsafe routes that stay open while the company is read-only, by path pattern (a trailing
/// `*` matches the rest), with the reason. See the module comment of `src/ops/actor.rs`.
const EXEMPT: &[(&str, &str)] = &[
    ("/login", "signing in"),
    ("/logout", "signing out"),
    (
        "/register",
        "sign-up creates a new company, outside any read-only one",
    ),
    ("/setup/{token}", "the first platform admin"),
    (
        "/password/forgot",
        "a password-reset mail (account security)",
    ),
    (
        "/password/reset/{token}",
        "a password reset (account security)",
    ),
    ("/account/password", "changing one's own password"),
    (
        "/account/two-factor/*",
        "one's own two-factor sign-in (account security; a company requiring it must let users set it up)",
    ),
    ("/login/two-factor", "signing in (the second step)"),
    (
        "/account/sessions/revoke-others",
        "ending one's own sessions",
    ),
    (
        "/account/sessions/{public_id}/revoke",
        "ending one's own sessions",
    ),
    (
        "/admin/users/{id}/deactivate",
        "taking access away: locking out someone who left",
    ),
    (
        "/admin/users/{id}/sessions/revoke-all",
        "taking access away: ending a user's sessions",
    ),
    (
        "/admin/users/{id}/sessions/{public_id}/revoke",
        "taking access away: ending a user's session",
    ),
    (
        "/admin/users/invitations/{id}/revoke",
        "taking access away: an invitation link stops working",
    ),
    (
        "/audit/*",
        "the audit trail is read: exports and chain checks stay open",
    ),
];

const UNSAFE: [&str; 4] = ["post", "put", "patch", "delete"];

fn exempt(path: &str) -> Option<&'static str> {
    EXEMPT.iter().find_map(|(pattern, why)| {
        let hit = match pattern.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == *pattern,
        };
        hit.then_some(*why)
    })
}

// ------------------------------------------------------------------ reading the route table

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Open(char),
    Close,
    Colons,
    Other,
}

/// Rust source as tokens, without comments (good enough for route registrations).
fn tokens(src: &str) -> Vec<Tok> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Str(s));
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push(Tok::Other);
            i += 3;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            out.push(match c {
                '(' | '{' | '[' => Tok::Open(c),
                ')' | '}' | ']' => Tok::Close,
                ':' if next == Some(':') => {
                    i += 1;
                    Tok::Colons
                }
                _ => Tok::Other,
            });
            i += 1;
        }
    }
    out
}

#[derive(Default)]
struct Frame {
    /// The function whose arguments these are (`route`, `scope`, `resource` ...).
    call: Option<String>,
    first_str: Option<String>,
    methods: Vec<String>,
    /// Set by a `web::scope(...)` among these tokens: prefixes the routes after it.
    prefix: String,
    /// Set by a `web::resource(...)`: the path of `.route(web::post()...)` without one.
    resource: Option<String>,
}

/// (method, path pattern) of every unsafe route registered in one source file.
fn routes_in(src: &str) -> Vec<(String, String)> {
    let toks = tokens(src);
    let mut stack = vec![Frame::default()];
    let mut found = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let prev = |n: usize| i.checked_sub(n).map(|j| &toks[j]);
        match t {
            Tok::Open(c) => {
                let call = match (c, prev(1)) {
                    ('(', Some(Tok::Ident(name))) => Some(name.clone()),
                    _ => None,
                };
                stack.push(Frame {
                    call,
                    ..Frame::default()
                });
            }
            Tok::Close if stack.len() > 1 => {
                let f = stack.pop().expect("a frame");
                let parent = stack.last_mut().expect("a parent frame");
                match f.call.as_deref() {
                    Some("scope") => parent.prefix = f.first_str.unwrap_or_default(),
                    Some("resource") => parent.resource = f.first_str,
                    Some("route") if !f.methods.is_empty() => {
                        let path = f.first_str.or_else(|| parent.resource.clone());
                        let prefix: String = stack.iter().map(|fr| fr.prefix.as_str()).collect();
                        for m in f.methods {
                            found
                                .push((m, format!("{prefix}{}", path.clone().unwrap_or_default())));
                        }
                    }
                    _ => {}
                }
            }
            Tok::Str(s) => {
                let top = stack.last_mut().expect("a frame");
                if top.first_str.is_none() {
                    top.first_str = Some(s.clone());
                }
            }
            Tok::Ident(name)
                if UNSAFE.contains(&name.as_str())
                    && prev(1) == Some(&Tok::Colons)
                    && prev(2) == Some(&Tok::Ident("web".into()))
                    && toks.get(i + 1) == Some(&Tok::Open('(')) =>
            {
                if let Some(route) = stack
                    .iter_mut()
                    .rev()
                    .find(|f| f.call.as_deref() == Some("route"))
                {
                    route.methods.push(name.to_uppercase());
                }
            }
            _ => {}
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("handlers folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every unsafe (method, path pattern) of the web handlers, sorted. Fails when a file registers
/// an unsafe method the reader did not place in a route (a registration it cannot read).
pub fn mutating_routes() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/handlers");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut all = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).expect("source file");
        let routes = routes_in(&src);
        let written: usize = UNSAFE
            .iter()
            .map(|m| src.matches(&format!("web::{m}()")).count())
            .sum();
        assert_eq!(
            routes.len(),
            written,
            "{}: {written} unsafe route registrations, but {} read as routes ({routes:?}); \
             register routes as `.route(\"/path\", web::post().to(handler))` or teach \
             tests/app/route_walk.rs the new form",
            f.display(),
            routes.len()
        );
        all.extend(routes);
    }
    all.sort();
    all.dedup();
    all
}

#[test]
fn the_route_reader_finds_scoped_and_nested_routes() {
    let src = r#"
        // cfg.route("/commented", web::post().to(x));
        pub fn routes(cfg: &mut web::ServiceConfig) {
            cfg.route("/a", web::get().to(a))
                .route("/a/{id}", web::post().to(b));
            cfg.service(
                web::scope("/s")
                    .route("", web::get().to(c))
                    .route("/x/{n}", web::delete().to(d)),
            );
            cfg.service(web::resource("/r/{id}").route(web::put().to(e)));
            cfg.route("/after", web::post().to(f));
        }
    "#;
    assert_eq!(
        routes_in(src),
        vec![
            ("POST".to_string(), "/a/{id}".to_string()),
            ("DELETE".into(), "/s/x/{n}".into()),
            ("PUT".into(), "/r/{id}".into()),
            ("POST".into(), "/after".into()),
        ]
    );
    let app = mutating_routes();
    for known in [
        "/account/profile",
        "/projects",
        "/projects/{id}/members/{user_id}/remove",
        "/projects/{id}/editor/{kind}/rows/{element}/delete",
    ] {
        assert!(
            app.contains(&("POST".into(), known.into())),
            "{known} in {app:?}"
        );
    }
    assert!(!app.iter().any(|(_, p)| p == "/projects/{id}"), "a GET");
}

// ------------------------------------------------------------------ the walk

/// Real objects of the read-only company, for the path parameters.
struct Objects {
    project: i64,
    user: i64,
    simulation: i64,
    team: i64,
    invitation: i64,
    audit_entry: i64,
    session: String,
    bus: String,
}

impl Objects {
    /// The value of `{param}` after the segment `prev`: by the parameter's name (`user_id`),
    /// else by the segment before it (`/teams/{id}`).
    fn value(&self, prev: &str, param: &str) -> Option<String> {
        let entity = match param {
            "id" => prev.trim_end_matches('s'),
            other => other.trim_end_matches("_id"),
        };
        Some(match entity {
            "project" => self.project.to_string(),
            "user" | "member" => self.user.to_string(),
            "simulation" => self.simulation.to_string(),
            "team" => self.team.to_string(),
            "invitation" => self.invitation.to_string(),
            "audit" | "entrie" | "entry" => self.audit_entry.to_string(),
            "session" | "public" => self.session.clone(),
            "n" | "number" | "version" => "1".into(),
            "kind" => "buses".into(),
            "element" | "bus" => self.bus.clone(),
            _ => return None,
        })
    }

    fn fill(&self, pattern: &str) -> String {
        let mut prev = "";
        let mut out = Vec::new();
        for seg in pattern.split('/') {
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => out.push(self.value(prev, param).unwrap_or_else(|| {
                    panic!(
                        "{pattern}: no object for {{{param}}}; add one to Objects::value in \
                         tests/app/route_walk.rs"
                    )
                })),
                None => out.push(seg.to_string()),
            }
            prev = seg;
        }
        out.join("/")
    }
}

fn objects(app: &TestApp, s: &Setup, engineer: i64, simulation: i64) -> Objects {
    use ampflux::db::schema::{audit_logs, invitations, roles, sessions, teams};
    let t = ampflux::util::now();
    app.with_conn(|conn| {
        let team = diesel::insert_into(teams::table)
            .values((
                teams::company_id.eq(s.company_id),
                teams::name.eq("Protection"),
                teams::description.eq(""),
                teams::created_at.eq(t),
                teams::updated_at.eq(t),
            ))
            .returning(teams::id)
            .get_result(conn)
            .unwrap();
        let role: i64 = roles::table
            .filter(roles::name.eq("engineer"))
            .select(roles::id)
            .first(conn)
            .unwrap();
        let invitation = diesel::insert_into(invitations::table)
            .values((
                invitations::company_id.eq(s.company_id),
                invitations::email.eq("invited@example.com"),
                invitations::name.eq("Invited"),
                invitations::role_id.eq(role),
                invitations::invited_by.eq(Some(s.user_id)),
                invitations::expires_at.eq(t + chrono::Duration::days(7)),
                invitations::created_at.eq(t),
                invitations::updated_at.eq(t),
            ))
            .returning(invitations::id)
            .get_result(conn)
            .unwrap();
        let audit_entry = audit_logs::table
            .filter(audit_logs::company_id.eq(s.company_id))
            .select(audit_logs::id)
            .first(conn)
            .unwrap();
        let session = sessions::table
            .filter(sessions::user_id.eq(s.user_id))
            .select(sessions::public_id)
            .first(conn)
            .unwrap();
        Objects {
            project: s.pid,
            user: engineer,
            simulation,
            team,
            invitation,
            audit_entry,
            session,
            bus: "MV".into(),
        }
    })
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
}

/// The content of every table but the ones a refused request may touch (the session, the
/// audit trail and its chain heads), so that any other change shows.
fn fingerprint(app: &TestApp) -> BTreeMap<String, String> {
    const MAY_CHANGE: [&str; 3] = ["sessions", "audit_logs", "audit_chain_heads"];
    app.with_conn(|conn| {
        let pg = app.backend == Backend::Postgres;
        let list = if pg {
            "SELECT tablename::text AS t FROM pg_tables WHERE schemaname = 'public'"
        } else {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        };
        let tables: Vec<Text> = diesel::sql_query(list).load(conn).unwrap();
        tables
            .into_iter()
            .map(|t| t.t)
            .filter(|t| !MAY_CHANGE.contains(&t.as_str()))
            .map(|table| {
                let sql = if pg {
                    format!(
                        "SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS t FROM \"{table}\" x"
                    )
                } else {
                    let cols: Vec<Text> = diesel::sql_query(format!(
                        "SELECT name AS t FROM pragma_table_info('{table}')"
                    ))
                    .load(conn)
                    .unwrap();
                    let row = cols
                        .iter()
                        .map(|c| format!("quote(\"{}\")", c.t))
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    format!(
                        "SELECT count(*) || ':' || coalesce(group_concat(r, '|'), '') AS t FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY 1)"
                    )
                };
                let v: Text = diesel::sql_query(sql).get_result(conn).unwrap();
                (table, v.t)
            })
            .collect()
    })
}

/// The company's audit entries after `after_id`, as (id, action, outcome).
fn entries_after(app: &TestApp, company_id: i64, after_id: i64) -> Vec<(i64, String, String)> {
    use ampflux::db::schema::audit_logs as a;
    app.with_conn(|conn| {
        a::table
            .filter(a::company_id.eq(company_id))
            .filter(a::id.gt(after_id))
            .order(a::id)
            .select((a::id, a::action, a::outcome))
            .load(conn)
            .unwrap()
    })
}

/// Waits until no job is pending or running but the daily license check (so that nothing the
/// set-up queued changes the database during the walk).
async fn jobs_settled(app: &TestApp) {
    use ampflux::db::schema::jobs;
    for _ in 0..400 {
        let busy: i64 = app.with_conn(|conn| {
            jobs::table
                .filter(jobs::status.eq_any(["pending", "running"]))
                .filter(jobs::name.ne("license.check"))
                .count()
                .get_result(conn)
                .unwrap()
        });
        if busy == 0 {
            return;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("jobs still running");
}

/// Fields most forms read, with plausible values (forms ignore the others).
fn plausible_fields(o: &Objects) -> Vec<(String, String)> {
    [
        ("name", "Walked"),
        ("description", "A change that must not happen"),
        ("status", "active"),
        ("role", "editor"),
        ("email", "walker@example.com"),
        ("timezone", "UTC"),
        ("message", "walk"),
        ("circuit_version_id", "1"),
        ("start", "empty"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([("user_id".to_string(), o.user.to_string())])
    .collect()
}

async fn every_mutating_route_refuses_a_read_only_company(app: TestApp) {
    let s = setup(&app, "Walk").await;
    let engineer = add_user(&app, s.company_id, "walk-engineer", "engineer");
    add_member(&app, s.pid, engineer, "editor");
    let simulation = completed_simulation(&s.client, s.pid).await;
    let o = objects(&app, &s, engineer, simulation);
    set_license(&app, s.company_id, "suspended", -10, 20);
    jobs_settled(&app).await;
    let home = s.client.get("/").await;
    home.assert_contains("license is suspended");
    let token = s.client.csrf().expect("token");

    let routes = mutating_routes();
    assert!(routes.len() >= 15, "too few routes read: {routes:?}");
    let before = fingerprint(&app);
    let mut last = entries_after(&app, s.company_id, 0)
        .last()
        .map_or(0, |e| e.0);
    let mut problems = Vec::new();
    let mut walked = 0;
    for (method, pattern) in &routes {
        if let Some(why) = exempt(pattern) {
            eprintln!("exempt: {method} {pattern} ({why})");
            continue;
        }
        if pattern.contains("{token}") {
            // A one-time link, used signed out with a live token (an invitation's): its own
            // tests check what it does for a read-only company.
            eprintln!("not walked (one-time link): {method} {pattern}");
            continue;
        }
        let path = o.fill(pattern);
        let fields = plausible_fields(&o);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let res = s.client.send_form(method, &path, &fields, &token).await;
        walked += 1;
        let new = entries_after(&app, s.company_id, last);
        last = new.last().map_or(last, |e| e.0);
        if res.status != 403 || !res.body.contains(READ_ONLY_MESSAGE) {
            problems.push(format!(
                "{method} {path}: {} without the read-only message",
                res.status
            ));
        }
        if new.is_empty() || new.iter().any(|(_, _, outcome)| outcome != "failure") {
            problems.push(format!("{method} {path}: audited {new:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(walked >= 15, "walked only {walked} routes");
    assert_eq!(fingerprint(&app), before, "the database changed");
}
on_both_databases!(every_mutating_route_refuses_a_read_only_company);
