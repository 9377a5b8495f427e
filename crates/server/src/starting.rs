//! What a server answers while it loads its first version: `/healthz` 200 (the
//! process is alive), `/readyz` 503 saying what it waits for, the viewer's page a
//! short page that says so and reloads itself, anything else 503 with
//! `Retry-After`. It listens from the start, so orchestrators see a starting
//! server rather than a refused connection, and a server whose database is not up
//! yet (started before it, or restarting) waits for it instead of exiting.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;

use crate::error::STORE_RETRY_AFTER_S;
use crate::routes::ogc::format::escape;

/// What the server is doing, as `/readyz` says it.
#[derive(Clone, Default)]
pub struct Progress(Arc<Mutex<String>>);

impl Progress {
    /// Says what the server is doing now.
    pub fn set(&self, doing: impl Into<String>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = doing.into();
    }

    fn get(&self) -> String {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The first pause before the store is asked again, doubled up to [`RETRY_MAX`].
pub const RETRY_MIN: Duration = Duration::from_millis(500);
/// The longest pause between attempts to reach the store at start.
pub const RETRY_MAX: Duration = Duration::from_secs(5);

/// Answers on a second handle of `listener` until `loaded` resolves, then finishes
/// the requests in flight; the listener itself stays open for the full server, so
/// no connection is refused in between.
///
/// # Errors
/// When the listener cannot be shared.
pub fn answer_while(
    listener: &TcpListener,
    progress: Progress,
    loaded: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let shared = TcpListener::from_std(share(listener)?)?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/", get(page))
        .route("/index.html", get(page))
        .fallback(starting)
        .with_state(progress);
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(shared, app)
            .with_graceful_shutdown(loaded)
            .await
        {
            tracing::warn!(error = %e, "answering while starting");
        }
    }))
}

/// A second file descriptor of the same socket.
fn share(listener: &TcpListener) -> std::io::Result<std::net::TcpListener> {
    let fd = rustix::io::dup(listener)?;
    let shared = std::net::TcpListener::from(fd);
    shared.set_nonblocking(true)?;
    Ok(shared)
}

async fn healthz(State(progress): State<Progress>) -> Json<serde_json::Value> {
    Json(json!({"status": "starting", "doing": progress.get()}))
}

async fn readyz(State(progress): State<Progress>) -> Response {
    let body = json!({"status": "starting", "reason": progress.get()});
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// Seconds between reloads of the page a browser gets while the server starts.
const PAGE_RELOAD_S: u32 = 2;

/// The viewer's address while the server starts: a page that says what it waits
/// for and reloads itself, so that a map opened early appears by itself.
async fn page(State(progress): State<Progress>) -> Response {
    let doing = escape(&progress.get());
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{PAGE_RELOAD_S}\"><title>citygrid is starting</title></head>\
         <body><h1>citygrid is starting</h1><p>{doing}.</p>\
         <p>This page reloads itself every {PAGE_RELOAD_S} s until the map is ready.</p></body></html>"
    );
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(PAGE_RELOAD_S));
    response
}

async fn starting(State(progress): State<Progress>) -> Response {
    let message = format!(
        "the server is starting ({}); try again in a few seconds",
        progress.get()
    );
    let body = json!({"error": {"status": 503, "kind": "starting", "message": message}});
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(STORE_RETRY_AFTER_S));
    response
}
