//! The command line as a new user meets it: each subcommand's `--help` lists the flags that
//! subcommand uses, and the defaults it shows are the ones it acts on.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `provisio ARGS… --help`, with no `PROVISIO_*` variable of the test's environment in the way.
fn help(args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_provisio"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("PROVISIO_")) {
        command.env_remove(name);
    }
    let output = command.args(args).arg("--help").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Flags only a running service reads.
const SERVER_FLAGS: [&str; 11] = [
    "--listen",
    "--max-batch",
    "--insecure-no-auth",
    "--max-body-bytes",
    "--max-import-bytes",
    "--max-request-events",
    "--max-json-depth",
    "--request-timeout-secs",
    "--sse-per-key",
    "--rate-limit",
    "--rate-burst",
];

#[test]
fn only_the_commands_that_run_a_server_list_the_server_flags() {
    for command in [&["serve"][..], &["demo"]] {
        let text = help(command);
        for flag in SERVER_FLAGS {
            assert!(text.contains(flag), "{command:?} --help lacks {flag}:\n{text}");
        }
    }
    for command in [
        &["import"][..],
        &["rebuild"],
        &["keys"],
        &["keys", "create"],
        &["keys", "revoke"],
        &["nats-config"],
        &["report"],
        &["changes"],
    ] {
        let text = help(command);
        for flag in SERVER_FLAGS {
            assert!(!text.contains(flag), "{command:?} --help lists the server's {flag}:\n{text}");
        }
    }
    let import = help(&["import"]);
    for flag in ["--ukprn", "--dry-run", "--server", "--nats-url", "--database-url"] {
        assert!(import.contains(flag), "import --help lacks {flag}:\n{import}");
    }
    for command in [&["rebuild"][..], &["keys", "create"], &["keys", "list"], &["keys", "revoke"], &["nats-config"]] {
        let text = help(command);
        assert!(text.contains("--database-url"), "{command:?} --help lacks --database-url:\n{text}");
    }
    for command in [&["report"][..], &["changes"]] {
        let text = help(command);
        for flag in ["--partnership", "--server", "--key", "--json"] {
            assert!(text.contains(flag), "{command:?} --help lacks {flag}:\n{text}");
        }
        assert!(!text.contains("--database-url"), "{command:?} only asks a running service:\n{text}");
    }
    let demo = help(&["demo"]);
    assert!(!demo.contains("--nats-url") && !demo.contains("--consumer"), "the demo never uses NATS:\n{demo}");
}

#[test]
fn keys_revoke_describes_its_key_id() {
    let text = help(&["keys", "revoke"]);
    let line = text.lines().find(|l| l.trim_start().starts_with("<KEY_ID>")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.trim_start().len() > "<KEY_ID>".len() + 10, "KEY_ID has no description:\n{text}");
}

#[test]
fn the_demo_creates_the_store_its_help_names_as_the_default() {
    let text = help(&["demo"]);
    let shown = text
        .split("[default: ")
        .map(|rest| rest.split(']').next().unwrap())
        .find(|default| default.starts_with("sqlite://"))
        .unwrap_or_else(|| panic!("demo --help shows no default store:\n{text}"));
    let file = shown.strip_prefix("sqlite://").unwrap();

    // The demo in an empty directory, with no flag for its store: the file it makes must be that one.
    let dir = provisio_testkit::temp_dir();
    let mut demo = Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env_remove("PROVISIO_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = demo.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = BufReader::new(stdout).lines();
    let opened = loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("Open ") => break true,
            Some(Ok(_)) if Instant::now() < deadline => continue,
            _ => break false,
        }
    };
    demo.kill().ok();
    demo.wait().ok();
    assert!(opened, "the demo did not start");
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(dir.path().join(file).exists(), "demo --help names {shown}, the demo made {made:?}");
}
