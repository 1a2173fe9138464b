//! Requests as an attacker writes them, sent byte for byte over a real socket to the
//! binary (an HTTP client library would tidy them first): every way out of the content
//! folder, overlong targets and headers, a client that sends its request slowly, methods
//! the site has no use for, and byte ranges on media.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Server, check_head_deadlines, copy_dir, fixture, read_response_head};

/// What a file outside the content folder holds; no reply may contain it.
const SECRET: &str = "SECRET-OUTSIDE-THE-SITE";

/// A server over a copy of the `site` fixture in `dir/content`, with a secret file beside
/// the content folder and a PDF in `media/`.
fn serve(dir: &Path, extra: &[&str]) -> Server {
    copy_dir(&fixture("site"), &dir.join("content"));
    std::fs::write(dir.join("secret.txt"), SECRET).unwrap();
    std::fs::write(dir.join("content/media/guide.pdf"), pdf()).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .arg("--content")
        .arg(dir.join("content"));
    Server::start(command)
}

/// A small PDF-like file of 1,000 bytes whose every byte says where it is.
fn pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((bytes.len()..1000).map(|i| b'a' + (i % 26) as u8));
    bytes
}

fn address(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// Sends `raw` as it is and reads the reply until the server closes the connection.
fn exchange(server: &Server, raw: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(address(server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(raw).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    reply
}

/// `GET target` with `headers`, the connection closed after the reply.
fn raw_get(server: &Server, target: &[u8], headers: &str) -> (u16, String) {
    let mut raw = b"GET ".to_vec();
    raw.extend_from_slice(target);
    raw.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    raw.extend_from_slice(headers.as_bytes());
    raw.extend_from_slice(b"\r\n");
    let reply = String::from_utf8_lossy(&exchange(server, &raw)).into_owned();
    (status_of(&reply), reply)
}

fn status_of(reply: &str) -> u16 {
    reply
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {reply:?}"))
}

#[test]
fn every_traversal_form_answers_400_or_404_and_never_a_file_outside() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let targets: &[&[u8]] = &[
        b"/../secret.txt",
        b"/media/../../secret.txt",
        b"/media/../site.toml",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E/%2E%2E/secret.txt",
        b"/media/%2e%2e%2f%2e%2e%2fsecret.txt",
        b"/media%2f..%2f..%2fsecret.txt",
        b"/%252e%252e/secret.txt",
        b"/%252e%252e%252fsecret.txt",
        b"/media/..%5c..%5csecret.txt",
        b"/media\\..\\..\\secret.txt",
        b"/media/doc.txt%00.html",
        b"/media/%00/../../secret.txt",
        b"/%c0%ae%c0%ae/secret.txt",
        b"/%c0%ae%c0%ae%c0%afsecret.txt",
        b"/%e0%80%ae%e0%80%ae/secret.txt",
        b"/%c0%2e%c0%2e/secret.txt",
        b"/./secret.txt",
        b"//secret.txt",
        b"/site.toml",
        b"/i18n/en.toml",
        b"http://x/../secret.txt",
        b"../secret.txt",
        b"/etc/passwd",
        b"/../../../../../../etc/passwd",
        b"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    ];
    for target in targets {
        let (status, reply) = raw_get(&server, target, "");
        let shown = String::from_utf8_lossy(target);
        assert!(matches!(status, 400 | 404), "{shown}: {status}");
        assert!(!reply.contains(SECRET), "{shown} leaked the secret");
        assert!(!reply.contains("base_url"), "{shown} leaked site.toml");
        assert!(!reply.contains("root:"), "{shown} leaked /etc/passwd");
    }
    // The same server does serve what is inside.
    assert_eq!(raw_get(&server, b"/media/doc.txt", "").0, 200);
}

#[test]
fn long_targets_get_414_and_big_headers_431_over_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    for length in [3_000, 60_000] {
        let target = format!("/{}", "a".repeat(length));
        let (status, _) = raw_get(&server, target.as_bytes(), "");
        assert_eq!(status, 414, "a target of {length} bytes");
    }
    for length in [20_000, 200_000] {
        let header = format!("X-Big: {}\r\n", "b".repeat(length));
        let (status, _) = raw_get(&server, b"/", &header);
        assert_eq!(status, 431, "a header of {length} bytes");
    }
    let many: String = (0..2000).map(|i| format!("X-H{i}: v\r\n")).collect();
    assert_eq!(raw_get(&server, b"/", &many).0, 431, "2000 small headers");
}

/// Slowloris: a request head sent one byte at a time, slowly enough that the whole head
/// would take far longer than the request timeout. The server must give up on it (408, or
/// closing the connection) before the client has sent it all.
#[test]
fn a_client_that_sends_its_request_slowly_is_cut_off_before_it_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--request-timeout", "1"]);
    let stream = TcpStream::connect(address(&server)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let finished = Arc::new(AtomicBool::new(false));
    let finished_by_writer = finished.clone();
    let head = b"GET / HTTP/1.1\r\nHost: slow\r\nUser-Agent: one byte at a time\r\n\r\n";
    let drip = std::thread::spawn(move || {
        for byte in head {
            if writer.write_all(&[*byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        finished_by_writer.store(true, Ordering::SeqCst);
    });
    let mut reader = stream;
    reader
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut reply = Vec::new();
    let _ = reader.read_to_end(&mut reply);
    assert!(
        !finished.load(Ordering::SeqCst),
        "the whole slow request was read"
    );
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
        "{reply}"
    );
    let _ = reader.shutdown(std::net::Shutdown::Both);
    drip.join().unwrap();
    assert_eq!(raw_get(&server, b"/", "").0, 200, "others are still served");
}

/// On a kept-alive connection each request head gets the whole `--request-timeout` from
/// the end of the answer before it, and no more (see [`common::check_head_deadlines`]).
#[test]
fn each_head_on_a_kept_alive_connection_gets_the_whole_timeout_and_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--request-timeout", "1"]);
    let mut stream = TcpStream::connect(address(&server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    check_head_deadlines(&mut stream);
}

/// The server builds each response in the map that held the request's headers, and hyper
/// hands that map back for the next request on the connection: on one kept-alive
/// connection, no header a client sends may come back, in any later response either.
#[test]
fn no_request_header_comes_back_on_a_kept_alive_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let mut stream = TcpStream::connect(address(&server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut heads = Vec::new();
    for (target, headers) in [
        (
            "/about/",
            "Cookie: session=probe-1\r\nAccept-Encoding: gzip\r\n",
        ),
        (
            "/about/",
            "X-Probe: probe-2\r\nIf-None-Match: \"probe-3\"\r\n",
        ),
        (
            "/no/such/page/",
            "X-Forwarded-For: 192.0.2.1\r\nX-Probe: probe-4\r\n",
        ),
        ("/about/", "Range: bytes=0-1\r\nX-Probe: probe-5\r\n"),
    ] {
        let raw = format!("GET {target} HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
        stream.write_all(raw.as_bytes()).unwrap();
        heads.push(read_response_head(&mut stream));
    }
    let statuses: Vec<u16> = heads.iter().map(|head| status_of(head)).collect();
    assert_eq!(statuses, [200, 200, 404, 200]);
    for head in &heads {
        let lower = head.to_ascii_lowercase();
        for sent in [
            "probe",
            "cookie",
            "x-forwarded-for",
            "if-none-match",
            "range:",
        ] {
            assert!(!lower.contains(sent), "`{sent}` came back in {head}");
        }
        assert!(
            lower.contains("\r\nx-content-type-options: nosniff\r\n"),
            "{head}"
        );
    }
}

#[test]
fn methods_other_than_get_and_head_get_405_with_allow() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    for method in [
        "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO",
    ] {
        for target in [
            "/",
            "/about/",
            "/media/doc.txt",
            "/no/such/page/",
            "/healthz",
        ] {
            let raw = format!(
                "{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let reply = String::from_utf8_lossy(&exchange(&server, raw.as_bytes())).into_owned();
            assert_eq!(status_of(&reply), 405, "{method} {target}");
            let allow = reply
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("allow: ")
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| panic!("{method} {target}: no Allow in {reply}"));
            assert!(
                allow.contains("get") && allow.contains("head"),
                "{method} {target}: {allow}"
            );
        }
    }
}

/// What a browser's PDF viewer does: ask for byte ranges of a document in `media/`.
#[tokio::test]
async fn byte_ranges_of_media_are_served_with_206_and_416() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let client = common::client();
    let url = format!("{}/media/guide.pdf", server.base);
    let whole = pdf();
    let range = |value: &str| client.get(&url).header("range", value.to_owned()).send();

    let full = client.get(&url).send().await.unwrap();
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["accept-ranges"], "bytes");

    for (value, from, to) in [
        ("bytes=0-99", 0, 99),
        ("bytes=900-", 900, 999),
        ("bytes=-10", 990, 999),
        ("bytes=990-5000", 990, 999),
    ] {
        let reply = range(value).await.unwrap();
        assert_eq!(reply.status(), 206, "{value}");
        assert_eq!(
            reply.headers()["content-range"],
            format!("bytes {from}-{to}/1000").as_str(),
            "{value}"
        );
        assert!(reply.headers().get("content-encoding").is_none());
        let body = reply.bytes().await.unwrap();
        assert_eq!(&body[..], &whole[from..=to], "{value}");
    }

    let unsatisfiable = range("bytes=1000-").await.unwrap();
    assert_eq!(unsatisfiable.status(), 416);
    assert_eq!(unsatisfiable.headers()["content-range"], "bytes */1000");

    // Malformed, several ranges, or another unit: the whole file, as RFC 9110 allows.
    for value in ["bytes=a-b", "bytes=0-1,5-6", "items=0-1", "bytes=5-1"] {
        let reply = range(value).await.unwrap();
        assert!(matches!(reply.status().as_u16(), 200 | 416), "{value}");
        if reply.status() == 200 {
            assert_eq!(reply.bytes().await.unwrap().len(), 1000, "{value}");
        }
    }

    // If-Range with an old validator: the whole file.
    let stale = client
        .get(&url)
        .header("range", "bytes=0-9")
        .header("if-range", "\"old\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    // Pages are not ranged.
    let page = client
        .get(format!("{}/about/", server.base))
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
}
