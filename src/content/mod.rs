//! The typed content model, [`Site`], and the loader that builds it from a content tree.
//!
//! Loading is a list of named stages in [`Site::load`]: read the configuration, parse every
//! page, index them, cross-link them, render their Markdown, check anchors, and finally
//! drop what is not published. Every stage adds to one list of diagnostics; no stage stops
//! at the first bad file. Pages refer to each other by *key*, the content path of the
//! default-language file (`offices/belgrade.md`), never by reference.

pub mod front_matter;
pub mod i18n;
pub mod source;
pub mod urls;

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use rayon::prelude::*;
use toml::Spanned;
use toml::value::{Datetime, Offset};

use crate::config::SiteConfig;
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::markdown::{self, Resolution, TocEntry};
use front_matter::{
    CountryTable, FrontMatter, HomeTable, OfficeTable, PersonTable, ProjectTable, ThemeTable,
};
pub use i18n::UiStrings;
pub use source::SourceFile;

/// Descriptions longer than this are cut in search results: a warning.
pub const MAX_DESCRIPTION: usize = 160;

/// What a load needs beside the files.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Keep draft and scheduled pages (marked as such).
    pub drafts: bool,
    /// Pages dated after this moment are scheduled, not published.
    pub now: Timestamp,
    /// Overrides `base_url` from site.toml.
    pub base_url: Option<String>,
    /// Names of the icons a theme may use (files in `static/icons/`, without `.svg`).
    pub icons: BTreeSet<String>,
}

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

    /// The front matter table its members need, if any.
    fn table(self) -> Option<&'static str> {
        match self {
            Section::Offices => Some("office"),
            Section::Countries => Some("country"),
            Section::Themes => Some("theme"),
            Section::Leadership => Some("person"),
            Section::Projects => Some("project"),
            Section::News => None,
        }
    }
}

/// What a page is, with the data of its section's table.
#[derive(Clone, Debug)]
pub enum PageKind {
    Home(HomeTable),
    Plain,
    SectionIndex(Section),
    Office(OfficeTable),
    Country(CountryTable),
    Theme(ThemeTable),
    Person(PersonTable),
    Project(ProjectTable),
    NewsItem,
}

/// A page's date: the calendar day as written and the moment it stands for (a bare date
/// is midnight UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageDate {
    pub at: Timestamp,
    pub day: jiff::civil::Date,
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
    pub body_html: String,
    pub toc: Vec<TocEntry>,
    pub heading_ids: Vec<String>,
}

impl Page {
    pub fn is_section_member(&self, section: Section) -> bool {
        self.section == Some(section) && !matches!(self.kind, PageKind::SectionIndex(_))
    }
}

/// The whole content tree, parsed, validated and cross-linked.
#[derive(Debug)]
pub struct Site {
    pub config: SiteConfig,
    /// Base URL without a trailing `/`.
    pub base_url: String,
    /// The default language first, then the others by code.
    pub languages: Vec<Language>,
    pub ui: HashMap<String, UiStrings>,
    /// Published pages (and, with `drafts`, draft and scheduled ones), every language.
    pub pages: Vec<Page>,
    /// Files under `media/`, served as they are.
    pub media: Vec<SourceFile>,
    /// Problems that do not stop the site.
    pub warnings: Vec<Diagnostic>,
    /// The earliest date of a scheduled page left out of this load.
    pub next_publication: Option<Timestamp>,
    by_key: HashMap<(String, String), usize>,
}

impl Site {
    /// Builds the site from `files`. On any error, returns every diagnostic found (errors
    /// and warnings), sorted by file and position.
    pub fn load(files: Vec<SourceFile>, options: &LoadOptions) -> Result<Site, Vec<Diagnostic>> {
        Loader::new(options).load(files)
    }

    pub fn default_language(&self) -> &str {
        &self.languages[0].code
    }

    /// `""` for the default language, `/tr` for Turkish.
    pub fn lang_prefix(&self, lang: &str) -> String {
        if lang == self.default_language() {
            String::new()
        } else {
            format!("/{lang}")
        }
    }

    /// The page for `key` written in `lang`, if there is one.
    pub fn page(&self, key: &str, lang: &str) -> Option<&Page> {
        self.by_key
            .get(&(key.to_owned(), lang.to_owned()))
            .map(|&i| &self.pages[i])
    }

    /// The page to show for `key` in `lang`: its translation, or else the default-language
    /// page (`true`: shown as a fallback, with a notice).
    pub fn localized(&self, key: &str, lang: &str) -> Option<(&Page, bool)> {
        self.page(key, lang)
            .map(|p| (p, false))
            .or_else(|| self.page(key, self.default_language()).map(|p| (p, true)))
    }

    /// The URL path of `key` for a visitor reading `lang`.
    pub fn url(&self, key: &str, lang: &str) -> Option<String> {
        match self.localized(key, lang)? {
            (page, false) => Some(page.path.clone()),
            (page, true) => Some(format!("{}{}", self.lang_prefix(lang), page.path)),
        }
    }

    /// Default-language pages: one per key.
    pub fn originals(&self) -> impl Iterator<Item = &Page> {
        let default = self.default_language().to_owned();
        self.pages.iter().filter(move |p| p.lang == default)
    }

    /// The members of `section` (default-language pages), in listing order: by weight then
    /// title, news by date, newest first.
    pub fn members(&self, section: Section) -> Vec<&Page> {
        let mut members: Vec<&Page> = self
            .originals()
            .filter(|p| p.is_section_member(section))
            .collect();
        sort_for_listing(section, &mut members);
        members
    }
}

/// Sorts pages of one section into listing order.
pub fn sort_for_listing(section: Section, pages: &mut [&Page]) {
    if section == Section::News {
        pages.sort_by(|a, b| {
            b.date
                .cmp(&a.date)
                .then_with(|| a.title.cmp(&b.title))
                .then_with(|| a.key.cmp(&b.key))
        });
    } else {
        pages.sort_by(|a, b| (a.weight, &a.title, &a.key).cmp(&(b.weight, &b.title, &b.key)));
    }
}

/// A page while loading: parsed, not yet linked.
struct Draft {
    page: Page,
    text: String,
    front_offset: usize,
    body_offset: usize,
    front: Option<FrontMatter>,
    /// `None` on a translation that takes its table from the original.
    kind: Option<PageKind>,
}

struct Loader<'a> {
    options: &'a LoadOptions,
    diagnostics: Vec<Diagnostic>,
    /// The text of site.toml, for placing errors found after it was parsed.
    config_text: String,
    /// Keys of pages that failed to parse, so their translations are not called orphans.
    failed_files: BTreeSet<String>,
}

impl<'a> Loader<'a> {
    fn new(options: &'a LoadOptions) -> Self {
        Loader {
            options,
            diagnostics: Vec::new(),
            config_text: String::new(),
            failed_files: BTreeSet::new(),
        }
    }

    fn load(mut self, files: Vec<SourceFile>) -> Result<Site, Vec<Diagnostic>> {
        let mut config_file = None;
        let mut ui_files = Vec::new();
        let mut page_files = Vec::new();
        let mut media = Vec::new();
        for file in files {
            if file.path == "site.toml" {
                config_file = Some(file);
            } else if file.path.starts_with("media/") {
                media.push(file);
            } else if let Some(name) = file.path.strip_prefix("i18n/") {
                if let Some(lang) = name.strip_suffix(".toml").filter(|l| !l.contains('/')) {
                    ui_files.push((lang.to_owned(), file));
                } else {
                    self.warn_unused(&file.path);
                }
            } else if file.path.ends_with(".md") {
                page_files.push(file);
            } else {
                self.warn_unused(&file.path);
            }
        }

        // Stage 1: configuration and interface strings.
        let Some(config_file) = config_file else {
            self.diagnostics.push(Diagnostic::file_error(
                "site.toml",
                "the content folder has no site.toml",
            ));
            return Err(self.finish_with_errors());
        };
        let Some(config) = self.parse_config(&config_file) else {
            return Err(self.finish_with_errors());
        };
        let languages = languages(&config);
        let ui = self.parse_ui(&config, &languages, ui_files);

        // Stage 2: every page, parsed on its own.
        let mut drafts = Vec::with_capacity(page_files.len());
        for file in page_files {
            let key = strip_language(&file.path);
            match self.parse_page(file, &languages) {
                Some(draft) => drafts.push(draft),
                None => {
                    self.failed_files.insert(key);
                }
            }
        }

        // Stage 3: index by key and URL; translations take their table from the original.
        let mut drafts = self.index(drafts, &languages[0].code);
        self.require_index_pages(&drafts);

        // Stage 4: cross-links by slug (themes, countries, an office's country, the menu).
        self.cross_link(&mut drafts, &config);

        // Stage 5: Markdown bodies, with `@/` links resolved in each page's language.
        let links = self.render_bodies(&mut drafts, &languages[0].code);

        // Stage 6: links against headings, routes and media, now that every page exists.
        self.check_links(&drafts, links, &media, &languages);

        // Stage 7: keep what is published.
        let mut next_publication: Option<Timestamp> = None;
        let mut pages = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let page = draft.page;
            if page.scheduled
                && !page.draft
                && let Some(date) = page.date
            {
                next_publication = Some(next_publication.map_or(date.at, |n| n.min(date.at)));
            }
            if self.options.drafts || (!page.draft && !page.scheduled) {
                pages.push(page);
            }
        }
        // A translation whose original is hidden has no page to belong to.
        let default = languages[0].code.clone();
        let published_keys: BTreeSet<String> = pages
            .iter()
            .filter(|p| p.lang == default)
            .map(|p| p.key.clone())
            .collect();
        pages.retain(|p| published_keys.contains(&p.key));

        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(self.finish_with_errors());
        }
        let by_key = pages
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.key.clone(), p.lang.clone()), i))
            .collect();
        let base_url = self
            .options
            .base_url
            .clone()
            .unwrap_or_else(|| config.base_url.clone())
            .trim_end_matches('/')
            .to_owned();
        let mut warnings = self.diagnostics;
        diagnostic::sort(&mut warnings);
        Ok(Site {
            config,
            base_url,
            languages,
            ui,
            pages,
            media,
            warnings,
            next_publication,
            by_key,
        })
    }

    fn finish_with_errors(mut self) -> Vec<Diagnostic> {
        diagnostic::sort(&mut self.diagnostics);
        self.diagnostics
    }

    fn warn_unused(&mut self, path: &str) {
        self.diagnostics.push(Diagnostic::file_warning(
            path,
            "this file is not used: pages are .md files, media go under media/, \
                 interface text under i18n/<lang>.toml",
        ));
    }

    fn parse_config(&mut self, file: &SourceFile) -> Option<SiteConfig> {
        let text = self.text_of(file)?;
        self.config_text = text.clone();
        let config: SiteConfig = match front_matter::parse_toml(&file.path, &text, &text, 0) {
            Ok(config) => config,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let default = &config.default_language;
        if !config.languages.contains_key(default.get_ref()) {
            self.diagnostics.push(Diagnostic::error(
                &file.path,
                &text,
                default.span().start,
                format!(
                    "the default language `{}` is not among [languages]",
                    default.get_ref()
                ),
            ));
            return None;
        }
        for code in config.languages.keys() {
            if !is_language_code(code) {
                self.diagnostics.push(Diagnostic::file_error(
                    &file.path,
                    format!("`{code}` is not a language code: use two or three lower-case letters such as `en` or `tr`"),
                ));
            }
        }
        Some(config)
    }

    fn parse_ui(
        &mut self,
        config: &SiteConfig,
        languages: &[Language],
        files: Vec<(String, SourceFile)>,
    ) -> HashMap<String, UiStrings> {
        let mut ui = HashMap::new();
        for (lang, file) in files {
            if !config.languages.contains_key(&lang) {
                self.diagnostics.push(Diagnostic::file_warning(
                    &file.path,
                    format!("`{lang}` is not a language in site.toml, so this file is not used"),
                ));
                continue;
            }
            let Some(text) = self.text_of(&file) else {
                continue;
            };
            match front_matter::parse_toml::<UiStrings>(&file.path, &text, &text, 0) {
                Ok(strings) => {
                    ui.insert(lang, strings);
                }
                Err(d) => self.diagnostics.push(d),
            }
        }
        for language in languages {
            if !ui.contains_key(&language.code)
                && !self
                    .diagnostics
                    .iter()
                    .any(|d| d.file == format!("i18n/{}.toml", language.code))
            {
                self.diagnostics.push(Diagnostic::file_error(
                    &format!("i18n/{}.toml", language.code),
                    format!(
                        "the language `{}` has no interface text: add i18n/{}.toml",
                        language.code, language.code
                    ),
                ));
            }
        }
        ui
    }

    fn text_of(&mut self, file: &SourceFile) -> Option<String> {
        match std::str::from_utf8(&file.bytes) {
            Ok(text) => Some(text.to_owned()),
            Err(e) => {
                let text = String::from_utf8_lossy(&file.bytes).into_owned();
                self.diagnostics.push(Diagnostic::error(
                    &file.path,
                    &text,
                    e.valid_up_to(),
                    "the file is not valid UTF-8",
                ));
                None
            }
        }
    }

    /// Parses one page file: its place in the tree, its front matter, its section table.
    fn parse_page(&mut self, file: SourceFile, languages: &[Language]) -> Option<Draft> {
        let text = self.text_of(&file)?;
        let path = file.path;
        let default_lang = &languages[0].code;

        // Place in the tree: `name.md`, `section/name.md`, with `.lang` before `.md`.
        let (dir, name) = match path.rsplit_once('/') {
            Some((dir, name)) => (Some(dir), name),
            None => (None, path.as_str()),
        };
        let section = match dir {
            None => None,
            Some(dir) => match Section::from_dir(dir) {
                Some(section) => Some(section),
                None => {
                    let known: Vec<_> = Section::ALL.iter().map(|s| s.dir()).collect();
                    self.diagnostics.push(Diagnostic::file_error(
                        &path,
                        format!(
                            "`{dir}/` is not a section: pages go at the top of the content folder or in one of {}",
                            known.join(", ")
                        ),
                    ));
                    return None;
                }
            },
        };
        let stem = name.strip_suffix(".md").unwrap_or(name);
        let (base, lang) = match stem.rsplit_once('.') {
            Some((base, lang)) => {
                if !languages.iter().any(|l| l.code == lang) {
                    let known: Vec<_> = languages.iter().map(|l| l.code.as_str()).collect();
                    self.diagnostics.push(Diagnostic::file_error(
                        &path,
                        format!(
                            "`{lang}` in the file name is not a language of this site ({}); \
                             translations are named like `page.tr.md`",
                            known.join(", ")
                        ),
                    ));
                    return None;
                }
                (base, lang.to_owned())
            }
            None => (stem, default_lang.clone()),
        };
        let key = match dir {
            Some(dir) => format!("{dir}/{base}.md"),
            None => format!("{base}.md"),
        };
        let is_index = base == "_index";
        let (name_date, name_slug) = match split_date_prefix(base) {
            Some((date, rest)) => (Some(date), rest),
            None => (None, base),
        };

        // Front matter.
        let split = match front_matter::split(&path, &text) {
            Ok(split) => split,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let fm: FrontMatter =
            match front_matter::parse_toml(&path, &text, split.front, split.front_offset) {
                Ok(fm) => fm,
                Err(d) => {
                    self.diagnostics.push(d);
                    return None;
                }
            };
        let at = |offset: usize| split.front_offset + offset;
        let mut errors = Vec::new();
        let error = |errors: &mut Vec<Diagnostic>, offset: usize, message: String| {
            errors.push(Diagnostic::error(&path, &text, offset, message));
        };

        let title = required_text(&fm.title, "title", split.front_offset, &mut |o, m| {
            error(&mut errors, o, m)
        });
        let description = required_text(
            &fm.description,
            "description",
            split.front_offset,
            &mut |o, m| error(&mut errors, o, m),
        );

        if let Some(d) = &fm.description
            && d.get_ref().chars().count() > MAX_DESCRIPTION
        {
            errors.push(Diagnostic::at(
                Severity::Warning,
                &path,
                &text,
                at(d.span().start),
                format!(
                    "the description has {} characters: search engines cut it after about {MAX_DESCRIPTION}",
                    d.get_ref().chars().count()
                ),
            ));
        }

        let mut date = None;
        if let Some(d) = &fm.date {
            match page_date(d.get_ref()) {
                Ok(value) => date = Some(value),
                Err(m) => error(&mut errors, at(d.span().start), m),
            }
        } else if let Some(day) = name_date {
            date = Some(PageDate {
                at: day
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .map(|z| z.timestamp())
                    .unwrap_or_default(),
                day,
            });
        }
        let mut updated = None;
        if let Some(d) = &fm.updated {
            match page_date(d.get_ref()) {
                Ok(value) => updated = Some(value),
                Err(m) => error(&mut errors, at(d.span().start), m),
            }
        }

        let slug = match &fm.slug {
            Some(s) if !is_slug(s.get_ref()) => {
                error(
                    &mut errors,
                    at(s.span().start),
                    format!(
                        "`{}` is not a usable slug: use lower-case letters, digits and `-`",
                        s.get_ref()
                    ),
                );
                name_slug.to_owned()
            }
            Some(s) => s.get_ref().clone(),
            None => name_slug.to_owned(),
        };
        if fm.slug.is_none() && !is_index && !is_slug(&slug) {
            error(
                &mut errors,
                0,
                format!(
                    "the file name `{name}` does not make a clean URL: use lower-case letters, digits and `-`, or set `slug`"
                ),
            );
        }

        let mut aliases = Vec::new();
        for alias in &fm.aliases {
            let value = alias.get_ref();
            if !urls::is_safe_path(value) {
                error(
                    &mut errors,
                    at(alias.span().start),
                    format!("the alias `{value}` must be a URL path starting with `/`"),
                );
            } else {
                aliases.push(normalise_path(value));
            }
        }

        // The section table: required where the section has one, rejected elsewhere.
        let is_translation = lang != *default_lang;
        let expected = match (section, is_index) {
            (None, true) => Some("home"),
            (Some(section), false) => section.table(),
            _ => None,
        };
        for (table, span) in present_tables(&fm) {
            if Some(table) != expected {
                let place = match table {
                    "home" => "the home page (_index.md)".to_owned(),
                    "office" => "pages under offices/".to_owned(),
                    "country" => "pages under countries/".to_owned(),
                    "theme" => "pages under themes/".to_owned(),
                    "person" => "pages under leadership/".to_owned(),
                    _ => "pages under projects/".to_owned(),
                };
                error(
                    &mut errors,
                    at(span),
                    format!("`[{table}]` belongs only in {place}"),
                );
            }
        }
        let kind = match (section, is_index) {
            (None, true) => fm
                .home
                .as_ref()
                .map(|t| PageKind::Home(t.get_ref().clone())),
            (None, false) => Some(PageKind::Plain),
            (Some(section), true) => Some(PageKind::SectionIndex(section)),
            (Some(Section::Offices), false) => fm
                .office
                .as_ref()
                .map(|t| PageKind::Office(t.get_ref().clone())),
            (Some(Section::Countries), false) => fm
                .country
                .as_ref()
                .map(|t| PageKind::Country(t.get_ref().clone())),
            (Some(Section::Themes), false) => fm
                .theme
                .as_ref()
                .map(|t| PageKind::Theme(t.get_ref().clone())),
            (Some(Section::Leadership), false) => fm
                .person
                .as_ref()
                .map(|t| PageKind::Person(t.get_ref().clone())),
            (Some(Section::Projects), false) => fm
                .project
                .as_ref()
                .map(|t| PageKind::Project(t.get_ref().clone())),
            (Some(Section::News), false) => Some(PageKind::NewsItem),
        };
        if kind.is_none() && !is_translation {
            let table = expected.unwrap_or("home");
            error(
                &mut errors,
                split.front_offset,
                format!(
                    "this page needs a `[{table}]` table ({})",
                    table_fields(table)
                ),
            );
        }
        if matches!(kind, Some(PageKind::NewsItem)) && date.is_none() {
            error(
                &mut errors,
                split.front_offset,
                "a news item needs a `date` (or a file name starting with YYYY-MM-DD-)".to_owned(),
            );
        }
        if is_translation {
            for (field, list) in [("themes", &fm.themes), ("countries", &fm.countries)] {
                if let Some(first) = list.first() {
                    error(
                        &mut errors,
                        at(first.span().start),
                        format!(
                            "`{field}` is set on the original ({key}); a translation takes it from there"
                        ),
                    );
                }
            }
        }
        if let Some(kind) = &kind {
            self.check_table(kind, &path, &text, split.front_offset, &mut errors);
            let table_offset = present_tables(&fm)
                .into_iter()
                .find(|(table, _)| Some(*table) == expected)
                .map_or(split.front_offset, |(_, offset)| at(offset));
            for field in empty_required_fields(kind) {
                error(
                    &mut errors,
                    table_offset,
                    format!("`{field}` in [{}] is empty", expected.unwrap_or("home")),
                );
            }
        }

        let path_prefix = if is_translation {
            format!("/{lang}")
        } else {
            String::new()
        };
        let url = match (section, is_index) {
            (None, true) => format!("{path_prefix}/"),
            (None, false) => format!("{path_prefix}/{slug}/"),
            (Some(section), true) => format!("{path_prefix}/{}/", section.dir()),
            (Some(section), false) => format!("{path_prefix}/{}/{slug}/", section.dir()),
        };
        let scheduled = date.is_some_and(|d| d.at > self.options.now);
        let draft_flag = fm.draft;
        let failed = errors.iter().any(Diagnostic::is_error);
        self.diagnostics.extend(errors);
        if failed {
            return None;
        }
        Some(Draft {
            page: Page {
                file: path.clone(),
                key,
                lang,
                section,
                kind: PageKind::Plain,
                slug,
                path: url,
                title,
                description,
                weight: fm.weight,
                date,
                updated,
                draft: draft_flag,
                scheduled,
                aliases,
                themes: Vec::new(),
                countries: Vec::new(),
                body_html: String::new(),
                toc: Vec::new(),
                heading_ids: Vec::new(),
            },
            front_offset: split.front_offset,
            body_offset: split.body_offset,
            text,
            front: Some(fm),
            kind,
        })
    }

    /// Checks the values inside a section table that types alone cannot.
    fn check_table(
        &self,
        kind: &PageKind,
        file: &str,
        text: &str,
        front_offset: usize,
        errors: &mut Vec<Diagnostic>,
    ) {
        let at = |offset: usize| front_offset + offset;
        match kind {
            PageKind::Office(office) => {
                for (value, range, name) in [
                    (&office.latitude, 90.0, "latitude"),
                    (&office.longitude, 180.0, "longitude"),
                ] {
                    if !(-range..=range).contains(value.get_ref()) {
                        errors.push(Diagnostic::error(
                            file,
                            text,
                            at(value.span().start),
                            format!("{name} must lie between -{range} and {range}"),
                        ));
                    }
                }
            }
            PageKind::Country(country) => {
                let iso = country.iso.get_ref();
                if iso.len() != 2 || !iso.bytes().all(|b| b.is_ascii_uppercase()) {
                    errors.push(Diagnostic::error(
                        file,
                        text,
                        at(country.iso.span().start),
                        format!(
                            "`{iso}` is not an ISO 3166-1 alpha-2 code such as `RS` (Kosovo: `XK`)"
                        ),
                    ));
                }
            }
            PageKind::Theme(theme) => {
                let icon = theme.icon.get_ref();
                if !icon.is_empty() && !self.options.icons.contains(icon) {
                    errors.push(Diagnostic::error(
                        file,
                        text,
                        at(theme.icon.span().start),
                        format!("there is no icon `{icon}`: add static/icons/{icon}.svg or use one of the icons there"),
                    ));
                }
            }
            PageKind::Project(project) => {
                let mut dates = Vec::new();
                for d in [&project.start, &project.end].into_iter().flatten() {
                    match page_date(d.get_ref()) {
                        Ok(value) => dates.push(value),
                        Err(m) => errors.push(Diagnostic::error(file, text, at(d.span().start), m)),
                    }
                }
                if let ([start, end], Some(end_span)) = (dates.as_slice(), &project.end)
                    && end < start
                {
                    errors.push(Diagnostic::error(
                        file,
                        text,
                        at(end_span.span().start),
                        "the project ends before it starts",
                    ));
                }
            }
            _ => {}
        }
    }

    /// Indexes pages by key and language and by URL, reports collisions and orphaned
    /// translations, and gives translations their original's table.
    fn index(&mut self, drafts: Vec<Draft>, default_lang: &str) -> Vec<Draft> {
        let mut by_key: HashMap<(String, String), usize> = HashMap::new();
        let mut kept: Vec<Draft> = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let id = (draft.page.key.clone(), draft.page.lang.clone());
            by_key.insert(id, kept.len());
            kept.push(draft);
        }
        // Orphaned translations, and tables and dates inherited from originals. A
        // translation whose original failed to parse is dropped without a second report.
        let mut keep = vec![true; kept.len()];
        for i in 0..kept.len() {
            if kept[i].page.lang == default_lang {
                continue;
            }
            match by_key.get(&(kept[i].page.key.clone(), default_lang.to_owned())) {
                None => {
                    if !self.failed_files.contains(&kept[i].page.key) {
                        self.diagnostics.push(Diagnostic::file_error(
                            &kept[i].page.file,
                            format!(
                                "this translation has no original: `{}` does not exist",
                                kept[i].page.key
                            ),
                        ));
                    }
                    keep[i] = false;
                }
                Some(&o) => {
                    if kept[i].kind.is_none() {
                        kept[i].kind = kept[o].kind.clone();
                    }
                    if kept[i].page.date.is_none() {
                        kept[i].page.date = kept[o].page.date;
                        kept[i].page.scheduled = kept[o].page.scheduled;
                    }
                }
            }
        }
        let mut keep = keep.into_iter();
        kept.retain(|_| keep.next().unwrap_or(false));
        for draft in &mut kept {
            if let Some(kind) = draft.kind.take() {
                draft.page.kind = kind;
            }
        }

        // Two files, one URL; an alias that is a page's URL or another page's alias.
        let mut owners: HashMap<String, String> = HashMap::new();
        for draft in &kept {
            let page = &draft.page;
            if let Some(other) = owners.insert(page.path.clone(), page.file.clone()) {
                let (first, second) = if other < page.file {
                    (other, page.file.clone())
                } else {
                    (page.file.clone(), other)
                };
                self.diagnostics.push(Diagnostic::file_error(
                    &second,
                    format!(
                        "this page's URL {} is already the URL of {first}",
                        page.path
                    ),
                ));
                owners.insert(page.path.clone(), first);
            }
        }
        let mut alias_owners: HashMap<String, String> = HashMap::new();
        for draft in &kept {
            let fm = draft.front.as_ref();
            for (alias, spanned) in draft
                .page
                .aliases
                .iter()
                .zip(fm.map(|f| f.aliases.iter()).into_iter().flatten())
            {
                let offset = draft.front_offset + spanned.span().start;
                let clash = owners
                    .get(alias)
                    .map(|f| format!("the alias {alias} is already the URL of {f}"))
                    .or_else(|| {
                        alias_owners
                            .insert(alias.clone(), draft.page.file.clone())
                            .map(|f| format!("the alias {alias} is already an alias of {f}"))
                    });
                if let Some(message) = clash {
                    self.diagnostics.push(Diagnostic::error(
                        &draft.page.file,
                        &draft.text,
                        offset,
                        message,
                    ));
                }
            }
        }
        kept
    }

    /// The home page, and a section page for every section that has pages: listings,
    /// breadcrumbs and the 404 page hang on them.
    fn require_index_pages(&mut self, drafts: &[Draft]) {
        let keys: BTreeSet<&str> = drafts.iter().map(|d| d.page.key.as_str()).collect();
        let mut wanted = vec![(
            "_index.md".to_owned(),
            "the site has no home page".to_owned(),
        )];
        for section in Section::ALL {
            if drafts.iter().any(|d| d.page.is_section_member(section)) {
                wanted.push((
                    format!("{}/_index.md", section.dir()),
                    format!(
                        "{}/ has pages but no section page to list them",
                        section.dir()
                    ),
                ));
            }
        }
        for (key, problem) in wanted {
            if !keys.contains(key.as_str()) && !self.failed_files.contains(&key) {
                self.diagnostics.push(Diagnostic::file_error(
                    &key,
                    format!("{problem}: add {key} with a title and a description"),
                ));
            }
        }
    }

    /// Resolves `themes`, `countries`, an office's `country` and the menu's pages.
    fn cross_link(&mut self, drafts: &mut [Draft], config: &SiteConfig) {
        let default = config.default_language.get_ref().clone();
        let mut slugs: HashMap<(Section, String), String> = HashMap::new();
        let mut keys = BTreeSet::new();
        for draft in drafts.iter() {
            let page = &draft.page;
            keys.insert(page.key.clone());
            if page.lang == default
                && let Some(section) = page.section
                && page.is_section_member(section)
            {
                slugs.insert((section, page.slug.clone()), page.key.clone());
            }
        }
        let mut originals: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
        for draft in drafts.iter_mut() {
            let Some(fm) = &draft.front else { continue };
            let resolve = |section: Section,
                           slug: &Spanned<String>,
                           diags: &mut Vec<Diagnostic>| {
                let found = slugs.get(&(section, slug.get_ref().clone())).cloned();
                let failed =
                    self.failed_files
                        .contains(&format!("{}/{}.md", section.dir(), slug.get_ref()));
                if found.is_none() && !failed {
                    diags.push(Diagnostic::error(
                        &draft.page.file,
                        &draft.text,
                        draft.front_offset + slug.span().start,
                        format!(
                            "there is no page `{}` in {}/ ({}/{}.md)",
                            slug.get_ref(),
                            section.dir(),
                            section.dir(),
                            slug.get_ref()
                        ),
                    ));
                }
                found
            };
            let mut themes = Vec::new();
            for slug in &fm.themes {
                if let Some(key) = resolve(Section::Themes, slug, &mut self.diagnostics) {
                    push_unique(&mut themes, key);
                }
            }
            let mut countries = Vec::new();
            if let Some(office) = &fm.office
                && let Some(key) = resolve(
                    Section::Countries,
                    &office.get_ref().country,
                    &mut self.diagnostics,
                )
            {
                push_unique(&mut countries, key);
            }
            for slug in &fm.countries {
                if let Some(key) = resolve(Section::Countries, slug, &mut self.diagnostics) {
                    push_unique(&mut countries, key);
                }
            }
            if draft.page.lang == default {
                originals.insert(draft.page.key.clone(), (themes.clone(), countries.clone()));
            }
            draft.page.themes = themes;
            draft.page.countries = countries;
        }
        // Translations take their cross-links from the original.
        for draft in drafts.iter_mut() {
            if draft.page.lang != default
                && let Some((themes, countries)) = originals.get(&draft.page.key)
            {
                draft.page.themes = themes.clone();
                draft.page.countries = countries.clone();
            }
        }
        for entry in &config.menu {
            let page = entry.page.get_ref();
            if !keys.contains(page) {
                self.diagnostics.push(Diagnostic::error(
                    "site.toml",
                    &self.config_text,
                    entry.page.span().start,
                    format!("the menu names `{page}`, which is not a page of the content"),
                ));
            }
        }
    }

    /// Renders every body in parallel, resolving `@/` links and then checking their anchors.
    fn render_bodies(&mut self, drafts: &mut [Draft], default_lang: &str) -> Vec<LinkToCheck> {
        struct Target {
            path: String,
            hidden: bool,
        }
        let mut targets: HashMap<(String, String), Target> = HashMap::new();
        for draft in drafts.iter() {
            let page = &draft.page;
            targets.insert(
                (page.key.clone(), page.lang.clone()),
                Target {
                    path: page.path.clone(),
                    hidden: page.draft || page.scheduled,
                },
            );
        }
        let failed = &self.failed_files;
        let rendered: Vec<(Vec<Diagnostic>, Vec<LinkToCheck>)> = drafts
            .par_iter_mut()
            .enumerate()
            .map(|(index, draft)| {
                let lang = draft.page.lang.clone();
                let prefix = if lang == default_lang {
                    String::new()
                } else {
                    format!("/{lang}")
                };
                let body = &draft.text[draft.body_offset..];
                let resolve = |target: &str| -> Resolution {
                    let (file, anchor) = match target.split_once('#') {
                        Some((file, anchor)) => (file, Some(anchor)),
                        None => (target, None),
                    };
                    let key = strip_language(file);
                    let found = targets
                        .get(&(key.clone(), lang.clone()))
                        .map(|t| (t.path.clone(), t.hidden))
                        .or_else(|| {
                            targets
                                .get(&(key.clone(), default_lang.to_owned()))
                                .map(|t| (format!("{prefix}{}", t.path), t.hidden))
                        });
                    match found {
                        // A page that failed to parse has its own error already.
                        None if failed.contains(&key) => Resolution {
                            url: None,
                            problem: None,
                        },
                        None => Resolution::problem(
                            Severity::Error,
                            format!("`@/{file}` links to a page that does not exist"),
                        ),
                        Some((path, hidden)) => {
                            let url = match anchor {
                                Some(a) => format!("{path}#{a}"),
                                None => path,
                            };
                            if hidden {
                                Resolution::with_problem(
                                    url,
                                    Severity::Warning,
                                    format!("`@/{file}` links to a draft or scheduled page, which visitors cannot see yet"),
                                )
                            } else {
                                Resolution::ok(url)
                            }
                        }
                    }
                };
                let rendered = markdown::render(body, &resolve);
                let at = |offset: usize| draft.body_offset + offset;
                let mut links: Vec<LinkToCheck> = rendered
                    .anchored_links
                    .iter()
                    .map(|link| LinkToCheck {
                        draft: index,
                        offset: at(link.offset),
                        target: LinkTarget::Anchor {
                            key: strip_language(&link.file),
                            anchor: link.anchor.clone(),
                        },
                    })
                    .collect();
                links.extend(rendered.internal_links.iter().map(|link| LinkToCheck {
                    draft: index,
                    offset: at(link.offset),
                    target: LinkTarget::Path(link.path.clone()),
                }));
                let diagnostics = rendered
                    .problems
                    .into_iter()
                    .map(|p| {
                        Diagnostic::at(p.severity, &draft.page.file, &draft.text, at(p.offset), p.message)
                    })
                    .collect();
                let page = &mut draft.page;
                page.body_html = rendered.html;
                page.toc = rendered.toc;
                page.heading_ids = rendered.heading_ids;
                (diagnostics, links)
            })
            .collect();
        let mut links = Vec::new();
        for (diagnostics, page_links) in rendered {
            self.diagnostics.extend(diagnostics);
            links.extend(page_links);
        }
        links
    }

    /// Checks links once every page is rendered: `@/page.md#id` anchors against the
    /// target's headings, site paths (`/offices/`, `/media/a.pdf`) against the real
    /// routes; and reports media files that nothing uses.
    fn check_links(
        &mut self,
        drafts: &[Draft],
        links: Vec<LinkToCheck>,
        media: &[SourceFile],
        languages: &[Language],
    ) {
        let default_lang = &languages[0].code;
        let ids: HashMap<&str, &[String]> = drafts
            .iter()
            .filter(|d| d.page.lang == *default_lang)
            .map(|d| (d.page.key.as_str(), d.page.heading_ids.as_slice()))
            .collect();

        // Every path a visitor can reach, and the hidden pages and aliases beside them.
        let mut routes: BTreeSet<String> = std::iter::once("/")
            .chain(urls::FIXED_ROUTES)
            .map(str::to_owned)
            .collect();
        let mut hidden = BTreeSet::new();
        let mut aliases: HashMap<&str, &str> = HashMap::new();
        let mut members: HashMap<Section, usize> = HashMap::new();
        let own_paths: HashMap<(&str, &str), &str> = drafts
            .iter()
            .map(|d| {
                (
                    (d.page.key.as_str(), d.page.lang.as_str()),
                    d.page.path.as_str(),
                )
            })
            .collect();
        for draft in drafts.iter().filter(|d| d.page.lang == *default_lang) {
            let page = &draft.page;
            let visible = !page.draft && !page.scheduled;
            for language in languages {
                let path = match own_paths.get(&(page.key.as_str(), language.code.as_str())) {
                    Some(path) => (*path).to_owned(),
                    None => format!("/{}{}", language.code, page.path),
                };
                if visible {
                    routes.insert(path)
                } else {
                    hidden.insert(path)
                };
            }
            if visible && let Some(section) = page.section.filter(|s| page.is_section_member(*s)) {
                *members.entry(section).or_default() += 1;
            }
        }
        for draft in drafts {
            for alias in &draft.page.aliases {
                aliases.insert(alias, &draft.page.path);
            }
        }
        for (section, count) in members {
            for n in 2..=count.div_ceil(urls::PAGE_SIZE) {
                for language in languages {
                    let prefix = if language.code == *default_lang {
                        String::new()
                    } else {
                        format!("/{}", language.code)
                    };
                    routes.insert(format!("{prefix}/{}/page/{n}/", section.dir()));
                }
            }
        }
        let mut used_media = BTreeSet::new();
        for file in media {
            routes.insert(format!("/{}", file.path));
        }
        for draft in drafts {
            if let PageKind::Person(person) = &draft.page.kind
                && let Some(photo) = &person.photo
            {
                used_media.insert(format!("/{}", photo.get_ref().trim_start_matches('/')));
            }
        }

        for link in links {
            let draft = &drafts[link.draft];
            let report = |severity: Severity, message: String| {
                Diagnostic::at(
                    severity,
                    &draft.page.file,
                    &draft.text,
                    link.offset,
                    message,
                )
            };
            let diagnostic = match &link.target {
                LinkTarget::Anchor { key, anchor } => ids
                    .get(key.as_str())
                    .filter(|headings| !anchor.is_empty() && !headings.contains(anchor))
                    .map(|_| {
                        report(
                            Severity::Error,
                            format!("`{key}` has no heading with the id `{anchor}`"),
                        )
                    }),
                LinkTarget::Path(path) => {
                    used_media.insert(path.clone());
                    if routes.contains(path) {
                        None
                    } else if hidden.contains(path) {
                        Some(report(
                            Severity::Warning,
                            format!(
                                "{path} is a draft or scheduled page, which visitors cannot see yet"
                            ),
                        ))
                    } else if let Some(target) = aliases.get(path.as_str()) {
                        Some(report(
                            Severity::Warning,
                            format!(
                                "{path} is an old address of {target}: link to {target} directly"
                            ),
                        ))
                    } else if routes.contains(&format!("{path}/")) {
                        Some(report(
                            Severity::Warning,
                            format!("{path} redirects to {path}/: link to {path}/ directly"),
                        ))
                    } else {
                        Some(report(
                            Severity::Error,
                            format!("{path} is not a page or file of this site"),
                        ))
                    }
                }
            };
            self.diagnostics.extend(diagnostic);
        }

        for file in media {
            if !used_media.contains(&format!("/{}", file.path)) {
                self.diagnostics.push(Diagnostic::file_warning(
                    &file.path,
                    "nothing links to this file",
                ));
            }
        }
    }
}

/// A link found while rendering, checked once every page exists.
struct LinkToCheck {
    /// Index of the page's draft.
    draft: usize,
    /// Byte offset in the page's file.
    offset: usize,
    target: LinkTarget,
}

enum LinkTarget {
    /// `@/key#anchor`.
    Anchor { key: String, anchor: String },
    /// A site path such as `/offices/` or `/media/a.pdf`.
    Path(String),
}

/// The languages of `config`, the default first.
fn languages(config: &SiteConfig) -> Vec<Language> {
    let default = config.default_language.get_ref();
    let mut languages: Vec<Language> = config
        .languages
        .iter()
        .map(|(code, l)| Language {
            code: code.clone(),
            name: l.name.clone(),
        })
        .collect();
    languages.sort_by_key(|l| (l.code != *default, l.code.clone()));
    languages
}

fn is_language_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// Lower-case letters (any script), digits and single `-` inside.
fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || (c.is_alphabetic() && !c.is_uppercase()))
}

/// `2018-05-15-turkiye-joins` -> (2018-05-15, `turkiye-joins`).
fn split_date_prefix(base: &str) -> Option<(jiff::civil::Date, &str)> {
    let prefix = base.get(..11)?;
    let rest = &base[11..];
    if !prefix.ends_with('-') || rest.is_empty() {
        return None;
    }
    let date: jiff::civil::Date = prefix[..10].parse().ok()?;
    Some((date, rest))
}

/// `offices/belgrade.tr.md` -> `offices/belgrade.md`.
fn strip_language(file: &str) -> String {
    let stem = file.strip_suffix(".md").unwrap_or(file);
    match stem.rsplit_once('.') {
        Some((base, lang)) if is_language_code(lang) && !base.ends_with('/') => {
            format!("{base}.md")
        }
        _ => format!("{stem}.md"),
    }
}

/// A URL path with one trailing `/` unless its last segment has an extension.
fn normalise_path(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or("");
    if path.ends_with('/') || last.contains('.') {
        path.to_owned()
    } else {
        format!("{path}/")
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// A TOML date or date-time as a [`PageDate`]. A date-time without offset is UTC.
pub fn page_date(value: &Datetime) -> Result<PageDate, String> {
    let Some(date) = value.date else {
        return Err(format!("`{value}` is a time without a date"));
    };
    let day = jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
        .map_err(|e| format!("`{value}` is not a date: {e}"))?;
    let time = match value.time {
        Some(t) => jiff::civil::Time::new(
            t.hour as i8,
            t.minute as i8,
            t.second.unwrap_or(0) as i8,
            t.nanosecond.unwrap_or(0) as i32,
        )
        .map_err(|e| format!("`{value}` is not a time: {e}"))?,
        None => jiff::civil::Time::midnight(),
    };
    let offset_seconds = match value.offset {
        Some(Offset::Custom { minutes }) => i32::from(minutes) * 60,
        _ => 0,
    };
    let offset = jiff::tz::Offset::from_seconds(offset_seconds)
        .map_err(|e| format!("`{value}` has an impossible offset: {e}"))?;
    let at = offset
        .to_timestamp(day.to_datetime(time))
        .map_err(|e| format!("`{value}` is out of range: {e}"))?;
    Ok(PageDate { at, day })
}

/// A required, non-empty text field, or an error (`report(offset in file, message)`).
fn required_text(
    field: &Option<Spanned<String>>,
    name: &str,
    front_offset: usize,
    report: &mut dyn FnMut(usize, String),
) -> String {
    match field {
        Some(value) if !value.get_ref().trim().is_empty() => value.get_ref().trim().to_owned(),
        Some(value) => {
            report(
                front_offset + value.span().start,
                format!("`{name}` is empty"),
            );
            String::new()
        }
        None => {
            report(
                front_offset,
                format!("missing `{name}`: every page needs one"),
            );
            String::new()
        }
    }
}

/// The section tables present in `fm`, with their offsets in the front matter.
fn present_tables(fm: &FrontMatter) -> Vec<(&'static str, usize)> {
    let mut tables = Vec::new();
    if let Some(t) = &fm.home {
        tables.push(("home", t.span().start));
    }
    if let Some(t) = &fm.office {
        tables.push(("office", t.span().start));
    }
    if let Some(t) = &fm.country {
        tables.push(("country", t.span().start));
    }
    if let Some(t) = &fm.theme {
        tables.push(("theme", t.span().start));
    }
    if let Some(t) = &fm.person {
        tables.push(("person", t.span().start));
    }
    if let Some(t) = &fm.project {
        tables.push(("project", t.span().start));
    }
    tables
}

/// Required texts of a section table that are empty (or only spaces).
fn empty_required_fields(kind: &PageKind) -> Vec<&'static str> {
    let blank = |text: &str| text.trim().is_empty();
    let mut fields = Vec::new();
    match kind {
        PageKind::Home(home) if blank(&home.lead) => fields.push("lead"),
        PageKind::Office(office) => {
            if blank(&office.city) {
                fields.push("city");
            }
            if blank(office.country.get_ref()) {
                fields.push("country");
            }
        }
        PageKind::Country(country) if blank(&country.name) => fields.push("name"),
        PageKind::Theme(theme) if blank(theme.icon.get_ref()) => fields.push("icon"),
        PageKind::Person(person) if blank(&person.role) => fields.push("role"),
        _ => {}
    }
    fields
}

fn table_fields(table: &str) -> &'static str {
    match table {
        "home" => "lead, [[home.figures]] with value, label, source",
        "office" => "city, country, main_seat, latitude, longitude",
        "country" => "name, iso, profile",
        "theme" => "icon",
        "person" => "role, and optionally name, photo, email",
        _ => "status, start, end, donors, partners",
    }
}
