//! Every API Gateway event in `events/` through the Lambda entry path of its app, in process:
//! `lambda_http` turns the payload into a request exactly as `lambda_http::run` does in the
//! deployed function (`functions/<app>/src/main.rs`), and the app's router answers it, over
//! an in-memory embedded store holding the documented fixture. Each event gets a fresh
//! database; the events a request depends on (an allocation before its deallocation) run
//! first.
//!
//! The same files work with `cargo lambda invoke --data-file events/<app>/<name>.json`.
//!
//! The invocation's deadline comes through the same path: the model's retries stop short of
//! it.
//!
//! Two more links to `template.yaml`: each event's `routeKey` must be a route of the
//! template that invokes the event's app, and the DynamoDB calls each app makes while
//! answering its events must be allowed by that app's function policy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use axum::Router;
use clusto_http::middleware::DEADLINE_MARGIN;
use clusto_http::{AppState, Config};
use clusto_model::{Clusto, retry};
use clusto_store::testing::{Faults, FaultyStore};
use clusto_store::{Item, ItemStore, Key, Query, StoreResult, WriteOp};
use clusto_store_embedded::EmbeddedStore;
use lambda_http::RequestExt;
use serde_yaml::Value as Yaml;
use tower::ServiceExt;

/// What the test expects of one event: the status, and text the body must contain.
struct Expect {
    file: &'static str,
    status: u16,
    body: &'static [&'static str],
    /// Events to run first, in order, on the same database (each must succeed).
    after: &'static [&'static str],
}

const fn ok(file: &'static str, status: u16, body: &'static [&'static str]) -> Expect {
    Expect {
        file,
        status,
        body,
        after: &[],
    }
}

const fn after(
    file: &'static str,
    status: u16,
    body: &'static [&'static str],
    setup: &'static [&'static str],
) -> Expect {
    Expect {
        file,
        status,
        body,
        after: setup,
    }
}

/// Write actions a function needs that no event here can make: the `If-Match` check of an
/// entity delete too large for one transaction (its first part does not write the entity's
/// meta item, so the version is a ConditionCheck), which needs an entity of over 98 items and
/// a tag naming an id made when the fixture loads. tests/http/etag.rs covers the check.
const UNEXERCISED: &[(&str, &str)] = &[("entity", "dynamodb:ConditionCheckItem")];

/// Every event file and what its app answers. The texts come from docs/api.md and
/// clusto-model.md §8.6.
const EXPECTED: &[Expect] = &[
    // root
    ok("root/get-root.json", 200, &["by-name"]),
    ok("root/head-root.json", 200, &[]),
    ok("root/options-root.json", 204, &[]),
    ok("root/options-any-path.json", 204, &[]),
    ok(
        "root/get-doc-html.json",
        200,
        &["<?xml version=\"1.0\" encoding=\"utf-8\" ?>"],
    ),
    ok("root/get-doc-text.json", 200, &["by-name"]),
    ok(
        "root/get-meta.json",
        200,
        &["\"/entity\": \"clustoapi.apps.entity\""],
    ),
    ok("root/get-version.json", 200, &["\"0.5.2\""]),
    ok("root/get-favicon.json", 410, &[]),
    ok("root/get-driverlist.json", 200, &["\"basicserver\""]),
    ok("root/get-typelist.json", 200, &["\"server\""]),
    ok(
        "root/get-from-pools.json",
        200,
        &["\"/basicserver/testserver1\""],
    ),
    ok(
        "root/get-from-pools-expanded.json",
        200,
        &["\"attrs\"", "\"subkey2\""],
    ),
    ok(
        "root/get-from-pools-paged.json",
        200,
        &["\"/basicserver/testserver1\""],
    ),
    ok(
        "root/get-from-pools-no-pool.json",
        412,
        &["Provide at least one pool"],
    ),
    ok(
        "root/get-from-pools-bad-page.json",
        400,
        &["invalid literal for int()"],
    ),
    ok(
        "root/get-by-name.json",
        200,
        &["\"name\": \"testserver1\"", "\"/pool/singlepool\""],
    ),
    ok(
        "root/get-by-name-compact.json",
        200,
        &["\"/basicserver/testserver1\""],
    ),
    ok(
        "root/get-by-name-missing.json",
        404,
        &["Object \\\"nonserver\\\" not found"],
    ),
    ok(
        "root/get-by-name-wrong-driver.json",
        409,
        &["is not \\\"pool\\\""],
    ),
    ok(
        "root/get-by-name-bad-mode.json",
        409,
        &["'sideways' is not a valid mode"],
    ),
    ok(
        "root/get-by-names.json",
        200,
        &["\"/basicserver/testserver2\""],
    ),
    ok("root/get-by-names-some.json", 206, &["null"]),
    ok("root/get-by-names-none.json", 404, &["null"]),
    ok(
        "root/get-by-names-no-name.json",
        412,
        &["Provide at least one name"],
    ),
    ok(
        "root/get-by-attr.json",
        200,
        &["\"/basicserver/testserver1\""],
    ),
    ok(
        "root/get-by-attr-minified.json",
        200,
        &["[\"/basicserver/testserver1\", \"/basicserver/testserver2\"]"],
    ),
    ok(
        "root/get-by-attr-no-key.json",
        412,
        &["Provide a key to use get_by_attr"],
    ),
    ok("root/get-unknown-path.json", 404, &[]),
    ok("root/post-version-not-allowed.json", 405, &[]),
    // entity
    ok(
        "entity/get-list.json",
        200,
        &["\"/pool/singlepool\"", "\"/basicserver/testserver2\""],
    ),
    ok(
        "entity/get-list-no-slash.json",
        200,
        &["\"/pool/singlepool\""],
    ),
    ok("entity/get-list-driver.json", 200, &["\"/pool/emptypool\""]),
    ok(
        "entity/get-list-driver-slash.json",
        200,
        &["\"/basicserver/testserver1\""],
    ),
    ok("entity/get-list-paged.json", 200, &["\"/pool/singlepool\""]),
    ok(
        "entity/get-list-bad-driver.json",
        412,
        &["The requested driver \\\"nondriver\\\" does not exist"],
    ),
    ok("entity/get-doc.json", 200, &["entity"]),
    ok(
        "entity/post-create.json",
        201,
        &["\"/pool/createpool1\"", "\"/pool/createpool2\""],
    ),
    ok(
        "entity/post-create-existing.json",
        202,
        &["\"/pool/singlepool\"", "\"/pool/newpool\""],
    ),
    ok(
        "entity/post-create-bad-driver.json",
        412,
        &["Requested driver \\\"nondriver\\\" does not exist"],
    ),
    ok(
        "entity/get-show.json",
        200,
        &["\"name\": \"testserver1\"", "\"/pool/multipool\""],
    ),
    ok(
        "entity/get-show-slash.json",
        200,
        &["\"name\": \"multipool\""],
    ),
    ok("entity/get-show-missing.json", 404, &["not found"]),
    ok(
        "entity/get-show-wrong-driver.json",
        409,
        &["is not \\\"basicserver\\\""],
    ),
    ok(
        "entity/post-insert.json",
        200,
        &["\"name\": \"emptypool\"", "\"/basicserver/testserver2\""],
    ),
    ok("entity/post-remove.json", 200, &["\"name\": \"multipool\""]),
    ok(
        "entity/post-action-missing.json",
        400,
        &["Parameter 'action' is required."],
    ),
    ok(
        "entity/post-action-unknown-device.json",
        404,
        &["nonserver"],
    ),
    ok("entity/delete.json", 204, &[]),
    ok("entity/delete-missing.json", 404, &[]),
    ok(
        "entity/delete-bad-driver.json",
        412,
        &["Requested driver \\\"nondriver\\\" does not exist"],
    ),
    ok("entity/put-not-allowed.json", 405, &[]),
    // attribute
    ok("attribute/get-doc.json", 200, &["attribute"]),
    ok(
        "attribute/get-attrs.json",
        200,
        &["\"subkey1\"", "\"value1\""],
    ),
    ok("attribute/get-attrs-slash.json", 200, &["\"value1\""]),
    ok("attribute/get-attrs-driver.json", 200, &["\"value1\""]),
    ok(
        "attribute/get-attrs-wrong-driver.json",
        409,
        &["is not \\\"pool\\\""],
    ),
    ok("attribute/get-attrs-missing.json", 404, &["not found"]),
    ok("attribute/get-key.json", 200, &["\"value1\""]),
    ok("attribute/get-subkey.json", 200, &["\"value1\""]),
    ok("attribute/get-number.json", 200, &[]),
    ok("attribute/post-add.json", 201, &["\"owner\"", "\"web\""]),
    ok(
        "attribute/post-add-int.json",
        201,
        &["\"datatype\": \"int\"", "\"value\": 6"],
    ),
    ok(
        "attribute/post-add-relation.json",
        201,
        &["\"datatype\": \"relation\"", "\"/basicserver/testserver2\""],
    ),
    ok(
        "attribute/post-add-bad-int.json",
        400,
        &["Error casting abc into a(n) int"],
    ),
    ok(
        "attribute/post-add-no-value.json",
        412,
        &["Provide at least"],
    ),
    ok(
        "attribute/post-add-missing-entity.json",
        404,
        &["nonserver"],
    ),
    ok(
        "attribute/post-add-json.json",
        201,
        &["\"apache\"", "\"webapp\""],
    ),
    ok(
        "attribute/post-add-subkey-number.json",
        201,
        &["\"disk\"", "\"number\": 2"],
    ),
    ok("attribute/put-set-key.json", 200, &["\"db\""]),
    ok("attribute/put-set-subkey.json", 200, &["\"changed\""]),
    ok(
        "attribute/put-set-number.json",
        200,
        &["\"number\": 1", "\"250\""],
    ),
    ok(
        "attribute/put-conflicting-key.json",
        400,
        &["Two different values were submitted for \\\"key\\\""],
    ),
    ok("attribute/delete-key.json", 200, &["[]"]),
    ok("attribute/delete-subkey.json", 200, &["[]"]),
    after(
        "attribute/delete-number.json",
        200,
        &["\"value1\""],
        &["attribute/post-add-subkey-number.json"],
    ),
    ok("attribute/delete-missing-entity.json", 404, &["not found"]),
    ok("attribute/post-key-not-allowed.json", 405, &[]),
    // resourcemanager
    ok("resourcemanager/get-doc.json", 200, &["resourcemanager"]),
    ok(
        "resourcemanager/get-list.json",
        200,
        &["\"/simpleentitynamemanager/testnames\""],
    ),
    ok(
        "resourcemanager/get-list-driver.json",
        200,
        &["\"/simpleentitynamemanager/testnames\""],
    ),
    ok(
        "resourcemanager/get-list-driver-slash.json",
        200,
        &["\"/simpleentitynamemanager/testnames\""],
    ),
    ok(
        "resourcemanager/get-list-bad-driver.json",
        404,
        &["Not a valid driver \\\"notadriver\\\""],
    ),
    ok(
        "resourcemanager/post-create.json",
        201,
        &["\"name\": \"nameman1\""],
    ),
    ok(
        "resourcemanager/post-create-ipmanager.json",
        201,
        &["\"name\": \"ipman2\"", "\"192.168.1.10\""],
    ),
    ok(
        "resourcemanager/post-create-existing.json",
        202,
        &["\"name\": \"testnames\""],
    ),
    ok(
        "resourcemanager/post-create-bad-driver.json",
        412,
        &["Requested driver \\\"nodriver\\\" does not exist"],
    ),
    ok(
        "resourcemanager/get-show.json",
        200,
        &["\"name\": \"testnames\"", "\"count\": 0"],
    ),
    ok("resourcemanager/get-show-missing.json", 404, &["not found"]),
    ok(
        "resourcemanager/get-show-not-a-manager.json",
        409,
        &["is not a resource manager"],
    ),
    ok(
        "resourcemanager/post-allocate-driver.json",
        201,
        &["\"/basicserver/s01\""],
    ),
    after(
        "resourcemanager/post-allocate-object.json",
        201,
        &["\"key\": \"ip\"", "\"value\": 1084752130"],
        &["resourcemanager/post-create-ipmanager.json"],
    ),
    ok(
        "resourcemanager/post-allocate-nothing.json",
        404,
        &["Cannot allocate an empty thing"],
    ),
    after(
        "resourcemanager/delete-deallocate.json",
        204,
        &[],
        &[
            "resourcemanager/post-create-ipmanager.json",
            "resourcemanager/post-allocate-object.json",
        ],
    ),
    after(
        "resourcemanager/delete-deallocate-nothing.json",
        404,
        &["Cannot deallocate empty"],
        &["resourcemanager/post-create-ipmanager.json"],
    ),
];

/// The DynamoDB action (what IAM checks) each store call needs: the backend's calls in
/// shared/store-dynamodb/src/lib.rs, with a transaction needing each of its items' actions.
#[derive(Clone)]
struct ActionRecorder {
    inner: Arc<dyn ItemStore>,
    actions: Arc<Mutex<BTreeSet<&'static str>>>,
}

impl ActionRecorder {
    fn record(&self, action: &'static str) {
        self.actions.lock().unwrap().insert(action);
    }

    fn take(&self) -> BTreeSet<&'static str> {
        std::mem::take(&mut *self.actions.lock().unwrap())
    }

    fn op_action(op: &WriteOp) -> &'static str {
        match op {
            WriteOp::Put { .. } => "dynamodb:PutItem",
            WriteOp::Delete { .. } => "dynamodb:DeleteItem",
            WriteOp::Check { .. } => "dynamodb:ConditionCheckItem",
        }
    }
}

#[async_trait]
impl ItemStore for ActionRecorder {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        self.record("dynamodb:GetItem");
        self.inner.get(key).await
    }

    async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        self.record("dynamodb:BatchGetItem");
        self.inner.batch_get(keys).await
    }

    async fn query(&self, query: &Query) -> StoreResult<Vec<Item>> {
        self.record("dynamodb:Query");
        self.inner.query(query).await
    }

    async fn write(&self, op: WriteOp) -> StoreResult<()> {
        self.record(Self::op_action(&op));
        self.inner.write(op).await
    }

    async fn transact(&self, ops: Vec<WriteOp>, token: &str) -> StoreResult<()> {
        for op in &ops {
            self.record(Self::op_action(op));
        }
        self.inner.transact(ops, token).await
    }

    async fn put_many(&self, items: Vec<Item>) -> StoreResult<()> {
        self.record("dynamodb:BatchWriteItem");
        self.inner.put_many(items).await
    }

    async fn increment(&self, key: &Key, attr: &str, start: i64, by: i64) -> StoreResult<i64> {
        self.record("dynamodb:UpdateItem");
        self.inner.increment(key, attr, start, by).await
    }
}

fn root_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The app directory of an event file (`entity/get-show.json` → `entity`).
fn app_of(file: &str) -> &str {
    file.split('/').next().unwrap()
}

/// The deployed router of an app, as its `main.rs` runs it.
fn router(app: &str, state: AppState) -> Router {
    match app {
        "root" => clusto_root::router(state),
        "entity" => clusto_entity::router(state),
        "attribute" => clusto_attribute::router(state),
        "resourcemanager" => clusto_resourcemanager::router(state),
        other => panic!("events/{other} is not an app"),
    }
}

/// A fresh in-memory database with the documented fixture (clusto-model.md §9), the
/// documented response header configured, and a recorder of the store calls.
async fn fresh_state() -> (AppState, ActionRecorder) {
    let recorder = ActionRecorder {
        inner: Arc::new(EmbeddedStore::memory().expect("an in-memory store")),
        actions: Arc::default(),
    };
    let clusto = Clusto::new(Arc::new(recorder.clone()));
    clusto.init().await.expect("database initialised");
    let fixture = root_dir().join("functions/local/fixture.example.json");
    clusto_local::fixture::load_file(&clusto, &fixture)
        .await
        .expect("the documented fixture loads");
    let config = Config::default()
        .with_headers("Access-Control-Allow-Origin: *")
        .unwrap();
    recorder.take();
    (AppState::new(clusto, config), recorder)
}

struct Answer {
    status: u16,
    headers: axum::http::HeaderMap,
    body: String,
}

/// Sends one event file through its app, as the Lambda runtime would.
async fn invoke(file: &str, state: &AppState) -> Answer {
    invoke_by(file, state, None).await
}

/// [`invoke`], with the invocation's context carrying `deadline` (as the runtime's does).
async fn invoke_by(file: &str, state: &AppState, deadline: Option<SystemTime>) -> Answer {
    let path = root_dir().join("events").join(file);
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut request = lambda_http::request::from_str(&json)
        .unwrap_or_else(|e| panic!("{file} is not an API Gateway event lambda_http reads: {e}"));
    if let Some(deadline) = deadline {
        let mut context = lambda_http::Context::default();
        context.deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        request = request.with_lambda_context(context);
    }
    let response = router(app_of(file), state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn event_files() -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    for app in std::fs::read_dir(root_dir().join("events")).unwrap() {
        let app: PathBuf = app.unwrap().path();
        for event in std::fs::read_dir(&app).unwrap() {
            let event = event.unwrap().path();
            if event.extension().is_some_and(|e| e == "json") {
                let app = app.file_name().unwrap().to_string_lossy();
                let name = event.file_name().unwrap().to_string_lossy();
                files.insert(format!("{app}/{name}"));
            }
        }
    }
    files
}

#[test]
fn every_event_file_has_an_expectation() {
    let listed: BTreeSet<String> = EXPECTED.iter().map(|e| e.file.to_owned()).collect();
    assert_eq!(listed.len(), EXPECTED.len(), "an event is listed twice");
    assert_eq!(event_files(), listed);
}

#[tokio::test]
async fn every_event_gets_its_documented_answer() {
    let mut failures = Vec::new();
    let mut used: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for expect in EXPECTED {
        let (state, recorder) = fresh_state().await;
        for setup in expect.after {
            let answer = invoke(setup, &state).await;
            assert!(
                answer.status < 300,
                "{} (run before {}) answered {}: {}",
                setup,
                expect.file,
                answer.status,
                answer.body
            );
            used.entry(app_of(setup).to_owned())
                .or_default()
                .extend(recorder.take());
        }
        let answer = invoke(expect.file, &state).await;
        used.entry(app_of(expect.file).to_owned())
            .or_default()
            .extend(recorder.take());
        let mut problems = Vec::new();
        if answer.status != expect.status {
            problems.push(format!(
                "status {} (expected {})",
                answer.status, expect.status
            ));
        }
        for text in expect.body {
            if !answer.body.contains(text) {
                problems.push(format!("no {text:?} in the body"));
            }
        }
        if answer.status != 204
            && answer.headers.get("access-control-allow-origin").is_none()
            && !expect.file.contains("options")
            && expect.file != "root/get-favicon.json"
        {
            problems.push("the configured response header is missing".to_owned());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n    body: {}",
                expect.file,
                problems.join("; "),
                answer.body.chars().take(300).collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // The calls each app made are within its function's policy in the template, and every
    // write action the policy grants is one the app used: no write permission goes unused.
    let allowed = allowed_actions_per_app();
    for (app, actions) in &used {
        let used: BTreeSet<String> = actions.iter().map(|a| a.to_string()).collect();
        let missing: Vec<&String> = used.difference(&allowed[app]).collect();
        assert!(
            missing.is_empty(),
            "the {app} function's policy lacks {missing:?} (it used {used:?})"
        );
        let writes = |set: &BTreeSet<String>| -> BTreeSet<String> {
            set.iter()
                .filter(|a| !READS.contains(&a.as_str()))
                .cloned()
                .collect()
        };
        let mut used_writes = writes(&used);
        used_writes.extend(
            UNEXERCISED
                .iter()
                .filter(|(a, _)| a == app)
                .map(|(_, action)| action.to_string()),
        );
        assert_eq!(
            writes(&allowed[app]),
            used_writes,
            "the {app} function's write actions in template.yaml against those its events used"
        );
    }
}

/// The model stops retrying before the function's deadline: over a database that throttles
/// every call, a request with no time left before the deadline (less the margin kept for
/// the last call and the answer) makes one call and answers 503, and one with a minute to
/// spare makes every attempt the retry loop allows.
#[tokio::test]
async fn retries_stop_before_the_function_deadline() {
    let (state, _) = fresh_state().await;
    let always = Faults {
        throttle: 1.0,
        ..Faults::default()
    };
    for (spare, calls) in [
        (Duration::ZERO, 1),
        (Duration::from_secs(60), retry::MAX_ATTEMPTS as usize),
    ] {
        let faulty = Arc::new(FaultyStore::new(state.clusto.store().clone(), always, 1));
        let throttled = AppState::new(Clusto::new(faulty.clone()), (*state.config).clone());
        let deadline = SystemTime::now() + DEADLINE_MARGIN + spare;
        let answer = invoke_by("entity/post-create.json", &throttled, Some(deadline)).await;
        assert_eq!(answer.status, 503, "{}", answer.body);
        assert!(
            answer.body.contains("nothing was changed"),
            "{}",
            answer.body
        );
        assert_eq!(faulty.injected().throttled, calls, "{spare:?} to spare");
    }
}

/// The read actions; every other DynamoDB action changes the table (or, ConditionCheckItem,
/// takes part in a change).
const READS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
];

// ---- template.yaml, read with serde_yaml (CloudFormation tags become Value::Tagged) ----

fn template() -> Yaml {
    let text = std::fs::read_to_string(root_dir().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn untag(v: &Yaml) -> &Yaml {
    match v {
        Yaml::Tagged(t) => &t.value,
        other => other,
    }
}

/// Function logical id → app directory (from `CodeUri: functions/<app>`).
fn function_apps(t: &Yaml) -> BTreeMap<String, String> {
    let mut apps = BTreeMap::new();
    for (id, r) in t["Resources"].as_mapping().unwrap() {
        if r["Type"] == "AWS::Serverless::Function" {
            let code = r["Properties"]["CodeUri"].as_str().unwrap();
            let app = code.strip_prefix("functions/").unwrap().to_owned();
            apps.insert(id.as_str().unwrap().to_owned(), app);
        }
    }
    apps
}

/// App directory → the DynamoDB actions its function's policy allows.
fn allowed_actions_per_app() -> BTreeMap<String, BTreeSet<String>> {
    let t = template();
    let mut allowed = BTreeMap::new();
    for (id, app) in function_apps(&t) {
        let function = &t["Resources"][id.as_str()];
        let actions: &mut BTreeSet<String> = allowed.entry(app).or_default();
        for policy in function["Properties"]["Policies"].as_sequence().unwrap() {
            for statement in policy["Statement"].as_sequence().unwrap() {
                for action in statement["Action"].as_sequence().unwrap() {
                    actions.insert(action.as_str().unwrap().to_owned());
                }
            }
        }
    }
    allowed
}

/// Route key → the app whose function the route invokes.
fn route_apps() -> BTreeMap<String, String> {
    let t = template();
    let functions = function_apps(&t);
    let resources = t["Resources"].as_mapping().unwrap();
    let mut integrations = BTreeMap::new();
    for (id, r) in resources {
        if r["Type"] == "AWS::ApiGatewayV2::Integration" {
            let arn = untag(&r["Properties"]["IntegrationUri"]).as_str().unwrap();
            let function = arn.strip_suffix(".Arn").unwrap();
            integrations.insert(id.as_str().unwrap().to_owned(), functions[function].clone());
        }
    }
    let mut routes = BTreeMap::new();
    for r in resources.values() {
        if r["Type"] == "AWS::ApiGatewayV2::Route" {
            let target = untag(&r["Properties"]["Target"]).as_str().unwrap();
            let integration = target
                .strip_prefix("integrations/${")
                .and_then(|s| s.strip_suffix('}'))
                .unwrap();
            let key = r["Properties"]["RouteKey"].as_str().unwrap().to_owned();
            routes.insert(key, integrations[integration].clone());
        }
    }
    routes
}

#[test]
fn every_event_comes_through_a_route_of_its_app() {
    let routes = route_apps();
    for file in event_files() {
        let json = std::fs::read_to_string(root_dir().join("events").join(&file)).unwrap();
        let event: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(event["version"], "2.0", "{file}");
        assert_eq!(event["requestContext"]["stage"], "$default", "{file}");
        assert_eq!(
            event["routeKey"], event["requestContext"]["routeKey"],
            "{file}"
        );
        let key = event["routeKey"].as_str().unwrap();
        let app = routes
            .get(key)
            .unwrap_or_else(|| panic!("{file}: no route {key} in template.yaml"));
        // OPTIONS anywhere and the `$default` fallback belong to the root app.
        assert_eq!(app, app_of(&file), "{file}: route {key}");
        let method = event["requestContext"]["http"]["method"].as_str().unwrap();
        assert!(
            key == "$default" || key.starts_with(method) || key.starts_with("ANY "),
            "{file}: a {method} request cannot take route {key}"
        );
        assert_eq!(
            event["rawPath"], event["requestContext"]["http"]["path"],
            "{file}"
        );
    }
}
