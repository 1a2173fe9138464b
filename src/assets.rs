//! Theme assets from `static/`, embedded in the binary: each gets a fingerprinted URL
//! (`/static/style.3f2a9c1b7d4e.css`) so it can be cached forever, and theme icons are kept
//! as SVG text so templates can inline them (and colour them with `currentColor`).

use std::collections::{BTreeMap, BTreeSet};

use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "static/"]
struct EmbeddedStatic;

/// One theme asset.
#[derive(Clone, Debug)]
pub struct Asset {
    /// Path under `static/` (`icons/return.svg`).
    pub name: String,
    /// Fingerprinted URL path (`/static/icons/return.1a2b3c4d5e6f.svg`).
    pub url: String,
    pub bytes: Vec<u8>,
}

/// Every theme asset, by name under `static/`.
#[derive(Clone, Debug, Default)]
pub struct Assets {
    pub files: BTreeMap<String, Asset>,
}

impl Assets {
    /// The assets embedded in this binary.
    pub fn embedded() -> Assets {
        let mut files = BTreeMap::new();
        for name in EmbeddedStatic::iter() {
            // `map/` holds the offices map's data and the script that made it: the renderer
            // compiles the data in (`render::office_map`), and neither is a page asset.
            if crate::content::source::is_ignored(&name) || name.starts_with("map/") {
                continue;
            }
            if let Some(file) = EmbeddedStatic::get(&name) {
                let bytes = file.data.into_owned();
                let url = fingerprinted_url(&name, &bytes);
                files.insert(
                    name.to_string(),
                    Asset {
                        name: name.to_string(),
                        url,
                        bytes,
                    },
                );
            }
        }
        Assets { files }
    }

    /// The URL of `name`, or `/static/{name}` when there is no such asset (a template typo
    /// then shows up as a 404 in the browser's network panel, and in tests).
    pub fn url(&self, name: &str) -> String {
        self.files
            .get(name)
            .map_or_else(|| format!("/static/{name}"), |a| a.url.clone())
    }

    /// The SVG text of `static/icons/{name}.svg`, if it exists.
    pub fn icon(&self, name: &str) -> Option<&str> {
        self.files
            .get(&format!("icons/{name}.svg"))
            .and_then(|a| std::str::from_utf8(&a.bytes).ok())
    }

    /// Names of the icons a theme page may use.
    pub fn icon_names(&self) -> BTreeSet<String> {
        self.files
            .keys()
            .filter_map(|name| name.strip_prefix("icons/")?.strip_suffix(".svg"))
            .map(str::to_owned)
            .collect()
    }
}

/// `style.css` + bytes -> `/static/style.<12 hex digits of SHA-256>.css`.
fn fingerprinted_url(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !stem.ends_with('/') => {
            format!("/static/{stem}.{hash}.{ext}")
        }
        _ => format!("/static/{name}.{hash}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_goes_before_the_extension() {
        let url = fingerprinted_url("icons/a.svg", b"x");
        assert!(url.starts_with("/static/icons/a."), "{url}");
        assert!(url.ends_with(".svg"));
        assert_eq!(url.len(), "/static/icons/a.".len() + 12 + ".svg".len());
    }
}
