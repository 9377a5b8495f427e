//! Accepting connections and serving HTTP/1.1 on them with every limit a hostile
//! client meets outside the routes: a cap on open connections below the
//! open-file limit, hyper's header timeout (which also ends idle keep-alive
//! connections), a write timeout on the socket for clients that stop reading, a
//! bounded request head, and a graceful shutdown. The body's minimum rate is the
//! router's (`crate::body`).
//!
//! `axum::serve` gives hyper no timer, so hyper's header timeout never runs, and
//! it has no connection cap; this is the same loop (hyper-util's connection
//! builder and graceful-shutdown watcher around axum's `Router`) with them. Only
//! HTTP/1.1: hyper has no header timeout for HTTP/2, and browsers speak HTTP/2 only
//! over TLS, which a proxy in front terminates.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;

use crate::config::{Config, seconds};
use crate::metrics::{Metrics, Rejection};

/// The largest request head (request line and headers) hyper buffers. Its default
/// (about 400 KiB) times thousands of connections would be gigabytes.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Connections the kernel holds for `accept` (it caps this at
/// `net.core.somaxconn`). Rust's and mio's default, 128, is too few for the
/// clients that wait while the cap is reached, or for a burst the loop has not
/// caught up with: the rest would see their SYN dropped and retry after a second.
const BACKLOG: u32 = 4096;

/// File descriptors kept free of connections: the viewer's files, the store,
/// logs, the blocking pool. At least this many, or a tenth of the limit.
const RESERVED_FILES: u64 = 64;

/// A listener on `address` with a [`BACKLOG`]-deep accept queue.
///
/// # Errors
/// When the address cannot be bound (in use, not ours).
pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As std and mio do: rebinding after a restart does not wait out TIME_WAIT.
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}

/// `max_connections`, lowered to stay below the open-file limit with
/// [`RESERVED_FILES`] to spare.
#[must_use]
pub fn connection_cap(config: &Config) -> usize {
    let Some(files) = open_file_limit() else {
        return config.max_connections;
    };
    let room = files.saturating_sub(RESERVED_FILES.max(files / 10)).max(1);
    let cap = config
        .max_connections
        .min(usize::try_from(room).unwrap_or(usize::MAX));
    if cap < config.max_connections {
        tracing::warn!(
            max_connections = config.max_connections,
            open_file_limit = files,
            cap,
            "max_connections lowered below the open-file limit (raise it with ulimit -n or LimitNOFILE=)"
        );
    }
    cap
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and
/// waits up to `send_timeout_s` for the requests in flight.
///
/// At most `cap` connections are open at once (see [`connection_cap`]); beyond it
/// the listener waits for one to close before accepting, so new clients wait in
/// the kernel's backlog and `accept` never runs out of file descriptors.
///
/// # Errors
/// Never in practice: accept errors are counted, logged and retried.
pub async fn serve_on(
    listener: TcpListener,
    app: Router,
    config: &Config,
    cap: usize,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let send = seconds(config.send_timeout_s);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(seconds(config.header_timeout_s))
        .max_buf_size(MAX_HEAD_BYTES)
        .max_header_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let service = TowerToHyperService::new(app);
    let permits = Arc::new(Semaphore::new(cap.max(1)));
    metrics.connection_cap(cap.max(1));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                metrics.connections_waited();
                tokio::select! {
                    p = Arc::clone(&permits).acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    metrics.accept_error();
                    tracing::warn!(error = %e, "accept failed");
                    // EMFILE and the like last a while; do not spin on them.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small answers (single lookups) go out at once.
        let _ = stream.set_nodelay(true);
        // Writes only: a read is pending for as long as an answer takes, and the
        // header timeout and the body's rate already bound what a client sends.
        let mut stream = TimeoutStream::new(stream);
        stream.set_write_timeout(Some(send));
        let connection = graceful
            .watch(builder.serve_connection(TokioIo::new(Box::pin(stream)), service.clone()));
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            metrics.connection_opened();
            if let Err(e) = connection.await
                && let Some(why) = rejection(&e)
            {
                metrics.rejected(why);
            }
            metrics.connection_closed();
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(send, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            send_timeout_s = config.send_timeout_s,
            "connections still open at shutdown were closed"
        );
    }
    Ok(())
}

/// Why hyper ended a connection with an error: None when the service's own
/// answer ended it (the client went away after a response).
fn rejection(e: &hyper::Error) -> Option<Rejection> {
    let io_kind = std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<io::Error>())
        .map(io::Error::kind);
    Some(if e.is_timeout() {
        Rejection::HeaderTimeout
    } else if io_kind == Some(io::ErrorKind::TimedOut) {
        Rejection::SendTimeout
    } else if e.is_parse_too_large() {
        // hyper says which in its message only: "URI too long" or "message head
        // is too large".
        if e.to_string().contains("URI") {
            Rejection::UriTooLong
        } else {
            Rejection::HeadersTooLarge
        }
    } else if e.is_parse_version_h2() {
        Rejection::Http2
    } else if e.is_parse() {
        Rejection::Malformed
    } else if e.is_incomplete_message() {
        Rejection::Incomplete
    } else if io_kind.is_some() {
        Rejection::Io
    } else {
        return None;
    })
}
