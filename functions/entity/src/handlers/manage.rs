//! `POST /entity/{driver}` (create) and `DELETE /entity/{driver}/{name}` (delete).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clusto_http::headers::{WARNINGS, minify, text_header};
use clusto_http::{ApiError, ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, etag, views};
use clusto_model::{Driver, EntityRef, drivers};
use serde_json::Value;

fn requested_driver(name: &str) -> ApiResult<&'static Driver> {
    drivers::registered(name).ok_or_else(|| {
        ApiError::PreconditionFailed(format!("Requested driver \"{name}\" does not exist"))
    })
}

/// `POST /entity/{driver}`: creates one entity per `name` (existing names are returned as
/// they are). 201, or 202 with a `Warnings` header naming those that already existed.
pub async fn create(
    State(state): State<AppState>,
    ApiPath(driver): ApiPath<String>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let driver = requested_driver(&driver)?;
    let names = req.params.all("name");
    if names.is_empty() {
        return Err(ApiError::PreconditionFailed(
            "Provide at least one \"name\" for the entities to create".into(),
        ));
    }
    let created = state.clusto.create(driver, &names, &[]).await?;
    let body = Value::Array(created.entities.iter().map(views::compact).collect());
    let answer = JsonAnswer::ok(body, minify(&req.headers)).with_status(StatusCode::CREATED);
    if created.existing.is_empty() {
        return Ok(answer);
    }
    let existing: Vec<String> = created.existing.iter().map(EntityRef::compact).collect();
    let warning = format!("Entity(s) {} already exist(s)", existing.join(","));
    Ok(answer
        .with_status(StatusCode::ACCEPTED)
        .with_headers([(WARNINGS, text_header(&warning))]))
}

/// `DELETE /entity/{driver}/{name}`: 204; a missing entity is a 404 with no body and the
/// header `Content-Type: None` (quirk 2); the driver is checked with the is-a rule
/// (quirk 18).
pub async fn delete(
    State(state): State<AppState>,
    ApiPath((driver, name)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let driver = requested_driver(&driver)?;
    let delete = async { Ok(state.clusto.delete(&name, Some(driver.name)).await?) };
    if etag::if_match(&state.clusto, &headers, &name, delete).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFoundNoBody)
    }
}
