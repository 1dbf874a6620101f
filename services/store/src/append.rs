//! Appending to the log: one transaction per batch, together with rejections and the
//! consumer's checkpoint, so that a batch is either wholly durable or not there at all.

use crate::{Pool, Store, StoreError};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// An accepted, validated event to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    pub source: String,
    pub event_type: String,
    /// The event's JSON, as received.
    pub body: String,
    /// The API key that submitted it, when one did.
    pub key_id: Option<String>,
}

impl NewEvent {
    /// The stored form of a valid `event` whose JSON text is `body` (as received, or as
    /// written by whoever built the event), submitted by `key_id` when a key did.
    pub fn from_event(event: &provisio_events::Event, body: String, key_id: Option<String>) -> Self {
        Self {
            id: event.id.to_string(),
            source: event.source.uri(),
            event_type: event.event_type().as_str().to_owned(),
            body,
            key_id,
        }
    }
}

/// A refused message, kept for operators.
#[derive(Debug, Clone)]
pub struct NewRejection {
    pub transport: &'static str,
    pub subject: Option<String>,
    pub stream_sequence: Option<u64>,
    pub event_id: Option<String>,
    /// The UKPRN or partnership id the message was published for.
    pub owner: Option<String>,
    /// The field errors, as a JSON array.
    pub errors: String,
    pub body: String,
}

/// How far a JetStream consumer has got, stored with the events it delivered.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub consumer: String,
    pub stream_sequence: u64,
}

#[derive(Debug, Clone, Default)]
pub struct AppendBatch {
    pub events: Vec<NewEvent>,
    pub rejections: Vec<NewRejection>,
    pub checkpoint: Option<Checkpoint>,
}

/// Where an event of a batch stands in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Appended {
    pub position: i64,
    /// The id was already in the log (or earlier in the same batch): nothing was written.
    pub duplicate: bool,
}

#[derive(Debug, Clone)]
pub struct AppendOutcome {
    /// One entry per event of the batch, in order.
    pub appended: Vec<Appended>,
    /// The highest position this batch wrote, if it wrote any.
    pub last_written: Option<i64>,
    /// The log's last position before this batch: appends are serialised, so the batch's
    /// events are exactly those after it, up to `last_written`.
    pub previous: i64,
}

/// Writes the batch's rejections in its transaction: the same SQL on both engines, expanded
/// once per transaction type.
macro_rules! write_rejections {
    ($tx:expr, $batch:expr, $recorded_at:expr) => {{
        for r in &$batch.rejections {
            sqlx::query(
                "insert into rejections (received_at, transport, subject, stream_sequence, event_id, owner, errors, body) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind($recorded_at)
            .bind(r.transport)
            .bind(r.subject.as_deref())
            .bind(r.stream_sequence.map(|s| s as i64))
            .bind(r.event_id.as_deref())
            .bind(r.owner.as_deref())
            .bind(r.errors.as_str())
            .bind(r.body.as_str())
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Opens an append's transaction and takes the log's append lock (an arbitrary constant,
/// 0x5052_4f56_4c4f_4721, among PostgreSQL advisory locks) in one round trip. Held until
/// commit: no other transaction can take a position in between, so a position is never
/// visible before a smaller one (the sequence-gap trap). The lock is taken by a statement of
/// its own, before the one that reads the log's end: a statement sees what was committed
/// when it started, and only a start after the lock sees every earlier append.
/// The same round trip queues the notice readers follow the log by (`AppendNotices`):
/// PostgreSQL delivers it at commit, and drops it if the transaction rolls back.
const BEGIN_APPEND: &str =
    "begin; select pg_advisory_xact_lock(5787775703190554401); select pg_notify('provisio_appended', '')";

/// The rest of an append on PostgreSQL, in one statement: the log's end before it, the
/// events whose id is new (a conflict means the id is stored already), and the consumer's
/// checkpoint when there is one. Every part sees the log as it was before the statement, so
/// `previous` does not count the events it inserts. One row per inserted event, or one row
/// with a null id when none was.
///
/// `recorded_at` never decreases along the log (CONTRACT section 10; `as_of=` resolves by a
/// binary search that needs it): when the clock has stepped back behind the last event's
/// instant, the batch takes that event's text instead of the clock's.
const APPEND: &str = concat!(
    "with previous as (select coalesce(max(position), 0) as last from events), \
    latest as (select recorded_at from events order by position desc limit 1), \
    stamp as ( \
        select case when (select recorded_at::timestamptz from latest) > $1::timestamptz \
                    then (select recorded_at from latest) else $1 end as at), \
    checkpoint as ( \
        insert into consumer_checkpoints (name, stream_sequence) select $7, $8 where $7::text is not null ",
    crate::checkpoint_forward!(),
    "), \
    inserted as ( \
        insert into events (id, source, type, recorded_at, key_id, body) \
        select id, source, type, (select at from stamp), key_id, body \
        from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
             with ordinality as t(id, source, type, key_id, body, ord) \
        order by ord \
        on conflict (id) do nothing \
        returning id, position) \
    select previous.last, inserted.id, inserted.position from previous left join inserted on true"
);

impl Store {
    /// Appends a batch in one transaction. Events whose id is already stored are not written
    /// again: they are answered with the original position and `duplicate: true`.
    #[tracing::instrument(skip_all, fields(events = batch.events.len(), rejections = batch.rejections.len()))]
    pub async fn append(&self, batch: &AppendBatch) -> Result<AppendOutcome, StoreError> {
        // The first occurrence of an id in the batch is the one that may be written.
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(batch.events.len());
        let fresh: Vec<&NewEvent> = batch
            .events
            .iter()
            .enumerate()
            .filter(|(i, e)| *first.entry(e.id.as_str()).or_insert(*i) == *i)
            .map(|(_, e)| e)
            .collect();
        let recorded_at = crate::now_rfc3339();

        let (previous, positions): (i64, HashMap<String, (i64, bool)>) = match &self.pool {
            Pool::Postgres(pool) => {
                let mut tx = pool.begin_with(BEGIN_APPEND).await?;
                let rows = sqlx::query(APPEND)
                    .bind(&recorded_at)
                    .bind(fresh.iter().map(|e| e.id.as_str()).collect::<Vec<_>>())
                    .bind(fresh.iter().map(|e| e.source.as_str()).collect::<Vec<_>>())
                    .bind(fresh.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>())
                    .bind(fresh.iter().map(|e| e.key_id.as_deref()).collect::<Vec<_>>())
                    .bind(fresh.iter().map(|e| e.body.as_str()).collect::<Vec<_>>())
                    .bind(batch.checkpoint.as_ref().map(|c| c.consumer.as_str()))
                    .bind(batch.checkpoint.as_ref().map(|c| c.stream_sequence as i64))
                    .fetch_all(&mut *tx)
                    .await?;
                let mut previous = 0;
                let mut positions: HashMap<String, (i64, bool)> = HashMap::with_capacity(fresh.len());
                for row in rows {
                    previous = row.try_get("last")?;
                    if let Some(id) = row.try_get::<Option<String>, _>("id")? {
                        positions.insert(id, (row.try_get("position")?, false));
                    }
                }
                let stored: Vec<&str> =
                    fresh.iter().map(|e| e.id.as_str()).filter(|id| !positions.contains_key(*id)).collect();
                if !stored.is_empty() {
                    for row in sqlx::query("select id, position from events where id = any($1)")
                        .bind(&stored)
                        .fetch_all(&mut *tx)
                        .await?
                    {
                        positions.insert(row.try_get("id")?, (row.try_get("position")?, true));
                    }
                }
                write_rejections!(tx, batch, &recorded_at);
                tx.commit().await?;
                (previous, positions)
            }
            Pool::Sqlite(pool) => {
                // Takes the write lock at once: a read first would make the later write an
                // upgrade, which SQLite refuses at once (SQLITE_BUSY) instead of waiting.
                let mut tx = pool.begin_with("begin immediate").await?;
                let previous: i64 = sqlx::query("select coalesce(max(position), 0) as last from events")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("last")?;
                // As on PostgreSQL: never behind the last event's instant (the clock may step back).
                let latest: Option<String> =
                    sqlx::query_scalar("select recorded_at from events order by position desc limit 1")
                        .fetch_optional(&mut *tx)
                        .await?;
                let recorded_at = crate::not_before(recorded_at.clone(), latest);
                let mut positions: HashMap<String, (i64, bool)> = HashMap::new();
                for e in &fresh {
                    let inserted = sqlx::query(
                        "insert into events (id, source, type, recorded_at, key_id, body) values ($1, $2, $3, $4, $5, $6) \
                         on conflict (id) do nothing returning position",
                    )
                    .bind(&e.id)
                    .bind(&e.source)
                    .bind(&e.event_type)
                    .bind(&recorded_at)
                    .bind(&e.key_id)
                    .bind(&e.body)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let entry = match inserted {
                        Some(row) => (row.try_get("position")?, false),
                        None => (
                            sqlx::query("select position from events where id = $1")
                                .bind(&e.id)
                                .fetch_one(&mut *tx)
                                .await?
                                .try_get("position")?,
                            true,
                        ),
                    };
                    positions.insert(e.id.clone(), entry);
                }
                write_rejections!(tx, batch, &recorded_at);
                if let Some(c) = &batch.checkpoint {
                    sqlx::query(crate::UPSERT_CHECKPOINT)
                        .bind(c.consumer.as_str())
                        .bind(c.stream_sequence as i64)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                (previous, positions)
            }
        };

        let appended: Vec<Appended> = batch
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (position, existed) = positions.get(&e.id).copied().unwrap_or((0, true));
                Appended { position, duplicate: existed || first.get(e.id.as_str()) != Some(&i) }
            })
            .collect();
        let last_written = appended.iter().filter(|a| !a.duplicate).map(|a| a.position).max();
        Ok(AppendOutcome { appended, last_written, previous })
    }
}

/// Events one append has just made durable, parsed, handed by the writer to followers (the
/// projector) so they need not read them back from the log and parse them again.
#[derive(Debug)]
pub struct CommittedEvents {
    /// The log's last position before them: a follower that has applied exactly this far may
    /// apply them directly; one that has not must read the log.
    pub previous: i64,
    /// Positions increasing; duplicates are left out (they wrote nothing).
    pub events: Vec<(i64, provisio_events::Event)>,
}

impl CommittedEvents {
    /// The last position these events reach.
    pub fn last(&self) -> i64 {
        self.events.last().map_or(self.previous, |(p, _)| *p)
    }
}
