//! The hot path: a hand-written tower service that answers a request for the site with
//! one lookup in the current [`RenderedSite`], done on the spot (no task, no boxed
//! future). Axum's router and extractors cost more per request than the lookup itself, so
//! only `/healthz` and live preview's `/_wbt/` routes go to a small axum router.
//!
//! Owns the routing decision: which method and path get which page, asset, redirect or
//! 404, and the request-path rules (length, percent-decoding, staying inside the site).
//! Must not know how a response is encoded or cached ([`super::respond`]) or what wraps
//! every request ([`super::guard`]).

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Ready;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower::ServiceExt;
use tower::util::Oneshot;

use super::respond::{redirect, respond};
use crate::build::SharedSite;
use crate::content::urls::is_safe_path;
use crate::live_reload;
use crate::render::{CachePolicy, RenderedSite, Resource};

/// Longest request path accepted, in bytes.
const MAX_PATH_BYTES: usize = 2048;

/// Answers site requests from the current site; hands `/healthz` and, under live preview,
/// `/_wbt/*` to `routes`.
#[derive(Clone)]
pub struct SiteService {
    site: SharedSite,
    routes: Router,
    live_reload: bool,
}

impl SiteService {
    pub(crate) fn new(site: SharedSite, routes: Router, live_reload: bool) -> Self {
        SiteService {
            site,
            routes,
            live_reload,
        }
    }
}

impl<B> tower::Service<http::Request<B>> for SiteService
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, Oneshot<Router, Request>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        if path == "/healthz" || (self.live_reload && path.starts_with(live_reload::PREFIX)) {
            return Either::Right(self.routes.clone().oneshot(request.map(Body::new)));
        }
        let (request, _body) = request.into_parts();
        Either::Left(std::future::ready(Ok(answer(&self.site.load(), request))))
    }
}

/// A page, an asset, a redirect, or the 404 page. The request's header map goes on to
/// [`respond`], which reuses it.
fn answer(site: &RenderedSite, request: http::request::Parts) -> Response {
    let http::request::Parts {
        method,
        uri,
        headers,
        ..
    } = request;
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
    if let Some(overlay) = &site.overlay {
        let is_page = site
            .route(path.as_ref())
            .is_none_or(|r| r.content_type.as_bytes().starts_with(b"text/html"));
        if is_page {
            return respond(
                overlay,
                StatusCode::INTERNAL_SERVER_ERROR,
                headers,
                head,
                true,
            );
        }
    }
    if let Some(pages) = &site.on_request
        && (uri.query().is_some() || path.ends_with("/search") || path.ends_with("/search/"))
        && let Some((status, html)) = pages.answer(&path, uri.query().unwrap_or(""))
    {
        let page = Resource::new(
            "text/html; charset=utf-8",
            CachePolicy::Page,
            html.into_bytes(),
        );
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        return respond(&page, status, headers, head, true);
    }
    if let Some(resource) = site.route(path.as_ref()) {
        return respond(resource, StatusCode::OK, headers, head, site.live);
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    if let Some(target) = site.redirects.get(path.as_ref()).or_else(|| {
        (!path.ends_with('/'))
            .then(|| site.redirects.get(&format!("{path}/")))
            .flatten()
    }) {
        return redirect(StatusCode::MOVED_PERMANENTLY, target, &query);
    }
    if !path.ends_with('/') && site.has_route(&format!("{path}/")) {
        return redirect(StatusCode::PERMANENT_REDIRECT, &format!("{path}/"), &query);
    }
    // `index.html` is never a page's URL: `/about/index.html` is `/about/`, as behind nginx.
    if let Some(folder) = path.strip_suffix("index.html").filter(|f| f.ends_with('/')) {
        return redirect(StatusCode::PERMANENT_REDIRECT, folder, &query);
    }
    match site.not_found_for(&path) {
        Some(page) => respond(page, StatusCode::NOT_FOUND, headers, head, site.live),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The request path, percent-decoded, or `None` when it tries to leave the site
/// ([`is_safe_path`]: `..`, `.`, backslashes, NUL) or is not UTF-8.
/// Borrows the path when it has nothing to decode, as almost every request does.
fn decode_path(raw: &str) -> Option<Cow<'_, str>> {
    let decoded = if raw.contains('%') {
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()?
    } else {
        // Nothing to decode: not worth a pass of the decoder over every byte.
        Cow::Borrowed(raw)
    };
    is_safe_path(&decoded).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_refuses_ways_out_of_the_site() {
        assert_eq!(decode_path("/offices/").as_deref(), Some("/offices/"));
        assert_eq!(decode_path("/t%C3%BCrkiye/").as_deref(), Some("/türkiye/"));
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
            assert_eq!(decode_path(bad).as_deref(), None, "{bad}");
        }
    }

    #[test]
    fn decoding_borrows_when_there_is_nothing_to_decode() {
        assert!(matches!(
            decode_path("/offices/alpha/"),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(decode_path("/a%20b/"), Some(Cow::Owned(p)) if p == "/a b/"));
    }

    /// The server keeps no rule of its own: a path is refused exactly when its decoded
    /// form is not a safe path by `content::urls`.
    #[test]
    fn decoding_refuses_what_is_safe_path_refuses_after_decoding() {
        for (raw, decoded) in [
            ("/a%2Fb/", "/a/b/"),
            ("/%2E/", "/./"),
            ("/a..b/", "/a..b/"),
            ("/.well-known/x", "/.well-known/x"),
            ("/%2E%2E%2Fetc", "/../etc"),
            ("/a%2F..%2Fb", "/a/../b"),
            ("%2Fx", "/x"),
            ("x", "x"),
        ] {
            let expected = is_safe_path(decoded).then_some(decoded);
            assert_eq!(decode_path(raw).as_deref(), expected, "{raw}");
        }
    }
}
