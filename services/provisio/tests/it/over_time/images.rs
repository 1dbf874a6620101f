//! Engine images (ADR 0009) through the binary and HTTP, on both databases: a read of the past
//! served from an image plus the log after it equals one served by a full replay; a start-up
//! loads the newest image, ignores one of another format or engine version, and a kill -9 in
//! the middle of writing an image leaves the previous one to start from.

use super::{Events, post_random_log, reports};
use crate::helpers::*;
use provisio_projector::ImageSettings;
use provisio_store::Store;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Images every few events, all kept, so reads of the past have several to start from.
fn often() -> ImageSettings {
    ImageSettings { every_events: 4, keep: 100, ..ImageSettings::default() }
}

/// Waits until the store holds at least `n` images; answers their positions, newest first.
async fn images(store: &Store, n: usize) -> Vec<i64> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let positions = store.engine_image_positions(i64::MAX).await.unwrap();
        if positions.len() >= n || Instant::now() > deadline {
            return positions;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_past_report_from_an_image_and_the_tail_equals_one_from_a_full_replay() {
    for db in BOTH {
        let (url, database) = database(db).await;
        let mut config = config(url.clone(), None, provisio_api::Limits::default());
        config.images = often();
        let app = spawn_app_from(config.clone(), None).await;
        let seed = fastrand::u64(..);
        let captured = post_random_log(&app, seed).await;
        let written = images(&app.store, 3).await;
        assert!(written.len() >= 3, "{db:?}: images were written: {written:?}");
        let oldest = *written.last().unwrap() as u64;
        // Positions at or above an image: served from it (no past engine is kept yet) and a tail.
        let positions: Vec<u64> = captured.keys().copied().filter(|&n| n >= oldest).collect();
        let asked: Vec<u64> = (0..8).map(|_| positions[fastrand::usize(..positions.len())]).collect();
        let mut from_images = Vec::new();
        for &n in &asked {
            let past = reports(&app, &format!("as_of_position={n}")).await;
            assert_eq!(past, captured[&n], "as of {n} from an image, seed {seed}, {db:?}");
            from_images.push(past);
        }
        app.stop().await;

        // `rebuild` drops the images; a service that writes none then replays the whole log.
        let store = Store::connect(&url).await.unwrap();
        provisio_projector::Projection::new(store.clone()).rebuild(|_, _| {}).await.unwrap();
        assert_eq!(store.engine_image_positions(i64::MAX).await.unwrap(), Vec::<i64>::new(), "rebuild drops images");
        config.images = ImageSettings { every_events: 0, every: Duration::ZERO, ..ImageSettings::default() };
        let app = spawn_app_from(config, database).await;
        for (n, from_image) in asked.iter().zip(&from_images) {
            let replayed = reports(&app, &format!("as_of_position={n}")).await;
            assert_eq!(&replayed, from_image, "as of {n}: image and tail against a full replay, {db:?}");
        }
        app.stop().await;
    }
}

/// The real binary on a free port, logging at info into `log` (read by the test).
struct Binary {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Drop for Binary {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Binary {
    async fn start(url: &str, dir: &std::path::Path, name: &str, env: &[(&str, &str)]) -> Binary {
        let port = provisio_testkit::free_port();
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_provisio"))
            .arg("serve")
            .env("PROVISIO_LISTEN", format!("127.0.0.1:{port}"))
            .env("PROVISIO_DATABASE_URL", url)
            .env("PROVISIO_INSECURE_NO_AUTH", "true")
            .env_remove("PROVISIO_NATS_URL")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .envs(env.iter().copied())
            .spawn()
            .expect("start provisio");
        let b = Binary { child, base: format!("http://127.0.0.1:{port}"), log };
        b.wait_for(|| async { b.get("/readyz").await.0 == 200 }, "ready").await;
        b
    }

    async fn wait_for<F: std::future::Future<Output = bool>>(&self, ok: impl Fn() -> F, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ok().await {
            assert!(Instant::now() < deadline, "never {what}; log:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn get(&self, path: &str) -> (u16, String) {
        match reqwest::get(format!("{}{path}", self.base)).await {
            Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(_) => (0, String::new()),
        }
    }

    /// A figure of `/metrics`.
    async fn metric(&self, name: &str) -> f64 {
        let (_, text) = self.get("/metrics").await;
        let line = text.lines().find(|l| l.split_whitespace().next() == Some(name));
        line.and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
    }

    async fn post(&self, events: &[Value]) -> u64 {
        let r = reqwest::Client::new().post(format!("{}/v1/events", self.base)).json(events).send().await.unwrap();
        let answer: Value = r.json().await.unwrap();
        assert_eq!(answer["rejected"], json!([]), "{answer}");
        answer["accepted"].as_array().unwrap().iter().filter_map(|a| a["position"].as_u64()).max().unwrap()
    }

    /// The four reports at `min_position`, as JSON.
    async fn reports(&self, min_position: u64) -> Vec<Value> {
        let mut out = Vec::new();
        for path in ["gaps", "duplications", "coverage?academic_year=2026/27", "targets"] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let (status, body) =
                self.get(&format!("/v1/partnerships/hull/{path}{sep}min_position={min_position}")).await;
            assert_eq!(status, 200, "{body}");
            out.push(serde_json::from_str(&body).unwrap());
        }
        out
    }
}

/// A random log of the over-time tests: the registration and venues first, then anything.
fn random_log(events: &mut Events, n: usize) -> Vec<Value> {
    let mut log = vec![events.registration()];
    log.extend(super::UKPRNS.map(|u| events.venue(u, true)));
    log.extend((0..n).map(|_| events.next()));
    log
}

const NO_IMAGES: [(&str, &str); 2] =
    [("PROVISIO_SNAPSHOT_EVERY_EVENTS", "0"), ("PROVISIO_SNAPSHOT_EVERY_MINUTES", "0")];

/// Rewrites every stored image with `patch`.
async fn patch_images(url: &str, patch: impl Fn(usize, &mut Vec<u8>)) {
    let sql_read = "select position, image from engine_images order by position";
    let sql_write = "update engine_images set image = $1 where position = $2";
    macro_rules! patch_on {
        ($pool:expr) => {{
            let pool = $pool;
            let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(sql_read).fetch_all(&pool).await.unwrap();
            for (i, (position, mut image)) in rows.into_iter().enumerate() {
                patch(i, &mut image);
                sqlx::query(sql_write).bind(image).bind(position).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }};
    }
    if url.starts_with("postgres") {
        patch_on!(sqlx::PgPool::connect(url).await.unwrap());
    } else {
        patch_on!(sqlx::SqlitePool::connect(url).await.unwrap());
    }
}

#[tokio::test]
async fn a_start_loads_the_newest_image_and_ignores_one_of_another_version() {
    for db in BOTH {
        let (url, _database) = database(db).await;
        let dir = provisio_testkit::temp_dir();
        let writer = Binary::start(&url, dir.path(), "writer", &[("PROVISIO_SNAPSHOT_EVERY_EVENTS", "10")]).await;
        let mut events = Events { rng: fastrand::Rng::with_seed(fastrand::u64(..)), next_id: 0 };
        let mut last = 0;
        for chunk in random_log(&mut events, 60).chunks(7) {
            last = writer.post(chunk).await;
        }
        let live = writer.reports(last).await;
        writer.wait_for(|| async { writer.metric("provisio_snapshot_position").await >= 50.0 }, "imaged").await;
        drop(writer); // kill -9
        let kept = Store::connect(&url).await.unwrap().engine_image_positions(i64::MAX).await.unwrap();
        assert!(kept.len() >= 2, "{db:?}: images of both kinds to ignore: {kept:?}");

        let loaded = Binary::start(&url, dir.path(), "loaded", &NO_IMAGES).await;
        assert_eq!(loaded.reports(last).await, live, "{db:?}: from the newest image and the tail");
        let position = loaded.metric("provisio_snapshot_position").await;
        assert!(position >= 50.0 && loaded.metric("provisio_snapshot_load_seconds").await > 0.0, "{db:?}");
        assert!(loaded.log_text().contains("Engine image loaded."), "{}", loaded.log_text());
        drop(loaded);

        // Every other image of another format version, the rest of another engine version.
        patch_images(&url, |i, image| image[if i % 2 == 0 { 4 } else { 6 }] ^= 0x40).await;
        let replayed = Binary::start(&url, dir.path(), "replayed", &NO_IMAGES).await;
        assert_eq!(replayed.reports(last).await, live, "{db:?}: from a full replay");
        assert_eq!(replayed.metric("provisio_snapshot_position").await, 0.0, "{db:?}: no image loaded");
        let log = replayed.log_text();
        assert!(log.contains("Engine image ignored") && log.contains("engine version"), "{log}");
        assert!(log.contains("image format version"), "{log}");
    }
}

#[tokio::test]
async fn a_kill_9_while_an_image_is_written_leaves_the_previous_one_usable() {
    for db in BOTH {
        let (url, _database) = database(db).await;
        let dir = provisio_testkit::temp_dir();
        let store = Store::connect(&url).await.unwrap();
        let mut events = Events { rng: fastrand::Rng::with_seed(fastrand::u64(..)), next_id: 0 };
        let log = random_log(&mut events, 60);
        let first = Binary::start(&url, dir.path(), "first", &[("PROVISIO_SNAPSHOT_EVERY_EVENTS", "20")]).await;
        first.post(&log[..30]).await;
        let kept = images(&store, 1).await;
        assert_eq!(kept.len(), 1, "{db:?}: one image");
        drop(first);

        // Every write now stays open for a minute: killed in the middle of one.
        let env = [("PROVISIO_SNAPSHOT_EVERY_EVENTS", "20"), ("PROVISIO_TEST_SNAPSHOT_HOLD_MS", "60000")];
        let second = Binary::start(&url, dir.path(), "second", &env).await;
        let last = second.post(&log[30..]).await;
        let live = second.reports(last).await;
        let holding = || async { second.log_text().contains("Holding an engine image write open") };
        second.wait_for(holding, "writing an image").await;
        drop(second); // kill -9 with the image half written

        assert_eq!(store.engine_image_positions(i64::MAX).await.unwrap(), kept, "{db:?}: only the previous image");
        let third = Binary::start(&url, dir.path(), "third", &NO_IMAGES).await;
        assert_eq!(third.metric("provisio_snapshot_position").await, kept[0] as f64, "{db:?}: loaded the previous");
        assert_eq!(third.reports(last).await, live, "{db:?}: the previous image and the tail");
        drop(third);
        store.close().await;
    }
}
