//! `/healthz`, `/readyz` and `/metrics`: open to all, for orchestrators and scrapers.
//!
//! Readiness is checked when asked, not remembered from the last failure: the database must
//! answer a query within `PROBE_TIMEOUT`, the NATS connection (when there is one) must be up,
//! and the recorder must be making progress. A 503 names what is down; `/metrics` carries the
//! same checks as gauges.

use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use provisio_store::Backend;
use std::fmt::Write;
use std::time::Duration;

routes! {
    get "/healthz" => healthz,
    get "/readyz" => readyz,
    get "/metrics" => metrics,
}

/// Longest the database may take to answer the readiness query: an outage shows within about
/// this long, not after the connection pool's own acquire timeout (10 s).
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// What one readiness check found.
struct Readiness {
    /// The database's name (`postgres` or `sqlite`), and whether it answered.
    database: (&'static str, bool),
    /// Whether NATS is connected; `None` without NATS.
    nats: Option<bool>,
    /// False while the recorder's attempts fail: reports fall behind the log.
    recorder: bool,
    /// The writer and the projector are running (both start after their dependencies).
    started: bool,
}

impl Readiness {
    async fn check(state: &AppState) -> Self {
        let store = state.ingest.store();
        let name = match store.backend() {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        };
        let answered = matches!(tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await, Ok(Ok(())));
        Self {
            database: (name, answered),
            nats: state.ingest.nats_connected(),
            recorder: !state.projection.recorder_is_failing(),
            started: state.ingest.is_ready() && state.projection.is_ready(),
        }
    }

    /// What keeps the service from being ready, most fundamental first; empty when ready.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.database.1 {
            problems.push(format!("the database ({}) is unreachable", self.database.0));
        }
        if self.nats == Some(false) {
            problems.push("NATS is unreachable".to_owned());
        }
        if !self.recorder {
            problems.push("the report recorder cannot record changes".to_owned());
        }
        if problems.is_empty() && !self.started {
            problems.push("starting".to_owned());
        }
        problems
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// 200 once events can be accepted and served; otherwise 503 saying what is down.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let problems = Readiness::check(&state).await.problems();
    if problems.is_empty() {
        (StatusCode::OK, "ready".to_owned())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {}", problems.join("; ")))
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let readiness = Readiness::check(&state).await;
    let mut out = state.ingest.metrics().render();
    out.push_str("# HELP provisio_dependency_up Whether a dependency answered the last check.\n# TYPE provisio_dependency_up gauge\n");
    let (database, answered) = readiness.database;
    let _ = writeln!(out, "provisio_dependency_up{{dependency=\"{database}\"}} {}", u8::from(answered));
    if let Some(connected) = readiness.nats {
        let _ = writeln!(out, "provisio_dependency_up{{dependency=\"nats\"}} {}", u8::from(connected));
    }
    let projection = &state.projection;
    out.push_str("# HELP provisio_recorder_failing Whether the report recorder's last attempt failed (it retries).\n# TYPE provisio_recorder_failing gauge\n");
    let _ = writeln!(out, "provisio_recorder_failing {}", u8::from(!readiness.recorder));
    out.push_str("# HELP provisio_projector_position The last log position applied to the reports.\n# TYPE provisio_projector_position gauge\n");
    let _ = writeln!(out, "provisio_projector_position {}", projection.position());
    out.push_str("# HELP provisio_recorder_position The last log position whose report changes are recorded.\n# TYPE provisio_recorder_position gauge\n");
    let _ = writeln!(out, "provisio_recorder_position {}", projection.recorded_position());
    let images = projection.image_figures();
    out.push_str("# HELP provisio_snapshot_position The log position of the last engine image written or loaded (0: none).\n# TYPE provisio_snapshot_position gauge\n");
    let _ = writeln!(out, "provisio_snapshot_position {}", images.position);
    out.push_str("# HELP provisio_snapshot_bytes The size of the last engine image written or loaded.\n# TYPE provisio_snapshot_bytes gauge\n");
    let _ = writeln!(out, "provisio_snapshot_bytes {}", images.bytes);
    out.push_str("# HELP provisio_snapshot_write_seconds How long the last engine image took to encode and store.\n# TYPE provisio_snapshot_write_seconds gauge\n");
    let _ = writeln!(out, "provisio_snapshot_write_seconds {}", images.write_seconds);
    out.push_str("# HELP provisio_snapshot_load_seconds How long reading and decoding the engine image took at start-up (0: none loaded).\n# TYPE provisio_snapshot_load_seconds gauge\n");
    let _ = writeln!(out, "provisio_snapshot_load_seconds {}", images.load_seconds);
    if let Some(in_use) = state.heap_in_use {
        out.push_str("# HELP provisio_heap_in_use_bytes Bytes allocated and not freed since the service started (--count-heap).\n# TYPE provisio_heap_in_use_bytes gauge\n");
        let _ = writeln!(out, "provisio_heap_in_use_bytes {}", in_use());
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
