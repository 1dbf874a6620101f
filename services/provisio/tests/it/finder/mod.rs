//! The public course finder and learners' interest (CONTRACT section 11), over HTTP and NATS
//! on PostgreSQL and SQLite.

mod courses;
mod interest;
mod page;

use crate::helpers::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A postcode extract with known positions: two in Sunderland (E08000024), one in Newcastle
/// (E08000021), one placed in no district.
pub(crate) const POSTCODES: &str = "pcds,lat,long,oslaua\n\
    SR1 3AD,54.9046,-1.3875,E08000024\n\
    SR2 7EE,54.8920,-1.3760,E08000024\n\
    NE1 8ST,54.9783,-1.6178,E08000021\n\
    ZZ9 9ZZ,55.0000,-1.5000,\n";

/// The application with `POSTCODES` loaded and an interest allowance of `per_hour`.
pub(crate) async fn spawn_finder(db: Db, nats_url: Option<&str>, per_hour: u32) -> (TestApp, impl Drop) {
    let dir = provisio_testkit::temp_dir();
    let path: PathBuf = dir.path().join("postcodes.csv");
    std::fs::write(&path, POSTCODES).unwrap();
    let (database_url, database) = database(db).await;
    let mut config = config(database_url, nats_url, provisio_api::Limits::default());
    config.public.postcodes = Some(path);
    config.public.interest_rate_limit = per_hour;
    let app = spawn_app_from(config, database).await;
    app.wait_ready().await;
    (app, dir)
}

/// A partnership registration event.
pub(crate) fn partnership(id: &str, areas: &[&str]) -> Value {
    json!({"specversion": "1.0", "id": format!("reg-{id}-{}", areas.join("-")), "source": format!("urn:lp:{id}"),
           "type": "lp.partnership.registered.v1", "time": "2001-10-15T09:00:00Z",
           "data": {"partnership_id": id, "name": format!("{id} partnership"), "areas": areas,
                    "iag": {"name": "Next Steps", "phone": "0191 000 0000"}}})
}

/// Posts events and expects every one accepted; answers the last position.
pub(crate) async fn accept(app: &TestApp, events: Value) -> i64 {
    let (status, body) = app.post_events(&events).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["rejected"], json!([]), "{body}");
    body["accepted"].as_array().unwrap().iter().map(|a| a["position"].as_i64().unwrap()).max().unwrap()
}

/// A request without any key, as the public sends it.
pub(crate) fn anonymous() -> reqwest::Client {
    reqwest::Client::new()
}

/// Searches (no key) until `check` holds, at most 2 s: the finder follows within a second.
pub(crate) async fn search_until(app: &TestApp, query: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let r = anonymous().get(format!("{}/v1/public/courses?{query}", app.base)).send().await.unwrap();
        // 503 while the finder's first build after the start runs: a client asks again.
        let body = if r.status() == 503 {
            Value::Null
        } else {
            assert_eq!(r.status(), 200, "{query}");
            let body: Value = r.json().await.unwrap();
            if check(&body) {
                return body;
            }
            body
        };
        assert!(Instant::now() < deadline, "{query}: the finder did not show it in time: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
