//! The router, its layers, and serving until SIGINT or SIGTERM.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::any;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::services::ServeDir;

use crate::config::Config;
use crate::error::{ApiError, ServerError};
use crate::routes;
use crate::state::AppState;
use crate::versions::Versions;
use crate::{as_of, guard, watch};

/// All routes ([`routes::router`]) with their layers: tokens for reads (when the
/// settings ask), metrics, the `X-Citygrid-Version` header, gzip, CORS. Paths
/// no route takes are the web viewer's files (`Config::viewer_dir`), and a JSON
/// 404 beyond those.
pub fn router(state: AppState) -> Router {
    let cors = if state.config.cors_origins.iter().any(|o| o == "*") {
        CorsLayer::new().allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> = state
            .config
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect();
        CorsLayer::new().allow_origin(AllowOrigin::list(origins))
    }
    .allow_methods([Method::GET, Method::POST])
    .allow_headers(Any)
    .expose_headers([as_of::VERSION_HEADER]);
    routes::router()
        .fallback_service(
            ServeDir::new(&state.config.viewer_dir)
                .call_fallback_on_method_not_allowed(true)
                .fallback(any(not_found).with_state(state.clone())),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::readers,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .layer(middleware::from_fn_with_state(state.clone(), as_of::stamp))
        .layer(CompressionLayer::new().gzip(true))
        .layer(cors)
        .with_state(state)
}

async fn not_found(State(state): State<AppState>, request: Request) -> ApiError {
    let path = request.uri().path();
    if path == "/" || path == "/index.html" {
        return ApiError::NotFound(format!(
            "the web viewer is not built ({} has no index.html): run scripts/viewer.sh; the API is at /docs",
            state.config.viewer_dir.display()
        ));
    }
    ApiError::NotFound(format!(
        "no such endpoint: {} {path}; see /docs",
        request.method(),
    ))
}

/// Counts every request by route template and status, with its latency.
async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_string(), |m| m.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// Loads the store's head (or the partition), binds, follows the store, and serves
/// until SIGINT or SIGTERM, finishing the requests in flight.
///
/// # Errors
/// [`ServerError`] when there is nothing to serve, it cannot be loaded, or the
/// address cannot be bound.
pub async fn serve(config: Config) -> Result<(), ServerError> {
    let started = Instant::now();
    let versions = Arc::new(Versions::open(&config)?);
    let head = versions.head();
    tracing::info!(
        source = %head.city.source,
        version = head.version(),
        cells = head.city.cell_count(),
        index_bytes = head.city.index.memory_bytes(),
        load_ms = started.elapsed().as_millis() as u64,
        viewer = %config.viewer_dir.display(),
        "partition loaded, tiles and viewer prepared"
    );
    let warming = Arc::clone(&head.map.tiles);
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        warming.warm();
        tracing::info!(
            warm_ms = started.elapsed().as_millis() as u64,
            "tile zooms simplified"
        );
    });
    watch::spawn(&versions);
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    let state = AppState::new(versions, config)?;
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
