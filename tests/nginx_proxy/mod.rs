//! A real nginx in front of two servers, for the hand-over test: nginx runs as this
//! test's own process (`daemon off`, its files in a temporary folder, loopback ports).
//!
//! nginx must be installed: when it is missing, the test fails and says to install it
//! (`apt-get install nginx-light`, as `.ci/run` does) rather than pass without testing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::common::Server;

/// The nginx binary: on PATH, or in `/usr/sbin` (often not on a user's PATH).
fn nginx_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("nginx"))
        .find(|path| path.is_file());
    let found = on_path.or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/nginx");
        sbin.is_file().then_some(sbin)
    });
    found.unwrap_or_else(|| {
        panic!(
            "nginx is not installed, and this test needs a real nginx in front of the \
             server: install it (Debian: apt-get install nginx-light; .ci/run does)"
        )
    })
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

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

/// A running nginx, stopped (by its own process id) when dropped.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Nginx {
    fn start(upstreams: &[&str]) -> Nginx {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port, upstreams)).expect("write nginx.conf");
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        Nginx { child, dir, port }
    }

    /// Points nginx at `upstreams` only, as an operator does during a hand-over: a new
    /// configuration and SIGHUP (old workers finish their requests, new ones take over).
    fn reload(&self, upstreams: &[&str]) {
        let conf = config(self.dir.path(), self.port, upstreams);
        std::fs::write(self.dir.path().join("nginx.conf"), conf).expect("rewrite nginx.conf");
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-HUP", &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "nginx reloads");
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers (SIGKILL would leave them running, with
    /// no parent), then SIGKILL if it has not exited within 5 s.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let nginx = Nginx::start(&[&old_address, &new_address]);
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
    let health = old.get("/healthz").await;
    assert_eq!(health.status(), 503, "healthz fails at once");
    nginx.reload(&[&new_address]);
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
