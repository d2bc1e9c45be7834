//! Test harness: the real application on a real port (SQLite in a temporary folder, or a fresh
//! PostgreSQL database when `AMPFLUX_TEST_POSTGRES_URL` is set), and an HTTP client that keeps
//! cookies and sends the page's CSRF token like a browser would.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use ampflux::config::{Config, LoginThrottle, MailTransport, Secret};
use ampflux::db::{DbConn, Pool};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's own PostgreSQL database, dropped at the end.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create() -> PgDatabase {
        let server_url = std::env::var("AMPFLUX_TEST_POSTGRES_URL").expect(
            "AMPFLUX_TEST_POSTGRES_URL must name a PostgreSQL server for the PostgreSQL tests",
        );
        let (admin_url, query) = without_tls(&server_url);
        let name = format!("ampflux_test_{}", ampflux::util::random_token(6));
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("cannot connect to AMPFLUX_TEST_POSTGRES_URL: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let base = admin_url
            .split('?')
            .next()
            .and_then(|u| u.rsplit_once('/'))
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}?{query}");
        PgDatabase {
            admin_url,
            name,
            url,
        }
    }

    /// Runs SQL as the server's admin (e.g. to make the test database unreachable).
    pub fn admin_sql(&self, sql: &str) {
        let mut admin = PgConnection::establish(&self.admin_url).expect("admin connection");
        admin.batch_execute(sql).expect("admin SQL");
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The server's URL with `sslmode=disable` unless it names an sslmode, and its query part.
///
/// The test server is local. Without TLS no connection touches OpenSSL, whose exit-time
/// clean-up crashed the test process (SIGSEGV after every test passed) when a pool thread of
/// a finished test was still connecting at that moment.
fn without_tls(server_url: &str) -> (String, String) {
    let (path, query) = server_url.split_once('?').unwrap_or((server_url, ""));
    let mut query = query.to_string();
    if !query.split('&').any(|p| p.starts_with("sslmode=")) {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("sslmode=disable");
    }
    (format!("{path}?{query}"), query)
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    pub config: Config,
    pub pool: Pool,
    pub state: actix_web::web::Data<ampflux::web::AppState>,
    pub data_dir: tempfile::TempDir,
    pub pg: Option<PgDatabase>,
}

pub fn test_config(data_dir: PathBuf, database_url: String, base_url: String) -> Config {
    Config {
        database_url: Secret(database_url),
        bind: "127.0.0.1:0".into(),
        mail: MailTransport::Files,
        mail_from: "AmpFlux <no-reply@ampflux.test>".into(),
        session_idle: Duration::from_secs(7200),
        session_lifetime: Duration::from_secs(12 * 3600),
        login_throttle: LoginThrottle {
            slow_after: 3,
            max_account_failures: 10,
            max_ip_failures: 50,
            window: Duration::from_secs(900),
            delay_step: Duration::from_millis(20),
        },
        workers: 1,
        trust_proxy: false,
        static_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static")),
        secret_key: None,
        secure_cookies: false,
        base_url,
        data_dir,
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the app; `tweak` may change the configuration first.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_full(backend, tweak, |_| {}).await
    }

    /// Like [`TestApp::spawn_with`]; `jobs` may also change the job workers (a shorter retry
    /// backoff ...).
    pub async fn spawn_full(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        jobs: impl FnOnce(&mut ampflux::jobs::WorkerConfig),
    ) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let pg = (backend == Backend::Postgres).then(PgDatabase::create);
        let database_url = match &pg {
            Some(db) => db.url.clone(),
            None => data_dir
                .path()
                .join("ampflux.db")
                .to_string_lossy()
                .into_owned(),
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = test_config(data_dir.path().to_path_buf(), database_url, base.clone());
        tweak(&mut config);
        let mut prepared = ampflux::app::prepare(config.clone()).expect("app starts");
        jobs(&mut prepared.jobs);
        let pool = prepared.state.pool.clone();
        let state = prepared.state.clone();
        let server = prepared.serve(listener).expect("serve");
        actix_rt::spawn(server);
        TestApp {
            base,
            backend,
            config,
            pool,
            state,
            data_dir,
            pg,
        }
    }

    /// A second server process on the same database and data folder (so the same cookie key),
    /// as behind a load balancer; returns its base URL. It serves until the test ends.
    pub fn spawn_sibling(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = self.config.clone();
        config.base_url = base.clone();
        let prepared = ampflux::app::prepare(config).expect("sibling starts");
        actix_rt::spawn(prepared.serve(listener).expect("serve"));
        base
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    pub fn conn(&self) -> diesel::r2d2::PooledConnection<ampflux::db::ConnectionManager> {
        self.pool.get().expect("pooled connection")
    }

    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut conn = self.conn();
        f(&mut conn)
    }

    /// The newest mail to `email`, decoded, waiting up to 5 s for it to be written.
    pub async fn mail_to(&self, email: &str, containing: &str) -> String {
        let dir = self.data_dir.path().join("mail");
        for _ in 0..100 {
            let mut found: Vec<(std::time::SystemTime, String)> = Vec::new();
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    let Ok(raw) = std::fs::read_to_string(e.path()) else {
                        continue;
                    };
                    let text = decode_mail(&raw);
                    if text.contains(&format!("<{email}>")) && text.contains(containing) {
                        let t = e
                            .metadata()
                            .and_then(|m| m.modified())
                            .unwrap_or(std::time::UNIX_EPOCH);
                        found.push((t, text));
                    }
                }
            }
            found.sort_by_key(|(t, _)| *t);
            if let Some((_, text)) = found.pop() {
                return text;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no mail to {email} containing {containing:?} in {}",
            dir.display()
        );
    }

    /// How many mails to `email` exist now.
    pub fn mail_count(&self, email: &str) -> usize {
        let dir = self.data_dir.path().join("mail");
        std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| {
                        std::fs::read_to_string(e.path())
                            .map(|raw| decode_mail(&raw).contains(&format!("<{email}>")))
                            .unwrap_or(false)
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    /// The first link in the newest mail to `email` whose path starts with `path_prefix`.
    pub async fn link_in_mail(&self, email: &str, path_prefix: &str) -> String {
        let needle = format!("{}{}", self.base, path_prefix);
        let mail = self.mail_to(email, &needle).await;
        let start = mail.find(&needle).expect("link");
        let link: String = mail[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        link.trim_start_matches(&self.base).to_string()
    }
}

/// Undoes quoted-printable soft breaks and escapes (lettre picks the encoding per message).
pub fn decode_mail(raw: &str) -> String {
    if !raw.contains("quoted-printable") {
        return raw.replace("\r\n", "\n");
    }
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    #[track_caller]
    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(
            self.status, 303,
            "expected a redirect to {to}, got {}: {}",
            self.status, self.body
        );
        assert_eq!(self.location(), to);
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "expected {text:?} in the page (status {}):\n{}",
            self.status,
            self.body
        );
    }
}

/// A browser-like client: keeps cookies, remembers the CSRF token of the last page, and sends
/// a same-origin `Origin` header with every unsafe request.
pub struct Client {
    pub base: String,
    http: awc::Client,
    cookies: RefCell<BTreeMap<String, String>>,
    csrf: RefCell<Option<String>>,
    pub user_agent: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            http: awc::Client::builder()
                .disable_redirects()
                .timeout(Duration::from_secs(30))
                .finish(),
            cookies: RefCell::new(BTreeMap::new()),
            csrf: RefCell::new(None),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
                .into(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Replaces the cookie jar (to replay a copied cookie).
    pub fn set_cookies(&self, header: &str) {
        let mut jar = self.cookies.borrow_mut();
        jar.clear();
        for pair in header.split("; ").filter(|p| !p.is_empty()) {
            if let Some((k, v)) = pair.split_once('=') {
                jar.insert(k.to_string(), v.to_string());
            }
        }
    }

    pub fn csrf(&self) -> Option<String> {
        self.csrf.borrow().clone()
    }

    async fn send(&self, mut req: awc::ClientRequest, body: Option<String>) -> Resp {
        req = req.insert_header(("User-Agent", self.user_agent.clone()));
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            req = req.insert_header(("Cookie", cookies));
        }
        let mut res = match body {
            Some(b) => req.send_body(b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let status = res.status().as_u16();
        let mut headers = BTreeMap::new();
        for (k, v) in res.headers() {
            let v = v.to_str().unwrap_or("").to_string();
            if k.as_str() == "set-cookie" {
                self.store_cookie(&v);
            }
            headers
                .entry(k.as_str().to_string())
                .and_modify(|old: &mut String| {
                    old.push('\n');
                    old.push_str(&v)
                })
                .or_insert(v);
        }
        let bytes = res.body().limit(10 * 1024 * 1024).await.expect("body");
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = find_csrf(&body) {
            *self.csrf.borrow_mut() = Some(token);
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    fn store_cookie(&self, set_cookie: &str) {
        let first = set_cookie.split(';').next().unwrap_or("");
        if let Some((name, value)) = first.split_once('=') {
            let expired = set_cookie.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            let mut jar = self.cookies.borrow_mut();
            if expired {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.to_string());
            }
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.http.get(format!("{}{path}", self.base)), None)
            .await
    }

    pub async fn get_htmx(&self, path: &str) -> Resp {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .insert_header(("HX-Request", "true"));
        self.send(req, None).await
    }

    /// Posts a form with the current CSRF token added, from our own origin.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all, Some(&self.base.clone())).await
    }

    /// Posts exactly these fields, with the given Origin (or none).
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Resp {
        let body = url_encode(fields);
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"));
        if let Some(o) = origin {
            req = req.insert_header(("Origin", o.to_string()));
        }
        self.send(req, Some(body)).await
    }

    /// An htmx post: the token travels in the `X-CSRF-Token` header (as `hx-headers` sends it).
    pub async fn post_htmx(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        token: Option<&str>,
    ) -> Resp {
        let body = url_encode(fields);
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .insert_header(("HX-Request", "true"))
            .insert_header(("Origin", self.base.clone()));
        if let Some(t) = token {
            req = req.insert_header(("X-CSRF-Token", t.to_string()));
        }
        self.send(req, Some(body)).await
    }
}

impl Client {
    /// Posts a form (token in its header) as a script would, asking for JSON.
    pub async fn post_for_json(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.post_body_for_json(path, url_encode(fields), self.csrf())
            .await
    }

    /// Posts this urlencoded body from our own origin asking for JSON, with this token (if any)
    /// in the `X-CSRF-Token` header.
    pub async fn post_body_for_json(
        &self,
        path: &str,
        body: String,
        token: Option<String>,
    ) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .insert_header(("Accept", "application/json"))
            .insert_header(("Origin", self.base.clone()));
        if let Some(t) = token {
            req = req.insert_header(("X-CSRF-Token", t));
        }
        self.send(req, Some(body)).await
    }

    /// Gets a page asking for JSON.
    pub async fn get_for_json(&self, path: &str) -> Resp {
        self.get_with_accept(path, "application/json").await
    }

    /// Gets a page with this `Accept` header.
    pub async fn get_with_accept(&self, path: &str, accept: &str) -> Resp {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .insert_header(("Accept", accept.to_string()));
        self.send(req, None).await
    }

    /// Gets a page with extra request headers (`If-None-Match` ...).
    pub async fn get_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.http.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.insert_header((name.to_string(), value.to_string()));
        }
        self.send(req, None).await
    }

    /// Sends a form with any method from our own origin, the CSRF token in its header (as
    /// htmx does, but without `HX-Request`: the answer is a full page).
    pub async fn send_form(
        &self,
        method: &str,
        path: &str,
        fields: &[(&str, &str)],
        token: &str,
    ) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .insert_header(("Origin", self.base.clone()))
            .insert_header(("X-CSRF-Token", token.to_string()));
        self.send(req, Some(url_encode(fields))).await
    }

    /// Posts a multipart form (text fields and an optional file in the field `file`) the way a
    /// plain browser form does: the CSRF token in the action's query.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str)>,
    ) -> Resp {
        let token = self.csrf().unwrap_or_default();
        let boundary = "----ampfluxtestboundary7MA4YWxkTrZu0gW";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        if let Some((filename, content)) = file {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/json\r\n\r\n{content}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let sep = if path.contains('?') { '&' } else { '?' };
        let query = url_encode(&[("csrf_token", &token)]);
        let req = self
            .http
            .post(format!("{}{path}{sep}{query}", self.base))
            .insert_header((
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .insert_header(("Origin", self.base.clone()));
        self.send(req, Some(body)).await
    }
}

fn url_encode(fields: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

fn find_csrf(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

// ------------------------------------------------------------------ fixtures

pub const PASSWORD: &str = "tidal wave over ohm 7";

pub struct Account {
    pub company: String,
    pub name: String,
    pub username: String,
    pub email: String,
    pub password: String,
}

impl Account {
    pub fn new(tag: &str) -> Account {
        Account {
            company: format!("{tag} Power & Light"),
            name: format!("{tag} Engineer"),
            username: format!("{}-admin", tag.to_lowercase()),
            email: format!("{}@example.com", tag.to_lowercase()),
            password: PASSWORD.into(),
        }
    }
}

/// Signs up through the form, verifies by the emailed link, signs in: a company admin.
pub async fn signed_up(app: &TestApp, tag: &str) -> (Client, Account) {
    let client = app.client();
    let account = Account::new(tag);
    register(app, &client, &account).await;
    verify(app, &client, &account).await;
    login(&client, &account.email, &account.password)
        .await
        .assert_redirect("/");
    // Like a browser, follow the redirect (which also picks up the new session's CSRF token).
    assert_eq!(client.get("/").await.status, 200);
    (client, account)
}

pub async fn register(_app: &TestApp, client: &Client, a: &Account) -> Resp {
    client.get("/register").await;
    let res = client
        .post(
            "/register",
            &[
                ("company_name", &a.company),
                ("name", &a.name),
                ("username", &a.username),
                ("email", &a.email),
                ("password", &a.password),
            ],
        )
        .await;
    res.assert_redirect("/login");
    res
}

pub async fn verify(app: &TestApp, client: &Client, a: &Account) {
    let link = app.link_in_mail(&a.email, "/verify-email/").await;
    let res = client.get(&link).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("Email address verified");
}

pub async fn login(client: &Client, login: &str, password: &str) -> Resp {
    client.get("/login").await;
    client
        .post("/login", &[("login", login), ("password", password)])
        .await
}

/// Adds a user with a role to a company directly (user management pages come later).
pub fn add_user(app: &TestApp, company_id: i64, username: &str, role_name: &str) -> i64 {
    app.with_conn(|conn| {
        let hash = ampflux::auth::password::hash(PASSWORD).expect("hash");
        let email = format!("{username}@example.com");
        let user = ampflux::models::user::create(
            conn,
            ampflux::models::user::NewUser {
                company_id,
                name: username,
                username,
                email: &email,
                password_hash: &hash,
                timezone: "UTC",
                email_verified: true,
            },
        )
        .expect("create user");
        ampflux::models::role::assign(conn, user.id, role_name, None).expect("assign role");
        user.id
    })
}

/// The company's audit entries whose action starts with `action`, newest first.
pub fn audit_entries(
    app: &TestApp,
    company_id: i64,
    action: &str,
) -> Vec<ampflux::models::audit::Listed> {
    use ampflux::models::audit;
    app.with_conn(|conn| {
        let filter = audit::Filter {
            action: Some(action.into()),
            ..Default::default()
        };
        audit::page(conn, company_id, &filter, None, 100)
            .expect("audit page")
            .0
    })
}

pub fn user_by_login(app: &TestApp, login: &str) -> ampflux::models::user::User {
    app.with_conn(|conn| {
        ampflux::models::user::find_by_login(conn, login)
            .expect("query")
            .expect("user exists")
    })
}

/// Runs `$test(app)` on SQLite, and on PostgreSQL (ignored unless asked for, see README).
/// With a second argument, a closure `|config: &mut Config| ...` that changes the
/// configuration of both apps before they start (shorter sessions, tighter throttles...).
#[macro_export]
macro_rules! on_both_databases {
    ($test:ident) => {
        $crate::on_both_databases!($test, |_: &mut ampflux::config::Config| {});
    };
    ($test:ident, $tweak:expr) => {
        mod $test {
            #[actix_rt::test]
            async fn sqlite() {
                super::$test(
                    $crate::common::TestApp::spawn_with($crate::common::Backend::Sqlite, $tweak)
                        .await,
                )
                .await
            }

            #[actix_rt::test]
            #[ignore = "PostgreSQL: run with AMPFLUX_TEST_POSTGRES_URL set and --ignored"]
            async fn postgres() {
                super::$test(
                    $crate::common::TestApp::spawn_with($crate::common::Backend::Postgres, $tweak)
                        .await,
                )
                .await
            }
        }
    };
}

/// The example circuit of docs/circuit-format.md (two voltage levels, a grid, a transformer,
/// a cable, a motor, a breaker).
pub fn example_circuit() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../fixtures/sc/examples/substation.circuit.json"
    ))
    .expect("example circuit")
}

/// Creates a project owned by `user_id` with `circuit` as version 1, straight through the
/// models (for tests of pages that need a project to exist).
pub fn project_with_circuit(
    app: &TestApp,
    user_id: i64,
    name: &str,
    circuit: &serde_json::Value,
) -> i64 {
    use ampflux::models::{circuit_version, project, user};
    app.with_conn(|conn| {
        let u = user::find(conn, user_id).expect("query").expect("user");
        let p = project::create(conn, u.company_id, u.id, name, "").expect("project");
        circuit_version::save_next(conn, p.id, circuit, "Initial circuit", u.id).expect("v1");
        p.id
    })
}

// ------------------------------------------------------------------ users, projects, members

/// Signs `client` in as `login_name` (with [`PASSWORD`]) and follows the redirect like a
/// browser (which also picks up the session's CSRF token).
pub async fn sign_in(client: &Client, login_name: &str) {
    login(client, login_name, PASSWORD)
        .await
        .assert_redirect("/");
    let home = client.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
}

/// A new user of the company with a company role, signed in on a client of its own.
pub async fn signed_in(
    app: &TestApp,
    company_id: i64,
    username: &str,
    role: &str,
) -> (Client, i64) {
    let id = add_user(app, company_id, username, role);
    let client = app.client();
    sign_in(&client, username).await;
    (client, id)
}

/// A signed-up company admin with a project whose version 1 is the example circuit.
pub struct Setup {
    pub client: Client,
    pub account: Account,
    pub user_id: i64,
    pub company_id: i64,
    pub pid: i64,
}

pub async fn setup(app: &TestApp, tag: &str) -> Setup {
    let (client, account) = signed_up(app, tag).await;
    let user = user_by_login(app, &account.email);
    let pid = project_with_circuit(
        app,
        user.id,
        &format!("{tag} substation"),
        &example_circuit(),
    );
    Setup {
        client,
        account,
        user_id: user.id,
        company_id: user.company_id,
        pid,
    }
}

/// Makes `user_id` a member of the project with `role` (owner, editor, viewer).
pub fn add_member(app: &TestApp, pid: i64, user_id: i64, role: &str) {
    use ampflux::db::schema::project_members;
    use diesel::prelude::*;
    let t = ampflux::util::now();
    app.with_conn(|conn| {
        diesel::insert_into(project_members::table)
            .values((
                project_members::project_id.eq(pid),
                project_members::user_id.eq(user_id),
                project_members::role.eq(role),
                project_members::created_at.eq(t),
                project_members::updated_at.eq(t),
            ))
            .execute(conn)
            .unwrap();
    });
}

/// Creates a project through the form; returns its id.
pub async fn create_project(client: &Client, name: &str, start: &[(&str, &str)]) -> i64 {
    client.get("/projects/new").await;
    let mut fields = vec![("name", name), ("description", "Study for the tests")];
    fields.extend_from_slice(start);
    let res = client.post_multipart("/projects", &fields, None).await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.location()
        .trim_start_matches("/projects/")
        .parse()
        .expect("project id in the redirect")
}

// ------------------------------------------------------------------ circuits and versions

pub fn version_count(app: &TestApp, pid: i64) -> usize {
    app.with_conn(|conn| {
        ampflux::models::circuit_version::list(conn, pid)
            .unwrap()
            .len()
    })
}

/// Saves `circuit` as the project's next version straight through the model; its number.
pub fn save_version(app: &TestApp, pid: i64, user_id: i64, circuit: &serde_json::Value) -> i32 {
    app.with_conn(|conn| {
        ampflux::models::circuit_version::save_next(conn, pid, circuit, "test", user_id)
            .unwrap()
            .version_number
    })
}

/// The id of version `number` of the project.
pub fn version_id(conn: &mut DbConn, pid: i64, number: i32) -> i64 {
    use ampflux::db::schema::circuit_versions;
    use diesel::prelude::*;
    circuit_versions::table
        .filter(circuit_versions::project_id.eq(pid))
        .filter(circuit_versions::version_number.eq(number))
        .select(circuit_versions::id)
        .first(conn)
        .unwrap()
}

/// The user's draft of the project, as stored.
pub fn draft(
    app: &TestApp,
    pid: i64,
    user_id: i64,
) -> Option<ampflux::models::circuit_draft::CircuitDraft> {
    app.with_conn(|conn| ampflux::models::circuit_draft::find(conn, pid, user_id).unwrap())
}

pub fn draft_json(app: &TestApp, pid: i64, user_id: i64) -> serde_json::Value {
    draft(app, pid, user_id).expect("a draft").data_json.0
}

pub fn element<'a>(
    c: &'a serde_json::Value,
    kind: &str,
    id: &str,
) -> Option<&'a serde_json::Value> {
    c[kind].as_array()?.iter().find(|e| e["id"] == id)
}

/// Opens the editor (which also refreshes the client's CSRF token).
pub async fn open_editor(client: &Client, pid: i64) -> Resp {
    let res = client.get(&format!("/projects/{pid}/editor")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res
}

/// An htmx post with the session's token in the header.
pub async fn hx(client: &Client, path: &str, fields: &[(&str, &str)]) -> Resp {
    let token = client.csrf();
    client.post_htmx(path, fields, token.as_deref()).await
}

/// Posts a raw body to the editor's import like a browser's plain form (token in the query);
/// returns the status, the `Location` and the body.
pub async fn raw_import(
    app: &TestApp,
    client: &Client,
    pid: i64,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, String, String) {
    let token = client.csrf().unwrap_or_default();
    let mut res = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(60))
        .finish()
        .post(format!(
            "{}/projects/{pid}/editor/import?csrf_token={token}",
            app.base
        ))
        .insert_header(("Content-Type", content_type.to_string()))
        .insert_header(("Origin", app.base.clone()))
        .insert_header(("Cookie", client.cookie_header()))
        .send_body(body)
        .await
        .expect("import sent");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = String::from_utf8_lossy(&res.body().limit(20 << 20).await.unwrap()).into_owned();
    (status, location, body)
}

/// Uploads a file to the import like a browser's plain form (token in the action's query).
pub async fn upload(
    app: &TestApp,
    client: &Client,
    pid: i64,
    file_name: &str,
    content: &[u8],
) -> (u16, String, String) {
    let boundary = "----ampfluxtestboundary7";
    raw_import(
        app,
        client,
        pid,
        &format!("multipart/form-data; boundary={boundary}"),
        multipart(boundary, file_name, content),
    )
    .await
}

/// A multipart form body with one file field.
pub fn multipart(boundary: &str, file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

// ------------------------------------------------------------------ simulations

/// The run form's fields with the defaults the form shows, then `changes` applied.
pub fn run_fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let all = vec![
        ("simulation_type", "short_circuit"),
        ("version", "1"),
        ("fault", "3ph"),
        ("case", "max"),
        ("lv_tol_percent", "10"),
        ("kappa_method", "C"),
        ("tk_s", "1"),
        ("tmin_s", "0.1"),
        ("r_fault_ohm", "0"),
        ("x_fault_ohm", "0"),
        ("buses", ""),
        ("branch_results", "yes"),
    ];
    with_changes(all, changes)
}

/// A form's `fields` with `changes` applied: a named field takes the new value, another one
/// is added.
pub fn with_changes<'a>(
    mut fields: Vec<(&'a str, &'a str)>,
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    for (k, v) in changes {
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(entry) => entry.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

/// Opens the project's simulations page and posts the run form with `changes`.
pub async fn post_run(client: &Client, pid: i64, changes: &[(&str, &str)]) -> Resp {
    client.get(&format!("/projects/{pid}/simulations")).await;
    client
        .post(
            &format!("/projects/{pid}/simulations"),
            &run_fields(changes),
        )
        .await
}

/// Runs a simulation through the form and returns its id.
pub async fn run_simulation(client: &Client, pid: i64, changes: &[(&str, &str)]) -> i64 {
    let res = post_run(client, pid, changes).await;
    assert_eq!(res.status, 303, "run refused: {}", res.body);
    res.location()
        .strip_prefix("/simulations/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect {}", res.location()))
}

/// Polls the status fragment like htmx does until it stops asking to be polled; returns the
/// last fragment.
pub async fn wait_finished(client: &Client, id: i64) -> Resp {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let res = client.get_htmx(&format!("/simulations/{id}/status")).await;
        assert_eq!(res.status, 200, "{}", res.body);
        if !res.body.contains("hx-trigger") {
            return res;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "simulation {id} still not finished: {}",
            res.body
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs a simulation of version 1 with the form's defaults and waits until it is finished.
pub async fn completed_simulation(client: &Client, pid: i64) -> i64 {
    let id = run_simulation(client, pid, &[]).await;
    wait_finished(client, id).await;
    id
}

// ------------------------------------------------------------------ project scoping

/// Every readable page and fragment of a project, for a bus and a version that exist there.
pub fn project_reads(pid: i64, n: i32) -> Vec<String> {
    [
        "",
        "/settings",
        "/members",
        "/editor",
        "/editor/export.json",
        "/editor/diagram/buses?q=M",
        "/editor/buses/rows/MV",
        "/editor/buses/rows/MV/edit",
        "/versions",
        "/diff?from=1&to=1",
        "/simulations",
        "/simulations/new",
    ]
    .iter()
    .map(|p| format!("/projects/{pid}{p}"))
    .chain([
        format!("/projects/{pid}/versions/{n}"),
        format!("/projects/{pid}/versions/{n}/export.json"),
        format!("/projects/{pid}/versions/{n}/diagram/buses?q=M"),
    ])
    .collect()
}

/// Every change to a project, as a plain form post.
pub fn project_changes(
    pid: i64,
    n: i32,
    member: i64,
) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            format!("/projects/{pid}/settings"),
            vec![
                ("name", "Taken over"),
                ("description", ""),
                ("status", "active"),
            ],
        ),
        (format!("/projects/{pid}/archive"), vec![]),
        (
            format!("/projects/{pid}/members"),
            vec![("user_id", "1"), ("role", "owner")],
        ),
        (
            format!("/projects/{pid}/members/{member}"),
            vec![("role", "viewer")],
        ),
        (format!("/projects/{pid}/members/{member}/remove"), vec![]),
        (
            format!("/projects/{pid}/editor/settings"),
            vec![("name", "x"), ("frequency_hz", "60")],
        ),
        (
            format!("/projects/{pid}/editor/save"),
            vec![("message", "x")],
        ),
        (format!("/projects/{pid}/editor/discard"), vec![]),
        (
            format!("/projects/{pid}/editor/import"),
            vec![("content", "{\"format\":\"ampflux-circuit\",\"version\":1}")],
        ),
        (
            format!("/projects/{pid}/editor/buses/rows"),
            vec![("id", "X"), ("vn_kv", "1")],
        ),
        (
            format!("/projects/{pid}/editor/buses/rows/MV"),
            vec![("id", "MV"), ("vn_kv", "21")],
        ),
        (
            format!("/projects/{pid}/editor/buses/rows/MV/delete"),
            vec![],
        ),
        (format!("/projects/{pid}/versions/{n}/restore"), vec![]),
        (format!("/projects/{pid}/simulations"), run_fields(&[])),
    ]
}

/// What a refused change must leave as it was.
pub fn fingerprint(app: &TestApp, pid: i64) -> String {
    use ampflux::db::schema::{
        circuit_drafts, circuit_versions, project_members, projects, simulations,
    };
    use diesel::prelude::*;
    app.with_conn(|conn| {
        let project: (String, String) = projects::table
            .find(pid)
            .select((projects::name, projects::status))
            .first(conn)
            .unwrap();
        let members: Vec<(i64, String)> = project_members::table
            .filter(project_members::project_id.eq(pid))
            .order(project_members::user_id)
            .select((project_members::user_id, project_members::role))
            .load(conn)
            .unwrap();
        let versions: i64 = circuit_versions::table
            .filter(circuit_versions::project_id.eq(pid))
            .count()
            .get_result(conn)
            .unwrap();
        let drafts: Vec<(i64, ampflux::db::json::JsonValue)> = circuit_drafts::table
            .filter(circuit_drafts::project_id.eq(pid))
            .order(circuit_drafts::user_id)
            .select((circuit_drafts::user_id, circuit_drafts::data_json))
            .load(conn)
            .unwrap();
        let sims: i64 = simulations::table
            .filter(simulations::project_id.eq(pid))
            .count()
            .get_result(conn)
            .unwrap();
        format!("{project:?} {members:?} {versions} {drafts:?} {sims}")
    })
}
