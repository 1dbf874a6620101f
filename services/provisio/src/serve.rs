//! The HTTP server loop. `axum::serve` set no header read timeout and no cap: clients that
//! opened connections and sent nothing held them for ever, until the process ran out of
//! descriptors and took no one (issue 20). Here each connection is served by hyper with a
//! header read timeout and an idle timeout, and at most `max_connections` are open; at the cap
//! a new connection takes the place of the oldest one that has no request in hand, so idle
//! connections cannot lock out `/healthz` or keyed clients (nginx drains idle keep-alive
//! connections the same way when it runs out).

use axum::Router;
use axum::body::Body;
use hyper::body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How connections are bounded; see `cli::LimitArgs` for the flags.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Most connections open at once; below the process's descriptor limit.
    pub max_connections: usize,
    /// Longest wait for a request's head, counted from when the connection waits for one.
    pub header_read_timeout: Duration,
    /// Longest a connection may move no byte either way (a live stream sends a keep-alive
    /// every 15 s, so it is not cut while it is sending).
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// How often the same warning (cap reached, descriptors exhausted) is logged at most.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// How long accepting pauses when the process has no descriptor left and no idle connection to
/// close, instead of spinning.
const NO_DESCRIPTOR_PAUSE: Duration = Duration::from_millis(100);

/// How long accepting pauses after closing an idle connection for a descriptor: enough for its
/// task to drop the socket.
const EVICTION_PAUSE: Duration = Duration::from_millis(1);

/// Serves `router` on `listener` until `shutdown`, then lets open requests finish.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let open = Arc::new(OpenConnections::default());
    let connections = TaskTracker::new();
    let (mut cap_warning, mut descriptor_warning) = (Throttled::default(), Throttled::default());
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // EMFILE / ENFILE (24 / 23 on Linux): make room rather than fail every client.
                let exhausted = matches!(error.raw_os_error(), Some(23 | 24));
                descriptor_warning.warn(|times| {
                    let message = if exhausted {
                        "No file descriptor left to accept a connection; closing idle ones."
                    } else {
                        "Failed to accept a connection."
                    };
                    tracing::warn!(message, %error, times);
                });
                let pause = if open.evict_oldest_idle() { EVICTION_PAUSE } else { NO_DESCRIPTOR_PAUSE };
                tokio::time::sleep(pause).await;
                continue;
            }
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                cap_warning.warn(|times| {
                    tracing::warn!(
                        message = "Connection cap reached; closing the oldest idle connection for each new one.",
                        max_connections = limits.max_connections,
                        times
                    );
                });
                open.evict_oldest_idle();
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                }
            }
        };
        let connection = open.add();
        let (router, open, limits, shutdown) = (router.clone(), open.clone(), limits.clone(), shutdown.clone());
        connections.spawn(async move {
            serve_connection(stream, router, &connection, &limits, shutdown).await;
            open.remove(connection.id);
            drop(slot);
        });
    }
    connections.close();
    connections.wait().await;
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    connection: &Arc<Connection>,
    limits: &ConnectionLimits,
    shutdown: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    // The client address, for the per-address allowance of the open endpoints (section 11).
    let peer = stream.peer_addr().ok().map(axum::extract::ConnectInfo);
    let io = TokioIo::new(Watched { stream, connection: connection.clone() });
    let for_requests = connection.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        if let Some(peer) = peer {
            request.extensions_mut().insert(peer);
        }
        let in_hand = RequestInHand::new(&for_requests);
        let response = router.clone().oneshot(request);
        async move { Ok::<_, Infallible>(response.await?.map(|body| Tracked { body, _in_hand: in_hand })) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let served = builder.serve_connection(io, service);
    tokio::pin!(served);
    let mut draining = false;
    loop {
        let idle_deadline = connection.last_moved() + limits.idle_timeout;
        tokio::select! {
            _ = served.as_mut() => return,
            _ = connection.evicted.cancelled() => return,
            _ = shutdown.cancelled(), if !draining => {
                served.as_mut().graceful_shutdown();
                draining = true;
            }
            _ = tokio::time::sleep_until(idle_deadline.into()) => {
                if connection.last_moved() + limits.idle_timeout <= Instant::now() {
                    return;
                }
            }
        }
    }
}

/// One open connection, as the accept loop sees it.
struct Connection {
    id: u64,
    opened: Instant,
    /// Milliseconds from `opened` to when a byte last moved either way.
    moved_ms: AtomicU64,
    /// Requests whose response is not yet fully sent.
    requests: AtomicUsize,
    /// Cancelled to close the connection to make room.
    evicted: CancellationToken,
}

impl Connection {
    fn last_moved(&self) -> Instant {
        self.opened + Duration::from_millis(self.moved_ms.load(Ordering::Relaxed))
    }

    fn moved(&self) {
        self.moved_ms.store(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct OpenConnections {
    next_id: AtomicU64,
    by_id: Mutex<HashMap<u64, Arc<Connection>>>,
}

impl OpenConnections {
    fn add(&self) -> Arc<Connection> {
        let connection = Arc::new(Connection {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            opened: Instant::now(),
            moved_ms: AtomicU64::new(0),
            requests: AtomicUsize::new(0),
            evicted: CancellationToken::new(),
        });
        self.lock().insert(connection.id, connection.clone());
        connection
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the connection opened longest ago among those with no request in hand (waiting
    /// for a request's head, or idle between requests); a request being served is never cut.
    /// False when every connection has a request in hand.
    fn evict_oldest_idle(&self) -> bool {
        let open = self.lock();
        let oldest = open
            .values()
            .filter(|c| c.requests.load(Ordering::Relaxed) == 0 && !c.evicted.is_cancelled())
            .min_by_key(|c| c.opened);
        oldest.inspect(|connection| connection.evicted.cancel()).is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        self.by_id.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Counts a request as in hand from its head until its response body is sent or dropped.
struct RequestInHand(Arc<Connection>);

impl RequestInHand {
    fn new(connection: &Arc<Connection>) -> Self {
        connection.requests.fetch_add(1, Ordering::Relaxed);
        Self(connection.clone())
    }
}

impl Drop for RequestInHand {
    fn drop(&mut self) {
        self.0.requests.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that holds its request's [`RequestInHand`] until it is done.
struct Tracked {
    body: Body,
    _in_hand: RequestInHand,
}

impl hyper::body::Body for Tracked {
    type Data = hyper::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The TCP stream, noting when bytes move, for the idle timeout. It takes vectored writes as
/// the stream does: without them hyper copies every chunk of a response into a buffer of the
/// connection's own, which keeps the largest size it ever reached for the connection's life.
/// A live stream that once fell behind by megabytes of events held them that way, and a reader
/// with 100 of them held 0.6–1 GB it no longer used (the soak of issue 18); the copy also cost
/// a pass over every byte sent.
struct Watched {
    stream: TcpStream,
    connection: Arc<Connection>,
}

impl Watched {
    /// Passes on what a write answered, noting that bytes moved if they did.
    fn noting(&self, polled: Poll<std::io::Result<usize>>) -> Poll<std::io::Result<usize>> {
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.connection.moved();
        }
        polled
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.connection.moved();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, data);
        self.noting(polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.noting(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A warning logged at most once per `WARN_EVERY`, with how many times it happened.
#[derive(Default)]
struct Throttled {
    last: Option<Instant>,
    times: u64,
}

impl Throttled {
    fn warn(&mut self, log: impl FnOnce(u64)) {
        self.times += 1;
        if self.last.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            log(self.times);
            self.last = Some(Instant::now());
            self.times = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::IoSlice;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// hyper writes a response's chunks as they are only to a stream that takes vectored
    /// writes; to any other it copies them into a buffer that never shrinks (`Watched`).
    #[tokio::test]
    async fn the_watched_stream_takes_vectored_writes_and_notes_the_bytes_moved() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(listener.local_addr().unwrap()), listener.accept());
        let (mut client, (server, _)) = (client.unwrap(), accepted.unwrap());
        let connection = OpenConnections::default().add();
        let mut watched = Watched { stream: server, connection: connection.clone() };
        assert!(watched.is_write_vectored());
        tokio::time::sleep(Duration::from_millis(5)).await;
        let before = connection.last_moved();
        let chunks = [IoSlice::new(b"event: x\n"), IoSlice::new(b"data: {}\n\n")];
        let written = watched.write_vectored(&chunks).await.unwrap();
        assert_eq!(written, 19, "both chunks in one write");
        assert!(connection.last_moved() > before, "the write counts as the connection moving");
        let mut received = [0u8; 19];
        client.read_exact(&mut received).await.unwrap();
        assert_eq!(&received, b"event: x\ndata: {}\n\n");
    }
}
