//! Request parsing under arbitrary input (proptest): every method on every app's paths,
//! with arbitrary path segments, query strings, headers and bodies (forms, JSON, raw bytes,
//! invalid UTF-8, over-long names) sent through the four apps' router on the documented
//! fixture. Whatever arrives, the answer is never a 5xx.
//!
//! `scripts/test` runs 200 cases; `PROPTEST_CASES=20000 cargo test --test request_fuzz`
//! runs a longer search.

use std::path::Path;

use axum::body::Body;
use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use tower::ServiceExt;

/// Path starts that reach every route (and some that reach none).
const PREFIXES: [&str; 16] = [
    "/",
    "/by-name/",
    "/by-names",
    "/by-attr",
    "/from-pools",
    "/entity/",
    "/entity/pool/",
    "/entity/basicserver/testserver1",
    "/entity/pool/singlepool",
    "/attribute/testserver1/",
    "/attribute/testserver2/key1/",
    "/resourcemanager/",
    "/resourcemanager/simplenamemanager/testnames",
    "/resourcemanager/ipmanager/",
    "/driverlist",
    "/typelist",
];

/// Parameter and header names the apps read, and some they do not.
const NAMES: [&str; 16] = [
    "name", "key", "subkey", "number", "value", "datatype", "driver", "type", "pool", "children",
    "action", "device", "object", "resource", "mask", "zz",
];

const HEADERS: [&str; 5] = [
    "Clusto-Mode",
    "Clusto-Page",
    "Clusto-Per-Page",
    "Clusto-Minify",
    "Accept",
];

/// Bytes that stress decoders: ASCII, separators, percent signs, multi-byte UTF-8 and bytes
/// that are not UTF-8 at all.
fn text() -> BoxedStrategy<Vec<u8>> {
    let byte = prop_oneof![
        4 => proptest::char::range('a', 'z').prop_map(|c| c as u8),
        1 => prop::sample::select(b"/&=%+?#. \"[]{}:,-_0123456789".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        8 => prop::collection::vec(byte, 0..24),
        1 => (1000usize..3000).prop_map(|n| vec![b'n'; n]),
    ]
    .boxed()
}

fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    query: Vec<(&'static str, Vec<u8>)>,
    headers: Vec<(&'static str, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

fn case() -> impl Strategy<Value = Case> {
    let method = prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]);
    let pair = (prop::sample::select(NAMES.to_vec()), text());
    let header = (
        prop::sample::select(HEADERS.to_vec()),
        "[a-zA-Z0-9 ,/-]{0,12}",
    );
    let form = prop::collection::vec(pair.clone(), 0..5).prop_map(|pairs| {
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        (
            "application/x-www-form-urlencoded",
            body.join("&").into_bytes(),
        )
    });
    let json = prop_oneof![
        Just(r#"[{"key": "k", "value": 1}]"#.to_owned()),
        Just(r#"{"key": "k", "value": null, "datatype": "json"}"#.to_owned()),
        "[\\[\\]{}\":,a-z0-9 ]{0,40}",
    ]
    .prop_map(|s| ("application/json", s.into_bytes()));
    let raw = text().prop_map(|b| ("text/plain", b));
    let body = prop::option::of(prop_oneof![form, json, raw]);
    (
        method,
        prop::sample::select(PREFIXES.to_vec()),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(pair, 0..4),
        prop::collection::vec(header, 0..3),
        body,
    )
        .prop_map(|(method, prefix, segments, query, headers, body)| {
            let tail: Vec<String> = segments.iter().map(|s| encode(s)).collect();
            Case {
                method,
                path: format!("{prefix}{}", tail.join("/")),
                query,
                headers,
                body,
            }
        })
}

fn request(case: &Case) -> http::Request<Body> {
    let query: Vec<String> = case
        .query
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    let uri = if query.is_empty() {
        case.path.clone()
    } else {
        format!("{}?{}", case.path, query.join("&"))
    };
    let mut builder = http::Request::builder().method(case.method).uri(uri);
    for (name, value) in &case.headers {
        builder = builder.header(*name, value.as_str());
    }
    match &case.body {
        Some((content_type, bytes)) => builder
            .header("content-type", *content_type)
            .body(Body::from(bytes.clone())),
        None => builder.body(Body::empty()),
    }
    .expect("a well-formed request")
}

#[test]
fn arbitrary_requests_never_get_a_server_error() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let app = rt.block_on(async {
        let state = clusto_local::memory_state(Default::default())
            .await
            .expect("a store");
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("functions/local/fixture.example.json");
        clusto_local::fixture::load_file(&state.clusto, &fixture)
            .await
            .expect("the fixture");
        clusto_local::app(state)
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let result = runner.run(&case(), |case| {
        let response = rt
            .block_on(app.clone().oneshot(request(&case)))
            .expect("the router is infallible");
        let status = response.status();
        let body = rt
            .block_on(response.into_body().collect())
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        if status.is_server_error() {
            return Err(TestCaseError::fail(format!(
                "{status} {}",
                String::from_utf8_lossy(&body)
            )));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
