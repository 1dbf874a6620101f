//! Every API error, with its stable `code` and HTTP status, mapped once to RFC 9457
//! `application/problem+json`. Internal detail is never sent: the answer carries it to the
//! request span (`request_span`), which logs it inside the request with its correlation id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not JSON: {0}")]
    InvalidJson(String),
    #[error("{0}")]
    NotAnEvent(String),
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("the batch holds {count} events; at most {limit} are accepted in one request")]
    BatchTooLarge { count: usize, limit: usize },
    #[error("query parameter {parameter}: {message}")]
    InvalidQuery { parameter: &'static str, message: String },
    /// A parameter of the v2 answers (CONTRACT section 10): malformed, out of range, or
    /// given with another it excludes.
    #[error("parameter {parameter}: {message}")]
    InvalidParameter { parameter: &'static str, message: String },
    #[error("no such resource")]
    NotFound,
    #[error("partnership {0:?} is not registered")]
    PartnershipNotFound(String),
    #[error("the partnership has published no plan {0:?}")]
    PlanNotFound(String),
    #[error("partnership has no proposal {0:?}")]
    ProposalNotFound(String),
    #[error("position {0} is not applied yet; retry shortly")]
    NotYetApplied(u64),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the file cannot be imported: {0}")]
    InvalidImport(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the JSON is nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    /// A postcode the lookup cannot place (section 11).
    #[error("postcode {0:?} is not one the service can place")]
    UnknownPostcode(String),
    /// A registration of interest that cannot be recorded (section 11): nothing was recorded.
    #[error("{field}: {message}")]
    InvalidInterest { field: &'static str, message: String },
    /// Too many registrations of interest from one client address; retry after this many seconds.
    #[error("too many registrations of interest from this address; retry in {0} s")]
    InterestRateLimited(u64),
    #[error("the request took longer than {0} s")]
    Timeout(u64),
    #[error("internal error; quote correlation id {correlation_id} when reporting it")]
    Internal { correlation_id: String, detail: String },
}

/// An internal error's detail and the correlation id its answer quotes, handed to the request
/// span in the response's extensions to be logged there.
#[derive(Debug, Clone)]
pub(crate) struct InternalError {
    pub(crate) correlation_id: String,
    pub(crate) detail: String,
}

impl ApiError {
    /// An internal error under a fresh correlation id, which ties the answer to its log line.
    pub(crate) fn internal(detail: &dyn std::fmt::Display) -> Self {
        ApiError::Internal { correlation_id: provisio_access::random_hex(8), detail: detail.to_string() }
    }
}

impl ApiError {
    /// The answer's status (the finder's pages answer with it too).
    pub(crate) fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid-json", "Body is not JSON"),
            ApiError::NotAnEvent(_) => {
                (StatusCode::BAD_REQUEST, "not-an-event", "Body is not an event or an array of events")
            }
            ApiError::BodyTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", "Body too large"),
            ApiError::BatchTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "batch-too-large", "Too many events in one request")
            }
            ApiError::InvalidQuery { .. } => (StatusCode::BAD_REQUEST, "invalid-query", "Invalid query parameter"),
            ApiError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid-parameter", "Invalid parameter"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::PartnershipNotFound(_) => {
                (StatusCode::NOT_FOUND, "partnership-not-found", "Partnership not registered")
            }
            ApiError::PlanNotFound(_) => (StatusCode::NOT_FOUND, "plan-not-found", "Plan not found"),
            ApiError::ProposalNotFound(_) => (StatusCode::NOT_FOUND, "proposal-not-found", "Proposal not found"),
            ApiError::NotYetApplied(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "not-yet-applied", "Position not applied yet")
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type")
            }
            ApiError::InvalidImport(_) => (StatusCode::BAD_REQUEST, "invalid-import", "File cannot be imported"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "A valid API key is required"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "This key may not do that"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests"),
            ApiError::TooDeep { .. } => (StatusCode::BAD_REQUEST, "too-deep", "JSON nested too deeply"),
            ApiError::UnknownPostcode(_) => (StatusCode::BAD_REQUEST, "unknown-postcode", "Unknown postcode"),
            ApiError::InvalidInterest { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid-interest", "Interest cannot be recorded")
            }
            ApiError::InterestRateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests"),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout", "Request timed out"),
            ApiError::Internal { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }
}

impl From<provisio_store::StoreError> for ApiError {
    fn from(error: provisio_store::StoreError) -> Self {
        if error.is_unreachable() {
            tracing::warn!(message = "The database is unreachable; answering 503.", %error);
            return ApiError::Unavailable("the database is unreachable; retry shortly".into());
        }
        ApiError::internal(&error)
    }
}

impl From<provisio_ingest::IngestError> for ApiError {
    fn from(error: provisio_ingest::IngestError) -> Self {
        tracing::warn!(message = "Ingestion refused a request.", %error);
        match error {
            provisio_ingest::IngestError::NotYetDurable | provisio_ingest::IngestError::NoBus => {
                ApiError::Unavailable(error.to_string())
            }
            provisio_ingest::IngestError::Nats(_) => ApiError::Unavailable(
                "the event bus (NATS) is unavailable; send the events again with the same ids".into(),
            ),
            _ => {
                ApiError::Unavailable("the event store is unavailable; send the events again with the same ids".into())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        let retry_after = match self {
            ApiError::InterestRateLimited(seconds) => HeaderValue::from(seconds.max(1)),
            _ => HeaderValue::from_static("1"),
        };
        let mut body = json!({
            "type": format!("https://provisio.example/problems/{code}"),
            "title": title,
            "status": status.as_u16(),
            "detail": self.to_string(),
            "code": code,
        });
        if let ApiError::Internal { correlation_id, .. } = &self {
            body["correlation_id"] = json!(correlation_id);
        }
        let mut response = (status, body.to_string()).into_response();
        if let ApiError::Internal { correlation_id, detail } = self {
            response.extensions_mut().insert(InternalError { correlation_id, detail });
        }
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match status {
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                headers.insert(header::RETRY_AFTER, retry_after);
            }
            StatusCode::UNAUTHORIZED => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}
