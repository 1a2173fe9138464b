//! Sockets and connections: `SO_REUSEPORT` listeners, one thread with a single-threaded
//! runtime and hyper's accept loop per listener (the nginx worker model), and graceful
//! shutdown on Ctrl-C or SIGTERM.
//!
//! Owns how bytes get to a service and back. Must not know what the service answers: it
//! serves any tower service that turns a request into a response.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::guard::MAX_HEADER_BYTES;

/// What the accept loop serves: any tower service from a request to a response that can
/// be cloned for each connection and sent to the connection's task.
pub trait HttpService:
    tower::Service<http::Request<Incoming>, Response = Response, Error = Infallible, Future: Send>
    + Clone
    + Send
    + 'static
{
}

impl<S> HttpService for S where
    S: tower::Service<
            http::Request<Incoming>,
            Response = Response,
            Error = Infallible,
            Future: Send,
        > + Clone
        + Send
        + 'static
{
}

/// How long shutdown waits for requests in flight before giving up on them.
const DRAIN_LIMIT: Duration = Duration::from_secs(15);

/// Binds `count` listeners to `addr` with `SO_REUSEPORT`, so that one thread each can
/// accept on its own and the kernel spreads connections between them. With port 0, the
/// first listener picks the port and the others join it.
pub fn bind(addr: SocketAddr, count: usize) -> io::Result<Vec<std::net::TcpListener>> {
    let mut listeners: Vec<std::net::TcpListener> = Vec::with_capacity(count.max(1));
    let mut addr = addr;
    for _ in 0..count.max(1) {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        #[cfg(unix)]
        socket.set_reuse_port(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        let listener: std::net::TcpListener = socket.into();
        addr = listener.local_addr()?;
        listeners.push(listener);
        if cfg!(not(unix)) {
            break;
        }
    }
    Ok(listeners)
}

/// Serves `app` on every listener, one single-threaded runtime per listener (no work
/// stealing, no cross-thread wake-ups: the nginx worker model), until Ctrl-C or SIGTERM,
/// which sets `stop`; then each finishes its requests in flight. `background` runs beside
/// the first.
pub fn run(
    listeners: Vec<std::net::TcpListener>,
    app: impl HttpService,
    request_timeout: Duration,
    background: impl Future<Output = ()> + Send + 'static,
    stop: watch::Sender<bool>,
) -> io::Result<()> {
    let stopped = stop.subscribe();
    let mut background = Some(background);
    let mut threads = Vec::with_capacity(listeners.len());
    // No thread serves before the signal handlers exist: a SIGTERM that arrives while
    // the first requests are answered must drain, not kill.
    let ready = std::sync::Arc::new(std::sync::Barrier::new(listeners.len()));
    for (index, listener) in listeners.into_iter().enumerate() {
        let ready = ready.clone();
        let app = app.clone();
        let mut stopped = stopped.clone();
        let stop = (index == 0).then(|| stop.clone());
        let background = background.take();
        let thread = std::thread::Builder::new()
            .name(format!("wbt-server-{index}"))
            .spawn(move || -> io::Result<()> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let signals = stop.map(|stop| shutdown_signal().map(|s| (s, stop)));
                    ready.wait();
                    if let Some(signals) = signals {
                        let (signalled, stop) = signals?;
                        tokio::spawn(async move {
                            signalled.await;
                            let _ = stop.send(true);
                        });
                    }
                    if let Some(background) = background {
                        tokio::spawn(background);
                    }
                    let listener = TcpListener::from_std(listener)?;
                    let shutdown = async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    };
                    serve(listener, app, request_timeout, shutdown).await
                })
            })?;
        threads.push(thread);
    }
    drop(stop);
    for thread in threads {
        thread
            .join()
            .map_err(|_| io::Error::other("a server thread panicked"))??;
    }
    Ok(())
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, finishes
/// the requests in flight (for at most 15 s) and returns.
async fn serve(
    listener: TcpListener,
    app: impl HttpService,
    request_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(request_timeout)
        .max_buf_size(MAX_HEADER_BYTES * 4)
        .writev(false);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(app.clone());
                    let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(DRAIN_LIMIT) => {
            tracing::warn!("requests still in flight after {DRAIN_LIMIT:?}: closing them");
        }
    }
    Ok(())
}

/// A future that completes on Ctrl-C or SIGTERM, with both handlers installed before it
/// returns.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}
