//! The token checks requests meet: the [`Caller`] extractor (and `Option<Caller>`)
//! that handlers take, and [`readers`], which asks every `/v1/` request for a token
//! when the settings say reads need one. Apart from `crate::auth` so that the state
//! can hold the verifier without the verifier knowing the state.

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use citygrid_store::Role;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state.auth.caller(parts).await?.ok_or_else(|| {
            ApiError::Unauthorized(
                "this needs a token: send Authorization: Bearer TOKEN (citygrid token create)"
                    .into(),
            )
        })
    }
}

impl OptionalFromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        state.auth.caller(parts).await
    }
}

/// With `read_requires_token`, refuses every `/v1/` request without a valid token
/// (any role may read). Health, metrics, `/docs`, `/openapi.json` and the viewer's
/// files stay open: probes and people finding out how to sign in need them.
pub async fn readers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.auth.reads_need_token || !request.uri().path().starts_with("/v1/") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    match <Caller as FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await {
        Ok(caller) => match caller.require(Role::Viewer) {
            Ok(()) => next.run(Request::from_parts(parts, body)).await,
            Err(e) => e.into_response(),
        },
        Err(e) => e.into_response(),
    }
}
