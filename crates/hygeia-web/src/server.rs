//! The HTTP server loop: connections accepted up to a limit, request heads that must arrive
//! within a timeout, request bodies that must keep flowing, and a graceful stop.
//!
//! `axum::serve` offers none of these bounds, and without them one client can hold the server:
//! a request head sent one byte a minute keeps a connection (and its task) forever, and
//! thousands of them exhaust file descriptors. Requests themselves are bounded in the router
//! ([`crate::router`]: body size and overall time).

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// Bounds on connections.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// Connections served at once; further clients wait in the kernel's backlog.
    pub max_connections: usize,
    /// A request head (line and headers) must arrive within this time.
    pub header_read_timeout: Duration,
    /// A request body may pause at most this long between two pieces.
    pub body_idle_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = connections.clone().acquire_owned() => permit.map_err(io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let body_idle = limits.body_idle_timeout;
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let mut request = request.map(|body| Body::new(TimeoutBody::new(body_idle, body)));
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let mut stopping = stopped.clone();
        let header_read_timeout = limits.header_read_timeout;
        tasks.spawn(async move {
            let _permit = permit;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "connection ended with an error");
                    }
                }
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::time::Instant;

    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A body that stops flowing is cut off after the idle timeout: the client gets an answer
    /// (the body could not be read) and the connection is closed, instead of a task held for
    /// as long as the client likes.
    #[tokio::test]
    async fn a_request_body_that_stops_flowing_is_cut_off() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/upload",
            post(|body: axum::body::Bytes| async move { format!("{} bytes", body.len()) }),
        );
        let limits = ServerLimits {
            body_idle_timeout: Duration::from_millis(300),
            ..ServerLimits::default()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, limits, async {
            let _ = stopped.await;
        }));

        // A whole body is read as usual.
        let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
        client
            .write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
            .await
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("5 bytes"), "{answer}");

        // Ten bytes of a hundred, then nothing.
        let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
        slow.write_all(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789",
        )
        .await
        .unwrap();
        let started = Instant::now();
        let mut answer = String::new();
        let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_string(&mut answer))
            .await
            .expect("the stalled upload was never cut off");
        assert!(read.is_ok(), "{read:?}");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
            "cut off after {waited:?}"
        );
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("not received within"), "{answer}");
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}
