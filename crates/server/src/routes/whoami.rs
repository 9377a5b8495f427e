//! `GET /v1/whoami`: what a token may do, so that a client (the web viewer's sign-in)
//! shows its user's name, role and district before offering any editing.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::state::AppState;

/// `GET /v1/whoami`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/whoami", get(whoami))
}

/// `{"name", "role", "district"}` of the request's token (401 without a valid one).
pub async fn whoami(caller: Caller) -> Json<Value> {
    Json(json!({
        "name": caller.name,
        "role": caller.role.as_str(),
        "district": caller.district.as_ref().map(ToString::to_string),
    }))
}
