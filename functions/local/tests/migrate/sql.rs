//! `import --from-sql`: every answer of the imported test database, on each dialect.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{
    Dialect, arg, clusto_database, clusto_local, embedded, outcome, scratch, serve,
};

fn a(key: &str, subkey: Option<&str>, number: Option<i64>, value: Value, datatype: &str) -> Value {
    json!({"datatype": datatype, "key": key, "number": number, "subkey": subkey, "value": value})
}

fn s(key: &str, value: &str) -> Value {
    a(key, None, None, json!(value), "string")
}

fn prop(key: &str, value: Value) -> Value {
    let datatype = if value.is_i64() { "int" } else { "string" };
    a(key, Some("property"), None, value, datatype)
}

/// What the original shows for web01 (`installed` differs by dialect: MySQL's DATETIME
/// keeps no fraction, see rows.sql).
fn web01(installed: &str) -> Value {
    json!({
        "attrs": [
            s("Zed", "upper"),
            a("buddy", None, None, json!("/basicserver/web02"), "relation"),
            s("clé", "café"),
            a("config", None, None, json!({"role": "web", "ports": [80, 443]}), "json"),
            s("description", "frontend"),
            s("description", "rack 1"),
            a("enabled", None, None, json!(1), "int"),
            a("installed", None, None, json!(installed), "datetime"),
            a("ip", None, Some(0), json!(-1979711486), "int"),
            a("ip", Some("manager"), Some(0), json!("/ipmanager/net-10"), "relation"),
            a("ip", Some("ipstring"), Some(0), json!("10.0.0.2"), "string"),
            a("ip", Some("cidr"), Some(0), json!("10.0.0.2/24"), "string"),
            prop("model", json!("R610")),
            a("nothing", None, None, Value::Null, "string"),
            a("racked", None, None, json!("2014-01-02T03:04:05"), "datetime"),
            a("simplename", None, Some(0), json!("app001"), "string"),
            a("simplename", Some("manager"), Some(0), json!("/simplenamemanager/names-app"), "relation"),
            a("system", Some("memory"), None, json!(2048), "int"),
        ],
        "contents": [],
        "driver": "basicserver",
        "ips": ["10.0.0.2"],
        "name": "web01",
        "parents": ["/pool/web", "/unique_pool/app"],
        "type": "server",
    })
}

fn web02() -> Value {
    json!({
        "attrs": [
            a("alias", None, Some(0), json!("w2"), "string"),
            a("alias", None, Some(1), json!("www2"), "string"),
            a("ip", None, Some(1), json!(-1979711485), "int"),
            a("ip", Some("manager"), Some(1), json!("/ipmanager/net-10"), "relation"),
            a("ip", Some("ipstring"), Some(1), json!("10.0.0.3"), "string"),
            a("ip", Some("cidr"), Some(1), json!("10.0.0.3/24"), "string"),
            a("ip", Some("osportname"), Some(1), json!("eth0"), "string"),
            a("simplename", None, Some(1), json!("app002"), "string"),
            a("simplename", Some("manager"), Some(1), json!("/simplenamemanager/names-app"), "relation"),
            a("tags", None, None, json!(["a", null, true]), "json"),
            a("weight", None, None, json!(-5), "int"),
        ],
        "contents": [],
        "driver": "basicserver",
        "ips": ["10.0.0.3"],
        "name": "web02",
        // web's row for web02 (attr 12) is older than the rack's newest (28).
        "parents": ["/pool/web", "/basicrack/sjc1-r01"],
        "type": "server",
    })
}

fn container(driver: &str, name: &str, attrs: Value, contents: &[&str], parents: &[&str]) -> Value {
    let type_name = if driver == "basicrack" {
        "rack"
    } else {
        "pool"
    };
    json!({"attrs": attrs, "contents": contents, "driver": driver, "name": name,
           "parents": parents, "type": type_name})
}

fn manager(driver: &str, name: &str, type_name: &str, attrs: Value, count: usize) -> Value {
    json!({"attrs": attrs, "contents": [], "count": count, "driver": driver, "name": name,
           "parents": [], "type": type_name})
}

fn name_props(digits: i64, basename: &str) -> Value {
    json!([
        prop("basename", json!(basename)),
        prop("digits", json!(digits)),
        prop("leadingZeros", json!(1)),
        prop("next", json!(1)),
    ])
}

/// Every entity's expanded answer, listings, queries and managers, then allocations that
/// must continue where clusto stopped.
async fn check_answers(dir: &Path, installed: &str) {
    let api = serve(embedded(dir)).await;
    assert_eq!(
        api.get("/entity/").await,
        json!([
            "/clustometa/clustometa",
            "/pool/web",
            "/basicrack/sjc1-r01",
            "/unique_pool/app",
            "/ipmanager/net-10",
            "/simplenamemanager/names-app",
            "/basicserver/web01",
            "/basicserver/web02",
            "/pool/all",
            "/basicvirtualserver/s2",
            "/simpleentitynamemanager/vmnames",
            "/basicvirtualserver/vm0001",
            "/pool/emptypool",
            "/ipmanager/oldnet",
        ]),
        "every live entity of a known driver, in entity_id order"
    );
    assert_eq!(api.get("/entity/basicserver/web01").await, web01(installed));
    assert_eq!(api.get("/entity/basicserver/web02").await, web02());
    assert_eq!(
        api.get("/entity/basicvirtualserver/s2").await,
        json!({
            "attrs": [
                a("ip", None, Some(2), json!(-1979711436), "int"),
                a("ip", Some("manager"), Some(2), json!("/ipmanager/net-10"), "relation"),
                a("ip", Some("ipstring"), Some(2), json!("10.0.0.52"), "string"),
                a("ip", Some("cidr"), Some(2), json!("10.0.0.52/24"), "string"),
                s("owner", "ops"),
            ],
            "contents": [], "driver": "basicvirtualserver", "ips": ["10.0.0.52"], "name": "s2",
            "parents": [], "type": "server",
        })
    );
    let none = json!([]);
    assert_eq!(
        api.get("/entity/pool/web").await,
        container(
            "pool",
            "web",
            none.clone(),
            &["/basicserver/web01", "/basicserver/web02"],
            &["/pool/all"]
        )
    );
    assert_eq!(
        api.get("/entity/pool/all").await,
        container(
            "pool",
            "all",
            none.clone(),
            &["/pool/web", "/unique_pool/app"],
            &[]
        )
    );
    assert_eq!(
        api.get("/entity/unique_pool/app").await,
        container(
            "unique_pool",
            "app",
            none.clone(),
            &["/basicserver/web01"],
            &["/pool/all"]
        )
    );
    assert_eq!(
        api.get("/entity/pool/emptypool").await,
        container("pool", "emptypool", none.clone(), &[], &[])
    );
    assert_eq!(
        api.get("/entity/basicrack/sjc1-r01").await,
        container(
            "basicrack",
            "sjc1-r01",
            json!([prop("maxu", json!(45)), prop("minu", json!(1))]),
            &["/basicserver/web02"],
            &[]
        )
    );
    assert_eq!(
        api.get("/entity/clustometa/clustometa").await,
        json!({"attrs": [prop("schemaversion", json!(3))], "contents": [], "driver": "clustometa",
               "name": "clustometa", "parents": [], "type": "clustometa"})
    );
    assert_eq!(
        api.get("/entity/basicvirtualserver/vm0001").await,
        json!({"attrs": [], "contents": [], "driver": "basicvirtualserver", "ips": [],
               "name": "vm0001", "parents": [], "type": "server"})
    );
    // Managers: counts are the manager rows pointing at each; the old type string is kept.
    assert_eq!(
        api.get("/resourcemanager/").await,
        json!([
            "/ipmanager/net-10",
            "/simplenamemanager/names-app",
            "/simpleentitynamemanager/vmnames",
            "/ipmanager/oldnet"
        ])
    );
    assert_eq!(
        api.get("/resourcemanager/ipmanager/net-10").await,
        manager(
            "ipmanager",
            "net-10",
            "resourcemanager",
            json!([
                prop("baseip", json!("10.0.0.0")),
                prop("gateway", json!("10.0.0.1")),
                prop("netmask", json!("255.255.255.0"))
            ]),
            3
        )
    );
    assert_eq!(
        api.get("/resourcemanager/ipmanager/oldnet").await,
        manager(
            "ipmanager",
            "oldnet",
            "ipmanager",
            json!([prop("netmask", json!("255.255.255.255"))]),
            0
        )
    );
    assert_eq!(
        api.get("/resourcemanager/simplenamemanager/names-app")
            .await,
        manager(
            "simplenamemanager",
            "names-app",
            "resourcemanager",
            name_props(3, "app"),
            2
        )
    );
    assert_eq!(
        api.get("/resourcemanager/simpleentitynamemanager/vmnames")
            .await,
        manager(
            "simpleentitynamemanager",
            "vmnames",
            "resourcemanager",
            name_props(4, "vm"),
            0
        )
    );
    // Listings by driver and type, from-pools (recursive through nested pools), by-attr.
    assert_eq!(
        api.get("/entity/basicserver").await,
        json!(["/basicserver/web01", "/basicserver/web02"])
    );
    assert_eq!(
        api.get("/entity/?clusto_types=server").await,
        json!([
            "/basicserver/web01",
            "/basicserver/web02",
            "/basicvirtualserver/s2",
            "/basicvirtualserver/vm0001"
        ])
    );
    assert_eq!(
        api.get("/from-pools?pool=all&children=true").await,
        json!([
            "/pool/web",
            "/unique_pool/app",
            "/basicserver/web01",
            "/basicserver/web02"
        ]),
        "every descendant, in id order"
    );
    assert_eq!(
        api.get("/from-pools?pool=web&pool=app").await,
        json!(["/basicserver/web01"])
    );
    assert_eq!(
        api.get("/by-attr?key=ip&subkey=ipstring").await,
        json!([
            "/basicserver/web01",
            "/basicserver/web02",
            "/basicvirtualserver/s2"
        ])
    );
    assert_eq!(
        api.get("/by-attr?key=nothing").await,
        json!(["/basicserver/web01"])
    );
    assert_eq!(
        api.get("/attribute/web01/_x").await,
        json!([s("_x", "hidden")]),
        "hidden rows are imported"
    );
    // Allocation continues: the next name, the next free IP after clusto's _lastip (.3),
    // the next entity name; nothing allocated in clusto is handed out again.
    let (status, got) = api
        .call(
            "POST",
            "/resourcemanager/simplenamemanager/names-app",
            &[("object", "web02")],
        )
        .await;
    assert_eq!((status, got["value"].clone()), (201, json!("app003")));
    let (status, got) = api
        .call(
            "POST",
            "/resourcemanager/ipmanager/net-10",
            &[("object", "s2")],
        )
        .await;
    assert_eq!(
        (status, got["value"].clone()),
        (201, json!(-1979711484)),
        "10.0.0.4"
    );
    let ip_manager = "/resourcemanager/ipmanager/net-10";
    let name_manager = "/resourcemanager/simplenamemanager/names-app";
    for (manager, taken) in [
        (ip_manager, "10.0.0.2"),
        (ip_manager, "10.0.0.52"),
        (name_manager, "app001"),
    ] {
        let form = [("object", "vm0001"), ("resource", taken)];
        let (status, got) = api.call("POST", manager, &form).await;
        let refused = (409, json!("Requested resource is not available."));
        assert_eq!((status, got), refused, "{taken} was allocated in clusto");
    }
    let (status, got) = api
        .call(
            "POST",
            "/resourcemanager/simpleentitynamemanager/vmnames",
            &[("driver", "basicvirtualserver")],
        )
        .await;
    assert_eq!((status, got), (201, json!("/basicvirtualserver/vm0002")));
    // The pool rules hold over imported memberships: web01 is in the unique pool app.
    api.call("POST", "/entity/unique_pool", &[("name", "other")])
        .await;
    let (status, _) = api
        .call(
            "POST",
            "/entity/unique_pool/other",
            &[("action", "insert"), ("device", "web01")],
        )
        .await;
    assert_eq!(status, 409, "web01 is already in a unique pool");
    // The next membership of web continues clusto's numbering (its counter was 2).
    api.call("POST", "/entity/basicserver", &[("name", "web03")])
        .await;
    api.call(
        "POST",
        "/entity/pool/web",
        &[("action", "insert"), ("device", "web03")],
    )
    .await;
    let rows = api.get("/attribute/web/_contains").await;
    let numbers: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["number"])
        .collect();
    assert_eq!(numbers, [&json!(0), &json!(1), &json!(3)]);
    api.stop().await;
}

/// Imports the test database of `dialect` with the binary, checks what it reported, then
/// every answer.
async fn import_and_check(dialect: Dialect, installed: &str) {
    let dir = scratch();
    let url = clusto_database(dialect, dir.path()).await;
    let data = arg(dir.path(), "data");
    let out = clusto_local(&["--data", &data, "import", "--from-sql", &url], None).await;
    let (code, stderr) = outcome(&out);
    assert_eq!(
        code,
        Some(1),
        "rows were skipped, all else imported: {stderr}"
    );
    for expected in [
        "skipped entity 12 \"penguin01\" and its 1 attribute rows: the driver penguinserver",
        "skipped attr 67 (pet) of entity 7 \"web01\": it points at entity 12, which is not imported",
        "skipped attr 68 (ghost) of entity 7 \"web01\": it points at entity 9, which is not live",
        "skipped attr 69 (bad) of entity 7 \"web01\": its JSON \"[NaN]\" does not parse",
        "imported 14 entities, 57 attribute rows, 7 memberships, 5 claims; skipped 4;",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
    check_answers(&dir.path().join("data"), installed).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_database_answers_as_the_original() {
    import_and_check(Dialect::Sqlite, "2015-03-04T05:06:07.123456").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL at CLUSTO_TEST_POSTGRES_URL: scripts/test starts one"]
async fn a_postgresql_database_answers_as_the_original() {
    import_and_check(Dialect::Postgres, "2015-03-04T05:06:07.123456").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs MariaDB at CLUSTO_TEST_MYSQL_URL: scripts/test starts one"]
async fn a_mariadb_database_answers_as_the_original() {
    // MariaDB's DATETIME column kept no fraction (see rows.sql).
    import_and_check(Dialect::MySql, "2015-03-04T05:06:07").await;
}

#[tokio::test]
async fn bad_sources_fail_with_status_2_and_write_nothing() {
    let dir = scratch();
    let data = arg(dir.path(), "data");
    for (source, message) in [
        ("sqlite:/nonexistent/clusto.db", "no SQLite database file"),
        ("oracle://x", "is not a database URL this reads"),
    ] {
        let out = clusto_local(&["--data", &data, "import", "--from-sql", source], None).await;
        let (code, stderr) = outcome(&out);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
    }
    let out = clusto_local(&["--memory", "import", "--from-sql", "sqlite:x"], None).await;
    let (code, stderr) = outcome(&out);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--memory would be lost"), "{stderr}");
    assert!(
        !dir.path().join("data").exists(),
        "nothing was opened or written"
    );
}

#[tokio::test]
async fn what_is_over_the_limits_is_listed_with_its_ids_and_skipped() {
    // GIVEN the SQLite test database (SQLite does not enforce VARCHAR lengths) with a name,
    // a key and a value over our limits, and a second live entity named web01
    let dir = scratch();
    let url = clusto_database(Dialect::Sqlite, dir.path()).await;
    let pool = sqlx::SqlitePool::connect(&url.replacen("sqlite:", "sqlite://", 1))
        .await
        .unwrap();
    let long_name = "n".repeat(1025);
    let big_value = "v".repeat(256 * 1024 + 1);
    let long_key = "k".repeat(257);
    for (sql, text) in [
        (
            "INSERT INTO entities VALUES (100, ?, 'server', 'basicserver', 1, NULL)",
            long_name.as_str(),
        ),
        (
            "INSERT INTO entities VALUES (101, ?, 'server', 'basicserver', 1, NULL)",
            "web01",
        ),
        (
            "INSERT INTO entity_attrs VALUES (200, 7, 'big', NULL, NULL, 'string', NULL, ?, NULL, NULL, 1, NULL)",
            big_value.as_str(),
        ),
        (
            "INSERT INTO entity_attrs VALUES (201, 7, ?, NULL, NULL, 'int', 1, NULL, NULL, NULL, 1, NULL)",
            long_key.as_str(),
        ),
    ] {
        sqlx::query(sql).bind(text).execute(&pool).await.unwrap();
    }
    pool.close().await;
    // WHEN it is read
    let (snapshot, skipped) = clusto_migrate::sql::read(&url).await.expect("read");
    // THEN each is listed with its ids and left out; everything else is there
    let listed: Vec<String> = skipped.iter().map(ToString::to_string).collect();
    for expected in [
        "skipped entity 100 \"nnn",
        "skipped entity 101 \"web01\": the name is live twice: entity 7 has it too",
        "skipped attr 200 (big) of entity 7 \"web01\": Attribute values are limited to 262144 bytes; this one has 262145.",
        "skipped attr 201 (kkk",
    ] {
        assert!(
            listed.iter().any(|l| l.starts_with(expected)),
            "{expected} not in {listed:#?}"
        );
    }
    assert_eq!(snapshot.entities.len(), 14);
    assert_eq!(snapshot.rows.len(), 57);
}
