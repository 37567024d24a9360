//! List, create and show resource managers.

use axum::extract::State;
use axum::http::StatusCode;
use clusto_http::headers::{WARNINGS, minify, mode, text_header};
use clusto_http::{ApiError, ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, Mode, views};
use clusto_model::drivers;
use serde_json::Value;

/// `GET /resourcemanager/`: every resource manager, compact, in creation order.
pub async fn list_all(State(state): State<AppState>, req: ApiRequest) -> ApiResult<JsonAnswer> {
    let refs = state.clusto.managers(None).await?;
    let body = Value::Array(refs.iter().map(views::compact).collect());
    Ok(JsonAnswer::ok(body, minify(&req.headers)))
}

/// `GET /resourcemanager/{driver}[/]`: the managers of exactly that driver.
pub async fn list_driver(
    State(state): State<AppState>,
    ApiPath(driver): ApiPath<String>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let Some(d) = drivers::registered(&driver) else {
        return Err(ApiError::NotFound(format!(
            "Not a valid driver \"{driver}\" (driver name {driver} doesn't exist.)"
        )));
    };
    let refs = state.clusto.managers(Some(d)).await?;
    let body = Value::Array(refs.iter().map(views::compact).collect());
    Ok(JsonAnswer::ok(body, minify(&req.headers)))
}

/// `POST /resourcemanager/{driver}`: creates the manager `name`; every other parameter is
/// a property (cast to its default's type: quirk 19; unknown ones ignored). 201, or 202
/// with a `Warnings` header and the existing entity when the name is taken. The mode is
/// checked first (quirk 34) and the driver must be a resource manager (quirk 17).
pub async fn create(
    State(state): State<AppState>,
    ApiPath(driver): ApiPath<String>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let mode = mode(&req.headers, Mode::Expanded)?;
    let Some(d) = drivers::registered(&driver) else {
        return Err(ApiError::PreconditionFailed(format!(
            "Requested driver \"{driver}\" does not exist"
        )));
    };
    if d.manager.is_none() {
        return Err(ApiError::PreconditionFailed(format!(
            "Requested driver \"{driver}\" is not a resource manager"
        )));
    }
    let Some(name) = req.params.last_nonempty("name") else {
        return Err(ApiError::PreconditionFailed(
            "Provide a \"name\" for the resource manager".into(),
        ));
    };
    let props: Vec<(String, String)> = req
        .params
        .pairs()
        .iter()
        .filter(|(k, _)| k != "name")
        .cloned()
        .collect();
    let created = state.clusto.create(d, &[name.to_owned()], &props).await?;
    let entity = state.clusto.get(name, None).await?;
    let answer = JsonAnswer::ok(views::entity(&entity, mode), minify(&req.headers));
    match created.existing.first() {
        None => Ok(answer.with_status(StatusCode::CREATED)),
        Some(existing) => {
            let warning = format!("Resource manager \"{}\" already exists", existing.compact());
            Ok(answer
                .with_status(StatusCode::ACCEPTED)
                .with_headers([(WARNINGS, text_header(&warning))]))
        }
    }
}

/// `GET /resourcemanager/{driver}/{manager}[/]`: the manager (expanded by default).
pub async fn show(
    State(state): State<AppState>,
    ApiPath((driver, name)): ApiPath<(String, String)>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let mode = mode(&req.headers, Mode::Expanded)?;
    let entity = super::manager(&state, &driver, &name).await?;
    Ok(JsonAnswer::ok(
        views::entity(&entity, mode),
        minify(&req.headers),
    ))
}
