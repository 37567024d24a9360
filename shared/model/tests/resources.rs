//! Resource managers (`clusto-model.md` §6.1–6.4): the name, entity-name, number and base
//! managers, allocation rows and numbers, deallocation and owners. IPs: `ip_manager.rs`.

mod common;

use std::sync::Arc;

use clusto_model::{Allocated, AttrValue, Clusto, ModelResult, Thing, drivers};
use clusto_store::ItemStore;
use common::*;

/// The value an allocation to an object produced.
async fn value(c: &Clusto, m: &str, object: &str, resource: Option<&str>) -> AttrValue {
    match alloc(c, m, object, resource).await.expect("allocate") {
        Allocated::Attribute(a) => a.value,
        other => panic!("expected an attribute, got {other:?}"),
    }
}

async fn entity_of(
    c: &Clusto,
    m: &str,
    driver: &str,
    resource: Option<&str>,
) -> ModelResult<String> {
    let d = drivers::registered(driver).expect("driver");
    match c.allocate(m, None, Thing::Driver(d), resource).await? {
        Allocated::Entity(e) => Ok(e.compact()),
        other => panic!("expected an entity, got {other:?}"),
    }
}

async fn count(c: &Clusto, m: &str) -> Option<usize> {
    c.get(m, None).await.unwrap().count()
}

async fn simple_names_count_up_with_basename_digits_and_padding(store: Arc<dyn ItemStore>) {
    // GIVEN name managers with default and custom properties
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    manager(&c, "simplenamemanager", "plain", &[]).await;
    manager(
        &c,
        "simplenamemanager",
        "db",
        &[("basename", "db"), ("digits", "3")],
    )
    .await;
    manager(
        &c,
        "simplenamemanager",
        "bare",
        &[("basename", "h"), ("leadingZeros", "0")],
    )
    .await;
    // WHEN names are allocated, THEN they follow each manager's own sequence
    assert_eq!(value(&c, "plain", "s1", None).await, s("01"));
    assert_eq!(value(&c, "plain", "s1", None).await, s("02"));
    assert_eq!(value(&c, "plain", "s2", None).await, s("03"));
    assert_eq!(value(&c, "db", "s1", None).await, s("db001"));
    assert_eq!(value(&c, "bare", "s1", None).await, s("h1"));
}

async fn the_next_property_sets_the_start_and_is_never_updated(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    manager(&c, "simplenamemanager", "m", &[("next", "5")]).await;
    assert_eq!(value(&c, "m", "s1", None).await, s("05"));
    assert_eq!(value(&c, "m", "s1", None).await, s("06"));
    let next = attrs_of(&c, "m", filter(Some("next"), None, None, None)).await;
    assert_eq!(next, [attr("next", Some("property"), None, int(5))]);
}

async fn running_out_of_digits_is_an_error_that_uses_no_number(store: Arc<dyn ItemStore>) {
    // GIVEN a one-digit manager at 9
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    manager(
        &c,
        "simplenamemanager",
        "m",
        &[("digits", "1"), ("next", "9")],
    )
    .await;
    assert_eq!(value(&c, "m", "s1", None).await, s("9"));
    // WHEN it reaches 10, THEN every attempt fails at number 10, writing nothing
    let expected = "Out of digits for the integer. Max of 1 digits and we're at number 10.";
    assert_eq!(err_text(alloc(&c, "m", "s1", None).await), expected);
    assert_eq!(err_text(alloc(&c, "m", "s1", None).await), expected);
    assert_eq!(count(&c, "m").await, Some(1));
    // AND with more digits the sequence continues at 10
    set(&c, "m", "digits", Some("property"), None, int(2)).await;
    assert_eq!(value(&c, "m", "s1", None).await, s("10"));
}

async fn a_name_allocation_writes_value_and_manager_rows_on_the_thing(store: Arc<dyn ItemStore>) {
    // GIVEN a name manager and a server
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    manager(&c, "simplenamemanager", "m", &[("basename", "db")]).await;
    // WHEN a name is allocated
    let got = alloc(&c, "m", "s1", None).await.unwrap();
    // THEN the first row is returned, and the thing holds the value and manager rows
    assert_eq!(
        got,
        Allocated::Attribute(attr("simplename", None, Some(0), s("db01")))
    );
    assert_eq!(
        visible(&c, "s1").await,
        [
            attr("simplename", None, Some(0), s("db01")),
            attr("simplename", Some("manager"), Some(0), rel(&c, "m").await)
        ]
    );
    // AND the manager counts its allocations
    assert_eq!(count(&c, "m").await, Some(1));
    alloc(&c, "m", "s2", None).await.unwrap();
    assert_eq!(count(&c, "m").await, Some(2));
}

async fn an_explicit_name_is_taken_verbatim_if_free(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    manager(&c, "simplenamemanager", "m", &[("basename", "db")]).await;
    // WHEN a name is requested, THEN it is stored as given and the counter is untouched
    assert_eq!(value(&c, "m", "s1", Some("custom 7")).await, s("custom 7"));
    assert_eq!(value(&c, "m", "s1", None).await, s("db01"));
    // WHEN a held name is requested again (by anyone), THEN it is not available
    for (object, name) in [("s2", "custom 7"), ("s2", "db01"), ("s1", "db01")] {
        let r = alloc(&c, "m", object, Some(name)).await;
        assert_eq!(err_text(r), "Requested resource is not available.");
    }
    assert!(visible(&c, "s2").await.is_empty());
}

async fn allocation_numbers_are_per_object_one_above_its_highest(store: Arc<dyn ItemStore>) {
    // GIVEN two managers sharing the simplename attribute
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    manager(&c, "simplenamemanager", "m1", &[("basename", "a")]).await;
    manager(&c, "simplenamemanager", "m2", &[("basename", "b")]).await;
    let number = |m: &'static str, o: &'static str| {
        let c = c.clone();
        async move {
            match alloc(&c, m, o, None).await.unwrap() {
                Allocated::Attribute(a) => a.number,
                other => panic!("{other:?}"),
            }
        }
    };
    // WHEN s1 gets three names from both managers and s2 one
    assert_eq!(number("m1", "s1").await, Some(0));
    assert_eq!(number("m2", "s1").await, Some(1));
    assert_eq!(number("m1", "s1").await, Some(2));
    assert_eq!(number("m2", "s2").await, Some(0));
    // WHEN s1's highest number is freed, THEN it is used again; a lower gap is not
    c.deallocate("m1", None, "s1", Some("a02")).await.unwrap();
    assert_eq!(number("m1", "s1").await, Some(2));
    c.deallocate("m1", None, "s1", Some("a01")).await.unwrap();
    assert_eq!(number("m1", "s1").await, Some(3));
}

async fn deallocate_by_resource_or_everything_from_this_manager(store: Arc<dyn ItemStore>) {
    // GIVEN s1 holding a01 (0) and a02 (2) from m1 and b01 (1) from m2
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    manager(&c, "simplenamemanager", "m1", &[("basename", "a")]).await;
    manager(&c, "simplenamemanager", "m2", &[("basename", "b")]).await;
    alloc(&c, "m1", "s1", None).await.unwrap();
    alloc(&c, "m2", "s1", None).await.unwrap();
    alloc(&c, "m1", "s1", None).await.unwrap();
    let numbers = |c: Clusto| async move {
        let rows = attrs_of(&c, "s1", filter(Some("simplename"), None, None, None)).await;
        rows.iter().map(|a| a.number.unwrap()).collect::<Vec<_>>()
    };
    // WHEN a01 is deallocated, THEN both rows of number 0 go
    c.deallocate("m1", None, "s1", Some("a01")).await.unwrap();
    assert_eq!(numbers(c.clone()).await, [1, 1, 2, 2]);
    assert_eq!(
        (count(&c, "m1").await, count(&c, "m2").await),
        (Some(1), Some(1))
    );
    // WHEN m1 deallocates everything from s1, THEN only m2's rows remain
    c.deallocate("m1", None, "s1", None).await.unwrap();
    assert_eq!(numbers(c.clone()).await, [1, 1]);
    assert_eq!(count(&c, "m1").await, Some(0));
    // AND the freed names can be allocated again
    assert_eq!(value(&c, "m1", "s2", Some("a01")).await, s("a01"));
}

async fn deallocating_what_another_object_holds_is_an_error(store: Arc<dyn ItemStore>) {
    // GIVEN s1 holding b01 from m2
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    manager(&c, "simplenamemanager", "m1", &[("basename", "a")]).await;
    manager(&c, "simplenamemanager", "m2", &[("basename", "b")]).await;
    alloc(&c, "m2", "s1", None).await.unwrap();
    let before = visible(&c, "s1").await;
    // WHEN s2 gives it back, THEN an error
    let r = c.deallocate("m2", None, "s2", Some("b01")).await;
    assert_eq!(err_text(r), "s2 isn't assigned resource b01");
    // WHEN nobody holds it, or m1 (not its manager) takes it from s1, THEN nothing happens
    c.deallocate("m2", None, "s2", Some("zz")).await.unwrap();
    c.deallocate("m1", None, "s1", Some("b01")).await.unwrap();
    c.deallocate("m1", None, "s1", None).await.unwrap();
    assert_eq!(visible(&c, "s1").await, before);
}

async fn owners_are_the_entities_holding_a_resource(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    manager(&c, "simplenamemanager", "m1", &[]).await;
    manager(&c, "simplenamemanager", "m2", &[]).await;
    alloc(&c, "m1", "s1", Some("web")).await.unwrap();
    // THEN managers sharing the attribute see the same owner
    assert_eq!(
        compact(&c.owners("m1", "web").await.unwrap()),
        ["/basicserver/s1"]
    );
    assert_eq!(
        compact(&c.owners("m2", "web").await.unwrap()),
        ["/basicserver/s1"]
    );
    assert!(c.owners("m1", "db").await.unwrap().is_empty());
    c.deallocate("m1", None, "s1", None).await.unwrap();
    assert!(c.owners("m1", "web").await.unwrap().is_empty());
}

async fn allocation_needs_an_object_and_a_manager(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    manager(&c, "simplenamemanager", "m", &[]).await;
    let server = drivers::registered("basicserver").unwrap();
    assert_eq!(
        err_text(alloc(&c, "s1", "s1", None).await),
        "The object \"s1\" is not a resource manager"
    );
    assert_eq!(
        err_text(c.deallocate("s1", None, "s1", None).await),
        "The object \"s1\" is not a resource manager"
    );
    assert_eq!(
        err_text(alloc(&c, "nom", "s1", None).await),
        "nom does not exist."
    );
    assert_eq!(
        err_text(alloc(&c, "m", "ghost", None).await),
        "ghost does not exist."
    );
    let r = c
        .allocate("m", Some("ipmanager"), Thing::Object("s1".into()), None)
        .await;
    assert_eq!(
        err_text(r),
        "The driver for object \"m\" is not \"ipmanager\""
    );
    let r = c.allocate("m", None, Thing::Driver(server), None).await;
    assert_eq!(
        err_text(r),
        "basicserver is not of type Driver: a simplenamemanager allocates to existing objects; send an object."
    );
    assert!(visible(&c, "s1").await.is_empty());
}

async fn the_base_manager_allocates_only_given_resources(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    manager(&c, "resourcemanager", "rm", &[]).await;
    let r = alloc(&c, "rm", "s1", None).await;
    assert_eq!(
        err_text(r),
        "A resourcemanager cannot pick a resource by itself; send a resource."
    );
    assert_eq!(value(&c, "rm", "s1", Some("r1")).await, s("r1"));
    assert_eq!(
        visible(&c, "s1").await,
        [
            attr("resource", None, Some(0), s("r1")),
            attr("resource", Some("manager"), Some(0), rel(&c, "rm").await)
        ]
    );
    assert_eq!(count(&c, "rm").await, Some(1));
}

async fn entity_names_create_entities_sharing_one_counter(store: Arc<dyn ItemStore>) {
    // GIVEN entity name managers without and with a basename
    let c = clusto(store).await;
    manager(&c, "simpleentitynamemanager", "en", &[]).await;
    manager(&c, "simpleentitynamemanager", "ea", &[("basename", "a")]).await;
    // WHEN entities of several drivers are allocated
    assert_eq!(
        entity_of(&c, "en", "basicserver", None).await.unwrap(),
        "/basicserver/01"
    );
    assert_eq!(entity_of(&c, "en", "pool", None).await.unwrap(), "/pool/02");
    assert_eq!(
        entity_of(&c, "en", "basicserver", Some("named"))
            .await
            .unwrap(),
        "/basicserver/named"
    );
    assert_eq!(
        entity_of(&c, "en", "basicrack", None).await.unwrap(),
        "/basicrack/03"
    );
    assert_eq!(
        entity_of(&c, "ea", "basicserver", None).await.unwrap(),
        "/basicserver/a01"
    );
    // THEN they exist with their driver's defaults, and nothing is recorded anywhere
    assert_eq!(c.get("02", Some("pool")).await.unwrap().type_name(), "pool");
    assert!(visible(&c, "01").await.is_empty());
    assert_eq!(visible(&c, "03").await.len(), 2);
    assert_eq!(count(&c, "en").await, Some(0));
    assert_eq!(visible(&c, "en").await.len(), 4);
}

async fn entity_name_allocation_errors(store: Arc<dyn ItemStore>) {
    // GIVEN an entity name manager and a server s1
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    manager(&c, "simpleentitynamemanager", "en", &[]).await;
    // WHEN a taken name is requested, THEN the creation fails
    let r = entity_of(&c, "en", "pool", Some("s1")).await;
    assert_eq!(err_text(r), "Driver with the name s1 already exists.");
    assert_eq!(
        c.get("s1", None).await.unwrap().driver().name,
        "basicserver"
    );
    // WHEN an object is sent instead of a driver, THEN an error
    assert_eq!(
        err_text(alloc(&c, "en", "s1", None).await),
        "s1 is not a Driver class: a simpleentitynamemanager allocates new entities; send a driver."
    );
    // WHEN anything is deallocated, THEN an error
    for resource in [None, Some("01")] {
        let r = c.deallocate("en", None, "s1", resource).await;
        assert_eq!(
            err_text(r),
            "can't deallocate an entity name, delete the entity instead."
        );
    }
    // AND the counter was not used
    assert_eq!(entity_of(&c, "en", "pool", None).await.unwrap(), "/pool/01");
}

async fn the_number_manager_counts_from_next_up_to_maxnum(store: Arc<dyn ItemStore>) {
    // GIVEN a library-only number manager with maxnum 1
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    manager(&c, "simplenummanager", "nums", &[("maxnum", "1")]).await;
    assert_eq!(
        visible(&c, "nums").await,
        [
            attr("maxnum", Some("property"), None, int(1)),
            attr("next", Some("property"), None, int(0))
        ]
    );
    // WHEN numbers are allocated, THEN 0 and 1, then it is out of numbers
    assert_eq!(value(&c, "nums", "s1", None).await, int(0));
    assert_eq!(value(&c, "nums", "s2", None).await, int(1));
    let expected = "Out of numbers. Max of 1 reached.";
    assert_eq!(err_text(alloc(&c, "nums", "s1", None).await), expected);
    assert_eq!(err_text(alloc(&c, "nums", "s1", None).await), expected);
    assert_eq!(
        visible(&c, "s2").await,
        [
            attr("simplenum", None, Some(0), int(1)),
            attr("simplenum", Some("manager"), Some(0), rel(&c, "nums").await)
        ]
    );
    // AND explicit numbers are parsed as integers
    assert_eq!(value(&c, "nums", "s1", Some("7")).await, int(7));
    let r = alloc(&c, "nums", "s1", Some("x")).await;
    assert_eq!(err_text(r), "invalid literal for int() with base 10: 'x'");
    // AND a higher maxnum lets the sequence continue where it stopped
    set(&c, "nums", "maxnum", Some("property"), None, int(5)).await;
    assert_eq!(value(&c, "nums", "s2", None).await, int(2));
}

async fn managers_are_listed_in_id_order_by_exact_driver(store: Arc<dyn ItemStore>) {
    // GIVEN managers of three drivers and a server
    let c = clusto(store).await;
    manager(&c, "ipmanager", "ip", &[]).await;
    manager(&c, "resourcemanager", "base", &[]).await;
    create(&c, "basicserver", &["s1"]).await;
    manager(&c, "simplenamemanager", "names", &[]).await;
    let listed = |driver: Option<&'static str>| {
        let c = c.clone();
        async move {
            let d = driver.map(|d| drivers::registered(d).unwrap());
            compact(&c.managers(d).await.unwrap())
        }
    };
    assert_eq!(
        listed(None).await,
        [
            "/ipmanager/ip",
            "/resourcemanager/base",
            "/simplenamemanager/names"
        ]
    );
    assert_eq!(
        listed(Some("resourcemanager")).await,
        ["/resourcemanager/base"]
    );
    assert!(listed(Some("basicserver")).await.is_empty());
}

on_both_backends!(
    simple_names_count_up_with_basename_digits_and_padding,
    the_next_property_sets_the_start_and_is_never_updated,
    running_out_of_digits_is_an_error_that_uses_no_number,
    a_name_allocation_writes_value_and_manager_rows_on_the_thing,
    an_explicit_name_is_taken_verbatim_if_free,
    allocation_numbers_are_per_object_one_above_its_highest,
    deallocate_by_resource_or_everything_from_this_manager,
    deallocating_what_another_object_holds_is_an_error,
    owners_are_the_entities_holding_a_resource,
    allocation_needs_an_object_and_a_manager,
    the_base_manager_allocates_only_given_resources,
    entity_names_create_entities_sharing_one_counter,
    entity_name_allocation_errors,
    the_number_manager_counts_from_next_up_to_maxnum,
    managers_are_listed_in_id_order_by_exact_driver,
);
