//! The measurements of one run, in order: the dataset, the baselines (raw JetStream, raw
//! PostgreSQL), then the service's ingest, live latency, replay, queries and peak memory.

use crate::figures::Figures;
use crate::over_time::OverTime;
use crate::{Cli, cpu, data, finder, load, raw, servers, service, snapshots};
use std::time::Duration;

pub(crate) async fn measure(
    cli: &Cli,
    nats: &provisio_testkit::NatsServer,
    dbs: &mut servers::Databases,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let (nats_pid, nats) = (nats.pid(), nats.url.as_str());
    let mut f = Figures::default();
    let mut world = data::World::new(cli.partnerships, cli.providers);
    let events = world.dataset(cli.events);
    let mean_bytes = events.iter().map(|e| e.body.len()).sum::<usize>() as f64 / events.len().max(1) as f64;
    println!(
        "Dataset: {} events, {} partnerships, {} providers, {} live offers, {mean_bytes:.0} B per event on average",
        events.len(),
        cli.partnerships,
        cli.providers,
        world.live_offers
    );
    f.add("dataset.events", "dataset events", events.len() as f64, "events");
    f.add("dataset.event_bytes", "dataset mean event size", mean_bytes, "B");

    println!("1. Baselines");
    f.add(
        "baseline.jetstream_publish",
        "raw JetStream publish, pipelined acks",
        raw::jetstream_publish(nats, &events, cli.producers).await?,
        "events/s",
    );
    let raw_db = dbs.create("raw").await?;
    let (append, append_cpu) = raw::postgres_append(&raw_db, &events).await?;
    f.add("baseline.postgres_append", "raw PostgreSQL append (INSERT UNNEST, 1,000/tx)", append, "events/s");
    f.add("baseline.postgres_append_cpu_postgres", "  PostgreSQL CPU per event", append_cpu, "µs");
    servers::quiesce(&raw_db).await?;
    let commit = raw::postgres_commit_latency(&raw_db, &events, cli.rate, duration).await?;
    f.add("baseline.postgres_commit_p50", "raw PostgreSQL commit latency at the live rate p50", commit.p50, "ms");
    f.add("baseline.postgres_commit_p99", "raw PostgreSQL commit latency at the live rate p99", commit.p99, "ms");
    f.add("baseline.postgres_commit_p999", "raw PostgreSQL commit latency at the live rate p99.9", commit.p999, "ms");
    servers::quiesce(&raw_db).await?;
    let lat = raw::jetstream_latency(nats, &events, cli.rate, duration).await?;
    f.add("baseline.jetstream_latency_p50", "raw JetStream publish→consume p50", lat.p50, "ms");
    f.add("baseline.jetstream_latency_p99", "raw JetStream publish→consume p99", lat.p99, "ms");
    f.add("baseline.jetstream_latency_p999", "raw JetStream publish→consume p99.9", lat.p999, "ms");
    // An event reaches a dashboard only after JetStream delivered it and its commit returned.
    let floor = lat.then(&commit);
    f.add(
        "baseline.live_floor_p99",
        "raw JetStream latency then raw commit latency, p99 (the live floor)",
        floor.p99,
        "ms",
    );

    println!("2. End-to-end ingest");
    servers::quiesce(&raw_db).await?;
    let url = dbs.create("main").await?;
    let db = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&url).await?;
    let service = servers::Service::start(&url, Some(nats), None, None).await?;
    let before = cpu::Sample::take(service.pid(), nats_pid);
    let http = service.http(1)?;
    let (ingest, durable_only, publish_only) =
        service::ingest(nats, &db, &http, &service.base, &events, cli.producers).await?;
    let cpu = cpu::Sample::take(service.pid(), nats_pid).per_event_since(&before, events.len());
    f.add("ingest.events_per_s", "end-to-end ingest (durable in SQL and applied)", ingest, "events/s");
    f.add("ingest.durable_events_per_s", "  of which: durable in SQL alone", durable_only, "events/s");
    f.add("ingest.publish_events_per_s", "  of which: publishing alone", publish_only, "events/s");
    f.add(
        "ingest.ratio_to_postgres",
        "  ratio to raw PostgreSQL append",
        ingest / f.get("baseline.postgres_append"),
        "×",
    );
    f.add(
        "ingest.ratio_to_jetstream",
        "  ratio to raw JetStream publish",
        ingest / f.get("baseline.jetstream_publish"),
        "×",
    );
    f.add("ingest.cpu_service", "  service CPU per event", cpu.service, "µs");
    f.add("ingest.cpu_postgres", "  PostgreSQL CPU per event", cpu.postgres, "µs");
    f.add("ingest.postgres_cpu_ratio", "    ratio to the raw append's", cpu.postgres / append_cpu, "×");
    f.add("ingest.cpu_nats", "  NATS CPU per event", cpu.nats, "µs");
    f.add("ingest.cpu_producers", "  producers' (benchmark) CPU per event", cpu.bench, "µs");
    f.add("ingest.cpu_busy", "  cores kept busy by the four", cpu.busy * 100.0, "%");
    // What the other three need per event, as if the service cost no CPU at all.
    let others = append_cpu + cpu.nats + cpu.bench;
    f.add(
        "ingest.ceiling",
        "  ceiling: the cores ÷ CPU per event of raw PostgreSQL append, NATS and producers",
        cpu::cores() * 1e6 / others,
        "events/s",
    );
    f.add("ingest.ratio_to_ceiling", "  ingest / ingest ceiling", ingest / f.get("ingest.ceiling"), "×");

    println!("3. Live latency (publish → SSE)");
    servers::quiesce(&url).await?;
    let before = cpu::Sample::take(service.pid(), nats_pid);
    let (live, missing) = service::live(nats, &db, &http, &service.base, &mut world, cli.rate, duration).await?;
    let cpu = cpu::Sample::take(service.pid(), nats_pid).per_event_since(&before, live.count);
    if missing > 0 {
        println!("  warning: {missing} live events were not seen on the SSE stream");
    }
    f.add("live.p50", "publish→SSE p50", live.p50, "ms");
    f.add("live.p99", "publish→SSE p99", live.p99, "ms");
    f.add("live.p999", "publish→SSE p99.9", live.p999, "ms");
    f.add("live.max", "publish→SSE max", live.max, "ms");
    f.add("live.received", "publish→SSE events received", live.count as f64, "events");
    f.add(
        "live.ratio_p99",
        "  p99 ratio to raw JetStream p99",
        live.p99 / f.get("baseline.jetstream_latency_p99"),
        "×",
    );
    f.add(
        "live.ratio_p99_commit",
        "  p99 ratio to raw PostgreSQL commit p99",
        live.p99 / f.get("baseline.postgres_commit_p99"),
        "×",
    );
    f.add("live.ratio_to_floor", "  p99 ratio to the live floor", live.p99 / f.get("baseline.live_floor_p99"), "×");
    f.add("live.cpu_service", "  service CPU per event", cpu.service, "µs");
    f.add("live.cpu_busy", "  cores kept busy (service, PostgreSQL, NATS, benchmark)", cpu.busy * 100.0, "%");
    let (ingest_hwm, _) = service.memory();
    f.add("memory.ingest_peak_mib", "service peak RSS after ingest", ingest_hwm as f64 / 1_048_576.0, "MiB");
    service.stop();

    println!("4. Replay");
    let (stored, _) = service::log_size(&db).await?;
    let more = world.more_offers(cli.offers, cli.offers.saturating_sub(stored as usize));
    let load_rate = service::bulk_append(&url, &more).await?;
    println!(
        "  loaded {} more offers into the log at {load_rate:.0} events/s ({} live offers)",
        more.len(),
        world.live_offers
    );
    drop(more);
    servers::quiesce(&url).await?;
    f.add(
        "replay.read_per_s",
        "reading the log as rebuild does, nothing else",
        service::read_log(&url, false).await?,
        "events/s",
    );
    f.add(
        "replay.parse_per_s",
        "reading and parsing the log as rebuild does, nothing applied",
        service::read_log(&url, true).await?,
        "events/s",
    );
    let (replay, replayed, engine) = service::replay(&url).await?;
    f.add("replay.events", "replayed events", replayed as f64, "events");
    f.add("replay.events_per_s", "provisio rebuild", replay, "events/s");
    f.add("replay.ratio_to_ceiling", "  rebuild / replay ceiling", replay / f.get("replay.parse_per_s"), "×");
    // The finder over the replayed state, built in this process so that its memory is its own.
    let (build_s, rss, text, courses) = finder::build_index(&engine)?;
    drop(engine);
    println!("  course finder over {courses} public courses built in {build_s:.2} s");
    f.add("finder.build_s", "course finder built over the live state", build_s, "s");
    f.add("finder.bytes_per_offer", "  resident memory it added per public course", rss / courses as f64, "B");
    f.add("finder.text_bytes_per_offer", "    of which the word index (tantivy's count)", text / courses as f64, "B");

    println!("5. Restart: full replay, snapshot, start-up from the snapshot");
    service::load_sql_tables(&db, &world).await?;
    let (_, last) = service::log_size(&db).await?;
    let venues = finder::write_postcodes("venues", &world.venue_places(), 0)?;
    let restarted = snapshots::restart(&mut f, &url, last, cli.small, &venues).await;
    finder::remove(&venues);
    let (service, replay_hwm, idle_rss) = restarted?;
    // Near partnership 0's first venue, words of a subject every partnership offers. The
    // finder indexes in the background after a start: the queries wait for it, so that
    // none of them shares the cores with that build.
    let (near, _) = data::venue_place(0, 0, 0);
    let words = "engineering level 3";
    let searchable = finder::wait_for_index(&service, words, &near).await?;
    f.add("finder.searchable_after_s", "course finder searchable after /readyz", searchable, "s");
    // The rebuild wrote gigabytes of recorded changes: their writeback is not the queries'.
    servers::quiesce(&url).await?;
    println!("6. Queries ({} clients, {} live offers)", cli.clients, world.live_offers);
    let p = data::partnership_id(0);
    for (key, report) in [("gaps", "gaps"), ("duplications", "duplications")] {
        let load = load::http_load(
            service.http(cli.clients)?,
            format!("{}/v1/partnerships/{p}/{report}", service.base),
            cli.clients,
            duration,
        )
        .await?;
        f.add(&format!("query.{key}.per_s"), &format!("{report} report"), load.per_second, "requests/s");
        f.add(&format!("query.{key}.p50"), &format!("{report} report p50"), load.latency.p50, "ms");
        f.add(&format!("query.{key}.p99"), &format!("{report} report p99"), load.latency.p99, "ms");
        f.add(&format!("query.{key}.bytes"), &format!("{report} report size"), load.bytes as f64, "B");
    }
    finder::search_load(&mut f, &service, words, &near, cli.clients, duration).await?;
    let (sql, rows) = service::sql_load(&url, cli.clients, duration).await?;
    f.add("query.sql_gaps.per_s", "plain SQL GROUP BY gap report", sql.per_second, "requests/s");
    f.add("query.sql_gaps.p50", "plain SQL GROUP BY gap report p50", sql.latency.p50, "ms");
    f.add("query.sql_gaps.p99", "plain SQL GROUP BY gap report p99", sql.latency.p99, "ms");
    f.add("query.sql_gaps.rows", "plain SQL gap report rows", rows as f64, "rows");
    f.add(
        "query.gaps.ratio_to_sql",
        "  gap report throughput ratio to plain SQL",
        f.get("query.gaps.per_s") / f.get("query.sql_gaps.per_s"),
        "×",
    );
    // Past reports replay whole engines of their own: the live state's peak is taken before.
    let (query_hwm, _) = service.memory();
    println!("7. Reports over time ({} clients)", cli.clients);
    OverTime { service: &service, last, clients: cli.clients, duration, small: cli.small }
        .measure(&mut f, &world)
        .await?;
    let (over_time_hwm, _) = service.memory();
    f.add(
        "memory.over_time_peak_mib",
        "service peak RSS after the reports over time",
        over_time_hwm as f64 / 1_048_576.0,
        "MiB",
    );

    println!("8. Memory");
    // The larger of the two processes' peaks with the live state: the full replay's (with its
    // snapshot write) and the queries' before the reports over time.
    let hwm = query_hwm.max(replay_hwm);
    let offers = world.live_offers as f64;
    f.add("memory.live_offers", "live offers", offers, "offers");
    f.add("memory.peak_mib", "service peak RSS (VmHWM)", hwm as f64 / 1_048_576.0, "MiB");
    f.add("memory.idle_mib", "service RSS once started", idle_rss as f64 / 1_048_576.0, "MiB");
    f.add(
        "memory.peak_mib_per_million_offers",
        "peak RSS per million live offers",
        hwm as f64 / 1_048_576.0 / (offers / 1e6),
        "MiB",
    );
    f.add("memory.peak_bytes_per_offer", "peak RSS per live offer", hwm as f64 / offers, "B");
    service.stop();
    db.close().await;

    println!("9. Postcode directory");
    // The ONSPD's size, but a tenth of it in the CI configuration.
    let rows = if cli.small { finder::ONSPD_ROWS / 10 } else { finder::ONSPD_ROWS };
    let (load_s, rss, postcodes) = finder::load_directory(rows)?;
    f.add("postcodes.rows", "postcode directory rows (generated)", postcodes as f64, "postcodes");
    f.add("postcodes.load_s", "  loaded in", load_s, "s");
    f.add("postcodes.bytes_per_row", "  resident memory per postcode", rss / postcodes as f64, "B");
    Ok(f)
}
