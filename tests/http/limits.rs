//! Names, keys and values the store cannot hold (DynamoDB keys are limited to 2,048 bytes
//! of partition key and 1,024 of sort key) are answered up front, on every path and
//! parameter: 404 for a read of a name that cannot exist, 400 or 413 for a write. Never a
//! 500, and nothing written.

use std::sync::Arc;

use clusto_store::ItemStore;

use crate::support::{Api, seg};

/// Over every limit: the model's 1,024-byte names and DynamoDB's 2,048-byte keys.
const SIZES: [usize; 3] = [1025, 2049, 10 * 1024];

/// A request: method, path (with query), form fields, and the statuses it may answer.
type Probe = (
    &'static str,
    String,
    Vec<(&'static str, String)>,
    &'static [u16],
);

/// Every request that carries a name, key or value from the client, with `long` in it.
fn requests(long: &str) -> Vec<Probe> {
    let p = seg(long);
    const NOT_FOUND: &[u16] = &[404];
    const REFUSED: &[u16] = &[400, 404, 413];
    vec![
        ("GET", format!("/by-name/{p}"), vec![], NOT_FOUND),
        ("GET", format!("/by-names?name={p}"), vec![], NOT_FOUND),
        ("GET", format!("/from-pools?pool={p}"), vec![], NOT_FOUND),
        ("GET", format!("/entity/pool/{p}"), vec![], NOT_FOUND),
        ("GET", format!("/entity/basicserver/{p}"), vec![], NOT_FOUND),
        ("GET", format!("/attribute/{p}"), vec![], NOT_FOUND),
        ("GET", format!("/attribute/{p}/key"), vec![], NOT_FOUND),
        (
            "GET",
            format!("/resourcemanager/simplenamemanager/{p}"),
            vec![],
            NOT_FOUND,
        ),
        ("GET", format!("/by-attr?key={p}"), vec![], &[200, 400]),
        (
            "GET",
            format!("/attribute/s1/{p}"),
            vec![],
            &[200, 400, 404],
        ),
        (
            "POST",
            "/entity/basicserver".into(),
            vec![("name", long.into())],
            REFUSED,
        ),
        (
            "DELETE",
            format!("/entity/basicserver/{p}"),
            vec![],
            NOT_FOUND,
        ),
        (
            "POST",
            format!("/attribute/{p}"),
            vec![("key", "k".into()), ("value", "v".into())],
            NOT_FOUND,
        ),
        (
            "POST",
            "/attribute/s1".into(),
            vec![("key", long.into()), ("value", "v".into())],
            REFUSED,
        ),
        (
            "POST",
            "/attribute/s1".into(),
            vec![
                ("key", "k".into()),
                ("subkey", long.into()),
                ("value", "v".into()),
            ],
            REFUSED,
        ),
        (
            "PUT",
            format!("/attribute/s1/{p}"),
            vec![("value", "v".into())],
            REFUSED,
        ),
        ("DELETE", format!("/attribute/{p}/k"), vec![], NOT_FOUND),
        (
            "POST",
            "/entity/pool/p".into(),
            vec![("action", "insert".into()), ("device", long.into())],
            REFUSED,
        ),
        (
            "POST",
            "/entity/pool/p".into(),
            vec![("action", "remove".into()), ("device", long.into())],
            REFUSED,
        ),
        (
            "POST",
            format!("/entity/pool/{p}"),
            vec![("action", "insert".into()), ("device", "s1".into())],
            NOT_FOUND,
        ),
        (
            "POST",
            "/resourcemanager/simplenamemanager".into(),
            vec![("name", long.into())],
            REFUSED,
        ),
        (
            "POST",
            "/resourcemanager/simplenamemanager/m".into(),
            vec![("object", long.into())],
            REFUSED,
        ),
        (
            "POST",
            "/resourcemanager/simplenamemanager/m".into(),
            vec![("object", "s1".into()), ("resource", long.into())],
            REFUSED,
        ),
        (
            "POST",
            "/resourcemanager/ipmanager/ipm".into(),
            vec![("object", "s1".into()), ("resource", long.into())],
            REFUSED,
        ),
        (
            "DELETE",
            "/resourcemanager/simplenamemanager/m".into(),
            vec![("object", "s1".into()), ("resource", long.into())],
            REFUSED,
        ),
        (
            "DELETE",
            format!("/resourcemanager/simplenamemanager/{p}"),
            vec![("object", "s1".into())],
            NOT_FOUND,
        ),
        (
            "GET",
            format!("/resourcemanager/simplenamemanager/m?resource={p}"),
            vec![],
            &[200, 400, 404],
        ),
    ]
}

async fn battery(api: Api) {
    api.create("basicserver", &["s1"]).await;
    api.create("pool", &["p"]).await;
    let a = api
        .form(
            "POST",
            "/resourcemanager/simplenamemanager",
            &[("name", "m")],
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    api.ip_manager("ipm", "255.255.255.0").await;
    let before = api
        .get("/entity/basicserver?Clusto-Mode=expanded")
        .await
        .text;
    let pools = api.show("p").await;
    for size in SIZES {
        let long = "n".repeat(size);
        for (method, path, pairs, allowed) in requests(&long) {
            let a = if pairs.is_empty() {
                api.send(method, &path, &[], None).await
            } else {
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                api.form(method, &path, &pairs).await
            };
            let shown: String = path.chars().take(60).collect();
            assert!(
                allowed.contains(&a.status),
                "{method} {shown}… with {size} bytes: {} {}",
                a.status,
                a.text.chars().take(200).collect::<String>()
            );
            if a.status != 404 || !a.text.is_empty() {
                assert!(
                    a.text.starts_with('"') || a.text.starts_with('[') || a.text.starts_with('{'),
                    "{method} {shown}…: a JSON answer, got {}",
                    a.text.chars().take(100).collect::<String>()
                );
            }
        }
    }
    let after = api
        .get("/entity/basicserver?Clusto-Mode=expanded")
        .await
        .text;
    assert_eq!(before, after, "nothing written");
    assert_eq!(pools, api.show("p").await, "nothing written");
}

#[tokio::test]
async fn names_keys_and_values_the_store_cannot_hold_are_answered_up_front() {
    battery(Api::start().await).await;
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn names_keys_and_values_dynamodb_cannot_hold_are_answered_up_front() {
    let store = clusto_store_dynamodb::testing::fresh_table().await;
    let table = store.clone();
    let store: Arc<dyn ItemStore> = Arc::new(store);
    battery(Api::start_on(store).await).await;
    table.delete_table().await.unwrap();
}
