//! Many clients at once: allocations, same-name creates and pool rules under concurrency.
//!
//! On DynamoDB every test drives two independent store clients (separate SDK clients and
//! connection pools, as two Lambda instances would be) against one table, alternating
//! requests between them; on the embedded store both handles share one database. The
//! assertions are exact: no duplicates, exact counts, one winner.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use clusto_model::{Allocated, AttrValue, Clusto, ModelError, ModelResult, Thing, drivers};
use clusto_store::ItemStore;
use common::*;
use futures::future::join_all;

const CROWD: usize = 100;

/// Two model handles on one database.
type Pair = (Clusto, Clusto);

async fn pair(a: Arc<dyn ItemStore>, b: Arc<dyn ItemStore>) -> Pair {
    let first = clusto(a).await;
    let second = clusto(b).await;
    (first, second)
}

fn pick(p: &Pair, i: usize) -> &Clusto {
    if i.is_multiple_of(2) { &p.0 } else { &p.1 }
}

/// Every host asks `manager` for a resource at the same time, alternating clients.
async fn allocate_to_all(
    p: &Pair,
    manager: &str,
    hosts: &[String],
    resource: Option<&str>,
) -> Vec<ModelResult<Allocated>> {
    join_all(
        hosts
            .iter()
            .enumerate()
            .map(|(i, h)| pick(p, i).allocate(manager, None, Thing::Object(h.clone()), resource)),
    )
    .await
}

async fn servers(c: &Clusto, n: usize) -> Vec<String> {
    let list: Vec<String> = (0..n).map(|i| format!("host{i:03}")).collect();
    for chunk in list.chunks(100) {
        c.create(drivers::registered("basicserver").unwrap(), chunk, &[])
            .await
            .unwrap();
    }
    list
}

async fn concurrent_ip_allocations_are_unique(p: Pair) {
    // GIVEN a /24 IP manager and CROWD (100) servers
    manager(
        &p.0,
        "ipmanager",
        "net",
        &[
            ("baseip", "10.1.2.0"),
            ("netmask", "255.255.255.0"),
            ("gateway", "10.1.2.1"),
        ],
    )
    .await;
    let hosts = servers(&p.0, CROWD).await;
    // WHEN every server asks for an address at the same time, through two clients
    let results = allocate_to_all(&p, "net", &hosts, None).await;
    // THEN every allocation succeeded with a distinct address, none of them the gateway
    let mut ips = BTreeSet::new();
    for r in results {
        match r.expect("allocation") {
            Allocated::Attribute(a) => match a.value {
                AttrValue::Int(v) => assert!(ips.insert(v), "address {v} handed out twice"),
                other => panic!("unexpected value {other:?}"),
            },
            other => panic!("unexpected allocation {other:?}"),
        }
    }
    assert_eq!(ips.len(), CROWD);
    let loaded = p.1.load_many(&hosts).await.unwrap();
    let shown: BTreeSet<String> = loaded
        .iter()
        .map(|e| {
            let ips = e.as_ref().unwrap().ips().unwrap();
            assert_eq!(ips.len(), 1, "one address per server");
            ips[0].clone()
        })
        .collect();
    assert_eq!(shown.len(), CROWD);
    assert!(!shown.contains("10.1.2.1"));
    assert_eq!(p.0.get("net", None).await.unwrap().count(), Some(CROWD));
}

async fn concurrent_name_allocations_are_the_exact_sequence(p: Pair) {
    // GIVEN a name manager with three digits
    manager(
        &p.0,
        "simplenamemanager",
        "dbnames",
        &[("basename", "db"), ("digits", "3")],
    )
    .await;
    let hosts = servers(&p.0, CROWD).await;
    // WHEN CROWD (100) objects get a name at once
    let results = allocate_to_all(&p, "dbnames", &hosts, None).await;
    // THEN they got exactly db001 … db100, each once
    let got: BTreeSet<String> = results
        .into_iter()
        .map(|r| match r.expect("allocation") {
            Allocated::Attribute(a) => match a.value {
                AttrValue::Str(s) => s,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    let want: BTreeSet<String> = (1..=CROWD).map(|i| format!("db{i:03}")).collect();
    assert_eq!(got, want);
    assert_eq!(p.1.get("dbnames", None).await.unwrap().count(), Some(CROWD));
}

async fn concurrent_entity_name_allocations_create_distinct_entities(p: Pair) {
    manager(
        &p.0,
        "simpleentitynamemanager",
        "mk",
        &[("basename", "vm"), ("digits", "4")],
    )
    .await;
    let server = drivers::registered("basicvirtualserver").unwrap();
    let results =
        join_all((0..CROWD).map(|i| pick(&p, i).allocate("mk", None, Thing::Driver(server), None)))
            .await;
    let made: BTreeSet<String> = results
        .into_iter()
        .map(|r| match r.expect("allocation") {
            Allocated::Entity(e) => e.compact(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(made.len(), CROWD);
    let listed =
        p.1.list(&clusto_model::EntityFilter {
            drivers: names(&["basicvirtualserver"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(compact(&listed).into_iter().collect::<BTreeSet<_>>(), made);
}

async fn concurrent_same_name_creates_have_one_winner(p: Pair) {
    // WHEN 40 clients create "contested" at once, half as pools, half as servers
    let contested = names(&["contested"]);
    let results = join_all((0..40usize).map(|i| {
        let driver = if i.is_multiple_of(2) {
            "pool"
        } else {
            "basicserver"
        };
        pick(&p, i).create(drivers::registered(driver).unwrap(), &contested, &[])
    }))
    .await;
    // THEN exactly one created it; all others were told it already existed, with its
    // real driver
    let results: Vec<_> = results.into_iter().map(|r| r.expect("create")).collect();
    let winners = results.iter().filter(|r| r.existing.is_empty()).count();
    assert_eq!(winners, 1);
    let driver = results[0].entities[0].driver.name;
    assert!(results.iter().all(|r| r.entities[0].driver.name == driver));
    let all = p.1.list(&Default::default()).await.unwrap();
    assert_eq!(all.iter().filter(|e| e.name == "contested").count(), 1);
}

async fn concurrent_explicit_claims_of_one_address_have_one_winner(p: Pair) {
    manager(
        &p.0,
        "ipmanager",
        "lan",
        &[("baseip", "192.168.7.0"), ("netmask", "255.255.255.0")],
    )
    .await;
    let hosts = servers(&p.0, 30).await;
    let results = allocate_to_all(&p, "lan", &hosts, Some("192.168.7.50")).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1);
    for r in results.iter().filter(|r| r.is_err()) {
        let e = r.as_ref().unwrap_err();
        assert!(matches!(e, ModelError::Conflict(_)), "{e:?}");
        assert_eq!(e.to_string(), "Requested resource is not available.");
    }
    assert_eq!(p.1.owners("lan", "192.168.7.50").await.unwrap().len(), 1);
}

async fn concurrent_inserts_into_unique_pools_have_one_winner(p: Pair) {
    let pools: Vec<String> = (0..20).map(|i| format!("u{i:02}")).collect();
    p.0.create(drivers::registered("unique_pool").unwrap(), &pools, &[])
        .await
        .unwrap();
    create(&p.0, "basicserver", &["lonely"]).await;
    let lonely = names(&["lonely"]);
    let results = join_all(
        pools
            .iter()
            .enumerate()
            .map(|(i, pool)| pick(&p, i).insert(pool, None, &lonely)),
    )
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for r in results.iter().filter(|r| r.is_err()) {
        let e = r.as_ref().unwrap_err().to_string();
        assert!(e.contains("is already in UniquePool(s)"), "{e}");
    }
    let parents = p.1.get("lonely", None).await.unwrap().parents();
    assert_eq!(parents.len(), 1);
}

macro_rules! on_both_backends_with_two_clients {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let store = super::common::embedded().await;
                    super::$name(super::pair(store.clone(), store).await).await
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
                async fn $name() {
                    let a = clusto_store_dynamodb::testing::fresh_table().await;
                    let b = clusto_store_dynamodb::testing::another_client(&a).await;
                    super::$name(super::pair(std::sync::Arc::new(a), std::sync::Arc::new(b)).await).await
                }
            )*
        }
    };
}

on_both_backends_with_two_clients!(
    concurrent_ip_allocations_are_unique,
    concurrent_name_allocations_are_the_exact_sequence,
    concurrent_entity_name_allocations_create_distinct_entities,
    concurrent_same_name_creates_have_one_winner,
    concurrent_explicit_claims_of_one_address_have_one_winner,
    concurrent_inserts_into_unique_pools_have_one_winner,
);
