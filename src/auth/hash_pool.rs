//! Password hashing on a few dedicated threads with a short bounded queue.
//!
//! Each argon2 hash works in 19 MiB of memory. Run on the request threads, parallel sign-in
//! attempts each took that much at once, and every thread's allocator arena kept it afterwards
//! (60 parallel attempts: 919 MB, 608 MB after idling). Here at most one hash per core runs at a
//! time, always on the same threads (so the memory is reused, about 19 MiB per thread), and a
//! request that finds the queue full is told the server is busy at once instead of waiting.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

/// The hashing threads are all busy and the queue is full: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is busy checking passwords")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send>;

/// Jobs that may wait per hashing thread: with about 30 ms a hash, a queued request waits at
/// most about a quarter of a second.
const QUEUE_PER_THREAD: usize = 8;
/// Never more hashing threads than this, however many cores.
const MAX_THREADS: usize = 8;

struct HashPool {
    jobs: SyncSender<Job>,
}

impl HashPool {
    fn new(threads: usize, queue_per_thread: usize) -> HashPool {
        let (jobs, queue) = mpsc::sync_channel::<Job>(threads * queue_per_thread);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&queue));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        HashPool { jobs }
    }

    fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let (done, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            // The caller may have gone; nothing to tell then.
            let _ = done.send(f());
        });
        match self.jobs.try_send(job) {
            Ok(()) => result.recv().map_err(|_| Busy),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while taking the next job, not while running it.
        let next = match queue.lock() {
            Ok(q) => q.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match next {
            // A job that panics must not take its thread with it (the caller sees Busy).
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, MAX_THREADS)
}

/// How many callers can be inside the pool at once (running or queued). Callers may hold a
/// database connection meanwhile, so the connection pool is sized above this.
pub fn capacity() -> usize {
    threads() * (QUEUE_PER_THREAD + 1)
}

/// Runs `f` on a hashing thread and waits for its result (call it from a blocking thread).
pub fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    static POOL: OnceLock<HashPool> = OnceLock::new();
    POOL.get_or_init(|| HashPool::new(threads(), QUEUE_PER_THREAD))
        .run(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_a_named_thread_and_refuses_when_full() {
        let name = run(|| std::thread::current().name().map(str::to_string)).unwrap();
        assert!(name.is_some_and(|n| n.starts_with("argon2-")));
        // A pool of its own, so the other tests' hashes are not refused meanwhile.
        let pool = Arc::new(HashPool::new(2, QUEUE_PER_THREAD));
        // Far more parallel callers than threads and queue: some are told Busy, none hang,
        // and every accepted one gets its own result.
        let callers: Vec<_> = (0..400)
            .map(|i| {
                let pool = Arc::clone(&pool);
                std::thread::spawn(move || {
                    pool.run(move || {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        i * 2
                    })
                    .map(|v| (i, v))
                })
            })
            .collect();
        let results: Vec<_> = callers.into_iter().map(|c| c.join().unwrap()).collect();
        let busy = results.iter().filter(|r| r.is_err()).count();
        assert!(busy > 0, "400 parallel callers overflow the queue");
        for (i, v) in results.into_iter().flatten() {
            assert_eq!(v, i * 2);
        }
    }
}
