//! How the server answers: routes, redirects, 404, caching, compression, HEAD, headers,
//! and hostile paths. Each test drives the real router over the `site` fixture.

mod common;

use std::io::Read;

use axum::body::Body;
use axum::http::Request;
use common::{get, get_with, router, send};

#[tokio::test]
async fn every_section_and_kind_is_served() {
    let app = router();
    for (path, needle) in [
        ("/", "A lead sentence for the fixture."),
        ("/about/", "About the fixture"),
        ("/offices/", "The main office."),
        ("/offices/alpha/", "Alpha City"),
        ("/countries/land-a/", "Transit country"),
        ("/themes/return/", "Return theme text."),
        ("/leadership/head/", "Head of Region"),
        ("/projects/p-one/", "Donor A, Donor B"),
        ("/news/item-05/", "Body of item 05."),
        ("/media/doc.txt", "A plain text document."),
        ("/healthz", "ok"),
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.text().contains(needle), "{path} lacks {needle:?}");
    }
}

#[tokio::test]
async fn bare_paths_redirect_permanently_to_the_slash_form_keeping_the_query() {
    let app = router();
    let reply = get(&app, "/offices/alpha?x=1").await;
    assert_eq!(reply.status, 308);
    assert_eq!(reply.header("location"), "/offices/alpha/?x=1");
}

#[tokio::test]
async fn aliases_answer_301_to_the_canonical_url() {
    let app = router();
    for alias in ["/old-about", "/old-about/", "/about-us/"] {
        let reply = get(&app, alias).await;
        assert_eq!(reply.status, 301, "{alias}");
        assert_eq!(reply.header("location"), "/about/", "{alias}");
    }
}

#[tokio::test]
async fn unknown_routes_get_the_404_page_in_the_visitors_language() {
    let app = router();
    let reply = get(&app, "/no/such/page/").await;
    assert_eq!(reply.status, 404);
    assert!(reply.text().contains("Page not found"));
    assert!(reply.header("content-type").starts_with("text/html"));
    let reply = get(&app, "/tr/no/such/page/").await;
    assert_eq!(reply.status, 404);
    assert!(reply.text().contains("Sayfa bulunamadı"));
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = router();
    for path in [
        "/",
        "/no-such-page/",
        "/offices/alpha",
        "/healthz",
        "/../etc/passwd",
    ] {
        let reply = get(&app, path).await;
        let csp = reply.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff", "{path}");
        assert!(!reply.header("referrer-policy").is_empty(), "{path}");
        assert!(!reply.header("permissions-policy").is_empty(), "{path}");
    }
}

#[tokio::test]
async fn pages_carry_no_script() {
    let app = router();
    for path in [
        "/",
        "/about/",
        "/news/",
        "/offices/alpha/",
        "/news/item-01/",
    ] {
        let text = get(&app, path).await.text();
        // JSON-LD is data the browser never runs; nothing else may be a script.
        let code = text.replace("<script type=\"application/ld+json\">", "");
        assert!(!code.contains("<script"), "{path} has a script");
        assert!(!text.contains("onclick"), "{path} has an event handler");
    }
}

#[tokio::test]
async fn etag_and_if_none_match_give_304() {
    let app = router();
    let first = get(&app, "/about/").await;
    let etag = first.header("etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    let again = get_with(&app, "/about/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), etag);
    let other = get_with(&app, "/about/", &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(other.status, 200);
}

#[tokio::test]
async fn gzip_and_brotli_are_chosen_by_accept_encoding() {
    let app = router();
    let plain = get(&app, "/about/").await;
    assert_eq!(plain.header("content-encoding"), "");
    assert_eq!(plain.header("vary"), "Accept-Encoding");

    let gz = get_with(&app, "/about/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_string(&mut unzipped)
        .expect("valid gzip");
    assert_eq!(unzipped, plain.text());
    assert_ne!(
        gz.header("etag"),
        plain.header("etag"),
        "each encoding has its own ETag"
    );

    let br = get_with(&app, "/about/", &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(br.header("content-encoding"), "br");
    let mut unbrotli = Vec::new();
    brotli::BrotliDecompress(&mut &br.body[..], &mut unbrotli).expect("valid brotli");
    assert_eq!(unbrotli, plain.body);

    let refused = get_with(&app, "/about/", &[("accept-encoding", "br;q=0, gzip;q=0")]).await;
    assert_eq!(refused.header("content-encoding"), "");
}

#[tokio::test]
async fn head_works_on_every_kind_of_route() {
    let app = router();
    for path in [
        "/",
        "/about/",
        "/media/doc.txt",
        "/healthz",
        "/no-such-page/",
        "/offices/alpha",
    ] {
        let got = get(&app, path).await;
        let head = send(&app, Request::head(path).body(Body::empty()).unwrap()).await;
        assert_eq!(head.status, got.status, "{path}");
        assert!(head.body.is_empty(), "{path}: HEAD has no body");
        assert_eq!(
            head.header("content-type"),
            got.header("content-type"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn other_methods_are_refused_with_allow() {
    let app = router();
    let reply = send(&app, Request::post("/about/").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), "GET, HEAD");
}

#[tokio::test]
async fn theme_assets_are_fingerprinted_and_immutable() {
    let app = router();
    let home = get(&app, "/").await.text();
    let start = home.find("/static/style.").expect("stylesheet link");
    let url: String = home[start..].chars().take_while(|c| *c != '"').collect();
    assert!(
        url.ends_with(".css") && url.len() > "/static/style..css".len() + 8,
        "{url}"
    );
    let css = get(&app, &url).await;
    assert_eq!(css.status, 200);
    assert_eq!(
        css.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(
        get(&app, "/static/style.css").await.status,
        404,
        "only the fingerprinted name"
    );
}

#[tokio::test]
async fn path_traversal_in_any_form_is_refused() {
    let app = router();
    for path in [
        "/../Cargo.toml",
        "/media/../site.toml",
        "/%2e%2e/Cargo.toml",
        "/media/%2E%2E/%2E%2E/Cargo.toml",
        "/media/..%5c..%5cCargo.toml",
        "/media%5c..%5csite.toml",
        "/media/doc.txt%00.html",
        "/site.toml",
        "/i18n/en.toml",
    ] {
        let reply = get(&app, path).await;
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {}",
            reply.status
        );
        assert!(!reply.text().contains("base_url"), "{path} leaked a file");
    }
}

#[tokio::test]
async fn overlong_paths_and_headers_are_refused() {
    let app = router();
    let long = format!("/{}", "a".repeat(5000));
    assert_eq!(get(&app, &long).await.status, 414);
    let big = "x".repeat(20 * 1024);
    assert_eq!(get_with(&app, "/", &[("x-big", &big)]).await.status, 431);
}

#[tokio::test]
async fn robots_and_sitemap_list_published_pages_only() {
    let app = router();
    let robots = get(&app, "/robots.txt").await.text();
    assert!(robots.contains("Sitemap: https://fixture.example/sitemap.xml"));
    let sitemap = get(&app, "/sitemap.xml").await.text();
    assert!(sitemap.contains("<loc>https://fixture.example/about/</loc>"));
    assert!(sitemap.contains("<loc>https://fixture.example/tr/about/</loc>"));
    assert!(!sitemap.contains("draft-item"));
    assert!(!sitemap.contains("future-item"));
}

#[tokio::test]
async fn accept_encoding_q_values_are_honoured_end_to_end() {
    let app = common::router();
    for (accept, expected) in [
        ("br;q=0, *", "gzip"),
        ("br;q=0.5, gzip;q=1", "gzip"),
        ("gzip;q=0.2, br;q=0.9", "br"),
        ("*;q=0, identity", ""),
        ("br;q=0, gzip;q=0", ""),
        ("GZIP;Q=0.5, Br;q=0.8;x=1", "br"),
    ] {
        let page = common::get_with(&app, "/about/", &[("accept-encoding", accept)]).await;
        assert_eq!(page.status, 200, "{accept}");
        assert_eq!(page.header("content-encoding"), expected, "{accept}");
    }
}
