//! One page in one language through the template of its kind: home, plain page, office,
//! country, theme, person, project, news item (section pages are in [`super::listing`]).
//! Each kind gathers what its template shows beside the body: facts from its section
//! table and its related pages.

use askama::Template;

use super::context::Context;
use super::office_map::format_coordinate;
use super::templates::*;
use crate::content::page::{Country, Home, Office, Person, Project, ProjectPeriod, Theme};
use crate::content::{Page, PageKind, Section, UiStrings, sort_for_listing};

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
    article: Article<'p>,
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
    fn article<'p>(&self, shown: &'p Page, lang: &str) -> Article<'p> {
        let ui = self.ui(lang);
        Article {
            body: &shown.body,
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
            lists: self.lists(&page, &[]),
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

    /// A country with its offices, projects, themes and news.
    fn country(&self, country: &Country, page: Shown) -> Result<String, askama::Error> {
        let ui = page.layout.ui;
        let about = [
            Section::Offices,
            Section::Projects,
            Section::Themes,
            Section::News,
        ];
        CountryTemplate {
            lists: self.lists(&page, &about),
            layout: page.layout,
            article: page.article,
            country,
            profile: country
                .profile
                .iter()
                .map(|p| ui.profile(*p).to_owned())
                .collect(),
        }
        .render()
    }

    /// A theme with its projects, countries and news.
    fn theme(&self, theme: &Theme, page: Shown) -> Result<String, askama::Error> {
        let about = [Section::Projects, Section::Countries, Section::News];
        ThemeTemplate {
            lists: self.lists(&page, &about),
            layout: page.layout,
            article: page.article,
            icon: self.assets.icon(&theme.icon).unwrap_or("").to_owned(),
        }
        .render()
    }

    fn project(&self, project: &Project, page: Shown) -> Result<String, askama::Error> {
        let ui = page.layout.ui;
        let period = match &project.period {
            Some(ProjectPeriod::Words(words)) => words.clone(),
            Some(ProjectPeriod::Between(s, e)) => format!("{} – {}", ui.date(*s), ui.date(*e)),
            Some(ProjectPeriod::Since(s)) => format!("{} –", ui.date(*s)),
            Some(ProjectPeriod::Until(e)) => format!("– {}", ui.date(*e)),
            None => String::new(),
        };
        ProjectTemplate {
            lists: self.lists(&page, &[]),
            status: project.status.map(|s| ui.status(s).to_owned()),
            budget: project.budget.as_ref().map(|b| ui.budget(b)),
            period,
            project,
            topics: self.topic_links(&page),
            layout: page.layout,
            article: page.article,
        }
        .render()
    }

    fn news_item(&self, page: Shown) -> Result<String, askama::Error> {
        let ui = page.layout.ui;
        let shown = page.shown;
        NewsTemplate {
            lists: self.lists(&page, &[]),
            date: shown.date.map(|d| ui.date(d)).unwrap_or_default(),
            datetime: shown.date.map(|d| d.iso()).unwrap_or_default(),
            updated: shown.updated.map(|d| ui.date(d)),
            topics: self.topic_links(&page),
            layout: page.layout,
            article: page.article,
        }
        .render()
    }

    /// The lists below the page's body: its pages of each of `sections` (see
    /// [`Self::about`]), then the pages sharing the most themes and countries with it.
    fn lists(&self, page: &Shown, sections: &[Section]) -> Vec<LinkList<'a>> {
        let ui = page.layout.ui;
        let mut lists: Vec<LinkList> = sections
            .iter()
            .filter_map(|&section| {
                let mut pages = self.about(page.original, section);
                if section == Section::News {
                    pages.truncate(RELATED_NEWS);
                }
                Some(LinkList {
                    heading: about_heading(ui, section)?.clone(),
                    links: self.links(&pages, page.lang),
                })
            })
            .collect();
        lists.push(LinkList {
            heading: ui.related_pages.clone(),
            links: self.related_pages(page.original, page.lang),
        });
        lists
    }

    /// The pages of `section` about a country or a theme page, in listing order: those
    /// naming it, and for the themes of a country and the countries of a theme, also those
    /// of its projects (a theme names its own countries).
    fn about(&self, original: &Page, section: Section) -> Vec<&'a Page> {
        let index = match original.kind {
            PageKind::Country(_) => self.by_country(),
            _ => self.by_theme(),
        };
        let by_key = |key: &String| self.site.page(key, self.site.default_language());
        let mut pages = match section {
            Section::Countries => original.countries.iter().filter_map(by_key).collect(),
            _ => self.related(index, &original.key, section),
        };
        if matches!(section, Section::Themes | Section::Countries) {
            for project in self.related(index, &original.key, Section::Projects) {
                let named = match section {
                    Section::Themes => &project.themes,
                    _ => &project.countries,
                };
                for named in named.iter().filter_map(by_key) {
                    if !pages.iter().any(|p| p.key == named.key) {
                        pages.push(named);
                    }
                }
            }
            sort_for_listing(section, &mut pages);
        }
        pages
    }

    /// The themes and the countries the page is about.
    fn topic_links(&self, page: &Shown) -> TopicLinks<'a> {
        TopicLinks {
            themes: self.key_links(&page.original.themes, page.lang),
            countries: self.key_links(&page.original.countries, page.lang),
        }
    }
}

/// The heading over a list of `section`'s pages about a page (none lists leadership).
fn about_heading(ui: &UiStrings, section: Section) -> Option<&String> {
    match section {
        Section::Offices => Some(&ui.related_offices),
        Section::Countries => Some(&ui.related_countries),
        Section::Themes => Some(&ui.related_themes),
        Section::Projects => Some(&ui.related_projects),
        Section::News => Some(&ui.related_news),
        Section::Leadership => None,
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
