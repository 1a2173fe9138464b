//! The export behind a real nginx answers as the server does: `wbt-site build` writes the
//! site and `wbt-site.nginx.conf`; nginx (Debian's, run here as our own process on a free
//! loopback port) serves the folder with that include; each sample request goes to nginx
//! and to the real router over the same rendered site, and status, headers and bodies
//! must agree.
//!
//! Needs nginx: `apt-get install nginx-light` (`.ci/run` installs it). Without it the test
//! fails and says so: it never passes silently.
//!
//! Known differences, checked as such: nginx has no brotli module in Debian, so where the
//! server sends brotli nginx sends gzip or identity (the decoded bodies must be equal);
//! nginx makes its own `ETag` (and `Last-Modified`) from the file, and 304 works with it;
//! its redirects carry a small HTML body where the server's are empty.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::body::Body;
use axum::http::Request;
use common::nginx::Nginx;
use common::{Reply, options, send};
use wbt_site::assets::Assets;
use wbt_site::build;
use wbt_site::server::{self, App, ServerOptions};

/// Headers only nginx sends, about the file or the connection.
const NGINX_ONLY: [&str; 6] = [
    "server",
    "date",
    "last-modified",
    "etag",
    "accept-ranges",
    "connection",
];

/// Starts nginx on `public` with the export's include.
fn start_nginx(public: &Path) -> Nginx {
    Nginx::start(|dir, port| {
        let temp = dir.display();
        format!(
            "master_process off;\nworker_processes 1;\n\
             pid {temp}/nginx.pid;\nevents {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {temp}/body;\n\
             proxy_temp_path {temp}/proxy;\n  fastcgi_temp_path {temp}/fastcgi;\n\
             uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port};\n    root {root};\n\
             include {root}/wbt-site.nginx.conf;\n  }}\n}}\n",
            root = public.display()
        )
    })
}

/// The `site` fixture exported to a folder nginx may read, and the real router serving
/// the same site.
fn export_and_router() -> (tempfile::TempDir, PathBuf, App, String) {
    let (options, assets) = (options("site"), Assets::embedded());
    let site = build::build(&options, &assets, None).unwrap_or_else(|d| report(&d));
    let loaded =
        build::load(&options, &assets, jiff::Timestamp::now()).unwrap_or_else(|d| report(&d));
    let dir = tempfile::tempdir().expect("temp dir");
    let public = dir.path().join("public");
    wbt_site::export::export(&loaded, &assets, &public).expect("export");
    // nginx may run its worker as another user: the folder must be readable by all.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let css = site
        .routes
        .keys()
        .find(|p| p.starts_with("/static/") && p.ends_with(".css"))
        .expect("a stylesheet")
        .clone();
    let app = server::app(
        Arc::new(ArcSwap::from_pointee(site)),
        &ServerOptions::default(),
    );
    (dir, public, app, css)
}

fn report<T>(diagnostics: &[wbt_site::diagnostic::Diagnostic]) -> T {
    panic!("{}", wbt_site::diagnostic::report(diagnostics))
}

async fn from_nginx(nginx: &Nginx, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = common::client().request(method, format!("{}{path}", nginx.base()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("nginx answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body").to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn from_server(app: &App, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(Body::empty()).expect("request")).await
}

/// The body as sent, decoded by its `Content-Encoding`.
fn decoded(reply: &Reply) -> Vec<u8> {
    let mut out = Vec::new();
    match reply.header("content-encoding") {
        _ if reply.body.is_empty() => {}
        "gzip" => {
            flate2::read::GzDecoder::new(&reply.body[..])
                .read_to_end(&mut out)
                .expect("gzip");
        }
        "br" => {
            brotli::Decompressor::new(&reply.body[..], 4096)
                .read_to_end(&mut out)
                .expect("brotli");
        }
        _ => out.clone_from(&reply.body),
    }
    out
}

/// The differences between nginx's answer and the server's, as readable lines.
fn differences(server: &Reply, nginx: &Reply, asked_for_br: bool) -> Vec<String> {
    let mut found = Vec::new();
    if server.status != nginx.status {
        found.push(format!(
            "status {} vs nginx {}",
            server.status, nginx.status
        ));
    }
    let redirect = (300..400).contains(&server.status) && server.status != 304;
    let mut skip = vec!["etag", "content-length"];
    if asked_for_br {
        skip.push("content-encoding");
    }
    for name in server.headers.keys() {
        let name = name.as_str();
        let ours: Vec<_> = server.headers.get_all(name).iter().collect();
        let theirs: Vec<_> = nginx.headers.get_all(name).iter().collect();
        if !skip.contains(&name) && ours != theirs {
            found.push(format!("{name}: {ours:?} vs nginx {theirs:?}"));
        }
    }
    for name in nginx.headers.keys() {
        let name = name.as_str();
        // The router leaves `Content-Length` to hyper, which writes it from the body.
        let extra = !server.headers.contains_key(name)
            && !NGINX_ONLY.contains(&name)
            && name != "content-length";
        let redirect_page = redirect && (name == "content-type" || name == "content-length");
        let encoding = asked_for_br && name == "content-encoding";
        if extra && !redirect_page && !encoding {
            found.push(format!("nginx only: {name}: {:?}", nginx.headers[name]));
        }
    }
    if !redirect && decoded(server) != decoded(nginx) {
        found.push(format!(
            "bodies differ ({} vs nginx {} bytes decoded)",
            decoded(server).len(),
            decoded(nginx).len()
        ));
    }
    found
}

/// A request (method, path, request headers) and the status the server must give it.
type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16);

#[tokio::test]
async fn the_export_behind_nginx_answers_as_the_server_does() {
    let (_dir, public, app, css) = export_and_router();
    let nginx = start_nginx(&public);
    let gzip = [("accept-encoding", "gzip")];
    let br = [("accept-encoding", "br")];
    let both = [("accept-encoding", "gzip, br")];
    let none: [(&str, &str); 0] = [];
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        // Pages, in each language, each encoding.
        ("GET", "/", &none, 200),
        ("GET", "/about/", &none, 200),
        ("GET", "/about/", &gzip, 200),
        ("GET", "/about/", &[("accept-encoding", "identity")], 200),
        ("GET", "/about/", &[("accept-encoding", "gzip;q=0")], 200),
        ("GET", "/about/", &br, 200),
        ("GET", "/about/", &both, 200),
        ("HEAD", "/about/", &gzip, 200),
        ("GET", "/tr/about/", &gzip, 200),
        ("GET", "/offices/", &gzip, 200),
        ("GET", "/news/page/2/", &gzip, 200),
        // Theme assets, media, feeds, sitemap, robots, health.
        ("GET", &css, &none, 200),
        ("GET", &css, &gzip, 200),
        ("GET", "/media/doc.txt", &gzip, 200),
        ("GET", "/feed.xml", &gzip, 200),
        ("GET", "/tr/feed.xml", &none, 200),
        ("GET", "/sitemap.xml", &gzip, 200),
        ("GET", "/robots.txt", &none, 200),
        ("GET", "/healthz", &none, 200),
        // Aliases (301), a page without its slash and index.html (308), kept queries.
        ("GET", "/about-us/", &none, 301),
        ("GET", "/about-us", &none, 301),
        ("GET", "/old-about?from=old", &none, 301),
        ("GET", "/about", &none, 308),
        ("GET", "/about?x=1", &none, 308),
        ("GET", "/about/index.html", &none, 308),
        ("GET", "/index.html?x=1", &none, 308),
        // Missing pages, in each language; files that are not URLs of their own.
        ("GET", "/no-such-page/", &gzip, 404),
        ("GET", "/tr/no-such-page/", &none, 404),
        ("GET", "/static/no-such.css", &none, 404),
        ("GET", "/static/", &none, 404),
        ("GET", "/about/index.html.gz", &none, 404),
        ("GET", "/about/index.html.br", &none, 404),
        ("GET", "/404.html", &none, 404),
        ("GET", "/_headers", &none, 404),
        ("GET", "/_redirects", &none, 404),
        ("GET", "/wbt-site.nginx.conf", &none, 404),
    ];
    let mut report = Vec::new();
    for (method, path, headers, expected) in &cases {
        let ours = from_server(&app, method, path, headers).await;
        let theirs = from_nginx(&nginx, method, path, headers).await;
        let asked_for_br = headers.iter().any(|(_, v)| v.contains("br"));
        let mut found = differences(&ours, &theirs, asked_for_br);
        if ours.status != *expected {
            found.push(format!(
                "server answered {}, expected {expected}",
                ours.status
            ));
        }
        if !found.is_empty() {
            report.push(format!(
                "{method} {path} {headers:?}:\n  {}",
                found.join("\n  ")
            ));
        }
    }
    assert!(
        report.is_empty(),
        "nginx differs from the server:\n{}",
        report.join("\n")
    );
}

/// Where the server sends brotli, Debian's nginx sends gzip (or identity): the same bytes.
#[tokio::test]
async fn without_brotli_nginx_falls_back_to_gzip_with_the_same_bytes() {
    let (_dir, public, app, _) = export_and_router();
    let nginx = start_nginx(&public);
    let headers = [("accept-encoding", "gzip, br")];
    let ours = from_server(&app, "GET", "/about/", &headers).await;
    let theirs = from_nginx(&nginx, "GET", "/about/", &headers).await;
    assert_eq!(ours.header("content-encoding"), "br");
    assert_eq!(theirs.header("content-encoding"), "gzip");
    assert_eq!(decoded(&ours), decoded(&theirs));
    assert_eq!(theirs.header("vary"), "Accept-Encoding");
}

/// Each answers 304 to its own ETag, with the same caching headers.
#[tokio::test]
async fn if_none_match_gives_304_from_both() {
    let (_dir, public, app, _) = export_and_router();
    let nginx = start_nginx(&public);
    for path in ["/about/", "/media/doc.txt"] {
        let ours = from_server(&app, "GET", path, &[]).await;
        let theirs = from_nginx(&nginx, "GET", path, &[]).await;
        let ours = from_server(&app, "GET", path, &[("if-none-match", ours.header("etag"))]).await;
        let theirs = from_nginx(
            &nginx,
            "GET",
            path,
            &[("if-none-match", theirs.header("etag"))],
        )
        .await;
        assert_eq!((ours.status, theirs.status), (304, 304), "{path}");
        for name in ["cache-control", "vary", "x-frame-options"] {
            assert_eq!(ours.header(name), theirs.header(name), "{path} {name}");
        }
    }
}
