//! The apps as their Lambda functions run them: API Gateway (HTTP API, payload 2.0) events
//! turned into requests by lambda_http, answered by each app's own router (no TCP).

use clusto_http::Config;
use serde_json::{Value, json};
use tower::ServiceExt;

/// An API Gateway v2 event for `method path?query` with an optional form body.
fn event(method: &str, path: &str, query: &str, body: Option<&str>) -> String {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "host": "api.example.com",
            "clusto-minify": "true"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "test"
            },
            "requestId": "request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:00:00:00 +0000",
            "timeEpoch": 0
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

async fn call(router: axum::Router, event: String) -> (u16, Value, axum::http::HeaderMap) {
    let request = lambda_http::request::from_str(&event).expect("a valid API Gateway event");
    let response = router.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (parts.status.as_u16(), value, parts.headers)
}

#[tokio::test]
async fn each_app_answers_its_api_gateway_events() {
    let config = Config::default().with_headers("X-Configured: yes").unwrap();
    let state = clusto_local::memory_state(config).await.unwrap();
    let entity = || clusto_entity::router(state.clone());
    let (status, body, headers) = call(
        entity(),
        event("POST", "/entity/pool", "", Some("name=p1&name=p2")),
    )
    .await;
    assert_eq!((status, body), (201, json!(["/pool/p1", "/pool/p2"])));
    assert_eq!(headers["x-configured"], "yes");
    assert_eq!(headers["clusto-minify"], "true");
    let (status, body, _) = call(
        clusto_attribute::router(state.clone()),
        event("POST", "/attribute/p1", "", Some("key=k&value=v")),
    )
    .await;
    assert_eq!((status, body[0]["value"].clone()), (201, json!("v")));
    let (status, body, _) = call(
        clusto_root::router(state.clone()),
        event("GET", "/by-names", "name=p1&name=nope", None),
    )
    .await;
    assert_eq!((status, body), (206, json!(["/pool/p1", null])));
    let (status, body, _) = call(
        clusto_resourcemanager::router(state.clone()),
        event("GET", "/resourcemanager/", "", None),
    )
    .await;
    assert_eq!((status, body), (200, json!([])));
    // Each function knows only its own paths.
    let (status, _, _) = call(entity(), event("GET", "/by-names", "name=p1", None)).await;
    assert_eq!(status, 404);
    let (status, body, headers) =
        call(entity(), event("DELETE", "/entity/pool/p2", "", None)).await;
    assert_eq!((status, body), (204, Value::Null));
    assert!(headers.get("content-type").is_none());
}
