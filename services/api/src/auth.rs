//! Who is calling, and how much: API keys (Bearer), per-key rate limits and per-key SSE
//! connection counts. The rules of what a role may do live in `provisio-access`.

use crate::{AppState, problem::ApiError};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use provisio_access::{Caller, Principal, hash_key, key_id_of};
use provisio_store::{ApiKey, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every limit of the HTTP surface; all configurable, all with sane defaults.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Largest course file `POST /v1/providers/{ukprn}/imports` reads.
    pub max_import_bytes: usize,
    /// Most events in one `POST /v1/events`.
    pub max_batch: usize,
    /// Deepest JSON nesting accepted in an event body.
    pub max_json_depth: usize,
    /// Longest a request (other than a live stream) may take.
    pub request_timeout: Duration,
    /// Open live streams per key.
    pub sse_per_key: usize,
    /// Sustained requests per second per key; 0 turns rate limiting off.
    pub rate_per_second: f64,
    /// Requests a key may make at once before the rate applies.
    pub rate_burst: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 4 * 1024 * 1024,
            max_import_bytes: 64 * 1024 * 1024,
            max_batch: 1_000,
            max_json_depth: 64,
            request_timeout: Duration::from_secs(30),
            sse_per_key: 8,
            rate_per_second: 200.0,
            rate_burst: 400.0,
        }
    }
}

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

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Access state shared by all requests.
pub struct Access {
    /// `false` only with the explicit `--insecure-no-auth` flag: every caller is an admin.
    pub enabled: bool,
    pub limits: Limits,
    buckets: Mutex<HashMap<String, Bucket>>,
    streams: Mutex<HashMap<String, usize>>,
    /// Key records by key id: a request costs no SQL query. At most `KEY_CACHE_MAX` ids plus
    /// the keys table.
    keys: Mutex<HashMap<String, CachedKey>>,
}

impl Access {
    pub fn new(enabled: bool, limits: Limits) -> Self {
        Self { enabled, limits, buckets: Mutex::default(), streams: Mutex::default(), keys: Mutex::default() }
    }

    /// The key's record: from the cache while it is fresh, else from SQL (and then cached).
    async fn key_record(&self, store: &Store, key_id: &str) -> Result<Option<Arc<ApiKey>>, StoreError> {
        let cached = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key_id)
            .filter(|(at, _)| at.elapsed() < KEY_CACHE_TTL)
            .map(|(_, k)| k.clone());
        if let Some(record) = cached {
            return Ok(record);
        }
        let record = store.find_key(key_id).await?.map(Arc::new);
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

    /// Takes one token from the key's bucket, or says how long to wait.
    fn take_token(&self, key_id: &str) -> Result<(), ApiError> {
        let rate = self.limits.rate_per_second;
        if rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if !buckets.contains_key(key_id) {
            buckets.insert(key_id.to_owned(), Bucket { tokens: self.limits.rate_burst, at: now });
        }
        let bucket = buckets.get_mut(key_id).expect("inserted above");
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(self.limits.rate_burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::TooManyRequests(format!("key {key_id} is over its limit of {rate} requests per second")))
        }
    }

    /// Reserves one live stream for the key; the slot is freed when the guard drops.
    pub(crate) fn open_stream(self: &Arc<Self>, key_id: &str) -> Result<StreamSlot, ApiError> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let open = streams.entry(key_id.to_owned()).or_default();
        if *open >= self.limits.sse_per_key {
            return Err(ApiError::TooManyRequests(format!(
                "key {key_id} already has {open} live streams open (the limit)"
            )));
        }
        *open += 1;
        Ok(StreamSlot { access: self.clone(), key_id: key_id.to_owned() })
    }
}

/// One open live stream of a key.
pub(crate) struct StreamSlot {
    access: Arc<Access>,
    key_id: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut streams = self.access.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = streams.get_mut(&self.key_id) {
            *open = open.saturating_sub(1);
        }
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
        access.take_token(key_id)?;
        Ok(Authenticated(Caller { key_id: record.key_id.clone(), principal }))
    }
}

/// The depth of the deepest array or object in a JSON text, strings skipped; cheap enough to
/// run before parsing, so a hostile body cannot make the parser recurse.
pub(crate) fn json_depth(body: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_containers_not_brackets_in_strings() {
        assert_eq!(json_depth(br#"{"a": [1, {"b": "[[[["}]}"#), 3);
        assert_eq!(json_depth(b"42"), 0);
        assert_eq!(json_depth(br#"{"a": "\"{"}"#), 1);
        assert_eq!(json_depth(&vec![b'['; 10_000]), 10_000);
    }

    #[test]
    fn a_key_over_its_rate_is_told_to_wait() {
        let access = Access::new(true, Limits { rate_per_second: 1.0, rate_burst: 2.0, ..Limits::default() });
        assert!(access.take_token("k").is_ok());
        assert!(access.take_token("k").is_ok());
        assert!(matches!(access.take_token("k"), Err(ApiError::TooManyRequests(_))));
        assert!(access.take_token("other").is_ok(), "limits are per key");
    }

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

    #[test]
    fn live_streams_are_counted_per_key_and_freed_on_drop() {
        let access = Arc::new(Access::new(true, Limits { sse_per_key: 1, ..Limits::default() }));
        let slot = access.open_stream("k").unwrap();
        assert!(access.open_stream("k").is_err());
        drop(slot);
        assert!(access.open_stream("k").is_ok());
    }
}
