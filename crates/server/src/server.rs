//! The router, its layers, and serving until SIGINT or SIGTERM.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::services::ServeDir;

use crate::body::{BodyRate, TimedBody};
use crate::config::Config;
use crate::error::{ApiError, ServerError, json_errors, shorten};
use crate::listener::{self, connection_cap};
use crate::metrics::{NO_ROUTE, RouteLabel, VIEWER_FILES};
use crate::routes;
use crate::starting::{self, Progress};
use crate::state::AppState;
use crate::versions::Versions;
use crate::{as_of, guard, watch};
use citygrid_store::StoreError;

/// All routes ([`routes::router`]) with their layers: every error in JSON, tokens
/// for reads (when the settings ask), metrics, the minimum body rate, the
/// `X-Citygrid-Version` header, CORS, gzip. Paths no route takes are the web
/// viewer's files (`Config::viewer_dir`), and a JSON 404 beyond those.
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
    let app = routes::router()
        .fallback_service(
            // the viewer's build writes a .gz beside each text file
            ServeDir::new(&state.config.viewer_dir)
                .precompressed_gzip()
                .call_fallback_on_method_not_allowed(true)
                .fallback(any(no_route).with_state(state.clone())),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::readers,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .layer(middleware::from_fn_with_state(state.clone(), time_body))
        .layer(middleware::from_fn_with_state(state.clone(), as_of::stamp))
        .with_state(state);
    // Around the whole app, not route by route: a route's 405 gets its Allow
    // header from axum after the route's own layers have run.
    Router::new()
        .fallback_service(app)
        .layer(middleware::from_fn(json_errors))
        // The fastest level: gzip at the default level was the costliest work per
        // byte of a batch answer (on the async workers, as it streams), for a few
        // percent less size. Tiles are gzipped once, at their best, in the cache.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .quality(CompressionLevel::Fastest),
        )
        .layer(cors)
}

/// What no route and no file of the viewer answers: 405 for a method other than
/// GET and HEAD on a viewer file (`/` included), else 404.
async fn no_route(State(state): State<AppState>, request: Request) -> Response {
    let (method, path) = (request.method(), request.uri().path());
    let (error, label) = if method != Method::GET
        && method != Method::HEAD
        && viewer_has(&state, request.uri()).await
    {
        let message = format!(
            "method {method} is not allowed on {}: the web viewer's files answer GET and HEAD",
            shorten(path)
        );
        let allow = "GET, HEAD".into();
        (ApiError::MethodNotAllowed { message, allow }, VIEWER_FILES)
    } else if (path == "/" || path == "/index.html")
        && !state.config.viewer_dir.join("index.html").is_file()
    {
        let message = format!(
            "the web viewer is not built ({} has no index.html): run scripts/viewer.sh; the API is at /docs",
            state.config.viewer_dir.display()
        );
        (ApiError::NotFound(message), NO_ROUTE)
    } else {
        let message = format!("no such endpoint: {method} {}; see /docs", shorten(path));
        (ApiError::NotFound(message), NO_ROUTE)
    };
    let mut response = error.into_response();
    response.extensions_mut().insert(RouteLabel(label));
    response
}

/// Whether the viewer's files answer a GET of `uri` (asked as a HEAD).
async fn viewer_has(state: &AppState, uri: &Uri) -> bool {
    let Ok(head) = Request::builder()
        .method(Method::HEAD)
        .uri(uri.clone())
        .body(Body::empty())
    else {
        return false;
    };
    ServeDir::new(&state.config.viewer_dir)
        .try_call(head)
        .await
        .is_ok_and(|r| r.status().is_success() || r.status().is_redirection())
}

/// Counts every request by route template (the viewer's files and unrouted paths
/// under their own labels), method and status, with its latency.
async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let label = match &route {
        Some(m) => m.as_str(),
        None => response
            .extensions()
            .get::<RouteLabel>()
            .map_or(VIEWER_FILES, |l| l.0),
    };
    state.metrics.request(
        label,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Puts every request body under the minimum rate (`body_timeout_s`,
/// `min_body_rate`, `body_timeout_max_s`).
async fn time_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let rule = BodyRate::from_config(&state.config);
    next.run(request.map(|b| Body::new(TimedBody::new(b, rule))))
        .await
}

/// Checks the settings, binds, loads the store's head (or the partition) while
/// answering that it is starting (`crate::starting`), follows the store, and
/// serves until SIGINT or SIGTERM, finishing the requests in flight.
/// `problem` is why `citygrid check` rejects the partition when it is served anyway
/// (`/readyz` then says so).
///
/// # Errors
/// [`ServerError`] when a setting is wrong, there is nothing to serve, it cannot be
/// loaded, or the address cannot be bound.
pub async fn serve(config: Config, problem: Option<String>) -> Result<(), ServerError> {
    config.check()?;
    let started = Instant::now();
    let listener = listener::bind(config.bind).map_err(|source| ServerError::Bind {
        address: config.bind,
        source,
    })?;
    tracing::info!(address = %listener.local_addr()?, "listening; loading");
    let progress = Progress::default();
    let (loaded, when_loaded) = tokio::sync::oneshot::channel::<()>();
    let starting = starting::answer_while(&listener, progress.clone(), async {
        let _ = when_loaded.await;
    })?;
    let opened = tokio::select! {
        opened = open(&config, &progress) => opened,
        () = shutdown() => return Ok(()),
    };
    let _ = loaded.send(());
    let _ = starting.await;
    let versions = Arc::new(opened.map_err(|e| match e {
        ServerError::Tiles(_) | ServerError::Colours(_) | ServerError::Index(_) => {
            ServerError::Unservable {
                path: config.partition.clone().unwrap_or_default(),
                source: Box::new(e),
            }
        }
        other => other,
    })?);
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
    if let Some(p) = &problem {
        tracing::warn!(problem = %p, "serving a partition citygrid check rejects (--allow-invalid); /readyz says not ready");
    }
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
    let state = AppState::new(versions, config)?.with_problem(problem);
    serve_on(listener, state, shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Loads what `config` names, off the async workers (a store's client may run a
/// runtime of its own, which cannot start on one of ours). A store out of reach
/// is asked again, with backoff, until it answers: a server started before its
/// database waits for it, saying so in `/readyz`.
async fn open(config: &Config, progress: &Progress) -> Result<Versions, ServerError> {
    let mut pause = starting::RETRY_MIN;
    loop {
        progress.set(match (&config.store, &config.partition) {
            (Some(store), _) => format!("loading the head of {}", citygrid_store::shown(store)),
            (None, Some(path)) => format!("loading {}", path.display()),
            (None, None) => "loading".into(),
        });
        let opening = config.clone();
        let opened = tokio::task::spawn_blocking(move || Versions::open(&opening))
            .await
            .map_err(|e| ServerError::Source(format!("loading the store failed: {e}")))?;
        match opened {
            Err(ServerError::Store(e @ StoreError::Unreachable { .. })) => {
                tracing::warn!(error = %e, retry_s = pause.as_secs_f64(), "the store cannot be reached; waiting for it");
                progress.set(format!("waiting for the store: {e}"));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(starting::RETRY_MAX);
            }
            other => return other,
        }
    }
}

/// Serves `state` on `listener` with every limit of its settings (see
/// [`crate::listener`]) until `shutdown` resolves.
///
/// # Errors
/// Never in practice: accept errors are counted, logged and retried.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let cap = connection_cap(&state.config);
    let metrics = Arc::clone(&state.metrics);
    let config = Arc::clone(&state.config);
    listener::serve_on(listener, router(state), &config, cap, metrics, shutdown).await
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
