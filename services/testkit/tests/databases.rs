//! A test's PostgreSQL database goes away with the test, even while something still holds a
//! connection to it (a service the test started and never stopped).

use provisio_testkit::{TestDatabase, every_backend, postgres_admin_url, postgres_database};
use sqlx::{Connection, Executor, PgConnection};

async fn exists(name: &str) -> bool {
    let mut admin = PgConnection::connect(&postgres_admin_url()).await.unwrap();
    let found: Option<(String,)> = sqlx::query_as("select datname::text from pg_database where datname = $1")
        .bind(name)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
    admin.close().await.ok();
    found.is_some()
}

fn name_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_test_database_is_dropped_with_its_value_even_while_connected() {
    let db = postgres_database().await;
    let name = name_of(&db.url);
    let mut held = PgConnection::connect(&db.url).await.unwrap();
    held.execute("create table t (x int)").await.unwrap();
    assert!(exists(&name).await, "{name} was created");

    drop(db);
    assert!(!exists(&name).await, "{name} is still on the server after its value was dropped");
    assert!(held.execute("select 1").await.is_err(), "the held connection was ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_backend_leaves_nothing_behind() {
    let databases = every_backend().await;
    let mut postgres = Vec::new();
    for db in &databases {
        if let TestDatabase::Postgres(pg) = db {
            postgres.push(name_of(&pg.url));
        }
    }
    let sqlite: Vec<_> =
        databases.iter().filter_map(|db| db.url().strip_prefix("sqlite://").map(std::path::PathBuf::from)).collect();
    assert_eq!((postgres.len(), sqlite.len()), (1, 1));
    std::fs::write(&sqlite[0], b"").unwrap();

    drop(databases);
    assert!(!exists(&postgres[0]).await, "{} is still on the server", postgres[0]);
    assert!(!sqlite[0].exists(), "{} is still on disk", sqlite[0].display());
}
