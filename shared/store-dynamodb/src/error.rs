//! SDK errors become [`StoreError`] meanings here, so that no `SdkError` leaves the crate.
//!
//! The decision is made on the error *code* DynamoDB sends, which is the same for every
//! operation (`ConditionalCheckFailedException` is one code whether PutItem or DeleteItem
//! raised it); only a cancelled transaction needs its typed form, for the reasons it carries.

use std::fmt;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use clusto_store::{CancelReason, StoreError};

/// Codes of "slow down" answers: the request may succeed if retried later. The SDK has
/// already retried these a few times before they reach us.
const BUSY_CODES: [&str; 5] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
    "LimitExceededException",
];

/// Operations whose effect may have happened when their answer is lost (a timeout, a
/// broken connection, a 5xx): they are not safe to send again blindly, so their failures of
/// that kind are [`StoreError::Unknown`]. Reads, and `BatchWriteItem` (whole-item puts, the
/// same again on a repeat), are [`StoreError::Busy`] instead.
const UNSAFE_TO_REPEAT: [&str; 4] = ["PutItem", "DeleteItem", "UpdateItem", "TransactWriteItems"];

/// What this backend puts inside [`StoreError::Backend`]: a message only, with the SDK's
/// whole error chain rendered into it, so no SDK type is reachable through `source()`.
#[derive(Debug)]
pub(crate) struct DynamoError(String);

impl fmt::Display for DynamoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DynamoError {}

/// A [`StoreError::Backend`] with a message.
pub(crate) fn backend(message: impl Into<String>) -> StoreError {
    StoreError::backend(DynamoError(message.into()))
}

/// A request this crate built was incomplete: a bug here, not in the caller.
pub(crate) fn build_error(e: BuildError) -> StoreError {
    backend(format!("building a DynamoDB request: {e}"))
}

/// The meaning of a failed call to `operation` (a DynamoDB API name, for messages).
pub(crate) fn from_sdk<E>(operation: &str, err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().map(str::to_owned);
    let message = err.message().unwrap_or_default().to_owned();
    let server_error = err
        .raw_response()
        .is_some_and(|r| r.status().is_server_error());
    // No answer at all: the call timed out or its connection failed (refused, reset, a
    // connect timeout on a crowded endpoint). The SDK has already retried it.
    let no_answer = matches!(
        err,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    );
    match code.as_deref() {
        Some("ConditionalCheckFailedException") => StoreError::ConditionFailed,
        Some(c) if BUSY_CODES.contains(&c) => {
            StoreError::Busy(format!("DynamoDB {operation}: {c}: {message}"))
        }
        // A 5xx (InternalServerError, ServiceUnavailable) is the service's own failure; like
        // a lost answer, it leaves a write's outcome open (AWS: "the request may or may not
        // have succeeded"), and a read may simply be asked again.
        _ if server_error || no_answer => {
            let what = format!("DynamoDB {operation}: {}", DisplayErrorContext(&err));
            if UNSAFE_TO_REPEAT.contains(&operation) {
                StoreError::Unknown(what)
            } else {
                StoreError::Busy(what)
            }
        }
        // DynamoDB refused the request itself (an item over 400 KB, an empty key value, a
        // number where a key needs a string): the caller asked for something impossible.
        Some("ValidationException") => StoreError::Invalid(format!(
            "DynamoDB {operation} rejected the request: {message}"
        )),
        _ => backend(format!(
            "DynamoDB {operation} failed: {}",
            DisplayErrorContext(&err)
        )),
    }
}

/// One entry of a `TransactionCanceledException`'s `CancellationReasons`.
pub(crate) fn cancel_reason(code: Option<&str>) -> CancelReason {
    match code {
        None | Some("None") => CancelReason::None,
        Some("ConditionalCheckFailed") => CancelReason::ConditionFailed,
        Some("TransactionConflict") => CancelReason::Conflict,
        Some("ThrottlingError" | "ProvisionedThroughputExceeded") => CancelReason::Throttled,
        Some(other) => CancelReason::Other(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    /// What the SDK hands back when DynamoDB answers with an error `code` and `status`.
    fn answer(code: &str, status: u16) -> SdkError<PutItemError, HttpResponse> {
        let meta = ErrorMetadata::builder()
            .code(code)
            .message("the message")
            .build();
        let status = StatusCode::try_from(status).expect("a valid status");
        SdkError::service_error(
            PutItemError::generic(meta),
            HttpResponse::new(status, SdkBody::empty()),
        )
    }

    /// A client error (400) with an error `code`.
    fn service_error(code: &str) -> SdkError<PutItemError, HttpResponse> {
        answer(code, 400)
    }

    #[test]
    fn server_errors_are_busy_for_reads_and_unknown_for_writes() {
        let e = from_sdk("Query", answer("InternalServerError", 500));
        assert!(matches!(e, StoreError::Busy(_)), "{e:?}");
        assert!(e.is_transient());
        for write in UNSAFE_TO_REPEAT {
            let e = from_sdk(write, answer("InternalServerError", 500));
            assert!(matches!(e, StoreError::Unknown(_)), "{write}: {e:?}");
            assert!(!e.is_transient(), "an unknown outcome is not a failure");
        }
    }

    #[test]
    fn lost_answers_are_busy_for_reads_and_unknown_for_writes() {
        let timeout = || SdkError::<PutItemError, HttpResponse>::timeout_error("slow");
        assert!(matches!(
            from_sdk("GetItem", timeout()),
            StoreError::Busy(_)
        ));
        assert!(matches!(
            from_sdk("BatchWriteItem", timeout()),
            StoreError::Busy(_)
        ));
        let e = from_sdk("TransactWriteItems", timeout());
        assert!(matches!(&e, StoreError::Unknown(m) if m.contains("TransactWriteItems")));
    }

    #[test]
    fn error_codes_map_to_meanings() {
        let e = from_sdk("PutItem", service_error("ConditionalCheckFailedException"));
        assert!(matches!(e, StoreError::ConditionFailed), "{e:?}");
        for busy in BUSY_CODES {
            let e = from_sdk("PutItem", service_error(busy));
            assert!(
                matches!(&e, StoreError::Busy(m) if m.contains(busy)),
                "{e:?}"
            );
            assert!(e.is_transient());
        }
        let e = from_sdk("PutItem", service_error("ValidationException"));
        assert!(
            matches!(&e, StoreError::Invalid(m) if m.contains("the message")),
            "{e:?}"
        );
    }

    #[test]
    fn other_errors_are_backend_errors_with_the_operation_and_no_sdk_source() {
        let e = from_sdk("PutItem", service_error("ResourceNotFoundException"));
        assert!(matches!(e, StoreError::Backend(_)), "{e:?}");
        assert!(e.to_string().contains("PutItem"), "{e}");
        let source = std::error::Error::source(&e).expect("the backend error");
        assert!(source.is::<DynamoError>());
        assert!(source.source().is_none());
    }

    #[test]
    fn cancellation_codes_map_to_reasons() {
        assert_eq!(cancel_reason(None), CancelReason::None);
        assert_eq!(cancel_reason(Some("None")), CancelReason::None);
        assert_eq!(
            cancel_reason(Some("ConditionalCheckFailed")),
            CancelReason::ConditionFailed
        );
        assert_eq!(
            cancel_reason(Some("TransactionConflict")),
            CancelReason::Conflict
        );
        for throttled in ["ThrottlingError", "ProvisionedThroughputExceeded"] {
            assert_eq!(cancel_reason(Some(throttled)), CancelReason::Throttled);
        }
        assert_eq!(
            cancel_reason(Some("ItemCollectionSizeLimitExceeded")),
            CancelReason::Other("ItemCollectionSizeLimitExceeded".into())
        );
    }
}
