//! A JetStream cluster of private `nats-server`s on loopback: each node with its own client,
//! route and monitoring ports and store directory, routes to every node, killed on drop.
//! Tests kill a node (`SIGKILL`, as `kill -9`) to see the service ride through its death.

use crate::{free_port, nats_server_binary, temp_dir};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Each node's log, in its store directory.
const LOG_FILE: &str = "server.log";

/// One server of a [`NatsCluster`].
pub struct ClusterNode {
    /// The server's name, as JetStream names a stream's leader (`node-1`, …).
    pub name: String,
    /// Client URL of this node alone.
    pub url: String,
    monitor_port: u16,
    child: Option<Child>,
    store_dir: tempfile::TempDir,
}

/// Three (or more) `nats-server`s forming one JetStream cluster.
pub struct NatsCluster {
    nodes: Vec<ClusterNode>,
}

impl NatsCluster {
    /// Starts `size` nodes and waits until they have elected a JetStream meta leader, so a
    /// stream can be created as soon as this returns. A cluster that does not form in 20 s is
    /// started again on new ports, twice at most: a port found free may be taken (by another
    /// test's server or connection) before a node binds it. Each node logs to its store
    /// directory; a cluster that never forms panics with the end of every log.
    pub fn start(size: usize) -> Self {
        let mut logs = String::new();
        for _ in 0..3 {
            let cluster = Self::launch(size);
            if cluster.wait_for_meta_leader(Duration::from_secs(20)) {
                return cluster;
            }
            logs = cluster.log_tails();
            eprintln!(
                "the NATS cluster elected no JetStream meta leader in 20 s; starting it again on new ports\n{logs}"
            );
        }
        panic!("the NATS cluster elected no JetStream meta leader in three tries; the last one's logs:\n{logs}")
    }

    fn launch(size: usize) -> Self {
        let route_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let routes = route_ports.iter().map(|p| format!("nats://127.0.0.1:{p}")).collect::<Vec<_>>().join(",");
        let nodes = route_ports
            .iter()
            .enumerate()
            .map(|(i, route_port)| {
                let (port, monitor_port, store_dir) = (free_port(), free_port(), temp_dir());
                let child = Command::new(nats_server_binary())
                    .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-m", &monitor_port.to_string()])
                    .args(["-n", &format!("node-{}", i + 1), "-js", "-sd"])
                    .arg(store_dir.path())
                    .arg("-l")
                    .arg(store_dir.path().join(LOG_FILE))
                    .args(["--cluster_name", "provisio-test", "--cluster", &format!("nats://127.0.0.1:{route_port}")])
                    .args(["--routes", &routes])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("nats-server is installed (PROVISIO_NATS_SERVER or on PATH)");
                ClusterNode {
                    name: format!("node-{}", i + 1),
                    url: format!("nats://127.0.0.1:{port}"),
                    monitor_port,
                    child: Some(child),
                    store_dir,
                }
            })
            .collect();
        Self { nodes }
    }

    /// Every node's client URL, separated by commas, as `--nats-url` takes them.
    pub fn url(&self) -> String {
        self.nodes.iter().map(|n| n.url.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn nodes(&self) -> &[ClusterNode] {
        &self.nodes
    }

    /// Kills the node called `name` with `SIGKILL`: no goodbye to its peers or clients.
    pub fn kill(&mut self, name: &str) {
        let node = self.nodes.iter_mut().find(|n| n.name == name).expect("a node of this cluster");
        if let Some(mut child) = node.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Waits until the meta leader sees every other node as current: before that, a stream of
    /// as many replicas as nodes may be refused for want of peers. False if it does not within
    /// `limit`.
    fn wait_for_meta_leader(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let formed = self.nodes.iter().any(|n| {
                monitoring(n.monitor_port, "/jsz").is_some_and(|jsz| {
                    let jsz: String = jsz.split_whitespace().collect();
                    jsz.contains("\"replicas\":[") && jsz.matches("\"current\":true").count() == self.nodes.len() - 1
                })
            });
            if formed {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// The last lines of every node's log, each headed by the node's name.
    fn log_tails(&self) -> String {
        let mut tails = String::new();
        for node in &self.nodes {
            let log = std::fs::read_to_string(node.store_dir.path().join(LOG_FILE)).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            tails += &format!("--- {}\n{}\n", node.name, lines[lines.len().saturating_sub(15)..].join("\n"));
        }
        tails
    }
}

/// The body of a GET on a node's monitoring port, or `None` while it does not answer.
fn monitoring(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                child.kill().ok();
                child.wait().ok();
            }
        }
    }
}
