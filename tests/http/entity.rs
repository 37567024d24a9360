//! The entity app: list, create, delete, show, insert/remove.

use serde_json::json;

use crate::support::{Api, CONFIGURED};

#[tokio::test]
async fn list_filters_pages_and_validates() {
    let api = Api::with_fixture().await;
    let a = api.get("/entity").await;
    assert_eq!(a.json()[0], "/clustometa/clustometa");
    assert_eq!(a.json().as_array().unwrap().len(), 7);
    let a = api.get("/entity/pool/").await;
    assert_eq!(
        a.json(),
        json!(["/pool/emptypool", "/pool/multipool", "/pool/singlepool"])
    );
    // The path driver replaces clusto_drivers.
    let a = api.get("/entity/basicserver?clusto_drivers=pool").await;
    assert_eq!(a.json().as_array().unwrap().len(), 2);
    let a = api
        .get("/entity/?clusto_types=server&clusto_types=pool")
        .await;
    assert_eq!(a.json().as_array().unwrap().len(), 5);
    let a = api
        .get("/entity/?names=testserver2&names=emptypool&names=nope")
        .await;
    assert_eq!(
        a.json(),
        json!(["/pool/emptypool", "/basicserver/testserver2"])
    );
    let a = api
        .get_h(
            "/entity/pool",
            &[("Clusto-Page", "2"), ("Clusto-Per-Page", "2")],
        )
        .await;
    assert_eq!(a.json(), json!(["/pool/singlepool"]));
    assert_eq!(a.header("clusto-pages"), Some("2"));
    let a = api
        .get_h("/entity/basicserver", &[("Clusto-Mode", "expanded")])
        .await;
    assert_eq!(a.json()[1]["name"], "testserver2");
    api.get("/entity/nondriver")
        .await
        .assert_error(412, "The requested driver \"nondriver\" does not exist");
    api.get("/entity/?clusto_types=nope")
        .await
        .assert_error(412, "The requested type \"nope\" does not exist");
    api.get("/entity/?attrs=x").await.assert_error(
        400,
        "Unknown parameter \"attrs\": the entity list accepts names, clusto_types and clusto_drivers",
    );
    api.get_h("/entity/", &[("Clusto-Page", "notanint")])
        .await
        .assert_error(400, "invalid literal for int() with base 10: 'notanint'");
    api.get_h("/entity/", &[("Clusto-Mode", "all")])
        .await
        .assert_error(
            409,
            "'all' is not a valid mode. Please choose from: {compact,expanded}.",
        );
}

#[tokio::test]
async fn create_answers_201_or_202_with_warnings() {
    let api = Api::with_fixture().await;
    let a = api
        .form(
            "POST",
            "/entity/pool",
            &[("name", "a"), ("name", "a"), ("name", "b")],
        )
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(a.json(), json!(["/pool/a", "/pool/a", "/pool/b"]));
    assert_eq!(a.header("warnings"), None);
    let a = api
        .form(
            "POST",
            "/entity/basicserver",
            &[("name", "a"), ("name", "new"), ("name", "testserver1")],
        )
        .await;
    assert_eq!(a.status, 202);
    assert_eq!(
        a.header("warnings"),
        Some("Entity(s) /pool/a,/basicserver/testserver1 already exist(s)")
    );
    assert_eq!(
        a.json(),
        json!(["/pool/a", "/basicserver/new", "/basicserver/testserver1"])
    );
    api.form("POST", "/entity/pool", &[]).await.assert_error(
        412,
        "Provide at least one \"name\" for the entities to create",
    );
    api.form("POST", "/entity/nondriver", &[("name", "x")])
        .await
        .assert_error(412, "Requested driver \"nondriver\" does not exist");
    let a = api
        .form("POST", "/entity/clustometa", &[("name", "clustometa")])
        .await;
    assert_eq!(a.status, 202);
    let a = api
        .form("POST", "/entity/clustometa", &[("name", "other")])
        .await;
    assert_eq!(a.status, 409);
    assert!(!api.exists("other").await);
    let a = api.form("POST", "/entity/pool", &[("name", "")]).await;
    assert_eq!(a.status, 400);
    // A rejected request writes nothing: the valid name before the empty one is not made.
    let a = api
        .form("POST", "/entity/pool", &[("name", "fine"), ("name", "")])
        .await;
    assert_eq!(a.status, 400);
    assert!(!api.exists("fine").await);
}

#[tokio::test]
async fn delete_checks_the_driver_and_answers_like_the_original() {
    let api = Api::with_fixture().await;
    api.send("DELETE", "/entity/nondriver/testserver1", &[], None)
        .await
        .assert_error(412, "Requested driver \"nondriver\" does not exist");
    api.send("DELETE", "/entity/pool/testserver1", &[], None)
        .await
        .assert_error(409, "The driver for object \"testserver1\" is not \"pool\"");
    assert!(api.exists("testserver1").await);
    let a = api
        .send("DELETE", "/entity/device/testserver1", &[], None)
        .await;
    assert_eq!((a.status, a.text.as_str()), (204, ""));
    assert_eq!(a.header("content-type"), None);
    assert_eq!(a.header(CONFIGURED.0), Some("*"));
    assert!(!api.exists("testserver1").await);
    // It left its pools.
    assert_eq!(api.show("singlepool").await["contents"], json!([]));
    let a = api
        .send("DELETE", "/entity/basicserver/testserver1", &[], None)
        .await;
    assert_eq!((a.status, a.text.as_str()), (404, ""));
    assert_eq!(a.header("content-type"), Some("None"));
}

#[tokio::test]
async fn show_with_and_without_trailing_slash() {
    let api = Api::with_fixture().await;
    let a = api.get("/entity/pool/multipool/").await;
    assert_eq!(
        a.json()["contents"],
        json!(["/basicserver/testserver1", "/basicserver/testserver2"])
    );
    let a = api.get("/entity/entity/testserver1").await;
    assert_eq!(a.json()["ips"], json!([]));
    api.get("/entity/pool/nothing").await.assert_error(
        404,
        "Object \"nothing\" not found (nothing does not exist.)",
    );
    api.get("/entity/nodriver/testserver1")
        .await
        .assert_error(412, "The driver \"nodriver\" is not a valid driver");
    let a = api
        .get_h("/entity/pool/emptypool", &[("Clusto-Mode", "compact")])
        .await;
    assert_eq!(a.json(), json!("/pool/emptypool"));
}

#[tokio::test]
async fn action_checks_in_order_and_writes_nothing_when_rejected() {
    let api = Api::with_fixture().await;
    api.create("basicserver", &["s1", "s2"]).await;
    let insert = |devices: &[&'static str], action: &'static str| {
        let mut pairs: Vec<(&str, &str)> = devices.iter().map(|d| ("device", *d)).collect();
        if !action.is_empty() {
            pairs.push(("action", action));
        }
        pairs
    };
    api.form("POST", "/entity/pool/nopool", &insert(&["s1"], "insert"))
        .await
        .assert_error(404, "Object \"nopool\" not found (nopool does not exist.)");
    api.form("POST", "/entity/pool/emptypool", &insert(&["s1"], ""))
        .await
        .assert_error(400, "Parameter 'action' is required.");
    api.form(
        "POST",
        "/entity/pool/emptypool",
        &insert(&["x", "s1", "y"], "bogus"),
    )
    .await
    .assert_error(
        404,
        "Objects x,y do not exist and cannot be used with \"emptypool\"",
    );
    api.form("POST", "/entity/pool/emptypool", &insert(&["s1"], "bogus"))
        .await
        .assert_error(400, "bogus is not a valid action.");
    // The mode is checked before anything is written.
    let a = api
        .send(
            "POST",
            "/entity/pool/emptypool",
            &[("Clusto-Mode", "bad")],
            Some((
                "application/x-www-form-urlencoded",
                b"device=s1&action=insert".to_vec(),
            )),
        )
        .await;
    assert_eq!(a.status, 409);
    assert_eq!(api.show("emptypool").await["contents"], json!([]));
    // Insert skips members; remove skips non-members.
    for _ in 0..2 {
        let a = api
            .form(
                "POST",
                "/entity/pool/emptypool",
                &insert(&["s1", "s1"], "insert"),
            )
            .await;
        assert_eq!(a.json()["contents"], json!(["/basicserver/s1"]));
    }
    let a = api
        .form("POST", "/entity/pool/emptypool", &insert(&["s2"], "remove"))
        .await;
    assert_eq!(
        (a.status, a.json()["contents"].clone()),
        (200, json!(["/basicserver/s1"]))
    );
}

#[tokio::test]
async fn container_rule_violations_are_409_and_atomic() {
    let api = Api::start().await;
    api.create("unique_pool", &["u1", "u2"]).await;
    api.create("basicserver", &["m1", "m2"]).await;
    api.create("basicrack", &["rack"]).await;
    let a = api
        .form(
            "POST",
            "/entity/unique_pool/u1",
            &[("device", "m2"), ("action", "insert")],
        )
        .await;
    assert_eq!(a.status, 200);
    // m1 would fit into u2, m2 would not: nothing is inserted.
    let a = api
        .form(
            "POST",
            "/entity/unique_pool/u2",
            &[("device", "m1"), ("device", "m2"), ("action", "insert")],
        )
        .await;
    assert_eq!(a.status, 409, "{}", a.text);
    assert!(
        a.json()
            .as_str()
            .unwrap()
            .contains("is already in UniquePool(s)")
    );
    assert_eq!(api.show("u2").await["contents"], json!([]));
    assert_eq!(api.show("m1").await["parents"], json!([]));
    let a = api
        .form(
            "POST",
            "/entity/basicrack/rack",
            &[("device", "m1"), ("action", "insert")],
        )
        .await;
    assert_eq!(a.status, 409);
    assert!(a.json().as_str().unwrap().contains("rack unit"));
    let a = api
        .form(
            "POST",
            "/entity/unique_pool/u1",
            &[("device", "u1"), ("action", "insert")],
        )
        .await;
    assert_eq!(a.status, 409);
}
