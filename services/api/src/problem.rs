//! Every API error, with its stable `code` and HTTP status, mapped once to RFC 9457
//! `application/problem+json`. Internal detail is logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
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
    #[error("no such resource")]
    NotFound,
    #[error("partnership {0:?} is not registered")]
    PartnershipNotFound(String),
    #[error("position {0} is not applied yet; retry shortly")]
    NotYetApplied(u64),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid-json", "Body is not JSON"),
            ApiError::NotAnEvent(_) => (StatusCode::BAD_REQUEST, "not-an-event", "Body is not an event or an array of events"),
            ApiError::BodyTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", "Body too large"),
            ApiError::BatchTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "batch-too-large", "Too many events in one request"),
            ApiError::InvalidQuery { .. } => (StatusCode::BAD_REQUEST, "invalid-query", "Invalid query parameter"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::PartnershipNotFound(_) => (StatusCode::NOT_FOUND, "partnership-not-found", "Partnership not registered"),
            ApiError::NotYetApplied(_) => (StatusCode::SERVICE_UNAVAILABLE, "not-yet-applied", "Position not applied yet"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }
}

impl From<provisio_store::StoreError> for ApiError {
    fn from(error: provisio_store::StoreError) -> Self {
        tracing::error!(message = "Store error while serving a request.", %error);
        ApiError::Internal
    }
}

impl From<provisio_ingest::IngestError> for ApiError {
    fn from(error: provisio_ingest::IngestError) -> Self {
        tracing::warn!(message = "Ingestion refused a request.", %error);
        match error {
            provisio_ingest::IngestError::NotYetDurable => ApiError::Unavailable(error.to_string()),
            _ => ApiError::Unavailable("the event store is unavailable; send the events again with the same ids".into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        let body = json!({
            "type": format!("https://provisio.example/problems/{code}"),
            "title": title,
            "status": status.as_u16(),
            "detail": self.to_string(),
            "code": code,
        });
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
