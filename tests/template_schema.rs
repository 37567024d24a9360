//! The deployment template against the code. `template.yaml` must declare the table exactly as
//! `clusto_store::schema()` does, give each function exactly the DynamoDB actions its app
//! uses (the read-only root app no write at all), and send every route, and every
//! documented request, to the function of the app that serves its path.
//!
//! The template uses CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`, `!If`); serde_yaml
//! parses each into a `Value::Tagged`, which [`tagged`] reads.

use std::collections::{BTreeMap, BTreeSet};

use clusto_store::{KeyAttr, schema};
use serde_yaml::Value;

/// The four apps, each deployed as one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum App {
    Root,
    Entity,
    Attribute,
    ResourceManager,
}

impl App {
    /// The app whose function a `functions/<dir>` package is.
    fn of_package_dir(dir: &str) -> App {
        match dir {
            "root" => App::Root,
            "entity" => App::Entity,
            "attribute" => App::Attribute,
            "resourcemanager" => App::ResourceManager,
            other => panic!("functions/{other} is not one of the four apps"),
        }
    }

    /// The app that serves a path: each of the three apps owns its prefix, the root app
    /// everything else.
    fn serving(path: &str) -> App {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        match first {
            "entity" => App::Entity,
            "attribute" => App::Attribute,
            "resourcemanager" => App::ResourceManager,
            _ => App::Root,
        }
    }
}

/// Every function reads with the same three actions (with Query on the table any item is
/// readable anyway, so GetItem and BatchGetItem add no access).
const READ: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
];

/// The writes each app makes (shared/model, through shared/store-dynamodb): PutItem and
/// DeleteItem alone or inside TransactWriteItems (which has no IAM action of its own),
/// ConditionCheckItem for a transaction's condition checks (attribute relations, resource
/// claims, `If-Match` versions), UpdateItem for the resource managers' counters. tests/lambda_events.rs checks
/// these against the calls each app really makes for the events in events/.
fn expected_writes(app: App) -> &'static [&'static str] {
    match app {
        App::Root => &[],
        App::Entity => &[
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
        ],
        App::Attribute => &[
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
        ],
        App::ResourceManager => &[
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
    }
}

fn expected_actions(app: App) -> BTreeSet<&'static str> {
    READ.iter().chain(expected_writes(app)).copied().collect()
}

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml is readable");
    serde_yaml::from_str(&text).expect("template.yaml is valid YAML")
}

/// The value under a tag (`!Ref X` → `X`), if `v` carries that tag.
fn tagged<'a>(v: &'a Value, tag: &str) -> Option<&'a Value> {
    match v {
        Value::Tagged(t) if t.tag == tag => Some(&t.value),
        _ => None,
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {v:?}"))
}

fn seq_of(v: &Value) -> &[Value] {
    v.as_sequence()
        .unwrap_or_else(|| panic!("expected a list, found {v:?}"))
}

/// Every resource as (logical id, type, resource).
fn resources(t: &Value) -> Vec<(String, String, &Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .map(|(id, r)| (str_of(id).to_owned(), str_of(&r["Type"]).to_owned(), r))
        .collect()
}

fn resource<'a>(t: &'a Value, id: &str) -> &'a Value {
    let r = &t["Resources"][id];
    assert!(!r.is_null(), "template.yaml has no resource {id}");
    r
}

/// A key schema as (attribute, HASH|RANGE) pairs, in order.
fn key_schema(v: &Value) -> Vec<(String, String)> {
    seq_of(v)
        .iter()
        .map(|k| {
            (
                str_of(&k["AttributeName"]).to_owned(),
                str_of(&k["KeyType"]).to_owned(),
            )
        })
        .collect()
}

fn keys_in_code(keys: &[KeyAttr]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| (k.name.to_owned(), k.key_type.to_owned()))
        .collect()
}

#[test]
fn the_table_is_exactly_the_schema_in_the_code() {
    let t = template();
    let table = resource(&t, "Table");
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    let p = &table["Properties"];
    let s = schema();

    assert_eq!(key_schema(&p["KeySchema"]), keys_in_code(&s.key_schema));
    assert_eq!(
        str_of(&p["TimeToLiveSpecification"]["AttributeName"]),
        s.time_to_live
    );
    assert_eq!(p["TimeToLiveSpecification"]["Enabled"], true);

    let attributes: BTreeMap<String, String> = seq_of(&p["AttributeDefinitions"])
        .iter()
        .map(|a| {
            (
                str_of(&a["AttributeName"]).to_owned(),
                str_of(&a["AttributeType"]).to_owned(),
            )
        })
        .collect();
    let expected: BTreeMap<String, String> = s
        .attribute_definitions
        .iter()
        .map(|name| (name.to_string(), "S".to_owned()))
        .collect();
    assert_eq!(attributes, expected, "AttributeDefinitions (all of type S)");

    let indexes: BTreeMap<String, (Vec<(String, String)>, String)> =
        seq_of(&p["GlobalSecondaryIndexes"])
            .iter()
            .map(|i| {
                (
                    str_of(&i["IndexName"]).to_owned(),
                    (
                        key_schema(&i["KeySchema"]),
                        str_of(&i["Projection"]["ProjectionType"]).to_owned(),
                    ),
                )
            })
            .collect();
    let expected: BTreeMap<String, (Vec<(String, String)>, String)> = s
        .global_secondary_indexes
        .iter()
        .map(|(name, keys)| (name.to_string(), (keys_in_code(keys), "ALL".to_owned())))
        .collect();
    assert_eq!(indexes, expected, "GlobalSecondaryIndexes");
    assert!(
        p["LocalSecondaryIndexes"].is_null(),
        "no LSIs in the schema"
    );

    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(p["SSESpecification"]["SSEEnabled"], true);
    // Deletion protection follows the DeletionProtection parameter (default on)...
    let protection = tagged(&p["DeletionProtectionEnabled"], "If").expect("!If");
    assert_eq!(seq_of(protection)[0], "ProtectTable");
    assert_eq!(t["Parameters"]["DeletionProtection"]["Default"], "true");
    // ... and deleting the stack never deletes the data.
    assert_eq!(table["DeletionPolicy"], "Retain");
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
}

/// Each function's logical id and app (from its CodeUri).
fn functions(t: &Value) -> BTreeMap<String, App> {
    resources(t)
        .into_iter()
        .filter(|(_, ty, _)| ty == "AWS::Serverless::Function")
        .map(|(id, _, r)| {
            let code = str_of(&r["Properties"]["CodeUri"]);
            let dir = code
                .strip_prefix("functions/")
                .unwrap_or_else(|| panic!("{id}: CodeUri {code} is not under functions/"));
            (id, App::of_package_dir(dir))
        })
        .collect()
}

#[test]
fn one_function_per_app_built_from_its_own_package() {
    let t = template();
    let functions = functions(&t);
    let apps: BTreeSet<App> = functions.values().copied().collect();
    assert_eq!(functions.len(), 4, "{functions:?}");
    assert_eq!(apps.len(), 4, "{functions:?}");
    for id in functions.keys() {
        let r = resource(&t, id);
        assert_eq!(r["Metadata"]["BuildMethod"], "rust-cargolambda", "{id}");
        let dir = str_of(&r["Properties"]["CodeUri"]);
        let manifest = format!("{}/{dir}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
        let manifest = std::fs::read_to_string(&manifest).expect("the CodeUri holds a package");
        let package = format!("name = \"clusto-{}\"", dir.trim_start_matches("functions/"));
        assert!(manifest.contains(&package), "{id}: {dir} is not {package}");
        // Each function's log group is its own, with a retention.
        let group = tagged(&r["Properties"]["LoggingConfig"]["LogGroup"], "Ref").expect("!Ref");
        let group = resource(&t, str_of(group));
        assert_eq!(group["Type"], "AWS::Logs::LogGroup", "{id}");
        assert!(!group["Properties"]["RetentionInDays"].is_null(), "{id}");
        assert_eq!(
            r["Properties"]["LoggingConfig"]["LogFormat"], "JSON",
            "{id}"
        );
    }
    let g = &t["Globals"]["Function"];
    assert_eq!(g["Runtime"], "provided.al2023");
    assert_eq!(seq_of(&g["Architectures"]), [Value::from("arm64")]);
    let env = &g["Environment"]["Variables"];
    assert_eq!(
        tagged(&env["CLUSTO_TABLE"], "Ref").expect("!Ref Table"),
        "Table"
    );
    assert_eq!(
        tagged(&env["CLUSTO_RESPONSE_HEADERS"], "Ref").expect("!Ref ResponseHeaders"),
        "ResponseHeaders"
    );
    assert_eq!(env["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"], "true");
}

/// The actions a function's policies allow, checking on the way that every statement allows
/// (never denies) exactly the table and its indexes, without conditions or wildcards.
fn allowed_actions(function_id: &str, function: &Value) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for policy in seq_of(&function["Properties"]["Policies"]) {
        // Only plain statements: no SAM policy templates or managed policies, whose
        // actions this test could not see.
        assert!(
            policy.is_mapping() && !policy["Statement"].is_null(),
            "{function_id}: a policy that is not a statement list: {policy:?}"
        );
        for statement in seq_of(&policy["Statement"]) {
            assert_eq!(statement["Effect"], "Allow", "{function_id}");
            assert!(statement["Condition"].is_null(), "{function_id}");
            let resources = seq_of(&statement["Resource"]);
            assert_eq!(resources.len(), 2, "{function_id}: {resources:?}");
            let table_arn = tagged(&resources[0], "GetAtt").expect("!GetAtt Table.Arn");
            assert_eq!(table_arn, "Table.Arn", "{function_id}");
            let indexes = tagged(&resources[1], "Sub").expect("!Sub ${Table.Arn}/index/*");
            assert_eq!(indexes, "${Table.Arn}/index/*", "{function_id}");
            for action in seq_of(&statement["Action"]) {
                let action = str_of(action);
                assert!(!action.contains('*'), "{function_id}: wildcard {action}");
                actions.insert(action.to_owned());
            }
        }
    }
    actions
}

#[test]
fn each_function_may_use_only_the_dynamodb_actions_of_its_app() {
    let t = template();
    for (id, app) in functions(&t) {
        let actions = allowed_actions(&id, resource(&t, &id));
        let expected: BTreeSet<String> = expected_actions(app)
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(actions, expected, "{id} ({app:?})");
        if app == App::Root {
            assert!(
                actions.iter().all(|a| READ.contains(&a.as_str())),
                "the root app only reads: {actions:?}"
            );
        }
    }
}

/// One route of the API: method (or `ANY`), path pattern, and the app it invokes.
#[derive(Debug, Clone)]
struct Route {
    key: String,
    method: String,
    path: String,
    app: App,
}

fn routes(t: &Value) -> Vec<Route> {
    let functions = functions(t);
    // Integration logical id → app, through the function ARN it invokes.
    let integrations: BTreeMap<String, App> = resources(t)
        .into_iter()
        .filter(|(_, ty, _)| ty == "AWS::ApiGatewayV2::Integration")
        .map(|(id, _, r)| {
            let p = &r["Properties"];
            assert_eq!(p["IntegrationType"], "AWS_PROXY", "{id}");
            assert_eq!(p["PayloadFormatVersion"], "2.0", "{id}");
            let arn = str_of(tagged(&p["IntegrationUri"], "GetAtt").expect("!GetAtt F.Arn"));
            let function = arn.strip_suffix(".Arn").expect("a function's Arn");
            (id, functions[function])
        })
        .collect();
    resources(t)
        .into_iter()
        .filter(|(_, ty, _)| ty == "AWS::ApiGatewayV2::Route")
        .map(|(id, _, r)| {
            let p = &r["Properties"];
            assert_eq!(tagged(&p["ApiId"], "Ref").expect("!Ref Api"), "Api", "{id}");
            assert_eq!(
                tagged(&p["AuthorizationType"], "Ref").expect("!Ref Authorization"),
                "Authorization",
                "{id}: every route follows the Authorization parameter"
            );
            let target = str_of(tagged(&p["Target"], "Sub").expect("!Sub integrations/..."));
            let integration = target
                .strip_prefix("integrations/${")
                .and_then(|s| s.strip_suffix('}'))
                .unwrap_or_else(|| panic!("{id}: target {target}"));
            let key = str_of(&p["RouteKey"]).to_owned();
            let (method, path) = key.split_once(' ').unwrap_or(("ANY", &key));
            Route {
                method: method.to_owned(),
                path: path.to_owned(),
                app: integrations[integration],
                key,
            }
        })
        .collect()
}

#[test]
fn every_route_goes_to_the_app_that_serves_its_path() {
    let t = template();
    let routes = routes(&t);
    let keys: BTreeSet<&str> = routes.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys.len(), routes.len(), "a route key appears twice");
    for route in &routes {
        // API Gateway rejects route keys ending in "/" (other than "/" itself).
        assert!(
            route.path == "/" || !route.path.ends_with('/'),
            "{}",
            route.key
        );
        let expected = if route.key == "$default" || route.method == "OPTIONS" {
            App::Root // the fallback, and OPTIONS anywhere (any app answers it alike)
        } else {
            App::serving(&route.path)
        };
        assert_eq!(route.app, expected, "{}", route.key);
    }
    assert!(
        keys.contains("$default"),
        "unmatched requests reach the root app"
    );
}

/// Whether a route's path pattern matches a request path given as segments: `{var}` takes
/// one non-empty segment, a final `{var+}` one or more segments (an empty last one too: a
/// trailing slash).
fn pattern_matches(pattern: &str, segments: &[&str]) -> bool {
    let pattern: Vec<&str> = pattern
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    if pattern.last().is_some_and(|s| s.ends_with("+}")) {
        let fixed = &pattern[..pattern.len() - 1];
        return segments.len() > fixed.len()
            && fixed
                .iter()
                .zip(segments)
                .all(|(p, s)| segment_matches(p, s));
    }
    pattern.len() == segments.len()
        && pattern
            .iter()
            .zip(segments)
            .all(|(p, s)| segment_matches(p, s))
}

fn segment_matches(pattern: &str, segment: &str) -> bool {
    if pattern.starts_with('{') {
        !segment.is_empty()
    } else {
        pattern == segment
    }
}

/// The routes that could take a request, under either reading of a trailing slash: API
/// Gateway matching the path without it (onto `/entity`), or with it (an empty last segment
/// that only a greedy `{proxy+}` takes). `$default` only when nothing else matches.
fn candidates<'a>(routes: &'a [Route], method: &str, path: &str) -> Vec<&'a Route> {
    let raw: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let raw: Vec<&str> = if path == "/" { Vec::new() } else { raw };
    let stripped: Vec<&str> = raw.iter().copied().filter(|s| !s.is_empty()).collect();
    let found: Vec<&Route> = routes
        .iter()
        .filter(|r| r.key != "$default" && (r.method == method || r.method == "ANY"))
        .filter(|r| pattern_matches(&r.path, &raw) || pattern_matches(&r.path, &stripped))
        .collect();
    if found.is_empty() {
        routes.iter().filter(|r| r.key == "$default").collect()
    } else {
        found
    }
}

/// Every documented request (clusto-model.md §8.5, with the trailing-slash forms), with
/// example values, and the app that serves it.
const DOCUMENTED: &[(&str, &str, App)] = &[
    ("GET", "/", App::Root),
    ("HEAD", "/", App::Root),
    ("GET", "/__doc__", App::Root),
    ("GET", "/__meta__", App::Root),
    ("GET", "/__version__", App::Root),
    ("GET", "/favicon.ico", App::Root),
    ("GET", "/driverlist", App::Root),
    ("GET", "/typelist", App::Root),
    ("GET", "/from-pools", App::Root),
    ("GET", "/by-name/testserver1", App::Root),
    ("GET", "/by-names", App::Root),
    ("GET", "/by-attr", App::Root),
    ("GET", "/entity", App::Entity),
    ("GET", "/entity/", App::Entity),
    ("GET", "/entity/__doc__", App::Entity),
    ("GET", "/entity/__doc__/", App::Entity),
    ("GET", "/entity/pool", App::Entity),
    ("GET", "/entity/pool/", App::Entity),
    ("POST", "/entity/pool", App::Entity),
    ("GET", "/entity/basicserver/testserver1", App::Entity),
    ("GET", "/entity/basicserver/testserver1/", App::Entity),
    ("POST", "/entity/pool/singlepool", App::Entity),
    ("DELETE", "/entity/basicserver/testserver1", App::Entity),
    ("GET", "/attribute/__doc__", App::Attribute),
    ("GET", "/attribute/__doc__/", App::Attribute),
    ("GET", "/attribute/testserver1", App::Attribute),
    ("GET", "/attribute/testserver1/", App::Attribute),
    ("POST", "/attribute/testserver1", App::Attribute),
    ("GET", "/attribute/testserver1/key1", App::Attribute),
    ("GET", "/attribute/testserver1/key1/", App::Attribute),
    ("PUT", "/attribute/testserver1/key1", App::Attribute),
    ("DELETE", "/attribute/testserver1/key1", App::Attribute),
    ("GET", "/attribute/testserver1/key1/subkey1", App::Attribute),
    (
        "POST",
        "/attribute/testserver1/key1/subkey1",
        App::Attribute,
    ),
    ("PUT", "/attribute/testserver1/key1/subkey1", App::Attribute),
    (
        "DELETE",
        "/attribute/testserver1/key1/subkey1",
        App::Attribute,
    ),
    (
        "GET",
        "/attribute/testserver1/key1/subkey1/0",
        App::Attribute,
    ),
    (
        "GET",
        "/attribute/testserver1/key1/subkey1/0/",
        App::Attribute,
    ),
    (
        "POST",
        "/attribute/testserver1/key1/subkey1/0",
        App::Attribute,
    ),
    (
        "PUT",
        "/attribute/testserver1/key1/subkey1/0",
        App::Attribute,
    ),
    (
        "DELETE",
        "/attribute/testserver1/key1/subkey1/0",
        App::Attribute,
    ),
    ("GET", "/resourcemanager/", App::ResourceManager),
    ("GET", "/resourcemanager/__doc__", App::ResourceManager),
    ("GET", "/resourcemanager/__doc__/", App::ResourceManager),
    (
        "GET",
        "/resourcemanager/simpleentitynamemanager",
        App::ResourceManager,
    ),
    (
        "GET",
        "/resourcemanager/simpleentitynamemanager/",
        App::ResourceManager,
    ),
    (
        "POST",
        "/resourcemanager/simplenamemanager",
        App::ResourceManager,
    ),
    (
        "GET",
        "/resourcemanager/simpleentitynamemanager/testnames",
        App::ResourceManager,
    ),
    (
        "GET",
        "/resourcemanager/simpleentitynamemanager/testnames/",
        App::ResourceManager,
    ),
    (
        "POST",
        "/resourcemanager/simpleentitynamemanager/testnames",
        App::ResourceManager,
    ),
    (
        "DELETE",
        "/resourcemanager/ipmanager/ipman1",
        App::ResourceManager,
    ),
];

#[test]
fn every_documented_request_reaches_its_app_however_a_trailing_slash_matches() {
    let t = template();
    let routes = routes(&t);
    for &(method, path, app) in DOCUMENTED {
        let found = candidates(&routes, method, path);
        assert!(
            found.iter().all(|r| r.key != "$default"),
            "{method} {path} has a route of its own"
        );
        for route in found {
            assert_eq!(
                route.app, app,
                "{method} {path} could take route {}",
                route.key
            );
        }
    }
    // OPTIONS anywhere is answered (204) by whichever app takes it.
    for path in [
        "/",
        "/by-name/x",
        "/entity/",
        "/attribute/x/y",
        "/resourcemanager/",
    ] {
        assert!(!candidates(&routes, "OPTIONS", path).is_empty(), "{path}");
    }
}

#[test]
fn read_only_callers_may_not_write() {
    let t = template();
    let statements = |id: &str| -> Vec<(Vec<String>, Vec<String>)> {
        let document = &resource(&t, id)["Properties"]["PolicyDocument"];
        seq_of(&document["Statement"])
            .iter()
            .map(|s| {
                assert_eq!(s["Effect"], "Allow");
                let actions = match &s["Action"] {
                    Value::Sequence(list) => list.iter().map(|a| str_of(a).to_owned()).collect(),
                    single => vec![str_of(single).to_owned()],
                };
                let resources = seq_of(&s["Resource"])
                    .iter()
                    .map(|r| str_of(tagged(r, "Sub").expect("!Sub")).to_owned())
                    .collect();
                (actions, resources)
            })
            .collect()
    };
    let api = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}";
    let read_only = statements("ReadOnlyInvokePolicy");
    assert_eq!(read_only.len(), 1);
    assert_eq!(read_only[0].0, ["execute-api:Invoke"]);
    // The resource is <api>/<stage>/<method>/<path>: only the methods that read.
    let methods: Vec<String> = read_only[0]
        .1
        .iter()
        .map(|arn| {
            let rest = arn.strip_prefix(api).expect("this API's ARN");
            let parts: Vec<&str> = rest.split('/').collect();
            assert_eq!(parts.len(), 4, "{arn}");
            assert_eq!((parts[1], parts[3]), ("*", "*"), "{arn}");
            parts[2].to_owned()
        })
        .collect();
    assert_eq!(methods, ["GET", "HEAD", "OPTIONS"]);
    let full = statements("FullAccessInvokePolicy");
    assert_eq!(
        full,
        [(
            vec!["execute-api:Invoke".to_owned()],
            vec![format!("{api}/*")]
        )]
    );
    for output in [
        "ApiUrl",
        "TableName",
        "ReadOnlyInvokePolicyArn",
        "FullAccessInvokePolicyArn",
    ] {
        assert!(!t["Outputs"][output].is_null(), "output {output}");
    }
}
