//! The binary as ops run it: a real process on a real TCP socket, spoken to with a real
//! HTTP client; environment twins of the flags; the embedded site from an empty folder;
//! graceful exit on SIGTERM; a log line per request.

mod common;

use std::process::Command;

use common::{Server, client, fixture};

#[tokio::test]
async fn serves_a_folder_over_tcp_and_stops_cleanly_on_sigterm() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("WBT_CONTENT", fixture("site"))
        .env("RUST_LOG", "info");
    let server = Server::start(command);
    let client = client();

    let home = server.get("/").await;
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("'self'")
    );
    assert!(
        home.text()
            .await
            .unwrap()
            .contains("A lead sentence for the fixture.")
    );

    // Serving starts before compression ends; the gzip body follows within moments.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let reply = client
            .get(format!("{}/about/", server.base))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.headers()["vary"], "Accept-Encoding");
        let gzip = reply
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v == "gzip");
        // hyper writes the length from the body, identity or gzip: check it is there.
        let length: usize = reply.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(length, reply.bytes().await.unwrap().len());
        if gzip {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never compressed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let bare = server.get("/about").await;
    assert_eq!(bare.status(), 308);
    let health = client
        .head(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let head = client
        .head(format!("{}/about/", server.base))
        .send()
        .await
        .unwrap();
    let identity = server.get("/about/").await.bytes().await.unwrap();
    assert_eq!(
        head.headers()["content-length"],
        identity.len().to_string().as_str()
    );

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "graceful exit; log:\n{log}");
    assert!(
        log.contains("path=\"/about/\"") && log.contains("status=200"),
        "{log}"
    );
    assert!(
        log.contains("path=\"/about\"") && log.contains("status=308"),
        "{log}"
    );
}

#[tokio::test]
async fn the_binary_alone_in_an_empty_folder_serves_the_embedded_site() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("wbt-site");
    std::fs::copy(env!("CARGO_BIN_EXE_wbt-site"), &copy).unwrap();
    let mut command = Command::new(&copy);
    command
        .current_dir(dir.path())
        .env("WBT_ADDR", "127.0.0.1:0")
        .env_remove("WBT_CONTENT");
    let server = Server::start(command);

    let home = server.get("/").await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("ICMPD Regional Office for the Western Balkans and Türkiye"));
    let css_start = html.find("/static/style.").expect("stylesheet");
    let css: String = html[css_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let css = server.get(&css).await;
    assert_eq!(css.status(), 200);
    for path in [
        "/offices/istanbul/",
        "/themes/return/",
        "/countries/kosovo/",
        "/projects/enhancer/",
    ] {
        let reply = server.get(path).await;
        assert_eq!(reply.status(), 200, "{path}");
    }
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_wbt-site"))
        .args(["serve", "--addr", &addr, "--content"])
        .arg(fixture("site"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&format!("cannot listen on {addr}")));
}

/// A second wbt-site on the address of a first one used to start and silently take half
/// of its traffic (both use `SO_REUSEPORT`): it is refused, unless `--reuse-port` asks
/// to share for a hand-over.
#[tokio::test]
async fn a_second_server_on_a_taken_address_is_refused_unless_it_asks_to_share() {
    let start_on = |addr: &str, extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
        command
            .args(["serve", "--addr", addr])
            .args(extra)
            .arg("--content")
            .arg(fixture("site"));
        command
    };
    let first = Server::start(start_on("127.0.0.1:0", &[]));
    let addr = first.base.trim_start_matches("http://").to_owned();
    let output = start_on(&addr, &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot listen on {addr}: another process is listening there"
        )) && stderr.contains("--reuse-port"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "never served");

    let second = Server::start(start_on(&addr, &["--reuse-port"]));
    assert_eq!(second.base, first.base);
    assert_eq!(second.get("/healthz").await.status(), 200);
    let (code, _) = first.terminate();
    assert_eq!(code, Some(0));
    // The first one gone, the second one serves the address alone.
    for _ in 0..20 {
        assert_eq!(second.get("/about/").await.status(), 200);
    }
}

#[test]
fn a_client_that_never_finishes_its_request_is_cut_off() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--request-timeout",
            "1",
            "--content",
        ])
        .arg(fixture("site"));
    let server = Server::start(command);
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: slow\r\n")
        .unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 64];
    let read = stream.read(&mut buffer).unwrap_or(0);
    assert_eq!(read, 0, "the server closes the connection");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "not before the timeout: {waited:?}"
    );
    server.terminate();
}

/// Pins the calling thread to `cpu`: what it sends on loopback arrives on that CPU.
#[cfg(target_os = "linux")]
fn run_on(cpu: usize) {
    let mut set = nix::sched::CpuSet::new();
    set.set(cpu).unwrap();
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set).unwrap();
}

/// Sends `count` requests for `/healthz` one after the other on `stream`, reading each
/// answer; stops at the first that says `Connection: close`. Whether one did.
#[cfg(target_os = "linux")]
fn asked_to_close(stream: &mut std::io::BufReader<std::net::TcpStream>, count: usize) -> bool {
    use std::io::{BufRead, Read, Write};
    for _ in 0..count {
        stream
            .get_mut()
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: steering\r\n\r\n")
            .unwrap();
        let (mut length, mut close) = (0, false);
        loop {
            let mut line = String::new();
            stream.read_line(&mut line).unwrap();
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            close |= line == "connection: close";
        }
        stream.read_exact(&mut vec![0; length]).unwrap();
        if close {
            // And the server does close it.
            assert_eq!(stream.read(&mut [0; 1]).unwrap(), 0);
            return true;
        }
    }
    false
}

/// A client that opened its connections from one CPU and then sends from another (wrk's
/// threads do, in up to a third of its runs on a 2-core machine) would leave one serving thread with every
/// connection and the other idle. Some of them are asked to close (`Connection: close`),
/// and reconnect to the other thread; those whose requests arrive where they were
/// accepted are left alone.
#[cfg(target_os = "linux")]
#[test]
fn connections_whose_requests_come_from_another_cpu_are_asked_to_move() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let allowed = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0)).unwrap();
    let cpus: Vec<usize> = (0..nix::sched::CpuSet::count())
        .filter(|&cpu| allowed.is_set(cpu).unwrap_or(false))
        .collect();
    if threads < 2 || cpus.len() != threads {
        return; // one CPU, or a quota below the CPUs: the listeners are not tagged
    }
    // Started before this thread is pinned: the server inherits its CPUs.
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(fixture("site"));
    let server = Server::start(command);
    let address = server.base.trim_start_matches("http://").to_owned();
    let (first, second) = (cpus[0], cpus[1]);
    // Every connection opened from the first CPU: the first thread takes them all.
    run_on(first);
    let mut connections: Vec<_> = (0..8)
        .map(|_| std::io::BufReader::new(std::net::TcpStream::connect(&address).unwrap()))
        .collect();
    // Their requests arrive there too: none is asked to move.
    for connection in &mut connections {
        assert!(!asked_to_close(connection, 40));
    }
    // Now from the second CPU: some are asked to move, not all.
    run_on(second);
    let moved = connections
        .iter_mut()
        .map(|connection| asked_to_close(connection, 40))
        .filter(|&asked| asked)
        .count();
    assert!((1..8).contains(&moved), "{moved} of 8 asked to move");
    server.terminate();
}
