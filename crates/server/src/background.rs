//! Work that may wait: drawing a new version's map and rebuilding a patched index,
//! on one thread of its own at the lowest CPU priority.
//!
//! A new version's lookups are served at once (`Versions::refresh`); its map (a
//! tiler, every zoom simplified: most of a second of CPU for Guiyang) and, after
//! many edits, a whole index can follow later. Run at the priority of the request
//! workers, that work took a third of the lookups' throughput under a stream of
//! edits (`benches/edits_load.sh`). At nice 19 the scheduler gives it only the CPU
//! the requests leave, so under load the map lags instead of the lookups; when the
//! machine is idle it runs at full speed, on one core. The tiler spreads its work
//! over rayon's threads, so background work runs inside a rayon pool of its own,
//! of one lowered thread (the global pool's serve requests at normal priority).
//! Jobs run one at a time, so two versions' maps are never drawn at once.

use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::error::ApiError;

/// The nice value of the background threads: the lowest priority.
const NICE: i32 = 19;

/// Threads of the background pool: one, so that background work never holds more
/// than one core, whatever the machine; it is work that may wait.
const THREADS: usize = 1;

type Job = Box<dyn FnOnce() + Send>;

/// The background thread, taking jobs in order.
pub struct Background {
    jobs: mpsc::Sender<Job>,
}

impl Background {
    /// Starts the thread. It ends when the `Background` is dropped.
    ///
    /// # Panics
    /// When the operating system cannot start a thread.
    #[must_use]
    pub fn start() -> Background {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(THREADS)
            .thread_name(|i| format!("citygrid-bg-{i}"))
            .start_handler(|_| lower())
            .build()
            .expect("threads for background work");
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("citygrid-background".into())
            .spawn(move || {
                lower();
                for job in queue {
                    // A job that panics answers its caller with an error (its
                    // sender is dropped); the thread goes on with the next.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        pool.install(job);
                    }));
                }
            })
            .expect("a thread for background work");
        Background { jobs }
    }

    /// Runs `work` on the background thread, after the jobs before it.
    ///
    /// # Errors
    /// What `work` fails with; [`ApiError::Internal`] when it panicked.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::Internal("the background thread has ended".into()))?;
        result
            .await
            .map_err(|_| ApiError::Internal("background work failed".into()))?
    }
}

/// Lowers the calling thread's priority to [`NICE`] (Linux keeps a nice value per
/// thread, so this thread only).
fn lower() {
    if let Err(e) = rustix::process::nice(NICE) {
        tracing::warn!(error = %e, "cannot lower a background thread's priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_in_order_on_a_thread_of_the_lowest_priority() {
        let ours = rustix::process::nice(0).ok();
        let background = Background::start();
        let nice = background
            .run(|| Ok(rustix::process::nice(0).ok()))
            .await
            .unwrap();
        assert_eq!(nice, Some(NICE));
        // Parallel work inside a job runs on lowered threads too.
        let nices: Vec<Option<i32>> = background
            .run(|| {
                use rayon::prelude::*;
                Ok((0..64)
                    .into_par_iter()
                    .map(|_| rustix::process::nice(0).ok())
                    .collect())
            })
            .await
            .unwrap();
        assert!(nices.iter().all(|&n| n == Some(NICE)), "{nices:?}");
        let (a, b) = tokio::join!(background.run(|| Ok(1)), background.run(|| Ok(2)));
        assert_eq!((a.unwrap(), b.unwrap()), (1, 2));
        // Our own threads keep their priority.
        assert_eq!(rustix::process::nice(0).ok(), ours);
        // A job that panics is an error, and the thread goes on.
        let failed = background
            .run(|| -> Result<(), ApiError> { panic!("a bug") })
            .await;
        assert!(failed.is_err());
        assert_eq!(background.run(|| Ok(3)).await.unwrap(), 3);
    }
}
