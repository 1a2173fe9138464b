//! Byte ranges (RFC 9110 §14) of editors' media, which PDF viewers and video players ask
//! for: one satisfiable range is a 206 part, a range wholly past the end is 416, and
//! anything else (several ranges, a malformed header, a stale `If-Range`, a page or a
//! theme asset) gets the whole body, as the RFC lets a server do.
//!
//! Pure functions of the request headers and the resource. Must not know routes or how
//! the response is encoded: [`super::respond`] builds it.

use std::ops::RangeInclusive;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use bytes::Bytes;
use http_range_header::RangeUnsatisfiableError;

use crate::render::{CachePolicy, Resource};

/// What the request's `Range` asks of `resource`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ranged {
    Whole,
    Part(RangeInclusive<usize>),
    Unsatisfiable,
}

/// Are byte ranges of `resource` served (and `Accept-Ranges: bytes` sent)?
pub(crate) fn accepts_ranges(resource: &Resource) -> bool {
    resource.cache == CachePolicy::Media
}

/// The part of `resource` the request asks for.
pub(crate) fn requested(headers: &HeaderMap, resource: &Resource) -> Ranged {
    if !accepts_ranges(resource) {
        return Ranged::Whole;
    }
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ranged::Whole;
    };
    // Only a strong validator equal to the identity body's ETag keeps the range.
    if let Some(if_range) = headers.get(header::IF_RANGE)
        && if_range.as_bytes() != resource.etag.as_bytes()
    {
        return Ranged::Whole;
    }
    let length = resource.identity.len();
    let parsed = http_range_header::parse_range_header(range)
        .and_then(|ranges| ranges.validate(length as u64));
    match parsed.as_deref() {
        Ok([only]) => match (usize::try_from(*only.start()), usize::try_from(*only.end())) {
            (Ok(start), Ok(end)) => Ranged::Part(start..=end),
            _ => Ranged::Whole,
        },
        Err(RangeUnsatisfiableError::Unsatisfiable) => Ranged::Unsatisfiable,
        _ => Ranged::Whole,
    }
}

/// `status` and `body` for `ranged`, with its `Content-Range` added to `out`: a part is
/// 206, a range past the end 416 with no body.
pub(crate) fn cut(
    ranged: Ranged,
    status: StatusCode,
    body: Bytes,
    out: &mut HeaderMap,
) -> (StatusCode, Bytes) {
    let (status, body, content_range) = match ranged {
        Ranged::Whole => return (status, body),
        Ranged::Part(part) => (
            StatusCode::PARTIAL_CONTENT,
            body.slice(part.clone()),
            format!("bytes {}-{}/{}", part.start(), part.end(), body.len()),
        ),
        Ranged::Unsatisfiable => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            Bytes::new(),
            format!("bytes */{}", body.len()),
        ),
    };
    if let Ok(value) = HeaderValue::try_from(content_range) {
        out.insert(header::CONTENT_RANGE, value);
    }
    (status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(range: &str, if_range: Option<&str>, cache: CachePolicy) -> Ranged {
        let resource = Resource::new("application/pdf", cache, vec![b'x'; 100]);
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
        if let Some(tag) = if_range {
            let tag = if tag == "current" {
                resource.etag.clone()
            } else {
                HeaderValue::from_str(tag).unwrap()
            };
            headers.insert(header::IF_RANGE, tag);
        }
        requested(&headers, &resource)
    }

    #[test]
    fn one_range_of_media_is_a_part_and_the_rest_is_the_whole() {
        use CachePolicy::{Immutable, Media, Page};
        for (range, if_range, cache, expected) in [
            ("bytes=0-9", None, Media, Ranged::Part(0..=9)),
            ("bytes=90-", None, Media, Ranged::Part(90..=99)),
            ("bytes=-5", None, Media, Ranged::Part(95..=99)),
            ("bytes=50-1000", None, Media, Ranged::Part(50..=99)),
            ("bytes=0-9", Some("current"), Media, Ranged::Part(0..=9)),
            ("bytes=100-", None, Media, Ranged::Unsatisfiable),
            ("bytes=0-9", Some("\"stale\""), Media, Ranged::Whole),
            ("bytes=0-1,5-6", None, Media, Ranged::Whole),
            ("bytes=9-0", None, Media, Ranged::Whole),
            ("bytes=x", None, Media, Ranged::Whole),
            ("lines=1-2", None, Media, Ranged::Whole),
            ("bytes=0-9", None, Page, Ranged::Whole),
            ("bytes=0-9", None, Immutable, Ranged::Whole),
        ] {
            assert_eq!(
                ask(range, if_range, cache),
                expected,
                "{range} {if_range:?}"
            );
        }
    }
}
