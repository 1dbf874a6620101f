//! Who is calling: API keys (Bearer), looked up through a short-lived cache. How much a key
//! may do lives in `limits`; the rules of what a role may do live in `provisio-access`.

use crate::limits::{KeyUsage, Limits};
use crate::{AppState, problem::ApiError};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use provisio_access::{Caller, Principal, hash_key, key_id_of};
use provisio_store::{ApiKey, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a key record looked up in SQL is trusted without looking again. A revocation
/// through this service's API takes effect at once; one made elsewhere (`provisio keys
/// revoke`, another instance) within this long.
const KEY_CACHE_TTL: Duration = Duration::from_secs(10);

/// Most key ids the cache holds before it drops the stale ones and the unknown ones: key ids
/// that match no key are cached too (a client retrying with a key of another deployment costs
/// one SQL query per 10 s, not one per request), and they are not bounded by the keys table.
const KEY_CACHE_MAX: usize = 100_000;

/// A key record as read from SQL (`None`: no key has that id), and when it was read.
type CachedKey = (Instant, Option<Arc<ApiKey>>);

/// Access state shared by all requests.
pub struct Access {
    /// `false` only with the explicit `--insecure-no-auth` flag: every caller is an admin.
    pub enabled: bool,
    pub limits: Limits,
    /// What each key has used of `limits`.
    pub(crate) usage: KeyUsage,
    /// Key records by key id: a request costs no SQL query. At most `KEY_CACHE_MAX` ids plus
    /// the keys table.
    keys: Mutex<HashMap<String, CachedKey>>,
}

impl Access {
    pub fn new(enabled: bool, limits: Limits) -> Self {
        Self { enabled, limits, usage: KeyUsage::default(), keys: Mutex::default() }
    }

    /// The key's record: from the cache while it is fresh, else from SQL (and then cached).
    /// While the database is unreachable a key already looked up keeps its last record (so
    /// known keys go on working from memory) and is looked up again `KEY_CACHE_TTL` later: a
    /// revocation made meanwhile counts within that delay of the database coming back.
    async fn key_record(&self, store: &Store, key_id: &str) -> Result<Option<Arc<ApiKey>>, StoreError> {
        let cached = self.keys.lock().unwrap_or_else(|e| e.into_inner()).get(key_id).cloned();
        if let Some((at, record)) = &cached
            && at.elapsed() < KEY_CACHE_TTL
        {
            return Ok(record.clone());
        }
        let record = match store.find_key(key_id).await {
            Ok(found) => found.map(Arc::new),
            Err(error) => match cached {
                Some((_, stale)) if error.is_unreachable() => {
                    tracing::warn!(message = "The database is unreachable; using the key's last record.", key_id);
                    stale
                }
                _ => return Err(error),
            },
        };
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= KEY_CACHE_MAX {
            keys.retain(|_, (at, k)| k.is_some() && at.elapsed() < KEY_CACHE_TTL);
        }
        keys.insert(key_id.to_owned(), (Instant::now(), record.clone()));
        Ok(record)
    }

    /// Drops a key's cached record, so that its revocation here counts from the next request.
    pub(crate) fn forget_key(&self, key_id: &str) {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).remove(key_id);
    }
}

/// The key id recorded for requests when authentication is off.
pub const ANONYMOUS: &str = "anonymous";

/// Extracting a [`Caller`] authenticates the request: `401` without a valid key, `429` over
/// the key's rate. Handlers that take no `Caller` are open.
pub(crate) struct Authenticated(pub(crate) Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let access = &state.access;
        if !access.enabled {
            return Ok(Authenticated(Caller { key_id: ANONYMOUS.into(), principal: Principal::Admin }));
        }
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("send an API key: Authorization: Bearer <key>".into()))?;
        let token = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).ok_or_else(|| {
            ApiError::Unauthorized("malformed Authorization header: expected \"Bearer <key>\"".into())
        })?;
        let invalid = || ApiError::Unauthorized("the API key is not valid (unknown, revoked or mistyped)".into());
        let key_id = key_id_of(token).ok_or_else(invalid)?;
        let record = access.key_record(state.ingest.store(), key_id).await?.ok_or_else(invalid)?;
        if record.revoked_at.is_some() || record.hash != hash_key(token) {
            return Err(invalid());
        }
        let principal =
            Principal::from_parts(&record.role, record.scope.as_deref()).map_err(|e| ApiError::internal(&e))?;
        access.usage.take_token(&access.limits, key_id)?;
        Ok(Authenticated(Caller { key_id: record.key_id.clone(), principal }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unknown_key_id_is_looked_up_once_until_it_is_forgotten() {
        let file = provisio_testkit::sqlite_file();
        let store = Store::connect(&file.url).await.unwrap();
        let access = Access::new(true, Limits::default());
        assert_eq!(access.key_record(&store, "k1").await.unwrap(), None);
        let key = provisio_store::NewApiKey {
            key_id: "k1".into(),
            hash: "h".into(),
            role: "admin".into(),
            scope: None,
            label: "test".into(),
            nats_password: "p".into(),
        };
        store.insert_key(&key).await.unwrap();
        // Within the cache's lifetime the miss is answered from memory, not from SQL.
        assert_eq!(access.key_record(&store, "k1").await.unwrap(), None);
        access.forget_key("k1");
        assert_eq!(access.key_record(&store, "k1").await.unwrap().map(|k| k.label.clone()), Some("test".to_owned()));
    }
}
