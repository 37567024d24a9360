//! The dump: a whole store as JSON Lines (one JSON object a line, UTF-8), made by
//! `clusto-local export` and read by `clusto-local import --from-dump`. It keeps everything
//! the API can observe or depends on: entity ids and row ids (so every order is kept),
//! auto-numbering counters, resource claims, sequence counters and IP scan positions.
//!
//! Format version 1, line by line, in this order:
//!
//! ```text
//! {"clusto_dump":{"version":1}}
//! {"entity":{"name":"web01","driver":"basicserver","type":"server","id":"…","version":3,"counters":{"_contains":2}}}
//! {"attr":{"entity":"web01","id":"…","key":"ip","subkey":null,"number":0,"datatype":"int","value":-1979711486,"claim":true}}
//! {"sequence":{"manager":"names","next":3}}
//! {"lastip":{"manager":"net-10","ip":"10.0.0.3"}}
//! {"end":{"entities":1,"attrs":1,"sequences":1,"lastips":1}}
//! ```
//!
//! - every `entity` line comes before the `attr` lines; entities in id order, attributes in
//!   entity then row-id order (row ids sort in creation order);
//! - `value` is the API's rendering of the value for its `datatype`: text or `null` (a
//!   stored None) for `string`, an integer for `int`, `YYYY-MM-DDTHH:MM:SS[.ffffff]` for
//!   `datetime`, `/<driver>/<name>` of an entity of the dump for `relation`, the JSON value
//!   for `json`;
//! - `claim: true` marks the row that holds an allocated resource (absent means false);
//!   `counters` (absent means none) are the next auto-numbers by attribute key; `next` is
//!   the next number a name or number manager hands out; `ip` the last address an IP
//!   manager handed out automatically;
//! - the `end` line counts the lines before it, so a cut-off dump is refused whole.
//!
//! The same store exported twice gives the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};

use clusto_model::items::{self, Meta, Row};
use clusto_model::resources::ip;
use clusto_model::value::{format_datetime, parse_stored_datetime};
use clusto_model::{AttrValue, check_value_size, drivers};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::{MigrateError, MigrateResult, Skip, Snapshot};

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// One line of a dump.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Line {
    ClustoDump(Header),
    Entity(EntityLine),
    Attr(AttrLine),
    Sequence(SequenceLine),
    Lastip(LastipLine),
    End(Counts),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    version: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityLine {
    name: String,
    driver: String,
    #[serde(rename = "type")]
    type_name: String,
    id: String,
    version: i64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    counters: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttrLine {
    entity: String,
    id: String,
    key: String,
    subkey: Option<String>,
    number: Option<i64>,
    datatype: String,
    value: Json,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    claim: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SequenceLine {
    manager: String,
    next: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LastipLine {
    manager: String,
    ip: String,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Counts {
    entities: usize,
    attrs: usize,
    sequences: usize,
    lastips: usize,
}

/// The dump form of a value (the API's rendering).
fn value_json(v: &AttrValue) -> Json {
    match v {
        AttrValue::DateTime(d) => Json::String(format_datetime(d)),
        other => other.to_json(),
    }
}

fn write_line(out: &mut impl Write, line: &Line) -> MigrateResult<()> {
    serde_json::to_writer(&mut *out, line)
        .map_err(|e| MigrateError::io("writing the dump", e.into()))?;
    out.write_all(b"\n")
        .map_err(|e| MigrateError::io("writing the dump", e))
}

/// Writes `snapshot` as a dump.
pub fn write(snapshot: &Snapshot, out: &mut impl Write) -> MigrateResult<()> {
    write_line(out, &Line::ClustoDump(Header { version: VERSION }))?;
    for meta in &snapshot.entities {
        let e = &meta.entity;
        write_line(
            out,
            &Line::Entity(EntityLine {
                name: e.name.clone(),
                driver: e.driver.name.to_owned(),
                type_name: meta.type_name.clone(),
                id: e.id.clone(),
                version: meta.ver,
                counters: meta.counters.clone(),
            }),
        )?;
    }
    for (owner, row) in &snapshot.rows {
        write_line(
            out,
            &Line::Attr(AttrLine {
                entity: snapshot.entities[*owner].entity.name.clone(),
                id: row.rid.clone(),
                key: row.key.clone(),
                subkey: row.subkey.clone(),
                number: row.number,
                datatype: row.value.datatype().to_owned(),
                value: value_json(&row.value),
                claim: row.claim.is_some(),
            }),
        )?;
    }
    let name = |owner: &usize| snapshot.entities[*owner].entity.name.clone();
    for (owner, next) in &snapshot.sequences {
        let manager = name(owner);
        write_line(
            out,
            &Line::Sequence(SequenceLine {
                manager,
                next: *next,
            }),
        )?;
    }
    for (owner, addr) in &snapshot.lastips {
        let (manager, ip) = (name(owner), ip::dotted(*addr));
        write_line(out, &Line::Lastip(LastipLine { manager, ip }))?;
    }
    write_line(
        out,
        &Line::End(Counts {
            entities: snapshot.entities.len(),
            attrs: snapshot.rows.len(),
            sequences: snapshot.sequences.len(),
            lastips: snapshot.lastips.len(),
        }),
    )?;
    out.flush()
        .map_err(|e| MigrateError::io("writing the dump", e))
}

/// Reads a dump line by line into a snapshot, with what it had to leave out.
struct Reader {
    snapshot: Snapshot,
    skipped: Vec<Skip>,
    /// Entities of the dump by name: their index, or `None` when skipped.
    by_name: HashMap<String, Option<usize>>,
    /// Lines read of each kind, to check against the `end` line.
    seen: Counts,
}

impl Reader {
    fn entity(&mut self, line: EntityLine) -> Result<(), String> {
        self.seen.entities += 1;
        if self.by_name.contains_key(&line.name) {
            return Err(format!("the entity {} comes twice", line.name));
        }
        let Some(driver) = drivers::lookup(&line.driver) else {
            self.skipped.push(Skip {
                what: format!("entity {:?} and its attributes", line.name),
                why: format!("this version does not know the driver {}", line.driver),
            });
            self.by_name.insert(line.name, None);
            return Ok(());
        };
        if line.id.is_empty() {
            return Err(format!("the entity {} has an empty id", line.name));
        }
        let mut meta = Meta::new(&line.name, driver, line.id);
        meta.type_name = line.type_name;
        meta.ver = line.version;
        meta.counters = line.counters;
        self.by_name
            .insert(line.name, Some(self.snapshot.entities.len()));
        self.snapshot.entities.push(meta);
        Ok(())
    }

    /// The index of a named entity, `Ok(None)` if it was skipped.
    fn owner(&self, name: &str) -> Result<Option<usize>, String> {
        self.by_name.get(name).copied().ok_or_else(|| {
            format!("{name} is not an entity of the dump (or comes after this line)")
        })
    }

    fn value(&self, line: &AttrLine) -> Result<Result<AttrValue, String>, String> {
        let bad = || format!("a {} value cannot be {}", line.datatype, line.value);
        Ok(Ok(match (line.datatype.as_str(), &line.value) {
            ("string", Json::String(s)) => AttrValue::Str(s.clone()),
            ("string", Json::Null) => AttrValue::Null,
            ("int", Json::Number(n)) => AttrValue::Int(n.as_i64().ok_or_else(bad)?),
            ("datetime", Json::String(s)) => {
                AttrValue::DateTime(parse_stored_datetime(s).ok_or_else(bad)?)
            }
            ("json", j @ (Json::Array(_) | Json::Object(_))) => AttrValue::Json(j.clone()),
            ("relation", Json::String(s)) => {
                let (driver, name) = s
                    .strip_prefix('/')
                    .and_then(|r| r.split_once('/'))
                    .ok_or_else(bad)?;
                let target = self.owner(name).ok().flatten();
                match target.map(|t| &self.snapshot.entities[t].entity) {
                    Some(t) if t.driver.name == driver => AttrValue::Relation(t.clone()),
                    _ => return Ok(Err(format!("the relation target {s} is not imported"))),
                }
            }
            _ => return Err(bad()),
        }))
    }

    fn attr(&mut self, line: AttrLine) -> Result<(), String> {
        self.seen.attrs += 1;
        let Some(owner) = self.owner(&line.entity)? else {
            return Ok(());
        };
        if line.id.is_empty() || line.key.is_empty() {
            return Err("an attribute needs an id and a key".into());
        }
        let checked = self.value(&line)?.and_then(|v| {
            // A hand-made dump may hold what no store takes: skip it, not fail mid-write.
            check_value_size(&v).map(|()| v).map_err(|e| e.to_string())
        });
        let value = match checked {
            Ok(v) => v,
            Err(why) => {
                self.skipped.push(Skip {
                    what: format!("attr {} ({}) of {:?}", line.id, line.key, line.entity),
                    why,
                });
                return Ok(());
            }
        };
        let claim = line.claim.then(|| items::claim_key(&line.key, &value));
        let row = Row {
            rid: line.id,
            key: line.key,
            subkey: line.subkey,
            number: line.number,
            value,
            claim,
        };
        self.snapshot.rows.push((owner, row));
        Ok(())
    }

    /// The index of a resource manager of the dump that has a `what`, `Ok(None)` if it
    /// was skipped.
    fn manager(&self, name: &str, what: &str) -> Result<Option<usize>, String> {
        match self.owner(name)? {
            Some(o) if self.snapshot.entities[o].entity.driver.manager.is_none() => {
                Err(format!("{name} has a {what} but is not a resource manager"))
            }
            owner => Ok(owner),
        }
    }

    fn line(&mut self, line: Line) -> Result<bool, String> {
        match line {
            Line::ClustoDump(_) => return Err("a second header line".into()),
            Line::Entity(e) => self.entity(e)?,
            Line::Attr(a) => self.attr(a)?,
            Line::Sequence(s) => {
                self.seen.sequences += 1;
                if let Some(owner) = self.manager(&s.manager, "sequence")? {
                    self.snapshot.sequences.push((owner, s.next));
                }
            }
            Line::Lastip(l) => {
                self.seen.lastips += 1;
                let addr: std::net::Ipv4Addr =
                    l.ip.parse()
                        .map_err(|_| format!("{} is not an IPv4 address", l.ip))?;
                if let Some(owner) = self.manager(&l.manager, "scan position")? {
                    self.snapshot.lastips.push((owner, u32::from(addr)));
                }
            }
            Line::End(counts) => {
                if counts != self.seen {
                    return Err(format!(
                        "the end line counts {counts:?}, but the dump has {:?}",
                        self.seen
                    ));
                }
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Reads a whole dump. A line that breaks the format, a dump of another version, or one
/// that ends before its `end` line is an error (nothing is imported); entities of drivers
/// this version does not know, and relations to them, are skipped and listed.
pub fn read(input: impl BufRead) -> MigrateResult<(Snapshot, Vec<Skip>)> {
    let mut reader = Reader {
        snapshot: Snapshot::default(),
        skipped: Vec::new(),
        by_name: HashMap::new(),
        seen: Counts::default(),
    };
    let mut lines = input.lines().enumerate();
    let bad = |line: usize, reason: String| MigrateError::BadDump {
        line: line + 1,
        reason,
    };
    let parse = |n: usize, text: std::io::Result<String>| -> MigrateResult<Line> {
        let text = text.map_err(|e| MigrateError::io("reading the dump", e))?;
        serde_json::from_str(&text).map_err(|e| bad(n, e.to_string()))
    };
    match lines.next() {
        Some((n, text)) => match parse(n, text)? {
            Line::ClustoDump(h) if h.version == VERSION => {}
            Line::ClustoDump(h) => {
                return Err(bad(
                    n,
                    format!(
                        "dump format version {} (this version reads {VERSION})",
                        h.version
                    ),
                ));
            }
            _ => return Err(bad(n, "not a clusto dump (no header line)".into())),
        },
        None => return Err(bad(0, "the dump is empty".into())),
    }
    let mut ended = false;
    for (n, text) in lines {
        if ended {
            return Err(bad(n, "a line after the end line".into()));
        }
        ended = reader.line(parse(n, text)?).map_err(|r| bad(n, r))?;
    }
    if !ended {
        return Err(MigrateError::BadDump {
            line: 0,
            reason: "the dump stops before its end line (cut off?)".into(),
        });
    }
    Ok((reader.snapshot, reader.skipped))
}
