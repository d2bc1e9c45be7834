//! Bounded work under attack, against the real `ampflux` binary (its own process, so its memory
//! can be read): parallel failed sign-ins keep the server's memory bounded.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;

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
