//! Creating, checking and deleting the table, from [`clusto_store::schema()`].
//!
//! Production tables come from the SAM template; `create_table_if_missing` is for local
//! runs and tests. It also refuses a table whose keys or indexes differ from the schema,
//! so a wrong `CLUSTO_TABLE` fails at start-up instead of on the first query.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::delete_table::DeleteTableError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableDescription, TableStatus,
    TimeToLiveSpecification,
};
use clusto_store::{KeyAttr, StoreError, StoreResult, schema};

use crate::DynamoStore;
use crate::error::{backend, build_error, from_sdk};

/// How long to wait for a new table and its indexes to become `ACTIVE`.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);
/// How often to ask while waiting.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

impl DynamoStore {
    /// Creates the table from [`clusto_store::schema()`] (on-demand billing, both GSIs
    /// projecting all attributes) unless it exists, then waits until the table and its
    /// indexes are `ACTIVE`. Idempotent and safe to race: a concurrent creator is fine.
    /// An existing table with other keys or indexes is [`StoreError::Invalid`].
    pub async fn create_table_if_missing(&self) -> StoreResult<()> {
        let missing = self.describe().await?.is_none();
        if missing {
            self.create_table().await?;
        }
        let table = self.wait_until_active().await?;
        if missing {
            self.enable_time_to_live().await?;
        }
        let (expected, found) = (Shape::expected(), Shape::of(&table));
        if expected != found {
            return Err(StoreError::Invalid(format!(
                "table {} does not match the clusto schema: expected {expected:?}, found {found:?}",
                self.table
            )));
        }
        Ok(())
    }

    /// Deletes the table (tests use it to clean up); a missing table is not an error.
    /// Returns once DynamoDB has accepted the deletion, which finishes in the background.
    pub async fn delete_table(&self) -> StoreResult<()> {
        match self
            .client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DeleteTableError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(from_sdk("DeleteTable", e)),
        }
    }

    /// The table's description, or `None` if it does not exist.
    async fn describe(&self) -> StoreResult<Option<TableDescription>> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(out) => Ok(out.table),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DescribeTableError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(from_sdk("DescribeTable", e)),
        }
    }

    async fn create_table(&self) -> StoreResult<()> {
        let s = schema();
        let attributes = s
            .attribute_definitions
            .iter()
            .map(|name| {
                AttributeDefinition::builder()
                    .attribute_name(*name)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(build_error)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let indexes = s
            .global_secondary_indexes
            .iter()
            .map(|(name, keys)| {
                GlobalSecondaryIndex::builder()
                    .index_name(*name)
                    .set_key_schema(Some(key_schema(keys)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(build_error)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .set_key_schema(Some(key_schema(&s.key_schema)?))
            .set_attribute_definitions(Some(attributes))
            .set_global_secondary_indexes(Some(indexes))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        match created {
            Ok(_) => {
                tracing::info!(table = %self.table, "created DynamoDB table");
                Ok(())
            }
            // Someone else created it between our DescribeTable and CreateTable.
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(CreateTableError::ResourceInUseException(_))
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(from_sdk("CreateTable", e)),
        }
    }

    /// Turns on TTL for [`clusto_store::schema::EXPIRES`] (possible only once the table is
    /// active; CreateTable cannot do it). A concurrent creator may have done it already.
    async fn enable_time_to_live(&self) -> StoreResult<()> {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(schema().time_to_live)
            .enabled(true)
            .build()
            .map_err(build_error)?;
        match self
            .client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(spec)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error().and_then(|s| s.meta().code())
                    == Some("ValidationException")
                    && e.to_string().contains("already enabled") =>
            {
                Ok(())
            }
            Err(e) => Err(from_sdk("UpdateTimeToLive", e)),
        }
    }

    async fn wait_until_active(&self) -> StoreResult<TableDescription> {
        let deadline = Instant::now() + ACTIVE_TIMEOUT;
        loop {
            // Right after CreateTable, DescribeTable may briefly still say "not found".
            if let Some(table) = self.describe().await? {
                let indexes_active = table
                    .global_secondary_indexes()
                    .iter()
                    .all(|i| i.index_status() == Some(&IndexStatus::Active));
                match table.table_status() {
                    Some(TableStatus::Active) if indexes_active => return Ok(table),
                    Some(TableStatus::Deleting) => {
                        return Err(backend(format!("table {} is being deleted", self.table)));
                    }
                    _ => {}
                }
            }
            if Instant::now() >= deadline {
                return Err(backend(format!(
                    "table {} and its indexes did not become ACTIVE within {ACTIVE_TIMEOUT:?}",
                    self.table
                )));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

fn key_schema(keys: &[KeyAttr]) -> StoreResult<Vec<KeySchemaElement>> {
    keys.iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(k.name)
                .key_type(KeyType::from(k.key_type))
                .build()
                .map_err(build_error)
        })
        .collect()
}

/// Key attributes as `(name, HASH|RANGE)`, in order.
type Keys = Vec<(String, String)>;

/// A table's keys and indexes in a form that compares equal regardless of the order
/// DynamoDB lists indexes and attribute definitions in.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    keys: Keys,
    /// Index name → its keys and projection type.
    indexes: BTreeMap<String, (Keys, String)>,
    /// Attribute name → scalar type.
    attributes: BTreeMap<String, String>,
}

impl Shape {
    fn expected() -> Self {
        let s = schema();
        let keys = |k: &[KeyAttr]| {
            k.iter()
                .map(|a| (a.name.to_owned(), a.key_type.to_owned()))
                .collect()
        };
        Shape {
            keys: keys(&s.key_schema),
            indexes: s
                .global_secondary_indexes
                .iter()
                .map(|(name, k)| ((*name).to_owned(), (keys(k), "ALL".to_owned())))
                .collect(),
            attributes: s
                .attribute_definitions
                .iter()
                .map(|a| ((*a).to_owned(), "S".to_owned()))
                .collect(),
        }
    }

    fn of(table: &TableDescription) -> Self {
        let keys = |k: &[KeySchemaElement]| {
            k.iter()
                .map(|e| {
                    (
                        e.attribute_name().to_owned(),
                        e.key_type().as_str().to_owned(),
                    )
                })
                .collect()
        };
        Shape {
            keys: keys(table.key_schema()),
            indexes: table
                .global_secondary_indexes()
                .iter()
                .map(|i| {
                    let projection = i
                        .projection()
                        .and_then(|p| p.projection_type())
                        .map_or("", |p| p.as_str());
                    (
                        i.index_name().unwrap_or_default().to_owned(),
                        (keys(i.key_schema()), projection.to_owned()),
                    )
                })
                .collect(),
            attributes: table
                .attribute_definitions()
                .iter()
                .map(|a| {
                    (
                        a.attribute_name().to_owned(),
                        a.attribute_type().as_str().to_owned(),
                    )
                })
                .collect(),
        }
    }
}
