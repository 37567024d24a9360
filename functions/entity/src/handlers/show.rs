//! `GET /entity/{driver}/{name}[/]` (show) and `POST /entity/{driver}/{name}` (insert or
//! remove devices).

use axum::extract::State;
use clusto_http::headers::{minify, mode};
use clusto_http::{
    ApiError, ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, Mode, etag, views,
};

/// `GET /entity/{driver}/{name}[/]`: the entity (expanded by default).
pub async fn show(
    State(state): State<AppState>,
    ApiPath((driver, name)): ApiPath<(String, String)>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let mode = mode(&req.headers, Mode::Expanded)?;
    let entity = state.clusto.get(&name, Some(&driver)).await?;
    let answer = JsonAnswer::ok(views::entity(&entity, mode), minify(&req.headers));
    Ok(etag::conditional(answer, &entity, &req.headers))
}

/// `POST /entity/{driver}/{name}` with `action=insert|remove` and `device` (repeated):
/// changes the container's contents and answers the container. Checked in the original's
/// order: the container, `action` given, every device exists, `action` valid. Insert
/// skips members, remove skips non-members; a container rule violation writes nothing.
pub async fn action(
    State(state): State<AppState>,
    ApiPath((driver, name)): ApiPath<(String, String)>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let mode = mode(&req.headers, Mode::Expanded)?;
    state.clusto.get(&name, Some(&driver)).await?;
    let Some(action) = req.params.last_nonempty("action") else {
        return Err(ApiError::BadRequest(
            "Parameter 'action' is required.".into(),
        ));
    };
    let devices = req.params.all("device");
    let refs = state.clusto.refs(&devices).await?;
    let missing: Vec<&str> = devices
        .iter()
        .zip(&refs)
        .filter(|(_, r)| r.is_none())
        .map(|(d, _)| d.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::NotFound(format!(
            "Objects {} do not exist and cannot be used with \"{name}\"",
            missing.join(",")
        )));
    }
    let change = async {
        Ok(match action {
            "insert" => state.clusto.insert(&name, Some(&driver), &devices).await?,
            "remove" => state.clusto.remove(&name, Some(&driver), &devices).await?,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "{other} is not a valid action."
                )));
            }
        })
    };
    let entity = etag::if_match(&state.clusto, &req.headers, &name, change).await?;
    let answer = JsonAnswer::ok(views::entity(&entity, mode), minify(&req.headers));
    Ok(etag::tagged(answer, &entity))
}
