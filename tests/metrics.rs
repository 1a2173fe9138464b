//! `--metrics`: `/metrics` in the Prometheus (OpenMetrics) text format, through the real
//! router and through the real binary under `--watch`; off by default, when `/metrics` is
//! the 404 page like any unknown path.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use common::{Server, copy_fixture, get, options, rendered, router};
use wbt_site::server::{self, ServerOptions};

/// Each sample line of an exposition, `name{labels}` to its value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn metrics_are_off_by_default_and_then_metrics_is_the_404_page() {
    let reply = get(&router(), "/metrics").await;
    assert_eq!(reply.status, 404);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert!(!reply.text().contains("wbt_site_"), "{}", reply.text());
}

#[tokio::test]
async fn metrics_count_responses_by_class_with_bytes_latency_and_the_site() {
    let site = rendered(&options("site"));
    let routes = site.routes.len();
    let app = server::app(
        Arc::new(ArcSwap::from_pointee(site)),
        &ServerOptions {
            metrics: true,
            ..ServerOptions::default()
        },
    );
    let mut bytes = 0;
    for (path, status) in [
        ("/about/", 200),
        ("/offices/", 200),
        ("/about", 308),
        ("/no-such-page/", 404),
        ("/healthz", 200),
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, status, "{path}");
        bytes += reply.body.len();
    }
    let scrape = get(&app, "/metrics").await;
    assert_eq!(scrape.status, 200);
    assert_eq!(
        scrape.header("content-type"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(scrape.header("cache-control"), "no-store");
    assert_eq!(scrape.header("x-content-type-options"), "nosniff");
    let text = scrape.text();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let values = samples(&text);
    let value = |name: &str| {
        *values
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
    };
    assert_eq!(value("wbt_site_http_responses_total{class=\"2xx\"}"), 3.0);
    assert_eq!(value("wbt_site_http_responses_total{class=\"3xx\"}"), 1.0);
    assert_eq!(value("wbt_site_http_responses_total{class=\"4xx\"}"), 1.0);
    assert_eq!(value("wbt_site_http_responses_total{class=\"5xx\"}"), 0.0);
    assert_eq!(value("wbt_site_http_response_seconds_count"), 5.0);
    assert_eq!(
        value("wbt_site_http_response_seconds_bucket{le=\"+Inf\"}"),
        5.0
    );
    assert_eq!(
        value("wbt_site_http_response_body_bytes_total"),
        bytes as f64
    );
    assert_eq!(value("wbt_site_routes"), routes as f64);
    assert!(value("wbt_site_build_seconds") > 0.0, "{text}");
    // The scrape itself is counted once it is answered.
    let again = samples(&get(&app, "/metrics").await.text());
    assert_eq!(again["wbt_site_http_responses_total{class=\"2xx\"}"], 4.0);
}

/// Under `--watch`, each rebuild and each failed one is counted (a process of its own, so
/// no other test's builds count).
#[tokio::test]
async fn rebuilds_and_failed_rebuilds_are_counted_by_the_running_server() {
    let dir = copy_fixture("site");
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--watch", "--addr", "127.0.0.1:0", "--content"])
        .arg(dir.path())
        .env("WBT_METRICS", "true");
    let server = Server::start(command);
    let rebuilds = |text: &str| {
        let values = samples(text);
        (
            values["wbt_site_rebuilds_total"],
            values["wbt_site_failed_rebuilds_total"],
        )
    };
    assert_eq!(rebuilds(&server.text("/metrics").await), (0.0, 0.0));

    let about = dir.path().join("about.md");
    let text = std::fs::read_to_string(&about).expect("about.md");
    let wait_for = |expected: (f64, f64)| {
        let server = &server;
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                // A save may come as two file events: at least one rebuild each.
                let now = rebuilds(&server.text("/metrics").await);
                if now.0 >= expected.0 && now.1 == expected.1 {
                    return;
                }
                assert!(Instant::now() < deadline, "{now:?}, not {expected:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    std::fs::write(&about, text.replace("title = ", "weight = 1\ntitle = ")).expect("save");
    wait_for((1.0, 0.0)).await;
    std::fs::write(&about, "+++\ntitle = \n").expect("break");
    wait_for((2.0, 1.0)).await;
}
