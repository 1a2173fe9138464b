//! The HTTP side: an axum router that answers every request with one lookup in the
//! current [`RenderedSite`], and the middleware around it (security headers, request
//! timeout, panic to 500, header size limit, one log line per request).
//!
//! The site sits behind an [`ArcSwap`], so a rebuild (a scheduled page coming due) swaps a
//! whole new site in while requests in flight finish on the old one.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::render::{CachePolicy, RenderedSite, Resource};

/// Longest request path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 2048;
/// Largest total size of request headers accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// The site being served, swappable while serving.
pub type SharedSite = Arc<ArcSwap<RenderedSite>>;

/// How the server behaves, beside the site it serves.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// A request taking longer is answered with 408.
    pub request_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// The router: `/healthz`, then every other path looked up in the site.
pub fn app(site: SharedSite, options: &ServerOptions) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(serve_route)
        .with_state(site)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        .layer(middleware::from_fn(limit_headers))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(log_request))
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn healthz() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        "ok\n",
    )
}

/// Every path but `/healthz`: a page, an asset, a redirect, or the 404 page.
async fn serve_route(
    State(site): State<SharedSite>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, HeaderValue::from_static("GET, HEAD"))],
        )
            .into_response();
    }
    let head = method == Method::HEAD;
    let raw_path = uri.path();
    if raw_path.len() > MAX_PATH_BYTES {
        return StatusCode::URI_TOO_LONG.into_response();
    }
    let Some(path) = decode_path(raw_path) else {
        return (StatusCode::BAD_REQUEST, "bad request path\n").into_response();
    };
    let site = site.load();
    if let Some(resource) = site.routes.get(&path) {
        return respond(resource, StatusCode::OK, &headers, head);
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    if let Some(target) = site.redirects.get(&path).or_else(|| {
        (!path.ends_with('/'))
            .then(|| site.redirects.get(&format!("{path}/")))
            .flatten()
    }) {
        return redirect(StatusCode::MOVED_PERMANENTLY, target, &query);
    }
    if !path.ends_with('/') && site.routes.contains_key(&format!("{path}/")) {
        return redirect(StatusCode::PERMANENT_REDIRECT, &format!("{path}/"), &query);
    }
    match site.not_found_for(&path) {
        Some(page) => respond(page, StatusCode::NOT_FOUND, &headers, head),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The request path, percent-decoded, or `None` when it tries to leave the site
/// (`..`, `.`, backslashes, NUL) or is not UTF-8.
fn decode_path(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?
        .into_owned();
    let bad = !decoded.starts_with('/')
        || decoded.contains('\\')
        || decoded.contains('\0')
        || decoded
            .split('/')
            .any(|segment| segment == ".." || segment == ".");
    (!bad).then_some(decoded)
}

/// A path as a `Location` header value: everything but visible ASCII percent-encoded.
fn encode_path(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'?')
        .add(b'#');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}

/// A redirect to `path` (decoded) with `query` (as received, `?` included, or empty).
fn redirect(status: StatusCode, path: &str, query: &str) -> Response {
    match HeaderValue::from_str(&format!("{}{query}", encode_path(path))) {
        Ok(value) => (status, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "bad redirect target\n").into_response(),
    }
}

/// Which body to send for the request's `Accept-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// Picks brotli, then gzip, when the client accepts it (q > 0).
fn choose_encoding(headers: &HeaderMap, resource: &Resource) -> Encoding {
    let accepts = |name: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .filter_map(|q| q.trim().parse::<f32>().ok())
                    .next()
                    .unwrap_or(1.0);
                (coding.eq_ignore_ascii_case(name) || coding == "*") && q > 0.0
            })
    };
    if resource.brotli.is_some() && accepts("br") {
        Encoding::Brotli
    } else if resource.gzip.is_some() && accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Does `If-None-Match` name `etag` (weak comparison, as RFC 9110 asks for it)?
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// The response for `resource`: the right encoding, ETag, caching, 304 when unchanged.
fn respond(resource: &Resource, status: StatusCode, headers: &HeaderMap, head: bool) -> Response {
    let encoding = choose_encoding(headers, resource);
    let (body, coding, etag) = match encoding {
        Encoding::Brotli => (
            resource.brotli.clone().unwrap_or_default(),
            Some("br"),
            format!("{}-br\"", resource.etag.trim_end_matches('"')),
        ),
        Encoding::Gzip => (
            resource.gzip.clone().unwrap_or_default(),
            Some("gzip"),
            format!("{}-gz\"", resource.etag.trim_end_matches('"')),
        ),
        Encoding::Identity => (resource.identity.clone(), None, resource.etag.clone()),
    };
    let cache_control = match (status, resource.cache) {
        (StatusCode::NOT_FOUND, _) => "public, max-age=60",
        (_, CachePolicy::Page) => "public, max-age=60, must-revalidate",
        (_, CachePolicy::Immutable) => "public, max-age=31536000, immutable",
        (_, CachePolicy::Media) => "public, max-age=3600",
    };
    let mut response = Response::new(Body::empty());
    let out = response.headers_mut();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if resource.gzip.is_some() || resource.brotli.is_some() {
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if status == StatusCode::OK {
        if let Ok(value) = HeaderValue::from_str(&etag) {
            out.insert(header::ETAG, value);
        }
        if none_match(headers, &etag) {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return response;
        }
    }
    if let Ok(value) = HeaderValue::from_str(&resource.content_type) {
        out.insert(header::CONTENT_TYPE, value);
    }
    if let Some(coding) = coding {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    *response.status_mut() = status;
    if !head {
        *response.body_mut() = Body::from(body);
    }
    response
}

/// Adds the security headers to every response, errors and panics included.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Answers 431 when the request's headers are larger than [`MAX_HEADER_BYTES`].
async fn limit_headers(request: Request, next: Next) -> Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > MAX_HEADER_BYTES {
        return StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.into_response();
    }
    next.run(request).await
}

/// One log line per request: method, path, status, time taken.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        target: "wbt_site::access",
        %method,
        path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
    );
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Server error</title>\
         <h1>Server error</h1><p>Something went wrong on our side. Please try again.</p></html>\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_refuses_ways_out_of_the_site() {
        assert_eq!(decode_path("/offices/"), Some("/offices/".to_owned()));
        assert_eq!(decode_path("/t%C3%BCrkiye/"), Some("/türkiye/".to_owned()));
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/x",
            "/a/%2E%2E/",
            "/a\\b",
            "/a%5c..",
            "/a%00",
            "/./x",
            "/%ff",
        ] {
            assert_eq!(decode_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn location_is_ascii() {
        assert_eq!(encode_path("/türkiye/"), "/t%C3%BCrkiye/");
    }
}
