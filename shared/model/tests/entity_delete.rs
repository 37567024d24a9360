//! Deleting entities (`clusto-model.md` §1): what goes with the entity (its rows, relations
//! pointing at it elsewhere, its claims) and what stays (children, quirk 21's IP rows).

mod common;

use std::sync::Arc;

use clusto_model::{Thing, drivers};
use clusto_store::ItemStore;
use common::*;

async fn delete_removes_the_entity_its_rows_and_relations_to_it(store: Arc<dyn ItemStore>) {
    // GIVEN s1 in two pools, referred to by another server, holding its own attributes
    let c = clusto(store).await;
    create(&c, "pool", &["p1", "p2"]).await;
    create(&c, "basicserver", &["s1", "other"]).await;
    c.insert("p1", None, &names(&["s1", "other"]))
        .await
        .unwrap();
    c.insert("p2", None, &names(&["s1"])).await.unwrap();
    add(&c, "s1", "role", None, None, s("web")).await;
    let to_s1 = rel(&c, "s1").await;
    add(&c, "other", "peer", None, None, to_s1.clone()).await;
    add(&c, "other", "peer", Some("backup"), Some(0), to_s1).await;
    add(&c, "other", "peer", None, None, s("s1")).await;
    // WHEN s1 is deleted
    assert!(c.delete("s1", None).await.unwrap());
    // THEN it is gone, with its rows (by-attr no longer finds it)
    assert_eq!(err_text(c.get("s1", None).await), "s1 does not exist.");
    assert!(c.by_attr("role", None, None).await.unwrap().is_empty());
    // AND it left both pools, and other lost only the relation rows pointing at it
    assert_eq!(contents_of(&c, "p1").await, ["/basicserver/other"]);
    assert!(contents_of(&c, "p2").await.is_empty());
    assert!(
        attrs_of(&c, "p2", filter(Some("_contains"), None, None, None))
            .await
            .is_empty()
    );
    assert_eq!(
        visible(&c, "other").await,
        [attr("peer", None, None, s("s1"))]
    );
    // AND the name can be used again, for a fresh entity
    create(&c, "pool", &["s1"]).await;
    assert!(visible(&c, "s1").await.is_empty());
    assert!(parents_of(&c, "s1").await.is_empty());
}

async fn delete_keeps_the_children_which_only_lose_the_parent(store: Arc<dyn ItemStore>) {
    // GIVEN a pool containing a server that is also in another pool
    let c = clusto(store).await;
    create(&c, "pool", &["p1", "p2"]).await;
    create(&c, "basicserver", &["s1"]).await;
    c.insert("p1", None, &names(&["s1"])).await.unwrap();
    c.insert("p2", None, &names(&["s1"])).await.unwrap();
    // WHEN the first pool is deleted
    assert!(c.delete("p1", Some("pool")).await.unwrap());
    // THEN the server still exists, in p2 only
    assert_eq!(parents_of(&c, "s1").await, ["/pool/p2"]);
    assert_eq!(contents_of(&c, "p2").await, ["/basicserver/s1"]);
}

async fn deleting_a_manager_keeps_the_ip_rows_of_its_allocations(store: Arc<dyn ItemStore>) {
    // GIVEN a server with an IP from a manager
    let c = clusto(store).await;
    let ipm = drivers::registered("ipmanager").unwrap();
    let props = vec![
        ("baseip".to_string(), "10.0.0.0".to_string()),
        ("netmask".to_string(), "255.255.255.0".to_string()),
    ];
    c.create(ipm, &names(&["ipm", "ipm2"]), &props)
        .await
        .unwrap();
    create(&c, "basicserver", &["s1"]).await;
    c.allocate("ipm", None, Thing::Object("s1".into()), None)
        .await
        .unwrap();
    // WHEN the manager is deleted
    assert!(c.delete("ipm", None).await.unwrap());
    // THEN only the server's (ip, manager, 0) row went; ip, ipstring and cidr stay (quirk 21)
    let ip = attrs_of(&c, "s1", filter(Some("ip"), None, None, None)).await;
    let subkeys: Vec<Option<&str>> = ip.iter().map(|a| a.subkey.as_deref()).collect();
    assert_eq!(subkeys, [None, Some("ipstring"), Some("cidr")]);
    assert_eq!(
        c.get("s1", None).await.unwrap().ips(),
        Some(vec!["10.0.0.1".to_string()])
    );
    // AND the address is still taken for managers sharing the ip attribute
    let r = c
        .allocate("ipm2", None, Thing::Object("s1".into()), Some("10.0.0.1"))
        .await;
    assert_eq!(err_text(r), "Requested resource is not available.");
}

async fn deleting_a_thing_frees_its_resources(store: Arc<dyn ItemStore>) {
    // GIVEN a server holding a name from a manager
    let c = clusto(store).await;
    create(&c, "simplenamemanager", &["names"]).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    c.allocate("names", None, Thing::Object("s1".into()), Some("web"))
        .await
        .unwrap();
    assert_eq!(c.get("names", None).await.unwrap().count(), Some(1));
    // WHEN the server is deleted
    c.delete("s1", None).await.unwrap();
    // THEN the manager counts nothing and the name can be allocated again
    assert_eq!(c.get("names", None).await.unwrap().count(), Some(0));
    assert!(c.owners("names", "web").await.unwrap().is_empty());
    c.allocate("names", None, Thing::Object("s2".into()), Some("web"))
        .await
        .unwrap();
}

async fn delete_checks_the_driver_and_reports_missing_entities(store: Arc<dyn ItemStore>) {
    // GIVEN a server
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN deleted as a pool or with an unknown driver, THEN an error and it stays
    assert_eq!(
        err_text(c.delete("s1", Some("pool")).await),
        "The driver for object \"s1\" is not \"pool\""
    );
    assert_eq!(
        err_text(c.delete("s1", Some("nodriver")).await),
        "driver name nodriver doesn't exist."
    );
    assert!(c.load("s1").await.unwrap().is_some());
    // WHEN deleted as a device (is-a), THEN it goes; a second delete finds nothing
    assert!(c.delete("s1", Some("device")).await.unwrap());
    assert!(!c.delete("s1", None).await.unwrap());
    assert!(!c.delete("ghost", Some("pool")).await.unwrap());
}

async fn deleting_an_entity_deletes_its_counters(store: Arc<dyn ItemStore>) {
    // GIVEN a name manager that handed out (and took back) 01 and 02, and a pool that
    // numbered two rows
    let c = clusto(store).await;
    create(&c, "simplenamemanager", &["m"]).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    for _ in 0..2 {
        c.allocate("m", None, Thing::Object("s1".into()), None)
            .await
            .unwrap();
    }
    c.insert("p", None, &names(&["s1", "s2"])).await.unwrap();
    c.deallocate("m", None, "s1", None).await.unwrap();
    // WHEN both are deleted and made again under the same names
    c.delete("m", None).await.unwrap();
    c.delete("p", None).await.unwrap();
    create(&c, "simplenamemanager", &["m"]).await;
    create(&c, "pool", &["p"]).await;
    // THEN their counters start afresh
    let got = c
        .allocate("m", None, Thing::Object("s2".into()), None)
        .await
        .unwrap();
    assert_eq!(
        got,
        clusto_model::Allocated::Attribute(attr("simplename", None, Some(0), s("01")))
    );
    c.insert("p", None, &names(&["s2"])).await.unwrap();
    let rows = attrs_of(&c, "p", filter(Some("_contains"), None, None, None)).await;
    assert_eq!(
        rows,
        [attr("_contains", None, Some(0), rel(&c, "s2").await)]
    );
}

async fn deleting_the_owner_of_relations_cleans_their_targets(store: Arc<dyn ItemStore>) {
    // GIVEN s1 pointing at s2 and containing s3
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2", "s3"]).await;
    add(&c, "s1", "peer", None, None, rel(&c, "s2").await).await;
    c.insert("s1", None, &names(&["s3"])).await.unwrap();
    // WHEN s1 is deleted
    c.delete("s1", None).await.unwrap();
    // THEN s3 has no parent (so a plain container takes it), and s2 deletes cleanly
    assert!(parents_of(&c, "s3").await.is_empty());
    c.insert("s2", None, &names(&["s3"])).await.unwrap();
    assert!(c.by_attr("peer", None, None).await.unwrap().is_empty());
    assert!(c.delete("s2", None).await.unwrap());
    assert!(parents_of(&c, "s3").await.is_empty());
}

on_both_backends!(
    delete_removes_the_entity_its_rows_and_relations_to_it,
    delete_keeps_the_children_which_only_lose_the_parent,
    deleting_a_manager_keeps_the_ip_rows_of_its_allocations,
    deleting_a_thing_frees_its_resources,
    delete_checks_the_driver_and_reports_missing_entities,
    deleting_an_entity_deletes_its_counters,
    deleting_the_owner_of_relations_cleans_their_targets,
);
