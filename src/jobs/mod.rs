//! The in-process worker pool: each worker claims a job, runs its handler on the blocking pool
//! while a ticker renews the lease, then records the outcome. A handler that returns an error
//! (or panics) is retried with backoff until the job's attempts are spent. Several server
//! processes may run workers against one PostgreSQL database (see `models::job`).
//!
//! Idle workers wait for [`wake`] (called after a job is enqueued in this process) or for the
//! next poll (`idle_poll`, which finds jobs enqueued by other processes), whichever comes
//! first. The server's pool claims only the jobs named in its registry.

pub mod audit_verify;
pub mod license_check;
pub mod mail;
pub mod simulation;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use actix_web::rt::{
    spawn,
    task::JoinHandle,
    time::{sleep, timeout},
};
use actix_web::web;
use tracing::Instrument;

use crate::db::{DbConn, Pool};
use crate::models::job::{self, Job};

/// A failed run: `permanent` failures are not retried (bad input that can never succeed).
#[derive(Debug, Clone)]
pub struct JobError {
    pub message: String,
    pub permanent: bool,
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Runs one job on a database connection (blocking code) and returns its result.
pub type Handler =
    Arc<dyn Fn(&mut DbConn, &Job) -> Result<serde_json::Value, JobError> + Send + Sync>;

/// Job names and their handlers.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn register(
        &mut self,
        name: &str,
        handler: impl Fn(&mut DbConn, &Job) -> Result<serde_json::Value, JobError>
        + Send
        + Sync
        + 'static,
    ) {
        assert!(
            !name.is_empty() && !name.contains(','),
            "job names are non-empty and have no commas: {name:?}"
        );
        self.handlers.insert(name.to_string(), Arc::new(handler));
    }

    fn get(&self, name: &str) -> Option<Handler> {
        self.handlers.get(name).cloned()
    }

    /// The registered job names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.handlers.keys().cloned().collect();
        names.sort();
        names
    }
}

/// The in-process wake-up signal: a generation counter (so a wake-up between a worker's empty
/// claim and its wait is not lost) and the wakers of the waiting workers.
struct WakeSignal {
    generation: AtomicU64,
    waiting: Mutex<Vec<Waker>>,
}

static WAKE: WakeSignal = WakeSignal {
    generation: AtomicU64::new(0),
    waiting: Mutex::new(Vec::new()),
};

/// Wakes the idle workers of this process: call it after committing an enqueued job so that
/// it starts at once instead of at the next poll.
pub fn wake() {
    WAKE.generation.fetch_add(1, Ordering::SeqCst);
    let waiting = std::mem::take(&mut *WAKE.waiting.lock().unwrap_or_else(|e| e.into_inner()));
    for w in waiting {
        w.wake();
    }
}

fn wake_generation() -> u64 {
    WAKE.generation.load(Ordering::SeqCst)
}

/// Resolves once the generation differs from `seen` (a [`wake`] happened since).
struct WokenSince {
    seen: u64,
}

impl Future for WokenSince {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if wake_generation() != self.seen {
            return Poll::Ready(());
        }
        {
            let mut waiting = WAKE.waiting.lock().unwrap_or_else(|e| e.into_inner());
            // A task polls with the same waker every time: keep one entry per task.
            if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
                waiting.push(cx.waker().clone());
            }
        }
        // A wake-up between the first check and the registration is seen here.
        if wake_generation() != self.seen {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub workers: usize,
    /// How long a claim lasts without renewal (renewed every third of it while running).
    pub lease: Duration,
    /// Pause between polls when the queue is empty.
    pub idle_poll: Duration,
    /// First retry delay; doubled per attempt.
    pub retry_base: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            workers: 2,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_millis(500),
            retry_base: Duration::from_secs(10),
        }
    }
}

/// Starts the workers on the current actix runtime; `process` names this process in leases.
/// They claim every job: one without a handler here fails for good ("no handler").
pub fn spawn_workers(
    pool: Pool,
    registry: Registry,
    config: WorkerConfig,
    process: &str,
) -> Vec<JoinHandle<()>> {
    spawn_pool(pool, registry, config, process, false)
}

/// Like [`spawn_workers`], but the workers claim only the jobs named in `registry` and leave
/// the others to processes that have handlers for them (the server's pool: several
/// processes, possibly of different versions, share one queue).
pub fn spawn_registered_workers(
    pool: Pool,
    registry: Registry,
    config: WorkerConfig,
    process: &str,
) -> Vec<JoinHandle<()>> {
    spawn_pool(pool, registry, config, process, true)
}

fn spawn_pool(
    pool: Pool,
    registry: Registry,
    config: WorkerConfig,
    process: &str,
    registered_only: bool,
) -> Vec<JoinHandle<()>> {
    (0..config.workers.max(1))
        .map(|i| {
            let worker = Worker {
                id: format!("{process}/{i}"),
                pool: pool.clone(),
                names: registered_only.then(|| registry.names()),
                registry: registry.clone(),
                config: config.clone(),
            };
            spawn(worker.run())
        })
        .collect()
}

struct Worker {
    id: String,
    pool: Pool,
    /// The job names this worker claims (those of the registry), or `None` for any.
    names: Option<Vec<String>>,
    registry: Registry,
    config: WorkerConfig,
}

impl Worker {
    async fn run(self) {
        loop {
            let seen = wake_generation();
            match self.claim().await {
                Ok(Some(job)) => self.execute(job).await,
                Ok(None) => {
                    let _ = timeout(self.config.idle_poll, WokenSince { seen }).await;
                }
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "cannot claim a job");
                    sleep(self.config.idle_poll * 4).await;
                }
            }
        }
    }

    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> diesel::QueryResult<T> + Send + 'static,
    ) -> Result<T, String> {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            f(&mut conn).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn claim(&self) -> Result<Option<Job>, String> {
        let (id, lease, names) = (self.id.clone(), self.config.lease, self.names.clone());
        self.db(move |conn| match &names {
            Some(names) => job::claim_named(conn, &id, lease, names),
            None => job::claim(conn, &id, lease),
        })
        .await
    }

    async fn execute(&self, job: Job) {
        let span =
            tracing::info_span!("job", id = job.id, name = %job.name, attempt = job.attempts);
        self.run_job(job).instrument(span).await
    }

    async fn run_job(&self, job: Job) {
        let renewer = self.keep_lease(job.id);
        let outcome = match self.registry.get(&job.name) {
            None => Err(JobError::permanent(format!(
                "no handler for jobs named {:?}",
                job.name
            ))),
            Some(handler) => {
                let pool = self.pool.clone();
                let running = job.clone();
                match web::block(move || {
                    let mut conn = pool
                        .get()
                        .map_err(|e| JobError::retry(format!("database: {e}")))?;
                    handler(&mut conn, &running)
                })
                .await
                {
                    Ok(result) => result,
                    Err(_) => Err(JobError::retry("the job handler panicked")),
                }
            }
        };
        renewer.abort();
        let (id, worker, base) = (job.id, self.id.clone(), self.config.retry_base);
        let recorded = match outcome {
            Ok(result) => {
                self.db(move |conn| job::complete(conn, id, &worker, result))
                    .await
            }
            Err(e) => {
                tracing::warn!(error = %e.message, permanent = e.permanent, "job failed");
                self.db(move |conn| job::fail(conn, id, &worker, &e.message, base, e.permanent))
                    .await
                    .map(|j| j.is_some())
            }
        };
        match recorded {
            Ok(true) => tracing::info!("job attempt recorded"),
            Ok(false) => tracing::warn!("the lease was lost: another worker took the job over"),
            Err(e) => tracing::error!(error = %e, "cannot record the job's outcome"),
        }
    }

    /// Renews the lease every third of its length until aborted.
    fn keep_lease(&self, id: i64) -> JoinHandle<()> {
        let (pool, worker, lease) = (self.pool.clone(), self.id.clone(), self.config.lease);
        spawn(async move {
            loop {
                sleep(lease / 3).await;
                let (pool, worker) = (pool.clone(), worker.clone());
                let renewed = web::block(move || {
                    let mut conn = pool.get().map_err(|e| e.to_string())?;
                    job::renew(&mut conn, id, &worker, lease).map_err(|e| e.to_string())
                })
                .await;
                match renewed {
                    Ok(Ok(true)) => {}
                    // Taken over by another worker: stop renewing.
                    Ok(Ok(false)) => break,
                    Ok(Err(e)) => tracing::warn!(error = %e, "lease renewal failed"),
                    Err(e) => tracing::warn!(error = %e, "lease renewal task failed"),
                }
            }
        })
    }
}
