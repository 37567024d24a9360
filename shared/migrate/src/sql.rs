//! Reading an existing clusto database (clusto 0.7.8's SQLAlchemy schema, `clusto-sql.md`)
//! into a [`Snapshot`], from SQLite, PostgreSQL or MySQL/MariaDB through sqlx's `Any`
//! driver. Only the live state is read (rows whose `deleted_at_version` is NULL).
//!
//! Ids: an entity's id is its `entity_id` in 14 hex digits followed by 10 of a fingerprint
//! of the source (its live entity list), a row's id its `attr_id` in 24 hex digits. Both sort
//! before any id this system makes itself (those start with today's time), so listings and
//! attribute lists keep clusto's order; and the same source always gives the same ids,
//! which is what lets an interrupted import be run again, and tells a re-run (same names,
//! same ids) from a clash with another database's entities (same names, other ids).
//!
//! What is carried over, and how:
//! - entities with their driver and stored type (verbatim: `ipmanager` from old databases);
//! - attribute rows of every datatype, hidden ones included; a stored None stays None;
//! - `_contains` rows as they are (contents, parents and from-pools follow from them), and
//!   each container's auto-number counter;
//! - allocations: every `(ip|simplename|simplenum|resource, NULL, n)` row holds a claim on
//!   its value, so nothing allocated in clusto can be allocated again; a name or number
//!   manager's `next` counter becomes its sequence counter; an IP manager's `_lastip` row
//!   becomes its scan position (an internal item here, not a row);
//! - `clustometa`'s global allocation counters are not needed (allocation numbers are per
//!   object here, quirk 39) and its `schemaversion` is checked (3 or 4).
//!
//! Skipped and listed: entities of drivers this version does not know (site plugins) with
//! their rows, a second live entity of one name, names, keys and values over the limits,
//! relations to entities that are not live or not imported, values that do not decode
//! (such as clusto's `[NaN]`), and a second claim on one resource.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use clusto_model::drivers::{self, ManagerKind};
use clusto_model::items::{self, Meta, Row};
use clusto_model::resources::ip;
use clusto_model::{AttrValue, MAX_KEY_BYTES, MAX_NAME_BYTES, check_value_size};
use futures::TryStreamExt;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row as _};

use crate::progress::Progress;
use crate::{MigrateError, MigrateResult, Skip, Snapshot};

/// The SQL dialects clusto ran on; they differ in quoting and column types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

impl Dialect {
    /// The dialect of a URL and the URL sqlx is given: `sqlite:PATH` / `sqlite:///PATH`
    /// (opened read-only), `postgres://…` / `postgresql://…`, `mysql://…` / `mariadb://…`.
    fn of(url: &str) -> MigrateResult<(Dialect, String)> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() || !std::path::Path::new(path).is_file() {
                return Err(MigrateError::BadUrl(format!(
                    "no SQLite database file at {path:?} (from {url})"
                )));
            }
            return Ok((Dialect::Sqlite, format!("sqlite://{path}?mode=ro")));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok((Dialect::Postgres, url.to_owned()));
        }
        if url.starts_with("mysql://") {
            return Ok((Dialect::MySql, url.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("mariadb://") {
            return Ok((Dialect::MySql, format!("mysql://{rest}")));
        }
        Err(MigrateError::BadUrl(format!(
            "{url} is not a database URL this reads: use sqlite:PATH, postgres://… or mysql://…"
        )))
    }

    /// The `key` column, quoted (a reserved word in MySQL, quoted by SQLAlchemy elsewhere).
    fn key(self) -> &'static str {
        match self {
            Dialect::MySql => "`key`",
            _ => "\"key\"",
        }
    }

    /// An integer column as a 64-bit integer (PostgreSQL and MySQL declare 32 bits).
    fn int(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgres => format!("CAST({column} AS BIGINT)"),
            Dialect::MySql => format!("CAST({column} AS SIGNED)"),
        }
    }

    /// A text or timestamp column as text (the timestamp as `YYYY-MM-DD HH:MM:SS[.ffffff]`):
    /// sqlx's `Any` driver reads no timestamp type, and SQLite's declared `DATETIME` too.
    fn text(self, column: &str) -> String {
        match self {
            Dialect::Sqlite | Dialect::Postgres => format!("CAST({column} AS TEXT)"),
            Dialect::MySql => format!("CAST({column} AS CHAR)"),
        }
    }
}

/// A statement of this module: built only from the fixed texts of [`Dialect`] (column
/// names, casts, quoting), never from data, so nothing can be injected into it.
fn statement(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

/// FNV-1a (64 bits): a stable hash for the source fingerprint. The standard library's
/// hasher may change between Rust releases, and ids must not.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// One live row of `entities`.
struct SqlEntity {
    id: i64,
    name: String,
    driver: String,
    type_name: String,
}

/// Reads the database at `url` (see [`Dialect::of`]) into a snapshot, with what was
/// skipped.
pub async fn read(url: &str) -> MigrateResult<(Snapshot, Vec<Skip>)> {
    sqlx::any::install_default_drivers();
    let (dialect, url) = Dialect::of(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await?;
    let result = Source::new(&pool, dialect).read().await;
    pool.close().await;
    result
}

/// The state of one read.
struct Source<'a> {
    pool: &'a AnyPool,
    dialect: Dialect,
    snapshot: Snapshot,
    skipped: Vec<Skip>,
    /// `entity_id` → index in the snapshot (`None`: skipped, with the reason).
    index: HashMap<i64, Result<usize, String>>,
    /// Skipped entities with how many of their rows went with them.
    skipped_entities: BTreeMap<i64, (String, String, usize)>,
}

fn skip(what: String, why: impl Into<String>) -> Skip {
    Skip {
        what,
        why: why.into(),
    }
}

impl<'a> Source<'a> {
    fn new(pool: &'a AnyPool, dialect: Dialect) -> Self {
        Source {
            pool,
            dialect,
            snapshot: Snapshot::default(),
            skipped: Vec::new(),
            index: HashMap::new(),
            skipped_entities: BTreeMap::new(),
        }
    }

    async fn read(mut self) -> MigrateResult<(Snapshot, Vec<Skip>)> {
        self.entities().await?;
        let contains_max = self.attrs().await?;
        self.counters(&contains_max).await?;
        for (id, (name, why, rows)) in std::mem::take(&mut self.skipped_entities) {
            let what = match rows {
                0 => format!("entity {id} {name:?}"),
                n => format!("entity {id} {name:?} and its {n} attribute rows"),
            };
            self.skipped.push(skip(what, why));
        }
        Ok((self.snapshot, self.skipped))
    }

    async fn entities(&mut self) -> MigrateResult<()> {
        let d = self.dialect;
        let sql = format!(
            "SELECT {}, name, driver, type FROM entities \
             WHERE deleted_at_version IS NULL ORDER BY entity_id",
            d.int("entity_id")
        );
        let rows: Vec<AnyRow> = sqlx::query(statement(sql)).fetch_all(self.pool).await?;
        let mut live = Vec::with_capacity(rows.len());
        for r in &rows {
            live.push(SqlEntity {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                driver: r.try_get(2)?,
                type_name: r.try_get(3)?,
            });
        }
        let fingerprint = live.iter().fold(0xcbf2_9ce4_8422_2325, |h, e| {
            let line = format!("{}\0{}\0{}\n", e.id, e.name, e.driver);
            fnv1a(line.as_bytes(), h)
        }) & 0xff_ffff_ffff;
        let mut first_of: HashMap<String, i64> = HashMap::new();
        for e in live {
            let why = if e.id < 0 {
                Some("a negative entity_id".to_owned())
            } else if e.name.is_empty() || e.name.len() > MAX_NAME_BYTES {
                Some(format!(
                    "names must have 1 to {MAX_NAME_BYTES} bytes; this one has {}",
                    e.name.len()
                ))
            } else if let Some(first) = first_of.get(&e.name) {
                Some(format!("the name is live twice: entity {first} has it too"))
            } else if drivers::lookup(&e.driver).is_none() {
                Some(format!(
                    "the driver {} is not one this version knows (a site plugin?)",
                    e.driver
                ))
            } else {
                None
            };
            first_of.entry(e.name.clone()).or_insert(e.id);
            if let Some(why) = why {
                self.index.insert(e.id, Err(why.clone()));
                self.skipped_entities.insert(e.id, (e.name, why, 0));
                continue;
            }
            let driver = drivers::lookup(&e.driver).expect("checked above");
            let mut meta = Meta::new(&e.name, driver, format!("{:014x}{fingerprint:010x}", e.id));
            meta.type_name = e.type_name;
            self.index.insert(e.id, Ok(self.snapshot.entities.len()));
            self.snapshot.entities.push(meta);
        }
        Ok(())
    }

    /// Reads every live row of the imported entities; returns, by owner, the highest
    /// number of its `_contains` rows.
    async fn attrs(&mut self) -> MigrateResult<HashMap<usize, i64>> {
        let d = self.dialect;
        let total: i64 = sqlx::query_scalar(statement(format!(
            "SELECT {} FROM entity_attrs WHERE deleted_at_version IS NULL",
            d.int("COUNT(*)")
        )))
        .fetch_one(self.pool)
        .await?;
        let sql = format!(
            "SELECT {}, {}, a.{}, a.subkey, {}, a.datatype, {}, {}, {}, {} \
             FROM entity_attrs a JOIN entities e \
               ON e.entity_id = a.entity_id AND e.deleted_at_version IS NULL \
             WHERE a.deleted_at_version IS NULL ORDER BY a.entity_id, a.attr_id",
            d.int("a.entity_id"),
            d.int("a.attr_id"),
            d.key(),
            d.int("a.number"),
            d.int("a.int_value"),
            d.text("a.string_value"),
            d.text("a.datetime_value"),
            d.int("a.relation_id"),
        );
        let progress = Progress::new("reading", u64::try_from(total).unwrap_or(0));
        let mut claimed: HashMap<clusto_store::Key, i64> = HashMap::new();
        let mut contains_max: HashMap<usize, i64> = HashMap::new();
        let mut lastips: BTreeMap<usize, u32> = BTreeMap::new();
        let mut rows = sqlx::query(statement(sql)).fetch(self.pool);
        while let Some(r) = rows.try_next().await? {
            progress.inc(1);
            let entity_id: i64 = r.try_get(0)?;
            let attr_id: i64 = r.try_get(1)?;
            let owner = match self.index.get(&entity_id) {
                Some(Ok(owner)) => *owner,
                _ => {
                    if let Some(s) = self.skipped_entities.get_mut(&entity_id) {
                        s.2 += 1;
                    }
                    continue;
                }
            };
            let key: Option<String> = r.try_get(2)?;
            let key = key.unwrap_or_default();
            let row = match self.row(&r, attr_id, &key) {
                Ok(row) => row,
                Err(why) => {
                    let what = self.what(owner, entity_id, attr_id, &key);
                    self.skipped.push(skip(what, why));
                    continue;
                }
            };
            let driver = self.snapshot.entities[owner].entity.driver;
            if let (true, Some(ManagerKind::Ip), AttrValue::Int(n)) =
                (key == "_lastip", driver.manager, &row.value)
            {
                lastips.insert(owner, ip::decode(*n));
                continue;
            }
            let mut row = row;
            if let Some(claim) = &row.claim {
                if let Some(first) = claimed.get(claim) {
                    let what = self.what(owner, entity_id, attr_id, &key);
                    self.skipped.push(skip(
                        format!("the claim of {what}"),
                        format!("attr {first} holds the same resource; the row is kept"),
                    ));
                    row.claim = None;
                } else {
                    claimed.insert(claim.clone(), attr_id);
                }
            }
            if key == items::CONTAINS
                && let Some(n) = row.number
            {
                let max = contains_max.entry(owner).or_insert(n);
                *max = (*max).max(n);
            }
            self.snapshot.rows.push((owner, row));
        }
        progress.finish();
        self.snapshot.lastips.extend(lastips);
        Ok(contains_max)
    }

    /// How a skip names a row: `attr 345 (key) of entity 7 "web01"`.
    fn what(&self, owner: usize, entity_id: i64, attr_id: i64, key: &str) -> String {
        let name = &self.snapshot.entities[owner].entity.name;
        format!("attr {attr_id} ({key}) of entity {entity_id} {name:?}")
    }

    /// One attribute row, or why it is skipped.
    fn row(&self, r: &AnyRow, attr_id: i64, key: &str) -> Result<Row, String> {
        let text = |i: usize| -> Result<Option<String>, String> {
            r.try_get(i).map_err(|e| e.to_string())
        };
        let int =
            |i: usize| -> Result<Option<i64>, String> { r.try_get(i).map_err(|e| e.to_string()) };
        if attr_id < 0 {
            return Err("a negative attr_id".into());
        }
        let subkey = text(3)?;
        for k in std::iter::once(key).chain(subkey.as_deref()) {
            if k.len() > MAX_KEY_BYTES {
                return Err(format!(
                    "keys and subkeys are limited to {MAX_KEY_BYTES} bytes; this one has {}",
                    k.len()
                ));
            }
        }
        if key.is_empty() {
            return Err("the row has no key".into());
        }
        let number = int(4)?;
        let datatype = text(5)?.unwrap_or_default();
        let value = match datatype.as_str() {
            "string" => text(7)?.map_or(AttrValue::Null, AttrValue::Str),
            "int" => AttrValue::Int(int(6)?.ok_or("an int row without int_value")?),
            "datetime" => {
                let stored = text(8)?.ok_or("a datetime row without datetime_value")?;
                AttrValue::DateTime(
                    parse_datetime(&stored)
                        .ok_or_else(|| format!("the datetime {stored:?} does not parse"))?,
                )
            }
            "json" => {
                let stored = text(7)?.ok_or("a json row without string_value")?;
                AttrValue::Json(serde_json::from_str(&stored).map_err(|e| {
                    format!("its JSON {stored:?} does not parse ({e}; NaN and Infinity have no JSON form)")
                })?)
            }
            "relation" => {
                let target = int(9)?.ok_or("a relation row without relation_id")?;
                match self.index.get(&target) {
                    Some(Ok(t)) => AttrValue::Relation(self.snapshot.entities[*t].entity.clone()),
                    Some(Err(why)) => {
                        return Err(format!(
                            "it points at entity {target}, which is not imported ({why})"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "it points at entity {target}, which is not live (deleted or missing)"
                        ));
                    }
                }
            }
            other => return Err(format!("the datatype {other:?} is not one of clusto's")),
        };
        check_value_size(&value).map_err(|e| e.to_string())?;
        let allocation = ["ip", "simplename", "simplenum", "resource"].contains(&key);
        let claim = (allocation
            && subkey.is_none()
            && number.is_some()
            && matches!(value, AttrValue::Int(_) | AttrValue::Str(_)))
        .then(|| items::claim_key(key, &value));
        Ok(Row {
            rid: format!("{attr_id:024x}"),
            key: key.to_owned(),
            subkey,
            number,
            value,
            claim,
        })
    }

    /// Counters of live, imported entities (duplicates collapsed to the largest): a name or
    /// number manager's `next` becomes its sequence, every other one the next auto-number
    /// of its key (clusto stores the last one handed out). `clustometa`'s are not needed.
    async fn counters(&mut self, contains_max: &HashMap<usize, i64>) -> MigrateResult<()> {
        let d = self.dialect;
        let sql = format!(
            "SELECT {}, c.attr_key, {} FROM counters c JOIN entities e \
               ON e.entity_id = c.entity_id AND e.deleted_at_version IS NULL \
             GROUP BY c.entity_id, c.attr_key ORDER BY c.entity_id, c.attr_key",
            d.int("c.entity_id"),
            d.int("MAX(c.value)"),
        );
        let rows: Vec<AnyRow> = sqlx::query(statement(sql)).fetch_all(self.pool).await?;
        let mut sequences: BTreeMap<usize, i64> = BTreeMap::new();
        for r in &rows {
            let (entity_id, key, value): (i64, Option<String>, Option<i64>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            let (Some(Ok(owner)), Some(key), Some(value)) =
                (self.index.get(&entity_id), key, value)
            else {
                continue;
            };
            let meta = &mut self.snapshot.entities[*owner];
            let sequenced = matches!(
                meta.entity.driver.manager,
                Some(ManagerKind::Name | ManagerKind::EntityName | ManagerKind::Num)
            );
            if meta.entity.driver.name == "clustometa" {
                continue;
            } else if sequenced && key == "next" {
                sequences.insert(*owner, value);
            } else {
                meta.counters.insert(key, value + 1);
            }
        }
        // A container whose counter is missing (or behind) continues after its highest number.
        for (owner, max) in contains_max {
            let counters = &mut self.snapshot.entities[*owner].counters;
            let next = counters.entry(items::CONTAINS.to_owned()).or_insert(0);
            *next = (*next).max(max + 1);
        }
        self.snapshot.sequences.extend(sequences);
        self.check_schema_version();
        Ok(())
    }

    /// Warns unless `clustometa` says schema version 3 (clusto 0.7.8) or 4.
    fn check_schema_version(&self) {
        let version = self.snapshot.rows.iter().find_map(|(owner, row)| {
            let e = &self.snapshot.entities[*owner].entity;
            (e.driver.name == "clustometa" && row.key == "schemaversion").then_some(&row.value)
        });
        match version {
            Some(AttrValue::Int(3 | 4)) => {}
            Some(other) => tracing::warn!(
                "clustometa's schemaversion is {}, not 3 or 4: this reads clusto 0.7.8's schema",
                other.to_json()
            ),
            None => tracing::warn!("the database has no clustometa schemaversion"),
        }
    }
}

/// A stored datetime: SQLite's text (`2015-03-04 05:06:07.123456`, fraction optional), or
/// a native timestamp cast to text. Naive, as clusto stores it.
fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}
