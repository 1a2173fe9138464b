//! From a prepared [`Resource`] and the request's headers to a response: which body to send
//! for `Accept-Encoding`, conditional GET (`If-None-Match`, 304), caching headers, HEAD;
//! and redirects with a safe `Location`.
//!
//! Pure functions of their arguments. Must not know routes, the site or how requests
//! arrive: the site service picks the resource and the status, this module builds the reply.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::render::{CachePolicy, Resource};

/// Which body to send for the request's `Accept-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The items of a comma-separated list header, over all its lines (untrimmed; lines that
/// are not visible ASCII are skipped).
fn list_items(headers: &HeaderMap, name: header::HeaderName) -> impl Iterator<Item = &str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
}

/// Picks brotli, then gzip, when the resource has that body and the client accepts it
/// (q > 0).
fn choose_encoding(headers: &HeaderMap, resource: &Resource) -> Encoding {
    let accepts = |name: &str| {
        list_items(headers, header::ACCEPT_ENCODING).any(|item| {
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
fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    list_items(headers, header::IF_NONE_MATCH)
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag.as_bytes() == etag.as_bytes())
}

/// `Cache-Control` for `resource` answered with `status`; `live`: under live preview.
fn cache_control(status: StatusCode, cache: CachePolicy, live: bool) -> &'static str {
    match (status, cache) {
        (StatusCode::INTERNAL_SERVER_ERROR, _) => "no-store",
        (_, CachePolicy::Page) if live => "no-cache",
        (StatusCode::NOT_FOUND, _) => "public, max-age=60",
        (_, CachePolicy::Page) => "public, max-age=60, must-revalidate",
        (_, CachePolicy::Immutable) => "public, max-age=31536000, immutable",
        (_, CachePolicy::Media) => "public, max-age=3600",
    }
}

/// The response for `resource`: the right encoding, ETag, caching, 304 when unchanged.
/// `live`: under live preview, pages are revalidated on every visit.
pub(crate) fn respond(
    resource: &Resource,
    status: StatusCode,
    headers: &HeaderMap,
    head: bool,
    live: bool,
) -> Response {
    let (body, coding, etag) = match choose_encoding(headers, resource) {
        Encoding::Brotli => (&resource.brotli, Some("br"), &resource.etag_brotli),
        Encoding::Gzip => (&resource.gzip, Some("gzip"), &resource.etag_gzip),
        Encoding::Identity => (&None, None, &resource.etag),
    };
    // `choose_encoding` picks a compressed body only when there is one.
    let body = body.clone().unwrap_or_else(|| resource.identity.clone());
    let mut response = Response::new(Body::empty());
    // Room for these headers and the security headers, so the map never grows.
    *response.headers_mut() = HeaderMap::with_capacity(16);
    let out = response.headers_mut();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(status, resource.cache, live)),
    );
    if resource.compressible {
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if status == StatusCode::OK {
        out.insert(header::ETAG, etag.clone());
        if none_match(headers, etag) {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return response;
        }
    }
    out.insert(header::CONTENT_TYPE, resource.content_type.clone());
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
pub(crate) fn redirect(status: StatusCode, path: &str, query: &str) -> Response {
    match HeaderValue::from_str(&format!("{}{query}", encode_path(path))) {
        Ok(value) => (status, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "bad redirect target\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Encoding::{Brotli, Gzip, Identity};

    fn headers(name: header::HeaderName, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn resource(gzip: bool, brotli: bool) -> Resource {
        let mut resource =
            Resource::new("text/html; charset=utf-8", CachePolicy::Page, b"x".into());
        resource.gzip = gzip.then(|| bytes::Bytes::from_static(b"g"));
        resource.brotli = brotli.then(|| bytes::Bytes::from_static(b"b"));
        resource
    }

    /// The choice as it stands: brotli before gzip whatever the client's order or
    /// q-values, any q > 0 (or none, or one that does not parse) accepts.
    #[test]
    fn encoding_follows_accept_encoding_and_the_bodies_there_are() {
        let both = resource(true, true);
        let gzip_only = resource(true, false);
        let neither = resource(false, false);
        for (accept, resource, expected) in [
            (&[][..], &both, Identity),
            (&["gzip"][..], &both, Gzip),
            (&["br"], &both, Brotli),
            (&["gzip, br"], &both, Brotli),
            (&["gzip;q=1.0, br;q=0.1"], &both, Brotli),
            (&["gzip", "br"], &both, Brotli),
            (&["BR"], &both, Brotli),
            (&["GZip"], &both, Gzip),
            (&["*"], &both, Brotli),
            (&["*;q=0"], &both, Identity),
            (&["br;q=0"], &both, Identity),
            (&["br;q=0, gzip"], &both, Gzip),
            (&[" br ; q=0.0 "], &both, Identity),
            (&["br;q=0.001"], &both, Brotli),
            (&["br;q=x"], &both, Brotli),
            (&["br;Q=0"], &both, Brotli),
            (&["identity"], &both, Identity),
            (&["x-gzip, brotli"], &both, Identity),
            (&["deflate"], &both, Identity),
            (&["br, gzip"], &gzip_only, Gzip),
            (&["br"], &gzip_only, Identity),
            (&["br, gzip, *"], &neither, Identity),
        ] {
            let map = headers(header::ACCEPT_ENCODING, accept);
            assert_eq!(choose_encoding(&map, resource), expected, "{accept:?}");
        }
    }

    #[test]
    fn if_none_match_names_the_etag_weakly_or_with_a_star() {
        let etag = HeaderValue::from_static("\"abc\"");
        for (if_none_match, expected) in [
            (&[][..], false),
            (&["\"abc\""][..], true),
            (&["W/\"abc\""], true),
            (&["*"], true),
            (&["\"x\", \"abc\""], true),
            (&["\"x\"", " \"abc\" "], true),
            (&["\"x\",\"y\""], false),
            (&["\"abc-gz\""], false),
            (&["abc"], false),
            (&["\"ABC\""], false),
            (&[""], false),
        ] {
            let map = headers(header::IF_NONE_MATCH, if_none_match);
            assert_eq!(none_match(&map, &etag), expected, "{if_none_match:?}");
        }
    }

    #[test]
    fn each_body_has_its_own_etag_and_304_only_for_its_own() {
        let both = resource(true, true);
        let mut request = headers(header::ACCEPT_ENCODING, &["br"]);
        let reply = respond(&both, StatusCode::OK, &request, false, false);
        assert_eq!(reply.headers()[header::ETAG], both.etag_brotli);
        assert_eq!(reply.headers()[header::CONTENT_ENCODING], "br");
        request.insert(header::IF_NONE_MATCH, both.etag.clone());
        let reply = respond(&both, StatusCode::OK, &request, false, false);
        assert_eq!(
            reply.status(),
            StatusCode::OK,
            "the identity ETag is not the brotli body's"
        );
        request.insert(header::IF_NONE_MATCH, both.etag_brotli.clone());
        let reply = respond(&both, StatusCode::OK, &request, false, false);
        assert_eq!(reply.status(), StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn location_is_ascii() {
        assert_eq!(encode_path("/türkiye/"), "/t%C3%BCrkiye/");
        assert_eq!(encode_path("/a b/?#"), "/a%20b/%3F%23");
    }
}
