//! What every handler sees: the versions served, the settings, the counters and
//! who may call. Its own module, so that route modules and the router that merges
//! them both depend on it and not on each other.

use std::sync::Arc;

use crate::auth::Auth;
use crate::config::Config;
use crate::error::ServerError;
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
}

impl AppState {
    /// The state of a server of `versions` with these settings.
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
        Ok(AppState {
            auth: Arc::new(Auth::new(store, config.read_requires_token)),
            versions,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        })
    }
}
