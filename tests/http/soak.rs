//! A fault soak: 8 clients at once over real HTTP, on a store that throttles, fails with
//! 500s and timeouts, and loses the answers of writes that committed (`FaultyStore`).
//! Clients retry what answers 503, as a careful client does; keyed clients send an
//! `Idempotency-Key` and repeat some writes whose answers they drop. At the end the database must
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
    after_commit: false,
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

/// How a client sends its writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Without `Idempotency-Key`.
    Plain,
    /// With a key per write, and one write in four sent twice (the first answer dropped, as
    /// when a gateway times out after the function committed).
    Keyed,
}

/// Sends a form request until it is answered with something other than a 503 (or, with a
/// key, a 409 "being processed").
async fn until_answered(
    api: &Api,
    method: &str,
    path: &str,
    pairs: &[(&str, &str)],
    key: Option<&str>,
    unsure: &mut bool,
) -> Answer {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    if key.is_some() && fastrand::u8(0..4) == 0 {
        api.form_h(method, path, &headers, pairs).await;
    }
    let mut last = None;
    for _ in 0..50 {
        let a = api.form_h(method, path, &headers, pairs).await;
        let running = key.is_some() && a.status == 409 && a.text.contains("being processed");
        if a.status != 503 && !running {
            return a;
        }
        assert!(
            a.header("retry-after").is_some(),
            "a {} without Retry-After: {a:?}",
            a.status
        );
        *unsure |= a.text.contains("may or may not");
        tokio::time::sleep(Duration::from_millis(if running { 200 } else { 20 })).await;
        last = Some(a);
    }
    panic!("{method} {path}: no answer after 50 tries; the last: {last:?}");
}

/// Whether a write was done: answered with `status`, or "made its change, but its answer
/// could not be made or kept", which leaves the client unsure of what it was given.
fn done(a: &Answer, status: u16, unsure: &mut bool) -> bool {
    let unanswered = a.status == 409 && a.text.contains("made its change");
    *unsure |= unanswered;
    a.status == status || unanswered
}

async fn client(api: &Api, id: usize, rounds: usize, mode: Mode) -> Acknowledged {
    let mut ack = Acknowledged::default();
    let mut writes = 0;
    let mut key = || {
        writes += 1;
        (mode == Mode::Keyed).then(|| format!("c{id}-w{writes}"))
    };
    for round in 0..rounds {
        let name = format!("c{id}-s{round}");
        let pool = POOLS[(id + round) % 2];
        let mut unsure = false;
        let a = until_answered(
            api,
            "POST",
            "/entity/basicserver",
            &[("name", &name)],
            key().as_deref(),
            &mut unsure,
        )
        .await;
        // Only a plain repeat of a create that committed unseen says "already there".
        let plain_repeat = unsure && mode == Mode::Plain;
        assert!(
            done(&a, 201, &mut unsure) || (plain_repeat && a.status == 202),
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
            key().as_deref(),
            &mut unsure,
        )
        .await;
        assert!(done(&a, 201, &mut unsure), "attribute of {name}: {a:?}");
        ack.attrs.insert(name.clone(), value);
        let path = format!("/entity/pool/{pool}");
        let pairs = [("action", "insert"), ("device", name.as_str())];
        let a = until_answered(api, "POST", &path, &pairs, key().as_deref(), &mut unsure).await;
        assert!(done(&a, 200, &mut unsure), "insert {name}: {a:?}");
        ack.members.insert(name.clone(), pool);
        for _ in 0..2 {
            let a = until_answered(
                api,
                "POST",
                "/resourcemanager/ipmanager/ipm",
                &[("object", &name)],
                key().as_deref(),
                &mut unsure,
            )
            .await;
            assert!(done(&a, 201, &mut unsure), "allocate to {name}: {a:?}");
            let given = ack.ips.entry(name.clone()).or_default();
            if a.status == 201 {
                let encoded = a.json()["value"].as_i64().expect("an encoded address");
                given.insert(dotted(decode(encoded)));
            }
        }
        let some_ip = ack.ips[&name].iter().next().cloned();
        if let Some(freed) = some_ip.filter(|_| round % 3 == 0) {
            let pairs = [("object", name.as_str()), ("resource", freed.as_str())];
            let a = until_answered(
                api,
                "DELETE",
                "/resourcemanager/ipmanager/ipm",
                &pairs,
                key().as_deref(),
                &mut unsure,
            )
            .await;
            assert!(
                done(&a, 204, &mut unsure),
                "deallocate {freed} from {name}: {a:?}"
            );
            ack.ips.get_mut(&name).expect("allocated").remove(&freed);
        }
        if round % 4 == 1 {
            let pairs = [("action", "remove"), ("device", name.as_str())];
            let a = until_answered(
                api,
                "POST",
                &format!("/entity/pool/{pool}"),
                &pairs,
                key().as_deref(),
                &mut unsure,
            )
            .await;
            assert!(done(&a, 200, &mut unsure), "remove {name}: {a:?}");
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
async fn soak(store: Arc<dyn ItemStore>, seed: u64, rounds: usize, mode: Mode) {
    let faulty = Arc::new(FaultyStore::new(store.clone(), FAULTS, seed));
    let setup = Api::start_on(store.clone()).await;
    setup.create("pool", &POOLS).await;
    setup.ip_manager("ipm", "255.255.254.0").await;
    let api = Api::start_on(faulty.clone()).await;

    let acks =
        futures::future::join_all((0..CLIENTS).map(|id| client(&api, id, rounds, mode))).await;

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
            if ack.unsure.contains(name) && mode == Mode::Plain {
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
    soak(Arc::new(store), 1, 12, Mode::Plain).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_keyed_clients_over_a_faulty_store_lose_and_duplicate_nothing() {
    let store = clusto_store_embedded::EmbeddedStore::memory().unwrap();
    soak(Arc::new(store), 3, 12, Mode::Keyed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn eight_clients_over_a_faulty_dynamodb_lose_and_duplicate_nothing() {
    let store = clusto_store_dynamodb::testing::fresh_table().await;
    let table = store.clone();
    // Fewer rounds: the test moto serves one request at a time (12 rounds take 4 minutes).
    soak(Arc::new(store), 2, 4, Mode::Plain).await;
    table.delete_table().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn eight_keyed_clients_over_a_faulty_dynamodb_lose_and_duplicate_nothing() {
    let store = clusto_store_dynamodb::testing::fresh_table().await;
    let table = store.clone();
    soak(Arc::new(store), 4, 3, Mode::Keyed).await;
    table.delete_table().await.unwrap();
}
