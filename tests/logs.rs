//! The log as an operator reads it: at the default level, this crate's lines and no
//! dependency's internals; `--log-format json` for log collectors.

mod common;

use std::fs;
use std::process::Command;

use common::{Server, copy_fixture, fixture};

/// A copy of the `site` fixture whose about page has a table with a div inside, which
/// html5ever (under ammonia) warns about with "foster parenting not implemented".
fn site_with_hostile_html() -> tempfile::TempDir {
    let dir = copy_fixture("site");
    let about = dir.path().join("about.md");
    let mut text = fs::read_to_string(&about).unwrap();
    text.push_str("\n<table><div>x</div></table>\n");
    fs::write(&about, text).unwrap();
    dir
}

/// Serves `dir` with `args` added and `env` set (no `RUST_LOG` unless there), fetches the
/// about page and returns everything the server logged.
async fn log_of_serving(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(dir)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("WBT_LOG_FORMAT")
        .envs(env.iter().copied());
    let server = Server::start(command);
    assert_eq!(server.get("/about/").await.status(), 200);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    log
}

#[tokio::test]
async fn the_default_log_has_this_crates_lines_and_no_dependencys_internals() {
    let dir = site_with_hostile_html();
    let log = log_of_serving(dir.path(), &[], &[]).await;
    assert!(!log.contains("foster parenting"), "{log}");
    assert!(
        log.contains("path=\"/about/\"") && log.contains("status=200"),
        "the access line stays: {log}"
    );
    assert!(log.contains("stopped"), "{log}");

    // RUST_LOG replaces the default filter: the warning is there to be hidden.
    let log = log_of_serving(dir.path(), &[], &[("RUST_LOG", "info")]).await;
    assert!(log.contains("foster parenting"), "{log}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_a_message() {
    let log = log_of_serving(&fixture("site"), &["--log-format", "json"], &[]).await;
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    for line in &lines {
        assert!(line.is_object(), "{line}");
        for field in ["timestamp", "level", "target"] {
            assert!(line[field].is_string(), "no {field}: {line}");
        }
    }
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["message"].as_str()).collect();
    assert!(messages.contains(&"stopped"), "{log}");
    assert!(
        lines.iter().any(|l| l["target"] == "wbt_site::access"
            && l["path"] == "/about/"
            && l["status"] == 200),
        "the access line, as fields: {log}"
    );
}

/// Fetches `/about/?utm=1` as a proxy would send it, from a server started with `args`;
/// the server's log, and the number of body bytes received.
async fn log_of_a_proxied_request(args: &[&str]) -> (String, usize) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(fixture("site"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("WBT_LOG_FORMAT");
    let server = Server::start(command);
    let reply = common::client()
        .get(format!("{}/about/?utm=1", server.base))
        .header("user-agent", "probe/1.0 \"quoted\"")
        .header("referer", "https://example.org/from")
        .header("x-forwarded-for", "198.51.100.7, 203.0.113.9")
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let bytes = reply.bytes().await.unwrap().len();
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    (log, bytes)
}

#[tokio::test]
async fn access_lines_identify_the_client_and_the_request() {
    let (log, bytes) = log_of_a_proxied_request(&["--trusted-proxy", "127.0.0.0/8"]).await;
    let line = log
        .lines()
        .find(|l| l.contains("wbt_site::access") && l.contains("/about/"))
        .unwrap_or_else(|| panic!("no access line: {log}"));
    let bytes_field = format!("bytes={bytes} ");
    for field in [
        "peer=127.0.0.1:",
        "client=203.0.113.9",
        "method=GET",
        "path=\"/about/\"",
        "query=\"utm=1\"",
        "status=200",
        &bytes_field,
        "micros=",
        "agent=\"probe/1.0 \\\"quoted\\\"\"",
        "referer=\"https://example.org/from\"",
    ] {
        assert!(line.contains(field), "no {field} in {line}");
    }

    // Not a trusted proxy: X-Forwarded-For is not believed.
    let (log, _) = log_of_a_proxied_request(&["--trusted-proxy", "10.0.0.0/8"]).await;
    assert!(log.contains("client=127.0.0.1"), "{log}");
    assert!(!log.contains("203.0.113.9"), "{log}");

    // JSON: the same fields, typed.
    let (log, bytes) =
        log_of_a_proxied_request(&["--log-format", "json", "--trusted-proxy", "127.0.0.1"]).await;
    let line: serde_json::Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["target"] == "wbt_site::access" && l["path"] == "/about/")
        .unwrap_or_else(|| panic!("no access line: {log}"));
    assert_eq!(line["client"], "203.0.113.9");
    assert_eq!(line["query"], "utm=1");
    assert_eq!(line["status"], 200);
    assert_eq!(line["agent"], "probe/1.0 \"quoted\"");
    assert_eq!(line["bytes"], bytes, "{line}");
    assert!(
        line["peer"]
            .as_str()
            .is_some_and(|p| p.starts_with("127.0.0.1:"))
    );

    // Off: no access line at all, the other lines stay.
    let (log, _) = log_of_a_proxied_request(&["--access-log", "off"]).await;
    assert!(!log.contains("wbt_site::access"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn the_log_format_comes_from_the_environment_too() {
    let output = Command::new(env!("CARGO_BIN_EXE_wbt-site"))
        .args(["build", "--content", "/nonexistent/content", "--out"])
        .arg(std::env::temp_dir().join("wbt-site-never-written"))
        .env("WBT_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line: serde_json::Value = serde_json::from_str(stderr.trim()).expect("one JSON line");
    assert_eq!(line["level"], "ERROR");
    assert!(
        line["message"]
            .as_str()
            .unwrap()
            .contains("cannot read the content"),
        "{line}"
    );
}

/// Serving threads hold their access lines back and write them in batches: a line must
/// still reach the log as soon as the server has nothing else to do, and under a burst
/// every line must arrive, whole.
#[tokio::test]
async fn access_lines_arrive_while_serving_and_whole_under_a_burst() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "json"])
        .arg("--content")
        .arg(fixture("site"))
        .env_remove("RUST_LOG")
        .env_remove("WBT_LOG_FORMAT");
    let server = Server::start(command);

    // One request on an idle server: its line is written without waiting for more.
    assert_eq!(server.get("/about/?alone").await.status(), 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !server.log_so_far().contains("\"query\":\"alone\"") {
        assert!(
            std::time::Instant::now() < deadline,
            "the access line of a lone request was still held back after 5 s: {}",
            server.log_so_far()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // A burst larger than what a thread holds (32 KiB): every line, each one whole.
    let client = common::client();
    let requests = 600;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..requests {
        let (client, base) = (client.clone(), server.base.clone());
        let path = ["/about/", "/offices/", "/no-such-page/"][n % 3];
        tasks.spawn(async move {
            let reply = client.get(format!("{base}{path}?n={n}")).send().await;
            reply.expect("the server answers").status().as_u16()
        });
    }
    while let Some(status) = tasks.join_next().await {
        let status = status.expect("the request task ends");
        assert!([200, 404].contains(&status), "{status}");
    }
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    let mut seen = vec![0; requests];
    for line in log.lines() {
        let line: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a torn or mixed line ({e}): {line}"));
        if let Some(n) = line["query"].as_str().and_then(|q| q.strip_prefix("n=")) {
            seen[n.parse::<usize>().unwrap()] += 1;
        }
    }
    let wrong: Vec<_> = (0..requests).filter(|&n| seen[n] != 1).collect();
    assert!(
        wrong.is_empty(),
        "requests without exactly one line: {wrong:?}"
    );
}
