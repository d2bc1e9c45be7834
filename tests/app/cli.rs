//! The `ampflux` binary: clear start-up errors, admin commands, `audit verify`, and logs that
//! never hold a secret.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;

fn ampflux(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ampflux"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AMPFLUX_DATA_DIR", data_dir)
        .env("AMPFLUX_LOG", "info");
    cmd
}

fn run(cmd: &mut Command, stdin: &str) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ampflux");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_database_urls_end_start_up_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "mysql://root@localhost/x",
            "DATABASE_URL: unsupported scheme \"mysql\"",
        ),
        (
            "postgres://postgres:secret-pw@127.0.0.1:1/ampflux",
            "cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:1/ampflux",
        ),
    ];
    for (url, expected) in cases {
        for sub in ["migrate", "serve"] {
            let (code, _, err) = run(ampflux(dir.path()).arg(sub).env("DATABASE_URL", url), "");
            assert_ne!(code, 0, "{sub} {url}");
            assert!(err.contains(expected), "{sub} {url}: {err}");
            assert!(
                !err.contains("panicked") && !err.contains("backtrace"),
                "{err}"
            );
            assert!(!err.contains("secret-pw"), "the password is not printed");
            assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        }
    }
}

#[test]
fn migrate_creates_the_sqlite_file_and_folder() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    let (code, out, err) = run(ampflux(&nested).arg("migrate"), "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migrations are up to date"));
    assert!(nested.join("ampflux.db").is_file());
    let (code, _, _) = run(ampflux(&nested).arg("migrate"), "");
    assert_eq!(code, 0, "idempotent");
}

#[test]
fn admin_commands_read_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let create = |password: &str| {
        run(
            ampflux(dir.path()).args([
                "admin",
                "create-platform-admin",
                "--email",
                "ops@example.com",
                "--username",
                "ops",
                "--name",
                "Operator",
            ]),
            &format!("{password}\n"),
        )
    };
    let (code, _, err) = create("password1234");
    assert_ne!(code, 0);
    assert!(err.contains("password refused"), "{err}");
    let (code, out, err) = create(PASSWORD);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created platform admin ops"), "{out}");
    let (code, _, err) = create(PASSWORD);
    assert_ne!(code, 0);
    assert!(err.contains("exists") || err.contains("taken"), "{err}");

    let (code, out, err) = run(
        ampflux(dir.path()).args(["admin", "reset-password", "--login", "ops"]),
        "another fine passphrase\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("password of ops changed"), "{out}");

    let (code, out, _) = run(ampflux(dir.path()).args(["audit", "verify"]), "");
    assert_eq!(code, 0);
    assert!(out.contains("audit trail intact: 3 entries"), "{out}");

    // Tampering is named by `audit verify`.
    let db = dir.path().join("ampflux.db");
    let pool = ampflux::db::connect(&db.to_string_lossy(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    use diesel::connection::SimpleConnection;
    conn.batch_execute(
        "DROP TRIGGER audit_logs_no_update; UPDATE audit_logs SET action = 'user.nothing' WHERE id = 1;",
    )
    .unwrap();
    let (code, out, _) = run(ampflux(dir.path()).args(["audit", "verify"]), "");
    assert_eq!(code, 3);
    assert!(out.contains("BROKEN at entry 1"), "{out}");
}

/// A real server process: the setup link is printed, and after a sign-up and sign-in the logs
/// hold no password, token or session key.
#[actix_rt::test]
async fn serve_prints_the_setup_link_and_logs_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = ampflux(dir.path())
        .arg("serve")
        .env("AMPFLUX_BIND", format!("127.0.0.1:{port}"))
        .env("AMPFLUX_BASE_URL", &base)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let client = Client::new(&base);
    let mut up = false;
    for _ in 0..100 {
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
    }
    assert!(
        up,
        "server did not start: {}",
        std::fs::read_to_string(&log_path).unwrap()
    );

    client.get("/register").await;
    let password = "secret horse battery 42";
    client
        .post(
            "/register",
            &[
                ("company_name", "Log Check"),
                ("name", "Lena"),
                ("username", "lena"),
                ("email", "lena@example.com"),
                ("password", password),
            ],
        )
        .await
        .assert_redirect("/login");
    // Find the verification link in the mail folder and use it, then sign in.
    let mut link = None;
    for _ in 0..100 {
        if let Ok(entries) = std::fs::read_dir(dir.path().join("mail")) {
            for e in entries.flatten() {
                let text = decode_mail(&std::fs::read_to_string(e.path()).unwrap_or_default());
                if let Some(i) = text.find("/verify-email/") {
                    link = Some(text[i..].split_whitespace().next().unwrap().to_string());
                }
            }
        }
        if link.is_some() {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let link = link.expect("verification mail");
    client
        .get(&link)
        .await
        .assert_contains("Email address verified");
    login(&client, "lena", password).await.assert_redirect("/");
    let cookie = client.cookie_header();
    let session_value = cookie.split_once('=').unwrap().1.to_string();
    let csrf = client.csrf().unwrap();
    child.kill().ok();
    child.wait().ok();

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains(&format!("{base}/setup/")),
        "setup link logged: {logs}"
    );
    let token = link.trim_start_matches("/verify-email/");
    for secret in [password, token, session_value.as_str(), csrf.as_str()] {
        assert!(!logs.contains(secret), "a secret reached the log: {secret}");
    }
    assert!(logs.contains("request_id="), "requests carry an id");
    assert!(
        logs.contains("route=/verify-email/{token}"),
        "routes, not paths, are logged"
    );
}

#[test]
fn sc_command_reads_both_formats_and_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sc");
    let (code, out, err) = run(
        ampflux(dir.path()).args([
            "sc",
            &format!("{fixtures}/examples/substation.circuit.json"),
        ]),
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Ik'' (kA)") && out.contains("110 kV busbar"),
        "{out}"
    );

    let (code, out, err) = run(
        ampflux(dir.path()).args([
            "sc",
            &format!("{fixtures}/iec60909_4_full.json"),
            "--fault",
            "1ph",
            "--format",
            "json",
        ]),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON results");
    assert!(v["buses"].as_array().is_some_and(|b| !b.is_empty()));
    assert!(
        v["warnings"].is_array(),
        "import warnings travel with the results"
    );

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"format":"ampflux-circuit","version":1,"name":"x","frequency_hz":50,
            "buses":[{"id":"B1","vn_kv":20}],
            "lines":[{"id":"L7","from_bus":"B1","to_bus":"B9","length_km":1,"r_ohm_per_km":0.1,"x_ohm_per_km":0.1}]}"#,
    )
    .unwrap();
    let (code, _, err) = run(ampflux(dir.path()).args(["sc", &bad.to_string_lossy()]), "");
    assert_eq!(code, 2);
    assert!(err.contains(r#"lines[L7].to_bus: no bus "B9""#), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn a_bad_secret_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        ampflux(dir.path())
            .arg("serve")
            .env("AMPFLUX_SECRET_KEY", "not-hex"),
        "",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("AMPFLUX_SECRET_KEY: expected 128 hexadecimal characters"),
        "{err}"
    );
    assert!(!err.contains("not-hex"), "the value is not echoed");
    let (code, _, err) = run(
        ampflux(dir.path())
            .arg("serve")
            .env("AMPFLUX_SESSION_IDLE_MINUTES", "0"),
        "",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("AMPFLUX_SESSION_IDLE_MINUTES: must be at least 1"),
        "{err}"
    );
}

/// `admin invite` and `admin deactivate` run the people pages' operations: the invitation mail
/// is queued, and the role, address, seat and last-admin rules apply.
#[test]
fn admin_invite_and_deactivate_follow_the_rules() {
    use ampflux::ops::accounts::signup::{NewAccount, SignUp, sign_up};
    use diesel::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(ampflux(dir.path()).arg("migrate"), "");
    assert_eq!(code, 0, "{err}");
    let db = dir.path().join("ampflux.db");
    let pool = ampflux::db::connect(&db.to_string_lossy(), 1).unwrap();
    let (company, admin) = {
        let mut conn = pool.get().unwrap();
        let SignUp::Created(admin) = sign_up(
            &mut conn,
            &Default::default(),
            "http://localhost",
            NewAccount {
                company_name: "Shell Works".into(),
                name: "Sheila".into(),
                username: "sheila".into(),
                email: "sheila@example.com".into(),
                password: PASSWORD.into(),
            },
        )
        .unwrap() else {
            panic!("a new address creates the account")
        };
        let company = ampflux::models::company::find(&mut conn, admin.company_id).unwrap();
        (company, admin)
    };
    let invite = |company: &str, email: &str, role: &str| {
        run(
            ampflux(dir.path()).args([
                "admin",
                "invite",
                "--company",
                company,
                "--email",
                email,
                "--name",
                "Newcomer",
                "--role",
                role,
            ]),
            "",
        )
    };
    let (code, out, err) = invite(&company.slug, "newcomer@example.com", "engineer");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Invitation sent to newcomer@example.com"),
        "{out}"
    );
    // By code, in any case, too.
    let (code, _, err) = invite(
        &company.code.to_lowercase(),
        "second@example.com",
        "reviewer",
    );
    assert_eq!(code, 0, "{err}");

    let (code, _, err) = invite(&company.slug, "third@example.com", "platform_admin");
    assert_ne!(code, 0);
    assert!(err.contains("Choose a company role"), "{err}");
    let (code, _, err) = invite(&company.slug, "sheila@example.com", "engineer");
    assert_ne!(code, 0);
    assert!(err.contains("cannot be invited"), "{err}");
    let (code, _, err) = invite("no-such-company", "x@example.com", "engineer");
    assert_ne!(code, 0);
    assert!(err.contains("no company"), "{err}");

    let mut conn = pool.get().unwrap();
    let mails: Vec<ampflux::db::json::JsonValue> = {
        use ampflux::db::schema::jobs;
        jobs::table
            .filter(jobs::name.eq(ampflux::models::job::MAIL_JOB))
            .select(jobs::payload)
            .load(&mut conn)
            .unwrap()
    };
    let invitation_mails: Vec<_> = mails
        .iter()
        .filter(|m| m.0["body"].as_str().unwrap_or("").contains("/invitations/"))
        .collect();
    assert_eq!(invitation_mails.len(), 2, "the mails are queued");
    assert_eq!(invitation_mails[0].0["to_email"], "newcomer@example.com");
    let (by, invited): (Option<i64>, i64) = {
        use ampflux::db::schema::invitations;
        let by = invitations::table
            .filter(invitations::email.eq("newcomer@example.com"))
            .select(invitations::invited_by)
            .first(&mut conn)
            .unwrap();
        (
            by,
            invitations::table.count().get_result(&mut conn).unwrap(),
        )
    };
    assert_eq!((by, invited), (None, 2), "the shell invites as nobody");

    // The only company admin is not deactivated; an engineer is, once.
    let (code, _, err) = run(
        ampflux(dir.path()).args(["admin", "deactivate", "--user", "sheila"]),
        "",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("at least one active company administrator"),
        "{err}"
    );
    let hash = ampflux::auth::password::hash(PASSWORD).unwrap();
    let eng = ampflux::models::user::create(
        &mut conn,
        ampflux::models::user::NewUser {
            company_id: admin.company_id,
            name: "Ed",
            username: "ed",
            email: "ed@example.com",
            password_hash: &hash,
            timezone: "UTC",
            email_verified: true,
        },
    )
    .unwrap();
    ampflux::models::role::assign(&mut conn, eng.id, "engineer", None).unwrap();
    drop(conn);
    let deactivate = || {
        run(
            ampflux(dir.path()).args(["admin", "deactivate", "--user", "ED@example.com"]),
            "",
        )
    };
    let (code, out, err) = deactivate();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ed deactivated; 0 session(s) ended"), "{out}");
    let (code, _, err) = deactivate();
    assert_ne!(code, 0);
    assert!(err.contains("already deactivated"), "{err}");
    let mut conn = pool.get().unwrap();
    let entries = {
        let filter = ampflux::models::audit::Filter {
            action: Some("user.deactivate".into()),
            ..Default::default()
        };
        ampflux::models::audit::page(&mut conn, admin.company_id, &filter, None, 10)
            .unwrap()
            .0
    };
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].log.user_id, None, "the shell acts as nobody");
    assert_eq!(entries[0].log.outcome, "success");
}
