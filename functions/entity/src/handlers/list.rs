//! `GET /entity[/]` and `GET /entity/{driver}[/]`: list entities.

use axum::extract::State;
use clusto_http::headers::{minify, mode};
use clusto_http::{
    ApiError, ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, Mode, Paging, views,
};
use clusto_model::{EntityFilter, drivers};

/// The parameters the listing understands (the original passed every parameter to
/// `get_entities`, so anything else crashed it: quirk 9).
const PARAMS: &[&str] = &["names", "clusto_types", "clusto_drivers"];

/// `GET /entity[/]`: every entity, filtered by `names`, `clusto_types`, `clusto_drivers`.
pub async fn all(State(state): State<AppState>, req: ApiRequest) -> ApiResult<JsonAnswer> {
    list(state, None, req).await
}

/// `GET /entity/{driver}[/]`: the entities of exactly that driver (replaces
/// `clusto_drivers`).
pub async fn by_driver(
    State(state): State<AppState>,
    ApiPath(driver): ApiPath<String>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    list(state, Some(driver), req).await
}

fn nonempty(req: &ApiRequest, key: &str) -> Vec<String> {
    let mut values = req.params.all(key);
    values.retain(|v| !v.is_empty());
    values
}

async fn list(state: AppState, driver: Option<String>, req: ApiRequest) -> ApiResult<JsonAnswer> {
    let mode = mode(&req.headers, Mode::Compact)?;
    let paging = Paging::from_headers(&req.headers)?;
    if let Some(key) = req.params.unknown_key(PARAMS) {
        return Err(ApiError::BadRequest(format!(
            "Unknown parameter \"{key}\": the entity list accepts names, clusto_types and clusto_drivers"
        )));
    }
    let filter = EntityFilter {
        names: nonempty(&req, "names"),
        types: nonempty(&req, "clusto_types"),
        drivers: driver.map_or_else(|| nonempty(&req, "clusto_drivers"), |d| vec![d]),
    };
    if let Some(d) = filter
        .drivers
        .iter()
        .find(|d| drivers::registered(d).is_none())
    {
        return Err(ApiError::PreconditionFailed(format!(
            "The requested driver \"{d}\" does not exist"
        )));
    }
    if let Some(t) = filter.types.iter().find(|t| !drivers::is_type(t)) {
        return Err(ApiError::PreconditionFailed(format!(
            "The requested type \"{t}\" does not exist"
        )));
    }
    let refs = state.clusto.list(&filter).await?;
    let (page, page_headers) = paging.apply(refs);
    let body = views::entities(&state.clusto, &page, mode).await?;
    Ok(JsonAnswer::ok(body, minify(&req.headers)).with_headers(page_headers))
}
