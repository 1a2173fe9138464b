//! One route's response, prepared once: its bytes (identity, gzip, brotli), its strong
//! ETag, its content type and how long it may be cached. Knows nothing of pages or HTTP
//! requests.

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
            etag: etag_value(""),
            etag_gzip: etag_value("-gz"),
            etag_brotli: etag_value("-br"),
            ..Resource::without_etags(content_type, cache, body)
        }
    }

    /// [`Resource::new`] with empty ETags, for an export: files carry none, and the web
    /// server that sends them makes its own.
    pub fn without_etags(content_type: &str, cache: CachePolicy, body: Vec<u8>) -> Resource {
        let none = http::HeaderValue::from_static("");
        Resource {
            content_type: http::HeaderValue::from_str(content_type)
                .unwrap_or_else(|_| http::HeaderValue::from_static("application/octet-stream")),
            cache,
            etag: none.clone(),
            etag_gzip: none.clone(),
            etag_brotli: none,
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

    /// This resource with gzip and brotli variants, each kept only when smaller, made
    /// with the server's [`Compression::SMALLEST`].
    pub fn compressed(&self) -> Resource {
        self.compressed_with(Compression::SMALLEST)
    }

    /// This resource with gzip and brotli variants made with `compression`, each kept
    /// only when smaller.
    pub fn compressed_with(&self, compression: Compression) -> Resource {
        let body = &self.identity;
        let worth_it = self.compressible && body.len() > 256;
        let variant = |compress: &dyn Fn(&[u8]) -> Option<Vec<u8>>| {
            worth_it
                .then(|| compress(body))
                .flatten()
                .filter(|smaller| smaller.len() < body.len())
                .map(Bytes::from)
        };
        Resource {
            gzip: self
                .gzip
                .clone()
                .or_else(|| variant(&|b| gzip(b, compression.gzip))),
            brotli: self.brotli.clone().or_else(|| {
                let quality = compression.brotli?;
                variant(&|b| brotli(b, quality))
            }),
            ..self.clone()
        }
    }

    /// What the header files of an export need of this resource once its bodies are
    /// written out: its type, cache policy and whether it compresses; no bodies and no
    /// ETags. The same for every route of a kind, so an export may share one.
    pub fn headers_only(&self) -> Resource {
        Resource {
            content_type: self.content_type.clone(),
            compressible: self.compressible,
            ..Resource::without_etags("", self.cache, Vec::new())
        }
    }

    /// Whether `other` has the same [`Resource::headers_only`].
    pub fn has_headers_of(&self, other: &Resource) -> bool {
        self.content_type == other.content_type
            && self.cache == other.cache
            && self.compressible == other.compressible
    }
}

/// How hard to compress. A server keeps its bodies and sends them for as long as it runs,
/// so it takes the smallest; an export of a large site takes bodies a little larger for a
/// build several times quicker (see [`Compression::for_export`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compression {
    /// gzip level, 1 (fastest) to 12 (smallest), libdeflate's scale.
    pub gzip: u32,
    /// brotli quality, 0 (fastest) to 11 (smallest), or none: no brotli bodies.
    pub brotli: Option<u32>,
}

impl Compression {
    /// gzip 6 and brotli 5: within a few percent of the smallest either makes, at a small
    /// part of the time of their highest levels.
    pub const SMALLEST: Compression = Compression {
        gzip: 6,
        brotli: Some(5),
    };
    /// gzip 1 alone. Its HTML pages come out 3 % larger than gzip 6's, and as small as
    /// brotli's at the qualities quick enough for a build (2 and under): a brotli body
    /// would take three times the gzip's time and save a client nothing.
    pub const FAST: Compression = Compression {
        gzip: 1,
        brotli: None,
    };

    /// Up to [`Compression::LARGE_EXPORT`] routes, an export compresses as the server
    /// does; above, compressing would be most of the build, and it takes the fast levels.
    pub fn for_export(routes: usize) -> Compression {
        if routes > Self::LARGE_EXPORT {
            Compression::FAST
        } else {
            Compression::SMALLEST
        }
    }

    /// The number of routes above which an export compresses fast.
    pub const LARGE_EXPORT: usize = 2_000;
}

/// As the last line of `build` says it: `gzip level 1, no brotli`.
impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "gzip level {}, ", self.gzip)?;
        match self.brotli {
            Some(quality) => write!(f, "brotli quality {quality}"),
            None => write!(f, "no brotli"),
        }
    }
}

/// `body` as gzip, from libdeflate, which compresses a whole buffer at once: at level 1 a
/// 12 KB page in 54 µs to a quarter of its size, where zlib-rs takes 71 µs to a third.
/// Each thread keeps its compressor for the level it last used: making one allocates
/// and frees its hash tables (hundreds of KB) for every body. It keeps its output buffer
/// too, so that a body costs one allocation of the size it compressed to, not a cleared
/// buffer of the worst case shrunk afterwards.
fn gzip(body: &[u8], level: u32) -> Option<Vec<u8>> {
    const KEPT_OUT_BYTES: usize = 256 * 1024;
    struct Kept {
        level: u32,
        compressor: libdeflater::Compressor,
        out: Vec<u8>,
    }
    thread_local! {
        static KEPT: std::cell::RefCell<Option<Kept>> = const { std::cell::RefCell::new(None) };
    }
    KEPT.with_borrow_mut(|kept| {
        let kept = match kept {
            Some(kept) if kept.level == level => kept,
            _ => {
                let lvl = libdeflater::CompressionLvl::new(i32::try_from(level).ok()?).ok()?;
                let compressor = libdeflater::Compressor::new(lvl);
                kept.insert(Kept {
                    level,
                    compressor,
                    out: Vec::new(),
                })
            }
        };
        let bound = kept.compressor.gzip_compress_bound(body.len());
        if kept.out.len() < bound {
            kept.out.resize(bound, 0);
        }
        let gzip = kept.compressor.gzip_compress(body, &mut kept.out).ok();
        let gzip = gzip.map(|len| kept.out[..len].to_vec());
        // A buffer for a large body (a search index) is not kept for the next page.
        if kept.out.len() > KEPT_OUT_BYTES {
            kept.out = Vec::new();
        }
        gzip
    })
}

fn brotli(body: &[u8], quality: u32) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: quality as i32,
        lgwin: window_bits(body.len()),
        size_hint: body.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

/// The brotli window for a body of `len` bytes: large enough to hold it, so nothing is
/// lost, and no larger, since the encoder allocates and clears the whole window for every
/// body (a 4 MiB window cost a 12 KB page four times its compression). Never under 2^18:
/// this port picks a slower match finder for windows of 2^16 and less.
fn window_bits(len: usize) -> i32 {
    let bits = usize::BITS - len.saturating_sub(1).leading_zeros();
    bits.clamp(18, 24) as i32
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
    fn every_compression_gives_bodies_that_decompress_to_the_page() {
        use std::io::Read;
        let text = "<p>Migration dialogue in the Western Balkans.</p>\n".repeat(400);
        let page = Resource::new("text/html; charset=utf-8", CachePolicy::Page, text.into());
        for compression in [Compression::SMALLEST, Compression::FAST] {
            let made = page.compressed_with(compression);
            let gzip = made.gzip.expect("gzip is smaller");
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&gzip[..])
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(plain, page.identity, "{compression:?}");
            assert_eq!(made.brotli.is_some(), compression.brotli.is_some());
            if let Some(brotli) = made.brotli {
                let mut plain = Vec::new();
                brotli::Decompressor::new(&brotli[..], 4096)
                    .read_to_end(&mut plain)
                    .unwrap();
                assert_eq!(plain, page.identity, "{compression:?}");
            }
        }
    }

    #[test]
    fn the_brotli_window_holds_the_body_within_bounds() {
        assert_eq!(window_bits(0), 18);
        assert_eq!(window_bits(12_000), 18);
        assert_eq!(window_bits(1 << 18), 18);
        assert_eq!(window_bits((1 << 18) + 1), 19);
        assert_eq!(window_bits(1 << 20), 20);
        assert_eq!(window_bits(usize::MAX), 24);
    }

    #[test]
    fn text_types_say_their_charset() {
        let css = mime_guess::from_path("a.css").first_or_octet_stream();
        assert_eq!(mime_essence(&css), "text/css; charset=utf-8");
        let unknown = mime_guess::from_path("a.xyz").first_or_octet_stream();
        assert_eq!(mime_essence(&unknown), "application/octet-stream");
    }
}
