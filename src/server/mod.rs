//! The HTTP side: serves the current [`RenderedSite`](crate::RenderedSite) from memory.
//! A request goes through, from the socket inwards:
//!
//! - `listen`: `SO_REUSEPORT` listeners, hyper's accept loop on one single-threaded
//!   runtime per core, graceful shutdown;
//! - `guard`: header size limit, panics to 500, security headers, one log line per request,
//!   and under `--metrics` the counts of `metrics` and `/metrics` itself;
//! - `site_service`: one lookup in the current site (the hot path); `/healthz` and live
//!   preview's routes go to a small axum router;
//! - `respond`: encoding, ETag and 304, caching headers, HEAD, redirects; `range`: byte
//!   ranges of media.
//!
//! This file is the public surface: [`app`] puts the services together, [`bind`] and
//! [`run`] serve them. The site sits behind a [`SharedSite`], so a rebuild swaps a whole
//! new site in while requests in flight finish on the old one. Must not know how the site
//! is built or watched: it is handed the site and, under `--watch`, the live-reload channels.

mod guard;
mod listen;
mod metrics;
mod range;
mod respond;
mod site_service;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;

pub use listen::{HttpService, bind, run};

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
    /// closed; a handler that awaits (the live-reload routes) answers 408 after it.
    pub request_timeout: Duration,
    /// Live preview: `/_wbt/live.js` and the `/_wbt/events` stream.
    pub live_reload: Option<LiveReload>,
    /// `/metrics` for Prometheus (`--metrics`).
    pub metrics: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            request_timeout: Duration::from_secs(10),
            live_reload: None,
            metrics: false,
        }
    }
}

/// The whole application as one tower service: the guard around the site service.
pub type App = Guard<SiteService>;

/// The application: the site's routes answered from memory, `/healthz` and (under
/// `--watch`) the live-reload routes through an axum router, all behind the guard.
pub fn app(site: SharedSite, options: &ServerOptions) -> App {
    let mut routes = Router::new().route("/healthz", get(healthz));
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
    Guard::new(service, metrics)
}

/// Wraps `inner` in what every request goes through: the header limit, panics turned
/// into the 500 page, the security headers, the access log. Not an API: the tests wrap a
/// service that panics with it.
#[doc(hidden)]
pub fn guard<S>(inner: S) -> Guard<S> {
    Guard::new(inner, None)
}

async fn healthz() -> impl IntoResponse {
    (
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static(headers::NO_STORE),
        )],
        "ok\n",
    )
}
