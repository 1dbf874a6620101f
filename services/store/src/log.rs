//! Reading the log, the checkpoints and the rejections.

use crate::{Store, StoreError, on_pool};
use sqlx::Row;
use std::collections::HashMap;

/// A page of the log: events after `after`, optionally of one source and one type.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub after: i64,
    pub limit: i64,
    pub source: Option<String>,
    pub event_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub position: i64,
    pub recorded_at: String,
    pub key_id: Option<String>,
    /// The event's JSON as received.
    pub body: String,
}

impl StoredEvent {
    /// The event as the projection reads it (`validate_stored`: a malformed v2 field is read
    /// as absent), or `None` when it no longer validates (the log only holds validated events,
    /// so that means a changed contract). Whoever replays the log (as-of reads, history, a
    /// reader following it) reads it through this, so a past state equals what the
    /// projection had then.
    pub fn parse(&self) -> Option<provisio_events::Event> {
        serde_json::from_str(&self.body).ok().and_then(|v| provisio_events::validate_stored(&v).ok())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRejection {
    pub seq: i64,
    pub received_at: String,
    pub transport: String,
    pub subject: Option<String>,
    pub event_id: Option<String>,
    pub owner: Option<String>,
    pub errors: String,
}

impl Store {
    /// Events in position order, after `q.after`, at most `q.limit`.
    #[tracing::instrument(skip(self))]
    pub async fn read_log(&self, q: &LogQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = on_pool!(self, pool => sqlx::query(
            "select position, recorded_at, key_id, body from events \
             where position > $1 and ($2 is null or source = $2) and ($3 is null or type = $3) \
             order by position limit $4",
        )
        .bind(q.after)
        .bind(q.source.as_deref())
        .bind(q.event_type.as_deref())
        .bind(q.limit)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| Ok(StoredEvent {
            position: r.try_get("position")?,
            recorded_at: r.try_get("recorded_at")?,
            key_id: r.try_get("key_id")?,
            body: r.try_get("body")?,
        }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?);
        Ok(rows)
    }

    /// The highest position in the log, 0 when it is empty.
    pub async fn last_position(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => sqlx::query("select coalesce(max(position), 0) as p from events")
            .fetch_one(pool)
            .await?
            .try_get("p")?))
    }

    /// The positions of those of `ids` that are in the log.
    pub async fn positions_of(&self, ids: &[String]) -> Result<HashMap<String, i64>, StoreError> {
        let mut found = HashMap::new();
        // One id at a time keeps the SQL portable; this serves the rare duplicate answer.
        for id in ids {
            let position: Option<i64> = on_pool!(self, pool => sqlx::query("select position from events where id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get("position"))
                .transpose()?);
            if let Some(p) = position {
                found.insert(id.clone(), p);
            }
        }
        Ok(found)
    }

    /// The stream sequence a consumer has stored up to, 0 when it has none.
    pub async fn checkpoint(&self, consumer: &str) -> Result<u64, StoreError> {
        let sequence: Option<i64> = on_pool!(self, pool => sqlx::query("select stream_sequence from consumer_checkpoints where name = $1")
            .bind(consumer)
            .fetch_optional(pool)
            .await?
            .map(|r| r.try_get("stream_sequence"))
            .transpose()?);
        Ok(sequence.unwrap_or(0).max(0) as u64)
    }

    /// Stored rejections, oldest first, optionally of one owner (UKPRN or partnership id).
    pub async fn rejections(
        &self,
        owner: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredRejection>, StoreError> {
        let rows = on_pool!(self, pool => sqlx::query(
            "select seq, received_at, transport, subject, event_id, owner, errors from rejections \
             where seq > $1 and ($2 is null or owner = $2) order by seq limit $3",
        )
        .bind(after)
        .bind(owner)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| Ok(StoredRejection {
            seq: r.try_get("seq")?,
            received_at: r.try_get("received_at")?,
            transport: r.try_get("transport")?,
            subject: r.try_get("subject")?,
            event_id: r.try_get("event_id")?,
            owner: r.try_get("owner")?,
            errors: r.try_get("errors")?,
        }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?);
        Ok(rows)
    }
}
