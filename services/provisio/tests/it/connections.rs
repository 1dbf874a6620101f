//! Slowloris: more idle connections than the cap. `/healthz` and a keyed report answer within
//! a second throughout, and the server closes the idle connections itself. The memory is
//! measured on the real binary in its own process (in-process, the test's own sockets and
//! buffers would be counted with the server's).

use crate::crash::start_with;
use crate::helpers::*;
use provisio_testkit::TestDatabase;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CAP: usize = 64;
const IDLE_CONNECTIONS: usize = 200;
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// Opens a connection and sends the start of a request head, never its end.
async fn slowloris(addr: &str) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.ok()?;
    Some(stream)
}

/// True once the server has closed the connection (end of stream or reset).
async fn closed_by_server(mut stream: TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A timed-out head may be answered (408) before the close.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn idle_connections_past_the_cap_neither_lock_out_clients_nor_stay_open() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let mut config = config(database.url.clone(), Some(&nats.url), Default::default());
    config.connections = provisio::serve::ConnectionLimits {
        max_connections: CAP,
        header_read_timeout: HEADER_READ_TIMEOUT,
        ..Default::default()
    };
    let app = spawn_app_from(config, Some(TestDatabase::Postgres(database))).await;
    let viewer = create_key(&app.store, "viewer", Some("sunderland")).await;
    let published: Vec<Value> = client_types().enumerate().map(|(i, t)| event(t, &format!("e-{i}"))).collect();
    let (status, answer) = app.post_events(&json!(published)).await;
    assert_eq!(status, 202, "{answer}");
    let last = answer["accepted"].as_array().unwrap().iter().filter_map(|a| a["position"].as_i64()).max().unwrap();
    // A fresh connection per request: each must get in past the idle ones.
    let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let report_path = format!("/v1/partnerships/sunderland/gaps?min_position={last}");
    let report: Value = fresh
        .get(format!("{}{report_path}", app.base))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let addr = app.base.trim_start_matches("http://").to_owned();
    let attack = tokio::spawn(async move {
        let mut opened = Vec::new();
        for _ in 0..IDLE_CONNECTIONS {
            opened.extend(slowloris(&addr).await);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        opened
    });
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        let health = fresh.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let reading = fresh.get(format!("{}{report_path}", app.base)).bearer_auth(&viewer).send().await.unwrap();
        assert_eq!(reading.status(), 200);
        assert_eq!(reading.json::<Value>().await.unwrap(), report);
        assert!(t.elapsed() < Duration::from_secs(1), "two requests took {:?} under the attack", t.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let opened = attack.await.unwrap();
    assert!(opened.len() > CAP, "the attack opened {} connections", opened.len());
    // Every idle connection is closed by the server: evicted at the cap, or timed out.
    let closes = opened.into_iter().map(|s| closed_by_server(s, HEADER_READ_TIMEOUT * 3));
    let closed = futures_util::future::join_all(closes).await;
    assert!(closed.iter().all(|c| *c), "{} idle connections stayed open", closed.iter().filter(|c| !**c).count());
    // So is a kept-alive connection that was answered and sends no next request: clients must
    // keep idle connections for less than the header read timeout (README).
    let mut kept = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answered = Instant::now();
    assert!(closed_by_server(kept, HEADER_READ_TIMEOUT * 3).await, "an idle kept-alive connection stayed open");
    assert!(answered.elapsed() >= HEADER_READ_TIMEOUT / 2, "closed after {:?}, not kept alive", answered.elapsed());

    let log = app.log().await;
    let ids: Vec<&Value> = log.iter().map(|e| &e["event"]["id"]).collect();
    assert_eq!(ids, published.iter().map(|e| &e["id"]).collect::<Vec<_>>(), "the log holds what was published");
    app.stop().await;
}

/// The resident memory of process `pid`, in bytes.
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's /proc status");
    let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).expect("a VmRSS line");
    kb.trim().trim_end_matches("kB").trim().parse::<u64>().expect("VmRSS in kB") * 1024
}

#[tokio::test]
async fn the_memory_idle_connections_took_is_given_back_once_the_server_closed_them() {
    const SLOWLORIS_CONNECTIONS: usize = 300;
    const MARGIN: u64 = 30 * 1024 * 1024;
    let database = provisio_testkit::sqlite_file();
    let (cap, timeout) = (CAP.to_string(), HEADER_READ_TIMEOUT.as_secs().to_string());
    let service = start_with(
        &database.url,
        None,
        &[("PROVISIO_MAX_CONNECTIONS", &cap), ("PROVISIO_HEADER_READ_TIMEOUT_SECS", &timeout)],
    );
    let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    crate::crash::wait_ready(&fresh, &service.base).await;
    let healthy_within_a_second = async || {
        let started = Instant::now();
        let health = fresh.get(format!("{}/healthz", service.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(1), "/healthz took {:?}", started.elapsed());
    };
    // Warm up the allocator and the paths a request takes before the baseline.
    for _ in 0..20 {
        healthy_within_a_second().await;
    }
    let pid = service.child.id();
    let before = resident_bytes(pid);

    let addr = service.base.trim_start_matches("http://").to_owned();
    let mut opened = Vec::new();
    for i in 0..SLOWLORIS_CONNECTIONS {
        opened.extend(slowloris(&addr).await);
        if i % 20 == 0 {
            healthy_within_a_second().await;
        }
    }
    assert!(opened.len() > CAP, "the attack opened {} connections", opened.len());
    let during = resident_bytes(pid);
    healthy_within_a_second().await;
    let closes = opened.into_iter().map(|s| closed_by_server(s, HEADER_READ_TIMEOUT * 3));
    let closed = futures_util::future::join_all(closes).await;
    assert!(closed.iter().all(|c| *c), "{} idle connections stayed open", closed.iter().filter(|c| !**c).count());
    healthy_within_a_second().await;

    let after = resident_bytes(pid);
    let mb = |b: u64| b / (1024 * 1024);
    eprintln!("resident memory: before {} MB, during {} MB, after {} MB", mb(before), mb(during), mb(after));
    assert!(
        after <= before + MARGIN,
        "the server kept {} MB after the idle connections were closed ({} MB before, {} MB during)",
        mb(after),
        mb(before),
        mb(during)
    );
}
