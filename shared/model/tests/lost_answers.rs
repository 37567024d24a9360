//! Every write path over a store that loses answers (`FaultyStore`): a transaction that
//! committed unseen is sent again with its token and answered from the first commit, so the
//! operation reports its own write as done, exactly once. Throttled transactions are
//! retried; an outcome that stays unknown is reported as such and never decided anew.

mod common;

use std::sync::Arc;

use clusto_model::resources::ip::{decode, dotted};
use clusto_model::{Allocated, AttrValue, Clusto, ModelError, Thing, WriteMode, drivers};
use clusto_store::testing::{Faults, FaultyStore};
use clusto_store::{ItemStore, StoreError};
use common::*;

/// Every transaction commits and loses its answer.
const LOSE_EVERY_ANSWER: Faults = Faults {
    throttle: 0.0,
    server_error: 0.0,
    timeout: 0.0,
    lost_answer: 1.0,
    transactions_only: true,
    after_commit: false,
};

/// A model on `store` (set up without faults) and, for the operation under test, the same
/// store behind `faults`.
async fn faulty(store: Arc<dyn ItemStore>, faults: Faults) -> (Clusto, Clusto, Arc<FaultyStore>) {
    let clean = clusto(store.clone()).await;
    let faulty = Arc::new(FaultyStore::new(store, faults, 7));
    (clean, Clusto::new(faulty.clone()), faulty)
}

/// The store answered at least one repeat from a token: the fault was really hit.
fn assert_repeated(store: &FaultyStore) {
    let injected = store.injected();
    assert!(injected.lost_answers > 0, "{injected:?}");
    assert_eq!(
        injected.token_repeats, injected.lost_answers,
        "{injected:?}"
    );
}

async fn a_create_whose_answer_was_lost_is_reported_created(store: Arc<dyn ItemStore>) {
    let (clean, c, faults) = faulty(store, LOSE_EVERY_ANSWER).await;
    let server = drivers::registered("basicserver").expect("driver");
    let created = c.create(server, &names(&["s1", "s2"]), &[]).await.unwrap();
    assert!(created.existing.is_empty(), "{:?}", created.existing);
    assert_eq!(
        compact(&created.entities),
        ["/basicserver/s1", "/basicserver/s2"]
    );
    assert_repeated(&faults);
    assert!(clean.load("s2").await.unwrap().is_some());
}

async fn an_attribute_write_whose_answer_was_lost_is_written_once(store: Arc<dyn ItemStore>) {
    let (clean, c, faults) = faulty(store, LOSE_EVERY_ANSWER).await;
    create(&clean, "basicserver", &["s1"]).await;
    let adds = [write(WriteMode::Add, "k", None, None, s("v"))];
    let entity = c.write_attrs("s1", None, &adds).await.unwrap();
    assert_eq!(entity.attrs(), [attr("k", None, None, s("v"))]);
    let sets = [write(WriteMode::Set, "k", None, None, s("w"))];
    c.write_attrs("s1", None, &sets).await.unwrap();
    c.delete_attrs("s1", None, &filter(Some("nope"), None, None, None))
        .await
        .unwrap();
    assert_eq!(visible(&clean, "s1").await, [attr("k", None, None, s("w"))]);
    let deleted = c
        .delete_attrs("s1", None, &filter(Some("k"), None, None, None))
        .await
        .unwrap();
    assert!(deleted.attrs().is_empty());
    assert!(visible(&clean, "s1").await.is_empty());
    assert_repeated(&faults);
}

async fn an_insert_and_a_remove_whose_answers_were_lost_happen_once(store: Arc<dyn ItemStore>) {
    let (clean, c, faults) = faulty(store, LOSE_EVERY_ANSWER).await;
    create(&clean, "pool", &["p"]).await;
    create(&clean, "basicserver", &["s1", "s2"]).await;
    let pool = c.insert("p", None, &names(&["s1", "s2"])).await.unwrap();
    assert_eq!(
        compact(&pool.contents()),
        ["/basicserver/s1", "/basicserver/s2"]
    );
    assert_eq!(
        contents_of(&clean, "p").await,
        ["/basicserver/s1", "/basicserver/s2"]
    );
    let pool = c.remove("p", None, &names(&["s1"])).await.unwrap();
    assert_eq!(compact(&pool.contents()), ["/basicserver/s2"]);
    assert_eq!(contents_of(&clean, "p").await, ["/basicserver/s2"]);
    assert_repeated(&faults);
}

async fn a_delete_whose_answer_was_lost_reports_the_delete(store: Arc<dyn ItemStore>) {
    let (clean, c, faults) = faulty(store, LOSE_EVERY_ANSWER).await;
    create(&clean, "basicserver", &["s1"]).await;
    assert!(
        c.delete("s1", None).await.unwrap(),
        "not a 404 for its own delete"
    );
    assert!(clean.load("s1").await.unwrap().is_none());
    assert_repeated(&faults);
}

async fn an_ip_allocation_whose_answer_was_lost_takes_one_address(store: Arc<dyn ItemStore>) {
    let (clean, c, faults) = faulty(store, LOSE_EVERY_ANSWER).await;
    create(&clean, "basicserver", &["s1"]).await;
    let props = [("baseip", "10.0.0.0"), ("netmask", "255.255.255.0")];
    manager(&clean, "ipmanager", "m", &props).await;
    let mut given = Vec::new();
    for _ in 0..3 {
        match c
            .allocate("m", None, Thing::Object("s1".into()), None)
            .await
        {
            Ok(Allocated::Attribute(a)) => match a.value {
                AttrValue::Int(encoded) => given.push(dotted(decode(encoded))),
                other => panic!("expected an address, got {other:?}"),
            },
            other => panic!("expected an attribute, got {other:?}"),
        }
    }
    assert_eq!(given, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    let held = clean.get("s1", None).await.unwrap().ips().expect("ips");
    assert_eq!(held, given, "no address taken that nobody was given");
    c.deallocate("m", None, "s1", Some("10.0.0.2"))
        .await
        .unwrap();
    let held = clean.get("s1", None).await.unwrap().ips().expect("ips");
    assert_eq!(held, ["10.0.0.1", "10.0.0.3"]);
    assert_repeated(&faults);
}

async fn name_allocations_whose_answers_were_lost_keep_the_sequence(store: Arc<dyn ItemStore>) {
    let (clean, c, faults) = faulty(store, LOSE_EVERY_ANSWER).await;
    create(&clean, "basicserver", &["s1"]).await;
    manager(&clean, "simplenamemanager", "names", &[("basename", "n")]).await;
    manager(
        &clean,
        "simpleentitynamemanager",
        "hosts",
        &[("basename", "h")],
    )
    .await;
    let mut given = Vec::new();
    for _ in 0..3 {
        match c
            .allocate("names", None, Thing::Object("s1".into()), None)
            .await
        {
            Ok(Allocated::Attribute(a)) => given.push(a.value),
            other => panic!("expected an attribute, got {other:?}"),
        }
    }
    assert_eq!(given, [s("n01"), s("n02"), s("n03")]);
    let server = drivers::registered("basicserver").expect("driver");
    match c.allocate("hosts", None, Thing::Driver(server), None).await {
        Ok(Allocated::Entity(e)) => assert_eq!(e.compact(), "/basicserver/h01"),
        other => panic!("expected an entity, got {other:?}"),
    }
    assert!(clean.load("h01").await.unwrap().is_some());
    assert!(clean.load("h02").await.unwrap().is_none());
    assert_repeated(&faults);
}

async fn throttled_transactions_are_retried(store: Arc<dyn ItemStore>) {
    // GIVEN half of all transactions throttled (as ThrottlingException or as a cancellation
    // whose reasons say ThrottlingError)
    let faults = Faults {
        throttle: 0.5,
        transactions_only: true,
        after_commit: false,
        ..Faults::default()
    };
    let (clean, c, faults) = faulty(store, faults).await;
    // WHEN entities are created and written one after another
    for n in 0..12 {
        let name = format!("t{n}");
        create(&c, "basicserver", &[&name]).await;
        add(&c, &name, "k", None, None, int(n)).await;
    }
    // THEN every one succeeded, and throttling was really hit
    assert!(faults.injected().throttled > 0, "{:?}", faults.injected());
    for n in 0..12 {
        let name = format!("t{n}");
        assert_eq!(
            visible(&clean, &name).await,
            [attr("k", None, None, int(n))]
        );
    }
}

async fn an_outcome_that_stays_unknown_is_reported_and_not_retried(store: Arc<dyn ItemStore>) {
    // GIVEN a store whose every transaction fails with a 500
    let faults = Faults {
        server_error: 1.0,
        transactions_only: true,
        after_commit: false,
        ..Faults::default()
    };
    let (clean, c, faults) = faulty(store, faults).await;
    // WHEN an entity is created, THEN the model says the outcome is unknown, after sending
    // the same transaction a bounded number of times, and reads nothing anew
    let server = drivers::registered("basicserver").expect("driver");
    let result = c.create(server, &names(&["u1"]), &[]).await;
    assert!(
        matches!(result, Err(ModelError::Store(StoreError::Unknown(_)))),
        "{result:?}"
    );
    let sent = faults.injected().failed as u32;
    assert_eq!(sent, clusto_model::retry::SAME_TOKEN_ATTEMPTS);
    assert!(clean.load("u1").await.unwrap().is_none());
}

on_both_backends!(
    a_create_whose_answer_was_lost_is_reported_created,
    an_attribute_write_whose_answer_was_lost_is_written_once,
    an_insert_and_a_remove_whose_answers_were_lost_happen_once,
    a_delete_whose_answer_was_lost_reports_the_delete,
    an_ip_allocation_whose_answer_was_lost_takes_one_address,
    name_allocations_whose_answers_were_lost_keep_the_sequence,
    throttled_transactions_are_retried,
    an_outcome_that_stays_unknown_is_reported_and_not_retried,
);
