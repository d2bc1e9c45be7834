//! Mail through lettre's SMTP transport to a real SMTP server: PyPI `aiosmtpd` writing a
//! Maildir, started here. `.ci/run` installs it (in `target/smtp-venv`) and sets `CI=true`, so
//! there these tests fail when it cannot run; elsewhere they are skipped, with a note, when no
//! Python with aiosmtpd is found (`AMPFLUX_TEST_SMTP_PYTHON`, `target/smtp-venv/bin/python`
//! or `python3`). See README.md, "Mail".

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ampflux::config::{MailTransport, SmtpConfig, SmtpSecurity};
use ampflux::db::schema::jobs;
use ampflux::models::job::Job;
use diesel::prelude::*;

use crate::common::*;

/// A Python that can run aiosmtpd, or `None` (the test is skipped) outside CI.
fn aiosmtpd_python() -> Option<String> {
    let named = std::env::var("AMPFLUX_TEST_SMTP_PYTHON").ok();
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/target/smtp-venv/bin/python");
    let candidates = named
        .iter()
        .cloned()
        .chain([venv.to_string(), "python3".to_string()]);
    for python in candidates {
        let works = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works {
            return Some(python);
        }
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci && named.is_none(),
        "aiosmtpd is needed for the SMTP tests: pip install aiosmtpd (see README.md, \"Mail\")"
    );
    eprintln!("skipped: no Python with aiosmtpd (pip install aiosmtpd to run the SMTP tests)");
    None
}

/// An aiosmtpd server on 127.0.0.1 that files every message in a Maildir.
struct SmtpSink {
    child: Child,
    maildir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(python: &str, port: u16) -> SmtpSink {
        let maildir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // A folder that does not exist yet: the handler creates it as a Maildir.
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("aiosmtpd stopped: {status}");
            }
            assert!(Instant::now() < deadline, "aiosmtpd does not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, maildir }
    }

    /// Every message received, decoded.
    fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let dir: PathBuf = self.maildir.path().join("box").join(sub);
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if let Ok(raw) = std::fs::read_to_string(e.path()) {
                    out.push(decode_mail(&raw));
                }
            }
        }
        out
    }

    /// The messages to `email` that contain `text`, waiting up to 30 s for one.
    async fn wait_for(&self, email: &str, text: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found: Vec<String> = self
                .messages()
                .into_iter()
                .filter(|m| m.contains(&format!("<{email}>")) && m.contains(text))
                .collect();
            if !found.is_empty() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {email} with {text:?}"
            );
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The app sending mail by SMTP (no TLS, a local relay) to 127.0.0.1:`port`, retrying a
/// failed mail after 100 ms, 200 ms, 400 ms ...
async fn smtp_app(backend: Backend, port: u16) -> TestApp {
    TestApp::spawn_full(
        backend,
        |c| {
            c.mail = MailTransport::Smtp(SmtpConfig {
                host: "127.0.0.1".into(),
                port,
                username: None,
                password: None,
                security: SmtpSecurity::None,
            });
        },
        |jobs| jobs.retry_base = Duration::from_millis(100),
    )
    .await
}

/// The newest `mail.send` job.
fn mail_job(app: &TestApp) -> Job {
    app.with_conn(|conn| {
        jobs::table
            .filter(jobs::name.eq("mail.send"))
            .order(jobs::id.desc())
            .select(Job::as_select())
            .first(conn)
            .unwrap()
    })
}

/// The verification link of a message.
fn link(message: &str, base: &str) -> String {
    let start = message
        .find(&format!("{base}/verify-email/"))
        .expect("link");
    message[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_start_matches(base)
        .to_string()
}

async fn a_mail_goes_out_by_smtp(backend: Backend) {
    let Some(python) = aiosmtpd_python() else {
        return;
    };
    let port = free_port();
    let sink = SmtpSink::start(&python, port);
    let app = smtp_app(backend, port).await;
    let client = app.client();
    let account = Account::new("Smtp");
    register(&app, &client, &account).await;

    let found = sink.wait_for(&account.email, "/verify-email/").await;
    assert_eq!(found.len(), 1);
    let mail = &found[0];
    assert!(
        mail.contains("Subject: Confirm your email address"),
        "{mail}"
    );
    assert!(
        mail.contains("From: AmpFlux <no-reply@ampflux.test>"),
        "{mail}"
    );
    assert!(mail.contains("Hello Smtp Engineer"), "{mail}");
    let res = client.get(&link(mail, &app.base)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("Email address verified");
    assert!(
        !app.data_dir.path().join("mail").exists(),
        "no .eml files when SMTP is configured"
    );
    let job = mail_job(&app);
    assert_eq!((job.status.as_str(), job.attempts), ("completed", 1));
}

async fn a_mail_server_that_is_down_delays_mail_and_loses_none(backend: Backend) {
    let Some(python) = aiosmtpd_python() else {
        return;
    };
    let port = free_port();
    let app = smtp_app(backend, port).await;
    let client = app.client();
    let account = Account::new("Outage");
    register(&app, &client, &account).await;

    // Nothing listens: the mail job fails and waits to be retried.
    let deadline = Instant::now() + Duration::from_secs(30);
    let failing = loop {
        let job = mail_job(&app);
        if job.attempts >= 2 && job.status == "pending" {
            break job;
        }
        assert!(Instant::now() < deadline, "not retried: {job:?}");
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    };
    let error = failing.error.as_ref().expect("the error is kept").0["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("cannot send"), "{error}");

    // The server comes up: the retry delivers the mail, once.
    let sink = SmtpSink::start(&python, port);
    let found = sink.wait_for(&account.email, "/verify-email/").await;
    assert_eq!(found.len(), 1);
    let res = client.get(&link(&found[0], &app.base)).await;
    res.assert_contains("Email address verified");
    let deadline = Instant::now() + Duration::from_secs(10);
    let sent = loop {
        let job = mail_job(&app);
        if job.status == "completed" {
            break job;
        }
        assert!(Instant::now() < deadline, "not completed: {job:?}");
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(sent.id, failing.id);
    assert!(sent.attempts >= 3, "{}", sent.attempts);
    assert_eq!(sent.payload.0["body"], "(removed once sent)");
    assert_eq!(sink.messages().len(), 1, "sent once");
}

/// Like `on_both_databases!`, for tests that configure the app themselves.
macro_rules! on_both {
    ($test:ident) => {
        mod $test {
            #[actix_rt::test]
            async fn sqlite() {
                super::$test($crate::common::Backend::Sqlite).await
            }

            #[actix_rt::test]
            #[ignore = "PostgreSQL: run with AMPFLUX_TEST_POSTGRES_URL set and --ignored"]
            async fn postgres() {
                super::$test($crate::common::Backend::Postgres).await
            }
        }
    };
}

on_both!(a_mail_goes_out_by_smtp);
on_both!(a_mail_server_that_is_down_delays_mail_and_loses_none);
