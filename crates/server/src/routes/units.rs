//! `GET /v1/units/{code}`: a unit of any level with its parents and children, of
//! the head or of `version=N` / `at=TIME`.

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use serde_json::{Value, json};

use citygrid_model::UnitId;
use citygrid_model::measure::area_m2;

use crate::as_of::AsOf;
use crate::city::attributes_json;
use crate::error::ApiError;
use crate::routes::params::code_param;
use crate::state::AppState;

/// `GET /v1/units/{code}`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/units/{code}", get(one))
}

/// Answers with code, name, level, attributes, area, ancestors (nearest first),
/// children and the version.
pub async fn one(AsOf(city): AsOf, Path(code): Path<String>) -> Result<Json<Value>, ApiError> {
    let code = code_param(&code)?;
    let p = &city.partition;
    let id = p.id_of(&code).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no unit with code {code} in version {}",
            p.version()
        ))
    })?;
    let brief = |id: UnitId| {
        let u = p.unit(id);
        json!({"level": u.level.as_str(), "code": u.code.as_str(), "name": u.name})
    };
    let u = p.unit(id);
    Ok(Json(json!({
        "code": u.code.as_str(),
        "name": u.name,
        "level": u.level.as_str(),
        "attributes": attributes_json(&u.attributes),
        "area_m2": (area_m2(&u.geometry) * 10.0).round() / 10.0,
        "ancestors": p.ancestors(id).map(brief).collect::<Vec<_>>(),
        "children": p.children_of(id).iter().map(|&c| brief(c)).collect::<Vec<_>>(),
        "version": p.version(),
    })))
}
