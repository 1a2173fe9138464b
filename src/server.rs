//! The HTTP side: a service that answers every site request with one lookup in the
//! current [`RenderedSite`] ([`SiteService`]), an axum router for `/healthz` and live
//! reload, the layer around both ([`Guard`]: security headers, header size limit, one log
//! line per request), and hyper's own accept loop, one per core.
//!
//! The site sits behind an `ArcSwap` ([`SharedSite`]), so a rebuild (a scheduled page coming due) swaps a
//! whole new site in while requests in flight finish on the old one.

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::future::Ready;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::Either;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tower::util::Oneshot;
use tower_http::timeout::TimeoutLayer;

use crate::build::SharedSite;
use crate::live_reload::{self, LiveReload};
use crate::render::{CachePolicy, RenderedSite, Resource};

/// Longest request path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 2048;
/// Largest total size of request headers accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// How the server behaves, beside the site it serves.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// A client must send a whole request head within this time, or the connection is
    /// closed; a handler that awaits (the live-reload routes) answers 408 after it.
    pub request_timeout: Duration,
    /// Live preview: `/_wbt/live.js` and the `/_wbt/events` stream.
    pub live_reload: Option<LiveReload>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            request_timeout: Duration::from_secs(10),
            live_reload: None,
        }
    }
}

/// The whole application as one tower service: [`Guard`] around [`SiteService`].
pub type App = Guard<SiteService>;

/// The application: the site's routes answered from memory, `/healthz` and (under
/// `--watch`) the live-reload routes through an axum router, all behind [`Guard`].
pub fn app(site: SharedSite, options: &ServerOptions) -> App {
    let mut routes = Router::new().route("/healthz", get(healthz));
    if let Some(live) = options.live_reload.clone() {
        routes = routes.merge(live_reload::routes(live));
    }
    let routes = routes.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        options.request_timeout,
    ));
    Guard {
        inner: SiteService {
            site,
            routes,
            live_reload: options.live_reload.is_some(),
        },
    }
}

/// Answers a request for the site: one map lookup and a header choice, done on the spot
/// (no task, no boxed future), with a panic turned into a 500 page. This is the hot path,
/// written as a plain service because axum's router and extractors cost more per request
/// than the lookup itself. `/healthz` and `/_wbt/*` go to the axum router.
#[derive(Clone)]
pub struct SiteService {
    site: SharedSite,
    routes: Router,
    live_reload: bool,
}

impl<B> tower::Service<http::Request<B>> for SiteService
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, Oneshot<Router, Request>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        if path == "/healthz" || (self.live_reload && path.starts_with(live_reload::PREFIX)) {
            return Either::Right(self.routes.clone().oneshot(request.map(Body::new)));
        }
        let site = self.site.load();
        let response = std::panic::catch_unwind(AssertUnwindSafe(|| answer(&site, &request)))
            .unwrap_or_else(|_| panic_response());
        Either::Left(std::future::ready(Ok(response)))
    }
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
    app: App,
    request_timeout: Duration,
    background: impl Future<Output = ()> + Send + 'static,
    stop: watch::Sender<bool>,
) -> io::Result<()> {
    let stopped = stop.subscribe();
    let mut background = Some(background);
    let mut threads = Vec::with_capacity(listeners.len());
    for (index, listener) in listeners.into_iter().enumerate() {
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
                    if let Some(stop) = stop {
                        tokio::spawn(async move {
                            shutdown_signal().await;
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
pub async fn serve(
    listener: TcpListener,
    app: App,
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

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn healthz() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        "ok\n",
    )
}

/// A page, an asset, a redirect, or the 404 page.
fn answer<B>(site: &RenderedSite, request: &http::Request<B>) -> Response {
    let (method, uri, headers) = (request.method(), request.uri(), request.headers());
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, HeaderValue::from_static("GET, HEAD"))],
        )
            .into_response();
    }
    let head = method == Method::HEAD;
    let raw_path = uri.path();
    if raw_path.len() > MAX_PATH_BYTES {
        return StatusCode::URI_TOO_LONG.into_response();
    }
    let Some(path) = decode_path(raw_path) else {
        return (StatusCode::BAD_REQUEST, "bad request path\n").into_response();
    };
    if let Some(overlay) = &site.overlay {
        let is_page = site
            .routes
            .get(path.as_ref())
            .is_none_or(|r| r.content_type.starts_with("text/html"));
        if is_page {
            return respond(
                overlay,
                StatusCode::INTERNAL_SERVER_ERROR,
                headers,
                head,
                true,
            );
        }
    }
    if let Some(resource) = site.routes.get(path.as_ref()) {
        return respond(resource, StatusCode::OK, headers, head, site.live);
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    if let Some(target) = site.redirects.get(path.as_ref()).or_else(|| {
        (!path.ends_with('/'))
            .then(|| site.redirects.get(&format!("{path}/")))
            .flatten()
    }) {
        return redirect(StatusCode::MOVED_PERMANENTLY, target, &query);
    }
    if !path.ends_with('/') && site.routes.contains_key(&format!("{path}/")) {
        return redirect(StatusCode::PERMANENT_REDIRECT, &format!("{path}/"), &query);
    }
    match site.not_found_for(&path) {
        Some(page) => respond(page, StatusCode::NOT_FOUND, headers, head, site.live),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The request path, percent-decoded, or `None` when it tries to leave the site
/// (`..`, `.`, backslashes, NUL) or is not UTF-8.
/// Borrows the path when it has nothing to decode, as almost every request does.
fn decode_path(raw: &str) -> Option<Cow<'_, str>> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    crate::content::urls::is_safe_path(&decoded).then_some(decoded)
}

/// A path as a `Location` header value: everything but visible ASCII percent-encoded.
fn encode_path(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'?')
        .add(b'#');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}

/// A redirect to `path` (decoded) with `query` (as received, `?` included, or empty).
fn redirect(status: StatusCode, path: &str, query: &str) -> Response {
    match HeaderValue::from_str(&format!("{}{query}", encode_path(path))) {
        Ok(value) => (status, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "bad redirect target\n").into_response(),
    }
}

/// Which body to send for the request's `Accept-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// Picks brotli, then gzip, when the client accepts it (q > 0).
fn choose_encoding(headers: &HeaderMap, resource: &Resource) -> Encoding {
    let accepts = |name: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .filter_map(|q| q.trim().parse::<f32>().ok())
                    .next()
                    .unwrap_or(1.0);
                (coding.eq_ignore_ascii_case(name) || coding == "*") && q > 0.0
            })
    };
    if resource.brotli.is_some() && accepts("br") {
        Encoding::Brotli
    } else if resource.gzip.is_some() && accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Does `If-None-Match` name `etag` (weak comparison, as RFC 9110 asks for it)?
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// The response for `resource`: the right encoding, ETag, caching, 304 when unchanged.
/// `live`: under live preview, pages are revalidated on every visit.
fn respond(
    resource: &Resource,
    status: StatusCode,
    headers: &HeaderMap,
    head: bool,
    live: bool,
) -> Response {
    let encoding = choose_encoding(headers, resource);
    let (body, coding, etag) = match encoding {
        Encoding::Brotli => (
            resource.brotli.clone().unwrap_or_default(),
            Some("br"),
            format!("{}-br\"", resource.etag.trim_end_matches('"')),
        ),
        Encoding::Gzip => (
            resource.gzip.clone().unwrap_or_default(),
            Some("gzip"),
            format!("{}-gz\"", resource.etag.trim_end_matches('"')),
        ),
        Encoding::Identity => (resource.identity.clone(), None, resource.etag.clone()),
    };
    let cache_control = match (status, resource.cache) {
        (StatusCode::INTERNAL_SERVER_ERROR, _) => "no-store",
        (_, CachePolicy::Page) if live => "no-cache",
        (StatusCode::NOT_FOUND, _) => "public, max-age=60",
        (_, CachePolicy::Page) => "public, max-age=60, must-revalidate",
        (_, CachePolicy::Immutable) => "public, max-age=31536000, immutable",
        (_, CachePolicy::Media) => "public, max-age=3600",
    };
    let mut response = Response::new(Body::empty());
    // Room for these headers and the security headers, so the map never grows.
    *response.headers_mut() = HeaderMap::with_capacity(16);
    let out = response.headers_mut();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if resource.compressible {
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if status == StatusCode::OK {
        if let Ok(value) = HeaderValue::from_str(&etag) {
            out.insert(header::ETAG, value);
        }
        if none_match(headers, &etag) {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return response;
        }
    }
    if let Ok(value) = HeaderValue::from_str(&resource.content_type) {
        out.insert(header::CONTENT_TYPE, value);
    }
    if let Some(coding) = coding {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    *response.status_mut() = status;
    if !head {
        *response.body_mut() = Body::from(body);
    }
    response
}

/// The outermost layer, written out by hand because it runs on every request: refuses
/// oversized headers (431), adds the security headers to every response (errors, timeouts
/// and panics included), and logs one line per request.
#[derive(Clone, Debug, Default)]
pub struct GuardLayer;

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard { inner }
    }
}

/// The service [`GuardLayer`] makes.
#[derive(Clone, Debug)]
pub struct Guard<S> {
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for Guard<S>
where
    S: tower::Service<http::Request<B>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // What the access log line needs, taken only when that line will be written.
        let access =
            tracing::enabled!(target: "wbt_site::access", tracing::Level::INFO).then(|| Access {
                started: Instant::now(),
                method: request.method().clone(),
                uri: request.uri().clone(),
            });
        let header_bytes: usize = request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        let state = if header_bytes > MAX_HEADER_BYTES {
            GuardState::Refused {
                response: Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.into_response()),
            }
        } else {
            GuardState::Inner {
                future: self.inner.call(request),
            }
        };
        GuardFuture { state, access }
    }
}

/// A request's start, for its access log line.
pub struct Access {
    started: Instant,
    method: Method,
    uri: Uri,
}

pin_project_lite::pin_project! {
    /// The response future of [`Guard`].
    pub struct GuardFuture<F> {
        #[pin]
        state: GuardState<F>,
        access: Option<Access>,
    }
}

pin_project_lite::pin_project! {
    #[project = GuardStateProjection]
    enum GuardState<F> {
        Inner { #[pin] future: F },
        Refused { response: Option<Response> },
    }
}

impl<F> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.state.project() {
            GuardStateProjection::Inner { future } => match future.poll(cx) {
                Poll::Ready(Ok(response)) => response,
                Poll::Ready(Err(never)) => match never {},
                Poll::Pending => return Poll::Pending,
            },
            GuardStateProjection::Refused { response } => response
                .take()
                .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        };
        add_security_headers(response.headers_mut());
        if let Some(access) = this.access.take() {
            tracing::info!(
                target: "wbt_site::access",
                method = %access.method,
                path = access.uri.path(),
                status = response.status().as_u16(),
                micros = access.started.elapsed().as_micros() as u64,
            );
        }
        Poll::Ready(Ok(response))
    }
}

fn add_security_headers(headers: &mut HeaderMap) {
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

fn panic_response() -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Server error</title>\
         <h1>Server error</h1><p>Something went wrong on our side. Please try again.</p></html>\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_refuses_ways_out_of_the_site() {
        assert_eq!(decode_path("/offices/").as_deref(), Some("/offices/"));
        assert_eq!(decode_path("/t%C3%BCrkiye/").as_deref(), Some("/türkiye/"));
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/x",
            "/a/%2E%2E/",
            "/a\\b",
            "/a%5c..",
            "/a%00",
            "/./x",
            "/%ff",
        ] {
            assert_eq!(decode_path(bad).as_deref(), None, "{bad}");
        }
    }

    #[test]
    fn location_is_ascii() {
        assert_eq!(encode_path("/türkiye/"), "/t%C3%BCrkiye/");
    }
}
