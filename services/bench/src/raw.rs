//! Baselines: what the servers do without Provisio, on the same payloads and rows.

use crate::data::Ev;
use crate::stats::Latency;
use async_nats::jetstream::{self, consumer, message::PublishMessage, stream};
use futures_util::StreamExt;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Acknowledgements each producer keeps in flight.
pub(crate) const WINDOW: usize = 1_024;

pub(crate) async fn connect(url: &str) -> anyhow::Result<jetstream::Context> {
    Ok(jetstream::new(provisio_ingest::connect_nats(url, "provisio-bench").await?))
}

async fn fresh_stream(js: &jetstream::Context, name: &str, subjects: &str) -> anyhow::Result<stream::Stream> {
    let _ = js.delete_stream(name).await;
    Ok(js
        .create_stream(stream::Config {
            name: name.into(),
            subjects: vec![subjects.into()],
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await?)
}

/// Publishes every event with `producers` connections (an owner's events all on one, in
/// order), each keeping `WINDOW` acknowledgements in flight; answers when all are acked.
pub(crate) async fn publish_all(
    url: &str,
    events: &[Ev],
    producers: usize,
    prefix: Option<&str>,
) -> anyhow::Result<Duration> {
    let producers = producers.max(1);
    let mut parts: Vec<Vec<Ev>> = vec![Vec::new(); producers];
    for e in events {
        parts[e.owner % producers].push(e.clone());
    }
    let mut contexts = Vec::new();
    for _ in 0..producers {
        contexts.push(connect(url).await?);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (part, js) in parts.into_iter().zip(contexts) {
        let prefix = prefix.map(str::to_owned);
        tasks.push(tokio::spawn(async move {
            let mut in_flight = VecDeque::with_capacity(WINDOW);
            for e in part {
                let subject = match &prefix {
                    Some(p) => format!("{p}.{}", e.subject),
                    None => e.subject.clone(),
                };
                in_flight.push_back(
                    js.send_publish(subject, PublishMessage::build().payload(e.body.clone()).message_id(e.id.as_str()))
                        .await?,
                );
                if in_flight.len() >= WINDOW
                    && let Some(ack) = in_flight.pop_front()
                {
                    ack.await?;
                }
            }
            for ack in in_flight {
                ack.await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(started.elapsed())
}

/// Raw JetStream publish with pipelined acks, into a stream of its own.
pub(crate) async fn jetstream_publish(url: &str, events: &[Ev], producers: usize) -> anyhow::Result<f64> {
    let js = connect(url).await?;
    fresh_stream(&js, "BENCH_RAW", "bench.raw.>").await?;
    let took = publish_all(url, events, producers, Some("bench.raw")).await?;
    js.delete_stream("BENCH_RAW").await?;
    Ok(events.len() as f64 / took.as_secs_f64())
}

/// Raw PostgreSQL append of the same rows into the same `events` table (same indexes),
/// `INSERT … SELECT FROM UNNEST` 1,000 rows per transaction, synchronous commit, one
/// connection. Answers events/s and PostgreSQL's CPU microseconds per event.
pub(crate) async fn postgres_append(url: &str, events: &[Ev]) -> anyhow::Result<(f64, f64)> {
    provisio_store::Store::connect(url).await?.close().await; // the service's schema
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await?;
    let cpu_before = crate::cpu::postgres_seconds();
    let started = Instant::now();
    for chunk in events.chunks(1_000) {
        let mut tx = pool.begin().await?;
        insert_rows(&mut tx, &chunk.iter().map(|e| (e.id.as_str(), e)).collect::<Vec<_>>()).await?;
        tx.commit().await?;
    }
    let took = started.elapsed();
    let cpu = (crate::cpu::postgres_seconds() - cpu_before).max(0.0) * 1e6 / events.len().max(1) as f64;
    pool.close().await;
    Ok((events.len() as f64 / took.as_secs_f64(), cpu))
}

/// Writes (id, event) rows into the service's `events` table as the baselines do: one
/// `INSERT … SELECT FROM UNNEST`, no advisory lock, no duplicate check, no checkpoint.
async fn insert_rows(conn: &mut sqlx::PgConnection, rows: &[(&str, &Ev)]) -> sqlx::Result<()> {
    sqlx::query(
        "insert into events (id, source, type, recorded_at, key_id, body) \
         select id, source, type, $1, null, body from unnest($2::text[], $3::text[], $4::text[], $5::text[]) \
         with ordinality as t(id, source, type, body, ord) order by ord",
    )
    .bind("2026-11-22T00:00:00Z")
    .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, e)| e.source.as_str()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, e)| e.event_type).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, e)| std::str::from_utf8(&e.body).unwrap_or_default()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// Raw PostgreSQL commit latency at `rate`: one connection commits, in one synchronous
/// transaction each time, every row that has come due since its last commit, as the service's
/// writer commits whatever has arrived. Latency is from a row's due time to its commit: the
/// least that "acknowledged only once durable" adds to any live figure on this disk.
pub(crate) async fn postgres_commit_latency(
    url: &str,
    events: &[Ev],
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Latency> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await?;
    let n = ((rate * duration.as_secs_f64()) as usize).max(1);
    let start = Instant::now();
    let due = |k: usize| start + Duration::from_secs_f64(k as f64 / rate);
    let mut ms = Vec::with_capacity(n);
    let mut next = 0;
    while next < n {
        let now = Instant::now();
        if due(next) > now {
            tokio::time::sleep_until(due(next).into()).await;
            continue;
        }
        // Every row due by now: k / rate <= elapsed.
        let end = ((now.duration_since(start).as_secs_f64() * rate) as usize + 1).clamp(next + 1, n);
        let ids: Vec<String> = (next..end).map(|k| format!("commit-{k}")).collect();
        let rows: Vec<(&str, &Ev)> =
            ids.iter().zip(next..end).map(|(id, k)| (id.as_str(), &events[k % events.len()])).collect();
        let mut tx = pool.begin().await?;
        insert_rows(&mut tx, &rows).await?;
        tx.commit().await?;
        let committed = Instant::now();
        ms.extend((next..end).map(|k| committed.duration_since(due(k)).as_secs_f64() * 1e3));
        next = end;
    }
    pool.close().await;
    Ok(Latency::of(ms))
}

/// Send times of paced messages, as nanoseconds since `t0` (0: not sent).
pub(crate) struct SendTimes {
    pub(crate) t0: Instant,
    slots: Vec<AtomicU64>,
}

impl SendTimes {
    pub(crate) fn new(n: usize) -> Arc<Self> {
        Arc::new(Self { t0: Instant::now(), slots: (0..n).map(|_| AtomicU64::new(0)).collect() })
    }
    pub(crate) fn mark(&self, k: usize) {
        self.slots[k].store(self.t0.elapsed().as_nanos() as u64 + 1, Ordering::Relaxed);
    }
    /// Milliseconds since message `k` was sent.
    pub(crate) fn since(&self, k: usize) -> Option<f64> {
        let sent = self.slots.get(k)?.load(Ordering::Relaxed);
        (sent != 0).then(|| (self.t0.elapsed().as_nanos() as u64 + 1).saturating_sub(sent) as f64 / 1e6)
    }
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
}

/// Publishes `n` messages at `rate`/s (paced against the clock, not by sleeping per message);
/// `make(k)` gives subject, payload, message id. Acks are awaited by a separate task.
pub(crate) async fn paced_publish(
    js: jetstream::Context,
    rate: f64,
    times: Arc<SendTimes>,
    mut make: impl FnMut(usize) -> (String, bytes::Bytes, String),
) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<jetstream::context::PublishAckFuture>(65_536);
    let drain = tokio::spawn(async move {
        while let Some(ack) = rx.recv().await {
            ack.await?;
        }
        anyhow::Ok(())
    });
    let start = tokio::time::Instant::now();
    for k in 0..times.len() {
        let due = start + Duration::from_secs_f64(k as f64 / rate);
        tokio::time::sleep_until(due).await;
        let (subject, payload, id) = make(k);
        times.mark(k);
        let msg = PublishMessage::build()
            .payload(payload)
            .message_id(id.as_str())
            .header("Bench-Seq", k.to_string().as_str());
        let ack = js.send_publish(subject, msg).await?;
        tx.send(ack).await?;
    }
    drop(tx);
    drain.await??;
    Ok(())
}

/// Raw JetStream publish → consume latency at `rate` for `duration`: a durable pull
/// consumer acknowledging each message, on a stream of its own.
pub(crate) async fn jetstream_latency(
    url: &str,
    events: &[Ev],
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Latency> {
    let js = connect(url).await?;
    let stream = fresh_stream(&js, "BENCH_LAT", "bench.lat.>").await?;
    let consumer: consumer::PullConsumer = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some("lat".into()),
            ack_policy: consumer::AckPolicy::Explicit,
            max_ack_pending: 20_000,
            ..Default::default()
        })
        .await?;
    let n = ((rate * duration.as_secs_f64()) as usize).max(1);
    let times = SendTimes::new(n);
    let mut messages = consumer.messages().await?;
    let reader_times = times.clone();
    let reader = tokio::spawn(async move {
        let mut ms = Vec::with_capacity(n);
        let deadline = tokio::time::Instant::now() + duration + Duration::from_secs(15);
        while ms.len() < n {
            let next = tokio::time::timeout_at(deadline, messages.next()).await;
            let Ok(Some(msg)) = next else { break };
            let msg = msg.map_err(|e| anyhow::anyhow!("{e}"))?;
            let k =
                msg.headers.as_ref().and_then(|h| h.get("Bench-Seq")).and_then(|v| v.as_str().parse::<usize>().ok());
            if let Some(l) = k.and_then(|k| reader_times.since(k)) {
                ms.push(l);
            }
            msg.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        anyhow::Ok(ms)
    });
    let publisher = connect(url).await?;
    paced_publish(publisher, rate, times, |k| {
        let e = &events[k % events.len()];
        (format!("bench.lat.{}", e.subject), e.body.clone(), format!("lat-{k}"))
    })
    .await?;
    let ms = reader.await??;
    js.delete_stream("BENCH_LAT").await?;
    Ok(Latency::of(ms))
}
