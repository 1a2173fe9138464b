//! What a page is once loaded: its section, its kind with its section table as plain
//! typed data, and the [`Page`] itself. Everything here has been checked by the loader,
//! so nothing downstream sees TOML spans or re-parses a date. Knows nothing of files,
//! rendering or HTTP.

use std::sync::Arc;

use super::date::PageDate;
pub use super::front_matter::{Figure, HomeTable as Home, MigrationProfile, ProjectStatus};
use crate::markdown::Body;

/// A language of the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language {
    pub code: String,
    pub name: String,
}

/// The content sections, each a folder under `content/` with its own front matter table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Offices,
    Countries,
    Themes,
    Leadership,
    Projects,
    News,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Offices,
        Section::Countries,
        Section::Themes,
        Section::Leadership,
        Section::Projects,
        Section::News,
    ];

    /// The folder name, which is also the URL segment.
    pub fn dir(self) -> &'static str {
        match self {
            Section::Offices => "offices",
            Section::Countries => "countries",
            Section::Themes => "themes",
            Section::Leadership => "leadership",
            Section::Projects => "projects",
            Section::News => "news",
        }
    }

    pub fn from_dir(dir: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.dir() == dir)
    }

    /// The key of its section page: `offices/_index.md`.
    pub fn index_key(self) -> String {
        format!("{}/_index.md", self.dir())
    }
}

/// What a page is, with the data of its section's table.
#[derive(Clone, Debug)]
pub enum PageKind {
    Home(Home),
    Plain,
    SectionIndex(Section),
    Office(Office),
    Country(Country),
    Theme(Theme),
    Person(Person),
    Project(Project),
    NewsItem,
}

/// `[office]`, checked: coordinates in range, its country resolved into the page's
/// `countries`.
#[derive(Clone, Debug)]
pub struct Office {
    pub city: String,
    pub main_seat: bool,
    pub latitude: f64,
    pub longitude: f64,
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// `[country]`, checked: `iso` is two upper-case letters.
#[derive(Clone, Debug)]
pub struct Country {
    pub name: String,
    pub iso: String,
    pub profile: Vec<MigrationProfile>,
}

impl Country {
    /// Kosovo, whose name carries the UNSCR 1244/99 footnote.
    pub fn is_kosovo(&self) -> bool {
        self.iso == "XK"
    }
}

/// `[person]`; `photo` is a path under `media/` without a leading `/`.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: Option<String>,
    pub role: String,
    pub photo: Option<String>,
    pub email: Option<String>,
}

/// `[theme]`, checked: `icon` names an SVG in `static/icons/`.
#[derive(Clone, Debug)]
pub struct Theme {
    pub icon: String,
}

/// `[project]`, checked: its dates parse and it does not end before it starts.
#[derive(Clone, Debug)]
pub struct Project {
    pub status: Option<ProjectStatus>,
    /// When it runs, where the front matter says.
    pub period: Option<ProjectPeriod>,
    pub budget: Option<Budget>,
    pub donors: Vec<String>,
    pub partners: Vec<String>,
    pub website: Option<String>,
}

impl Project {
    /// Under way now: shown with the "ongoing" style.
    pub fn is_ongoing(&self) -> bool {
        self.status == Some(ProjectStatus::Ongoing)
    }
}

/// When a project runs: its `start` and `end`, either one alone, or `period` in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectPeriod {
    Between(PageDate, PageDate),
    Since(PageDate),
    Until(PageDate),
    /// What is known of its time in words, when no start and end fit.
    Words(String),
}

/// A project's budget: `about` when the source gives a rounded figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    pub amount: u64,
    pub currency: String,
    pub about: bool,
}

/// A publication a page's facts come from (`[[sources]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    pub title: String,
    pub publisher: String,
    pub date: Option<PageDate>,
    /// An `http` or `https` address.
    pub url: Option<String>,
}

/// One content file in one language, parsed and linked.
#[derive(Clone, Debug)]
pub struct Page {
    /// The file, relative to the content folder (`offices/belgrade.tr.md`).
    pub file: String,
    /// The default-language file this page is or translates (`offices/belgrade.md`).
    pub key: String,
    pub lang: String,
    /// The section the page is in (members and section index pages).
    pub section: Option<Section>,
    pub kind: PageKind,
    pub slug: String,
    /// URL path, starting and ending with `/`.
    pub path: String,
    pub title: String,
    pub description: String,
    pub weight: i64,
    pub date: Option<PageDate>,
    pub updated: Option<PageDate>,
    pub draft: bool,
    /// Dated after the load's `now` (only kept with `drafts`).
    pub scheduled: bool,
    /// Old URL paths that redirect here.
    pub aliases: Vec<String>,
    /// Keys of the theme pages this page is about.
    pub themes: Vec<String>,
    /// Keys of the country pages this page is about (an office's own country included).
    pub countries: Vec<String>,
    /// Where its facts come from; a translation without its own takes the original's.
    pub sources: Vec<Citation>,
    /// The body rendered to HTML, with its headings (shared with the load cache).
    pub body: Arc<Body>,
    /// The body's visible text, for search (empty unless [`LoadOptions::search_text`]).
    ///
    /// [`LoadOptions::search_text`]: super::LoadOptions::search_text
    pub text: Arc<str>,
}

impl Page {
    pub fn is_section_member(&self, section: Section) -> bool {
        self.section == Some(section) && !matches!(self.kind, PageKind::SectionIndex(_))
    }

    /// Hidden from visitors: a draft, or dated in the future.
    pub fn is_hidden(&self) -> bool {
        self.draft || self.scheduled
    }
}
