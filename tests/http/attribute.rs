//! The attribute app: queries, deletes, adds and sets, form and JSON, casts.

use serde_json::{Value, json};

use crate::support::Api;

fn attr(key: &str, subkey: Value, number: Value, value: Value, datatype: &str) -> Value {
    json!({"datatype": datatype, "key": key, "number": number, "subkey": subkey, "value": value})
}

async fn server() -> Api {
    let api = Api::with_fixture().await;
    api.create("basicserver", &["x"]).await;
    api
}

#[tokio::test]
async fn queries_filter_by_path_and_check_the_driver() {
    let api = server().await;
    for (k, s, n, v) in [
        ("a", "s", "0", "zero"),
        ("a", "s", "1", "one"),
        ("a", "t", "0", "t0"),
        ("b", "", "", "b"),
    ] {
        let mut pairs = vec![("key", k), ("value", v)];
        if !s.is_empty() {
            pairs.extend([("subkey", s), ("number", n)]);
        }
        assert_eq!(api.form("POST", "/attribute/x", &pairs).await.status, 201);
    }
    let values = |a: crate::support::Answer| -> Vec<Value> {
        a.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["value"].clone())
            .collect()
    };
    assert_eq!(values(api.get("/attribute/x/a").await).len(), 3);
    assert_eq!(values(api.get("/attribute/x/a/").await).len(), 3);
    assert_eq!(
        values(api.get("/attribute/x/a/s").await),
        [json!("zero"), json!("one")]
    );
    // Number 0 is a real filter (quirk 13).
    assert_eq!(values(api.get("/attribute/x/a/s/0").await), [json!("zero")]);
    assert_eq!(values(api.get("/attribute/x/a/s/1/").await), [json!("one")]);
    assert_eq!(api.get("/attribute/x/a/s/").await.status, 404);
    assert_eq!(api.get("/attribute/x/a/s/one").await.status, 404);
    assert_eq!(values(api.get("/attribute/x?driver=device").await).len(), 4);
    api.get("/attribute/x?driver=pool")
        .await
        .assert_error(409, "The driver for object \"x\" is not \"pool\"");
    api.get("/attribute/nobody")
        .await
        .assert_error(404, "Object \"nobody\" not found (nobody does not exist.)");
    // Hidden keys show only when asked for.
    assert_eq!(api.get("/attribute/multipool").await.json(), json!([]));
    assert_eq!(
        api.get("/attribute/multipool/_contains")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // DELETE answers what remains.
    let a = api.send("DELETE", "/attribute/x/a/s", &[], None).await;
    assert_eq!(values(a), [json!("t0"), json!("b")]);
    let a = api
        .send("DELETE", "/attribute/x/a?driver=pool", &[], None)
        .await;
    assert_eq!(a.status, 409);
    let a = api.send("DELETE", "/attribute/x/a", &[], None).await;
    assert_eq!(values(a), [json!("b")]);
}

#[tokio::test]
async fn routes_follow_the_original() {
    let api = server().await;
    assert_eq!(
        api.form("POST", "/attribute/x/k", &[("value", "v")])
            .await
            .status,
        405
    );
    assert_eq!(
        api.form("PUT", "/attribute/x", &[("key", "k"), ("value", "v")])
            .await
            .status,
        405
    );
    assert_eq!(
        api.send("DELETE", "/attribute/x", &[], None).await.status,
        405
    );
    let a = api
        .form("POST", "/attribute/x/k/sub/7", &[("value", "v")])
        .await;
    assert_eq!(
        a.json(),
        json!([attr("k", json!("sub"), json!(7), json!("v"), "string")])
    );
    let a = api
        .form("PUT", "/attribute/x/k/sub/7", &[("value", "w")])
        .await;
    assert_eq!((a.status, a.json()[0]["value"].clone()), (200, json!("w")));
}

#[tokio::test]
async fn path_and_parameters_merge_or_conflict() {
    let api = server().await;
    api.form(
        "POST",
        "/attribute/x/k/s",
        &[("key", "other"), ("value", "v")],
    )
    .await
    .assert_error(
        400,
        "Two different values were submitted for \"key\": ['k', 'other']",
    );
    api.form(
        "POST",
        "/attribute/x/k/s/3",
        &[("number", "4"), ("value", "v")],
    )
    .await
    .assert_error(
        400,
        "Two different values were submitted for \"number\": [3, '4']",
    );
    // Numbers compare as integers (quirk 14).
    let a = api
        .form(
            "POST",
            "/attribute/x/k/s/3",
            &[("number", "3"), ("value", "v")],
        )
        .await;
    assert_eq!(a.status, 201);
    api.form(
        "POST",
        "/attribute/x",
        &[("key", "k"), ("value", "v"), ("number", "x")],
    )
    .await
    .assert_error(400, "invalid literal for int() with base 10: 'x'");
    api.form("POST", "/attribute/x", &[("key", "k")])
        .await
        .assert_error(412, "Provide at least \"key\" and \"value\"");
    api.form("POST", "/attribute/nobody", &[("key", "k"), ("value", "v")])
        .await
        .assert_error(404, "Object \"nobody\" not found (nobody does not exist.)");
    // `driver` is checked on writes too (quirk 9); nothing is written when it fails.
    api.form(
        "POST",
        "/attribute/x",
        &[("key", "d"), ("value", "v"), ("driver", "pool")],
    )
    .await
    .assert_error(409, "The driver for object \"x\" is not \"pool\"");
    api.form("POST", "/attribute/x", &[("key", "k"), ("value", "v"), ("colour", "red")])
        .await
        .assert_error(
            400,
            "Unknown attribute field \"colour\": use key, subkey, number, value, datatype (with mask), driver",
        );
    // A stray mask is ignored.
    let a = api
        .form(
            "POST",
            "/attribute/x",
            &[("key", "m"), ("value", "v"), ("mask", "%Y")],
        )
        .await;
    assert_eq!(a.status, 201);
    let keys: Vec<Value> = api
        .get("/attribute/x")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].clone())
        .collect();
    assert_eq!(keys, [json!("k"), json!("m")]);
}

#[tokio::test]
async fn json_bodies_replace_the_form() {
    let api = server().await;
    // Path values are dropped: the subkey is null.
    let a = api
        .json(
            "POST",
            "/attribute/x/six/sub",
            r#"{"key": "six", "value": 6}"#,
        )
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(
        a.json(),
        json!([attr("six", json!(null), json!(null), json!(6), "int")])
    );
    api.json("PUT", "/attribute/x/one", r#"{"value": 12}"#)
        .await
        .assert_error(412, "Provide at least \"key\" and \"value\"");
    // `[]` and `{}` fall back to the form (which has no value here).
    for empty in ["[]", "{}", ""] {
        let a = api.json("POST", "/attribute/x", empty).await;
        assert_eq!(a.status, 412, "{empty:?}");
    }
    api.json(
        "POST",
        "/attribute/x?driver=basicserver",
        r#"{"key": "k", "value": 1}"#,
    )
    .await
    .assert_error(
        400,
        "Error: json and query params may not be passed in the same request.",
    );
    let a = api.json("POST", "/attribute/x", "{bad").await;
    assert_eq!(a.status, 400);
    assert!(
        a.json()
            .as_str()
            .unwrap()
            .starts_with("The JSON body does not decode")
    );
    assert_eq!(api.json("POST", "/attribute/x", "5").await.status, 400);
    // number null = absent; JSON types are kept; datatype still applies.
    let a = api
        .json(
            "POST",
            "/attribute/x",
            r#"[{"key": "n", "value": [1, {"b": 2, "a": "é"}], "number": null},
                {"key": "n", "value": "7", "datatype": "int", "number": "2"},
                {"key": "n", "value": true}]"#,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let n: Vec<Value> = a
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["key"] == "n")
        .cloned()
        .collect();
    assert_eq!(
        n[0],
        attr(
            "n",
            json!(null),
            json!(null),
            json!([1, {"a": "é", "b": 2}]),
            "json"
        )
    );
    assert_eq!(n[1], attr("n", json!(null), json!(2), json!(7), "int"));
    assert_eq!(n[2], attr("n", json!(null), json!(null), json!(1), "int"));
    assert!(a.text.contains(r#""a": "\u00e9""#));
}

#[tokio::test]
async fn a_rejected_write_writes_nothing() {
    let api = server().await;
    let before = api.show("x").await;
    for body in [
        r#"[{"key": "ok", "value": 1}, {"key": "bad.key", "value": 2}]"#,
        r#"[{"key": "ok", "value": 1}, {"key": "big", "value": 99999999999999999999}]"#,
        r#"[{"key": "ok", "value": 1}, {"key": "r", "value": "/pool/nothing", "datatype": "relation"}]"#,
        r#"[{"key": "ok", "value": 1}, {"key": "i", "value": "x", "datatype": "int"}]"#,
        r#"[{"key": "ok", "value": 1}, {"value": 2}]"#,
    ] {
        let a = api.json("POST", "/attribute/x", body).await;
        assert!((400..500).contains(&a.status), "{body}: {a:?}");
        assert_eq!(api.show("x").await, before, "{body}");
    }
    api.json(
        "POST",
        "/attribute/x",
        r#"[{"key": "bad.key", "value": 2}]"#,
    )
    .await
    .assert_error(
        400,
        "Attribute name bad.key is invalid. Attribute names may not contain periods or comas.",
    );
    // An ambiguous set is a conflict.
    for _ in 0..2 {
        api.form("POST", "/attribute/x", &[("key", "dup"), ("value", "v")])
            .await;
    }
    let a = api.form("PUT", "/attribute/x/dup", &[("value", "w")]).await;
    a.assert_error(
        409,
        "cannot set an attribute when args match more than one value",
    );
    // A value over the stated limit is a 413.
    let big = "v".repeat(clusto_model::MAX_VALUE_BYTES + 1);
    let a = api
        .form("POST", "/attribute/x", &[("key", "big"), ("value", &big)])
        .await;
    assert_eq!(a.status, 413);
}

#[tokio::test]
async fn datatypes_cast_with_the_originals_texts() {
    let api = server().await;
    let post = |pairs: Vec<(&'static str, &'static str)>| {
        let api = &api;
        async move { api.form("POST", "/attribute/x", &pairs).await }
    };
    post(vec![("key", "k"), ("value", "abc"), ("datatype", "int")])
        .await
        .assert_error(
            400,
            "Error casting abc into a(n) int: invalid literal for int() with base 10: 'abc'",
        );
    post(vec![("key", "k"), ("value", "2015-01-01"), ("datatype", "datetime")])
        .await
        .assert_error(400, "Error casting 2015-01-01 into a(n) datetime: time data '2015-01-01' does not match format '%Y-%m-%dT%H:%M:%S.%f'");
    post(vec![
        ("key", "k"),
        ("value", "a1"),
        ("datatype", "relation"),
    ])
    .await
    .assert_error(
        400,
        "Error casting a1 into a(n) relation: need more than 1 value to unpack",
    );
    post(vec![("key", "k"), ("value", "1"), ("datatype", "float")])
        .await
        .assert_error(400, "float is not a valid datatype. datatypes include: ('int', 'string', 'datetime', 'relation', 'json')");
    post(vec![
        ("key", "k"),
        ("value", "/nodriver/x"),
        ("datatype", "relation"),
    ])
    .await
    .assert_error(412, "The driver \"nodriver\" is not a valid driver");
    post(vec![
        ("key", "k"),
        ("value", "/pool/x"),
        ("datatype", "relation"),
    ])
    .await
    .assert_error(409, "The driver for object \"x\" is not \"pool\"");
    post(vec![
        ("key", "k"),
        ("value", "/pool/nothing"),
        ("datatype", "relation"),
    ])
    .await
    .assert_error(
        404,
        "Object \"nothing\" not found (nothing does not exist.)",
    );
    let a = post(vec![
        ("key", "k"),
        ("value", "99999999999999999999"),
        ("datatype", "int"),
    ])
    .await;
    assert_eq!(a.status, 400, "{}", a.text);
    let a = post(vec![
        ("key", "d"),
        ("value", "2015-01-01"),
        ("datatype", "datetime"),
        ("mask", "%Y-%m-%d"),
    ])
    .await;
    assert_eq!(a.json()[0]["value"], "2015-01-01T00:00:00");
    let a = post(vec![
        ("key", "e"),
        ("value", "x/entity/singlepool"),
        ("datatype", "relation"),
    ])
    .await;
    assert_eq!(
        a.json()[1],
        attr(
            "e",
            json!(null),
            json!(null),
            json!("/pool/singlepool"),
            "relation"
        )
    );
    let a = post(vec![
        ("key", "f"),
        ("value", r#"{"z": 1, "a": [true]}"#),
        ("datatype", "json"),
    ])
    .await;
    assert_eq!(a.json()[2]["value"], json!({"a": [true], "z": 1}));
    assert_eq!(
        api.get("/attribute/x")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn set_replaces_exactly_one_row() {
    let api = server().await;
    api.form("POST", "/attribute/x/a/foo/0", &[("value", "f0")])
        .await;
    let a = api.form("PUT", "/attribute/x/a", &[("value", "t1")]).await;
    assert_eq!(a.json().as_array().unwrap().len(), 2);
    let a = api.form("PUT", "/attribute/x/a", &[("value", "t2")]).await;
    let rows = a.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[1]["value"], "t2");
    // Setting an equal value changes nothing; "6" and 6 differ.
    let a = api
        .json("PUT", "/attribute/x/a", r#"{"key": "a", "value": "t2"}"#)
        .await;
    assert_eq!(a.json(), rows);
    let a = api
        .json("PUT", "/attribute/x/a", r#"{"key": "n", "value": 6}"#)
        .await;
    let b = api.form("PUT", "/attribute/x/n", &[("value", "6")]).await;
    assert_ne!(a.json(), b.json());
    assert_eq!(
        b.json()[2],
        attr("n", json!(null), json!(null), json!("6"), "string")
    );
}

#[tokio::test]
async fn keys_and_values_round_trip_unicode_and_spaces() {
    let api = Api::start().await;
    api.create("pool", &["a pool/with slash"]).await;
    let path = "/attribute/a%20pool%2Fwith%20slash";
    let a = api
        .form(
            "POST",
            path,
            &[
                ("key", "k"),
                ("subkey", "s"),
                ("value", "héllo wörld 😀\n\"q\""),
            ],
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert!(
        a.text
            .contains(r#""h\u00e9llo w\u00f6rld \ud83d\ude00\n\"q\"""#),
        "{}",
        a.text
    );
    let a = api.get(&format!("{path}/k/s")).await;
    assert_eq!(a.json()[0]["value"], "héllo wörld 😀\n\"q\"");
}

#[tokio::test]
async fn null_values_are_stored_and_shown_as_the_original_does() {
    // GIVEN an entity
    let api = server().await;
    // WHEN a JSON body sets a value of null (Python's None)
    let a = api
        .json("POST", "/attribute/x", r#"[{"key": "k", "value": null}]"#)
        .await;
    // THEN it is stored as a string row with a null value and shown so
    assert_eq!(a.status, 201, "{}", a.text);
    let none = attr("k", json!(null), json!(null), json!(null), "string");
    assert_eq!(a.json(), json!([none]));
    assert_eq!(api.get("/attribute/x/k").await.json(), json!([none]));
    // AND setting None again changes nothing (None equals None), while a text replaces it
    let a = api
        .json("PUT", "/attribute/x/k", r#"{"key": "k", "value": null}"#)
        .await;
    assert_eq!(a.json(), json!([none]));
    let a = api.form("PUT", "/attribute/x/k", &[("value", "t")]).await;
    assert_eq!(a.json()[0]["value"], json!("t"));
    // AND the json datatype decodes `null` to None as well
    let a = api
        .form(
            "POST",
            "/attribute/x",
            &[("key", "j"), ("value", "null"), ("datatype", "json")],
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(
        api.get("/attribute/x/j").await.json(),
        json!([attr("j", json!(null), json!(null), json!(null), "string")])
    );
    // AND a missing value is still refused
    api.json("POST", "/attribute/x", r#"{"key": "k"}"#)
        .await
        .assert_error(412, "Provide at least \"key\" and \"value\"");
}
