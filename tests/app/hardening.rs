//! Bounded work under attack, against the real `ampflux` binary (its own process, so its memory
//! can be read): parallel failed sign-ins keep the server's memory bounded.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;
use crate::on_both_databases;

/// The `ampflux` binary serving a fresh SQLite data folder on a free port; killed on drop.
struct Served {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    async fn start(env: &[(&str, &str)]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ampflux"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AMPFLUX_DATA_DIR", dir.path())
            .env("AMPFLUX_BIND", format!("127.0.0.1:{port}"))
            .env("AMPFLUX_BASE_URL", &base)
            .env("AMPFLUX_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start ampflux");
        let served = Served {
            child,
            base,
            _dir: dir,
        };
        let client = Client::new(&served.base);
        for _ in 0..600 {
            let up = awc::Client::default()
                .get(format!("{}/health/ready", served.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                drop(client);
                return served;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("ampflux did not become ready");
    }

    /// Resident memory now and at its peak, in MiB (Linux `/proc`).
    fn rss_mib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("process status");
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .map(|kb| kb / 1024)
                .expect("memory field")
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

/// 500 parallel sign-in attempts with unknown logins (each would hash a password in 19 MiB)
/// keep the server under 150 MB: hashing runs on one thread per core with a short queue, and
/// the attempts beyond it are told at once to retry (503 with Retry-After), never a 500.
#[actix_rt::test]
async fn parallel_failed_sign_ins_keep_memory_bounded() {
    // Throttling by address and account is off here, so every attempt reaches the hashing.
    let served = Served::start(&[
        ("AMPFLUX_LOGIN_SLOW_AFTER", "1000000"),
        ("AMPFLUX_LOGIN_MAX_FAILURES", "1000000"),
        ("AMPFLUX_LOGIN_MAX_IP_FAILURES", "1000000"),
    ])
    .await;
    let client = Client::new(&served.base);
    client.get("/login").await;
    let token = client.csrf().expect("token on the sign-in page");
    let cookies = client.cookie_header();
    let (rss_before, _) = served.rss_mib();

    let http = awc::Client::builder()
        .connector(awc::Connector::new().limit(1000))
        .timeout(Duration::from_secs(120))
        .finish();
    let attempts = (0..500).map(|i| {
        let body =
            format!("login=nobody{i}%40example.com&password=wrong+password+{i}&csrf_token={token}");
        http.post(format!("{}/login", served.base))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .insert_header(("Origin", served.base.clone()))
            .insert_header(("Cookie", cookies.clone()))
            .send_body(body)
    });
    let answers = futures_util::future::join_all(attempts).await;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for a in &answers {
        let status = a.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
        *statuses.entry(status).or_default() += 1;
    }
    let (rss_after, peak) = served.rss_mib();
    eprintln!(
        "statuses {statuses:?}; RSS before {rss_before} MiB, after {rss_after} MiB, peak {peak} MiB"
    );
    assert!(
        statuses.keys().all(|s| *s == 200 || *s == 503),
        "only the form again (200) or busy (503): {statuses:?}"
    );
    assert!(
        statuses.get(&200).copied().unwrap_or(0) >= 20,
        "passwords were checked: {statuses:?}"
    );
    assert!(peak < 150, "peak RSS {peak} MiB");
    // A busy answer says when to retry; the server still serves afterwards.
    if let Some(busy) = answers
        .iter()
        .flatten()
        .find(|r| r.status().as_u16() == 503)
    {
        assert_eq!(
            busy.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
    let after = client.get("/login").await;
    assert_eq!(after.status, 200);
}

/// Refused requests cannot grow the trail or the security events: 300 anonymous posts from a
/// foreign origin leave one security event, and 300 posts of a signed-in engineer to a page
/// their role may not change leave one failed trail entry, each counted (written with the
/// count when its minute is over).
async fn repeated_refusals_are_recorded_once_with_a_count(app: TestApp) {
    use ampflux::models::role;
    use diesel::prelude::*;
    let (_, account) = signed_up(&app, "Flood").await;
    let company_id = user_by_login(&app, &account.email).company_id;
    let events = |app: &TestApp| -> i64 {
        use ampflux::db::schema::security_events;
        app.with_conn(|conn| {
            security_events::table
                .filter(security_events::event_type.eq("csrf.rejected"))
                .count()
                .get_result(conn)
                .unwrap()
        })
    };
    let before = events(&app);
    let anonymous = app.client();
    for _ in 0..300 {
        let res = anonymous
            .post_raw(
                "/login",
                &[("login", "x"), ("password", "y")],
                Some("http://evil.example"),
            )
            .await;
        assert_eq!(res.status, 403);
    }
    assert_eq!(
        events(&app),
        before + 1,
        "the first refusal is recorded at once"
    );
    // Made-up methods are one kind of refusal, not a new record each.
    let http = awc::Client::default();
    for i in 0..50 {
        let method = awc::http::Method::from_bytes(format!("X{i:04}").as_bytes()).unwrap();
        let res = http
            .request(method, format!("{}/login", app.base))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status().as_u16(), 403);
    }
    assert_eq!(
        events(&app),
        before + 2,
        "one record for the made-up methods"
    );

    add_user(&app, company_id, "eng.flood", role::ENGINEER);
    let engineer = app.client();
    sign_in(&engineer, "eng.flood").await;
    engineer.get("/account").await;
    let failures = |app: &TestApp| {
        audit_entries(app, company_id, "company.update")
            .into_iter()
            .filter(|e| e.log.outcome == "failure")
            .collect::<Vec<_>>()
    };
    for _ in 0..300 {
        let res = engineer
            .post("/admin/company", &[("name", "Taken over")])
            .await;
        assert_eq!(res.status, 403);
    }
    assert_eq!(
        failures(&app).len(),
        1,
        "the first denial is recorded at once"
    );

    // When the minute is over (here: at once), each count is one record.
    let due = app.state.refusals.take_all();
    assert_eq!(due.len(), 3);
    app.with_conn(|conn| {
        for (refusal, repeated) in due {
            refusal.write(conn, repeated).unwrap();
        }
    });
    assert_eq!(events(&app), before + 4);
    let denied = failures(&app);
    assert_eq!(denied.len(), 2);
    assert_eq!(denied[0].log.details.0["repeated"], 299);
}
on_both_databases!(repeated_refusals_are_recorded_once_with_a_count);

/// A TCP relay in front of PostgreSQL that can refuse every connection (an outage) and come
/// back.
struct Relay {
    port: u16,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn start(upstream: String) -> Relay {
        use std::net::{TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Relay {
            port,
            down: Default::default(),
            open: Default::default(),
        };
        let (down, open) = (relay.down.clone(), relay.open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if down.load(Ordering::SeqCst) {
                    // Refused: closed at once, as a server that is not there.
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut held = open.lock().unwrap();
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server.try_clone().unwrap(), client.try_clone().unwrap()),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
                held.push(client);
                held.push(server);
            }
        });
        relay
    }

    /// Cuts every open connection and refuses new ones (`true`), or lets them through again.
    fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::SeqCst);
        if down {
            for s in self.open.lock().unwrap().drain(..) {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// `postgres://user@host:port/db?q` with host and port replaced by the relay's.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme_user, rest) = url.split_once('@').expect("user@host in the URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    (
        format!("{scheme_user}@127.0.0.1:{port}{path}"),
        authority.to_string(),
    )
}

/// With PostgreSQL refusing connections, every answer is the app's 503 page (or JSON) with all
/// its headers, within about a second (the pool's connection timeout), and the app recovers when
/// the database is back.
#[actix_rt::test]
#[ignore = "PostgreSQL: run with AMPFLUX_TEST_POSTGRES_URL set and --ignored"]
async fn a_database_outage_answers_503_pages_quickly() {
    let relay = std::cell::RefCell::new(None::<Relay>);
    let app = TestApp::spawn_with(Backend::Postgres, |config| {
        let (via_relay, upstream) = through(config.database_url.expose(), 0);
        let r = Relay::start(upstream);
        let (via_relay, _) = through(&via_relay, r.port);
        config.database_url = ampflux::config::Secret(via_relay);
        *relay.borrow_mut() = Some(r);
    })
    .await;
    let relay = relay.into_inner().expect("relay started");
    let (client, _) = signed_up(&app, "Outage").await;
    assert_eq!(client.get("/projects").await.status, 200);

    relay.set_down(true);
    for path in ["/projects", "/", "/login", "/account"] {
        let started = std::time::Instant::now();
        let res = client.get(path).await;
        let took = started.elapsed();
        assert_eq!(res.status, 503, "{path}: {}", res.body);
        eprintln!("{path}: {took:?}");
        assert!(took < Duration::from_millis(1500), "{path} took {took:?}");
        res.assert_contains("The database cannot be reached right now.");
        assert!(res.header("x-request-id").is_some(), "{path}: request id");
        assert!(
            res.header("content-security-policy").is_some(),
            "{path}: security headers"
        );
        assert_eq!(res.header("retry-after"), Some("1"));
    }
    let json = client.get_for_json("/projects").await;
    assert_eq!(json.status, 503);
    let body: serde_json::Value = serde_json::from_str(&json.body).expect("JSON");
    assert_eq!(body["error"], "unavailable");

    relay.set_down(false);
    let mut back = 0;
    for _ in 0..50 {
        back = client.get("/projects").await.status;
        if back == 200 {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(back, 200, "the app recovers with its database");
}

/// Bodies over a route's limit are 413 in our words; no parser or framework text reaches a
/// user (also for a folder or a hidden file under /static); HEAD answers as GET without a
/// body; JSON and JavaScript name their charset; an htmx request on an ended session is told
/// to load the sign-in page; a user's sessions are capped (the oldest ended first).
async fn requests_get_our_answers_at_the_edges(app: TestApp) {
    use ampflux::db::schema::sessions;
    use diesel::prelude::*;
    let (client, account) = signed_up(&app, "Edges").await;
    client.get("/account").await;
    let big = "x".repeat(300 * 1024);
    for res in [
        hx(
            &client,
            "/account/profile",
            &[("name", &big), ("timezone", "UTC")],
        )
        .await,
        client
            .post("/account/profile", &[("name", &big), ("timezone", "UTC")])
            .await,
    ] {
        assert_eq!(res.status, 413, "{}", res.body);
        res.assert_contains("The request is larger than this page accepts.");
        assert!(!res.body.contains("payload"), "{}", res.body);
    }
    let bad_json = client
        .post_body_for_json("/account/profile", "%%%".into(), client.csrf())
        .await;
    assert!(!bad_json.body.contains("parse"), "{}", bad_json.body);

    for path in [
        "/static/",
        "/static/.gitkeep",
        "/static/nope.css",
        "/static/fonts/",
    ] {
        let res = client.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        res.assert_contains("There is nothing here");
        assert!(
            res.header("content-type")
                .unwrap_or("")
                .starts_with("text/html")
        );
        assert_eq!(res.header("cache-control"), Some("no-store"), "{path}");
    }

    let http = awc::Client::default();
    for path in ["/login", "/health/live"] {
        let get = app.client().get(path).await;
        let mut head = http
            .head(format!("{}{path}", app.base))
            .send()
            .await
            .expect("HEAD");
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
        assert_eq!(
            head.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            get.header("content-type"),
        );
        assert!(head.body().await.expect("body").is_empty(), "HEAD {path}");
    }
    // A path that exists for another method is 405 with what it takes; others are 404.
    let res = client.get("/logout").await;
    assert_eq!(res.status, 405, "{}", res.body);
    assert_eq!(res.header("allow"), Some("POST"));
    res.assert_contains("This address takes POST requests only.");
    client.get("/account").await;
    let res = client.post("/health/live", &[]).await;
    assert_eq!(res.status, 405, "{}", res.body);
    assert_eq!(res.header("allow"), Some("GET, HEAD"));
    assert_eq!(client.get("/no/such/page").await.status, 404);
    let live = client.get("/health/live").await;
    assert_eq!(
        live.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let js = client.get("/static/app.js").await;
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap_or("")
            .ends_with("charset=utf-8"),
        "{:?}",
        js.header("content-type")
    );

    // The session ends (signed out elsewhere); the next htmx request is told to load the
    // sign-in page rather than being given it as a fragment.
    let user = user_by_login(&app, &account.email);
    app.with_conn(|conn| {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user.id)))
            .execute(conn)
            .unwrap()
    });
    let res = client.get_htmx("/projects").await;
    assert_eq!(res.status, 401, "{}", res.body);
    assert!(
        res.header("hx-redirect")
            .is_some_and(|l| l.starts_with("/login"))
    );
    assert!(res.header("location").is_none());

    // Sign in 25 times: 20 sessions are kept, the newest.
    let mut last = None;
    for _ in 0..25 {
        let c = app.client();
        sign_in(&c, &account.email).await;
        last = Some(c);
    }
    let held: i64 = app.with_conn(|conn| {
        sessions::table
            .filter(sessions::user_id.eq(user.id))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(held, ampflux::models::session::MAX_SESSIONS_PER_USER);
    let newest = last.expect("signed in");
    assert_eq!(newest.get("/projects").await.status, 200);
}
on_both_databases!(requests_get_our_answers_at_the_edges);
