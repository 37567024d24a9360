//! The cross-cutting queries: entities in pools, by name, by names, by attribute.

use axum::extract::State;
use axum::http::StatusCode;
use clusto_http::headers::{minify, mode};
use clusto_http::{
    ApiError, ApiPath, ApiRequest, ApiResult, AppState, JsonAnswer, Mode, Paging, etag, views,
};
use clusto_model::{ModelError, drivers};

/// quirk 12: `children` is true unless empty or `false`/`0`/`no` (any case); absent = true.
fn children(value: Option<&str>) -> bool {
    value.is_none_or(|v| {
        !(v.is_empty()
            || v.eq_ignore_ascii_case("false")
            || v == "0"
            || v.eq_ignore_ascii_case("no"))
    })
}

/// Every non-empty value of a multi-valued filter.
fn filter_values(req: &ApiRequest, key: &str) -> Vec<String> {
    let mut values = req.params.all(key);
    values.retain(|v| !v.is_empty());
    values
}

/// `GET /from-pools`: the entities in every given `pool`, filtered by `type` and `driver`,
/// searching sub-pools unless `children` is false; paged by the `Clusto-Page` headers.
pub async fn from_pools(State(state): State<AppState>, req: ApiRequest) -> ApiResult<JsonAnswer> {
    let pools = req.params.all("pool");
    if pools.is_empty() {
        return Err(ApiError::PreconditionFailed(
            "Provide at least one pool to get data from".into(),
        ));
    }
    let paging = Paging::from_headers(&req.headers)?;
    let mode = mode(&req.headers, Mode::Compact)?;
    let (types, driver_names) = (filter_values(&req, "type"), filter_values(&req, "driver"));
    if let Some(d) = driver_names
        .iter()
        .find(|d| drivers::registered(d).is_none())
    {
        return Err(ApiError::PreconditionFailed(format!(
            "The driver \"{d}\" is not a valid driver"
        )));
    }
    if let Some(t) = types.iter().find(|t| !drivers::is_type(t)) {
        return Err(ApiError::PreconditionFailed(format!(
            "The type \"{t}\" is not a valid type"
        )));
    }
    let recursive = children(req.params.last("children"));
    let found = state
        .clusto
        .from_pools(&pools, &types, &driver_names, recursive)
        .await
        .map_err(|e| match e {
            ModelError::DoesNotExist(_) => ApiError::NotFound(e.to_string()),
            other => other.into(),
        })?;
    let (page, page_headers) = paging.apply(found);
    let body = views::entities(&state.clusto, &page, mode).await?;
    Ok(JsonAnswer::ok(body, minify(&req.headers)).with_headers(page_headers))
}

/// `GET /by-name/{name}`: one entity (`driver` checked with the is-a rule).
pub async fn by_name(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    req: ApiRequest,
) -> ApiResult<JsonAnswer> {
    let mode = mode(&req.headers, Mode::Expanded)?;
    let entity = state
        .clusto
        .get(&name, req.params.last_nonempty("driver"))
        .await?;
    let answer = JsonAnswer::ok(views::entity(&entity, mode), minify(&req.headers));
    Ok(etag::conditional(answer, &entity, &req.headers))
}

/// `GET /by-names`: one entry per `name` (null when missing); 200 if all were found, 206
/// if some, 404 if none.
pub async fn by_names(State(state): State<AppState>, req: ApiRequest) -> ApiResult<JsonAnswer> {
    let names = req.params.all("name");
    if names.is_empty() {
        return Err(ApiError::PreconditionFailed(
            "Provide at least one name to get data from".into(),
        ));
    }
    let mode = mode(&req.headers, Mode::Compact)?;
    let refs = state.clusto.refs(&names).await?;
    let found = refs.iter().filter(|r| r.is_some()).count();
    let status = match found {
        0 => StatusCode::NOT_FOUND,
        n if n == refs.len() => StatusCode::OK,
        _ => StatusCode::PARTIAL_CONTENT,
    };
    let body = views::optional_entities(&state.clusto, &refs, mode).await?;
    Ok(JsonAnswer::ok(body, minify(&req.headers)).with_status(status))
}

/// `GET /by-attr`: one entity per attribute row matching `key` (and `subkey`, `value`).
pub async fn by_attr(State(state): State<AppState>, req: ApiRequest) -> ApiResult<JsonAnswer> {
    let Some(key) = req.params.last_nonempty("key") else {
        return Err(ApiError::PreconditionFailed(
            "Provide a key to use get_by_attr".into(),
        ));
    };
    let mode = mode(&req.headers, Mode::Compact)?;
    let (subkey, value) = (
        req.params.last_nonempty("subkey"),
        req.params.last_nonempty("value"),
    );
    let refs = state.clusto.by_attr(key, subkey, value).await?;
    let body = views::entities(&state.clusto, &refs, mode).await?;
    Ok(JsonAnswer::ok(body, minify(&req.headers)))
}

#[cfg(test)]
mod tests {
    use super::children;

    #[test]
    fn children_is_false_only_for_empty_false_zero_no() {
        assert!(children(None));
        assert!(children(Some("True")));
        assert!(children(Some("1")));
        for v in ["", "false", "False", "0", "no", "NO"] {
            assert!(!children(Some(v)), "{v}");
        }
    }
}
