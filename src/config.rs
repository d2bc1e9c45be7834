//! Configuration from environment variables, optionally backed by a `KEY=VALUE` file named by
//! `AMPFLUX_CONFIG` (the environment wins over the file).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {message}")]
    Invalid { var: &'static str, message: String },
    #[error("AMPFLUX_CONFIG: cannot read {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

/// A value that must never reach a log line: its `Debug` prints `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How mail leaves the server.
#[derive(Clone, Debug)]
pub enum MailTransport {
    /// Write each mail as an `.eml` file under `<data dir>/mail` (the default: works offline).
    Files,
    Smtp(SmtpConfig),
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// `starttls` (default), `tls` (implicit TLS) or `none` (plain, for a local relay).
    pub security: SmtpSecurity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    StartTls,
    Tls,
    None,
}

/// Limits on failed sign-ins, per account and per client address, over a sliding window.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    /// Failures after which each further attempt is delayed (grows per failure).
    pub slow_after: i64,
    /// Failures per account after which the account is locked for `window`.
    pub max_account_failures: i64,
    /// Failures per client address after which the address is locked for `window`.
    pub max_ip_failures: i64,
    pub window: Duration,
    /// Delay added per failure beyond `slow_after`, capped at 2 seconds.
    pub delay_step: Duration,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// As given, or derived from the data folder: used only to connect, never logged with a password.
    pub database_url: Secret,
    pub bind: String,
    pub data_dir: PathBuf,
    /// Public address of the app, for links in mails (no trailing slash).
    pub base_url: String,
    /// Serve the session cookie as `__Host-` with `Secure`, and send HSTS.
    pub secure_cookies: bool,
    pub mail: MailTransport,
    pub mail_from: String,
    pub session_idle: Duration,
    pub session_lifetime: Duration,
    pub login_throttle: LoginThrottle,
    pub workers: usize,
    /// Take the client address from X-Forwarded-For / Forwarded (only behind a proxy you run).
    pub trust_proxy: bool,
    /// Folder of the stylesheet, scripts and htmx served under /static.
    pub static_dir: PathBuf,
    /// Signs the session cookie; `AMPFLUX_SECRET_KEY` (128 hex characters) or a file in the data
    /// folder created on first start. All processes serving one database need the same key.
    pub secret_key: Option<Secret>,
}

/// Where values come from: the environment first, then the file.
struct Source<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    file: HashMap<String, String>,
}

impl Source<'_> {
    fn get(&self, key: &str) -> Option<String> {
        (self.env)(key)
            .or_else(|| self.file.get(key).cloned())
            .filter(|v| !v.trim().is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, key: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
                var: key,
                message: format!("cannot parse {v:?}: {e}"),
            }),
        }
    }

    fn flag(&self, key: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(ConfigError::Invalid {
                var: key,
                message: format!("expected true or false, got {v:?}"),
            }),
        }
    }
}

fn read_file(path: &str) -> Result<HashMap<String, String>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::File {
        path: path.to_string(),
        source,
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect())
}

impl Config {
    /// Reads the configuration from the environment (and the optional file).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|key| std::env::var(key).ok())
    }

    /// Reads the configuration through `env` (the process environment, or a map in tests).
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file = match env("AMPFLUX_CONFIG") {
            Some(path) if !path.is_empty() => read_file(&path)?,
            _ => HashMap::new(),
        };
        let src = Source { env, file };

        let data_dir = PathBuf::from(
            src.get("AMPFLUX_DATA_DIR")
                .unwrap_or_else(|| "./data".into()),
        );
        let database_url = src
            .get("DATABASE_URL")
            .unwrap_or_else(|| data_dir.join("ampflux.db").to_string_lossy().into_owned());
        let bind = src
            .get("AMPFLUX_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let base_url = src
            .get("AMPFLUX_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                var: "AMPFLUX_BASE_URL",
                message: format!("must start with http:// or https://, got {base_url:?}"),
            });
        }
        let secure_cookies =
            src.flag("AMPFLUX_SECURE_COOKIES", base_url.starts_with("https://"))?;

        let mail = match src.get("AMPFLUX_SMTP_HOST") {
            None => MailTransport::Files,
            Some(host) => {
                let security = match src
                    .get("AMPFLUX_SMTP_SECURITY")
                    .unwrap_or_else(|| "starttls".into())
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "starttls" => SmtpSecurity::StartTls,
                    "tls" => SmtpSecurity::Tls,
                    "none" => SmtpSecurity::None,
                    other => {
                        return Err(ConfigError::Invalid {
                            var: "AMPFLUX_SMTP_SECURITY",
                            message: format!("expected starttls, tls or none, got {other:?}"),
                        });
                    }
                };
                let default_port = match security {
                    SmtpSecurity::StartTls => 587,
                    SmtpSecurity::Tls => 465,
                    SmtpSecurity::None => 25,
                };
                MailTransport::Smtp(SmtpConfig {
                    host,
                    port: src.parse("AMPFLUX_SMTP_PORT", default_port)?,
                    username: src.get("AMPFLUX_SMTP_USERNAME"),
                    password: src.get("AMPFLUX_SMTP_PASSWORD").map(Secret),
                    security,
                })
            }
        };
        let mail_from = src
            .get("AMPFLUX_MAIL_FROM")
            .unwrap_or_else(|| "AmpFlux <no-reply@localhost>".into());

        let minutes = |key: &'static str, default: u64| -> Result<Duration, ConfigError> {
            let m: u64 = src.parse(key, default)?;
            if m == 0 {
                return Err(ConfigError::Invalid {
                    var: key,
                    message: "must be at least 1".into(),
                });
            }
            Ok(Duration::from_secs(m * 60))
        };

        Ok(Config {
            database_url: Secret(database_url),
            bind,
            data_dir,
            base_url,
            secure_cookies,
            mail,
            mail_from,
            session_idle: minutes("AMPFLUX_SESSION_IDLE_MINUTES", 120)?,
            session_lifetime: minutes("AMPFLUX_SESSION_LIFETIME_MINUTES", 12 * 60)?,
            login_throttle: LoginThrottle {
                slow_after: src.parse("AMPFLUX_LOGIN_SLOW_AFTER", 3)?,
                max_account_failures: src.parse("AMPFLUX_LOGIN_MAX_FAILURES", 10)?,
                max_ip_failures: src.parse("AMPFLUX_LOGIN_MAX_IP_FAILURES", 50)?,
                window: minutes("AMPFLUX_LOGIN_LOCK_MINUTES", 15)?,
                delay_step: Duration::from_millis(src.parse("AMPFLUX_LOGIN_DELAY_MS", 250)?),
            },
            trust_proxy: src.flag("AMPFLUX_TRUST_PROXY", false)?,
            static_dir: src
                .get("AMPFLUX_STATIC_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    // Run from the repository (cargo run) or from anywhere else on this machine.
                    let local = PathBuf::from("static");
                    if local.join("htmx.min.js").is_file() {
                        local
                    } else {
                        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))
                    }
                }),
            secret_key: src.get("AMPFLUX_SECRET_KEY").map(Secret),
            workers: src.parse(
                "AMPFLUX_WORKERS",
                std::thread::available_parallelism().map_or(2, usize::from),
            )?,
        })
    }

    /// Folder for mails written as files.
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }
}

/// The background job workers of this process (`AMPFLUX_JOB_WORKERS`). Kept apart from
/// [`Config`] so that configurations built in code (the tests' harness) need not name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSettings {
    /// Worker tasks claiming jobs; 0 runs no jobs in this process (another process does).
    pub workers: usize,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings { workers: 2 }
    }
}

impl JobSettings {
    pub const MAX_WORKERS: usize = 64;

    /// From the environment (and the `AMPFLUX_CONFIG` file), like [`Config::from_env`].
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|key| std::env::var(key).ok())
    }

    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file = match env("AMPFLUX_CONFIG") {
            Some(path) if !path.is_empty() => read_file(&path)?,
            _ => HashMap::new(),
        };
        let src = Source { env, file };
        let workers: usize = src.parse("AMPFLUX_JOB_WORKERS", JobSettings::default().workers)?;
        if workers > Self::MAX_WORKERS {
            return Err(ConfigError::Invalid {
                var: "AMPFLUX_JOB_WORKERS",
                message: format!("at most {} (got {workers})", Self::MAX_WORKERS),
            });
        }
        Ok(JobSettings { workers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(&move |k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.database_url.expose(), "./data/ampflux.db");
        assert!(!c.secure_cookies);
        assert!(matches!(c.mail, MailTransport::Files));
        assert_eq!(c.session_idle, Duration::from_secs(7200));
    }

    #[test]
    fn https_base_url_secures_cookies_and_smtp_is_parsed() {
        let c = config(&[
            ("AMPFLUX_BASE_URL", "https://amp.example/"),
            ("AMPFLUX_SMTP_HOST", "mail.example"),
            ("AMPFLUX_SMTP_SECURITY", "tls"),
            ("AMPFLUX_SMTP_PASSWORD", "hunter2-secret"),
        ])
        .unwrap();
        assert_eq!(c.base_url, "https://amp.example");
        assert!(c.secure_cookies);
        let MailTransport::Smtp(smtp) = &c.mail else {
            panic!("smtp expected")
        };
        assert_eq!((smtp.port, smtp.security), (465, SmtpSecurity::Tls));
        assert!(
            !format!("{c:?}").contains("hunter2-secret"),
            "secrets never print"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("AMPFLUX_SESSION_IDLE_MINUTES", "soon")]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("AMPFLUX_SESSION_IDLE_MINUTES: cannot parse"),
            "{e}"
        );
        let e = config(&[("AMPFLUX_BASE_URL", "amp.example")]).unwrap_err();
        assert!(e.to_string().starts_with("AMPFLUX_BASE_URL:"), "{e}");
        let e = config(&[("AMPFLUX_SECURE_COOKIES", "maybe")]).unwrap_err();
        assert!(e.to_string().contains("expected true or false"), "{e}");
    }

    #[test]
    fn job_workers() {
        let lookup = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(JobSettings::from_lookup(&lookup(&[])).unwrap().workers, 2);
        let four = JobSettings::from_lookup(&lookup(&[("AMPFLUX_JOB_WORKERS", "4")])).unwrap();
        assert_eq!(four.workers, 4);
        let none = JobSettings::from_lookup(&lookup(&[("AMPFLUX_JOB_WORKERS", "0")])).unwrap();
        assert_eq!(none.workers, 0);
        let e = JobSettings::from_lookup(&lookup(&[("AMPFLUX_JOB_WORKERS", "many")])).unwrap_err();
        assert!(e.to_string().starts_with("AMPFLUX_JOB_WORKERS:"), "{e}");
        let e = JobSettings::from_lookup(&lookup(&[("AMPFLUX_JOB_WORKERS", "1000")])).unwrap_err();
        assert!(e.to_string().contains("at most 64"), "{e}");
    }

    #[test]
    fn file_values_sit_under_the_environment() {
        let dir =
            std::env::temp_dir().join(format!("ampflux-config-{}", crate::util::random_token(4)));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ampflux.env");
        std::fs::write(
            &file,
            "# comment\nAMPFLUX_BIND=0.0.0.0:9000\nAMPFLUX_DATA_DIR=\"/srv/amp\"\n",
        )
        .unwrap();
        let path = file.to_string_lossy().into_owned();
        let c = config(&[("AMPFLUX_CONFIG", &path), ("AMPFLUX_DATA_DIR", "/var/amp")]).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.data_dir, PathBuf::from("/var/amp"));
        let missing = config(&[("AMPFLUX_CONFIG", "/nonexistent/ampflux.env")]).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("AMPFLUX_CONFIG: cannot read")
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
