//! The resourcemanager app's handlers.

use axum::http::HeaderMap;
use axum::response::Response;
use clusto_http::{ApiError, ApiResult, AppState};
use clusto_model::{Entity, ModelError};

pub mod managers;
pub mod resources;

/// `GET /resourcemanager/__doc__[/]`: the API reference.
pub async fn doc(headers: HeaderMap) -> Response {
    clusto_http::reference_page(&headers)
}

/// The manager of a `/{driver}/{manager}` path: the shared lookup, then 409
/// `The object "N" is not a resource manager` for anything else.
pub async fn manager(state: &AppState, driver: &str, name: &str) -> ApiResult<Entity> {
    let entity = state.clusto.get(name, Some(driver)).await?;
    if entity.driver().manager.is_none() {
        return Err(ApiError::from(ModelError::NotAManager(name.to_owned())));
    }
    Ok(entity)
}
