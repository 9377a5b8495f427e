//! Errors: [`ApiError`] answers a request in JSON; [`ServerError`] stops a start.

use std::path::PathBuf;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use citygrid_store::StoreError;

/// A request the server cannot answer as asked. 4xx variants explain the caller's
/// mistake, naming the field, the value (shortened by [`shorten`]) and the limit;
/// 503 says when to come back; the 500 one sends a generic message and is logged.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Malformed or out-of-range input, a truncated or badly chunked body (400).
    #[error("{0}")]
    BadRequest(String),
    /// Nothing at that code or place (404).
    #[error("{0}")]
    NotFound(String),
    /// The resource exists but not for this method (405, with `Allow`).
    #[error("{message}")]
    MethodNotAllowed {
        /// What was asked and what is allowed.
        message: String,
        /// The `Allow` header: the methods the resource answers.
        allow: String,
    },
    /// A body that arrived too slowly (408).
    #[error("{0}")]
    Timeout(String),
    /// A body or batch over a size limit (413), and only that.
    #[error("{0}")]
    TooLarge(String),
    /// No token, or one the store does not know (or has revoked) (401, with
    /// `WWW-Authenticate`).
    #[error("{0}")]
    Unauthorized(String),
    /// A token whose role or district does not allow what was asked (403).
    #[error("{0}")]
    Forbidden(String),
    /// An edit that cannot be made, or whose result would break the partition
    /// (422): the checker's located problems (the objects of `citygrid check`'s
    /// JSON).
    #[error("{message}")]
    InvalidEdit {
        /// What is wrong, in a sentence.
        message: String,
        /// Every problem found, located.
        problems: Vec<serde_json::Value>,
    },
    /// Units the edit touches changed after its base version (409).
    #[error("{message}")]
    Conflict {
        /// What happened, in a sentence.
        message: String,
        /// The version now served.
        head: u64,
        /// The units that changed since the edit's base.
        changed_since: Vec<String>,
    },
    /// Too much work already queued: come back after `retry_after_s` (503, with
    /// `Retry-After`).
    #[error("{message}")]
    Overloaded {
        /// What is full, with its limits.
        message: String,
        /// Seconds the client should wait before trying again.
        retry_after_s: u32,
    },
    /// Something registered that cannot be served now (a raster layer whose file is
    /// gone): 503 with kind `unavailable`, not retried by waiting alone.
    #[error("{0}")]
    Unavailable(String),
    /// The store cannot be reached (a database restart, a dropped network): what
    /// needs it waits, while reads of what is in memory go on. 503 with kind
    /// `store_unreachable` and `Retry-After`.
    #[error(
        "{0}; what is in memory is still served; try again in a few seconds (an edit that \
         met a dropped connection may have been committed: retried on the same \
         base_version it answers 409 if so)"
    )]
    StoreUnreachable(String),
    /// A failure on our side (500).
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::InvalidEdit { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Overloaded { .. }
            | ApiError::Unavailable(_)
            | ApiError::StoreUnreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A store's error as the API gives it: a missing version is the caller's 404
/// (without the store's path), a store out of reach or busy is 503 (try again),
/// anything else is ours.
#[must_use]
pub fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound { version, head, .. } => ApiError::NotFound(format!(
            "version {version} does not exist (the head is version {head})"
        )),
        StoreError::Unreachable { .. } => ApiError::StoreUnreachable(e.to_string()),
        StoreError::Busy { .. } | StoreError::Saturated { .. } => ApiError::Overloaded {
            message: e.to_string(),
            retry_after_s: 1,
        },
        other => ApiError::Internal(other.to_string()),
    }
}

/// Seconds a client should wait before asking again of an unreachable store: a
/// database restart takes a few.
pub const STORE_RETRY_AFTER_S: u32 = 2;

/// The `kind` of an error answer with this status.
fn kind(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        409 => "conflict",
        413 => "too_large",
        422 => "invalid_edit",
        503 => "overloaded",
        500..=599 => "internal",
        _ => "client_error",
    }
}

/// `{"error": {"status", "kind", "message"}}`, the one shape of every error answer.
fn error_body(status: StatusCode, message: &str) -> Response {
    let body =
        json!({"error": {"status": status.as_u16(), "kind": kind(status), "message": message}});
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let status = self.status();
        let kind = match self {
            ApiError::Unavailable(_) => "unavailable",
            ApiError::StoreUnreachable(_) => "store_unreachable",
            _ => kind(status),
        };
        let mut body = json!({"error": {"status": status.as_u16(), "kind": kind, "message": self.to_string()}});
        match &self {
            ApiError::InvalidEdit { problems, .. } => body["error"]["problems"] = json!(problems),
            ApiError::Conflict {
                head,
                changed_since,
                ..
            } => {
                body["error"]["head"] = json!(head);
                body["error"]["changed_since"] = json!(changed_since);
            }
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        let extra = match &self {
            ApiError::MethodNotAllowed { allow, .. } => HeaderValue::from_str(allow)
                .ok()
                .map(|v| (header::ALLOW, v)),
            ApiError::Overloaded { retry_after_s, .. } => {
                Some((header::RETRY_AFTER, HeaderValue::from(*retry_after_s)))
            }
            ApiError::StoreUnreachable(_) => {
                Some((header::RETRY_AFTER, HeaderValue::from(STORE_RETRY_AFTER_S)))
            }
            // RFC 6750 section 3: how to authenticate.
            ApiError::Unauthorized(_) => Some((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"citygrid\""),
            )),
            _ => None,
        };
        if let Some((name, value)) = extra {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// Bytes of an error answer made elsewhere (axum's extractors, tower-http) that
/// are read to turn it into JSON; theirs are a line or two.
const FOREIGN_ERROR_BYTES: usize = 4096;

/// Middleware: every error answer in the JSON shape, also those axum and
/// tower-http make themselves (a query string that is not `key=value` pairs, a
/// method a route does not answer: 405 with its `Allow`), keeping their status and
/// headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = parts
            .headers
            .get(header::ALLOW)
            .and_then(|a| a.to_str().ok())
            .unwrap_or("");
        format!(
            "method {method} is not allowed on {}; it answers {allow}",
            shorten(uri.path())
        )
    } else {
        let text = axum::body::to_bytes(body, FOREIGN_ERROR_BYTES)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        match text.trim() {
            "" => status.canonical_reason().unwrap_or("error").to_string(),
            t => t.to_string(),
        }
    };
    let mut answer = error_body(status, &message);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

/// Characters of a client's value quoted in a message; longer values are cut.
const QUOTED_CHARS: usize = 40;

/// A client's value as a message quotes it: in quotes, escaped, and cut to
/// [`QUOTED_CHARS`] characters with the full length said, so a 300-digit number
/// or a megabyte of query string is not echoed back.
#[must_use]
pub fn shorten(value: &str) -> String {
    let n = value.chars().count();
    if n <= QUOTED_CHARS {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(QUOTED_CHARS - 8).collect();
    format!("{:?} ({n} characters)", format!("{head}..."))
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The settings name no store and no partition, or both.
    #[error("{0}")]
    Source(String),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] citygrid_store::StoreError),
    /// The configuration file is unusable.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// There is no partition file.
    #[error(
        "no partition at {path}: pass --partition FILE, a GeoJSON of cells and the units above them"
    )]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The partition could not be read.
    #[error(transparent)]
    Read(#[from] citygrid_io::IoError),
    /// The partition is not a consistent hierarchy.
    #[error("{path}: {source}; run `citygrid check` on it")]
    Partition {
        /// The file.
        path: PathBuf,
        /// What the model refused.
        source: citygrid_model::ModelError,
    },
    /// The partition cannot be cut into tiles.
    #[error(transparent)]
    Tiles(#[from] citygrid_tiles::TileError),
    /// The partition was read but cannot be indexed, tiled or coloured.
    #[error("{path}: {source}")]
    Unservable {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: Box<ServerError>,
    },
    /// The cells could not be coloured for the viewer.
    #[error("colouring the cells for the viewer: {0}; run `citygrid check` on the partition")]
    Colours(citygrid_model::ModelError),
    /// A cell could not be indexed.
    #[error(transparent)]
    Index(#[from] citygrid_index::IndexError),
    /// The address could not be bound.
    #[error(
        "cannot listen on {address}: {source}; is another server on it? choose another with --bind"
    )]
    Bind {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// A setting has a value that cannot work.
    #[error("{key} = {value}: {rule}")]
    Setting {
        /// The setting's name, as in the TOML file.
        key: &'static str,
        /// Its value.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A client's JSON value as a message quotes it: a string as [`shorten`] does,
/// anything else as its JSON text, cut the same way.
#[must_use]
pub fn shorten_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => shorten(s),
        other => {
            let text = other.to_string();
            let n = text.chars().count();
            if n <= QUOTED_CHARS {
                return text;
            }
            let head: String = text.chars().take(QUOTED_CHARS - 8).collect();
            format!("{head}... ({n} characters)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_short_ones_quoted_whole() {
        assert_eq!(shorten("1e308"), "\"1e308\"");
        let long = "9".repeat(309);
        assert_eq!(
            shorten(&long),
            format!("\"{}...\" (309 characters)", "9".repeat(32))
        );
        assert_eq!(shorten("a\"b"), "\"a\\\"b\"");
        assert_eq!(shorten_json(&json!(5)), "5");
        assert_eq!(shorten_json(&json!("x")), "\"x\"");
        assert!(shorten_json(&json!(vec![0; 100])).ends_with("... (201 characters)"));
    }
}
