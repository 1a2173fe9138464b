//! URL rules shared by the loader, the renderer, the server and the export: which paths
//! are safe, how a language prefixes its pages, how listings paginate, and the fixed
//! routes every site has. Pure functions; nothing here knows pages or HTTP.

/// Pages per listing page (`/news/`, `/news/page/2/`, ...).
pub const PAGE_SIZE: usize = 20;

/// Routes every site has beside its pages and media. Each other language also has its
/// own news feed under its prefix: see [`feed_path`].
pub const FIXED_ROUTES: [&str; 4] = ["/robots.txt", "/sitemap.xml", "/healthz", FEED_PATH];

/// The ids the layout gives elements of a page beside its body's (the skip link's target,
/// the table of contents, the sources, the home page's parts): a link may point to them.
/// A test in `render` checks this list against the templates.
pub const LAYOUT_IDS: [&str; 13] = [
    "main",
    "wbt-search",
    "footer-offices",
    "footer-about",
    "wbt-toc",
    "wbt-sources",
    "wbt-filters",
    "wbt-search-page",
    "office-map-title",
    "our-offices",
    "latest-news",
    "key-figures",
    "explore",
];

/// The Atom feed of news in the default language.
pub const FEED_PATH: &str = "/feed.xml";

/// The news feed of `lang`: `/feed.xml` for the default language, `/tr/feed.xml`.
pub fn feed_path(lang: &str, default_lang: &str) -> String {
    format!("{}{FEED_PATH}", lang_prefix(lang, default_lang))
}

/// A URL path that stays inside the site: it starts with `/` and has no `.` or `..`
/// segment, backslash or NUL. The loader checks aliases with it, the server decoded
/// request paths, the export the files it writes.
pub fn is_safe_path(path: &str) -> bool {
    // Byte by byte: the server asks this of every request, and setting up `str` searches
    // took longer than reading a short path.
    path.starts_with('/')
        && path.as_bytes().split(|&byte| byte == b'/').all(|segment| {
            segment != b"." && segment != b".." && !segment.iter().any(|&b| b == b'\\' || b == 0)
        })
}

/// An address a page may link out to: `https://` or `http://`, nothing else (no
/// `javascript:`, `data:` or relative paths). Source urls and project websites.
pub fn is_web_address(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// `""` for the default language, `/tr` for Turkish: what a language puts before its paths.
pub fn lang_prefix(lang: &str, default_lang: &str) -> String {
    if lang == default_lang {
        String::new()
    } else {
        format!("/{lang}")
    }
}

/// A URL path with one trailing `/` unless its last segment has an extension.
pub fn normalise_path(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or("");
    if path.ends_with('/') || last.contains('.') {
        path.to_owned()
    } else {
        format!("{path}/")
    }
}

/// The path of page `n` (from 1) of a listing at `base` (`/news/`): `/news/page/2/`.
pub fn listing_page_path(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}page/{n}/")
    }
}

/// The listing page a `page=` query parameter asks for: 1 when it is not a number or is 0.
pub fn page_number(value: &str) -> usize {
    value.parse().unwrap_or(1).max(1)
}

/// How many listing pages `count` items fill (at least one).
pub fn listing_pages(count: usize) -> usize {
    count.div_ceil(PAGE_SIZE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths_stay_inside_the_site() {
        for good in ["/", "/news/", "/media/a.pdf", "/a..b/", "/.well-known/x"] {
            assert!(is_safe_path(good), "{good}");
        }
        for bad in [
            "",
            "news/",
            "/../etc/passwd",
            "/a/./b",
            "/a/..",
            "/a\\b",
            "/a\0",
        ] {
            assert!(!is_safe_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn language_prefix_is_empty_for_the_default_language() {
        assert_eq!(lang_prefix("en", "en"), "");
        assert_eq!(lang_prefix("tr", "en"), "/tr");
    }

    #[test]
    fn each_language_has_its_feed_under_its_prefix() {
        assert_eq!(feed_path("en", "en"), "/feed.xml");
        assert_eq!(feed_path("tr", "en"), "/tr/feed.xml");
        assert!(FIXED_ROUTES.contains(&feed_path("en", "en").as_str()));
    }

    #[test]
    fn paths_end_in_a_slash_unless_they_name_a_file() {
        assert_eq!(normalise_path("/old/page"), "/old/page/");
        assert_eq!(normalise_path("/old/page/"), "/old/page/");
        assert_eq!(normalise_path("/media/a.pdf"), "/media/a.pdf");
    }

    #[test]
    fn listings_paginate_by_page_size() {
        assert_eq!(listing_pages(0), 1);
        assert_eq!(listing_pages(PAGE_SIZE), 1);
        assert_eq!(listing_pages(PAGE_SIZE + 1), 2);
        assert_eq!(listing_page_path("/news/", 1), "/news/");
        assert_eq!(listing_page_path("/tr/news/", 3), "/tr/news/page/3/");
    }

    #[test]
    fn a_page_parameter_that_is_not_a_page_is_the_first() {
        for (value, page) in [("3", 3), ("0", 1), ("-1", 1), ("two", 1), ("", 1)] {
            assert_eq!(page_number(value), page, "{value:?}");
        }
    }
}
