//! What the migration tests share: clusto databases built from `tests/migrate/*.sql` (a
//! SQLite file, or a fresh database on the PostgreSQL and MariaDB servers `scripts/test`
//! starts), `clusto-local` run as a process, the API served over a store, and a store that
//! fails on purpose.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use clusto_http::{AppState, Config};
use clusto_local::Running;
use clusto_model::Clusto;
use clusto_store::{Item, ItemStore, Key, Query, StoreError, StoreResult, WriteOp};
use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyPoolOptions;

/// The SQL files of the test database, at the workspace root.
fn sql_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/migrate")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The dialects the test database is built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// A SQLite file.
    Sqlite,
    /// A database on the server at `CLUSTO_TEST_POSTGRES_URL`.
    Postgres,
    /// A database on the server at `CLUSTO_TEST_MYSQL_URL`.
    MySql,
}

impl Dialect {
    fn ddl(self) -> String {
        sql_file(match self {
            Dialect::Sqlite => "ddl-sqlite.sql",
            Dialect::Postgres => "ddl-postgres.sql",
            Dialect::MySql => "ddl-mysql.sql",
        })
    }
}

/// Builds the test database (DDL of the dialect, then `rows.sql`) and returns its URL.
/// SQLite goes into `dir`; on a server, each call makes a database of its own.
pub async fn clusto_database(dialect: Dialect, dir: &Path) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    sqlx::any::install_default_drivers();
    let url = match dialect {
        Dialect::Sqlite => format!("sqlite:{}", dir.join("clusto.db").display()),
        Dialect::Postgres | Dialect::MySql => {
            let var = if dialect == Dialect::Postgres {
                "CLUSTO_TEST_POSTGRES_URL"
            } else {
                "CLUSTO_TEST_MYSQL_URL"
            };
            let server = std::env::var(var)
                .unwrap_or_else(|_| panic!("{var} is unset: scripts/test starts the server"));
            let name = format!(
                "clusto_test_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect(&server)
                .await
                .unwrap_or_else(|e| panic!("connecting to {server}: {e}"));
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .expect("create the test database");
            admin.close().await;
            let (base, _) = server.rsplit_once('/').expect("a URL with a database");
            format!("{base}/{name}")
        }
    };
    let connect = match dialect {
        Dialect::Sqlite => format!("{url}?mode=rwc").replacen("sqlite:", "sqlite://", 1),
        _ => url.clone(),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&connect)
        .await
        .unwrap_or_else(|e| panic!("connecting to {connect}: {e}"));
    for script in [dialect.ddl(), sql_file("rows.sql")] {
        sqlx::raw_sql(AssertSqlSafe(script))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("loading the test database into {url}: {e}"));
    }
    pool.close().await;
    url
}

/// Runs `clusto-local ARGS` and returns its output.
pub async fn clusto_local(args: &[&str], stdin: Option<&Path>) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_clusto-local"));
    command.args(args).kill_on_drop(true);
    if let Some(path) = stdin {
        command.stdin(std::fs::File::open(path).expect("stdin file"));
    }
    command.output().await.expect("clusto-local runs")
}

/// The exit status and standard error of a finished `clusto-local`.
pub fn outcome(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The embedded store in `dir` (after the process that wrote it has ended).
pub fn embedded(dir: &Path) -> Arc<dyn ItemStore> {
    Arc::new(clusto_store_embedded::EmbeddedStore::open(dir).expect("open the embedded store"))
}

/// The API over `store`, on a free port.
pub async fn serve(store: Arc<dyn ItemStore>) -> Api {
    let clusto = Clusto::new(store);
    let running = clusto_local::start(AppState::new(clusto, Config::default()))
        .await
        .expect("server starts");
    Api {
        client: reqwest::Client::new(),
        running,
    }
}

/// A running API and a client for it.
pub struct Api {
    client: reqwest::Client,
    running: Running,
}

impl Api {
    /// `METHOD path` with form data; status and JSON body (`null` when empty).
    pub async fn call(&self, method: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let url = format!("{}{path}", self.running.url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, url);
        if !form.is_empty() {
            let body: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            request = request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
        };
        (status, json)
    }

    /// `GET path`, which must answer 200; its JSON.
    pub async fn get(&self, path: &str) -> Value {
        let (status, json) = self.call("GET", path, &[]).await;
        assert_eq!(status, 200, "GET {path}: {json}");
        json
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.running.stop().await.expect("server stops");
    }
}

/// A scratch directory.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A path inside `dir`, as text for a command line.
pub fn arg(dir: &Path, name: &str) -> String {
    let p: PathBuf = dir.join(name);
    p.display().to_string()
}

/// A store whose `put_many` number `fail_at` (counting from 1) writes only the first half
/// of its items and then fails, as an import killed mid-write would leave it.
pub struct FailingStore {
    pub inner: Arc<dyn ItemStore>,
    pub fail_at: usize,
    pub calls: AtomicUsize,
}

#[async_trait]
impl ItemStore for FailingStore {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        self.inner.get(key).await
    }

    async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        self.inner.batch_get(keys).await
    }

    async fn query(&self, query: &Query) -> StoreResult<Vec<Item>> {
        self.inner.query(query).await
    }

    async fn write(&self, op: WriteOp) -> StoreResult<()> {
        self.inner.write(op).await
    }

    async fn transact(&self, ops: Vec<WriteOp>, token: &str) -> StoreResult<()> {
        self.inner.transact(ops, token).await
    }

    async fn put_many(&self, mut items: Vec<Item>) -> StoreResult<()> {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 != self.fail_at {
            return self.inner.put_many(items).await;
        }
        items.truncate(items.len() / 2);
        self.inner.put_many(items).await?;
        Err(StoreError::Busy(
            "injected failure in the middle of a bulk put".into(),
        ))
    }

    async fn increment(&self, key: &Key, attr: &str, start: i64, by: i64) -> StoreResult<i64> {
        self.inner.increment(key, attr, start, by).await
    }
}
