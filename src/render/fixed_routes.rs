//! The routes every site has beside its pages: `robots.txt`, `sitemap.xml` and the Atom
//! feed of news of each language (through askama templates, which escape) and the 404
//! page of each language.

use askama::Template;

use super::ATOM;
use super::context::Context;
use super::templates::NotFoundTemplate;
use crate::content::{Page, PageDate, Section, Site, urls};

/// A route every site has beside its pages.
#[derive(Clone, Debug)]
pub(super) enum FixedRoute {
    Robots,
    Sitemap,
    /// The news feed of a language, by code.
    Feed(String),
}

/// `/robots.txt`, `/sitemap.xml` and each language's feed, by path.
pub(super) fn paths(site: &Site) -> Vec<(String, FixedRoute)> {
    let mut paths = vec![
        ("/robots.txt".to_owned(), FixedRoute::Robots),
        ("/sitemap.xml".to_owned(), FixedRoute::Sitemap),
    ];
    for language in &site.languages {
        paths.push((
            urls::feed_path(&language.code, site.default_language()),
            FixedRoute::Feed(language.code.clone()),
        ));
    }
    paths
}

/// The content type and body of one fixed route.
pub(super) fn render(
    ctx: &Context,
    route: &FixedRoute,
) -> Result<(&'static str, Vec<u8>), askama::Error> {
    Ok(match route {
        FixedRoute::Robots => ("text/plain; charset=utf-8", ctx.robots().into_bytes()),
        FixedRoute::Sitemap => (
            "application/xml; charset=utf-8",
            ctx.sitemap()?.into_bytes(),
        ),
        FixedRoute::Feed(lang) => (ATOM, ctx.feed(lang)?.into_bytes()),
    })
}

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

/// One `<entry>` of a news feed.
struct FeedEntry {
    /// The absolute canonical URL of the version shown.
    id: String,
    title: String,
    /// RFC 3339: `updated`, else `date`.
    updated: String,
    published: String,
    /// The absolute URL of the item for a reader of the feed's language.
    href: String,
    summary: String,
    /// The language of the entry when it is not the feed's (an untranslated item).
    lang: Option<String>,
}

/// An Atom feed (RFC 4287) of the published news of one language.
#[derive(Template)]
#[template(path = "feed.xml")]
struct FeedTemplate {
    lang: String,
    id: String,
    title: String,
    updated: String,
    author: String,
    author_uri: String,
    self_href: String,
    alternate: String,
    entries: Vec<FeedEntry>,
}

/// A date as RFC 3339, at its first moment (`2017` is `2017-01-01T00:00:00Z`).
fn rfc3339(date: PageDate) -> String {
    date.at.to_string()
}

impl Context<'_> {
    /// The Atom feed of `lang`: every published news item, newest first, each in its
    /// translation where there is one, else in its original language.
    pub(super) fn feed(&self, lang: &str) -> Result<String, askama::Error> {
        let site = self.site;
        let absolute = |path: &str| format!("{}{path}", site.base_url);
        // Each entry with the moment it last changed.
        let entries: Vec<(PageDate, FeedEntry)> = self
            .members(Section::News)
            .iter()
            .filter(|original| !original.is_hidden())
            .filter_map(|original| {
                let (shown, fallback) = site.localized(&original.key, lang)?;
                // A hidden translation (seen only with `--drafts`) gives way to its original.
                let (shown, fallback): (&Page, bool) = if shown.is_hidden() {
                    (original, true)
                } else {
                    (shown, fallback)
                };
                let published = shown.date.or(original.date)?;
                let updated = shown.updated.unwrap_or(published);
                let href = if fallback {
                    format!("{}{}", site.lang_prefix(lang), original.path)
                } else {
                    shown.path.clone()
                };
                let entry = FeedEntry {
                    id: absolute(&shown.path),
                    title: shown.title.clone(),
                    updated: rfc3339(updated),
                    published: rfc3339(published),
                    href: absolute(&href),
                    summary: shown.description.clone(),
                    lang: (shown.lang != lang).then(|| shown.lang.clone()),
                };
                Some((updated, entry))
            })
            .collect();
        let updated = entries
            .iter()
            .map(|(updated, _)| *updated)
            .max()
            .or_else(|| {
                // No news yet: the newest date of any page, so that the feed stays the
                // same from one build to the next.
                site.pages
                    .iter()
                    .filter(|p| !p.is_hidden())
                    .filter_map(|p| p.updated.max(p.date))
                    .max()
            })
            .map_or_else(|| "1970-01-01T00:00:00Z".to_owned(), rfc3339);
        let home = format!("{}/", site.lang_prefix(lang));
        let alternate = site
            .page(&Section::News.index_key(), site.default_language())
            .filter(|p| !p.is_hidden())
            .and_then(|_| site.url(&Section::News.index_key(), lang))
            .unwrap_or_else(|| home.clone());
        FeedTemplate {
            lang: lang.to_owned(),
            id: absolute(&home),
            title: self.site_title(lang),
            updated,
            author: site.config.organisation.name.clone(),
            author_uri: site.config.organisation.url.clone(),
            self_href: absolute(&urls::feed_path(lang, site.default_language())),
            alternate: absolute(&alternate),
            entries: entries.into_iter().map(|(_, entry)| entry).collect(),
        }
        .render()
    }

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
        layout.json_ld = None;
        for item in &mut layout.nav.menu {
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
