//! A TCP proxy a test can cut and restore, to take a server away from the service under test
//! without stopping the server (PostgreSQL is shared by every test).

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards `127.0.0.1:port` to a target. Cut, it refuses new connections (nothing listens)
/// and drops the open ones, as a server that went away would; restored, it forwards again.
pub struct TcpProxy {
    pub port: u16,
    target: SocketAddr,
    up: Arc<watch::Sender<bool>>,
}

impl TcpProxy {
    /// Starts forwarding a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let target = tokio::net::lookup_host(target).await.ok().and_then(|mut a| a.next()).expect("a target address");
        let port = crate::free_port();
        let proxy = Self { port, target, up: Arc::new(watch::channel(true).0) };
        proxy.listen().await;
        proxy
    }

    /// A proxy in front of the tests' PostgreSQL server (`PROVISIO_TEST_POSTGRES_URL`, which
    /// CI may point at a private cluster on another port).
    pub async fn before_postgres() -> Self {
        let admin = crate::postgres_admin_url();
        let rest = admin.split_once("://").map_or(admin.as_str(), |(_, r)| r);
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let host_port = rest.split('/').next().unwrap_or(rest);
        let target = if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
        Self::start(&target).await
    }

    /// The PostgreSQL URL `url` with its host and port replaced by the proxy's.
    pub fn postgres_url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (userinfo, rest) = rest.rsplit_once('@').map_or(("", rest), |(u, r)| (u, r));
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        let at = if userinfo.is_empty() { "" } else { "@" };
        format!("{scheme}://{userinfo}{at}127.0.0.1:{}{path}", self.port)
    }

    /// Refuses new connections and drops the open ones.
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    /// Forwards again, on the same port.
    pub async fn restore(&self) {
        self.up.send_replace(true);
        self.listen().await;
    }

    async fn listen(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("the proxy's port is free");
        let (up, target) = (self.up.clone(), self.target);
        tokio::spawn(async move {
            let mut down = up.subscribe();
            loop {
                let client = tokio::select! {
                    _ = down.wait_for(|up| !*up) => return,
                    accepted = listener.accept() => match accepted {
                        Ok((client, _)) => client,
                        Err(_) => continue,
                    },
                };
                tokio::spawn(forward(client, target, up.subscribe()));
            }
        });
    }
}

async fn forward(mut client: TcpStream, target: SocketAddr, mut down: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(target).await else { return };
    tokio::select! {
        _ = down.wait_for(|up| !*up) => {}
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
