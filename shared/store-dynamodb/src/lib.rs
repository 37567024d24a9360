//! The production [`ItemStore`]: one DynamoDB table, reached with `aws-sdk-dynamodb`.
//!
//! Each trait method is one DynamoDB API call (or a short, bounded series of them):
//! `get` is a consistent `GetItem`, `batch_get` is `BatchGetItem` in chunks of 100,
//! `put_many` is `BatchWriteItem` in chunks of 25,
//! `query` is `Query` followed to the last page, `write` is a conditional `PutItem` or
//! `DeleteItem`, `transact` is `TransactWriteItems`, and `increment` is an `UpdateItem`
//! with `if_not_exists`. DynamoDB evaluates every condition itself, atomically with the
//! write, which is what makes the model's invariants hold across concurrent Lambdas.
//!
//! Errors are turned into [`StoreError`] meanings at this boundary; no SDK error type
//! leaves the crate.
//!
//! # Layout
//! - this file: [`DynamoStore`], its constructors and the [`ItemStore`] implementation
//! - `codec`: items, keys, conditions and expressions to and from the SDK's types
//! - `error`: SDK errors and transaction cancellation reasons to [`StoreError`]
//! - `table`: `create_table_if_missing` (from [`clusto_store::schema()`]) and `delete_table`
//! - [`testing`] (feature `test-util`): `fresh_table()` on a local endpoint, for tests

#![warn(missing_docs)]

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{KeysAndAttributes, PutRequest, ReturnValue, WriteRequest};
use clusto_store::{
    Index, Item, ItemStore, Key, Query, StoreError, StoreResult, WriteOp, validate_put_many,
    validate_transaction,
};
use futures::{StreamExt, TryStreamExt};

mod codec;
mod error;
mod table;
#[cfg(feature = "test-util")]
pub mod testing;

use codec::AttrMap;
use error::{backend, build_error, cancel_reason, from_sdk};

/// DynamoDB's limit on keys in one `BatchGetItem` request.
const BATCH_GET_MAX_KEYS: usize = 100;
/// How many `BatchGetItem` chunks of one `batch_get` are in flight at once.
const BATCH_GET_CONCURRENCY: usize = 4;
/// Rounds in a row that may return nothing but unprocessed keys before giving up.
const BATCH_GET_MAX_STALLS: u32 = 6;
/// DynamoDB's limit on items in one `BatchWriteItem` request.
const BATCH_WRITE_MAX_ITEMS: usize = 25;
/// How many `BatchWriteItem` requests of one `put_many` are in flight at once.
const BATCH_WRITE_CONCURRENCY: usize = 8;
/// Rounds in a row that may write nothing (all items left unprocessed) before giving up.
const BATCH_WRITE_MAX_STALLS: u32 = 8;

/// How long the SDK waits for one attempt of a call: DynamoDB answers in milliseconds, so
/// an attempt this slow is stuck, and the SDK's standard retry sends it again (a
/// transaction with the same token, so it cannot apply twice).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one call may take with the SDK's retries (3 attempts and their backoff): the
/// longest a request can be kept waiting by a store call, which the HTTP layer keeps free
/// before the Lambda function's deadline.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// An [`ItemStore`] on one DynamoDB table. Cheap to clone the client out of; share the
/// store itself as `Arc<dyn ItemStore>`.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store on `table`, through an already configured client.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    /// A store on `table`, with the client configured from the standard AWS environment
    /// (region, credentials, `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`, and
    /// `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` for a local endpoint), and calls
    /// bounded by [`ATTEMPT_TIMEOUT`] and [`CALL_TIMEOUT`].
    pub async fn from_env(table: impl Into<String>) -> Self {
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(CALL_TIMEOUT)
            .build();
        let config = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeouts)
            .load()
            .await;
        DynamoStore::new(Client::new(&config), table)
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The SDK client, for the rare caller that needs a call this crate does not offer
    /// (tests describing the table, for instance).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// One `BatchGetItem` of at most 100 keys, asked again for whatever DynamoDB leaves
    /// unprocessed (throttling, or the 16 MB response limit), with a short backoff.
    async fn batch_get_chunk(&self, keys: Vec<AttrMap>) -> StoreResult<Vec<Item>> {
        let mut pending = keys;
        let mut items = Vec::with_capacity(pending.len());
        let mut stalls = 0;
        loop {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(build_error)?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| from_sdk("BatchGetItem", e))?;
            let found = out
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default();
            stalls = if found.is_empty() { stalls + 1 } else { 0 };
            for item in found {
                items.push(codec::read_item(item)?);
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(items);
            }
            if stalls >= BATCH_GET_MAX_STALLS {
                return Err(StoreError::Busy(format!(
                    "DynamoDB BatchGetItem left {} keys unprocessed {stalls} times in a row",
                    pending.len()
                )));
            }
            tokio::time::sleep(Duration::from_millis(25 << stalls)).await;
        }
    }

    /// One `BatchWriteItem` of at most 25 puts, sent again for whatever DynamoDB leaves
    /// unprocessed (throttling), with a growing, jittered backoff.
    async fn batch_write_chunk(&self, items: Vec<WriteRequest>) -> StoreResult<()> {
        let mut pending = items;
        let mut stalls = 0;
        loop {
            let sent = pending.len();
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, std::mem::take(&mut pending))
                .send()
                .await
                .map_err(|e| from_sdk("BatchWriteItem", e))?;
            pending = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.table))
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
            stalls = if pending.len() == sent { stalls + 1 } else { 0 };
            if stalls >= BATCH_WRITE_MAX_STALLS {
                return Err(StoreError::Busy(format!(
                    "DynamoDB BatchWriteItem left {} items unprocessed {stalls} times in a row",
                    pending.len()
                )));
            }
            let cap = 25u64 << stalls.min(6);
            tokio::time::sleep(Duration::from_millis(cap / 2 + fastrand::u64(0..cap / 2))).await;
        }
    }
}

#[async_trait]
impl ItemStore for DynamoStore {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| from_sdk("GetItem", e))?;
        out.item.map(codec::read_item).transpose()
    }

    async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        // BatchGetItem rejects a request that names one key twice.
        let unique: Vec<AttrMap> = keys
            .iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(codec::key)
            .collect();
        let chunks: Vec<Vec<AttrMap>> = unique
            .chunks(BATCH_GET_MAX_KEYS)
            .map(<[AttrMap]>::to_vec)
            .collect();
        let found: Vec<Vec<Item>> = futures::stream::iter(chunks)
            .map(|chunk| self.batch_get_chunk(chunk))
            .buffer_unordered(BATCH_GET_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    async fn query(&self, query: &Query) -> StoreResult<Vec<Item>> {
        let e = codec::key_condition(query.index, &query.pk, query.sk_prefix.as_deref());
        // Only the table offers strongly consistent reads; GSIs reject ConsistentRead.
        let consistent = (query.index == Index::Table).then_some(true);
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(query.index.name().map(str::to_owned))
                .set_key_condition_expression(e.expression.clone())
                .set_expression_attribute_names(e.names.clone())
                .set_expression_attribute_values(e.values.clone())
                .set_consistent_read(consistent)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in out.items.unwrap_or_default() {
                items.push(codec::read_item(item)?);
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    async fn write(&self, op: WriteOp) -> StoreResult<()> {
        match op {
            WriteOp::Put { item, condition } => {
                if Key::of(&item).is_none() {
                    return Err(StoreError::Invalid(
                        "a put item needs string pk and sk".into(),
                    ));
                }
                let e = codec::condition(&condition);
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(codec::item(item)))
                    .set_condition_expression(e.expression)
                    .set_expression_attribute_names(e.names)
                    .set_expression_attribute_values(e.values)
                    .send()
                    .await
                    .map_err(|e| from_sdk("PutItem", e))?;
            }
            WriteOp::Delete { key, condition } => {
                let e = codec::condition(&condition);
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(codec::key(&key)))
                    .set_condition_expression(e.expression)
                    .set_expression_attribute_names(e.names)
                    .set_expression_attribute_values(e.values)
                    .send()
                    .await
                    .map_err(|e| from_sdk("DeleteItem", e))?;
            }
            WriteOp::Check { .. } => {
                return Err(StoreError::Invalid(
                    "a Check writes nothing on its own; it belongs in a transaction".into(),
                ));
            }
        }
        Ok(())
    }

    async fn transact(&self, ops: Vec<WriteOp>, token: &str) -> StoreResult<()> {
        validate_transaction(&ops, token)?;
        let items = ops
            .into_iter()
            .map(|op| codec::transact_item(&self.table, op))
            .collect::<StoreResult<Vec<_>>>()?;
        // The caller's token, not one the SDK makes up per call: a repeat by the caller after
        // an unknown outcome is then answered from DynamoDB's record of the first commit.
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .client_request_token(token)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    Err(StoreError::TransactionCanceled {
                        reasons: cancelled
                            .cancellation_reasons()
                            .iter()
                            .map(|r| cancel_reason(r.code()))
                            .collect(),
                    })
                }
                _ => Err(from_sdk("TransactWriteItems", e)),
            },
        }
    }

    async fn put_many(&self, items: Vec<Item>) -> StoreResult<()> {
        validate_put_many(&items)?;
        let requests = items
            .into_iter()
            .map(|item| {
                let put = PutRequest::builder()
                    .set_item(Some(codec::item(item)))
                    .build()
                    .map_err(build_error)?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let chunks: Vec<Vec<WriteRequest>> = requests
            .chunks(BATCH_WRITE_MAX_ITEMS)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        futures::stream::iter(chunks)
            .map(|chunk| self.batch_write_chunk(chunk))
            .buffer_unordered(BATCH_WRITE_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn increment(&self, key: &Key, attr: &str, start: i64, by: i64) -> StoreResult<i64> {
        let e = codec::increment(attr, start, by);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(key)))
            .set_update_expression(e.expression)
            .set_expression_attribute_names(e.names)
            .set_expression_attribute_values(e.values)
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| from_sdk("UpdateItem", e))?;
        let value = match out.attributes.and_then(|mut a| a.remove(attr)) {
            Some(value) => codec::read_value(attr, value)?,
            // moto leaves unchanged attributes out of UPDATED_NEW, so adding 0 to an existing
            // counter returns nothing there (DynamoDB returns it). Adding 0 changed nothing,
            // so a consistent read made now is as good an answer.
            None if by == 0 => self
                .get(key)
                .await?
                .and_then(|mut item| item.remove(attr))
                .ok_or_else(|| backend(format!("the counter `{attr}` of {key} vanished")))?,
            None => {
                return Err(backend(format!(
                    "UpdateItem returned no `{attr}` for {key}"
                )));
            }
        };
        value
            .as_n()
            .ok_or_else(|| backend(format!("the counter `{attr}` of {key} is not a number")))
    }
}
