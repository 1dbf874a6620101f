//! The open part of the API (CONTRACT section 11): no key is needed and a key sent is
//! ignored. What it needs beyond the engine (the postcode lookup, the per-address allowance
//! for registering interest) is configured once in [`PublicConfig`].

mod courses;
mod find;
mod interest;

use crate::address_limit::AddressLimit;
use crate::problem::ApiError;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use provisio_finder::Finder;
use provisio_import::PostcodeLookup;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock, RwLockReadGuard};

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

impl PublicConfig {
    /// The finder to answer from, or `503` (with `Retry-After`) while its first build after a
    /// start runs, which takes seconds with a million courses: the index holds no course until
    /// then, and an empty answer would tell an adult that no such course exists.
    pub(crate) fn built_finder(&self) -> Result<RwLockReadGuard<'_, Finder>, ApiError> {
        let finder = self.finder.read().unwrap_or_else(|e| e.into_inner());
        if finder.is_built() {
            Ok(finder)
        } else {
            Err(ApiError::Unavailable("the course finder is being built after a start; retry in a few seconds".into()))
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use provisio_engine::Engine;

    #[test]
    fn the_finder_answers_only_once_built() {
        let config = PublicConfig {
            postcodes: None,
            interest_limit: AddressLimit::new(0),
            trust_forwarded_for: false,
            finder: Arc::new(RwLock::new(Finder::new(None).unwrap())),
        };
        let refused = config.built_finder().err().map(|e| e.status());
        assert_eq!(refused, Some(StatusCode::SERVICE_UNAVAILABLE), "an index not built yet answers nothing");
        config.finder.write().unwrap().rebuild(&Arc::new(Engine::new())).unwrap();
        assert!(config.built_finder().is_ok(), "once built, even empty, it answers");
    }
}
