//! The entities the documented examples expect, created through the HTTP API.
//!
//! clusto-model.md §9, in its order (creation order decides several orderings):
//! `emptypool`, `multipool`, `singlepool` (pools); `testnames` (a simpleentitynamemanager
//! with basename `s`); `testserver1` (a basicserver in `singlepool`, then `multipool`, with
//! `key1`/`subkey1` = `value1`); `testserver2` (in `multipool`, `key1`/`subkey2` = `value2`).

/// One request of the fixture: method, path, form parameters, expected status.
type Step = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    u16,
);

/// The fixture's requests, in order.
pub const DOCUMENTED_FIXTURE: &[Step] = &[
    ("POST", "/entity/pool", &[("name", "emptypool")], 201),
    ("POST", "/entity/pool", &[("name", "multipool")], 201),
    ("POST", "/entity/pool", &[("name", "singlepool")], 201),
    (
        "POST",
        "/resourcemanager/simpleentitynamemanager",
        &[("name", "testnames"), ("basename", "s")],
        201,
    ),
    (
        "POST",
        "/entity/basicserver",
        &[("name", "testserver1")],
        201,
    ),
    (
        "POST",
        "/entity/pool/singlepool",
        &[("device", "testserver1"), ("action", "insert")],
        200,
    ),
    (
        "POST",
        "/entity/pool/multipool",
        &[("device", "testserver1"), ("action", "insert")],
        200,
    ),
    (
        "POST",
        "/attribute/testserver1/key1/subkey1",
        &[("value", "value1")],
        201,
    ),
    (
        "POST",
        "/entity/basicserver",
        &[("name", "testserver2")],
        201,
    ),
    (
        "POST",
        "/entity/pool/multipool",
        &[("device", "testserver2"), ("action", "insert")],
        200,
    ),
    (
        "POST",
        "/attribute/testserver2/key1/subkey2",
        &[("value", "value2")],
        201,
    ),
];

/// Sends [`DOCUMENTED_FIXTURE`] to the server at `server_url`.
///
/// # Panics
/// On the first request that fails or answers another status than expected, naming it.
pub async fn create_documented(server_url: &str) {
    let client = reqwest::Client::new();
    for &(method, path, form, status) in DOCUMENTED_FIXTURE {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("valid method");
        let response = client
            .request(method.clone(), format!("{server_url}{path}"))
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("fixture: {method} {path}: {e}"));
        let got = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(
            got, status,
            "fixture: {method} {path} {form:?} answered {got}: {body}"
        );
    }
}
