//! The response headers that follow from what a route is, never from the request: the
//! security headers on every response, the `Cache-Control` of each [`CachePolicy`] and of
//! the 404 page, `Vary` for bodies that come compressed, and redirects' `Location`.
//!
//! The one list: the server sends these (`server::guard`, `server::respond`) and the
//! export writes the same values out for CDNs and nginx (`export`), so the two cannot
//! drift apart. Knows nothing of requests.

use http::{HeaderName, HeaderValue, header};

use super::CachePolicy;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// The headers on every response, errors, redirects and 304s included.
pub const SECURITY_HEADERS: [(HeaderName, HeaderValue); 6] = [
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    ),
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
];

/// `Cache-Control` of a 404 page: kept a minute, not revalidated (it has no ETag).
pub const NOT_FOUND_CACHE_CONTROL: &str = "public, max-age=60";

/// `Cache-Control` of what must never be stored: error pages, `/healthz`, `/metrics`.
pub const NO_STORE: &str = "no-store";

/// `Cache-Control` of pages under live preview: revalidated on every visit.
pub const LIVE_CACHE_CONTROL: &str = "no-cache";

/// `Vary` of a response whose body has compressed variants ([`super::Resource::compressible`]).
pub const VARY: &str = "Accept-Encoding";

/// A path as a `Location` header value: everything but visible ASCII percent-encoded (and
/// `$`, which nginx would read as a variable).
pub fn location(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'?')
        .add(b'#')
        .add(b'$');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}

impl CachePolicy {
    /// `Cache-Control` of a route's 200 and 304 responses.
    pub const fn cache_control(self) -> &'static str {
        match self {
            CachePolicy::Page => "public, max-age=60, must-revalidate",
            CachePolicy::Immutable => "public, max-age=31536000, immutable",
            CachePolicy::Media => "public, max-age=3600",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_headers_are_distinct_and_plain_text() {
        let headers = SECURITY_HEADERS;
        let names: std::collections::BTreeSet<_> =
            headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), SECURITY_HEADERS.len());
        for (_, value) in SECURITY_HEADERS {
            // Written into nginx and `_headers` files: no quote or line break may appear.
            let text = value.to_str().unwrap();
            assert!(!text.contains(['"', '\n', '\\']), "{text}");
        }
    }

    #[test]
    fn location_is_ascii() {
        assert_eq!(location("/türkiye/"), "/t%C3%BCrkiye/");
        assert_eq!(location("/a b/?#$"), "/a%20b/%3F%23%24");
    }
}
