//! What every handler sees: the versions served, the settings, the counters, who
//! may call, the batch queue and whether the server is fit to serve. Its own
//! module, so that route modules and the router that merges them both depend on it
//! and not on each other.

use std::sync::Arc;

use crate::auth::Auth;
use crate::config::{Config, seconds};
use crate::error::ServerError;
use crate::limits::{Gate, GateNames};
use crate::metrics::Metrics;
use crate::versions::Versions;

/// What every handler sees.
#[derive(Clone)]
pub struct AppState {
    /// The head snapshot and the versions before it. Handlers take a snapshot
    /// through the extractors of `crate::as_of`, once per request.
    pub versions: Arc<Versions>,
    /// Settings.
    pub config: Arc<Config>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Token verification.
    pub auth: Arc<Auth>,
    /// Batch lookups running and waiting (`batch_concurrency`, `batch_queue`).
    pub batches: Arc<Gate>,
    /// Why `citygrid check` rejects what is served, when it is served anyway
    /// (`--allow-invalid`): `/readyz` answers not ready with it.
    pub problem: Option<Arc<str>>,
}

impl AppState {
    /// The state of a server of `versions` with these settings: new counters and an
    /// empty batch queue.
    ///
    /// # Errors
    /// [`ServerError::Source`] when reads require a token but no store (which
    /// holds the tokens) is served.
    pub fn new(versions: Arc<Versions>, config: Config) -> Result<AppState, ServerError> {
        let store = versions.store().cloned();
        if config.read_requires_token && store.is_none() {
            return Err(ServerError::Source(
                "read_requires_token needs a store: tokens are kept in it (serve --store)".into(),
            ));
        }
        let batches = Gate::new(
            GateNames {
                what: "batch lookups",
                concurrency: "batch_concurrency",
                queue: "batch_queue",
            },
            config.batch_concurrency,
            config.batch_queue,
            seconds(config.queue_timeout_s),
        );
        Ok(AppState {
            auth: Arc::new(Auth::new(store, config.read_requires_token)),
            versions,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            batches: Arc::new(batches),
            problem: None,
        })
    }

    /// The same state, serving something `citygrid check` rejects (`--allow-invalid`).
    #[must_use]
    pub fn with_problem(mut self, problem: Option<String>) -> Self {
        self.problem = problem.map(Arc::from);
        self
    }
}
