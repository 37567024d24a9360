//! Containment (`clusto-model.md` §4): the insert rule of each container driver and its
//! error text, storage as `_contains` rows, orderings, recursive contents and from-pools.

mod common;

use std::sync::Arc;

use clusto_model::{AttrWrite, Clusto, NewValue, WriteMode};
use clusto_store::ItemStore;
use common::*;

async fn insert(c: &Clusto, container: &str, devices: &[&str]) -> Result<(), String> {
    c.insert(container, None, &names(devices))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn remove(c: &Clusto, container: &str, devices: &[&str]) {
    c.remove(container, None, &names(devices))
        .await
        .expect("remove");
}

async fn recursive(c: &Clusto, root: &str) -> Vec<String> {
    let e = c.get(root, None).await.unwrap();
    compact(&c.contents_recursive(&e).await.unwrap())
}

async fn from_pools(c: &Clusto, pools: &[&str], types: &[&str], drivers: &[&str]) -> Vec<String> {
    let found = c
        .from_pools(&names(pools), &names(types), &names(drivers), true)
        .await;
    compact(&found.expect("from_pools"))
}

fn repr(driver_class: &str, name: &str, type_name: &str, driver: &str) -> String {
    format!("{driver_class}(name={name}, type={type_name}, driver={driver})")
}

fn server(name: &str) -> String {
    repr("BasicServer", name, "server", "basicserver")
}

async fn a_plain_container_refuses_an_entity_with_any_container(store: Arc<dyn ItemStore>) {
    // GIVEN s2 inside server s1, and s4 inside a pool
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2", "s3", "s4"]).await;
    create(&c, "pool", &["p"]).await;
    insert(&c, "s1", &["s2"]).await.unwrap();
    insert(&c, "p", &["s4"]).await.unwrap();
    // WHEN either is inserted into another plain container, THEN it is refused
    assert_eq!(
        insert(&c, "s3", &["s2"]).await,
        Err("s2 is already in s1 and cannot be inserted into s3.".into())
    );
    assert_eq!(
        insert(&c, "s3", &["s4"]).await,
        Err("s4 is already in p and cannot be inserted into s3.".into())
    );
    assert!(contents_of(&c, "s3").await.is_empty());
}

async fn a_location_refuses_an_entity_in_a_location_of_the_same_driver(store: Arc<dyn ItemStore>) {
    // GIVEN x in datacenter dc1 and in pool p
    let c = clusto(store).await;
    create(&c, "basicdatacenter", &["dc1", "dc2"]).await;
    create(&c, "basiccage", &["cage"]).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["x"]).await;
    insert(&c, "dc1", &["x"]).await.unwrap();
    insert(&c, "p", &["x"]).await.unwrap();
    // WHEN x goes into another datacenter, THEN refused, naming the datacenter(s)
    let expected = format!(
        "{} is already in location(s) [{}]",
        server("x"),
        repr("BasicDatacenter", "dc1", "datacenter", "basicdatacenter")
    );
    assert_eq!(insert(&c, "dc2", &["x"]).await, Err(expected));
    // WHEN x goes into a location of another driver, THEN accepted
    insert(&c, "cage", &["x"]).await.unwrap();
    assert_eq!(
        parents_of(&c, "x").await,
        ["/basicdatacenter/dc1", "/pool/p", "/basiccage/cage"]
    );
}

async fn a_rack_insert_needs_a_rack_unit(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicrack", &["r1"]).await;
    create(&c, "basicserver", &["s1"]).await;
    assert_eq!(
        insert(&c, "r1", &["s1"]).await,
        Err("Inserting into the rack r1 needs a rack unit, which this API cannot pass.".into())
    );
    assert!(contents_of(&c, "r1").await.is_empty());
    assert!(parents_of(&c, "s1").await.is_empty());
}

async fn a_pool_refuses_members_of_an_exclusive_pool_naming_it(store: Arc<dyn ItemStore>) {
    // GIVEN s in exclusive pool x
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "unique_pool", &["u"]).await;
    create(&c, "exclusive_pool", &["x"]).await;
    create(&c, "basicserver", &["s"]).await;
    insert(&c, "x", &["s"]).await.unwrap();
    // WHEN s goes into a pool or a unique pool, THEN refused, naming the exclusive pool
    let expected = format!(
        "{} is in ExclusivePool {}",
        server("s"),
        repr("ExclusivePool", "x", "pool", "exclusive_pool")
    );
    assert_eq!(insert(&c, "p", &["s"]).await, Err(expected.clone()));
    assert_eq!(insert(&c, "u", &["s"]).await, Err(expected));
    assert_eq!(parents_of(&c, "s").await, ["/exclusive_pool/x"]);
}

async fn a_unique_pool_refuses_members_of_another_unique_pool(store: Arc<dyn ItemStore>) {
    // GIVEN s in unique pool u1 and in plain pool p
    let c = clusto(store).await;
    create(&c, "unique_pool", &["u1", "u2"]).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["s", "t"]).await;
    insert(&c, "u1", &["s"]).await.unwrap();
    insert(&c, "p", &["s", "t"]).await.unwrap();
    // WHEN s goes into u2, THEN refused; t (only in a plain pool) is accepted
    let expected = format!(
        "{} is already in UniquePool(s) [{}]",
        server("s"),
        repr("UniquePool", "u1", "pool", "unique_pool")
    );
    assert_eq!(insert(&c, "u2", &["s"]).await, Err(expected));
    insert(&c, "u2", &["t"]).await.unwrap();
    assert_eq!(contents_of(&c, "u2").await, ["/basicserver/t"]);
}

async fn an_exclusive_pool_refuses_anything_already_in_a_pool(store: Arc<dyn ItemStore>) {
    // GIVEN s in pool p and unique pool u, t in exclusive pool x1, v inside a server
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "unique_pool", &["u"]).await;
    create(&c, "exclusive_pool", &["x1", "x2"]).await;
    create(&c, "basicserver", &["s", "t", "v", "host"]).await;
    insert(&c, "p", &["s"]).await.unwrap();
    insert(&c, "u", &["s"]).await.unwrap();
    insert(&c, "x1", &["t"]).await.unwrap();
    insert(&c, "host", &["v"]).await.unwrap();
    // WHEN they go into exclusive pool x2, THEN the pooled ones are refused, naming the pools
    let pools = [
        repr("Pool", "p", "pool", "pool"),
        repr("UniquePool", "u", "pool", "unique_pool"),
    ];
    let expected = format!(
        "{} is already in pools [{}], cannot insert exclusively.",
        server("s"),
        pools.join(", ")
    );
    assert_eq!(insert(&c, "x2", &["s"]).await, Err(expected));
    let expected = format!(
        "{} is already in pools [{}], cannot insert exclusively.",
        server("t"),
        repr("ExclusivePool", "x1", "pool", "exclusive_pool")
    );
    assert_eq!(insert(&c, "x2", &["t"]).await, Err(expected));
    // AND a non-pool container does not count
    insert(&c, "x2", &["v"]).await.unwrap();
    assert_eq!(contents_of(&c, "x2").await, ["/basicserver/v"]);
}

async fn insert_skips_members_and_refuses_itself_and_missing_names(store: Arc<dyn ItemStore>) {
    // GIVEN s in pool p
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["s"]).await;
    insert(&c, "p", &["s"]).await.unwrap();
    // WHEN s is inserted again (twice in one request), THEN it is skipped: still one row
    insert(&c, "p", &["s", "s"]).await.unwrap();
    assert_eq!(
        attrs_of(&c, "p", filter(Some("_contains"), None, None, None))
            .await
            .len(),
        1
    );
    // WHEN p is inserted into itself, a missing entity, into a missing or mistyped container
    assert_eq!(
        insert(&c, "p", &["p"]).await,
        Err("p cannot be inserted into itself.".into())
    );
    assert_eq!(
        insert(&c, "p", &["ghost"]).await,
        Err("ghost does not exist.".into())
    );
    assert_eq!(
        insert(&c, "nowhere", &["s"]).await,
        Err("nowhere does not exist.".into())
    );
    let r = c.insert("p", Some("basicserver"), &names(&["s"])).await;
    assert_eq!(
        err_text(r),
        "The driver for object \"p\" is not \"basicserver\""
    );
    // THEN nothing changed
    assert_eq!(contents_of(&c, "p").await, ["/basicserver/s"]);
}

async fn insert_is_all_or_nothing(store: Arc<dyn ItemStore>) {
    // GIVEN b in unique pool u1
    let c = clusto(store).await;
    create(&c, "unique_pool", &["u1", "u2"]).await;
    create(&c, "basicserver", &["a", "b"]).await;
    insert(&c, "u1", &["b"]).await.unwrap();
    // WHEN a and b go into u2 in one request, THEN the refusal of b keeps a out too
    assert!(insert(&c, "u2", &["a", "b"]).await.is_err());
    assert!(contents_of(&c, "u2").await.is_empty());
    assert!(parents_of(&c, "a").await.is_empty());
}

async fn containment_rows_are_hidden_and_numbered_by_a_growing_counter(store: Arc<dyn ItemStore>) {
    // GIVEN a pool and three servers
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["a", "b", "x"]).await;
    // WHEN a, b are inserted, a removed, then x and a inserted
    insert(&c, "p", &["a", "b"]).await.unwrap();
    remove(&c, "p", &["a"]).await;
    insert(&c, "p", &["x"]).await.unwrap();
    insert(&c, "p", &["a"]).await.unwrap();
    // THEN each insert took the next number; removed numbers are not reused
    let rows = attrs_of(&c, "p", filter(Some("_contains"), None, None, None)).await;
    let expected = vec![
        attr("_contains", None, Some(1), rel(&c, "b").await),
        attr("_contains", None, Some(2), rel(&c, "x").await),
        attr("_contains", None, Some(3), rel(&c, "a").await),
    ];
    assert_eq!(rows, expected);
    // AND the rows are hidden
    assert!(visible(&c, "p").await.is_empty());
}

async fn remove_deletes_every_row_and_skips_absent_entities(store: Arc<dyn ItemStore>) {
    // GIVEN two _contains rows of p pointing at s (written directly)
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["s", "t"]).await;
    let row = AttrWrite {
        mode: WriteMode::Add,
        key: "_contains".into(),
        subkey: None,
        number: None,
        value: NewValue::Relation {
            name: "s".into(),
            driver: None,
        },
    };
    c.write_attrs("p", None, &[row.clone(), row]).await.unwrap();
    insert(&c, "p", &["t"]).await.unwrap();
    // THEN contents and parents are de-duplicated
    assert_eq!(
        contents_of(&c, "p").await,
        ["/basicserver/s", "/basicserver/t"]
    );
    assert_eq!(parents_of(&c, "s").await, ["/pool/p"]);
    // WHEN s, a non-member and a missing name are removed
    let after = c
        .remove("p", None, &names(&["s", "t2", "ghost"]))
        .await
        .unwrap();
    // THEN both rows of s are gone, t stays
    assert_eq!(compact(&after.contents()), ["/basicserver/t"]);
    assert_eq!(
        attrs_of(&c, "p", filter(Some("_contains"), None, None, None))
            .await
            .len(),
        1
    );
    assert!(parents_of(&c, "s").await.is_empty());
}

async fn an_entity_can_be_in_many_pools_and_locations(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "pool", &["p1", "p2"]).await;
    create(&c, "unique_pool", &["u"]).await;
    create(&c, "basicdatacenter", &["dc"]).await;
    create(&c, "basiczone", &["z"]).await;
    create(&c, "basicserver", &["s"]).await;
    for container in ["p1", "dc", "p2", "u", "z"] {
        insert(&c, container, &["s"]).await.unwrap();
    }
    assert_eq!(
        parents_of(&c, "s").await,
        [
            "/pool/p1",
            "/basicdatacenter/dc",
            "/pool/p2",
            "/unique_pool/u",
            "/basiczone/z"
        ]
    );
}

async fn contents_are_in_id_order_of_the_children(store: Arc<dyn ItemStore>) {
    // GIVEN servers created in the order s1, s3, zz, aa
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["s1", "s3", "zz", "aa"]).await;
    // WHEN inserted in the order zz, s3, aa, s1
    for s in ["zz", "s3", "aa", "s1"] {
        insert(&c, "p", &[s]).await.unwrap();
    }
    // THEN contents come in creation order of the children
    let expected = [
        "/basicserver/s1",
        "/basicserver/s3",
        "/basicserver/zz",
        "/basicserver/aa",
    ];
    assert_eq!(contents_of(&c, "p").await, expected);
}

async fn parents_are_in_row_order_and_reinsert_moves_to_the_end(store: Arc<dyn ItemStore>) {
    // GIVEN pools created c, b, a and s inserted into a, b, c in that order
    let c = clusto(store).await;
    create(&c, "pool", &["c", "b", "a"]).await;
    create(&c, "basicserver", &["s"]).await;
    for p in ["a", "b", "c"] {
        insert(&c, p, &["s"]).await.unwrap();
    }
    assert_eq!(parents_of(&c, "s").await, ["/pool/a", "/pool/b", "/pool/c"]);
    // WHEN s is removed from a and inserted again
    remove(&c, "a", &["s"]).await;
    insert(&c, "a", &["s"]).await.unwrap();
    // THEN a moves to the end
    assert_eq!(parents_of(&c, "s").await, ["/pool/b", "/pool/c", "/pool/a"]);
}

async fn recursive_contents_append_each_childs_contents_in_order(store: Arc<dyn ItemStore>) {
    // GIVEN P ⊃ {a, q, q2}, q ⊃ {b, r}, r ⊃ {c}, c ⊃ {d} (a server in a server), q2 ⊃ {x}
    let c = clusto(store).await;
    create(&c, "pool", &["P", "q"]).await;
    create(&c, "basicserver", &["a"]).await;
    create(&c, "pool", &["r", "q2"]).await;
    create(&c, "basicserver", &["b", "c", "d", "x"]).await;
    insert(&c, "P", &["a", "q2", "q"]).await.unwrap();
    insert(&c, "q", &["b", "r"]).await.unwrap();
    insert(&c, "r", &["c"]).await.unwrap();
    insert(&c, "c", &["d"]).await.unwrap();
    insert(&c, "q2", &["x"]).await.unwrap();
    // THEN direct contents, then each child's recursive contents, depth first, id order
    assert_eq!(
        recursive(&c, "P").await,
        [
            "/pool/q",
            "/basicserver/a",
            "/pool/q2",
            "/pool/r",
            "/basicserver/b",
            "/basicserver/c",
            "/basicserver/d",
            "/basicserver/x"
        ]
    );
    assert_eq!(recursive(&c, "c").await, ["/basicserver/d"]);
}

async fn cycles_do_not_hang(store: Arc<dyn ItemStore>) {
    // GIVEN pools containing each other
    let c = clusto(store).await;
    create(&c, "pool", &["p1", "p2"]).await;
    create(&c, "basicserver", &["s"]).await;
    insert(&c, "p1", &["p2"]).await.unwrap();
    insert(&c, "p2", &["p1", "s"]).await.unwrap();
    // THEN recursive contents and from-pools terminate
    assert_eq!(
        recursive(&c, "p1").await,
        ["/pool/p2", "/pool/p1", "/basicserver/s"]
    );
    assert_eq!(
        from_pools(&c, &["p1"], &[], &[]).await,
        ["/pool/p1", "/pool/p2", "/basicserver/s"]
    );
}

async fn from_pools_intersects_the_pools_in_id_order(store: Arc<dyn ItemStore>) {
    // GIVEN p1 ⊃ {s4, s2, s1, sub}, sub ⊃ {s3, s2}, p2 (a unique pool) ⊃ {s3, s2, s4}
    let c = clusto(store).await;
    create(&c, "pool", &["p1", "sub"]).await;
    create(&c, "unique_pool", &["p2"]).await;
    create(&c, "basicserver", &["s1", "s2", "s3", "s4"]).await;
    insert(&c, "p1", &["s4", "s2", "s1", "sub"]).await.unwrap();
    insert(&c, "sub", &["s3", "s2"]).await.unwrap();
    insert(&c, "p2", &["s3", "s2", "s4"]).await.unwrap();
    // THEN one pool: its recursive contents once each; two: their intersection; id order
    assert_eq!(
        from_pools(&c, &["p1"], &[], &[]).await,
        [
            "/pool/sub",
            "/basicserver/s1",
            "/basicserver/s2",
            "/basicserver/s3",
            "/basicserver/s4"
        ]
    );
    assert_eq!(
        from_pools(&c, &["p1", "p2"], &[], &[]).await,
        ["/basicserver/s2", "/basicserver/s3", "/basicserver/s4"]
    );
    // AND without recursion only direct contents count
    let direct = c
        .from_pools(&names(&["p1", "p2"]), &[], &[], false)
        .await
        .unwrap();
    assert_eq!(compact(&direct), ["/basicserver/s2", "/basicserver/s4"]);
}

async fn from_pools_filters_exactly_and_recurses_through_filtered_children(
    store: Arc<dyn ItemStore>,
) {
    // GIVEN a pool containing a pool containing servers of two drivers
    let c = clusto(store).await;
    create(&c, "pool", &["top", "mid"]).await;
    create(&c, "basicvirtualserver", &["v"]).await;
    create(&c, "basicserver", &["s"]).await;
    create(&c, "basicappliance", &["app"]).await;
    insert(&c, "top", &["mid", "app"]).await.unwrap();
    insert(&c, "mid", &["v", "s"]).await.unwrap();
    // THEN a type filter finds the servers below the pool it drops
    assert_eq!(
        from_pools(&c, &["top"], &["server"], &[]).await,
        ["/basicvirtualserver/v", "/basicserver/s"]
    );
    // AND driver filters are exact, OR within the list, AND with types
    assert_eq!(
        from_pools(&c, &["top"], &[], &["basicserver"]).await,
        ["/basicserver/s"]
    );
    assert_eq!(
        from_pools(&c, &["top"], &[], &["basicserver", "pool"]).await,
        ["/pool/mid", "/basicserver/s"]
    );
    assert_eq!(
        from_pools(&c, &["top"], &["server", "appliance"], &["basicappliance"]).await,
        ["/basicappliance/app"]
    );
}

async fn from_pools_rejects_unknown_or_non_pool_names_and_filters(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["s"]).await;
    let run = |pools: &[&str], types: &[&str], drivers: &[&str]| {
        let (c, p, t, d) = (c.clone(), names(pools), names(types), names(drivers));
        async move { err_text(c.from_pools(&p, &t, &d, true).await) }
    };
    assert_eq!(
        run(&["p", "nopool"], &[], &[]).await,
        "nopool does not exist."
    );
    assert_eq!(
        run(&["s"], &[], &[]).await,
        "The object s is not an instance of <class 'clusto.drivers.categories.pool.Pool'>"
    );
    assert_eq!(
        run(&["p"], &["notype"], &[]).await,
        "driver name notype doesn't exist."
    );
    assert_eq!(
        run(&["p"], &[], &["nodriver"]).await,
        "driver name nodriver doesn't exist."
    );
}

on_both_backends!(
    a_plain_container_refuses_an_entity_with_any_container,
    a_location_refuses_an_entity_in_a_location_of_the_same_driver,
    a_rack_insert_needs_a_rack_unit,
    a_pool_refuses_members_of_an_exclusive_pool_naming_it,
    a_unique_pool_refuses_members_of_another_unique_pool,
    an_exclusive_pool_refuses_anything_already_in_a_pool,
    insert_skips_members_and_refuses_itself_and_missing_names,
    insert_is_all_or_nothing,
    containment_rows_are_hidden_and_numbered_by_a_growing_counter,
    remove_deletes_every_row_and_skips_absent_entities,
    an_entity_can_be_in_many_pools_and_locations,
    contents_are_in_id_order_of_the_children,
    parents_are_in_row_order_and_reinsert_moves_to_the_end,
    recursive_contents_append_each_childs_contents_in_order,
    cycles_do_not_hang,
    from_pools_intersects_the_pools_in_id_order,
    from_pools_filters_exactly_and_recurses_through_filtered_children,
    from_pools_rejects_unknown_or_non_pool_names_and_filters,
);
