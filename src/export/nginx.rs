//! `wbt-site.nginx.conf`: nginx serving an export as `wbt-site serve` serves the site.
//! Included in a `server` block whose root is the export, it gives the same security
//! headers, `Cache-Control` and `Vary`, content types, precompressed gzip bodies, aliases
//! (301), `/about` to `/about/` and `/about/index.html` to `/about/` (308), the 404 page of
//! each language, `/healthz`, and relative redirects; `.gz` and `.br` files and the header
//! files are not URLs of their own.
//!
//! Every header is set once, at server level, from variables that the locations change
//! (`add_header` in a location would drop the server-level ones there), so nginx never
//! doubles a header. The values come from [`crate::render::headers`], as the server's do.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::rules::{Folders, title_case, top_folder};
use crate::render::headers::{self, NO_STORE, NOT_FOUND_CACHE_CONTROL, SECURITY_HEADERS, VARY};
use crate::render::{CachePolicy, RenderedSite, Resource};

pub(crate) const FILE_NAME: &str = "wbt-site.nginx.conf";

const USAGE: &str = "\
# Written by `wbt-site build`: nginx serving this folder as `wbt-site serve` serves the
# site. Include it in a server block whose root is this folder:
#
#     server {
#         listen 80;
#         root /srv/wbt-site/public;
#         include /srv/wbt-site/public/wbt-site.nginx.conf;
#     }
#
# It sets every header the server sends: add no security header, Cache-Control, Vary or
# `expires` of your own, and no `add_header` in a location of yours (nginx would drop
# these there). Brotli: Debian's nginx has no brotli module, so clients that ask for br
# get gzip; with ngx_brotli loaded, uncomment `brotli_static on;` below.
";

/// The nginx include for `site`.
pub(crate) fn config(site: &RenderedSite) -> String {
    let folders = Folders::new(site);
    let types = types(&folders);
    let mut out = String::from(USAGE);
    server_level(&mut out, site, &types);
    out.push_str("\nlocation = /healthz {\n    default_type \"text/plain; charset=utf-8\";\n");
    let _ = writeln!(
        out,
        "    set $wbt_cache \"{NO_STORE}\";\n    set $wbt_vary \"\";\n    return 200 \"ok\\n\";\n}}"
    );
    for hidden in [
        super::cdn::HEADERS_FILE,
        super::cdn::REDIRECTS_FILE,
        FILE_NAME,
    ] {
        let _ = writeln!(out, "location = /{hidden} {{ return 404; }}");
    }
    out.push_str("\n# Aliases: old URLs that answer 301 with their page's URL.\n");
    for (from, to) in super::cdn::aliases(site) {
        let _ = writeln!(
            out,
            "location = {} {{ {NO_HEADERS} return 301 \"{}$is_args$args\"; }}",
            quote(&from),
            headers::location(to)
        );
    }
    exceptions(&mut out, &types);
    out.push_str("\n# The 404 page of each language, answered only as the 404 page.\n");
    for (prefix, _) in &site.not_found {
        let _ = writeln!(
            out,
            "location = {} {{ internal; set $wbt_cache \"{NOT_FOUND_CACHE_CONTROL}\"; }}",
            quote(&format!("{prefix}404.html"))
        );
    }
    locations(&mut out, &folders);
    out
}

/// Clears the per-response headers: redirects carry only the security headers.
const NO_HEADERS: &str = "set $wbt_cache \"\"; set $wbt_vary \"\";";

/// Looks a page up as `${uri}index.html`, a file as itself; else `@wbt_slash`.
const TRY_FILES: &str = "try_files ${uri}index.html $uri @wbt_slash;";

/// What nginx serves from server level: compression, types, headers, 404 pages.
fn server_level(out: &mut String, site: &RenderedSite, types: &Types) {
    out.push_str(
        "\nabsolute_redirect off;\ngzip off;\ngzip_static on;\ngzip_vary off;\n\
         # brotli_static on;\ncharset off;\nautoindex off;\n\
         default_type application/octet-stream;\ntypes {\n",
    );
    for (extension, resource) in &types.by_extension {
        let _ = writeln!(
            out,
            "    {} {extension};",
            quote(resource.content_type.to_str().unwrap_or_default())
        );
    }
    out.push_str("}\n\n");
    for (name, value) in SECURITY_HEADERS {
        let value = value.to_str().unwrap_or_default();
        let _ = writeln!(
            out,
            "add_header {} \"{value}\" always;",
            title_case(name.as_str())
        );
    }
    out.push_str(
        "add_header Cache-Control $wbt_cache always;\nadd_header Vary $wbt_vary always;\n",
    );
    let _ = writeln!(
        out,
        "set $wbt_cache \"{}\";\nset $wbt_vary \"{VARY}\";",
        CachePolicy::Page.cache_control()
    );
    let plain: Vec<&str> = types
        .by_extension
        .iter()
        .filter(|(_, resource)| !resource.compressible)
        .map(|(extension, _)| *extension)
        .collect();
    if !plain.is_empty() {
        let _ = writeln!(
            out,
            "if ($uri ~* \"\\.({})$\") {{ set $wbt_vary \"\"; }}",
            plain.join("|")
        );
    }
    // The longest prefix wins, as on the server: shorter ones are set first.
    let mut prefixes: Vec<&str> = site.not_found.iter().map(|(p, _)| p.as_str()).collect();
    prefixes.sort_by_key(|prefix| prefix.len());
    for prefix in prefixes {
        let page = format!("{prefix}404.html");
        if prefix == "/" {
            let _ = writeln!(out, "set $wbt_not_found {};", quote(&page));
        } else {
            let _ = writeln!(
                out,
                "if ($uri ~ \"^{}\") {{ set $wbt_not_found {}; }}",
                regex_escape(prefix),
                quote(&page)
            );
        }
    }
    out.push_str("error_page 404 $wbt_not_found;\nerror_page 403 =404 $wbt_not_found;\n");
}

/// The prefix locations (a folder's cache policy), the regex ones (no `.gz`, `.br` or
/// `index.html` URLs) and `@wbt_slash` (a page without its final `/`: 308).
fn locations(out: &mut String, folders: &Folders) {
    out.push_str(
        "\nlocation ~ \"\\.(gz|br)$\" { return 404; }\n\
         location ~ \"^(?<wbt_dir>.*/)index\\.html$\" {\n",
    );
    let _ = writeln!(
        out,
        "    {NO_HEADERS}\n    return 308 $wbt_dir$is_args$args;\n}}\n\nlocation / {{ {TRY_FILES} }}"
    );
    for (folder, policy) in &folders.folders {
        if let Some(policy) = policy.filter(|p| *p != CachePolicy::Page) {
            let _ = writeln!(
                out,
                "location {} {{ set $wbt_cache \"{}\"; {TRY_FILES} }}",
                quote(folder),
                policy.cache_control()
            );
        }
    }
    let _ = writeln!(
        out,
        "location @wbt_slash {{\n    if (-f $request_filename/index.html) {{\n        \
         {NO_HEADERS}\n        return 308 $uri/$is_args$args;\n    }}\n    return 404;\n}}"
    );
}

/// Content types by file extension (`html` for pages), and the routes these and the
/// folder rules do not describe.
struct Types<'a> {
    by_extension: BTreeMap<&'a str, &'a Resource>,
    exceptions: Vec<(&'a str, &'a Resource)>,
}

/// Each extension's most common content type; routes of another type, without a plain
/// extension, or with a cache policy their folder does not give, are exceptions.
fn types<'a>(folders: &Folders<'a>) -> Types<'a> {
    let mut counts: BTreeMap<&str, BTreeMap<&[u8], (usize, &Resource)>> = BTreeMap::new();
    for (path, resource) in &folders.routes {
        if let Some(extension) = extension(path) {
            let entry = counts
                .entry(extension)
                .or_default()
                .entry(resource.content_type.as_bytes())
                .or_insert((0, resource));
            entry.0 += 1;
        }
    }
    let by_extension: BTreeMap<&str, &Resource> = counts
        .into_iter()
        .filter_map(|(extension, by_type)| {
            let (_, resource) = by_type.into_values().max_by_key(|(count, _)| *count)?;
            Some((extension, resource))
        })
        .collect();
    let exceptions = folders
        .routes
        .iter()
        .filter(|(path, resource)| {
            let typed = extension(path)
                .and_then(|e| by_extension.get(e))
                .is_some_and(|r| r.content_type == resource.content_type);
            let cached = top_folder(path)
                .and_then(|f| folders.folders.get(f).copied().flatten())
                .unwrap_or(CachePolicy::Page)
                == resource.cache;
            let shadowed = [".gz", ".br", "/index.html"]
                .iter()
                .any(|s| path.ends_with(s));
            !typed || !cached || shadowed
        })
        .map(|(path, resource)| (*path, *resource))
        .collect();
    Types {
        by_extension,
        exceptions,
    }
}

/// One exact location for each route the general rules get wrong.
fn exceptions(out: &mut String, types: &Types) {
    if types.exceptions.is_empty() {
        return;
    }
    out.push_str("\n# Routes whose type or caching the rules above do not give.\n");
    for (path, resource) in &types.exceptions {
        let vary = if resource.compressible { VARY } else { "" };
        let _ = writeln!(
            out,
            "location = {} {{ types {{ }} default_type {}; set $wbt_cache \"{}\"; \
             set $wbt_vary \"{vary}\"; try_files ${{uri}}index.html $uri =404; }}",
            quote(path),
            quote(resource.content_type.to_str().unwrap_or_default()),
            resource.cache.cache_control()
        );
    }
}

/// The extension nginx types a route's file by: `html` for a page (`/about/` is
/// `about/index.html`); `None` when it has none nginx could match plainly.
fn extension(path: &str) -> Option<&str> {
    if path.ends_with('/') {
        return Some("html");
    }
    let name = path.rsplit('/').next()?;
    let (_, extension) = name.rsplit_once('.')?;
    (!extension.is_empty() && extension.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(extension)
}

/// `s` as an nginx quoted string.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `s` with every character a regex could read specially escaped.
fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = !(c.is_alphanumeric() || c == '/' || c == '-' || c == '_');
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}
