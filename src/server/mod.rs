//! The HTTP side: serves the current [`RenderedSite`](crate::RenderedSite) from memory.
//! A request goes through, from the socket inwards:
//!
//! - `listen`: `SO_REUSEPORT` listeners (refused when another process holds the address),
//!   hyper's accept loop on one single-threaded runtime per core, TLS (`tls`), the drain
//!   on a stop signal (`signals`); `steering`: which thread serves a connection, and when
//!   one is asked to move; `call`: how hyper hands each request to the services below;
//! - `guard`: header size limit, panics to 500, security headers, one log line per request
//!   (`access_log`), and under `--metrics` the counts of `metrics` and `/metrics` itself;
//! - `site_service`: one lookup in the current site (the hot path); `/healthz` and live
//!   preview's routes go to a small axum router;
//! - `respond`: encoding, ETag and 304, caching headers, HEAD, redirects; `range`: byte
//!   ranges of media.
//!
//! This file is the public surface: [`app`] puts the services together, [`bind`] and
//! [`run`] serve them. The site sits behind a [`SharedSite`], so a rebuild swaps a whole
//! new site in while requests in flight finish on the old one. Must not know how the site
//! is built or watched: it is handed the site and, under `--watch`, the live-reload channels.

mod access_log;
mod call;
mod connection_timer;
mod guard;
mod listen;
mod metrics;
mod range;
mod respond;
mod signals;
mod site_service;
mod steering;
mod tls;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;

pub use call::HttpService;
pub use listen::{bind, run};
pub use tls::TlsConfig;

use self::guard::Guard;
use self::metrics::Metrics;
use self::site_service::SiteService;
use crate::build::SharedSite;
use crate::live_reload::{self, LiveReload};
use crate::render::headers;

/// How the server behaves, beside the site it serves.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// A client must send a whole request head within this time, or the connection is
    /// closed; a handler that awaits (the live-reload routes) answers 408 after it. Also
    /// how long requests in flight may take to finish once the listeners are closed.
    pub request_timeout: Duration,
    /// Live preview: `/_wbt/live.js` and the `/_wbt/events` stream.
    pub live_reload: Option<LiveReload>,
    /// `/metrics` for Prometheus (`--metrics`).
    pub metrics: bool,
    /// Time between a stop signal and closing the listeners (see [`Draining`]).
    pub drain: Duration,
    /// Set when a stop signal arrives.
    pub draining: Draining,
    /// Serve HTTPS (HTTP/1.1 and HTTP/2) instead of plain HTTP/1.1.
    pub tls: Option<TlsConfig>,
    /// Add `Strict-Transport-Security` to every response.
    pub hsts: bool,
    /// One log line per request.
    pub access_log: bool,
    /// Peers whose `X-Forwarded-For` names the client in the access log.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            request_timeout: Duration::from_secs(10),
            live_reload: None,
            metrics: false,
            drain: Duration::ZERO,
            draining: Draining::default(),
            tls: None,
            hsts: false,
            access_log: true,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Whether the server is stopping: from the stop signal on, `/healthz` answers 503 (so
/// that a load balancer takes the server out) and every HTTP/1 response says
/// `Connection: close` (so that keep-alive connections end after their next answer),
/// while new connections are still served until the listeners close.
#[derive(Clone, Debug, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The whole application as one tower service: the guard around the site service.
pub type App = Guard<SiteService>;

/// The application: the site's routes answered from memory, `/healthz` and (under
/// `--watch`) the live-reload routes through an axum router, all behind the guard.
pub fn app(site: SharedSite, options: &ServerOptions) -> App {
    let draining = options.draining.clone();
    let mut routes = Router::new().route("/healthz", get(move || healthz(draining.clone())));
    if let Some(live) = options.live_reload.clone() {
        routes = routes.merge(live_reload::routes(live));
    }
    let routes = routes.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        options.request_timeout,
    ));
    // Leaked on purpose: a server's metrics live as long as its process, and a `&'static`
    // costs each request no reference count, which the serving threads would share.
    let metrics: Option<&'static Metrics> = options
        .metrics
        .then(|| &*Box::leak(Box::new(Metrics::new(site.clone()))));
    let service = SiteService::new(site, routes, options.live_reload.is_some());
    Guard::new(service, options, metrics)
}

/// Wraps `inner` in what every request goes through: the header limit, panics turned
/// into the 500 page, the security headers, the access log. Not an API: the tests wrap a
/// service that panics with it.
#[doc(hidden)]
pub fn guard<S>(inner: S) -> Guard<S> {
    Guard::new(inner, &ServerOptions::default(), None)
}

/// `200 ok`, or `503 stopping` once a stop signal has come.
async fn healthz(draining: Draining) -> impl IntoResponse {
    let (status, body) = if draining.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "stopping\n")
    } else {
        (StatusCode::OK, "ok\n")
    };
    (
        status,
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static(headers::NO_STORE),
        )],
        body,
    )
}
