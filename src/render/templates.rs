//! The askama template structs: one base layout and one struct per page kind. Templates
//! live in `templates/` and are compiled into the binary.

use std::borrow::Cow;
use std::sync::Arc;

use askama::Template;

use super::office_map::OfficeMap;
use crate::content::UiStrings;
use crate::content::page::{Country, Figure, Office, Person, Project};
use crate::markdown::Body;

/// A link to another page, as listings and related lists show it: borrowed from the site
/// where it can be, as a large site's pages make hundreds of thousands of these.
#[derive(Clone, Debug)]
pub struct Link<'a> {
    pub title: &'a str,
    pub href: Cow<'a, str>,
    pub description: &'a str,
    /// A short fact: a news date, a project's status, an office's "Main seat".
    pub meta: Cow<'a, str>,
    /// The language of the title when it is not the visitor's (an untranslated page).
    pub lang: Option<&'a str>,
    /// A theme's inline SVG icon, shown on its card.
    pub icon: Option<&'a str>,
}

/// Links under a heading, below a page's body: the pages of a section that are about the
/// page (a country's offices, a theme's projects), or the pages related to it.
#[derive(Clone, Debug)]
pub struct LinkList<'a> {
    pub heading: String,
    pub links: Vec<Link<'a>>,
}

/// The themes and the countries a project or a news item is about.
#[derive(Clone, Debug)]
pub struct TopicLinks<'a> {
    pub themes: Vec<Link<'a>>,
    pub countries: Vec<Link<'a>>,
}

#[derive(Clone, Debug)]
pub struct MenuItem {
    pub label: String,
    pub href: String,
    /// `aria-current`: `page` on the page itself, `true` inside its section.
    pub current: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

#[derive(Clone, Debug)]
pub struct Alternate {
    pub lang: String,
    pub name: String,
    pub href: String,
    /// `href` with the site's base URL, for `<link rel="alternate">`.
    pub absolute: String,
    pub current: bool,
    /// The page exists in this language (not a fallback): listed as `hreflang`.
    pub translated: bool,
}

#[derive(Clone, Debug)]
pub struct Pagination {
    pub label: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// A page's rendered body with its table of contents, and its sources.
#[derive(Clone, Debug)]
pub struct Article<'a> {
    pub body: &'a Body,
    /// The language the body is written in.
    pub lang: String,
    /// Where the page's facts come from.
    pub sources: Vec<SourceItem>,
}

/// The body of a page that shows none (the later pages of a listing).
static NO_BODY: Body = Body {
    html: String::new(),
    toc: Vec::new(),
    ids: Vec::new(),
};

impl Default for Article<'_> {
    /// No body and no sources.
    fn default() -> Self {
        Article {
            body: &NO_BODY,
            lang: String::new(),
            sources: Vec::new(),
        }
    }
}

/// One entry of a page's list of sources.
#[derive(Clone, Debug)]
pub struct SourceItem {
    pub title: String,
    pub publisher: String,
    /// The date as shown, and as ISO 8601 for `<time datetime>`.
    pub date: Option<(String, String)>,
    pub url: Option<String>,
}

/// What the base layout needs on every page.
pub struct Layout<'a> {
    /// The visitor's language (interface text).
    pub lang: String,
    pub ui: &'a UiStrings,
    /// What is the same on every page in `lang`.
    pub site: Arc<SiteFrame<'a>>,
    pub share: Share,
    /// schema.org JSON-LD, escaped to stay inside its `<script>`.
    pub json_ld: Option<String>,
    /// The page's title; `<title>` adds the site's name after it, except on the home page.
    pub title: String,
    /// The page's summary, for `<meta name="description">` and shared links.
    pub description: String,
    pub is_home: bool,
    /// The page's absolute URL, for `<link rel="canonical">` and `og:url`.
    pub canonical: String,
    /// The page in each site language, for the language switcher and `hreflang`.
    pub alternates: Vec<Alternate>,
    /// The default language's version, for `hreflang="x-default"`, when the page has
    /// versions in two or more languages.
    pub x_default: Option<String>,
    /// Kept out of search engines' indexes (search results, filtered lists).
    pub noindex: bool,
    pub nav: Navigation,
    /// Says the page is shown in another language, when it has no translation.
    pub notice: Option<String>,
    /// Says the page is a draft or not yet published (seen only with `--drafts`).
    pub banner: Option<String>,
    /// The previous and the next page of a listing, for `<link rel="prev">` and `"next"`.
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// The parts of the layout that are the same on every page in one language: the site's
/// name and owner, its feed, style sheet and icon, the header's links and the footer.
pub struct SiteFrame<'a> {
    pub title: String,
    pub organisation: String,
    pub organisation_url: String,
    /// The absolute URL of the Atom feed of news in the language, and its title.
    pub feed: String,
    pub feed_title: String,
    pub home_href: String,
    /// Where the header's search box sends its query: `/search`, `/tr/search`.
    pub search_action: String,
    pub css: String,
    pub favicon: String,
    pub footer_offices: Vec<Link<'a>>,
    pub footnote: Option<String>,
}

/// The header's menu and search box, and the breadcrumbs.
pub struct Navigation {
    pub menu: Vec<MenuItem>,
    /// The query the search box shows.
    pub search_query: String,
    pub breadcrumbs: Vec<Crumb>,
}

/// How a shared link to the page shows: Open Graph and Twitter card tags.
pub struct Share {
    /// `og:type`: `article` on news items, else `website`.
    pub og_type: &'static str,
    /// `og:locale` of the visitor's language and of the page's other translations
    /// (`en_GB`).
    pub locale: Option<&'static str>,
    pub locale_alternates: Vec<&'static str>,
    /// The absolute URL of its image (1200 × 630 PNG), and the image's text.
    pub image: String,
    pub image_alt: String,
}

impl Layout<'_> {
    /// The title a shared page shows (`og:title`): the site's on the home page, else the
    /// page's own.
    pub fn share_title(&self) -> &str {
        if self.is_home {
            &self.site.title
        } else {
            &self.title
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomeTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    pub lead: String,
    pub figures: Vec<Figure>,
    pub news: Vec<Link<'a>>,
    pub entries: Vec<Link<'a>>,
    pub map: Option<OfficeMap>,
}

#[derive(Template)]
#[template(path = "page.html")]
pub struct PageTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
}

#[derive(Template)]
#[template(path = "section.html")]
pub struct SectionTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    pub map: Option<OfficeMap>,
    pub items: Vec<Link<'a>>,
    pub pagination: Option<Pagination>,
    /// The project filters, on the projects section.
    pub filters: Option<Filters>,
    /// The section's folder name, as a CSS hook.
    pub section: &'static str,
}

#[derive(Template)]
#[template(path = "office.html")]
pub struct OfficeTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    pub office: &'a Office,
    pub country: Option<Link<'a>>,
    pub latitude: String,
    pub longitude: String,
    /// The related pages.
    pub lists: Vec<LinkList<'a>>,
}

#[derive(Template)]
#[template(path = "country.html")]
pub struct CountryTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    pub country: &'a Country,
    /// The country's migration profiles, in the visitor's language.
    pub profile: Vec<String>,
    /// Its offices, projects, themes and news, then the related pages.
    pub lists: Vec<LinkList<'a>>,
}

#[derive(Template)]
#[template(path = "theme.html")]
pub struct ThemeTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    /// Inline SVG from `static/icons/`.
    pub icon: String,
    /// Its projects, countries and news, then the related pages.
    pub lists: Vec<LinkList<'a>>,
}

#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    pub person: &'a Person,
}

#[derive(Template)]
#[template(path = "project.html")]
pub struct ProjectTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    pub project: &'a Project,
    /// Status, budget and period in the visitor's language.
    pub status: Option<String>,
    pub budget: Option<String>,
    pub period: String,
    pub topics: TopicLinks<'a>,
    /// The related pages.
    pub lists: Vec<LinkList<'a>>,
}

#[derive(Template)]
#[template(path = "news.html")]
pub struct NewsTemplate<'a> {
    pub layout: Layout<'a>,
    pub article: Article<'a>,
    pub date: String,
    /// ISO date for `<time datetime>`.
    pub datetime: String,
    pub updated: Option<String>,
    pub topics: TopicLinks<'a>,
    /// The related pages.
    pub lists: Vec<LinkList<'a>>,
}

#[derive(Template)]
#[template(path = "404.html")]
pub struct NotFoundTemplate<'a> {
    pub layout: Layout<'a>,
}

/// One value of a project facet: a link that sets or clears it, with its count.
#[derive(Clone, Debug)]
pub struct FacetValue {
    pub label: String,
    pub href: String,
    pub count: usize,
    pub active: bool,
}

/// A facet of the project filters (theme, country, status, donor).
#[derive(Clone, Debug)]
pub struct Facet {
    pub label: String,
    pub values: Vec<FacetValue>,
}

/// The project filters shown above the projects listing.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub facets: Vec<Facet>,
    /// Each active filter's label and the link that removes it.
    pub active: Vec<(String, String)>,
    /// The unfiltered listing, when any filter is active.
    pub clear_all: Option<String>,
    /// Said when no project matches.
    pub none: Option<String>,
}
