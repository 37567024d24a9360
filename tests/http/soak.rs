//! A fault soak: 8 clients at once over real HTTP, on a store that throttles, fails with
//! 500s and timeouts, and loses the answers of writes that committed (`FaultyStore`).
//! Clients retry what answers 503, as a careful client does. At the end the database must
//! hold every acknowledged write, no resource may be owned twice or by nobody, pools and
//! their members must agree, and no client may have been given one address twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use clusto_model::Clusto;
use clusto_model::resources::ip::{decode, dotted};
use clusto_store::ItemStore;
use clusto_store::testing::{Faults, FaultyStore};

use crate::support::{Answer, Api};

const CLIENTS: usize = 8;
const POOLS: [&str; 2] = ["pa", "pb"];

/// About one call in six fails somehow; one write in twelve commits unseen.
const FAULTS: Faults = Faults {
    throttle: 0.06,
    server_error: 0.03,
    timeout: 0.02,
    lost_answer: 0.08,
    transactions_only: false,
};

/// What one client was told had happened.
#[derive(Default)]
struct Acknowledged {
    servers: BTreeSet<String>,
    attrs: BTreeMap<String, String>,
    members: BTreeMap<String, &'static str>,
    ips: BTreeMap<String, BTreeSet<String>>,
    /// Servers for which some write was answered "may or may not have been made".
    unsure: BTreeSet<String>,
}

/// Sends a form request until it is answered with something other than a 503.
async fn until_answered(
    api: &Api,
    method: &str,
    path: &str,
    pairs: &[(&str, &str)],
    unsure: &mut bool,
) -> Answer {
    for _ in 0..50 {
        let a = api.form(method, path, pairs).await;
        if a.status != 503 {
            return a;
        }
        assert!(
            a.header("retry-after").is_some(),
            "a 503 without Retry-After: {a:?}"
        );
        *unsure |= a.text.contains("may or may not");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{method} {path}: still 503 after 50 tries");
}

async fn client(api: &Api, id: usize, rounds: usize) -> Acknowledged {
    let mut ack = Acknowledged::default();
    for round in 0..rounds {
        let name = format!("c{id}-s{round}");
        let pool = POOLS[(id + round) % 2];
        let mut unsure = false;
        let a = until_answered(
            api,
            "POST",
            "/entity/basicserver",
            &[("name", &name)],
            &mut unsure,
        )
        .await;
        assert!(
            a.status == 201 || (unsure && a.status == 202),
            "create {name}: {a:?}"
        );
        ack.servers.insert(name.clone());
        let value = format!("v{id}-{round}");
        let path = format!("/attribute/{name}");
        let a = until_answered(
            api,
            "POST",
            &path,
            &[("key", "k"), ("value", &value)],
            &mut unsure,
        )
        .await;
        assert_eq!(a.status, 201, "attribute of {name}: {a:?}");
        ack.attrs.insert(name.clone(), value);
        let path = format!("/entity/pool/{pool}");
        let pairs = [("action", "insert"), ("device", name.as_str())];
        let a = until_answered(api, "POST", &path, &pairs, &mut unsure).await;
        assert_eq!(a.status, 200, "insert {name}: {a:?}");
        ack.members.insert(name.clone(), pool);
        for _ in 0..2 {
            let a = until_answered(
                api,
                "POST",
                "/resourcemanager/ipmanager/ipm",
                &[("object", &name)],
                &mut unsure,
            )
            .await;
            assert_eq!(a.status, 201, "allocate to {name}: {a:?}");
            let encoded = a.json()["value"].as_i64().expect("an encoded address");
            ack.ips
                .entry(name.clone())
                .or_default()
                .insert(dotted(decode(encoded)));
        }
        if round % 3 == 0 {
            let freed = ack.ips[&name].iter().next().cloned().expect("an address");
            let pairs = [("object", name.as_str()), ("resource", freed.as_str())];
            let a = until_answered(
                api,
                "DELETE",
                "/resourcemanager/ipmanager/ipm",
                &pairs,
                &mut unsure,
            )
            .await;
            assert_eq!(a.status, 204, "deallocate {freed} from {name}: {a:?}");
            ack.ips.get_mut(&name).expect("allocated").remove(&freed);
        }
        if round % 4 == 1 {
            let pairs = [("action", "remove"), ("device", name.as_str())];
            let a = until_answered(
                api,
                "POST",
                &format!("/entity/pool/{pool}"),
                &pairs,
                &mut unsure,
            )
            .await;
            assert_eq!(a.status, 200, "remove {name}: {a:?}");
            ack.members.remove(&name);
        }
        if unsure {
            ack.unsure.insert(name);
        }
    }
    ack
}

/// `rounds` of creates, writes, inserts, allocations and some removals and deallocations,
/// by each client.
async fn soak(store: Arc<dyn ItemStore>, seed: u64, rounds: usize) {
    let faulty = Arc::new(FaultyStore::new(store.clone(), FAULTS, seed));
    let setup = Api::start_on(store.clone()).await;
    setup.create("pool", &POOLS).await;
    let ipm = [
        ("name", "ipm"),
        ("baseip", "10.0.0.0"),
        ("netmask", "255.255.254.0"),
    ];
    let a = setup.form("POST", "/resourcemanager/ipmanager", &ipm).await;
    assert_eq!(a.status, 201, "{a:?}");
    let api = Api::start_on(faulty.clone()).await;

    let acks = futures::future::join_all((0..CLIENTS).map(|id| client(&api, id, rounds))).await;

    let injected = faulty.injected();
    assert!(
        injected.throttled > 0 && injected.failed > 0 && injected.lost_answers > 0,
        "the faults were hit: {injected:?}"
    );
    let clean = Clusto::new(store);
    let mut given = BTreeSet::new();
    let mut held_by: BTreeMap<String, String> = BTreeMap::new();
    for ack in &acks {
        for name in &ack.servers {
            let e = clean
                .get(name, None)
                .await
                .expect("an acknowledged create is there");
            let attrs = clean.attrs(name, None, &Default::default()).await.unwrap();
            let values: Vec<String> = attrs
                .iter()
                .filter(|a| a.key == "k")
                .filter_map(|a| a.value.filter_text())
                .collect();
            assert_eq!(
                values,
                [ack.attrs[name].clone()],
                "{name}: one k, as written"
            );
            let parents: Vec<String> = e.parents().iter().map(|p| p.name.clone()).collect();
            let expected: Vec<String> = ack
                .members
                .get(name)
                .map(|p| p.to_string())
                .into_iter()
                .collect();
            assert_eq!(parents, expected, "{name}: its pools");
            let ips: BTreeSet<String> = e.ips().expect("a server has ips").into_iter().collect();
            let acknowledged = ack.ips.get(name).cloned().unwrap_or_default();
            if ack.unsure.contains(name) {
                assert!(
                    ips.is_superset(&acknowledged),
                    "{name}: {ips:?} ⊇ {acknowledged:?}"
                );
            } else {
                assert_eq!(
                    ips, acknowledged,
                    "{name}: exactly the addresses it was given"
                );
            }
            for ip in &acknowledged {
                assert!(given.insert(ip.clone()), "{ip} was given twice");
            }
            for ip in ips {
                assert!(
                    held_by.insert(ip.clone(), name.clone()).is_none(),
                    "{ip} held twice"
                );
            }
        }
    }
    for pool in POOLS {
        let members: BTreeSet<String> = clean
            .get(pool, None)
            .await
            .unwrap()
            .contents()
            .iter()
            .map(|m| m.name.clone())
            .collect();
        let expected: BTreeSet<String> = acks
            .iter()
            .flat_map(|a| a.members.iter())
            .filter(|(_, p)| **p == pool)
            .map(|(n, _)| n.clone())
            .collect();
        assert_eq!(
            members, expected,
            "the members of {pool} agree with their parents"
        );
    }
    // Every address: claimed exactly when someone holds it, and by that one.
    for host in 1..510u32 {
        let ip = dotted(0x0a00_0000 + host);
        let owners: Vec<String> = clean
            .owners("ipm", &ip)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        let holder: Vec<String> = held_by.get(&ip).cloned().into_iter().collect();
        assert_eq!(owners, holder, "{ip}: its claim and its holder agree");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_over_a_faulty_store_lose_and_duplicate_nothing() {
    let store = clusto_store_embedded::EmbeddedStore::memory().unwrap();
    soak(Arc::new(store), 1, 12).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn eight_clients_over_a_faulty_dynamodb_lose_and_duplicate_nothing() {
    let store = clusto_store_dynamodb::testing::fresh_table().await;
    let table = store.clone();
    // Fewer rounds: the test moto serves one request at a time (12 rounds take 4 minutes).
    soak(Arc::new(store), 2, 4).await;
    table.delete_table().await.unwrap();
}
