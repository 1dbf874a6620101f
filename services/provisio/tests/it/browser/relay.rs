//! The TCP relay between the browser and the service, which can drop every connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// A TCP relay in front of the service: `cut()` closes every connection and refuses new
/// ones until `restore()`; every request head that went through is kept.
pub(super) struct Relay {
    pub(super) origin: String,
    down: Arc<AtomicBool>,
    connections: Arc<Mutex<CancellationToken>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Relay {
    pub(super) async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            origin: format!("http://{}", listener.local_addr().unwrap()),
            down: Arc::default(),
            connections: Arc::new(Mutex::new(CancellationToken::new())),
            requests: Arc::default(),
        };
        let (down, connections, requests) = (relay.down.clone(), relay.connections.clone(), relay.requests.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if down.load(Ordering::SeqCst) {
                    continue; // dropped: the browser sees the connection close
                }
                let cancel = connections.lock().unwrap().clone();
                tokio::spawn(relay_connection(client, target, cancel, requests.clone()));
            }
        });
        relay
    }

    pub(super) fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        let mut token = self.connections.lock().unwrap();
        token.cancel();
        *token = CancellationToken::new();
    }

    pub(super) fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    pub(super) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

pub(super) async fn relay_connection(
    mut client: TcpStream,
    target: SocketAddr,
    cancel: CancellationToken,
    requests: Arc<Mutex<Vec<String>>>,
) {
    let Ok(mut server) = TcpStream::connect(target).await else { return };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream = async {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = client_read.read(&mut buffer).await?;
            if n == 0 {
                return server_write.shutdown().await;
            }
            let text = String::from_utf8_lossy(&buffer[..n]);
            if let Some(head) = text.split("\r\n\r\n").next().filter(|h| h.contains(" HTTP/1.1")) {
                requests.lock().unwrap().push(head.to_owned());
            }
            server_write.write_all(&buffer[..n]).await?;
        }
    };
    let downstream = tokio::io::copy(&mut server_read, &mut client_write);
    tokio::select! {
        _ = cancel.cancelled() => {}
        _ = async { tokio::join!(upstream, downstream) } => {}
    }
}
