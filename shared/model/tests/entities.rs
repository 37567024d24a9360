//! Entities (`clusto-model.md` §1), the driver registry (§3) and queries (§5): names,
//! get_or_create, clustometa, is-a lookups, default properties and listings. Delete:
//! `entity_delete.rs`.

mod common;

use std::sync::Arc;

use clusto_model::{AttrFilter, Clusto, EntityFilter, drivers};
use clusto_store::ItemStore;
use common::*;

fn by(names_: &[&str], types: &[&str], drivers_: &[&str]) -> EntityFilter {
    EntityFilter {
        names: names(names_),
        types: names(types),
        drivers: names(drivers_),
    }
}

async fn listed(c: &Clusto, f: EntityFilter) -> Vec<String> {
    compact(&c.list(&f).await.expect("list"))
}

async fn names_are_unique_across_drivers(store: Arc<dyn ItemStore>) {
    // GIVEN a pool named a
    let c = clusto(store).await;
    create(&c, "pool", &["a"]).await;
    // WHEN a server named a is created
    let d = drivers::registered("basicserver").unwrap();
    let created = c.create(d, &names(&["a"]), &[]).await.unwrap();
    // THEN the existing pool comes back, unchanged, and no server exists
    assert_eq!(compact(&created.entities), ["/pool/a"]);
    assert_eq!(compact(&created.existing), ["/pool/a"]);
    assert_eq!(c.get("a", None).await.unwrap().driver().name, "pool");
    assert!(listed(&c, by(&[], &[], &["basicserver"])).await.is_empty());
}

async fn names_are_case_sensitive(store: Arc<dyn ItemStore>) {
    // GIVEN / WHEN CasePool and casepool are created
    let c = clusto(store).await;
    create(&c, "pool", &["CasePool"]).await;
    let d = drivers::registered("basicserver").unwrap();
    let created = c.create(d, &names(&["casepool"]), &[]).await.unwrap();
    // THEN both exist, each with its own driver
    assert!(created.existing.is_empty());
    assert_eq!(c.get("CasePool", None).await.unwrap().driver().name, "pool");
    assert_eq!(
        c.get("casepool", None).await.unwrap().driver().name,
        "basicserver"
    );
    assert_eq!(
        err_text(c.get("CASEPOOL", None).await),
        "CASEPOOL does not exist."
    );
}

async fn create_reports_each_name_and_the_ones_that_existed(store: Arc<dyn ItemStore>) {
    // GIVEN an existing pool old
    let c = clusto(store).await;
    create(&c, "pool", &["old"]).await;
    // WHEN new, old, new and old are requested as servers
    let d = drivers::registered("basicserver").unwrap();
    let req = names(&["new", "old", "new", "old"]);
    let created = c.create(d, &req, &[]).await.unwrap();
    // THEN one reference per requested name, repeats kept; only old existed before
    assert_eq!(
        compact(&created.entities),
        [
            "/basicserver/new",
            "/pool/old",
            "/basicserver/new",
            "/pool/old"
        ]
    );
    assert_eq!(compact(&created.existing), ["/pool/old"]);
    // AND asking again reports both as existing, in request order
    let again = c.create(d, &names(&["old", "new"]), &[]).await.unwrap();
    assert_eq!(compact(&again.existing), ["/pool/old", "/basicserver/new"]);
}

async fn get_or_create_leaves_an_existing_entity_unchanged(store: Arc<dyn ItemStore>) {
    // GIVEN a name manager with basename x
    let c = clusto(store).await;
    let d = drivers::registered("simplenamemanager").unwrap();
    let props = vec![("basename".to_string(), "x".to_string())];
    c.create(d, &names(&["m"]), &props).await.unwrap();
    // WHEN it is created again with basename y
    let props = vec![("basename".to_string(), "y".to_string())];
    let again = c.create(d, &names(&["m"]), &props).await.unwrap();
    // THEN it is reported as existing and keeps basename x
    assert_eq!(compact(&again.existing), ["/simplenamemanager/m"]);
    let basename = attrs_of(&c, "m", filter(Some("basename"), None, None, None)).await;
    assert_eq!(basename, [attr("basename", Some("property"), None, s("x"))]);
}

async fn init_makes_one_clustometa_first_and_is_idempotent(store: Arc<dyn ItemStore>) {
    // GIVEN an initialised database
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    // WHEN init runs again
    c.init().await.unwrap();
    // THEN there is one clustometa, the first entity, with its schema version
    assert_eq!(
        listed(&c, by(&[], &[], &[])).await,
        ["/clustometa/clustometa", "/pool/p"]
    );
    let meta = c.get("clustometa", Some("clustometa")).await.unwrap();
    assert_eq!(meta.type_name(), "clustometa");
    assert_eq!(
        visible(&c, "clustometa").await,
        [attr("schemaversion", Some("property"), None, int(3))]
    );
}

async fn clustometa_is_a_singleton(store: Arc<dyn ItemStore>) {
    // GIVEN an initialised database
    let c = clusto(store).await;
    let d = drivers::registered("clustometa").unwrap();
    // WHEN clustometa is created by its name, THEN the existing one comes back
    let created = c.create(d, &names(&["clustometa"]), &[]).await.unwrap();
    assert_eq!(compact(&created.existing), ["/clustometa/clustometa"]);
    // WHEN another clustometa is created, THEN it fails and nothing is made
    assert_eq!(
        err_text(c.create(d, &names(&["meta2"]), &[]).await),
        "clustometa is a singleton: its only entity is named clustometa."
    );
    assert_eq!(
        err_text(c.get("meta2", None).await),
        "meta2 does not exist."
    );
}

async fn types_are_copied_from_the_driver(store: Arc<dyn ItemStore>) {
    // GIVEN entities of several drivers
    let c = clusto(store).await;
    let cases = [
        ("entity", "generic"),
        ("device", "generic"),
        ("basicvirtualserver", "server"),
        ("exclusive_pool", "pool"),
        ("basicrack", "rack"),
        ("ipmanager", "resourcemanager"),
        ("basicappliance", "appliance"),
    ];
    for (driver, _) in cases {
        create(&c, driver, &[&format!("e-{driver}")]).await;
    }
    // WHEN they are read, THEN each has its driver's type
    for (driver, type_name) in cases {
        let e = c.get(&format!("e-{driver}"), None).await.unwrap();
        assert_eq!((e.driver().name, e.type_name()), (driver, type_name));
    }
}

async fn get_checks_the_driver_with_is_a(store: Arc<dyn ItemStore>) {
    // GIVEN a virtual server vs and a server s
    let c = clusto(store).await;
    create(&c, "basicvirtualserver", &["vs"]).await;
    create(&c, "basicserver", &["s"]).await;
    // WHEN it is looked up by an ancestor driver, THEN it is found
    for ancestor in ["basicvirtualserver", "basicserver", "device", "entity"] {
        assert_eq!(c.get("vs", Some(ancestor)).await.unwrap().name(), "vs");
    }
    // WHEN a plain server is asked to be a virtual server, THEN WrongDriver
    assert_eq!(
        err_text(c.get("s", Some("basicvirtualserver")).await),
        "The driver for object \"s\" is not \"basicvirtualserver\""
    );
    assert_eq!(
        err_text(c.get("s", Some("pool")).await),
        "The driver for object \"s\" is not \"pool\""
    );
}

async fn get_reports_unknown_drivers_before_missing_entities(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s"]).await;
    // WHEN the driver is not registered (simplenummanager is library-only), THEN UnknownDriver
    assert_eq!(
        err_text(c.get("s", Some("nodriver")).await),
        "driver name nodriver doesn't exist."
    );
    assert_eq!(
        err_text(c.get("s", Some("simplenummanager")).await),
        "driver name simplenummanager doesn't exist."
    );
    assert_eq!(
        err_text(c.get("ghost", Some("nodriver")).await),
        "driver name nodriver doesn't exist."
    );
    // WHEN the entity is missing, THEN DoesNotExist
    assert_eq!(
        err_text(c.get("ghost", Some("entity")).await),
        "ghost does not exist."
    );
    assert!(c.load("ghost").await.unwrap().is_none());
}

async fn default_properties_are_stored_at_creation(store: Arc<dyn ItemStore>) {
    // GIVEN / WHEN a name manager, a rack, a server and two IP managers are created
    let c = clusto(store).await;
    create(&c, "simplenamemanager", &["names"]).await;
    create(&c, "basicrack", &["rack"]).await;
    create(&c, "basicserver", &["srv"]).await;
    create(&c, "ipmanager", &["ip-bare"]).await;
    let ipm = drivers::registered("ipmanager").unwrap();
    let props = vec![
        ("gateway".to_string(), "10.0.0.1".to_string()),
        ("baseip".to_string(), "10.0.0.0".to_string()),
        ("unknown".to_string(), "ignored".to_string()),
    ];
    c.create(ipm, &names(&["ip-full"]), &props).await.unwrap();
    // THEN each stores its non-null defaults as properties, with their datatypes
    let p = |k: &str, v| attr(k, Some("property"), None, v);
    assert_eq!(
        visible(&c, "names").await,
        [
            p("basename", s("")),
            p("digits", int(2)),
            p("leadingZeros", int(1)),
            p("next", int(1))
        ]
    );
    assert_eq!(
        visible(&c, "rack").await,
        [p("maxu", int(45)), p("minu", int(1))]
    );
    assert!(visible(&c, "srv").await.is_empty());
    assert_eq!(
        visible(&c, "ip-bare").await,
        [p("netmask", s("255.255.255.255"))]
    );
    assert_eq!(
        visible(&c, "ip-full").await,
        [
            p("baseip", s("10.0.0.0")),
            p("gateway", s("10.0.0.1")),
            p("netmask", s("255.255.255.255"))
        ]
    );
}

async fn given_properties_are_cast_to_the_defaults_type(store: Arc<dyn ItemStore>) {
    // GIVEN a name manager created with text properties
    let c = clusto(store).await;
    let d = drivers::registered("simplenamemanager").unwrap();
    let props = vec![
        ("digits".to_string(), "3".to_string()),
        ("basename".to_string(), "7".to_string()),
    ];
    c.create(d, &names(&["m"]), &props).await.unwrap();
    // THEN integer properties are stored as ints, string ones as strings
    let m = c.get("m", None).await.unwrap();
    assert_eq!(m.property("digits"), Some(int(3)));
    assert_eq!(m.property("basename"), Some(s("7")));
    // WHEN an integer property does not parse, THEN the create fails and nothing is made
    let bad = vec![("digits".to_string(), "x".to_string())];
    assert_eq!(
        err_text(c.create(d, &names(&["m2"]), &bad).await),
        "invalid literal for int() with base 10: 'x'"
    );
    assert!(c.load("m2").await.unwrap().is_none());
    let huge = vec![("next".to_string(), "9223372036854775808".to_string())];
    assert_eq!(
        err_text(c.create(d, &names(&["m3"]), &huge).await),
        "The integer 9223372036854775808 is out of range: integers must fit in 64 bits \
         (-9223372036854775808 to 9223372036854775807)."
    );
}

async fn list_filters_and_orders(store: Arc<dyn ItemStore>) {
    // GIVEN entities created in this order
    let c = clusto(store).await;
    create(&c, "basicserver", &["s2"]).await;
    create(&c, "pool", &["p1"]).await;
    create(&c, "basicvirtualserver", &["v1"]).await;
    create(&c, "unique_pool", &["u1"]).await;
    create(&c, "basicserver", &["s1"]).await;
    // THEN no filter lists everything in id order
    assert_eq!(
        listed(&c, by(&[], &[], &[])).await,
        [
            "/clustometa/clustometa",
            "/basicserver/s2",
            "/pool/p1",
            "/basicvirtualserver/v1",
            "/unique_pool/u1",
            "/basicserver/s1"
        ]
    );
    // AND driver filters are exact (no subclasses), OR within the list
    assert_eq!(
        listed(&c, by(&[], &[], &["basicserver"])).await,
        ["/basicserver/s2", "/basicserver/s1"]
    );
    assert_eq!(
        listed(&c, by(&[], &[], &["basicserver", "pool"])).await,
        ["/basicserver/s2", "/pool/p1", "/basicserver/s1"]
    );
    // AND type filters match the stored type
    assert_eq!(
        listed(&c, by(&[], &["server"], &[])).await,
        [
            "/basicserver/s2",
            "/basicvirtualserver/v1",
            "/basicserver/s1"
        ]
    );
    assert_eq!(
        listed(&c, by(&[], &["pool"], &[])).await,
        ["/pool/p1", "/unique_pool/u1"]
    );
    // AND filters combine with AND
    assert_eq!(
        listed(&c, by(&[], &["server"], &["basicvirtualserver", "pool"])).await,
        ["/basicvirtualserver/v1"]
    );
    assert!(
        listed(&c, by(&[], &["pool"], &["basicserver"]))
            .await
            .is_empty()
    );
}

async fn list_by_names_is_in_name_order(store: Arc<dyn ItemStore>) {
    // GIVEN entities created in the order b, a, B
    let c = clusto(store).await;
    create(&c, "basicserver", &["b", "a"]).await;
    create(&c, "pool", &["B"]).await;
    // WHEN listed by names (with a missing one), THEN name order (code points), missing left out
    assert_eq!(
        listed(&c, by(&["a", "zz", "b", "B", "a"], &[], &[])).await,
        ["/pool/B", "/basicserver/a", "/basicserver/b"]
    );
    // AND names combine with the other filters by AND
    assert_eq!(
        listed(&c, by(&["a", "B"], &["server"], &[])).await,
        ["/basicserver/a"]
    );
    assert_eq!(
        listed(&c, by(&["a", "B"], &[], &["pool"])).await,
        ["/pool/B"]
    );
}

async fn list_rejects_unknown_types_and_drivers(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    for f in [
        by(&[], &[], &["nodriver"]),
        by(&[], &[], &["pool", "nodriver"]),
    ] {
        assert_eq!(
            err_text(c.list(&f).await),
            "driver name nodriver doesn't exist."
        );
    }
    assert_eq!(
        err_text(c.list(&by(&[], &["notype"], &[])).await),
        "driver name notype doesn't exist."
    );
    assert_eq!(
        err_text(c.list(&by(&[], &[], &["simplenummanager"])).await),
        "driver name simplenummanager doesn't exist."
    );
}

async fn names_with_any_characters_round_trip(store: Arc<dyn ItemStore>) {
    // GIVEN entities whose names have spaces, slashes, hashes and non-ASCII text
    let c = clusto(store).await;
    let odd = ["a b", "x/y", "E#z", "#", "café ☃", "A#x#y"];
    create(&c, "basicserver", &odd).await;
    create(&c, "pool", &["p"]).await;
    // WHEN they are used in attributes, relations and pools
    c.insert("p", None, &names(&odd)).await.unwrap();
    for n in odd {
        add(&c, n, "label", None, None, s(n)).await;
    }
    add(&c, "p", "first", None, None, rel(&c, "café ☃").await).await;
    // THEN every name reads back exactly
    for n in odd {
        let e = c.get(n, Some("basicserver")).await.unwrap();
        assert_eq!(e.name(), n);
        assert_eq!(visible(&c, n).await, [attr("label", None, None, s(n))]);
    }
    let expected: Vec<String> = odd.iter().map(|n| format!("/basicserver/{n}")).collect();
    assert_eq!(contents_of(&c, "p").await, expected);
    assert_eq!(listed(&c, by(&[], &[], &["basicserver"])).await, expected);
    assert_eq!(
        visible(&c, "p").await[0].value.to_json(),
        "/basicserver/café ☃"
    );
    // AND deleting one leaves the others
    assert!(c.delete("E#z", None).await.unwrap());
    assert!(c.load("A#x#y").await.unwrap().is_some());
    assert_eq!(attrs_of(&c, "#", AttrFilter::default()).await.len(), 1);
}

async fn empty_and_oversized_names_are_refused(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    let d = drivers::registered("pool").unwrap();
    assert_eq!(
        err_text(c.create(d, &names(&[""]), &[]).await),
        "An entity name may not be empty."
    );
    let long = "n".repeat(clusto_model::MAX_NAME_BYTES + 1);
    assert_eq!(
        err_text(c.create(d, &[long], &[]).await),
        "Entity names are limited to 1024 bytes."
    );
}

async fn expanded_views_show_ips_or_count_by_driver(store: Arc<dyn ItemStore>) {
    // GIVEN entities of drivers with and without ips and count
    let c = clusto(store).await;
    for driver in [
        "basicserver",
        "basicappliance",
        "device",
        "pool",
        "ipmanager",
        "resourcemanager",
        "simpleentitynamemanager",
    ] {
        create(&c, driver, &[&format!("e-{driver}")]).await;
    }
    // THEN devices with the IP mixin have ips, resource managers a count, others neither
    let shown = |driver: &'static str| {
        let c = c.clone();
        async move {
            let e = c.get(&format!("e-{driver}"), None).await.unwrap();
            (e.ips(), e.count())
        }
    };
    assert_eq!(shown("basicserver").await, (Some(vec![]), None));
    assert_eq!(shown("basicappliance").await, (Some(vec![]), None));
    assert_eq!(shown("device").await, (None, None));
    assert_eq!(shown("pool").await, (None, None));
    assert_eq!(shown("ipmanager").await, (None, Some(0)));
    assert_eq!(shown("resourcemanager").await, (None, Some(0)));
    assert_eq!(shown("simpleentitynamemanager").await, (None, Some(0)));
}

async fn many_lookups_keep_the_request_order_repeats_and_gaps(store: Arc<dyn ItemStore>) {
    // GIVEN servers a and b
    let c = clusto(store).await;
    create(&c, "basicserver", &["a", "b"]).await;
    let req = names(&["b", "ghost", "a", "b"]);
    // WHEN they are read by names with a missing one and a repeat
    let refs = c.refs(&req).await.unwrap();
    let loaded = c.load_many(&req).await.unwrap();
    // THEN one answer per requested name, in order, None for the missing one
    let refs: Vec<Option<String>> = refs
        .iter()
        .map(|r| r.as_ref().map(|r| r.compact()))
        .collect();
    let loaded: Vec<Option<String>> = loaded
        .iter()
        .map(|e| e.as_ref().map(|e| e.reference().compact()))
        .collect();
    let expected = [
        Some("/basicserver/b".to_string()),
        None,
        Some("/basicserver/a".into()),
        Some("/basicserver/b".into()),
    ];
    assert_eq!(refs, expected);
    assert_eq!(loaded, expected);
}

on_both_backends!(
    names_are_unique_across_drivers,
    names_are_case_sensitive,
    create_reports_each_name_and_the_ones_that_existed,
    get_or_create_leaves_an_existing_entity_unchanged,
    init_makes_one_clustometa_first_and_is_idempotent,
    clustometa_is_a_singleton,
    types_are_copied_from_the_driver,
    get_checks_the_driver_with_is_a,
    get_reports_unknown_drivers_before_missing_entities,
    default_properties_are_stored_at_creation,
    given_properties_are_cast_to_the_defaults_type,
    list_filters_and_orders,
    list_by_names_is_in_name_order,
    list_rejects_unknown_types_and_drivers,
    names_with_any_characters_round_trip,
    empty_and_oversized_names_are_refused,
    expanded_views_show_ips_or_count_by_driver,
    many_lookups_keep_the_request_order_repeats_and_gaps,
);
