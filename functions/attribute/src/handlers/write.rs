//! `POST` (add) and `PUT` (set) of attributes.

use axum::extract::State;
use axum::http::StatusCode;
use clusto_http::headers::minify;
use clusto_http::{ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, etag, views};
use clusto_model::WriteMode;

use super::path::AttrPath;
use super::spec;

/// `POST /attribute/{name}[/{key}/{subkey}[/{number}]]`: adds attributes; 201 with all the
/// entity's visible attributes.
pub async fn add(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<AttrPath>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    write(state, path, req, WriteMode::Add).await
}

/// `PUT /attribute/{name}/{key}[/{subkey}[/{number}]]`: sets attributes (replacing the one
/// row with exactly that key, subkey and number); 200 with all visible attributes.
pub async fn set(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<AttrPath>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    write(state, path, req, WriteMode::Set).await
}

/// The original's order: the request's shape (JSON, conflicts), the entity, then each
/// attribute's fields and casts; everything is validated before the one transaction.
async fn write(
    state: AppState,
    path: AttrPath,
    req: ApiRequest,
    mode: WriteMode,
) -> ApiResult<JsonAnswer> {
    let number = path.number()?;
    let specs = spec::collect(&path, number, &req)?;
    let driver = spec::driver(&specs)?;
    state.clusto.get(&path.name, driver.as_deref()).await?;
    let writes = spec::writes(specs, mode)?;
    let write = async {
        Ok(state
            .clusto
            .write_attrs(&path.name, driver.as_deref(), &writes)
            .await?)
    };
    let entity = etag::if_match(&state.clusto, &req.headers, &path.name, write).await?;
    let status = match mode {
        WriteMode::Add => StatusCode::CREATED,
        WriteMode::Set => StatusCode::OK,
    };
    let answer = JsonAnswer::ok(views::attributes(&entity.attrs()), minify(&req.headers));
    Ok(etag::tagged(answer.with_status(status), &entity))
}
