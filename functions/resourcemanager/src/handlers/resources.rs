//! Allocate and deallocate resources.

use axum::extract::State;
use axum::http::StatusCode;
use clusto_http::headers::minify;
use clusto_http::{ApiError, ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, etag, views};
use clusto_model::{Allocated, Thing, drivers};

/// `POST /resourcemanager/{driver}/{manager}`: allocates `resource` (or the next free one)
/// to `object`, or, for a `simpleentitynamemanager`, creates an entity of `driver` (which
/// wins when both are given). 201 with the allocated attribute, or `"/driver/name"`.
pub async fn allocate(
    State(state): State<AppState>,
    ApiPath((driver, name)): ApiPath<(String, String)>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    super::manager(&state, &driver, &name).await?;
    let thing = match (
        req.params.last_nonempty("driver"),
        req.params.last_nonempty("object"),
    ) {
        (Some(d), _) => Thing::Driver(
            drivers::registered(d)
                .ok_or_else(|| ApiError::NotFound(format!("Thing was \"{d}\" not found")))?,
        ),
        (None, Some(object)) => Thing::Object(object.to_owned()),
        (None, None) => {
            return Err(ApiError::NotFound(
                "Cannot allocate an empty thing, send one of \"driver\", \"object\"".into(),
            ));
        }
    };
    let resource = req.params.last_nonempty("resource");
    let target = match &thing {
        Thing::Object(object) => Some(object.clone()),
        Thing::Driver(_) => None,
    };
    let allocate = async {
        Ok(state
            .clusto
            .allocate(&name, Some(&driver), thing, resource)
            .await?)
    };
    // `If-Match` names the object given the resource; a new entity has no tag yet.
    let allocated = match target {
        Some(object) => etag::if_match(&state.clusto, &req.headers, &object, allocate).await?,
        None => allocate.await?,
    };
    let body = match &allocated {
        Allocated::Attribute(a) => views::attribute(a),
        Allocated::Entity(e) => views::compact(e),
    };
    Ok(JsonAnswer::ok(body, minify(&req.headers)).with_status(StatusCode::CREATED))
}

/// `DELETE /resourcemanager/{driver}/{manager}`: deallocates `resource` (or everything this
/// manager gave it) from `object`. 204 with no body.
pub async fn deallocate(
    State(state): State<AppState>,
    ApiPath((driver, name)): ApiPath<(String, String)>,
    req: ApiRequest,
) -> ApiResult<StatusCode> {
    super::manager(&state, &driver, &name).await?;
    let Some(object) = req.params.last_nonempty("object") else {
        return Err(ApiError::NotFound(
            "Cannot deallocate empty, send an object to deallocate".into(),
        ));
    };
    let resource = req.params.last_nonempty("resource");
    let deallocate = async {
        Ok(state
            .clusto
            .deallocate(&name, Some(&driver), object, resource)
            .await?)
    };
    etag::if_match(&state.clusto, &req.headers, object, deallocate).await?;
    Ok(StatusCode::NO_CONTENT)
}
