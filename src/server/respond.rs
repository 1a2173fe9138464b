//! From a prepared [`Resource`] and the request's headers to a response: which body to send
//! for `Accept-Encoding`, conditional GET (`If-None-Match`, 304), caching headers, HEAD,
//! byte ranges of media ([`super::range`]); and redirects with a safe `Location`.
//!
//! Pure functions of their arguments. Must not know routes, the site or how requests
//! arrive: the site service picks the resource and the status, this module builds the reply.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::range::{self, Ranged};
use crate::render::{CachePolicy, Resource, headers};

/// How many headers a response may carry here and in the guard: the map is made this big
/// once (for a connection's first request) and reused from then on.
const RESPONSE_HEADERS: usize = 16;

/// Which body to send for the request's `Accept-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The items of a comma-separated list header, over all its lines, as untrimmed bytes.
/// Read as bytes: the codings and ETags compared with them are ASCII, so a byte that is
/// not can only fail to match, and no UTF-8 check is needed first.
fn list_items(headers: &HeaderMap, name: header::HeaderName) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(name)
        .into_iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
}

/// `text` cut at its first `separator`, or `None` when there is none.
fn split_once(text: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = text.iter().position(|&b| b == separator)?;
    Some((&text[..at], &text[at + 1..]))
}

/// The body to send, by RFC 9110 §12.5.3: each coding's q-value comes from its own entry
/// in `Accept-Encoding`, else from `*`; a coding with q = 0 is never sent; among the
/// bodies the resource has, the highest q wins, brotli before gzip before identity on a
/// tie. Identity is acceptable unless excluded, and unnamed it comes last. Without the
/// header, identity (as nginx does: a client that names no coding may decode none).
/// Malformed parameters are ignored.
fn choose_encoding(headers: &HeaderMap, resource: &Resource) -> Encoding {
    let mut star = None;
    let mut explicit: [Option<u16>; 3] = [None; 3];
    for item in list_items(headers, header::ACCEPT_ENCODING) {
        let mut parts = item.split(|&b| b == b';');
        let coding = parts.next().unwrap_or_default().trim_ascii();
        let q = parts.filter_map(quality).next_back().unwrap_or(1000);
        let is = |name: &[u8]| coding.eq_ignore_ascii_case(name);
        let slot = if is(b"br") {
            &mut explicit[0]
        } else if is(b"gzip") || is(b"x-gzip") {
            &mut explicit[1]
        } else if is(b"identity") {
            &mut explicit[2]
        } else if coding == b"*" {
            &mut star
        } else {
            continue;
        };
        *slot = Some(q);
    }
    let q = |index: usize, default: u16| explicit[index].or(star).unwrap_or(default);
    let candidates = [
        (Encoding::Brotli, resource.brotli.is_some(), q(0, 0)),
        (Encoding::Gzip, resource.gzip.is_some(), q(1, 0)),
        // Unnamed, identity is acceptable but the least preferred (q = 0.001).
        (Encoding::Identity, true, explicit[2].or(star).unwrap_or(1)),
    ];
    candidates
        .into_iter()
        .filter(|(_, available, q)| *available && *q > 0)
        .fold(
            None,
            |best: Option<(Encoding, u16)>, (encoding, _, q)| match best {
                Some((_, best_q)) if best_q >= q => best,
                _ => Some((encoding, q)),
            },
        )
        .map_or(Encoding::Identity, |(encoding, _)| encoding)
}

/// A `q=` parameter as thousandths (`q=0.5` → 500); `None` for any other or malformed
/// parameter, which is then ignored.
fn quality(parameter: &[u8]) -> Option<u16> {
    let (name, value) = split_once(parameter, b'=')?;
    if !name.trim_ascii().eq_ignore_ascii_case(b"q") {
        return None;
    }
    let value = value.trim_ascii();
    let (whole, fraction) = split_once(value, b'.').unwrap_or((value, b""));
    if fraction.len() > 3 || !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digits = fraction
        .iter()
        .fold(0u16, |number, digit| number * 10 + u16::from(digit - b'0'));
    let thousandths = digits * 10u16.pow(3 - fraction.len() as u32);
    match whole {
        b"0" => Some(thousandths),
        b"1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Does `If-None-Match` name `etag` (weak comparison, as RFC 9110 asks for it)?
fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    list_items(headers, header::IF_NONE_MATCH)
        .map(|tag| {
            let mut tag = tag.trim_ascii();
            while let Some(strong) = tag.strip_prefix(b"W/") {
                tag = strong;
            }
            tag
        })
        .any(|tag| tag == b"*" || tag == etag.as_bytes())
}

/// `Cache-Control` for `resource` answered with `status`; `live`: under live preview.
fn cache_control(status: StatusCode, cache: CachePolicy, live: bool) -> HeaderValue {
    const NO_STORE: HeaderValue = HeaderValue::from_static(headers::NO_STORE);
    const LIVE: HeaderValue = HeaderValue::from_static(headers::LIVE_CACHE_CONTROL);
    const NOT_FOUND: HeaderValue = HeaderValue::from_static(headers::NOT_FOUND_CACHE_CONTROL);
    const PAGE: HeaderValue = HeaderValue::from_static(CachePolicy::Page.cache_control());
    const IMMUTABLE: HeaderValue = HeaderValue::from_static(CachePolicy::Immutable.cache_control());
    const MEDIA: HeaderValue = HeaderValue::from_static(CachePolicy::Media.cache_control());
    match (status, cache) {
        (StatusCode::INTERNAL_SERVER_ERROR, _) => NO_STORE,
        (_, CachePolicy::Page) if live => LIVE,
        (StatusCode::NOT_FOUND, _) => NOT_FOUND,
        (_, CachePolicy::Page) => PAGE,
        (_, CachePolicy::Immutable) => IMMUTABLE,
        (_, CachePolicy::Media) => MEDIA,
    }
}

// The header values `respond` sends, made at compile time: `HeaderValue::from_static`
// called at run time checks every byte again, on every request.
const VARY: HeaderValue = HeaderValue::from_static(headers::VARY);
const BYTES: HeaderValue = HeaderValue::from_static("bytes");
const BROTLI: HeaderValue = HeaderValue::from_static("br");
const GZIP: HeaderValue = HeaderValue::from_static("gzip");

/// The response for `resource`: the right encoding, ETag, caching, 304 when unchanged.
/// `request` holds the request's headers; once read, its map is emptied and carries the
/// response's. hyper hands a response's map back for the next request's head, so a
/// connection allocates no header map per request. `live`: under live preview, pages are
/// revalidated on every visit.
pub(crate) fn respond(
    resource: &Resource,
    status: StatusCode,
    request: HeaderMap,
    head: bool,
    live: bool,
) -> Response {
    let ranged = match status {
        StatusCode::OK => range::requested(&request, resource),
        _ => Ranged::Whole,
    };
    // A part is a range of the identity body.
    let encoding = match ranged {
        Ranged::Whole => choose_encoding(&request, resource),
        _ => Encoding::Identity,
    };
    let (body, coding, etag) = match encoding {
        Encoding::Brotli => (&resource.brotli, Some(BROTLI), &resource.etag_brotli),
        Encoding::Gzip => (&resource.gzip, Some(GZIP), &resource.etag_gzip),
        Encoding::Identity => (&None, None, &resource.etag),
    };
    let unchanged = status == StatusCode::OK && none_match(&request, etag);
    // `choose_encoding` picks a compressed body only when there is one.
    let body = body.clone().unwrap_or_else(|| resource.identity.clone());
    let mut response = Response::new(Body::empty());
    let out = response.headers_mut();
    *out = request;
    out.clear();
    // Room for these headers and the security headers, so the map never grows.
    out.reserve(RESPONSE_HEADERS);
    out.insert(
        header::CACHE_CONTROL,
        cache_control(status, resource.cache, live),
    );
    if resource.compressible {
        out.insert(header::VARY, VARY);
    }
    if range::accepts_ranges(resource) {
        out.insert(header::ACCEPT_RANGES, BYTES);
    }
    if status == StatusCode::OK {
        out.insert(header::ETAG, etag.clone());
        if unchanged {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return response;
        }
    }
    out.insert(header::CONTENT_TYPE, resource.content_type.clone());
    if let Some(coding) = coding {
        out.insert(header::CONTENT_ENCODING, coding);
    }
    let (status, body) = range::cut(ranged, status, body, out);
    if head {
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    } else {
        // hyper writes `Content-Length` from the body's exact size, without the two
        // allocations a header value of our own costs.
        *response.body_mut() = Body::from(body);
    }
    *response.status_mut() = status;
    response
}

/// A redirect to `path` (decoded) with `query` (as received, `?` included, or empty).
pub(crate) fn redirect(status: StatusCode, path: &str, query: &str) -> Response {
    match HeaderValue::from_str(&format!("{}{query}", headers::location(path))) {
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

    /// RFC 9110 §12.5.3: the highest q wins among the bodies there are, brotli before
    /// gzip before identity on a tie; q = 0 excludes; `*` covers codings not named.
    #[test]
    fn encoding_follows_accept_encoding_and_the_bodies_there_are() {
        let both = resource(true, true);
        let gzip_only = resource(true, false);
        let neither = resource(false, false);
        for (accept, resource, expected) in [
            (&[][..], &both, Identity),
            (&[""][..], &both, Identity),
            (&["gzip"][..], &both, Gzip),
            (&["br"], &both, Brotli),
            (&["gzip, br"], &both, Brotli),
            (&["gzip;q=1.0, br;q=0.1"], &both, Gzip),
            (&["br;q=0.5, gzip;q=1"], &both, Gzip),
            (&["br;q=0.5, gzip;q=0.5"], &both, Brotli),
            (&["gzip", "br"], &both, Brotli),
            (&["BR"], &both, Brotli),
            (&["GZip"], &both, Gzip),
            (&["x-gzip"], &both, Gzip),
            (&["*"], &both, Brotli),
            (&["*;q=0"], &both, Identity),
            (&["br;q=0, *"], &both, Gzip),
            (&["br;q=0"], &both, Identity),
            (&["br;q=0, gzip"], &both, Gzip),
            (&[" br ; q=0.0 "], &both, Identity),
            (&["br;q=0.001"], &both, Brotli),
            (&["br;Q=0"], &both, Identity),
            (&["br;q=x"], &both, Brotli),
            (&["br;q=2"], &both, Brotli),
            (&["br;q=0.5000"], &both, Brotli),
            (&["gzip;level=9"], &both, Gzip),
            (&["gzip;q=0.5, identity"], &both, Identity),
            (&["identity;q=0, gzip;q=0.1"], &both, Gzip),
            (&["identity"], &both, Identity),
            (&["brotli, deflate"], &both, Identity),
            // A coding that is not ASCII matches none; the rest of its line still counts.
            (&["brötli, gzip"], &both, Gzip),
            (&["br, gzip"], &gzip_only, Gzip),
            (&["br"], &gzip_only, Identity),
            (&["br, gzip, *"], &neither, Identity),
            (&["identity;q=0"], &neither, Identity),
        ] {
            let map = headers(header::ACCEPT_ENCODING, accept);
            assert_eq!(choose_encoding(&map, resource), expected, "{accept:?}");
        }
    }

    #[test]
    fn q_values_are_read_to_three_decimals_and_anything_else_is_ignored() {
        for (parameter, expected) in [
            ("q=1", Some(1000)),
            ("q=1.000", Some(1000)),
            ("Q=0.5", Some(500)),
            (" q = 0.25 ", Some(250)),
            ("q=0", Some(0)),
            ("q=0.", Some(0)),
            ("q=1.5", None),
            ("q=0.1234", None),
            ("q=-0", None),
            ("q=", None),
            ("level=1", None),
            ("q", None),
        ] {
            assert_eq!(quality(parameter.as_bytes()), expected, "{parameter:?}");
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
            (&["W/W/\"abc\""], true),
            (&["\"é\", \"abc\""], true),
            (&["\"abc-gz\""], false),
            (&["abc"], false),
            (&["\"ABC\""], false),
            (&[""], false),
        ] {
            let map = headers(header::IF_NONE_MATCH, if_none_match);
            assert_eq!(none_match(&map, &etag), expected, "{if_none_match:?}");
        }
    }

    /// `respond` builds the response in the request's own header map: nothing the client
    /// sent may come back, on a 200, a 304 or a 404.
    #[test]
    fn no_request_header_is_sent_back() {
        let both = resource(true, true);
        let mut request = headers(header::ACCEPT_ENCODING, &["gzip"]);
        request.insert(header::COOKIE, HeaderValue::from_static("session=secret"));
        request.insert("x-forwarded-for", HeaderValue::from_static("192.0.2.1"));
        let unchanged = {
            let mut map = request.clone();
            map.insert(header::IF_NONE_MATCH, both.etag_gzip.clone());
            map
        };
        for (request, status, expected) in [
            (request.clone(), StatusCode::OK, StatusCode::OK),
            (unchanged, StatusCode::OK, StatusCode::NOT_MODIFIED),
            (request, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
        ] {
            let sent: Vec<_> = request.keys().cloned().collect();
            let reply = respond(&both, status, request, false, false);
            assert_eq!(reply.status(), expected);
            for name in sent {
                assert!(!reply.headers().contains_key(&name), "{name} came back");
            }
            assert!(reply.headers().contains_key(header::CACHE_CONTROL));
        }
    }

    #[test]
    fn each_body_has_its_own_etag_and_304_only_for_its_own() {
        let both = resource(true, true);
        let mut request = headers(header::ACCEPT_ENCODING, &["br"]);
        let reply = respond(&both, StatusCode::OK, request.clone(), false, false);
        assert_eq!(reply.headers()[header::ETAG], both.etag_brotli);
        assert_eq!(reply.headers()[header::CONTENT_ENCODING], "br");
        request.insert(header::IF_NONE_MATCH, both.etag.clone());
        let reply = respond(&both, StatusCode::OK, request.clone(), false, false);
        assert_eq!(
            reply.status(),
            StatusCode::OK,
            "the identity ETag is not the brotli body's"
        );
        request.insert(header::IF_NONE_MATCH, both.etag_brotli.clone());
        let reply = respond(&both, StatusCode::OK, request.clone(), false, false);
        assert_eq!(reply.status(), StatusCode::NOT_MODIFIED);
    }
}
