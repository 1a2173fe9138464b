//! `--metrics`: `/metrics` in the OpenMetrics text format that Prometheus scrapes, through
//! `prometheus-client`. Counts every response by status class with its latency (to the
//! response head, not the last byte) and body bytes, and tells the current site's route
//! count and build time and the rebuilds so far ([`crate::build::stats`]).
//!
//! The guard calls [`Metrics::observe`] once per response and [`Metrics::answer`] for
//! `/metrics`; nothing else on the request path knows about metrics. Off by default:
//! then there is no `Metrics`, and `/metrics` is an unknown path like any other.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::build::{self, SharedSite};
use crate::render::headers::NO_STORE;

/// Where the metrics are served.
pub(crate) const PATH: &str = "/metrics";

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The label set of a response count: its status class.
type Class = [(&'static str, &'static str); 1];

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The metrics of one server.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    /// Responses by status class, `1xx` to `5xx`: handles into one family, looked up once.
    responses: [Counter; 5],
    latency: Histogram,
    bytes: Counter,
    routes: Gauge,
    build_seconds: Gauge<f64, AtomicU64>,
    rebuilds: Counter,
    failed_rebuilds: Counter,
    /// The site whose route count is reported.
    site: SharedSite,
    /// One scrape at a time brings the rebuild counters up to date.
    scrape: Mutex<()>,
}

impl Metrics {
    pub(crate) fn new(site: SharedSite) -> Metrics {
        let mut registry = Registry::with_prefix("wbt_site");
        let family = Family::<Class, Counter>::default();
        let responses = CLASSES.map(|class| family.get_or_create(&[("class", class)]).clone());
        registry.register("http_responses", "Responses sent, by status class", family);
        // 50 µs to about 0.8 s, doubling.
        let latency = Histogram::new(exponential_buckets(0.000_05, 2.0, 15));
        registry.register(
            "http_response_seconds",
            "Time from a request's head to its response's head",
            latency.clone(),
        );
        let metrics = Metrics {
            registry,
            responses,
            latency,
            bytes: Counter::default(),
            routes: Gauge::default(),
            build_seconds: Gauge::default(),
            rebuilds: Counter::default(),
            failed_rebuilds: Counter::default(),
            site,
            scrape: Mutex::new(()),
        };
        metrics.register_the_rest()
    }

    fn register_the_rest(mut self) -> Metrics {
        let registry = &mut self.registry;
        registry.register(
            "http_response_body_bytes",
            "Bytes of response bodies sent (after compression)",
            self.bytes.clone(),
        );
        registry.register(
            "routes",
            "Routes of the site being served",
            self.routes.clone(),
        );
        registry.register(
            "build_seconds",
            "How long the latest successful build of the site took",
            self.build_seconds.clone(),
        );
        registry.register(
            "rebuilds",
            "Rebuilds since start (--watch, scheduled pages), failed ones included",
            self.rebuilds.clone(),
        );
        registry.register(
            "failed_rebuilds",
            "Rebuilds that failed and kept the previous site",
            self.failed_rebuilds.clone(),
        );
        self
    }

    /// Counts one response, `started` when its request arrived.
    pub(crate) fn observe(&self, response: &Response, started: Instant) {
        let class = usize::from(response.status().as_u16() / 100).clamp(1, 5) - 1;
        self.responses[class].inc();
        let bytes = http_body::Body::size_hint(response.body()).exact();
        self.bytes.inc_by(bytes.unwrap_or(0));
        self.latency.observe(started.elapsed().as_secs_f64());
    }

    /// The answer to `GET /metrics`.
    pub(crate) fn answer(&self) -> Response {
        let mut text = String::with_capacity(4096);
        let encoded = {
            let _one_at_a_time = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
            let stats = build::stats();
            self.routes.set(self.site.load().routes.len() as i64);
            self.build_seconds.set(stats.last_build.as_secs_f64());
            self.rebuilds
                .inc_by(stats.rebuilds.saturating_sub(self.rebuilds.get()));
            self.failed_rebuilds
                .inc_by(stats.failed.saturating_sub(self.failed_rebuilds.get()));
            encode(&mut text, &self.registry)
        };
        let status = match encoded {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (
            status,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)),
                (header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE)),
            ],
            text,
        )
            .into_response()
    }
}
