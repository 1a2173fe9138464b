//! HTTPS: `--tls-cert` and `--tls-key` (PEM) serve HTTP/1.1 and HTTP/2 (by ALPN) with a
//! certificate made at test time; `--hsts` adds `Strict-Transport-Security`; a missing,
//! empty or mismatched certificate or key stops the server at start with an error that
//! names the file.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Server, fixture};

/// A self-signed certificate for `localhost` and 127.0.0.1: `(cert PEM, key PEM)`.
fn certificate() -> (String, String) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names).expect("a certificate");
    (made.cert.pem(), made.signing_key.serialize_pem())
}

fn serve_tls(cert: &Path, key: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--tls-cert"])
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .args(extra)
        .arg("--content")
        .arg(fixture("site"));
    command
}

/// A client that trusts `cert_pem` only; `http1_only` or else HTTP/2 when offered.
fn client(cert_pem: &str, http1_only: bool) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("PEM");
    let builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
        .redirect(reqwest::redirect::Policy::none());
    let builder = if http1_only {
        builder.http1_only()
    } else {
        builder
    };
    builder.build().expect("client builds")
}

#[tokio::test]
async fn https_serves_http2_and_http1_with_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = certificate();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, &key_pem).unwrap();
    let server = Server::start(serve_tls(&cert, &key, &["--hsts"]));
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let url = format!("{}/about/", server.base.replace("127.0.0.1", "localhost"));

    for (http1_only, version) in [
        (false, reqwest::Version::HTTP_2),
        (true, reqwest::Version::HTTP_11),
    ] {
        let reply = client(&cert_pem, http1_only)
            .get(&url)
            .header("accept-encoding", "identity")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e:?}"));
        assert_eq!(reply.version(), version);
        assert_eq!(reply.status(), 200);
        assert_eq!(
            reply.headers()["strict-transport-security"],
            "max-age=31536000"
        );
        assert_eq!(reply.headers()["x-frame-options"], "DENY");
        let body = reply.text().await.unwrap();
        assert!(body.contains("About the fixture"), "{version:?}");
    }
    // Plain HTTP on the TLS port is not served.
    let plain = reqwest::get(url.replace("https://", "http://")).await;
    assert!(plain.is_err() || plain.is_ok_and(|r| r.status() != 200));

    // Stopping drains HTTP/2 connections as well.
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("path=\"/about/\""), "{log}");
}

#[tokio::test]
async fn without_hsts_there_is_no_strict_transport_security() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = certificate();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, &key_pem).unwrap();
    let server = Server::start(serve_tls(&cert, &key, &[]));
    let url = format!("{}/", server.base.replace("127.0.0.1", "localhost"));
    let reply = client(&cert_pem, false).get(&url).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    assert!(reply.headers().get("strict-transport-security").is_none());
}

#[test]
fn a_missing_empty_or_mismatched_certificate_or_key_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = certificate();
    let (_, other_key_pem) = certificate();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let cert = file("cert.pem", &cert_pem);
    let key = file("key.pem", &key_pem);
    let other_key = file("other-key.pem", &other_key_pem);
    let garbage = file("garbage.pem", "not a certificate\n");
    let missing = dir.path().join("missing.pem");

    for (cert, key, expected) in [
        (
            &missing,
            &key,
            format!("cannot read the TLS certificate {}", missing.display()),
        ),
        (
            &cert,
            &missing,
            format!("cannot read the TLS key {}", missing.display()),
        ),
        (
            &garbage,
            &key,
            format!("{}: no certificate in it", garbage.display()),
        ),
        (
            &cert,
            &garbage,
            format!("{}: no private key in it", garbage.display()),
        ),
        (
            &key,
            &key,
            format!("{}: no certificate in it", key.display()),
        ),
        (&cert, &other_key, "do not go together".to_owned()),
    ] {
        let output = serve_tls(cert, key, &[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&expected),
            "expected {expected:?} in:\n{stderr}"
        );
        assert!(output.stdout.is_empty(), "never started serving");
    }

    // One without the other is a command-line error.
    let output = Command::new(env!("CARGO_BIN_EXE_wbt-site"))
        .args(["serve", "--addr", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-key"));
}

/// Over HTTPS (HTTP/1.1) as over plain HTTP, each request head on a kept-alive connection
/// gets the whole `--request-timeout` from the answer before it, and no more.
#[test]
fn each_head_over_https_gets_the_whole_timeout_and_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let server = Server::start(serve_tls(&cert, &key, &["--request-timeout", "1"]));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let socket = std::net::TcpStream::connect(server.base.trim_start_matches("https://")).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    common::check_head_deadlines(&mut rustls::StreamOwned::new(connection, socket));
}
