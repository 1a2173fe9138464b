//! One page in one language through the template of its kind: home, plain page, office,
//! country, theme, person, project, news item (section pages are in [`super::listing`]).
//! Each kind gathers what its template shows beside the body: facts from its section
//! table and its related pages.

use askama::Template;

use super::context::Context;
use super::office_map::format_coordinate;
use super::templates::*;
use crate::content::page::{Country, Home, Office, Person, Project, Theme};
use crate::content::{Page, PageKind, Section, sort_for_listing};

/// Related news lists on theme and country pages show the latest this many items.
const RELATED_NEWS: usize = 10;
/// The home page shows the latest this many news items.
const HOME_NEWS: usize = 3;

/// A page being rendered: the original, the page shown (its translation, or the original
/// as a fallback), the visitor's language, and its frame and body.
struct Shown<'p, 'a> {
    original: &'p Page,
    shown: &'p Page,
    lang: &'p str,
    layout: Layout<'a>,
    article: Article,
}

impl<'a> Context<'a> {
    /// Renders `original` for a visitor reading `lang`: one route, or several for a
    /// paginated listing.
    pub(super) fn render_page(
        &self,
        original: &Page,
        lang: &str,
    ) -> Result<Vec<(String, String)>, askama::Error> {
        let Some((shown, fallback)) = self.site.localized(&original.key, lang) else {
            return Ok(Vec::new());
        };
        let Some(path) = self.site.url(&original.key, lang) else {
            return Ok(Vec::new());
        };
        // A fallback page's canonical URL is its original's.
        let canonical = if fallback { &original.path } else { &path };
        let page = Shown {
            original,
            shown,
            lang,
            layout: self.layout(shown, lang, fallback, canonical),
            article: self.article(shown, lang),
        };
        let html = match &shown.kind {
            PageKind::Home(home) => self.home(home, page)?,
            PageKind::Plain => PageTemplate {
                layout: page.layout,
                article: page.article,
            }
            .render()?,
            PageKind::SectionIndex(section) => {
                return self.render_listing(*section, shown, lang, fallback, &path, page.article);
            }
            PageKind::Office(office) => self.office(office, page)?,
            PageKind::Country(country) => self.country(country, page)?,
            PageKind::Theme(theme) => self.theme(theme, page)?,
            PageKind::Person(person) => person_page(person, page)?,
            PageKind::Project(project) => self.project(project, page)?,
            PageKind::NewsItem => self.news_item(page)?,
        };
        Ok(vec![(path, html)])
    }

    /// The page's body, table of contents and sources, for a visitor reading `lang`.
    fn article(&self, shown: &Page, lang: &str) -> Article {
        let ui = self.ui(lang);
        Article {
            html: shown.body_html.clone(),
            toc: shown.toc.clone(),
            lang: shown.lang.clone(),
            sources: shown
                .sources
                .iter()
                .map(|source| SourceItem {
                    title: source.title.clone(),
                    publisher: source.publisher.clone(),
                    date: source.date.map(|d| (ui.date(d), d.iso())),
                    url: source.url.clone(),
                })
                .collect(),
        }
    }

    fn home(&self, home: &Home, page: Shown) -> Result<String, askama::Error> {
        let news = self.members(Section::News);
        let news = &news[..news.len().min(HOME_NEWS)];
        let entries = [
            Section::Offices,
            Section::Themes,
            Section::Countries,
            Section::Projects,
        ]
        .iter()
        .filter_map(|s| self.link(&s.index_key(), page.lang))
        .collect();
        HomeTemplate {
            layout: page.layout,
            article: page.article,
            lead: home.lead.clone(),
            figures: home.figures.clone(),
            news: self.links(news, page.lang),
            entries,
            map: self.office_map(page.lang),
        }
        .render()
    }

    fn office(&self, office: &Office, page: Shown) -> Result<String, askama::Error> {
        let lang = page.lang;
        OfficeTemplate {
            related: self.related_pages(page.original, page.lang),
            layout: page.layout,
            article: page.article,
            office,
            country: page
                .original
                .countries
                .first()
                .and_then(|c| self.link(c, lang)),
            latitude: format_coordinate(office.latitude, 'N', 'S'),
            longitude: format_coordinate(office.longitude, 'E', 'W'),
        }
        .render()
    }

    /// A country with its offices, projects and news, and the themes of those projects.
    fn country(&self, country: &Country, page: Shown) -> Result<String, askama::Error> {
        let (key, lang) = (page.original.key.as_str(), page.lang);
        let offices = self.related(self.by_country(), key, Section::Offices);
        let projects = self.related(self.by_country(), key, Section::Projects);
        let news = self.related(self.by_country(), key, Section::News);
        let mut themes: Vec<&Page> = self.related(self.by_country(), key, Section::Themes);
        for project in &projects {
            for theme in &project.themes {
                if let Some(theme) = self.site.page(theme, self.site.default_language())
                    && !themes.iter().any(|t| t.key == theme.key)
                {
                    themes.push(theme);
                }
            }
        }
        sort_for_listing(Section::Themes, &mut themes);
        let ui = page.layout.ui;
        CountryTemplate {
            related: self.related_pages(page.original, page.lang),
            layout: page.layout,
            article: page.article,
            country,
            profile: country
                .profile
                .iter()
                .map(|p| ui.profile(*p).to_owned())
                .collect(),
            offices: self.links(&offices, lang),
            projects: self.links(&projects, lang),
            themes: self.links(&themes, lang),
            news: self.links(&news[..news.len().min(RELATED_NEWS)], lang),
        }
        .render()
    }

    /// A theme with its projects and news, and the countries of both.
    fn theme(&self, theme: &Theme, page: Shown) -> Result<String, askama::Error> {
        let (key, lang) = (page.original.key.as_str(), page.lang);
        let projects = self.related(self.by_theme(), key, Section::Projects);
        let news = self.related(self.by_theme(), key, Section::News);
        let mut countries: Vec<String> = page.original.countries.clone();
        for project in &projects {
            for c in &project.countries {
                if !countries.contains(c) {
                    countries.push(c.clone());
                }
            }
        }
        let mut country_pages: Vec<&Page> = countries
            .iter()
            .filter_map(|c| self.site.page(c, self.site.default_language()))
            .collect();
        sort_for_listing(Section::Countries, &mut country_pages);
        ThemeTemplate {
            related: self.related_pages(page.original, page.lang),
            layout: page.layout,
            article: page.article,
            icon: self.assets.icon(&theme.icon).unwrap_or("").to_owned(),
            projects: self.links(&projects, lang),
            news: self.links(&news[..news.len().min(RELATED_NEWS)], lang),
            countries: self.links(&country_pages, lang),
        }
        .render()
    }

    fn project(&self, project: &Project, page: Shown) -> Result<String, askama::Error> {
        let ui = page.layout.ui;
        let period = match (&project.period, project.start, project.end) {
            (Some(words), _, _) => words.clone(),
            (None, Some(s), Some(e)) => format!("{} – {}", ui.date(s), ui.date(e)),
            (None, Some(s), None) => format!("{} –", ui.date(s)),
            (None, None, Some(e)) => format!("– {}", ui.date(e)),
            (None, None, None) => String::new(),
        };
        ProjectTemplate {
            related: self.related_pages(page.original, page.lang),
            status: project.status.map(|s| ui.status(s).to_owned()),
            budget: project.budget.as_ref().map(|b| ui.budget(b)),
            period,
            project,
            themes: self.key_links(&page.original.themes, page.lang),
            countries: self.key_links(&page.original.countries, page.lang),
            layout: page.layout,
            article: page.article,
        }
        .render()
    }

    fn news_item(&self, page: Shown) -> Result<String, askama::Error> {
        let ui = page.layout.ui;
        let shown = page.shown;
        NewsTemplate {
            related: self.related_pages(page.original, page.lang),
            date: shown.date.map(|d| ui.date(d)).unwrap_or_default(),
            datetime: shown.date.map(|d| d.iso()).unwrap_or_default(),
            updated: shown.updated.map(|d| ui.date(d)),
            themes: self.key_links(&page.original.themes, page.lang),
            countries: self.key_links(&page.original.countries, page.lang),
            layout: page.layout,
            article: page.article,
        }
        .render()
    }
}

fn person_page(person: &Person, page: Shown) -> Result<String, askama::Error> {
    PersonTemplate {
        layout: page.layout,
        article: page.article,
        person,
    }
    .render()
}
