//! What the header files of an export say about its routes, worked out once for
//! `_headers` and the nginx include: the cache policy of each top folder (`/static/`) whose
//! routes all share one, so that a few folder rules cover a site of any size.

use std::collections::BTreeMap;

use crate::render::{CachePolicy, RenderedSite, Resource};

/// A site's routes by top folder.
pub(crate) struct Folders<'a> {
    /// Top folder (`/static/`) to the one cache policy of all its routes, or `None` when
    /// they differ.
    pub folders: BTreeMap<&'a str, Option<CachePolicy>>,
    /// Every route, in path order.
    pub routes: BTreeMap<&'a str, &'a Resource>,
}

impl<'a> Folders<'a> {
    pub(crate) fn new(site: &'a RenderedSite) -> Folders<'a> {
        let routes: BTreeMap<&str, &Resource> = site
            .routes
            .iter()
            .map(|(path, resource)| (path.as_str(), resource.as_ref()))
            .collect();
        let mut folders: BTreeMap<&str, Option<CachePolicy>> = BTreeMap::new();
        for (path, resource) in &routes {
            if let Some(folder) = top_folder(path) {
                folders
                    .entry(folder)
                    .and_modify(|policy| {
                        if *policy != Some(resource.cache) {
                            *policy = None;
                        }
                    })
                    .or_insert(Some(resource.cache));
            }
        }
        Folders { folders, routes }
    }

    /// The policy a folder rule gives `path`, if one does.
    pub(crate) fn folder_policy(&self, path: &str) -> Option<CachePolicy> {
        top_folder(path).and_then(|folder| self.folders.get(folder).copied().flatten())
    }
}

/// `/static/` for `/static/a/b.css`; `None` for `/` and top-level files such as `/robots.txt`.
pub(crate) fn top_folder(path: &str) -> Option<&str> {
    let end = path.get(1..)?.find('/')? + 2;
    path.get(..end)
}

/// `Content-Security-Policy` for `content-security-policy`: header names as people write them.
pub(crate) fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_folders() {
        let cases = [
            ("/static/a/b.css", Some("/static/")),
            ("/about/", Some("/about/")),
            ("/robots.txt", None),
            ("/", None),
            ("", None),
        ];
        for (path, folder) in cases {
            assert_eq!(top_folder(path), folder, "{path:?}");
        }
    }

    #[test]
    fn header_names_in_title_case() {
        assert_eq!(
            title_case("x-content-type-options"),
            "X-Content-Type-Options"
        );
    }
}
