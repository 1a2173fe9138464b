//! Stopping without losing a request: on SIGTERM, SIGINT or SIGHUP the server answers
//! `/healthz` with 503 at once, keeps serving new connections for `--drain-seconds`
//! (closing keep-alive connections after their next answer), then closes its listeners,
//! lets requests in flight finish, closes idle connections cleanly and exits 0. The last
//! test puts a real nginx in front (`tests/nginx/mod.rs`).

mod common;
mod nginx_proxy;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{Server, client, fixture};

/// The fixture site on a free port, draining for `drain` seconds, with `args` added.
fn start(drain: u64, args: &[&str]) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--drain-seconds"])
        .arg(drain.to_string())
        .args(args)
        .arg("--content")
        .arg(fixture("site"));
    Server::start(command)
}

fn address(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn every_stop_signal_drains_healthz_503_pages_still_served_then_exit_0() {
    for signal in ["TERM", "INT", "HUP"] {
        let server = start(2, &[]);
        assert_eq!(server.get("/healthz").await.status(), 200);
        server.signal(signal);
        let health = server.healthz_after_signal().await;
        assert_eq!(health.status(), 503, "SIG{signal}");
        assert_eq!(health.headers()["cache-control"], "no-store");
        // A new connection during the drain is served, and told the connection ends.
        let page = server.get("/about/").await;
        assert_eq!(page.status(), 200, "SIG{signal}");
        assert_eq!(page.headers()["connection"], "close", "SIG{signal}");
        let (code, log) = server.wait();
        assert_eq!(code, Some(0), "SIG{signal}: {log}");
        assert!(log.contains(&format!("signal=\"SIG{signal}\"")), "{log}");
        assert!(log.contains("stopped"), "{log}");
    }
}

#[test]
fn a_request_half_sent_when_the_signal_comes_is_answered() {
    let server = start(1, &[]);
    let mut stream = TcpStream::connect(address(&server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(b"GET /about/ HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // Give the server time to take the connection in: one still waiting to be accepted
    // when the listeners close is reset, which is not what this test is about (on a busy
    // CI machine the accept can lag behind the signal).
    std::thread::sleep(Duration::from_millis(500));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(1500));
    // The listeners are closed by now; the request on this connection still finishes.
    stream.write_all(b"\r\n").unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.contains("About the fixture"), "{reply}");
    let (code, log) = server.wait();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn idle_keep_alive_connections_are_closed_cleanly_and_a_stalled_one_cannot_hold_the_exit() {
    let server = start(1, &["--request-timeout", "2"]);
    let mut idle = TcpStream::connect(address(&server)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 4096];
    let read = idle.read(&mut first).unwrap();
    assert!(first[..read].starts_with(b"HTTP/1.1 200 OK"));
    // A client that never finishes its request head.
    let mut stalled = TcpStream::connect(address(&server)).unwrap();
    stalled.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    server.signal("TERM");
    // The idle connection ends with an orderly close (end of stream), not a reset.
    let mut rest = Vec::new();
    let closed = idle.read_to_end(&mut rest);
    assert!(closed.is_ok(), "{closed:?}");
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    let (code, log) = server.wait();
    assert_eq!(code, Some(0), "{log}");
}

/// Issue 12's SIGTERM under load, without a proxy: clients on keep-alive connections go
/// on sending while the server stops; every request gets its answer (no reset
/// connection), and the clients stop inside the drain, as a load balancer that saw
/// `/healthz` fail would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_answers_every_request() {
    let server = start(2, &["--access-log", "off"]);
    let url = format!("{}/about/", server.base);
    let stop = Arc::new(AtomicBool::new(false));
    let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, url, stop) = (client(), url.clone(), stop.clone());
        let (answered, failed) = (answered.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let ok = match client.get(&url).send().await {
                    Ok(reply) => reply.status() == 200 && reply.bytes().await.is_ok(),
                    Err(_) => false,
                };
                let count = if ok { &answered } else { &failed };
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.signal("TERM");
    let before = answered.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let (answered, failed) = (
        answered.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    eprintln!("direct: {answered} requests answered ({before} before SIGTERM), {failed} failed");
    assert_eq!(failed, 0, "{answered} answered");
    assert!(answered > before && before > 0, "{before} then {answered}");
    let (code, log) = server.wait();
    assert_eq!(code, Some(0), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_nginx_a_server_stopped_under_load_fails_no_request() {
    nginx_proxy::hand_over_under_load(|drain| start(drain, &["--access-log", "off"])).await;
}
