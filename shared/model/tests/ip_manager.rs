//! The IP manager (`clusto-model.md` §6.5, quirks 5, 6, 20, 39): the stored encoding, rows
//! per allocation, the scan order (gateway skipped, wrap-around), explicit addresses,
//! shared `ip` attributes, numbers per object, deallocation and owners.

mod common;

use std::sync::Arc;

use clusto_model::resources::ip::{decode, dotted};
use clusto_model::{Allocated, AttrValue, Clusto, drivers};
use clusto_store::ItemStore;
use common::*;

/// Creates an IP manager; empty property values are left out.
async fn ipm(c: &Clusto, name: &str, baseip: &str, netmask: &str, gateway: &str) {
    let props: Vec<(&str, &str)> = [
        ("baseip", baseip),
        ("netmask", netmask),
        ("gateway", gateway),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    manager(c, "ipmanager", name, &props).await;
}

/// Allocates and returns (dotted address, number).
async fn ip(c: &Clusto, m: &str, object: &str, resource: Option<&str>) -> (String, i64) {
    match alloc(c, m, object, resource).await.expect("allocate") {
        Allocated::Attribute(a) => match a.value {
            AttrValue::Int(encoded) => (dotted(decode(encoded)), a.number.expect("a number")),
            other => panic!("expected an int, got {other:?}"),
        },
        other => panic!("expected an attribute, got {other:?}"),
    }
}

/// The next automatic address.
async fn next(c: &Clusto, m: &str, object: &str) -> String {
    ip(c, m, object, None).await.0
}

async fn ips(c: &Clusto, object: &str) -> Vec<String> {
    c.get(object, None)
        .await
        .unwrap()
        .ips()
        .expect("a driver with ips")
}

async fn free(c: &Clusto, m: &str, object: &str, resource: &str) {
    c.deallocate(m, None, object, Some(resource))
        .await
        .expect("deallocate");
}

async fn the_documented_first_allocation(store: Arc<dyn ItemStore>) {
    // GIVEN the documented manager and a server
    let c = clusto(store).await;
    ipm(&c, "m", "192.168.1.10", "255.255.255.0", "192.168.1.1").await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN an IP is allocated
    let got = alloc(&c, "m", "s1", None).await.unwrap();
    // THEN it is 192.168.1.2 (network + 1, gateway skipped), stored as 1084752130, number 0
    assert_eq!(
        got,
        Allocated::Attribute(attr("ip", None, Some(0), int(1_084_752_130)))
    );
    // AND the server holds four rows in this order, and lists the address
    assert_eq!(
        visible(&c, "s1").await,
        [
            attr("ip", None, Some(0), int(1_084_752_130)),
            attr("ip", Some("manager"), Some(0), rel(&c, "m").await),
            attr("ip", Some("ipstring"), Some(0), s("192.168.1.2")),
            attr("ip", Some("cidr"), Some(0), s("192.168.1.2/24")),
        ]
    );
    assert_eq!(ips(&c, "s1").await, ["192.168.1.2"]);
    // AND the manager counts it (and shows a count, not ips)
    let m = c.get("m", None).await.unwrap();
    assert_eq!((m.count(), m.ips()), (Some(1), None));
}

async fn the_gateway_is_skipped_but_can_be_requested(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    ipm(&c, "m", "10.0.0.0", "255.255.255.0", "10.0.0.3").await;
    create(&c, "basicserver", &["s1"]).await;
    for expected in ["10.0.0.1", "10.0.0.2", "10.0.0.4"] {
        assert_eq!(next(&c, "m", "s1").await, expected);
    }
    // AND the gateway, network and broadcast addresses are accepted when asked for
    for addr in ["10.0.0.3", "10.0.0.0", "10.0.0.255"] {
        assert_eq!(ip(&c, "m", "s1", Some(addr)).await.0, addr);
    }
}

async fn explicit_ips_as_text_or_encoded_integer(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    ipm(&c, "m", "192.168.1.10", "255.255.255.0", "").await;
    ipm(&c, "ten", "10.0.0.0", "255.0.0.0", "").await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN addresses are requested as text and in the stored encoding
    assert_eq!(
        ip(&c, "m", "s1", Some("192.168.1.50")).await,
        ("192.168.1.50".into(), 0)
    );
    assert_eq!(
        ip(&c, "m", "s1", Some("1084752188")).await,
        ("192.168.1.60".into(), 1)
    );
    assert_eq!(
        ip(&c, "ten", "s1", Some("-1979711486")).await,
        ("10.0.0.2".into(), 2)
    );
    // THEN each is recorded like an automatic one
    assert_eq!(
        ips(&c, "s1").await,
        ["192.168.1.50", "192.168.1.60", "10.0.0.2"]
    );
    let cidrs = attrs_of(&c, "s1", filter(Some("ip"), Some("cidr"), None, None)).await;
    let cidrs: Vec<AttrValue> = cidrs.into_iter().map(|a| a.value).collect();
    assert_eq!(
        cidrs,
        [s("192.168.1.50/24"), s("192.168.1.60/24"), s("10.0.0.2/8")]
    );
    // AND an address already held (in any form) is not available
    for taken in ["192.168.1.50", "1084752178"] {
        assert_eq!(
            err_text(alloc(&c, "m", "s1", Some(taken)).await),
            "Requested resource is not available."
        );
    }
}

async fn invalid_and_out_of_range_ips_are_refused(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    ipm(&c, "m", "192.168.1.10", "255.255.255.0", "").await;
    create(&c, "basicserver", &["s1"]).await;
    for bad in ["nope", "300.1.1.1", "1.2.3", "2147483648"] {
        assert_eq!(
            err_text(alloc(&c, "m", "s1", Some(bad)).await),
            format!("{bad} is not a valid ip.")
        );
    }
    assert_eq!(
        err_text(alloc(&c, "m", "s1", Some("10.0.0.5")).await),
        "The ip 10.0.0.5 is out of range for this IP manager.  Should be in 192.168.1.10/255.255.255.0"
    );
    assert!(visible(&c, "s1").await.is_empty());
    // AND a manager's own addresses must be dotted IPv4
    let d = drivers::registered("ipmanager").unwrap();
    let props = vec![("baseip".to_string(), "nope".to_string())];
    assert_eq!(
        err_text(c.create(d, &names(&["bad"]), &props).await),
        "The baseip of an IP manager must be a dotted IPv4 address, not nope."
    );
}

async fn automatic_allocation_needs_a_baseip(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    ipm(&c, "m", "", "", "").await;
    create(&c, "basicserver", &["s1"]).await;
    let r = alloc(&c, "m", "s1", None).await;
    assert_eq!(
        err_text(r),
        "Cannot generate an IP for an ipManager with no baseip"
    );
    // AND any explicit address is accepted, as a /32
    assert_eq!(ip(&c, "m", "s1", Some("10.9.8.7")).await.0, "10.9.8.7");
    let cidr = attrs_of(&c, "s1", filter(Some("ip"), Some("cidr"), None, None)).await;
    assert_eq!(cidr, [attr("ip", Some("cidr"), Some(0), s("10.9.8.7/32"))]);
}

async fn a_full_network_is_out_of_ips(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    ipm(&c, "m", "10.0.0.0", "255.255.255.252", "").await;
    create(&c, "basicserver", &["s1"]).await;
    assert_eq!(next(&c, "m", "s1").await, "10.0.0.1");
    assert_eq!(next(&c, "m", "s1").await, "10.0.0.2");
    assert_eq!(
        err_text(alloc(&c, "m", "s1", None).await),
        "out of available ips."
    );
    assert_eq!(ips(&c, "s1").await, ["10.0.0.1", "10.0.0.2"]);
}

async fn allocation_continues_after_the_last_ip_then_wraps_around(store: Arc<dyn ItemStore>) {
    // GIVEN a /29 (hosts .1 to .6) with .1 to .3 handed out and .1 freed
    let c = clusto(store).await;
    ipm(&c, "m", "10.0.0.0", "255.255.255.248", "").await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    for _ in 0..3 {
        next(&c, "m", "s1").await;
    }
    free(&c, "m", "s1", "10.0.0.1").await;
    // WHEN more are allocated, THEN they continue after .3, and after .6 wrap around to .1
    for expected in ["10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.1"] {
        assert_eq!(next(&c, "m", "s2").await, expected);
    }
    assert_eq!(
        err_text(alloc(&c, "m", "s2", None).await),
        "out of available ips."
    );
    // AND a freed lower address is found again
    free(&c, "m", "s1", "10.0.0.3").await;
    assert_eq!(next(&c, "m", "s2").await, "10.0.0.3");
}

async fn freeing_the_most_recent_ip_hands_it_out_again(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    ipm(&c, "m", "10.0.0.0", "255.255.255.0", "").await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    next(&c, "m", "s1").await;
    assert_eq!(next(&c, "m", "s1").await, "10.0.0.2");
    free(&c, "m", "s1", "10.0.0.2").await;
    assert_eq!(next(&c, "m", "s2").await, "10.0.0.2");
}

async fn managers_sharing_the_ip_attribute_see_each_others_allocations(store: Arc<dyn ItemStore>) {
    // GIVEN two managers of the same network, one address handed out by the first
    let c = clusto(store).await;
    ipm(&c, "m1", "10.0.0.0", "255.255.255.0", "").await;
    ipm(&c, "m2", "10.0.0.0", "255.255.255.0", "").await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    assert_eq!(next(&c, "m1", "s1").await, "10.0.0.1");
    // THEN the second skips it, cannot give it out, and names its owner
    assert_eq!(next(&c, "m2", "s2").await, "10.0.0.2");
    let r = alloc(&c, "m2", "s2", Some("10.0.0.1")).await;
    assert_eq!(err_text(r), "Requested resource is not available.");
    assert_eq!(
        compact(&c.owners("m2", "10.0.0.1").await.unwrap()),
        ["/basicserver/s1"]
    );
    assert_eq!(
        compact(&c.owners("m1", "-1979711486").await.unwrap()),
        ["/basicserver/s2"]
    );
    assert!(c.owners("m1", "10.0.0.3").await.unwrap().is_empty());
}

async fn numbers_are_per_object_and_attribute(store: Arc<dyn ItemStore>) {
    // GIVEN two IP managers and a name manager
    let c = clusto(store).await;
    ipm(&c, "m1", "10.0.0.0", "255.255.255.0", "").await;
    ipm(&c, "m2", "10.0.1.0", "255.255.255.0", "").await;
    create(&c, "simplenamemanager", &["names"]).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    // WHEN s1 gets IPs from both, s2 one, and s1 a name
    assert_eq!(ip(&c, "m1", "s1", None).await.1, 0);
    assert_eq!(ip(&c, "m2", "s1", None).await.1, 1);
    assert_eq!(ip(&c, "m1", "s1", None).await.1, 2);
    assert_eq!(ip(&c, "m2", "s2", None).await.1, 0);
    let name = alloc(&c, "names", "s1", None).await.unwrap();
    // THEN numbers count per object and attribute, from 0
    assert_eq!(
        name,
        Allocated::Attribute(attr("simplename", None, Some(0), s("01")))
    );
}

async fn deallocating_ips(store: Arc<dyn ItemStore>) {
    // GIVEN s1 with .1 (0) and .3 (2) from m1 and 10.0.1.1 (1) from m2
    let c = clusto(store).await;
    ipm(&c, "m1", "10.0.0.0", "255.255.255.0", "").await;
    ipm(&c, "m2", "10.0.1.0", "255.255.255.0", "").await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    ip(&c, "m1", "s1", None).await;
    ip(&c, "m2", "s1", None).await;
    ip(&c, "m1", "s1", Some("10.0.0.3")).await;
    ip(&c, "m1", "s2", Some("10.0.0.9")).await;
    // WHEN .1 is deallocated by its text, THEN its four rows go
    free(&c, "m1", "s1", "10.0.0.1").await;
    assert_eq!(ips(&c, "s1").await, ["10.0.1.1", "10.0.0.3"]);
    assert_eq!(
        attrs_of(&c, "s1", filter(Some("ip"), None, Some(0), None)).await,
        []
    );
    // WHEN an address of s2 or nobody's is deallocated from s1
    let r = c.deallocate("m1", None, "s1", Some("10.0.0.9")).await;
    assert_eq!(err_text(r), "s1 isn't assigned resource 10.0.0.9");
    free(&c, "m1", "s1", "10.0.0.200").await;
    // WHEN m1 deallocates everything of s1, THEN only m2's address remains
    c.deallocate("m1", None, "s1", None).await.unwrap();
    assert_eq!(ips(&c, "s1").await, ["10.0.1.1"]);
    assert_eq!(visible(&c, "s1").await.len(), 4);
    assert_eq!(c.get("m1", None).await.unwrap().count(), Some(1));
    // AND a freed address can be handed out again, also by its encoded form
    assert_eq!(ip(&c, "m1", "s2", Some("10.0.0.3")).await.0, "10.0.0.3");
    free(&c, "m1", "s2", "-1979711485").await;
    assert_eq!(ips(&c, "s2").await, ["10.0.0.9"]);
}

on_both_backends!(
    the_documented_first_allocation,
    the_gateway_is_skipped_but_can_be_requested,
    explicit_ips_as_text_or_encoded_integer,
    invalid_and_out_of_range_ips_are_refused,
    automatic_allocation_needs_a_baseip,
    a_full_network_is_out_of_ips,
    allocation_continues_after_the_last_ip_then_wraps_around,
    freeing_the_most_recent_ip_hands_it_out_again,
    managers_sharing_the_ip_attribute_see_each_others_allocations,
    numbers_are_per_object_and_attribute,
    deallocating_ips,
);
