//! `GET` (query) and `DELETE` of attributes.

use axum::extract::State;
use clusto_http::headers::minify;
use clusto_http::{ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, etag, views};

use super::path::AttrPath;

/// `GET /attribute/{name}[/{key}[/{subkey}[/{number}]]]`: the entity's attributes matching
/// the path (hidden `_` keys only when the key names one); `driver` checked with the is-a
/// rule.
pub async fn query(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<AttrPath>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let filter = path.filter()?;
    let driver = req.params.last_nonempty("driver");
    let entity = state.clusto.get(&path.name, driver).await?;
    let answer = JsonAnswer::ok(
        views::attributes(&entity.matching(&filter)),
        minify(&req.headers),
    );
    Ok(etag::conditional(answer, &entity, &req.headers))
}

/// `DELETE /attribute/{name}/{key}[/{subkey}[/{number}]]`: deletes every matching
/// attribute; answers the entity's remaining visible attributes.
pub async fn delete(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<AttrPath>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let filter = path.filter()?;
    let driver = req.params.last_nonempty("driver");
    let delete = async {
        Ok(state
            .clusto
            .delete_attrs(&path.name, driver, &filter)
            .await?)
    };
    let entity = etag::if_match(&state.clusto, &req.headers, &path.name, delete).await?;
    let answer = JsonAnswer::ok(views::attributes(&entity.attrs()), minify(&req.headers));
    Ok(etag::tagged(answer, &entity))
}
