//! A test server and a small client.

use std::path::Path;
use std::sync::Arc;

use clusto_http::{AppState, Config};
use clusto_local::Running;
use clusto_model::Clusto;
use clusto_store::ItemStore;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The header every test server is configured with.
pub const CONFIGURED: (&str, &str) = ("access-control-allow-origin", "*");

/// A running API and a client for it.
pub struct Api {
    running: Running,
    client: reqwest::Client,
    /// The server's state (for checking what was written).
    pub state: AppState,
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("text header"))
    }

    /// Asserts the status and that the body is this JSON string.
    #[track_caller]
    pub fn assert_error(&self, status: u16, message: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json(), Value::String(message.into()));
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_eq!(self.header(CONFIGURED.0), Some(CONFIGURED.1));
    }
}

/// Form-encodes pairs (`+` for spaces is not used: `%20`, which is always safe).
pub fn form(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes one path segment.
pub fn seg(s: &str) -> String {
    form(&[("", s)])[1..].to_owned()
}

impl Api {
    /// A server on an empty in-memory database, with `Access-Control-Allow-Origin: *`.
    pub async fn start() -> Api {
        let store = clusto_store_embedded::EmbeddedStore::memory().unwrap();
        Api::start_on(Arc::new(store)).await
    }

    /// A server on `store`, with `Access-Control-Allow-Origin: *`.
    pub async fn start_on(store: Arc<dyn ItemStore>) -> Api {
        Api::start_with(store, Config::default()).await
    }

    /// A server on `store` with `config` and `Access-Control-Allow-Origin: *`.
    pub async fn start_with(store: Arc<dyn ItemStore>, config: Config) -> Api {
        let config = config
            .with_headers("Access-Control-Allow-Origin: *")
            .unwrap();
        let clusto = Clusto::new(store);
        clusto.init().await.unwrap();
        let state = AppState::new(clusto, config);
        let running = clusto_local::start(state.clone()).await.unwrap();
        Api {
            running,
            client: reqwest::Client::new(),
            state,
        }
    }

    /// A server holding the documented fixture (`clusto-model.md` §9).
    pub async fn with_fixture() -> Api {
        Api::start().await.load_fixture().await
    }

    /// Loads the documented fixture into this server's database.
    pub async fn load_fixture(self) -> Api {
        let api = self;
        let file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("functions/local/fixture.example.json");
        clusto_local::fixture::load_file(&api.state.clusto, &file)
            .await
            .unwrap();
        api
    }

    /// Sends a request: `path` may carry a query string; `body` is sent as is with
    /// `content_type` (form-encoded by default).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.running.url()));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let response = req.send().await.unwrap();
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.unwrap(),
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], None).await
    }

    /// `GET path` with headers.
    pub async fn get_h(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send("GET", path, headers, None).await
    }

    /// A request with a form body.
    pub async fn form(&self, method: &str, path: &str, pairs: &[(&str, &str)]) -> Answer {
        self.form_h(method, path, &[], pairs).await
    }

    /// A request with headers and a form body.
    pub async fn form_h(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        pairs: &[(&str, &str)],
    ) -> Answer {
        let body = form(pairs).into_bytes();
        self.send(
            method,
            path,
            headers,
            Some(("application/x-www-form-urlencoded", body)),
        )
        .await
    }

    /// A request with a JSON body.
    pub async fn json(&self, method: &str, path: &str, body: &str) -> Answer {
        self.send(
            method,
            path,
            &[],
            Some(("application/json", body.as_bytes().to_vec())),
        )
        .await
    }

    /// Creates entities of a driver (must answer 201 or 202).
    pub async fn create(&self, driver: &str, names: &[&str]) {
        let pairs: Vec<(&str, &str)> = names.iter().map(|n| ("name", *n)).collect();
        let a = self
            .form("POST", &format!("/entity/{driver}"), &pairs)
            .await;
        assert!(matches!(a.status, 201 | 202), "{a:?}");
    }

    /// Creates an IP manager over 10.0.0.0 with `netmask` (must answer 201).
    pub async fn ip_manager(&self, name: &str, netmask: &str) {
        let pairs = [("name", name), ("baseip", "10.0.0.0"), ("netmask", netmask)];
        let a = self
            .form("POST", "/resourcemanager/ipmanager", &pairs)
            .await;
        assert_eq!(a.status, 201, "{a:?}");
    }

    /// The entity's expanded view, straight from the model.
    pub async fn show(&self, name: &str) -> Value {
        let e = self.state.clusto.get(name, None).await.unwrap();
        clusto_http::views::expanded(&e)
    }

    /// Whether an entity exists.
    pub async fn exists(&self, name: &str) -> bool {
        self.state.clusto.load(name).await.unwrap().is_some()
    }
}

/// Runs a test on a fresh DynamoDB table, deleted afterwards.
pub async fn on_fresh_table<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn ItemStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let store = clusto_store_dynamodb::testing::fresh_table().await;
    let table = store.clone();
    test(Arc::new(store)).await;
    table.delete_table().await.unwrap();
}
