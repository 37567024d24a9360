//! The middleware, the rendering, and the root app.

use serde_json::json;

use crate::support::{Api, CONFIGURED, seg};

#[tokio::test]
async fn options_answers_204_everywhere_without_content_headers() {
    let api = Api::start().await;
    for path in [
        "/",
        "/entity/",
        "/attribute/who/knows/where",
        "/no/such/path",
    ] {
        let a = api.send("OPTIONS", path, &[], None).await;
        assert_eq!(a.status, 204, "{path}");
        assert_eq!(a.text, "");
        assert_eq!(a.header("content-type"), None);
        assert_eq!(a.header("content-length"), None);
        assert_eq!(a.header(CONFIGURED.0), Some("*"));
    }
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_with_allow() {
    let api = Api::start().await;
    api.get("/nope")
        .await
        .assert_error(404, "Nothing here: no route matches /nope");
    let a = api.send("DELETE", "/__version__", &[], None).await;
    assert_eq!(a.status, 405);
    assert_eq!(a.header("allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(a.header(CONFIGURED.0), Some("*"));
    let a = api.send("PUT", "/entity/pool", &[], None).await;
    assert_eq!(a.status, 405);
    assert_eq!(a.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    // The entity app has no trailing-slash form of create: 405 on a known path.
    assert_eq!(
        api.send("POST", "/entity/pool/", &[], None).await.status,
        405
    );
    assert_eq!(api.get("/by-name/").await.status, 404);
}

#[tokio::test]
async fn version_head_favicon_meta() {
    let api = Api::start().await;
    let a = api.get("/__version__").await;
    assert_eq!((a.status, a.text.as_str()), (200, "\"0.5.2\""));
    assert_eq!(a.header("clusto-minify"), Some("False"));
    let a = api.send("HEAD", "/", &[], None).await;
    assert_eq!((a.status, a.text.as_str()), (200, ""));
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("content-length"), Some("7"));
    assert_eq!(a.header(CONFIGURED.0), Some("*"));
    assert_eq!(a.header("spurious-header"), None);
    let a = api.get("/favicon.ico").await;
    assert_eq!((a.status, a.text.as_str()), (410, ""));
    assert_eq!(a.header("content-type"), Some("text/html; charset=UTF-8"));
    assert_eq!(a.header(CONFIGURED.0), Some("*"));
    let a = api.get("/__meta__").await;
    assert_eq!(a.json()["/entity"], "clustoapi.apps.entity");
}

#[tokio::test]
async fn docs_are_text_or_html_by_accept() {
    let api = Api::start().await;
    for path in ["/", "/__doc__", "/entity/__doc__", "/attribute/__doc__/"] {
        let a = api.get_h(path, &[("accept", "text/plain")]).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("content-type"), Some("text/plain"));
        assert_eq!(a.text, clusto_http::docs::reference_text());
        let a = api.get_h(path, &[("accept", "text/html")]).await;
        assert_eq!(a.header("content-type"), Some("text/html; charset=UTF-8"));
        assert!(
            a.text
                .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\" ?>")
        );
    }
}

#[tokio::test]
async fn minify_is_echoed_verbatim_and_compacts_output() {
    let api = Api::with_fixture().await;
    let a = api
        .get_h(
            "/by-names?name=testserver1&name=testserver2",
            &[("Clusto-Minify", "TRUE")],
        )
        .await;
    assert_eq!(
        a.text,
        r#"["/basicserver/testserver1", "/basicserver/testserver2"]"#
    );
    assert_eq!(a.header("clusto-minify"), Some("TRUE"));
    let a = api
        .get_h("/by-name/nonserver", &[("Clusto-Minify", "nope")])
        .await;
    assert_eq!(a.status, 404);
    assert_eq!(a.header("clusto-minify"), Some("nope"));
    let a = api.get("/by-name/testserver1").await;
    assert!(a.text.starts_with("{\n    \"attrs\": [\n        {\n"));
}

#[tokio::test]
async fn from_pools_pages_like_the_original() {
    let api = Api::start().await;
    api.create("pool", &["p"]).await;
    let names: Vec<String> = (1..=7).map(|i| format!("s{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    api.create("basicserver", &refs).await;
    let mut pairs = vec![("action", "insert")];
    pairs.extend(refs.iter().map(|n| ("device", *n)));
    assert_eq!(api.form("POST", "/entity/pool/p", &pairs).await.status, 200);
    let page = |p: &'static str, per: &'static str| {
        let api = &api;
        async move {
            api.get_h(
                "/from-pools?pool=p",
                &[("Clusto-Page", p), ("Clusto-Per-Page", per)],
            )
            .await
        }
    };
    let a = page("2", "3").await;
    assert_eq!(
        a.json(),
        json!(["/basicserver/s4", "/basicserver/s5", "/basicserver/s6"])
    );
    assert_eq!(a.header("clusto-pages"), Some("3"));
    assert_eq!(a.header("clusto-page"), Some("2"));
    assert_eq!(a.header("clusto-per-page"), Some("3"));
    assert_eq!(page("3", "3").await.json(), json!(["/basicserver/s7"]));
    let a = page("9", "3").await;
    assert_eq!((a.json(), a.header("clusto-pages")), (json!([]), Some("3")));
    let a = page("1", "7").await;
    assert_eq!(a.header("clusto-pages"), Some("1"));
    let a = page("0", "2").await;
    assert_eq!(a.json().as_array().unwrap().len(), 7);
    assert_eq!(a.header("clusto-pages"), None);
    let a = page("1", "50").await;
    assert_eq!(a.json().as_array().unwrap().len(), 7);
    page("x", "3")
        .await
        .assert_error(400, "invalid literal for int() with base 10: 'x'");
    page("1", "y")
        .await
        .assert_error(400, "invalid literal for int() with base 10: 'y'");
    page("1", "0")
        .await
        .assert_error(400, "Clusto-Per-Page must be at least 1, not 0.");
    assert_eq!(page("-1", "2").await.status, 400);
}

#[tokio::test]
async fn from_pools_errors_and_filters() {
    let api = Api::with_fixture().await;
    api.get("/from-pools")
        .await
        .assert_error(412, "Provide at least one pool to get data from");
    api.get("/from-pools?pool=nopool")
        .await
        .assert_error(404, "nopool does not exist.");
    api.get("/from-pools?pool=testserver1").await.assert_error(
        409,
        "The object testserver1 is not an instance of <class 'clusto.drivers.categories.pool.Pool'>",
    );
    api.get("/from-pools?pool=multipool&driver=nodriver")
        .await
        .assert_error(412, "The driver \"nodriver\" is not a valid driver");
    api.get("/from-pools?pool=multipool&type=notype")
        .await
        .assert_error(412, "The type \"notype\" is not a valid type");
    api.get_h("/from-pools?pool=multipool", &[("Clusto-Mode", "foo")])
        .await
        .assert_error(
            409,
            "'foo' is not a valid mode. Please choose from: {compact,expanded}.",
        );
    let a = api.get("/from-pools?pool=multipool&type=pool").await;
    assert_eq!(a.json(), json!([]));
    // Recursion through a sub-pool, unless children is false.
    api.create("pool", &["outer"]).await;
    let a = api
        .form(
            "POST",
            "/entity/pool/outer",
            &[("action", "insert"), ("device", "singlepool")],
        )
        .await;
    assert_eq!(a.status, 200);
    let a = api.get("/from-pools?pool=outer&type=server").await;
    assert_eq!(a.json(), json!(["/basicserver/testserver1"]));
    let a = api.get("/from-pools?pool=outer&children=False").await;
    assert_eq!(a.json(), json!(["/pool/singlepool"]));
    let a = api.get("/from-pools?pool=outer&children=").await;
    assert_eq!(a.json(), json!(["/pool/singlepool"]));
}

#[tokio::test]
async fn by_name_reaches_awkward_names() {
    let api = Api::start().await;
    for name in ["with space", "a/b", "café", "日本", "100%", "q?x=1"] {
        api.create("pool", &[name]).await;
        let a = api.get(&format!("/by-name/{}", seg(name))).await;
        assert_eq!(a.status, 200, "{name}: {}", a.text);
        assert_eq!(a.json()["name"], name);
        let a = api
            .get_h(
                &format!("/entity/pool/{}", seg(name)),
                &[("Clusto-Mode", "compact")],
            )
            .await;
        assert_eq!(a.json(), json!(format!("/pool/{name}")));
    }
    // Non-ASCII is escaped as Python's ensure_ascii does.
    let a = api.get("/by-name/caf%C3%A9").await;
    assert!(a.text.contains(r#""name": "caf\u00e9""#), "{}", a.text);
    let a = api.get("/by-name/%F0%9F%98%80").await;
    assert_eq!(a.status, 404);
    // A path segment that is not UTF-8 is a 400, not a lookup.
    let a = api.get("/by-name/%FF").await;
    assert_eq!(a.status, 400, "{}", a.text);
}

#[tokio::test]
async fn by_name_modes_and_drivers() {
    let api = Api::with_fixture().await;
    let a = api.get("/by-name/testserver1?driver=device").await;
    assert_eq!(a.json()["driver"], "basicserver");
    api.get("/by-name/testserver1?driver=basicvirtualserver")
        .await
        .assert_error(
            409,
            "The driver for object \"testserver1\" is not \"basicvirtualserver\"",
        );
    api.get("/by-name/testserver1?driver=nope")
        .await
        .assert_error(412, "The driver \"nope\" is not a valid driver");
    let a = api.get("/by-name/testserver1?driver=").await;
    assert_eq!(a.status, 200);
    api.get_h("/by-name/testserver1", &[("Clusto-Mode", "Expanded")])
        .await
        .assert_error(
            409,
            "'Expanded' is not a valid mode. Please choose from: {compact,expanded}.",
        );
    let a = api.get("/by-name/testnames").await;
    assert_eq!(a.json()["count"], 0);
    assert!(a.json().get("ips").is_none());
}

#[tokio::test]
async fn by_names_statuses_and_expanded_nulls() {
    let api = Api::with_fixture().await;
    api.get("/by-names")
        .await
        .assert_error(412, "Provide at least one name to get data from");
    let a = api
        .get_h(
            "/by-names?name=nope&name=emptypool&name=emptypool",
            &[("Clusto-Mode", "expanded")],
        )
        .await;
    assert_eq!(a.status, 206);
    let list = a.json();
    assert_eq!(list[0], json!(null));
    assert_eq!(list[1]["name"], "emptypool");
    assert_eq!(list[2]["name"], "emptypool");
    assert_eq!(api.get("/by-names?name=a&name=b").await.status, 404);
}

#[tokio::test]
async fn by_attr_matches_rows() {
    let api = Api::with_fixture().await;
    api.get("/by-attr?key=")
        .await
        .assert_error(412, "Provide a key to use get_by_attr");
    let a = api.get("/by-attr?key=key1&subkey=&value=").await;
    assert_eq!(
        a.json(),
        json!(["/basicserver/testserver1", "/basicserver/testserver2"])
    );
    let a = api.get("/by-attr?key=key1&value=value2").await;
    assert_eq!(a.json(), json!(["/basicserver/testserver2"]));
    // One entry per matching row: a second row shows the entity twice.
    let a = api
        .form(
            "POST",
            "/attribute/testserver2",
            &[("key", "key1"), ("value", "value2")],
        )
        .await;
    assert_eq!(a.status, 201);
    let a = api.get("/by-attr?key=key1&value=value2").await;
    assert_eq!(
        a.json(),
        json!(["/basicserver/testserver2", "/basicserver/testserver2"])
    );
    // Hidden rows match when the key names them.
    let a = api.get("/by-attr?key=_contains").await;
    assert_eq!(a.json().as_array().unwrap().len(), 3);
    api.get_h("/by-attr?key=key1", &[("Clusto-Mode", "x")])
        .await
        .assert_error(
            409,
            "'x' is not a valid mode. Please choose from: {compact,expanded}.",
        );
}

#[tokio::test]
async fn registries() {
    let api = Api::start().await;
    let a = api.get("/driverlist").await;
    assert_eq!(a.json().as_object().unwrap().len(), 21);
    let a = api.get("/typelist").await;
    assert_eq!(a.json()["generic"], "clusto.drivers.base.device.Device");
}

#[tokio::test]
async fn parameters_must_be_utf8() {
    let api = Api::with_fixture().await;
    let a = api.get("/by-names?name=%FF").await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert!(a.text.contains("UTF-8"));
    let a = api
        .send(
            "POST",
            "/entity/pool",
            &[],
            Some(("application/x-www-form-urlencoded", b"name=\xff".to_vec())),
        )
        .await;
    assert_eq!(a.status, 400);
    // A lone '%' or a bad escape is kept as text, as Python's unquote keeps it.
    api.create("pool", &["100%"]).await;
    let a = api.get("/by-names?name=100%").await;
    assert_eq!(a.json(), json!(["/pool/100%"]));
}

#[tokio::test]
async fn bodies_over_six_megabytes_are_413() {
    let api = Api::start().await;
    let big = vec![b'a'; 6 * 1024 * 1024 + 1];
    let a = api
        .send(
            "POST",
            "/entity/pool",
            &[],
            Some(("application/x-www-form-urlencoded", big)),
        )
        .await;
    assert_eq!(a.status, 413);
    assert_eq!(a.header(CONFIGURED.0), Some("*"));
    assert!(
        a.json()
            .as_str()
            .unwrap()
            .contains("larger than 6291456 bytes")
    );
    // Just under the limit is read (and here rejected for what it says, not its size).
    let mut body = b"name=x&junk=".to_vec();
    body.resize(6 * 1024 * 1024, b'a');
    let a = api
        .send(
            "POST",
            "/entity/pool",
            &[],
            Some(("application/x-www-form-urlencoded", body)),
        )
        .await;
    assert_eq!(a.status, 201);
}
