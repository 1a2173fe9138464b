//! One route's response, prepared once: its bytes (identity, gzip, brotli), its strong
//! ETag, its content type and how long it may be cached. Knows nothing of pages or HTTP
//! requests.

use std::io::Write;

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// How long clients and caches may keep a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Pages: revalidate with the ETag after a minute.
    Page,
    /// Fingerprinted theme assets: never change under their URL.
    Immutable,
    /// Editors' media: kept an hour.
    Media,
}

/// One route's response body, prepared once.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The `Content-Type` header value, ready to send.
    pub content_type: http::HeaderValue,
    pub cache: CachePolicy,
    /// Strong ETag of the identity body, quoted (`"9f86d081884c7d65"`), ready to send.
    pub etag: http::HeaderValue,
    /// The ETags of the gzip and brotli bodies: `"9f86d081884c7d65-gz"`, `"…-br"`.
    pub etag_gzip: http::HeaderValue,
    pub etag_brotli: http::HeaderValue,
    /// Text that compresses: its responses vary with `Accept-Encoding`.
    pub compressible: bool,
    pub identity: Bytes,
    /// Kept only when smaller than the identity body.
    pub gzip: Option<Bytes>,
    pub brotli: Option<Bytes>,
}

impl Resource {
    /// Prepares `body` with its ETags and header values, so that serving formats nothing.
    /// Compressed variants come from [`Resource::compressed`]. A content type that cannot
    /// be a header value (a control character) is sent as `application/octet-stream`.
    pub fn new(content_type: &str, cache: CachePolicy, body: Vec<u8>) -> Resource {
        let digest = Sha256::digest(&body);
        let etag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let etag_value = |suffix: &str| {
            http::HeaderValue::try_from(format!("\"{etag}{suffix}\""))
                .expect("quoted hex digits are a header value")
        };
        Resource {
            content_type: http::HeaderValue::from_str(content_type)
                .unwrap_or_else(|_| http::HeaderValue::from_static("application/octet-stream")),
            cache,
            etag: etag_value(""),
            etag_gzip: etag_value("-gz"),
            etag_brotli: etag_value("-br"),
            compressible: content_type.starts_with("text/")
                || content_type.contains("xml")
                || content_type.contains("json")
                || content_type.contains("javascript")
                || content_type.contains("svg"),
            identity: Bytes::from(body),
            gzip: None,
            brotli: None,
        }
    }

    /// This resource with gzip and brotli variants, each kept only when smaller.
    pub fn compressed(&self) -> Resource {
        let body = &self.identity;
        let worth_it = self.compressible && body.len() > 256;
        let variant = |compress: fn(&[u8]) -> Option<Vec<u8>>| {
            worth_it
                .then(|| compress(body))
                .flatten()
                .filter(|smaller| smaller.len() < body.len())
                .map(Bytes::from)
        };
        Resource {
            gzip: self.gzip.clone().or_else(|| variant(gzip)),
            brotli: self.brotli.clone().or_else(|| variant(brotli)),
            ..self.clone()
        }
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

/// Content types as header text; text types say their charset.
pub fn mime_essence(mime: &mime_guess::Mime) -> &'static str {
    match mime.essence_str() {
        "text/css" => "text/css; charset=utf-8",
        "text/plain" => "text/plain; charset=utf-8",
        "text/html" => "text/html; charset=utf-8",
        "text/csv" => "text/csv; charset=utf-8",
        "image/svg+xml" => "image/svg+xml",
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "image/gif" => "image/gif",
        "image/webp" => "image/webp",
        "image/avif" => "image/avif",
        "image/x-icon" | "image/vnd.microsoft.icon" => "image/x-icon",
        "application/pdf" => "application/pdf",
        "application/json" => "application/json",
        "application/xml" | "text/xml" => "application/xml",
        "text/javascript" | "application/javascript" => "text/javascript; charset=utf-8",
        "font/woff2" => "font/woff2",
        "font/woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_etag_is_the_quoted_start_of_the_body_hash() {
        let resource = Resource::new(
            "text/plain; charset=utf-8",
            CachePolicy::Page,
            b"a".to_vec(),
        );
        assert_eq!(resource.etag, "\"ca978112ca1bbdca\"");
        assert_eq!(resource.etag_gzip, "\"ca978112ca1bbdca-gz\"");
    }

    #[test]
    fn compressed_variants_are_kept_only_when_smaller() {
        let text = "migration ".repeat(100).into_bytes();
        let page = Resource::new("text/html; charset=utf-8", CachePolicy::Page, text).compressed();
        assert!(
            page.gzip
                .as_ref()
                .is_some_and(|g| g.len() < page.identity.len())
        );
        assert!(page.brotli.is_some());
        let tiny = Resource::new(
            "text/html; charset=utf-8",
            CachePolicy::Page,
            b"<p>a</p>".to_vec(),
        );
        assert!(tiny.compressed().gzip.is_none());
        let image = Resource::new("image/png", CachePolicy::Media, vec![0; 1000]).compressed();
        assert!(!image.compressible && image.gzip.is_none());
    }

    #[test]
    fn text_types_say_their_charset() {
        let css = mime_guess::from_path("a.css").first_or_octet_stream();
        assert_eq!(mime_essence(&css), "text/css; charset=utf-8");
        let unknown = mime_guess::from_path("a.xyz").first_or_octet_stream();
        assert_eq!(mime_essence(&unknown), "application/octet-stream");
    }
}
