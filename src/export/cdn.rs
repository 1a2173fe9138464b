//! `_headers` and `_redirects`: the server's headers and aliases in the files Netlify and
//! Cloudflare Pages read from the root of a deploy.
//!
//! Both hosts apply every rule whose pattern matches and join the values of a header set
//! twice, so no two rules here set the same header on one path: the security headers go on
//! `/*`, `Cache-Control` on each top folder whose routes share a policy (`/static/*`) and
//! on each other route by its own path. A few rules then cover a site of any size
//! (Cloudflare Pages takes at most 100). `Vary` and `ETag` are the host's own: it
//! compresses and validates itself.

use std::fmt::Write;

use super::rules::{Folders, title_case};
use crate::render::RenderedSite;
use crate::render::headers::{SECURITY_HEADERS, location};

pub(crate) const HEADERS_FILE: &str = "_headers";
pub(crate) const REDIRECTS_FILE: &str = "_redirects";

/// The `_headers` file for `site`.
pub(crate) fn headers_file(site: &RenderedSite) -> String {
    let mut out = String::from(
        "# Written by `wbt-site build`: the headers `wbt-site serve` sends, for Netlify and\n\
         # Cloudflare Pages. Rules do not overlap: a header set by two would be sent twice.\n\
         /*\n",
    );
    for (name, value) in SECURITY_HEADERS {
        let value = value.to_str().unwrap_or_default();
        let _ = writeln!(out, "  {}: {value}", title_case(name.as_str()));
    }
    let folders = Folders::new(site);
    for (folder, policy) in &folders.folders {
        if let Some(policy) = policy {
            let _ = writeln!(
                out,
                "{}*\n  Cache-Control: {}",
                location(folder),
                policy.cache_control()
            );
        }
    }
    for (path, resource) in &folders.routes {
        if folders.folder_policy(path).is_none() {
            let _ = writeln!(
                out,
                "{}\n  Cache-Control: {}",
                location(path),
                resource.cache.cache_control()
            );
        }
    }
    out
}

/// The `_redirects` file for `site`: each alias answers 301 with its page's path, as the
/// server does (an alias ending in `/` also without it).
pub(crate) fn redirects_file(site: &RenderedSite) -> String {
    let mut out = String::from(
        "# Written by `wbt-site build`: old URLs (aliases) that answer 301 with their page's URL.\n",
    );
    for (from, to) in aliases(site) {
        let _ = writeln!(out, "{} {} 301", location(&from), location(to));
    }
    out
}

/// Every path that answers 301 and its target, in path order: each alias, and an alias
/// ending in `/` also without it (as the server answers).
pub(crate) fn aliases(site: &RenderedSite) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (from, to) in &site.redirects {
        out.push((from.clone(), to.as_str()));
        if let Some(bare) = from.strip_suffix('/')
            && !bare.is_empty()
            && !site.redirects.contains_key(bare)
            && !site.routes.contains_key(bare)
        {
            out.push((bare.to_owned(), to.as_str()));
        }
    }
    out.sort();
    out
}
