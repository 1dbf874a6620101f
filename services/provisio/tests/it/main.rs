//! Integration tests through the public interface (HTTP and NATS), on real PostgreSQL,
//! SQLite and nats-server. One binary, so the build is shared.

mod access;
mod browser;
mod cli;
mod cluster;
mod collab;
mod connections;
mod crash;
mod finder;
mod helpers;
mod http_ingest;
mod imports;
mod limits;
mod names;
mod nats_access;
mod nats_ingest;
mod outage;
mod over_time;
mod plans;
mod readiness;
mod reports;
mod roles;
mod soak;
