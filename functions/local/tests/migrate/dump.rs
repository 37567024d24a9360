//! `export` and `import --from-dump`: stores moved between backends byte for byte, an
//! interrupted import finished by running it again, clashes refused before any write, and
//! damaged dumps refused whole.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use clusto_migrate::{MigrateError, dump, export, load, sql};
use clusto_model::{Clusto, Thing};
use clusto_store::ItemStore;

use crate::support::{
    Dialect, FailingStore, arg, clusto_database, clusto_local, embedded, outcome, scratch, serve,
};

/// The dump of a store, as `export` writes it.
async fn dump_of(store: Arc<dyn ItemStore>) -> Vec<u8> {
    let snapshot = export::snapshot(&Clusto::new(store)).await.expect("export");
    let mut out = Vec::new();
    dump::write(&snapshot, &mut out).expect("dump");
    out
}

fn memory() -> Arc<dyn ItemStore> {
    Arc::new(clusto_store_embedded::EmbeddedStore::memory().expect("memory store"))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn a_store_moves_to_dynamodb_and_back_byte_for_byte() {
    // GIVEN the test database imported into an embedded store, and its export
    let dir = scratch();
    let url = clusto_database(Dialect::Sqlite, dir.path()).await;
    let (data, first) = (arg(dir.path(), "data"), arg(dir.path(), "first.jsonl"));
    clusto_local(&["--data", &data, "import", "--from-sql", &url], None).await;
    let out = clusto_local(&["--data", &data, "export", "--to", &first], None).await;
    assert_eq!(outcome(&out).0, Some(0), "{}", outcome(&out).1);
    // WHEN it is imported into a new DynamoDB table and exported from there
    let table = clusto_store_dynamodb::testing::fresh_table().await;
    let name = table.table().to_owned();
    let out = clusto_local(
        &["--dynamodb-table", &name, "import", "--from-dump", &first],
        None,
    )
    .await;
    let (code, stderr) = outcome(&out);
    assert_eq!(
        code,
        Some(0),
        "a dump of this system imports whole: {stderr}"
    );
    let out = clusto_local(&["--dynamodb-table", &name, "export"], None).await;
    // THEN the two dumps are the same bytes
    let from_dynamodb = out.stdout;
    assert_eq!(
        String::from_utf8_lossy(&from_dynamodb),
        std::fs::read_to_string(&first).unwrap()
    );
    // AND back into a fresh embedded store (from stdin) it is the same again
    let back = arg(dir.path(), "back");
    let path = dir.path().join("second.jsonl");
    std::fs::write(&path, &from_dynamodb).unwrap();
    let out = clusto_local(
        &["--data", &back, "import", "--from-dump", "-"],
        Some(&path),
    )
    .await;
    assert_eq!(outcome(&out).0, Some(0), "{}", outcome(&out).1);
    assert_eq!(
        dump_of(embedded(&dir.path().join("back"))).await,
        from_dynamodb
    );
    // AND the API answers alike on both backends
    let (on_dynamodb, on_embedded) = (
        serve(Arc::new(table.clone())).await,
        serve(embedded(&dir.path().join("data"))).await,
    );
    for path in [
        "/entity/",
        "/entity/basicserver/web01",
        "/entity/basicserver/web02",
        "/entity/basicrack/sjc1-r01",
        "/from-pools?pool=all&children=true",
        "/by-attr?key=ip&subkey=ipstring",
        "/resourcemanager/ipmanager/net-10",
        "/attribute/web01/_x",
    ] {
        assert_eq!(
            on_dynamodb.get(path).await,
            on_embedded.get(path).await,
            "{path}"
        );
    }
    // AND allocation continues on DynamoDB exactly as on the embedded store
    for api in [&on_dynamodb, &on_embedded] {
        let (status, got) = api
            .call(
                "POST",
                "/resourcemanager/ipmanager/net-10",
                &[("object", "s2")],
            )
            .await;
        assert_eq!(
            (status, got["value"].clone()),
            (201, serde_json::json!(-1979711484))
        );
    }
    on_dynamodb.stop().await;
    on_embedded.stop().await;
    table.delete_table().await.expect("table deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_import_finishes_when_run_again() {
    // GIVEN the test database, and what one clean import of it gives
    let dir = scratch();
    let url = clusto_database(Dialect::Sqlite, dir.path()).await;
    let (snapshot, skipped) = sql::read(&url).await.expect("read");
    let clean = memory();
    load(&Clusto::new(clean.clone()), snapshot.clone(), skipped.len())
        .await
        .expect("clean import");
    // WHEN an import stops half-way through writing the entities (the last bulk put)
    let target = memory();
    let failing = Arc::new(FailingStore {
        inner: target.clone(),
        fail_at: 2,
        calls: AtomicUsize::new(0),
    });
    let interrupted = load(&Clusto::new(failing), snapshot.clone(), 0).await;
    assert!(
        matches!(interrupted, Err(MigrateError::Store(_))),
        "{interrupted:?}"
    );
    let partial = dump_of(target.clone()).await;
    assert_ne!(
        partial,
        dump_of(clean.clone()).await,
        "the first run did not finish"
    );
    // THEN running it again finishes the job, and a third run changes nothing
    for _ in 0..2 {
        load(&Clusto::new(target.clone()), snapshot.clone(), 0)
            .await
            .expect("the re-run is no clash");
        assert_eq!(dump_of(target.clone()).await, dump_of(clean.clone()).await);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_that_clashes_with_the_store_writes_nothing() {
    let dir = scratch();
    let url = clusto_database(Dialect::Sqlite, dir.path()).await;
    let (snapshot, _) = sql::read(&url).await.expect("read");
    // GIVEN a store with its own web01, and a server holding 10.0.0.2
    let store = memory();
    let clusto = Clusto::new(store.clone());
    clusto.init().await.unwrap();
    let driver = |d| clusto_model::drivers::registered(d).unwrap();
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    clusto
        .create(driver("basicserver"), &names(&["web01", "other"]), &[])
        .await
        .unwrap();
    let props = [
        ("baseip".to_owned(), "10.0.0.0".to_owned()),
        ("netmask".to_owned(), "255.255.255.0".to_owned()),
    ];
    clusto
        .create(driver("ipmanager"), &names(&["mynet"]), &props)
        .await
        .unwrap();
    clusto
        .allocate(
            "mynet",
            None,
            Thing::Object("other".into()),
            Some("10.0.0.2"),
        )
        .await
        .unwrap();
    let before = dump_of(store.clone()).await;
    // WHEN the test database is imported into it
    let result = load(&clusto, snapshot, 0).await;
    // THEN it is refused with every clash listed, and nothing is written
    let Err(MigrateError::Clashes(clashes)) = result else {
        panic!("expected clashes, got {result:?}");
    };
    assert_eq!(
        clashes,
        [
            "entity web01: the store has /basicserver/web01 (another entity of that name)",
            "resource ip 10.0.0.2 of web01: the store gives it to /basicserver/other",
        ]
    );
    assert_eq!(dump_of(store).await, before);
}

#[tokio::test]
async fn damaged_dumps_are_refused_whole_and_what_no_store_takes_skipped() {
    let dir = scratch();
    let url = clusto_database(Dialect::Sqlite, dir.path()).await;
    let (snapshot, _) = sql::read(&url).await.expect("read");
    let mut good = Vec::new();
    dump::write(&snapshot, &mut good).unwrap();
    let good = String::from_utf8(good).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let cut = lines[..lines.len() - 1].join("\n");
    let other_version = good.replacen("{\"version\":1}", "{\"version\":2}", 1);
    let plugin = good.replacen(
        "\"driver\":\"basicserver\"",
        "\"driver\":\"penguinserver\"",
        1,
    );
    // Over the value limit: only a hand-made dump can hold it.
    let too_big = format!("\"value\":\"{}\"", "u".repeat(300_000));
    let huge = good.replacen("\"value\":\"upper\"", &too_big, 1);
    for (name, text, code, message) in [
        ("cut", cut.as_str(), 2, "the dump stops before its end line"),
        (
            "v2",
            other_version.as_str(),
            2,
            "dump format version 2 (this version reads 1)",
        ),
        ("empty", "", 2, "the dump is empty"),
        (
            "plugin",
            plugin.as_str(),
            1,
            "skipped entity \"web01\" and its attributes",
        ),
        (
            "huge",
            huge.as_str(),
            1,
            "(Zed) of \"web01\": Attribute values are limited to 262144 bytes",
        ),
    ] {
        let path = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&path, text).unwrap();
        let data = arg(dir.path(), name);
        let file = path.display().to_string();
        let out = clusto_local(&["--data", &data, "import", "--from-dump", &file], None).await;
        let (got, stderr) = outcome(&out);
        assert_eq!(got, Some(code), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        if code == 2 {
            let store = embedded(&dir.path().join(name));
            let written = export::snapshot(&Clusto::new(store)).await.unwrap();
            assert!(written.entities.is_empty(), "{name}: nothing was written");
        }
    }
}
