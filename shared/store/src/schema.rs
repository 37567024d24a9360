//! The one definition of the table's key schema and global secondary indexes.
//!
//! The DynamoDB backend creates tables from [`schema()`], the embedded backend maintains the
//! same indexes, and `template.yaml` must declare exactly this (a workspace test compares
//! them). Everything is a string key; both GSIs project all attributes; [`EXPIRES`] is the
//! time-to-live attribute.

/// Table partition key attribute.
pub const PK: &str = "pk";
/// Table sort key attribute.
pub const SK: &str = "sk";
/// The table's time-to-live attribute: an item holding a number (seconds since the Unix
/// epoch) here is deleted by the database some time after that moment (DynamoDB TTL; the
/// embedded store when it opens). Readers treat such an item as gone once it is past.
pub const EXPIRES: &str = "expires";

/// Where a [`crate::Query`] looks: the table itself or one of its GSIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Index {
    /// The table: one partition per entity (its item collection), plus resource claims.
    Table,
    /// GSI `by-driver`: entity items by driver, in creation (id) order.
    ByDriver,
    /// GSI `by-key`: attribute items by attribute key, in creation order.
    ByKey,
}

impl Index {
    /// Every index, the table first.
    pub const ALL: [Index; 3] = [Index::Table, Index::ByDriver, Index::ByKey];

    /// The GSI's name (`None` for the table).
    pub fn name(self) -> Option<&'static str> {
        match self {
            Index::Table => None,
            Index::ByDriver => Some("by-driver"),
            Index::ByKey => Some("by-key"),
        }
    }

    /// The partition and sort key attribute names of this index.
    pub fn key_attrs(self) -> (&'static str, &'static str) {
        match self {
            Index::Table => (PK, SK),
            Index::ByDriver => ("gsi1pk", "gsi1sk"),
            Index::ByKey => ("gsi2pk", "gsi2sk"),
        }
    }
}

/// One key attribute of the table or of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttr {
    /// Attribute name.
    pub name: &'static str,
    /// `HASH` or `RANGE`.
    pub key_type: &'static str,
}

/// The table's key schema and indexes, as DynamoDB's CreateTable wants them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    /// The table's own key schema.
    pub key_schema: Vec<KeyAttr>,
    /// Each GSI: its name and key schema (projection is always `ALL`).
    pub global_secondary_indexes: Vec<(&'static str, Vec<KeyAttr>)>,
    /// Every key attribute name; all are of type `S`.
    pub attribute_definitions: Vec<&'static str>,
    /// The time-to-live attribute ([`EXPIRES`]), enabled on the table.
    pub time_to_live: &'static str,
}

fn keys_of(index: Index) -> Vec<KeyAttr> {
    let (hash, range) = index.key_attrs();
    vec![
        KeyAttr {
            name: hash,
            key_type: "HASH",
        },
        KeyAttr {
            name: range,
            key_type: "RANGE",
        },
    ]
}

/// The table schema. Billing is on-demand; both GSIs project `ALL`.
pub fn schema() -> TableSchema {
    let gsis: Vec<_> = Index::ALL
        .into_iter()
        .filter_map(|i| Some((i.name()?, keys_of(i))))
        .collect();
    let attribute_definitions = Index::ALL
        .into_iter()
        .flat_map(|i| {
            let (h, r) = i.key_attrs();
            [h, r]
        })
        .collect();
    TableSchema {
        key_schema: keys_of(Index::Table),
        global_secondary_indexes: gsis,
        attribute_definitions,
        time_to_live: EXPIRES,
    }
}
