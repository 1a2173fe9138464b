//! `--metrics`: `/metrics` in the OpenMetrics text format that Prometheus scrapes, through
//! `prometheus-client`. Counts every response by status class with its latency (to the
//! response head, not the last byte) and body bytes, and tells the current site's route
//! count and build time and the rebuilds so far ([`crate::build::stats`]).
//!
//! The guard calls [`Metrics::observe`] once per response and [`Metrics::answer`] for
//! `/metrics`; nothing else on the request path knows about metrics. Off by default: then
//! there is no `Metrics`, and `/metrics` is an unknown path like any other.
//!
//! Every metric is read from its source when scraped ([`Read`]). The per-request counts
//! are kept per thread ([`Shards`]) and summed then: `prometheus-client`'s own counters
//! and histogram (behind a mutex), shared by the two serving threads, cut throughput on
//! `/about/` to 0.72–0.83 of the plain rate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::build::{self, SharedSite};
use crate::render::headers::NO_STORE;

/// Where the metrics are served.
pub(crate) const PATH: &str = "/metrics";

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Upper bounds of the latency buckets in microseconds: 50 µs doubling to 0.8 s; then +Inf.
const BOUNDS_MICROS: [u64; 15] = [
    50, 100, 200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 51_200, 102_400, 204_800, 409_600,
    819_200,
];

/// One thread's counts, on cache lines of their own.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    responses: [AtomicU64; 5],
    bytes: AtomicU64,
    nanos: AtomicU64,
    buckets: [AtomicU64; BOUNDS_MICROS.len() + 1],
}

/// How many shards: threads past this many share one (still correct, only slower).
const SHARDS: usize = 16;

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard, the same in every `Metrics`.
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

/// The per-request counts: each serving thread writes its own shard.
#[derive(Debug, Default)]
struct Shards([Shard; SHARDS]);

/// The sum of every shard.
#[derive(Default)]
struct Totals {
    responses: [u64; 5],
    bytes: u64,
    nanos: u64,
    buckets: [u64; BOUNDS_MICROS.len() + 1],
}

impl Shards {
    fn record(&self, class: usize, bytes: u64, elapsed: std::time::Duration) {
        let shard = &self.0[SHARD.with(|i| *i)];
        shard.responses[class].fetch_add(1, Ordering::Relaxed);
        shard.bytes.fetch_add(bytes, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        shard.nanos.fetch_add(nanos, Ordering::Relaxed);
        let micros = nanos / 1000;
        let bucket = BOUNDS_MICROS.partition_point(|bound| *bound < micros);
        shard.buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }

    fn totals(&self) -> Totals {
        let mut sum = Totals::default();
        let add = |to: &mut u64, from: &AtomicU64| *to += from.load(Ordering::Relaxed);
        for shard in &self.0 {
            for (to, from) in sum.responses.iter_mut().zip(&shard.responses) {
                add(to, from);
            }
            add(&mut sum.bytes, &shard.bytes);
            add(&mut sum.nanos, &shard.nanos);
            for (to, from) in sum.buckets.iter_mut().zip(&shard.buckets) {
                add(to, from);
            }
        }
        sum
    }
}

/// What a registered metric shows: counts from the shards, or the served site and its
/// builds ([`build::stats`]).
#[derive(Debug, Clone, Copy)]
enum Shown {
    Responses,
    Latency,
    Bytes,
    Routes,
    BuildSeconds,
    Rebuilds,
    FailedRebuilds,
}

/// What the metrics are read from.
#[derive(Debug)]
struct Sources {
    shards: Shards,
    /// The site whose route count is reported.
    site: SharedSite,
}

/// A metric read from its source when scraped.
#[derive(Debug)]
struct Read(Arc<Sources>, Shown);

impl EncodeMetric for Read {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let Sources { shards, site } = &*self.0;
        match self.1 {
            Shown::Responses => {
                for (class, count) in CLASSES.iter().zip(shards.totals().responses) {
                    encoder
                        .encode_family(&[("class", *class)])?
                        .encode_counter::<NoLabelSet, _, u64>(&count, None)?;
                }
                Ok(())
            }
            Shown::Bytes => counter(encoder, shards.totals().bytes),
            Shown::Latency => {
                let totals = shards.totals();
                let bounds = BOUNDS_MICROS.iter().map(|b| *b as f64 / 1e6);
                let buckets: Vec<(f64, u64)> =
                    bounds.chain([f64::INFINITY]).zip(totals.buckets).collect();
                let count = totals.buckets.iter().sum();
                let sum = totals.nanos as f64 / 1e9;
                encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
            }
            Shown::Routes => encoder.encode_gauge(&(site.load().route_count() as i64)),
            Shown::BuildSeconds => encoder.encode_gauge(&build::stats().last_build.as_secs_f64()),
            Shown::Rebuilds => counter(encoder, build::stats().rebuilds),
            Shown::FailedRebuilds => counter(encoder, build::stats().failed),
        }
    }

    fn metric_type(&self) -> MetricType {
        match self.1 {
            Shown::Responses | Shown::Bytes | Shown::Rebuilds | Shown::FailedRebuilds => {
                MetricType::Counter
            }
            Shown::Latency => MetricType::Histogram,
            Shown::Routes | Shown::BuildSeconds => MetricType::Gauge,
        }
    }
}

/// `value` as a counter without labels.
fn counter(mut encoder: MetricEncoder, value: u64) -> Result<(), std::fmt::Error> {
    encoder.encode_counter::<NoLabelSet, _, u64>(&value, None)
}

/// The metrics of one server.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    sources: Arc<Sources>,
}

impl Metrics {
    pub(crate) fn new(site: SharedSite) -> Metrics {
        let sources = Arc::new(Sources {
            shards: Shards::default(),
            site,
        });
        let mut registry = Registry::with_prefix("wbt_site");
        for (name, help, shown) in [
            (
                "http_responses",
                "Responses sent, by status class",
                Shown::Responses,
            ),
            (
                "http_response_seconds",
                "Time from a request's head to its response's head",
                Shown::Latency,
            ),
            (
                "http_response_body_bytes",
                "Bytes of response bodies sent (after compression)",
                Shown::Bytes,
            ),
            ("routes", "Routes of the site being served", Shown::Routes),
            (
                "build_seconds",
                "How long the latest successful build of the site took",
                Shown::BuildSeconds,
            ),
            (
                "rebuilds",
                "Rebuilds since start (--watch, scheduled pages), failed ones included",
                Shown::Rebuilds,
            ),
            (
                "failed_rebuilds",
                "Rebuilds that failed and kept the previous site",
                Shown::FailedRebuilds,
            ),
        ] {
            registry.register(name, help, Read(sources.clone(), shown));
        }
        Metrics { registry, sources }
    }

    /// Counts one response, `started` when its request arrived.
    pub(crate) fn observe(&self, response: &Response, started: Instant) {
        let class = usize::from(response.status().as_u16() / 100).clamp(1, 5) - 1;
        let bytes = http_body::Body::size_hint(response.body()).exact();
        self.sources
            .shards
            .record(class, bytes.unwrap_or(0), started.elapsed());
    }

    /// The answer to `GET /metrics`.
    pub(crate) fn answer(&self) -> Response {
        let mut text = String::with_capacity(4096);
        let status = match encode(&mut text, &self.registry) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_latency_falls_in_the_first_bucket_that_holds_it() {
        let shards = Shards::default();
        for micros in [10, 50, 51, 100, 819_200, 819_201, 5_000_000] {
            shards.record(1, 2, Duration::from_micros(micros));
        }
        let totals = shards.totals();
        assert_eq!(totals.buckets[0], 2, "up to 50 µs");
        assert_eq!(totals.buckets[1], 2, "up to 100 µs");
        assert_eq!(totals.buckets[14], 1, "up to 819.2 ms");
        assert_eq!(totals.buckets[15], 2, "+Inf");
        assert_eq!(totals.responses, [0, 7, 0, 0, 0]);
        assert_eq!(totals.bytes, 14);
    }

    #[test]
    fn shards_of_every_thread_are_summed() {
        let shards = Arc::new(Shards::default());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let shards = shards.clone();
                std::thread::spawn(move || shards.record(3, 1, Duration::from_millis(1)))
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(shards.totals().responses[3], 4);
    }
}
