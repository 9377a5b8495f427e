//! Errors: [`ApiError`] answers a request in JSON; [`ServerError`] stops a start.

use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A request the server cannot answer as asked. 4xx variants explain the caller's
/// mistake; the 5xx one sends a generic message and is logged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Malformed or out-of-range input.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing at that code or place.
    #[error("{0}")]
    NotFound(String),
    /// A body or batch over the limit.
    #[error("{0}")]
    TooLarge(String),
    /// No token, or one the store does not know (or has revoked).
    #[error("{0}")]
    Unauthorized(String),
    /// A token whose role or district does not allow what was asked.
    #[error("{0}")]
    Forbidden(String),
    /// An edit that cannot be made, or whose result would break the partition:
    /// the checker's located problems (the objects of `citygrid check`'s JSON).
    #[error("{message}")]
    InvalidEdit {
        /// What is wrong, in a sentence.
        message: String,
        /// Every problem found, located.
        problems: Vec<serde_json::Value>,
    },
    /// Units the edit touches changed after its base version.
    #[error("{message}")]
    Conflict {
        /// What happened, in a sentence.
        message: String,
        /// The version now served.
        head: u64,
        /// The units that changed since the edit's base.
        changed_since: Vec<String>,
    },
    /// Busy for now (the store is locked by another writer): try again shortly.
    #[error("{0}")]
    Unavailable(String),
    /// A failure on our side.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::InvalidEdit { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::NotFound(_) => "not_found",
            ApiError::TooLarge(_) => "too_large",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::InvalidEdit { .. } => "invalid_edit",
            ApiError::Conflict { .. } => "conflict",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let status = self.status();
        let mut body = json!({"error": {"status": status.as_u16(), "kind": self.kind(), "message": self.to_string()}});
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
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 section 3: how to authenticate.
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"citygrid\""),
            );
        }
        response
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
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
    /// The settings name no store and no partition, or both.
    #[error("{0}")]
    Source(String),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] citygrid_store::StoreError),
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
    /// The cells could not be coloured for the viewer.
    #[error("colouring the cells for the viewer: {0}; run `citygrid check` on the partition")]
    Colours(citygrid_model::ModelError),
    /// A cell could not be indexed.
    #[error(transparent)]
    Index(#[from] citygrid_index::IndexError),
    /// The address could not be bound, or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
