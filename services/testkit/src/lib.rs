//! Test support shared by the workspace's integration tests: a fresh PostgreSQL database per
//! test, a SQLite file per test, and a private `nats-server` with JetStream per test, so tests
//! run in parallel without seeing each other's data; a JetStream cluster of three of them for
//! the tests of a node's death. Real servers, never mocks.

mod nats_cluster;
mod proxy;

pub use nats_cluster::{ClusterNode, NatsCluster};
pub use proxy::TcpProxy;

use sqlx::{Connection, Executor};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The server tests create their databases on (`PROVISIO_TEST_POSTGRES_URL`).
pub fn postgres_admin_url() -> String {
    std::env::var("PROVISIO_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A PostgreSQL database made for one test, dropped when the value is dropped (also when the
/// test fails). `scripts/test.sh` drops any left by a process that was killed.
pub struct PostgresDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

/// Creates an empty database named `provisio_t_…` on [`postgres_admin_url`].
pub async fn postgres_database() -> PostgresDatabase {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin_url = postgres_admin_url();
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let name = format!("provisio_t_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL for tests is reachable (PROVISIO_TEST_POSTGRES_URL)");
    conn.execute(sqlx::AssertSqlSafe(format!("create database {name}"))).await.expect("create test database");
    conn.close().await.ok();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
    PostgresDatabase { url: format!("{base}/{name}"), name, admin_url }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Dropped inside a test's runtime, which may be this very thread's: the statement runs
        // on a thread with a runtime of its own. `with (force)` ends the connections a test's
        // service still holds.
        let dropped = std::thread::spawn(move || -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
                conn.execute(sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"))).await?;
                conn.close().await?;
                Ok(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop the test database {}: {error}", self.name),
            Err(_) => eprintln!("could not drop the test database {}: the dropping thread panicked", self.name),
        }
    }
}

/// A database of either engine made for one test, removed when dropped.
pub enum TestDatabase {
    Postgres(PostgresDatabase),
    Sqlite(SqliteFile),
}

impl TestDatabase {
    pub fn url(&self) -> &str {
        match self {
            Self::Postgres(db) => &db.url,
            Self::Sqlite(file) => &file.url,
        }
    }
}

/// A fresh directory, removed with everything in it when the value is dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Makes a test database refuse new connections and ends the open ones (`false`), which is
/// how a PostgreSQL outage looks to a service using it, or lets connections in again (`true`).
pub async fn set_postgres_reachable(database_url: &str, reachable: bool) {
    let name = database_url.rsplit('/').next().expect("a database URL names its database");
    let mut conn = sqlx::PgConnection::connect(&postgres_admin_url()).await.expect("PostgreSQL for tests is reachable");
    let alter = format!("alter database {name} with allow_connections {reachable}");
    conn.execute(sqlx::AssertSqlSafe(alter)).await.expect("alter the test database");
    if !reachable {
        sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1")
            .bind(name)
            .execute(&mut conn)
            .await
            .expect("end the test database's connections");
    }
    conn.close().await.ok();
}

/// Runs `sql` (one or more statements, as a test's own) on a test database, behind the
/// service's back: to break or mend something the service depends on.
pub async fn postgres_execute(database_url: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(database_url).await.expect("the test database is reachable");
    conn.execute(sqlx::AssertSqlSafe(sql.to_owned())).await.expect("the test's SQL runs");
    conn.close().await.ok();
}

/// A SQLite database file in a directory removed when the value is dropped.
pub struct SqliteFile {
    _dir: tempfile::TempDir,
    pub url: String,
    pub path: PathBuf,
}

pub fn sqlite_file() -> SqliteFile {
    let dir = temp_dir();
    let path = dir.path().join("provisio.db");
    SqliteFile { url: format!("sqlite://{}", path.display()), path, _dir: dir }
}

/// Both engines the store runs on, each fresh, for tests that must pass on both.
pub async fn every_backend() -> Vec<TestDatabase> {
    vec![TestDatabase::Postgres(postgres_database().await), TestDatabase::Sqlite(sqlite_file())]
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A private `nats-server` with JetStream and its own store directory, killed on drop.
pub struct NatsServer {
    child: Child,
    pub port: u16,
    pub url: String,
    store_dir: tempfile::TempDir,
}

fn nats_server_binary() -> String {
    std::env::var("PROVISIO_NATS_SERVER").unwrap_or_else(|_| {
        ["/usr/sbin/nats-server", "/usr/local/bin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("nats-server")
            .to_owned()
    })
}

fn spawn_nats(port: u16, store_dir: &tempfile::TempDir, extra: &[&str]) -> Child {
    Command::new(nats_server_binary())
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(store_dir.path())
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server is installed (PROVISIO_NATS_SERVER or on PATH)")
}

impl NatsServer {
    pub fn start() -> Self {
        Self::start_with_args(&[])
    }

    /// Starts a server with extra arguments (a config file, say).
    pub fn start_with_args(extra: &[&str]) -> Self {
        let store_dir = temp_dir();
        let port = free_port();
        let child = spawn_nats(port, &store_dir, extra);
        let server = Self { child, port, url: format!("nats://127.0.0.1:{port}"), store_dir };
        server.wait_listening();
        server
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server and starts it again on the same port and store directory.
    pub fn restart(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        self.child = spawn_nats(self.port, &self.store_dir, &[]);
        self.wait_listening();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
