//! Optimistic concurrency over HTTP: every entity answer carries `ETag: "<eid>-<ver>"` (the
//! entity's id and version; the id tells a re-created entity of the same name from the old
//! one), `If-None-Match` on a read answers 304 while the tag still holds, and `If-Match` on
//! a write answers 412 unless the tag is current, writing nothing.
//!
//! `If-Match` is race-free: the version read here is only a first check; the write itself
//! runs under [`clusto_model::scope::expecting_version`], which makes "the version is still
//! this one" a condition of the write's own transaction.

use std::future::Future;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use clusto_model::{Entity, scope};

use crate::error::{ApiError, ApiResult};
use crate::render::JsonAnswer;

/// The entity tag of an entity as it is.
pub fn tag_of(entity: &Entity) -> String {
    format!("\"{}-{}\"", entity.reference().id, entity.version())
}

/// Whether a conditional header's list (`*`, or tags separated by commas, weak or strong)
/// names `tag`.
fn names(list: &HeaderValue, tag: &str) -> bool {
    list.to_str().unwrap_or_default().split(',').any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag
    })
}

/// An entity answer with its `ETag`.
pub fn tagged(answer: JsonAnswer, entity: &Entity) -> JsonAnswer {
    let value = HeaderValue::from_str(&tag_of(entity)).expect("a tag is visible ASCII");
    answer.with_headers([(header::ETAG, value)])
}

/// A read's entity answer with its `ETag`; 304 without a body when the request's
/// `If-None-Match` names that tag.
pub fn conditional(answer: JsonAnswer, entity: &Entity, request: &HeaderMap) -> JsonAnswer {
    let unchanged = request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|list| names(list, &tag_of(entity)));
    let answer = tagged(answer, entity);
    if unchanged {
        answer.with_status(StatusCode::NOT_MODIFIED)
    } else {
        answer
    }
}

/// Runs `write` (a change of entity `name`) subject to the request's `If-Match`: without
/// one, as is; with `*`, if the entity exists; with tags, only while the entity's tag is
/// one of them, the version being a condition of the write's transaction. Otherwise 412.
pub async fn if_match<T, F>(
    clusto: &clusto_model::Clusto,
    request: &HeaderMap,
    name: &str,
    write: F,
) -> ApiResult<T>
where
    F: Future<Output = ApiResult<T>>,
{
    let Some(list) = request.get(header::IF_MATCH) else {
        return write.await;
    };
    let moved = || ApiError::from(scope::modified(name));
    let entity = clusto.load(name).await?.ok_or_else(moved)?;
    if list.as_bytes() == b"*" {
        return write.await;
    }
    if !names(list, &tag_of(&entity)) {
        return Err(moved());
    }
    scope::expecting_version(name, entity.version(), write).await
}
