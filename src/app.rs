//! Start-up wiring shared by `ampflux serve` and the tests: configuration → database (with
//! migrations) → mailer → cookie key → setup link → HTTP server and background job workers
//! (with the daily license check, also run once at start-up).

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::cookie::Key;
use actix_web::dev::Server;
use actix_web::web;

use crate::config::{Config, JobSettings};
use crate::db;
use crate::mail::Mailer;
use crate::web::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("mail: {0}")]
    Mail(#[from] crate::mail::MailError),
    #[error("{0}")]
    Key(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl From<crate::ops::OpError> for StartError {
    fn from(e: crate::ops::OpError) -> Self {
        match e {
            crate::ops::OpError::Db(e) => StartError::Db(e.into()),
            e => StartError::Other(format!("database: {e}")),
        }
    }
}

/// A prepared application: connected, migrated, ready to serve.
pub struct Prepared {
    pub state: web::Data<AppState>,
    pub key: Key,
    /// The one-time link that creates the first platform admin, while none exists.
    pub setup_link: Option<String>,
    /// The job workers `serve` starts (from `AMPFLUX_JOB_WORKERS`; may be changed before
    /// serving, e.g. to 0 for a process that only serves pages).
    pub jobs: crate::jobs::WorkerConfig,
}

/// The job handlers this build knows; mails go out through `mailer`, links in them start with
/// `base_url`.
pub fn job_registry(mailer: Mailer, base_url: &str) -> crate::jobs::Registry {
    let mut registry = crate::jobs::Registry::default();
    crate::jobs::simulation::register(&mut registry);
    crate::jobs::mail::register(&mut registry, mailer);
    crate::jobs::audit_verify::register(&mut registry);
    crate::jobs::license_check::register(&mut registry, base_url.to_string());
    registry
}

pub fn prepare(config: Config) -> Result<Prepared, StartError> {
    let job_settings = JobSettings::from_env()?;
    // HTTP workers, plus one connection per job worker (held while a job runs), plus one per
    // caller the password-hashing pool admits (a sign-in waits for its hash holding a
    // connection): hashing can never take every connection.
    let hashing = crate::auth::hash_pool::capacity() as u32;
    let pool_size =
        (config.workers as u32 * 2 + job_settings.workers as u32 + hashing).clamp(4, 64);
    let pool = db::connect(config.database_url.expose(), pool_size)?;
    let mailer = Mailer::from_config(&config)?;
    let key = crate::web::cookie_key(&config).map_err(StartError::Key)?;
    let setup_link = {
        let mut conn = pool
            .get()
            .map_err(|e| StartError::Other(format!("database: {e}")))?;
        // The daily license check is always pending, however many processes start.
        crate::jobs::license_check::ensure_scheduled(&mut conn).map_err(db::DbError::from)?;
        crate::ops::accounts::setup::setup_link_if_needed(&mut conn, &config.base_url)?
    };
    let state = web::Data::new(AppState::new(pool, Arc::new(config), mailer, &key));
    Ok(Prepared {
        state,
        key,
        setup_link,
        jobs: crate::jobs::WorkerConfig {
            workers: job_settings.workers,
            ..Default::default()
        },
    })
}

impl Prepared {
    /// Starts serving on `listener`, plus the periodic clean-up of dead sessions and the job
    /// workers. Both run as tasks on the current actix runtime (the server's), so they stop
    /// with it; a job whose worker stops mid-run is taken over when its lease expires.
    pub fn serve(self, listener: TcpListener) -> Result<Server, StartError> {
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        spawn_session_cleanup(self.state.clone());
        spawn_statistics_refresh(self.state.clone());
        spawn_refusal_flush(self.state.clone());
        if self.jobs.workers > 0 {
            let process = format!("{}:{}", addr, crate::util::random_token(4));
            let base_url = &self.state.config.base_url;
            crate::jobs::spawn_registered_workers(
                self.state.pool.clone(),
                job_registry(self.state.mailer.clone(), base_url),
                self.jobs.clone(),
                &process,
            );
            // Catches up a day missed while no server ran (the daily run is queued).
            crate::jobs::license_check::run_now(self.state.pool.clone(), base_url.clone());
        }
        crate::web::server(self.state, self.key, listener)
            .map_err(|source| StartError::Bind { addr, source })
    }
}

pub fn bind(addr: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).map_err(|source| StartError::Bind {
        addr: addr.to_string(),
        source,
    })
}

/// Hourly: the query planner's statistics (`db::refresh_statistics`; start-up did the first).
fn spawn_statistics_refresh(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
        tick.tick().await;
        loop {
            tick.tick().await;
            let refreshed = state.db(|conn| Ok(db::refresh_statistics(conn)?)).await;
            if let Err(e) = refreshed {
                tracing::warn!(error = %e, "could not refresh the query planner's statistics");
            }
        }
    });
}

/// Every few seconds: the counts of repeated refusals whose minute is over, one record each
/// (`ops::refusals`).
fn spawn_refusal_flush(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            let due = state.refusals.take_due();
            if due.is_empty() {
                continue;
            }
            let written = state
                .op(move |conn| {
                    for (refusal, repeated) in due {
                        refusal.write(conn, repeated)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = written {
                tracing::warn!(error = %e, "could not record the counts of refused requests");
            }
        }
    });
}

fn spawn_session_cleanup(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let idle = chrono::Duration::from_std(state.config.session_idle)
                .unwrap_or(chrono::Duration::hours(2));
            let result = state
                .db(move |conn| {
                    Ok(crate::models::session::purge_dead(
                        conn,
                        crate::util::now() - idle,
                    )?)
                })
                .await;
            match result {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session clean-up failed"),
            }
        }
    });
}
