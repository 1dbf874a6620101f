//! The span every HTTP request runs in (method, route, status, latency, and the correlation id
//! of an internal error), and the one place an internal error is logged: inside that span, so
//! its log line names the request it failed, not only the code that built the error.

use crate::problem::InternalError;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

/// Runs the request inside its span, then records how it ended and logs an internal error.
pub(crate) async fn request_span(request: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        route = Empty,
        status = Empty,
        latency_ms = Empty,
        correlation_id = Empty,
    );
    // Absent for a path that matches no route (answered by the fallback).
    if let Some(route) = request.extensions().get::<MatchedPath>() {
        span.record("route", route.as_str());
    }
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    span.record("status", response.status().as_u16());
    span.record("latency_ms", started.elapsed().as_secs_f64() * 1e3);
    let _entered = span.enter();
    if let Some(error) = response.extensions_mut().remove::<InternalError>() {
        span.record("correlation_id", error.correlation_id.as_str());
        tracing::error!(message = "Internal error while serving a request.", error = %error.detail);
    }
    tracing::debug!(message = "Request served.");
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use serde_json::Value;
    use std::sync::{Arc, Mutex};
    use tower::ServiceExt;

    /// Log lines written as JSON into memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn lines(&self) -> Vec<Value> {
            let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
        }
    }

    #[tokio::test]
    async fn an_internal_error_is_logged_inside_its_request_under_the_id_its_answer_quotes() {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let app = Router::new()
            .route("/things/{id}", get(|| async { Err::<(), _>(ApiError::internal(&"the disk is full")) }))
            .layer(axum::middleware::from_fn(request_span));

        let response = app.oneshot(Request::get("/things/7").body(Body::empty()).unwrap()).await.unwrap();

        assert_eq!(response.status(), 500);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(!body.to_string().contains("disk"), "the detail is never sent: {body}");
        let correlation_id = body["correlation_id"].as_str().expect("the answer quotes a correlation id");
        let lines = logs.lines();
        let logged: Vec<&Value> = lines.iter().filter(|l| l["level"] == "ERROR").collect();
        assert_eq!(logged.len(), 1, "logged once, by the request span: {lines:?}");
        let (line, span) = (logged[0], &logged[0]["span"]);
        assert_eq!(line["error"], "the disk is full");
        assert_eq!(span["name"], "request");
        assert_eq!(span["method"], "GET");
        assert_eq!(span["route"], "/things/{id}");
        assert_eq!(span["status"], 500);
        assert_eq!(span["correlation_id"], correlation_id);
        assert!(span["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    }
}
