//! The resourcemanager app: list, create, show, allocate, deallocate.

use serde_json::json;

use crate::support::{Api, CONFIGURED};

async fn ip_manager(api: &Api, name: &str) {
    let a = api
        .form(
            "POST",
            "/resourcemanager/ipmanager",
            &[
                ("name", name),
                ("gateway", "192.168.1.1"),
                ("netmask", "255.255.255.0"),
                ("baseip", "192.168.1.10"),
            ],
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
}

#[tokio::test]
async fn list_by_driver() {
    let api = Api::with_fixture().await;
    ip_manager(&api, "ipm").await;
    let a = api.get("/resourcemanager/").await;
    assert_eq!(
        a.json(),
        json!(["/simpleentitynamemanager/testnames", "/ipmanager/ipm"])
    );
    let a = api
        .get_h(
            "/resourcemanager/ipmanager/",
            &[("Clusto-Mode", "expanded")],
        )
        .await;
    assert_eq!(a.json(), json!(["/ipmanager/ipm"]));
    assert_eq!(
        api.get("/resourcemanager/basicserver").await.json(),
        json!([])
    );
    assert_eq!(
        api.get("/resourcemanager/resourcemanager").await.json(),
        json!([])
    );
    api.get("/resourcemanager/notadriver").await.assert_error(
        404,
        "Not a valid driver \"notadriver\" (driver name notadriver doesn't exist.)",
    );
    assert_eq!(api.get("/resourcemanager").await.status, 404);
}

#[tokio::test]
async fn create_validates_before_writing() {
    let api = Api::with_fixture().await;
    let a = api
        .send(
            "POST",
            "/resourcemanager/simplenamemanager",
            &[("Clusto-Mode", "bad")],
            Some(("application/x-www-form-urlencoded", b"name=m1".to_vec())),
        )
        .await;
    a.assert_error(
        409,
        "'bad' is not a valid mode. Please choose from: {compact,expanded}.",
    );
    assert!(!api.exists("m1").await);
    api.form("POST", "/resourcemanager/nodriver", &[("name", "m1")])
        .await
        .assert_error(412, "Requested driver \"nodriver\" does not exist");
    api.form("POST", "/resourcemanager/basicserver", &[("name", "m1")])
        .await
        .assert_error(
            412,
            "Requested driver \"basicserver\" is not a resource manager",
        );
    api.form("POST", "/resourcemanager/simplenamemanager", &[])
        .await
        .assert_error(412, "Provide a \"name\" for the resource manager");
    // Properties are cast to their defaults' types (quirk 19).
    let a = api
        .form(
            "POST",
            "/resourcemanager/simplenamemanager",
            &[("name", "m1"), ("digits", "x")],
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(!api.exists("m1").await);
    let a = api
        .form(
            "POST",
            "/resourcemanager/ipmanager",
            &[("name", "m1"), ("baseip", "nonsense")],
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(!api.exists("m1").await);
    let a = api
        .form(
            "POST",
            "/resourcemanager/simplenamemanager",
            &[
                ("name", "m1"),
                ("digits", "3"),
                ("basename", "db"),
                ("unknown", "ignored"),
            ],
        )
        .await;
    assert_eq!(a.status, 201);
    let digits = a.json()["attrs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "digits")
        .cloned()
        .unwrap();
    assert_eq!(digits["value"], 3);
    // An existing name (of any driver) answers 202 with a warning and the entity.
    let a = api
        .form(
            "POST",
            "/resourcemanager/ipmanager",
            &[("name", "testserver1")],
        )
        .await;
    assert_eq!(a.status, 202);
    assert_eq!(
        a.header("warnings"),
        Some("Resource manager \"/basicserver/testserver1\" already exists")
    );
    assert_eq!(a.json()["driver"], "basicserver");
    let a = api
        .send(
            "POST",
            "/resourcemanager/simplenamemanager",
            &[("Clusto-Mode", "compact")],
            Some(("application/x-www-form-urlencoded", b"name=m2".to_vec())),
        )
        .await;
    assert_eq!((a.status, a.json()), (201, json!("/simplenamemanager/m2")));
}

#[tokio::test]
async fn show_needs_a_manager() {
    let api = Api::with_fixture().await;
    let a = api
        .get("/resourcemanager/simplenamemanager/testnames/")
        .await;
    assert_eq!(a.json()["count"], 0);
    api.get("/resourcemanager/basicserver/testserver1")
        .await
        .assert_error(409, "The object \"testserver1\" is not a resource manager");
    api.get("/resourcemanager/ipmanager/testnames")
        .await
        .assert_error(
            409,
            "The driver for object \"testnames\" is not \"ipmanager\"",
        );
}

#[tokio::test]
async fn allocate_names_entities_and_ips() {
    let api = Api::with_fixture().await;
    let path = "/resourcemanager/simpleentitynamemanager/testnames";
    api.form("POST", path, &[]).await.assert_error(
        404,
        "Cannot allocate an empty thing, send one of \"driver\", \"object\"",
    );
    api.form(
        "POST",
        path,
        &[("driver", "nodriver"), ("object", "testserver1")],
    )
    .await
    .assert_error(404, "Thing was \"nodriver\" not found");
    let a = api
        .form("POST", path, &[("driver", "basicserver"), ("object", "x")])
        .await;
    assert_eq!((a.status, a.json()), (201, json!("/basicserver/s01")));
    let a = api.form("POST", path, &[("driver", "pool")]).await;
    assert_eq!(a.json(), json!("/pool/s02"));
    let a = api
        .form("POST", path, &[("driver", "pool"), ("resource", "s02")])
        .await;
    assert_eq!(a.status, 409, "{}", a.text);
    let a = api.form("POST", path, &[("object", "testserver1")]).await;
    assert_eq!(a.status, 409, "{}", a.text);

    ip_manager(&api, "ipm").await;
    let ipm = "/resourcemanager/ipmanager/ipm";
    api.form("POST", ipm, &[("object", "nobody")])
        .await
        .assert_error(404, "Object \"nobody\" not found (nobody does not exist.)");
    let a = api.form("POST", ipm, &[("object", "testserver1")]).await;
    assert_eq!(
        (a.status, a.json()),
        (
            201,
            json!({"datatype": "int", "key": "ip", "number": 0, "subkey": null, "value": 1084752130})
        )
    );
    assert_eq!(api.show("testserver1").await["ips"], json!(["192.168.1.2"]));
    assert_eq!(api.get(ipm).await.json()["count"], 1);
    let a = api
        .form(
            "POST",
            ipm,
            &[("object", "testserver2"), ("resource", "192.168.1.2")],
        )
        .await;
    a.assert_error(409, "Requested resource is not available.");
    let a = api
        .form(
            "POST",
            ipm,
            &[("object", "testserver2"), ("resource", "10.0.0.1")],
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .form(
            "POST",
            ipm,
            &[("object", "testserver2"), ("resource", "banana")],
        )
        .await;
    a.assert_error(400, "banana is not a valid ip.");
    let a = api
        .form(
            "POST",
            ipm,
            &[("object", "testserver2"), ("resource", "192.168.1.77")],
        )
        .await;
    assert_eq!(a.json()["number"], 0);
    assert_eq!(
        api.show("testserver2").await["ips"],
        json!(["192.168.1.77"])
    );
}

#[tokio::test]
async fn deallocate_answers_204_or_the_reason() {
    let api = Api::with_fixture().await;
    ip_manager(&api, "ipm").await;
    let ipm = "/resourcemanager/ipmanager/ipm";
    api.form("POST", ipm, &[("object", "testserver1")]).await;
    api.form("DELETE", ipm, &[])
        .await
        .assert_error(404, "Cannot deallocate empty, send an object to deallocate");
    api.form("DELETE", ipm, &[("object", "nobody")])
        .await
        .assert_error(404, "Object \"nobody\" not found (nobody does not exist.)");
    api.form(
        "DELETE",
        ipm,
        &[("object", "testserver2"), ("resource", "192.168.1.2")],
    )
    .await
    .assert_error(409, "testserver2 isn't assigned resource 192.168.1.2");
    api.form(
        "DELETE",
        "/resourcemanager/simpleentitynamemanager/testnames",
        &[("object", "testserver1")],
    )
    .await
    .assert_error(
        409,
        "can't deallocate an entity name, delete the entity instead.",
    );
    let a = api
        .form(
            "DELETE",
            ipm,
            &[("object", "testserver1"), ("resource", "192.168.1.2")],
        )
        .await;
    assert_eq!((a.status, a.text.as_str()), (204, ""));
    assert_eq!(a.header("content-type"), None);
    assert_eq!(a.header("content-length"), None);
    assert_eq!(a.header(CONFIGURED.0), Some("*"));
    assert_eq!(api.show("testserver1").await["ips"], json!([]));
    assert_eq!(
        api.show("testserver1").await["attrs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Nothing held: still 204.
    let a = api.form("DELETE", ipm, &[("object", "testserver1")]).await;
    assert_eq!(a.status, 204);
}
