//! The routes every site has beside its pages: `robots.txt`, `sitemap.xml` (through an
//! askama template, which escapes) and the 404 page of each language.

use askama::Template;

use super::context::Context;
use super::templates::NotFoundTemplate;

/// One `<url>` of the sitemap.
struct SitemapUrl {
    loc: String,
    /// The day the page last changed (`updated`, else `date`), at its precision.
    lastmod: Option<String>,
    /// `(language, address)` of every version, when the page has more than one.
    alternates: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "sitemap.xml")]
struct SitemapTemplate {
    urls: Vec<SitemapUrl>,
}

impl Context<'_> {
    /// The 404 page of `lang`: the home page's layout with the "not found" text.
    pub(super) fn not_found(&self, lang: &str) -> Result<String, askama::Error> {
        let ui = self.ui(lang);
        let Some(home) = self.site.page("_index.md", self.site.default_language()) else {
            return Err(askama::Error::custom(
                "the site has no home page (_index.md)",
            ));
        };
        let mut layout = self.layout(
            home,
            lang,
            false,
            &format!("{}/", self.site.lang_prefix(lang)),
        );
        layout.title = ui.not_found_title.clone();
        layout.description = ui.not_found_text.clone();
        layout.is_home = false;
        layout.alternates.clear();
        layout.x_default = None;
        for item in &mut layout.menu {
            item.current = None;
        }
        NotFoundTemplate { layout }.render()
    }

    /// Every published page in every language, with the day it last changed.
    pub(super) fn sitemap(&self) -> Result<String, askama::Error> {
        let urls = self
            .site
            .pages
            .iter()
            .filter(|page| !page.is_hidden())
            .map(|page| SitemapUrl {
                loc: format!("{}{}", self.site.base_url, page.path),
                lastmod: page.updated.or(page.date).map(|d| d.iso()),
                alternates: self.versions(&page.key),
            })
            .collect();
        SitemapTemplate { urls }.render()
    }

    /// `(language, absolute address)` of each version of `key` written in its language,
    /// when there are two or more.
    pub(super) fn versions(&self, key: &str) -> Vec<(String, String)> {
        let versions: Vec<(String, String)> = self
            .site
            .languages
            .iter()
            .filter_map(|l| {
                let page = self.site.page(key, &l.code).filter(|p| !p.is_hidden())?;
                Some((
                    l.code.clone(),
                    format!("{}{}", self.site.base_url, page.path),
                ))
            })
            .collect();
        if versions.len() > 1 {
            versions
        } else {
            Vec::new()
        }
    }

    /// Allows every crawler and names the sitemap.
    pub(super) fn robots(&self) -> String {
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
            self.site.base_url
        )
    }
}
