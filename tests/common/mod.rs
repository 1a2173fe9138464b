//! Helpers shared by the integration tests: fixture trees, the real router, requests.

#![allow(dead_code)]

pub mod nginx;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use tower::ServiceExt;
use wbt_site::server::App;

use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions};
use wbt_site::content::source::Source;
use wbt_site::server::{self, ServerOptions};
use wbt_site::{Diagnostic, RenderedSite};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn options(name: &str) -> BuildOptions {
    BuildOptions {
        source: Source::Dir(fixture(name)),
        drafts: false,
        base_url: None,
        live_reload: false,
    }
}

/// Renders a fixture tree, failing the test with the report if it has errors.
pub fn rendered(options: &BuildOptions) -> RenderedSite {
    match build::build(options, &Assets::embedded(), None) {
        Ok(site) => site,
        Err(diagnostics) => panic!("{}", wbt_site::diagnostic::report(&diagnostics)),
    }
}

/// The diagnostics of a tree that must fail to load.
pub fn diagnostics(name: &str) -> Vec<Diagnostic> {
    match build::build(&options(name), &Assets::embedded(), None) {
        Ok(_) => panic!("{name} loaded without errors"),
        Err(diagnostics) => diagnostics,
    }
}

pub fn router_for(options: &BuildOptions) -> App {
    let site = Arc::new(ArcSwap::from_pointee(rendered(options)));
    server::app(site, &ServerOptions::default())
}

/// The real router over the `site` fixture.
pub fn router() -> App {
    router_for(&options("site"))
}

/// A finished response: status, headers, whole body.
pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub async fn send(app: &App, request: Request<Body>) -> Reply {
    let response: Response<Body> = app.clone().oneshot(request).await.expect("router answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body reads")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &App, uri: &str) -> Reply {
    send(
        app,
        Request::get(uri)
            .body(Body::empty())
            .expect("request builds"),
    )
    .await
}

pub async fn get_with(app: &App, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(Body::empty()).expect("request builds")).await
}

/// A running `wbt-site` and the address it printed.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Kept open so the server can go on printing.
    pub stdout: BufReader<std::process::ChildStdout>,
    /// Reads the server's stderr as it comes, to its end: a pipe nobody reads fills
    /// after a few hundred access-log lines, and the server then blocks on the next.
    stderr: Option<std::thread::JoinHandle<()>>,
    /// What the server has logged so far.
    log: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// Starts `command` (which must listen on port 0) and waits for its "serving" line.
    /// It stops without a drain unless the command asks for one (`--drain-seconds`).
    pub fn start(mut command: Command) -> Server {
        if !command
            .get_envs()
            .any(|(name, _)| name == "WBT_DRAIN_SECONDS")
        {
            command.env("WBT_DRAIN_SECONDS", "0");
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut err = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = std::thread::spawn({
            let log = log.clone();
            move || {
                let mut chunk = [0; 8192];
                while let Ok(read @ 1..) = std::io::Read::read(&mut err, &mut chunk) {
                    log.lock().unwrap().extend_from_slice(&chunk[..read]);
                }
            }
        });
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a first line");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Server {
            child,
            base,
            stdout,
            stderr: Some(stderr),
            log,
        }
    }

    /// What the server has logged to stderr so far, while it runs.
    pub fn log_so_far(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// `GET path` on the server (redirects are not followed).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        client()
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The body of `GET path`.
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("a text body")
    }

    /// `/healthz` once the server has taken a stop signal in: `kill` returns before the
    /// server's signal task has run, so this asks again until the answer is no longer
    /// 200 (for at most 5 s) and returns that answer.
    pub async fn healthz_after_signal(&self) -> reqwest::Response {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let health = self.get("/healthz").await;
            if health.status() != 200 || Instant::now() > deadline {
                return health;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM and returns the exit code and everything logged to stderr.
    pub fn terminate(self) -> (Option<i32>, String) {
        self.signal("TERM");
        self.wait()
    }

    /// Sends the signal `name` (`TERM`, `HUP`, `INT`) to the server.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
    }

    /// `wbt-site serve --watch` on the folder `content`, on a free port.
    pub fn watching(content: &Path) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
        command
            .args(["serve", "--watch", "--addr", "127.0.0.1:0", "--content"])
            .arg(content);
        Server::start(command)
    }

    /// Waits for the server to exit (at most 30 s); its exit code and its whole stderr.
    pub fn wait(mut self) -> (Option<i32>, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                if let Some(reader) = self.stderr.take() {
                    let _ = reader.join();
                }
                return (status.code(), self.log_so_far());
            }
            assert!(
                Instant::now() < deadline,
                "no exit within 30 s of the signal"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// Copies a fixture tree into a temporary folder that a test may change.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixture(name), dir.path());
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// One response's head from `stream`, its body (by `Content-Length`) read and dropped.
pub fn read_response_head(stream: &mut impl Read) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let length: u64 = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .map_or(0, |value| value.trim().parse().unwrap());
    std::io::copy(&mut stream.take(length), &mut std::io::sink()).unwrap();
    head
}

/// The request-head deadline on one kept-alive connection to a server started with
/// `--request-timeout 1`: two requests each sent 0.6 s after the answer before them are
/// answered (the deadline moves on with each head), and a head left unfinished after the
/// third answer is cut off about a second later.
pub fn check_head_deadlines(stream: &mut (impl Read + Write)) {
    for pause in [0, 600, 600] {
        std::thread::sleep(Duration::from_millis(pause));
        stream
            .write_all(b"GET /about/ HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let head = read_response_head(stream);
        assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    }
    let answered = Instant::now();
    stream
        .write_all(b"GET /about/ HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    stream.flush().unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let waited = answered.elapsed();
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
        "{rest}"
    );
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "cut off after {waited:?}"
    );
}
