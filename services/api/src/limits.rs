//! How much a caller may send and use: the configured limits of the HTTP surface (an event's
//! own limits are ingestion's, shared with NATS), per-key rate limits (a token bucket per key)
//! and per-key live stream counts. Who the caller is comes from `auth`.

use crate::problem::ApiError;
use provisio_ingest::EventLimits;
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
    /// What one event may be; the JetStream consumer applies the same.
    pub events: EventLimits,
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
            events: EventLimits::default(),
            request_timeout: Duration::from_secs(30),
            sse_per_key: 8,
            rate_per_second: 200.0,
            rate_burst: 400.0,
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Open live streams by key id; shared with the slots, which give theirs back on drop.
type StreamCounts = Arc<Mutex<HashMap<String, usize>>>;

/// What each key has used of its limits: the tokens left in its rate bucket and its open live
/// streams. The limits themselves are passed in, so they are configured in one place.
#[derive(Default)]
pub(crate) struct KeyUsage {
    buckets: Mutex<HashMap<String, Bucket>>,
    streams: StreamCounts,
}

impl KeyUsage {
    /// Takes one token from the key's bucket, or says how long to wait.
    pub(crate) fn take_token(&self, limits: &Limits, key_id: &str) -> Result<(), ApiError> {
        let rate = limits.rate_per_second;
        if rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if !buckets.contains_key(key_id) {
            buckets.insert(key_id.to_owned(), Bucket { tokens: limits.rate_burst, at: now });
        }
        let bucket = buckets.get_mut(key_id).expect("inserted above");
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(limits.rate_burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::TooManyRequests(format!("key {key_id} is over its limit of {rate} requests per second")))
        }
    }

    /// Reserves one live stream for the key; the slot is freed when the guard drops.
    pub(crate) fn open_stream(&self, limits: &Limits, key_id: &str) -> Result<StreamSlot, ApiError> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let open = streams.entry(key_id.to_owned()).or_default();
        if *open >= limits.sse_per_key {
            return Err(ApiError::TooManyRequests(format!(
                "key {key_id} already has {open} live streams open (the limit)"
            )));
        }
        *open += 1;
        Ok(StreamSlot { streams: self.streams.clone(), key_id: key_id.to_owned() })
    }
}

/// One open live stream of a key.
pub(crate) struct StreamSlot {
    streams: StreamCounts,
    key_id: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = streams.get_mut(&self.key_id) {
            *open = open.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_rate_is_told_to_wait() {
        let limits = Limits { rate_per_second: 1.0, rate_burst: 2.0, ..Limits::default() };
        let usage = KeyUsage::default();
        assert!(usage.take_token(&limits, "k").is_ok());
        assert!(usage.take_token(&limits, "k").is_ok());
        assert!(matches!(usage.take_token(&limits, "k"), Err(ApiError::TooManyRequests(_))));
        assert!(usage.take_token(&limits, "other").is_ok(), "limits are per key");
    }

    #[test]
    fn live_streams_are_counted_per_key_and_freed_on_drop() {
        let limits = Limits { sse_per_key: 1, ..Limits::default() };
        let usage = KeyUsage::default();
        let slot = usage.open_stream(&limits, "k").unwrap();
        assert!(usage.open_stream(&limits, "k").is_err());
        drop(slot);
        assert!(usage.open_stream(&limits, "k").is_ok());
    }
}
