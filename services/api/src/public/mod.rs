//! The open part of the API (CONTRACT section 11): no key is needed and a key sent is
//! ignored. What it needs beyond the engine (the postcode lookup, the per-address allowance
//! for registering interest) is configured once in [`PublicConfig`].

mod courses;
mod find;
mod interest;

use crate::address_limit::AddressLimit;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use provisio_finder::Finder;
use provisio_import::PostcodeLookup;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};

/// How the open endpoints behave; built from `--postcodes`, `--interest-rate-limit` and
/// `--trust-forwarded-for`.
pub struct PublicConfig {
    /// Postcode → district and position; `None` when no file was given (then every postcode
    /// is unknown).
    pub postcodes: Option<Arc<PostcodeLookup>>,
    pub interest_limit: AddressLimit,
    /// Take the client address from the first `X-Forwarded-For` entry (behind a proxy).
    pub trust_forwarded_for: bool,
    /// The index of public courses, kept in step with the engine by the service.
    pub finder: Arc<RwLock<Finder>>,
}

pub(crate) fn router() -> axum::Router<crate::AppState> {
    interest::router().merge(courses::router()).merge(find::router())
}

pub(crate) const ROUTES: &[&[(&str, &str)]] = &[interest::ROUTES, courses::ROUTES, find::ROUTES];

/// The client's address: the TCP peer, or with `trust_forwarded_for` the first
/// `X-Forwarded-For` entry when it parses. Kept in memory only, never logged or stored.
pub(crate) fn client_address(
    config: &PublicConfig,
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
) -> IpAddr {
    let forwarded = config
        .trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok()?.split(',').next()?.trim().parse().ok())
        .flatten();
    forwarded.or(peer.map(|p| p.0.ip())).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}
