//! Concurrency limits for the expensive work (batch lookups, tile renders): a few
//! at once, a bounded queue behind them, and a 503 with `Retry-After` beyond it, so
//! a burst cannot take the memory or the cores that health checks and single
//! lookups need.
//!
//! tower's `ConcurrencyLimit` + `LoadShed` shed the moment every permit is taken
//! (no queue), and they limit a whole route: a tile served from the cache must not
//! wait behind renders. A tokio semaphore (first come, first served) with a count
//! of waiters does both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// Seconds a shed client is told to wait (`Retry-After`).
pub const RETRY_AFTER_S: u32 = 1;

/// What a gate holds back, and the settings that size it, for messages.
#[derive(Debug, Clone, Copy)]
pub struct GateNames {
    /// The work, in the plural: "batch lookups".
    pub what: &'static str,
    /// The setting for how many at once.
    pub concurrency: &'static str,
    /// The setting for how many may wait.
    pub queue: &'static str,
}

/// At most `concurrency` at once, at most `queue` waiting, each for at most
/// `timeout`.
#[derive(Debug)]
pub struct Gate {
    names: GateNames,
    permits: Arc<Semaphore>,
    concurrency: usize,
    queue: usize,
    timeout: Duration,
    waiting: AtomicUsize,
    shed: AtomicU64,
}

/// What a gate is doing, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateStats {
    /// Holding a permit.
    pub running: usize,
    /// Waiting for one.
    pub waiting: usize,
    /// Answered 503 since start.
    pub shed: u64,
}

/// Leaves the queue when the wait ends, also when the client goes away and the
/// waiting future is dropped.
struct InQueue<'a>(&'a AtomicUsize);

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    /// A gate with `concurrency` permits (at least one).
    #[must_use]
    pub fn new(names: GateNames, concurrency: usize, queue: usize, timeout: Duration) -> Gate {
        let concurrency = concurrency.max(1);
        Gate {
            names,
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            queue,
            timeout,
            waiting: AtomicUsize::new(0),
            shed: AtomicU64::new(0),
        }
    }

    /// A permit, at once or after waiting in the queue; dropping it lets the next
    /// one in.
    ///
    /// # Errors
    /// [`ApiError::Overloaded`] when the queue is full or the wait ran out.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return Ok(permit);
        }
        let n = self.names;
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(self.shed(format!(
                "{}: {} running ({} = {}) and {} waiting ({} = {}); retry after {RETRY_AFTER_S} s",
                n.what,
                self.concurrency,
                n.concurrency,
                self.concurrency,
                self.queue,
                n.queue,
                self.queue
            )));
        }
        let _in_queue = InQueue(&self.waiting);
        match tokio::time::timeout(self.timeout, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(ApiError::Internal(format!("{}: {closed}", n.what))),
            Err(_) => Err(self.shed(format!(
                "{}: waited queue_timeout_s = {} s for one of {} = {}; retry after {RETRY_AFTER_S} s",
                n.what,
                self.timeout.as_secs_f64(),
                n.concurrency,
                self.concurrency
            ))),
        }
    }

    fn shed(&self, message: String) -> ApiError {
        self.shed.fetch_add(1, Ordering::Relaxed);
        ApiError::Overloaded {
            message,
            retry_after_s: RETRY_AFTER_S,
        }
    }

    /// Running, waiting, shed.
    #[must_use]
    pub fn stats(&self) -> GateStats {
        GateStats {
            running: self.concurrency - self.permits.available_permits(),
            waiting: self.waiting.load(Ordering::Acquire),
            shed: self.shed.load(Ordering::Relaxed),
        }
    }

    /// The names it reports under.
    #[must_use]
    pub fn names(&self) -> GateNames {
        self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: GateNames = GateNames {
        what: "tests",
        concurrency: "test_concurrency",
        queue: "test_queue",
    };

    #[tokio::test]
    async fn one_runs_one_waits_the_third_is_shed_and_the_waiter_gets_in() {
        let gate = Arc::new(Gate::new(NAMES, 1, 1, Duration::from_secs(5)));
        let first = gate.enter().await.unwrap();
        let waiter = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.enter().await.map(drop) })
        };
        while gate.stats().waiting == 0 {
            tokio::task::yield_now().await;
        }
        let shed = gate.enter().await.unwrap_err();
        assert!(
            shed.to_string().starts_with(
                "tests: 1 running (test_concurrency = 1) and 1 waiting (test_queue = 1)"
            ),
            "{shed}"
        );
        drop(first);
        waiter.await.unwrap().unwrap();
        assert_eq!(
            gate.stats(),
            GateStats {
                running: 0,
                waiting: 0,
                shed: 1
            }
        );
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_is_shed() {
        let gate = Gate::new(NAMES, 1, 5, Duration::from_millis(20));
        let _held = gate.enter().await.unwrap();
        let e = gate.enter().await.unwrap_err();
        assert!(
            e.to_string().contains("waited queue_timeout_s = 0.02 s"),
            "{e}"
        );
        assert_eq!(gate.stats().waiting, 0);
    }
}
