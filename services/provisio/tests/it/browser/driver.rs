//! Chromium under chromedriver for the dashboard tests: a fresh profile per run, a session per
//! test, and the page helpers (waiting on a script, full-page screenshots).

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// What Chromium needs to run headless as root on a server and fetch nothing of its own; the
/// profile directory is added fresh for each run.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// A directory removed when dropped.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let path = std::env::temp_dir().join(format!("provisio-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// chromedriver on a free port of its own, stopped when dropped.
pub(super) struct Driver {
    child: Child,
    url: String,
    dir: TempDir,
}

impl Driver {
    pub(super) async fn start() -> Driver {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the dashboard's browser test needs Debian's {package} (apt-get install -y chromium chromium-driver; scripts/test.sh installs it)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = TempDir::new("chrome");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", dir.0.join("chromedriver.log").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}"), dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = reqwest::Client::new();
        while !client.get(format!("{}/status", driver.url)).send().await.is_ok_and(|r| r.status() == 200) {
            assert!(Instant::now() < deadline, "chromedriver did not answer on {}", driver.url);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    /// A headless Chromium session with a fresh profile.
    pub(super) async fn browser(&self) -> Client {
        self.session(true).await
    }

    /// A session whose profile blocks the pages' JavaScript (as a visitor who turned it off);
    /// the driver's own scripts still run.
    pub(super) async fn browser_without_javascript(&self) -> Client {
        self.session(false).await
    }

    async fn session(&self, javascript: bool) -> Client {
        let profile = self.dir.0.join("profile");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let prefs = json!({"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }});
        let capabilities =
            json!({"browserName": "chrome", "goog:chromeOptions": {"binary": CHROMIUM, "args": args, "prefs": prefs}});
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| {
                let log = std::fs::read_to_string(self.dir.0.join("chromedriver.log")).unwrap_or_default();
                panic!("Chromium did not start through chromedriver: {e}\n{}", &log[log.len().saturating_sub(4000)..])
            })
    }
}

impl Drop for Driver {
    /// Also on a failed test, which never closes its session: then chromedriver's Chromium
    /// would outlive it, so the processes running on this driver's own profile are ended too.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let profile = format!("--user-data-dir={}", self.dir.0.join("profile").display());
        let Ok(processes) = std::fs::read_dir("/proc") else { return };
        for process in processes.flatten() {
            let pid = process.file_name().to_string_lossy().into_owned();
            if !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let cmdline = std::fs::read(process.path().join("cmdline")).unwrap_or_default();
            if cmdline.split(|b| *b == 0).any(|arg| arg == profile.as_bytes()) {
                let _ = Command::new("kill").arg("-9").arg(&pid).stderr(Stdio::null()).status();
            }
        }
    }
}

/// Runs `script` in the page until it returns something other than `null` or `false`.
pub(super) async fn wait_for(browser: &Client, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let value = browser.execute(script, vec![]).await.unwrap();
        if !matches!(value, Value::Null | Value::Bool(false)) {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(super) fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-screenshots")
}

/// Makes the window as tall as the page (capped) so the screenshot shows all of it.
pub(super) async fn screenshot(browser: &Client, width: u32, name: &str) -> PathBuf {
    let mut height = 900;
    for _ in 0..3 {
        browser.set_window_size(width, height).await.unwrap();
        let missing = browser
            .execute("return document.documentElement.scrollHeight - window.innerHeight", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap_or(0);
        if missing <= 0 || height >= 7_000 {
            break;
        }
        height = (height + missing as u32).min(7_000);
    }
    browser.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = browser.screenshot().await.unwrap();
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, png).unwrap();
    path
}
