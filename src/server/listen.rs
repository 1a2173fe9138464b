//! Sockets and connections: `SO_REUSEPORT` listeners (one per core, refused when another
//! process holds the address unless `--reuse-port`, each tagged with its own CPU when
//! there is one per CPU: see `steering`), one thread with a single-threaded
//! runtime and hyper's accept loop per listener (the nginx worker model), the TLS
//! handshake under `--tls-cert`, and the drain on SIGTERM, SIGINT or SIGHUP.
//!
//! Owns how bytes get to a service and back, and how serving stops. Must not know what the
//! service answers: it serves any tower service that can be told its connection's peer.

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::connection_timer::ConnectionTimer;
use super::guard::{Guard, MAX_HEADER_BYTES};
use super::steering::{self, Leave, SteeredStream, ThreadSteering, Threads};
use super::{Draining, ServerOptions};

/// What the accept loop serves: a tower service from a request to a response, made for
/// each connection from its peer's address and sent to the connection's task. It must
/// always be ready: [`CallAtOnce`] calls it without waiting.
pub trait HttpService:
    tower::Service<http::Request<Incoming>, Response = Response, Error = Infallible, Future: Send>
    + Clone
    + Send
    + 'static
{
    /// The service for one connection from `peer`.
    fn for_peer(&self, peer: SocketAddr) -> Self;
}

impl<S> HttpService for Guard<S>
where
    Guard<S>: tower::Service<
            http::Request<Incoming>,
            Response = Response,
            Error = Infallible,
            Future: Send,
        > + Clone
        + Send
        + 'static,
    S: Clone,
{
    fn for_peer(&self, peer: SocketAddr) -> Self {
        Guard::for_peer(self, peer)
    }
}

/// Binds `count` listeners to `addr` with `SO_REUSEPORT`, so that one thread each can
/// accept on its own and the kernel spreads connections between them. With port 0, the
/// first listener picks the port and the others join it. Unless `share` is set, the
/// address must be free first: `SO_REUSEPORT` would otherwise let this process silently
/// share it with another one (an old copy left running would get half the visitors).
pub fn bind(addr: SocketAddr, count: usize, share: bool) -> io::Result<Vec<std::net::TcpListener>> {
    if !share && addr.port() != 0 {
        refuse_if_taken(addr)?;
    }
    let mut listeners: Vec<std::net::TcpListener> = Vec::with_capacity(count.max(1));
    let mut addr = addr;
    let cpus = steering::cpus_for(count).unwrap_or_default();
    for index in 0..count.max(1) {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        #[cfg(unix)]
        socket.set_reuse_port(true)?;
        socket.set_nonblocking(true)?;
        if let Some(&cpu) = cpus.get(index) {
            // Only a matter of speed: a kernel without the option serves all the same.
            if let Err(error) = steering::set_tag(&socket, cpu) {
                tracing::debug!(%error, cpu, "cannot tag a listener with its CPU");
            }
        }
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

/// Fails when some process listens on `addr`: a socket without `SO_REUSEPORT` cannot be
/// bound there then (`SO_REUSEADDR` still lets it past connections in TIME_WAIT).
fn refuse_if_taken(addr: SocketAddr) -> io::Result<()> {
    let probe = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    probe.set_reuse_address(true)?;
    match probe.bind(&addr.into()) {
        Err(error) if error.kind() == io::ErrorKind::AddrInUse => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "another process is listening there: stop it, choose another --addr, \
             or pass --reuse-port to share the address while handing over",
        )),
        other => other,
    }
}

/// Serves `app` on every listener, one single-threaded runtime per listener (no work
/// stealing, no cross-thread wake-ups: the nginx worker model), until a stop signal; then
/// drains (see [`Draining`]) for `options.drain`, sets `stop`, closes the listeners and
/// gives requests in flight `options.request_timeout` to finish. `background` runs beside
/// the first.
pub fn run(
    listeners: Vec<std::net::TcpListener>,
    app: impl HttpService,
    options: &ServerOptions,
    background: impl Future<Output = ()> + Send + 'static,
    stop: watch::Sender<bool>,
) -> io::Result<()> {
    let stopped = stop.subscribe();
    let mut background = Some(background);
    let mut signals = Some((stop, options.draining.clone(), options.drain));
    let mut threads = Vec::with_capacity(listeners.len());
    // No thread serves before the signal handlers exist: a SIGTERM that arrives while
    // the first requests are answered must drain, not kill.
    let ready = std::sync::Arc::new(std::sync::Barrier::new(listeners.len()));
    let serving = Threads::serving(&listeners);
    for (index, listener) in listeners.into_iter().enumerate() {
        let ready = ready.clone();
        let app = app.clone();
        let mut stopped = stopped.clone();
        let signals = signals.take();
        let background = background.take();
        let steering = ThreadSteering::new(serving.clone(), index);
        let connections = Connections::new(options, steering);
        let thread = std::thread::Builder::new()
            .name(format!("wbt-server-{index}"))
            .spawn(move || -> io::Result<()> {
                // Access lines go out in batches, whenever the thread runs out of work.
                crate::logging::hold_lines_on_this_thread();
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .on_thread_park(crate::logging::write_held_lines)
                    .build()?;
                runtime.block_on(async move {
                    let signals = signals.map(|(stop, draining, drain)| {
                        Signals::new().map(|s| (s, stop, draining, drain))
                    });
                    ready.wait();
                    if let Some(signals) = signals {
                        let (signals, stop, draining, drain) = signals?;
                        tokio::spawn(signals.drain_then_stop(draining, drain, stop));
                    }
                    if let Some(background) = background {
                        tokio::spawn(background);
                    }
                    let listener = TcpListener::from_std(listener)?;
                    let shutdown = async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    };
                    connections.serve(listener, app, shutdown).await
                })
            })?;
        threads.push(thread);
    }
    for thread in threads {
        thread
            .join()
            .map_err(|_| io::Error::other("a server thread panicked"))??;
    }
    Ok(())
}

/// How one thread serves its connections: plain HTTP/1.1, or TLS with HTTP/1.1 and
/// HTTP/2.
struct Connections {
    http1: http1::Builder,
    tls: Option<(TlsAcceptor, auto::Builder<TokioExecutor>)>,
    request_timeout: Duration,
    steering: ThreadSteering,
}

impl Connections {
    fn new(options: &ServerOptions, steering: ThreadSteering) -> Connections {
        let timeout = options.request_timeout;
        // The timer of the head deadline, over HTTP/1.1 plain or in TLS, is each
        // connection's own: see `serve`.
        let mut http1 = http1::Builder::new();
        http1
            .header_read_timeout(timeout)
            .max_buf_size(MAX_HEADER_BYTES * 4)
            // The head and the body go out in one `writev`, the body not first copied
            // behind the head: on the large site's random URLs, identity, 256
            // connections, 3.6 % less CPU per request (median of 6 alternating rounds),
            // and the same with gzip.
            .writev(true);
        let tls = options.tls.as_ref().map(|tls| {
            let mut both = auto::Builder::new(TokioExecutor::new());
            both.http1()
                .header_read_timeout(timeout)
                .max_buf_size(MAX_HEADER_BYTES * 4);
            both.http2()
                .timer(TokioTimer::new())
                .max_header_list_size(MAX_HEADER_BYTES as u32);
            (tls.acceptor(), both)
        });
        Connections {
            http1,
            tls,
            request_timeout: timeout,
            steering,
        }
    }

    /// Serves `app` on `listener` until `shutdown` completes, then closes the listener,
    /// lets requests in flight finish (for at most the request timeout), closes idle
    /// connections and returns.
    async fn serve(
        self,
        listener: TcpListener,
        app: impl HttpService,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let steering = self.steering.accepted(SockRef::from(&listener));
                        let _ = stream.set_nodelay(true);
                        let service = app.for_peer(peer);
                        match &self.tls {
                            None => {
                                let mut http1 = self.http1.clone();
                                http1.timer(ConnectionTimer::default());
                                let service = CallAtOnce::new(service, steering.leave());
                                let stream = TokioIo::new(SteeredStream::new(stream, steering));
                                let connection = graceful.watch(http1.serve_connection(stream, service));
                                tokio::spawn(async move {
                                    if let Err(error) = connection.await {
                                        tracing::debug!(%error, "connection ended with an error");
                                    }
                                });
                            }
                            Some((acceptor, both)) => {
                                let mut both = both.clone();
                                both.http1().timer(ConnectionTimer::default());
                                let handshake = (acceptor.clone(), both, self.request_timeout);
                                let service = CallAtOnce::new(service, None);
                                tokio::spawn(serve_tls(stream, handshake, service, graceful.watcher()));
                            }
                        }
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
            () = tokio::time::sleep(self.request_timeout) => {
                tracing::warn!("requests still in flight after {:?}: closing them", self.request_timeout);
            }
        }
        Ok(())
    }
}

/// One TLS connection: the handshake (within the request timeout), then HTTP/1.1 or
/// HTTP/2 as the client chose by ALPN.
async fn serve_tls<S>(
    stream: TcpStream,
    (acceptor, both, timeout): (TlsAcceptor, auto::Builder<TokioExecutor>, Duration),
    service: CallAtOnce<S>,
    watcher: Watcher,
) where
    S: HttpService,
{
    let stream = match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return tracing::debug!(%error, "TLS handshake failed"),
        Err(_) => return tracing::debug!("TLS handshake timed out"),
    };
    let connection = both.serve_connection(TokioIo::new(stream), service);
    if let Err(error) = watcher.watch(connection).await {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// A connection's tower service as hyper's, called as soon as hyper has the request.
///
/// hyper-util's `TowerToHyperService` clones the service for every request and keeps the
/// request until its future is first polled; meanwhile hyper reads on, and the request's
/// head still holds the read buffer, so every request cost a new 8 KiB buffer (and the
/// clone three reference counts the serving threads share). tower's `call` takes
/// `&mut self` and hyper's `&self`: hyper calls one request at a time on a connection, so
/// a `RefCell` lends the one service out for each call.
///
/// When the connection's steering asks it to leave (see `steering`), the response says
/// `Connection: close`, and hyper closes the connection once it is sent.
struct CallAtOnce<S> {
    service: RefCell<S>,
    leave: Option<Leave>,
}

impl<S> CallAtOnce<S> {
    fn new(service: S, leave: Option<Leave>) -> Self {
        CallAtOnce {
            service: RefCell::new(service),
            leave,
        }
    }
}

impl<S: HttpService> hyper::service::Service<http::Request<Incoming>> for CallAtOnce<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = CloseIf<S::Future>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        let mut service = self.service.borrow_mut();
        // Always ready (see `HttpService`); asked all the same, as tower's contract wants.
        let ready = service.poll_ready(&mut Context::from_waker(Waker::noop()));
        debug_assert!(matches!(ready, Poll::Ready(Ok(()))));
        CloseIf {
            response: service.call(request),
            close: self.leave.as_ref().is_some_and(Leave::asked),
        }
    }
}

pin_project_lite::pin_project! {
    /// A response, with `Connection: close` added when `close` is set.
    struct CloseIf<F> {
        #[pin]
        response: F,
        close: bool,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for CloseIf<F> {
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Poll::Ready(Ok(mut response)) = this.response.poll(cx) else {
            return Poll::Pending;
        };
        if *this.close {
            response.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
        }
        Poll::Ready(Ok(response))
    }
}

/// The stop signals, with their handlers installed as soon as this exists.
struct Signals {
    #[cfg(unix)]
    handlers: [tokio::signal::unix::Signal; 3],
}

impl Signals {
    #[cfg(unix)]
    fn new() -> io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            handlers: [
                signal(SignalKind::terminate())?,
                signal(SignalKind::interrupt())?,
                signal(SignalKind::hangup())?,
            ],
        })
    }

    #[cfg(not(unix))]
    fn new() -> io::Result<Signals> {
        Ok(Signals {})
    }

    /// The name of the next stop signal to arrive.
    #[cfg(unix)]
    async fn next(&mut self) -> &'static str {
        let [terminate, interrupt, hangup] = &mut self.handlers;
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
            _ = hangup.recv() => "SIGHUP",
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }

    /// On the first signal, drains for `drain` (a second signal cuts it short), then
    /// sets `stop`.
    async fn drain_then_stop(
        mut self,
        draining: Draining,
        drain: Duration,
        stop: watch::Sender<bool>,
    ) {
        let signal = self.next().await;
        draining.start();
        tracing::info!(
            signal,
            drain_seconds = drain.as_secs(),
            "stopping: /healthz answers 503; new connections are served until the drain ends"
        );
        tokio::select! {
            () = tokio::time::sleep(drain) => {},
            signal = self.next() => tracing::info!(signal, "second signal: ending the drain"),
        }
        tracing::info!("closing the listeners; finishing requests in flight");
        let _ = stop.send(true);
    }
}
