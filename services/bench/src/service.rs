//! Measurements of the service itself: end-to-end ingest, publish → SSE latency, replay,
//! report queries (and the plain SQL report beside them).

use crate::data::{Ev, World, partnership_id};
use crate::load::{Load, run_load};
use crate::raw::{self, SendTimes};
use crate::stats::Latency;
use anyhow::{Context, bail};
use provisio_store::{AppendBatch, NewEvent, Store};
use sqlx::Row;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events stored and the highest position (straight from SQL).
pub(crate) async fn log_size(db: &sqlx::PgPool) -> anyhow::Result<(i64, i64)> {
    let row = sqlx::query("select count(*) as n, coalesce(max(position), 0) as last from events").fetch_one(db).await?;
    Ok((row.try_get("n")?, row.try_get("last")?))
}

/// The position the engine has applied, as a report says.
async fn applied(http: &reqwest::Client, base: &str) -> anyhow::Result<i64> {
    let r = http.get(format!("{base}/v1/partnerships/{}/targets", partnership_id(0))).send().await?;
    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await?)?;
    v["position"].as_i64().context("a report position")
}

/// Waits until `count` events are durable in SQL and applied by the engine; answers the
/// last position.
pub(crate) async fn wait_durable_and_applied(
    db: &sqlx::PgPool,
    http: &reqwest::Client,
    base: &str,
    count: i64,
    timeout: Duration,
) -> anyhow::Result<i64> {
    wait_durable_and_applied_timed(db, http, base, count, timeout).await.map(|(last, _)| last)
}

/// The same, also answering when the last event became durable.
async fn wait_durable_and_applied_timed(
    db: &sqlx::PgPool,
    http: &reqwest::Client,
    base: &str,
    count: i64,
    timeout: Duration,
) -> anyhow::Result<(i64, Instant)> {
    let deadline = Instant::now() + timeout;
    // Counted once; then only the highest position is polled (an index lookup), and the new
    // rows are counted only once there are positions enough to hold the rest. Counting
    // every few milliseconds loaded the PostgreSQL being measured: the planner, with the
    // statistics of a young table, scanned it whole each time.
    let (mut n, mut last) = log_size(db).await?;
    while n < count {
        if Instant::now() > deadline {
            bail!("only {n} of {count} events became durable in time");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let highest: i64 = sqlx::query("select coalesce(max(position), 0) as last from events")
            .fetch_one(db)
            .await?
            .try_get("last")?;
        if highest - last < count - n {
            continue;
        }
        let row = sqlx::query("select count(*) as n from events where position > $1 and position <= $2")
            .bind(last)
            .bind(highest)
            .fetch_one(db)
            .await?;
        n += row.try_get::<i64, _>("n")?;
        last = highest;
    }
    let durable = Instant::now();
    while applied(http, base).await? < last {
        if Instant::now() > deadline {
            bail!("the engine did not apply position {last} in time");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok((last, durable))
}

/// End-to-end ingest: producers publish the dataset to JetStream; timed until every event
/// is durable in SQL and applied by the engine. Answers events/s: (applied, durable only,
/// publishing only).
pub(crate) async fn ingest(
    nats: &str,
    db: &sqlx::PgPool,
    http: &reqwest::Client,
    base: &str,
    events: &[Ev],
    producers: usize,
) -> anyhow::Result<(f64, f64, f64)> {
    let (before, _) = log_size(db).await?;
    let started = Instant::now();
    let published = raw::publish_all(nats, events, producers, None).await?;
    let (_, durable) =
        wait_durable_and_applied_timed(db, http, base, before + events.len() as i64, Duration::from_secs(1_800))
            .await?;
    let took = started.elapsed();
    let n = events.len() as f64;
    Ok((n / took.as_secs_f64(), n / (durable - started).as_secs_f64(), n / published.as_secs_f64()))
}

/// Publish → SSE latency: a client follows partnership 0's live stream while events that
/// each change its gap report are published at `rate`. Event k lands at position base+1+k
/// (one publisher, one consumer, a fresh sequence), which is the SSE `id`.
pub(crate) async fn live(
    nats: &str,
    db: &sqlx::PgPool,
    http: &reqwest::Client,
    base_url: &str,
    world: &mut World,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<(Latency, usize)> {
    let setup = world.live_setup(1);
    let (before, _) = log_size(db).await?;
    raw::publish_all(nats, &setup, 1, None).await?;
    let base =
        wait_durable_and_applied(db, http, base_url, before + setup.len() as i64, Duration::from_secs(60)).await?;

    let n = ((rate * duration.as_secs_f64()) as usize).max(1);
    let events: Vec<Ev> = (0..n).map(|k| world.live_event(k as u64, 1)).collect();
    let times = SendTimes::new(n);
    let mut response = http.get(format!("{base_url}/v1/partnerships/{}/live", partnership_id(0))).send().await?;
    if response.status() != 200 {
        bail!("the live stream answered {}", response.status());
    }
    let reader_times = times.clone();
    let reader = tokio::spawn(async move {
        let mut ms = Vec::with_capacity(n);
        let mut seen = base;
        let mut pending = String::new();
        let deadline = tokio::time::Instant::now() + duration + Duration::from_secs(30);
        while seen < base + n as i64 {
            let Ok(chunk) = tokio::time::timeout_at(deadline, response.chunk()).await else { break };
            let Some(chunk) = chunk? else { break };
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = pending.find('\n') {
                let line: String = pending.drain(..=end).collect();
                if let Some(id) = line.strip_prefix("id:").and_then(|v| v.trim().parse::<i64>().ok())
                    && id > seen
                {
                    seen = id;
                    if let Some(l) = reader_times.since((id - base - 1) as usize) {
                        ms.push(l);
                    }
                }
            }
        }
        anyhow::Ok(ms)
    });
    // Let the stream subscribe before the first event.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let js = raw::connect(nats).await?;
    raw::paced_publish(js, rate, times, |k| {
        let e = &events[k];
        (e.subject.clone(), e.body.clone(), e.id.clone())
    })
    .await?;
    let ms = reader.await??;
    let received = ms.len();
    Ok((Latency::of(ms), n - received))
}

/// Appends events straight to the log with the service's own append (5,000 per transaction),
/// for the replay and query phases; answers events/s of the appends alone.
pub(crate) async fn bulk_append(url: &str, events: &[Ev]) -> anyhow::Result<f64> {
    let store = Store::connect(url).await?;
    let mut appending = Duration::ZERO;
    for chunk in events.chunks(5_000) {
        // Decoded as the service decodes what it receives, outside the time measured.
        let events = chunk
            .iter()
            .map(|e| {
                let c = provisio_ingest::decode(std::str::from_utf8(&e.body)?, None, &Default::default())
                    .map_err(|r| anyhow::anyhow!("generated event {} is invalid: {:?}", e.id, r.errors))?;
                Ok(NewEvent::from_event(&c.event, c.raw, None))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let started = Instant::now();
        store.append(&AppendBatch { events, ..Default::default() }).await?;
        appending += started.elapsed();
    }
    store.close().await;
    Ok(events.len() as f64 / appending.as_secs_f64().max(1e-9))
}

/// `provisio rebuild`: the read models forgotten and built again from the whole log; answers
/// (events/s, events, the engine built).
pub(crate) async fn replay(url: &str) -> anyhow::Result<(f64, i64, Arc<provisio_engine::Engine>)> {
    let store = Store::connect(url).await?;
    let total = store.last_position().await?;
    let projection = provisio_projector::Projection::new(store.clone());
    let started = Instant::now();
    let through = projection.rebuild(|_, _| {}).await?;
    let took = started.elapsed();
    store.close().await;
    if through != total {
        bail!("rebuild stopped at {through} of {total}");
    }
    Ok((total as f64 / took.as_secs_f64(), total, projection.snapshot().engine))
}

/// Reading the whole log as `rebuild` does, and with `parse` parsing it too, applying
/// nothing: events/s.
pub(crate) async fn read_log(url: &str, parse: bool) -> anyhow::Result<f64> {
    let store = Store::connect(url).await?;
    let started = Instant::now();
    let read = provisio_projector::read_whole_log(store.clone(), parse).await?;
    let took = started.elapsed();
    store.close().await;
    Ok(read as f64 / took.as_secs_f64())
}

/// The plain SQL comparison: offers and needs as ordinary tables in the same database.
pub(crate) async fn load_sql_tables(db: &sqlx::PgPool, world: &World) -> anyhow::Result<()> {
    sqlx::query(
        "create table bench_offers (partnership_id text not null, ukprn int not null, academic_year text not null, subject text not null, \
         level text not null, age_group text not null, mode text not null, places int not null)",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "create table bench_needs (partnership_id text not null, academic_year text not null, subject text not null, level text not null, \
         age_group text not null, learners int not null)",
    )
    .execute(db)
    .await?;
    let mut conn = db.acquire().await?;
    let mut copy = conn.copy_in_raw("copy bench_offers from stdin").await?;
    let mut buf = String::with_capacity(8 << 20);
    for o in world.live() {
        use std::fmt::Write;
        let _ = writeln!(
            buf,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            partnership_id(o.partnership),
            o.ukprn,
            o.year,
            o.subject,
            o.level,
            o.age,
            o.mode,
            o.places
        );
        if buf.len() > 4 << 20 {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
        }
    }
    copy.send(buf.into_bytes()).await?;
    copy.finish().await?;
    drop(conn);
    for n in &world.needs {
        sqlx::query("insert into bench_needs values ($1, $2, $3, $4, $5, $6)")
            .bind(partnership_id(n.partnership))
            .bind(n.year)
            .bind(n.subject)
            .bind(n.level)
            .bind(n.age)
            .bind(n.learners as i32)
            .execute(db)
            .await?;
    }
    sqlx::query("create index on bench_offers (partnership_id)").execute(db).await?;
    sqlx::query("create index on bench_needs (partnership_id)").execute(db).await?;
    sqlx::query("analyze bench_offers").execute(db).await?;
    sqlx::query("analyze bench_needs").execute(db).await?;
    Ok(())
}

/// The gap report as one plain SQL GROUP BY: demand against supply per cell, unmet first.
const SQL_GAPS: &str = "\
    with supply as (select academic_year, subject, level, age_group, sum(places) as supply from bench_offers \
                    where partnership_id = $1 group by academic_year, subject, level, age_group), \
         demand as (select academic_year, subject, level, age_group, sum(learners) as demand from bench_needs \
                    where partnership_id = $1 group by academic_year, subject, level, age_group) \
    select d.academic_year, d.subject, d.level, d.age_group, d.demand, coalesce(s.supply, 0) as supply, \
           d.demand - coalesce(s.supply, 0) as unmet \
    from demand d left join supply s using (academic_year, subject, level, age_group) \
    where d.demand > coalesce(s.supply, 0) \
    order by unmet desc, academic_year, subject, level, age_group";

/// The plain SQL gap report under the same load as the service's.
pub(crate) async fn sql_load(url: &str, clients: usize, duration: Duration) -> anyhow::Result<(Load, usize)> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(clients.clamp(1, 64) as u32).connect(url).await?;
    let partnership = Arc::new(partnership_id(0));
    let rows = sqlx::query(SQL_GAPS).bind(partnership.as_str()).fetch_all(&pool).await?.len();
    let load = run_load(clients, duration, {
        let pool = pool.clone();
        move |_| {
            let (pool, partnership) = (pool.clone(), partnership.clone());
            async move {
                sqlx::query(SQL_GAPS).bind(partnership.as_str()).fetch_all(&pool).await?;
                Ok(true)
            }
        }
    })
    .await?;
    pool.close().await;
    Ok((load, rows))
}
