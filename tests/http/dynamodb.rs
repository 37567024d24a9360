//! The same HTTP API over DynamoDB (moto, DynamoDB Local or AWS at
//! `AWS_ENDPOINT_URL_DYNAMODB`): one scenario touching every app, on a fresh table.

use std::sync::Arc;

use serde_json::json;

use crate::support::Api;

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn a_session_on_dynamodb() {
    let store = clusto_store_dynamodb::testing::fresh_table().await;
    let table = store.clone();
    let api = Api::start_on(Arc::new(store)).await.load_fixture().await;
    let a = api.get("/from-pools?pool=multipool").await;
    assert_eq!(
        a.json(),
        json!(["/basicserver/testserver1", "/basicserver/testserver2"])
    );
    let a = api
        .form(
            "POST",
            "/resourcemanager/ipmanager",
            &[
                ("name", "ipm"),
                ("gateway", "10.0.0.1"),
                ("netmask", "255.255.255.0"),
                ("baseip", "10.0.0.0"),
            ],
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let a = api
        .form(
            "POST",
            "/resourcemanager/ipmanager/ipm",
            &[("object", "testserver2")],
        )
        .await;
    assert_eq!(a.json()["value"], -1979711486);
    let a = api
        .json(
            "POST",
            "/attribute/testserver2",
            r#"[{"key": "a", "value": 1}, {"key": "b.c", "value": 2}]"#,
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api.get("/by-name/testserver2").await;
    assert_eq!(a.json()["ips"], json!(["10.0.0.2"]));
    assert_eq!(a.json()["attrs"].as_array().unwrap().len(), 5);
    let a = api
        .send("DELETE", "/entity/basicserver/testserver2", &[], None)
        .await;
    assert_eq!(a.status, 204);
    let a = api.get("/by-attr?key=key1").await;
    assert_eq!(a.json(), json!(["/basicserver/testserver1"]));
    table.delete_table().await.unwrap();
}
