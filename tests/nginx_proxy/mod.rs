//! A real nginx ([`Nginx`]) in front of two servers, for the hand-over test.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::common::Server;
use super::common::nginx::Nginx;

/// nginx on `port`, proxying to `upstreams` the way production does: keep-alive
/// connections to the servers, and `proxy_next_upstream off` so that any failure of a
/// server reaches the client instead of being retried on the other one.
fn config(dir: &Path, port: u16, upstreams: &[&str]) -> String {
    let servers: String = upstreams
        .iter()
        .map(|address| format!("server {address};"))
        .collect();
    let dir = dir.display();
    format!(
        "worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  proxy_max_temp_file_size 0;
  upstream wbt {{ {servers} keepalive 16; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://wbt;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_next_upstream off;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"
    )
}

/// What the load saw.
#[derive(Default)]
struct Counts {
    answered: usize,
    failed: Vec<String>,
    /// Answered by the stopped server after its signal.
    from_stopped_after_signal: usize,
}

/// Two servers behind nginx under constant load: the first gets SIGTERM, nginx is
/// reloaded without it, the load goes on until well after it has exited. No request
/// may fail, and the stopped server must have exited 0.
pub async fn hand_over_under_load(start: impl Fn(u64) -> Server) {
    let (old, new) = (start(3), start(3));
    let old_address = old.base.trim_start_matches("http://").to_owned();
    let new_address = new.base.trim_start_matches("http://").to_owned();
    let nginx = Nginx::start(|dir, port| config(dir, port, &[&old_address, &new_address]));
    let front = format!("http://127.0.0.1:{}/about/", nginx.port);
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(&front).await.map(|r| r.status()).ok() != Some(reqwest::StatusCode::OK) {
        assert!(
            Instant::now() < deadline,
            "nginx never answered: {}",
            nginx.error_log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let signalled = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (front, stop, signalled) = (front.clone(), stop.clone(), signalled.clone());
            let old_address = old_address.clone();
            tokio::spawn(async move { send_until(&front, &stop, &signalled, &old_address).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    old.signal("TERM");
    signalled.store(true, Ordering::Relaxed);
    let health = old.healthz_after_signal().await;
    assert_eq!(health.status(), 503, "healthz fails once the signal is in");
    nginx.reload(|dir, port| config(dir, port, &[&new_address]));
    let (code, log) = tokio::task::spawn_blocking(move || old.wait())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut counts = Counts::default();
    for task in load {
        let part = task.await.unwrap();
        counts.answered += part.answered;
        counts.failed.extend(part.failed);
        counts.from_stopped_after_signal += part.from_stopped_after_signal;
    }
    eprintln!(
        "behind nginx: {} requests answered ({} by the stopped server after SIGTERM), {} failed",
        counts.answered,
        counts.from_stopped_after_signal,
        counts.failed.len()
    );
    assert_eq!(code, Some(0), "the stopped server exits 0: {log}");
    assert!(
        counts.failed.is_empty(),
        "{} failed: {:?}\nnginx: {}",
        counts.failed.len(),
        &counts.failed[..counts.failed.len().min(5)],
        nginx.error_log()
    );
    assert!(counts.answered > 100, "load was sent: {}", counts.answered);
    drop(new);
}

/// Sends requests to `front` one after another, each on a new connection, until `stop`.
async fn send_until(front: &str, stop: &AtomicBool, signalled: &AtomicBool, old: &str) -> Counts {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client builds");
    let mut counts = Counts::default();
    while !stop.load(Ordering::Relaxed) {
        let after_signal = signalled.load(Ordering::Relaxed);
        match client.get(front).send().await {
            Ok(reply) if reply.status() == 200 => {
                let upstream = reply.headers().get("x-upstream").cloned();
                match reply.bytes().await {
                    Ok(_) => counts.answered += 1,
                    Err(error) => counts.failed.push(format!("body: {error}")),
                }
                if after_signal && upstream.is_some_and(|u| u.as_bytes() == old.as_bytes()) {
                    counts.from_stopped_after_signal += 1;
                }
            }
            Ok(reply) => counts.failed.push(format!("status {}", reply.status())),
            Err(error) => counts.failed.push(format!("{error}")),
        }
    }
    counts
}
