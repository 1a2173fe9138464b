//! Sockets and connections: `SO_REUSEPORT` listeners (one per core, refused when another
//! process holds the address unless `--reuse-port`, each tagged with its own CPU when
//! there is one per CPU: see `steering`), one thread with a single-threaded
//! runtime and hyper's accept loop per listener (the nginx worker model), the TLS
//! handshake under `--tls-cert`, and closing down after the drain (`signals`).
//!
//! Owns how bytes get to a service (`call`) and back, and how serving stops. Must not know
//! what the service answers: it serves any tower service that can be told its
//! connection's peer.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::ServerOptions;
use super::call::{CallAtOnce, HttpService};
use super::connection_timer::ConnectionTimer;
use super::guard::MAX_HEADER_BYTES;
use super::signals::Signals;
use super::steering::{self, SteeredStream, ThreadSteering, Threads};

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
