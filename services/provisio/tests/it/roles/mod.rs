//! The roles of the one binary (ADR 0013), as real processes on real PostgreSQL and NATS:
//! a standby writer takes over from a killed one, readers serve what the writer serves and
//! send writes through JetStream, live clients move from a killed reader to another, and a
//! bad configuration is refused with a clear message.

mod config;
mod reader;
mod takeover;

use crate::crash::{Service, start_with};

/// The binary in `role` on a free port (no keys: these tests are about roles, not access).
fn start_role(database_url: &str, nats_url: Option<&str>, role: &str) -> Service {
    start_with(database_url, nats_url, &[("PROVISIO_ROLE", role)])
}

/// The highest position the log holds, read from the service at `base`.
async fn last_position(client: &reqwest::Client, base: &str) -> i64 {
    let log = crate::crash::log_count(client, base).await.expect("the log is readable");
    log.last().map_or(0, |e| e["position"].as_i64().unwrap())
}
