//! Loading stage 2: every page file parsed on its own, into a [`Draft`] with a typed
//! [`Page`]: its place in the tree from the file name, its front matter, and its section
//! table checked and turned into plain data.

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use toml::Spanned;

use super::problems::Problems;
use super::{Draft, Loader, PageSource};
use crate::content::date::PageDate;
use crate::content::file_name::{FileName, is_slug, strip_language};
use crate::content::front_matter::{self, FrontMatter, SourceTable, Table};
use crate::content::page::{Citation, Language, Page, PageKind};
use crate::content::source::SourceFile;
use crate::content::urls;
use crate::diagnostic::{Diagnostic, Severity};

/// Largest page file, in bytes: some 200 times the longest page of the site, small
/// enough that a pasted dump cannot stall a rebuild.
pub const MAX_PAGE_BYTES: usize = 1 << 20;

/// Descriptions longer than this are cut in search results: a warning.
pub const MAX_DESCRIPTION: usize = 160;

impl Loader<'_> {
    /// Parses every page file (those whose bytes the cache knows, from the cache); a file
    /// that fails is remembered by key.
    pub(super) fn parse_pages(
        &mut self,
        files: Vec<SourceFile>,
        languages: &[Language],
    ) -> Vec<Draft> {
        let mut cached = self.take_cached_pages(languages);
        // Each file's cache entry, or else the file parsed (in parallel); then all of them
        // in file order, so that diagnostics come in the same order every time.
        let files: Vec<_> = files
            .into_iter()
            .map(|file| {
                let reusable = cached
                    .remove_entry(&file.path)
                    .filter(|(_, entry)| entry.is_made_from(&file));
                (file, reusable)
            })
            .collect();
        let this = &*self;
        let files: Vec<_> = files
            .into_par_iter()
            .map(|(file, reusable)| {
                let stage = reusable.ok_or_else(|| {
                    let mut diagnostics = Vec::new();
                    let draft = this.parse_page(&file, languages, &mut diagnostics);
                    (draft, diagnostics)
                });
                (file, stage)
            })
            .collect();
        let mut drafts = Vec::with_capacity(files.len());
        for (file, stage) in files {
            let draft = match stage {
                Ok((path, entry)) => self.reuse_parsed(path, entry),
                Err((draft, diagnostics)) => {
                    let before = self.diagnostics.len();
                    self.diagnostics.extend(diagnostics);
                    self.remember_parsed(&file, draft.as_ref(), before);
                    draft
                }
            };
            match draft {
                Some(draft) => drafts.push(draft),
                None => {
                    self.failed_files.insert(strip_language(&file.path));
                    self.failed_pages.add(&file, languages);
                }
            }
        }
        drafts
    }

    /// Parses one page file: its place in the tree, its front matter, its section table.
    fn parse_page(
        &self,
        file: &SourceFile,
        languages: &[Language],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Draft> {
        if file.bytes.len() > MAX_PAGE_BYTES {
            diagnostics.push(Diagnostic::file_error(
                &file.path,
                format!(
                    "this page is {:.1} MB; a page may be at most 1 MB: split it into several \
                     pages, or put a long document in media/ and link to it",
                    file.bytes.len() as f64 / 1e6
                ),
            ));
            return None;
        }
        let text = super::utf8_text(file)
            .map_err(|d| diagnostics.push(d))
            .ok()?;
        let path = file.path.clone();
        let name = match FileName::parse(&path, languages) {
            Ok(name) => name,
            Err(message) => {
                diagnostics.push(Diagnostic::file_error(&path, message));
                return None;
            }
        };
        let parsed = front_matter::split(&path, text).and_then(|split| {
            front_matter::parse_toml::<FrontMatter>(&path, text, split.front, split.front_offset)
                .map(|fm| (split, fm))
        });
        let (split, fm) = match parsed {
            Ok(parsed) => parsed,
            Err(d) => {
                diagnostics.push(d);
                return None;
            }
        };
        let mut problems = Problems {
            file: &path,
            text,
            front_offset: split.front_offset,
            list: Vec::new(),
            draft: fm.draft,
        };
        let page = self.common_fields(&fm, &name, languages, &mut problems);
        // A `date` written wrong has its own error: no second one saying it is missing.
        let has_date = page.date.is_some() || fm.date.is_some();
        let kind = self.section_kind(&fm, &name, has_date, &mut problems);
        let failed = problems.has_errors();
        diagnostics.extend(problems.list);
        if failed {
            return None;
        }
        let source = PageSource {
            front_offset: split.front_offset,
            body_offset: split.body_offset,
            file: OnceLock::from(file.bytes.clone()),
            on_disk: file.on_disk.clone(),
            let_go_of: None,
            front: Some(Box::new(fm)),
        };
        Some(Draft::new(page, Arc::new(source), kind))
    }

    /// Whether a page dated `date` is not yet due at the load's `now`.
    pub(super) fn is_scheduled(&self, date: Option<PageDate>) -> bool {
        date.is_some_and(|d| d.at > self.options.now)
    }

    /// The fields every page has, and its URL.
    fn common_fields(
        &self,
        fm: &FrontMatter,
        name: &FileName,
        languages: &[Language],
        problems: &mut Problems,
    ) -> Page {
        let title = problems.required_text(&fm.title, "title");
        let description = problems.required_text(&fm.description, "description");
        if let Some(d) = &fm.description
            && d.get_ref().chars().count() > MAX_DESCRIPTION
        {
            problems.at(
                Severity::Warning,
                problems.front_offset + d.span().start,
                format!(
                    "the description has {} characters: search engines cut it after about {MAX_DESCRIPTION}",
                    d.get_ref().chars().count()
                ),
            );
        }
        let date = match &fm.date {
            Some(_) => problems.date(&fm.date),
            None => name.date.map(PageDate::from_day),
        };
        let updated = problems.date(&fm.updated);
        let slug = slug(fm, name, problems);
        let sources = fm
            .sources
            .iter()
            .map(|source| citation(source, problems))
            .collect();
        let mut aliases = Vec::new();
        for alias in &fm.aliases {
            let value = alias.get_ref();
            if urls::is_safe_path(value) {
                aliases.push(urls::normalise_path(value));
            } else {
                problems.error(
                    alias.span().start,
                    format!("the alias `{value}` must be a URL path starting with `/`"),
                );
            }
        }
        let path = name.url_path(&slug, &languages[0].code);
        Page {
            file: problems.file.to_owned(),
            key: name.key.clone(),
            lang: name.lang.clone(),
            section: name.section,
            kind: PageKind::Plain,
            slug,
            path,
            title,
            description,
            weight: fm.weight,
            date,
            updated,
            draft: fm.draft,
            scheduled: self.is_scheduled(date),
            aliases,
            themes: Vec::new(),
            countries: Vec::new(),
            sources,
            body: Arc::default(),
            text: Arc::from(""),
        }
    }

    /// The page's kind with its section table, required where the section has one and
    /// rejected elsewhere. `None` on a translation that takes its table from the original.
    fn section_kind(
        &self,
        fm: &FrontMatter,
        name: &FileName,
        has_date: bool,
        problems: &mut Problems,
    ) -> Option<PageKind> {
        let is_translation = name.is_translation;
        let expected = match (name.section, name.is_index) {
            (None, true) => Some(Table::Home),
            (Some(section), false) => Table::of_section(section),
            _ => None,
        };
        for (table, span) in fm.tables() {
            if Some(table) != expected {
                let (at, message) = problems.misplaced_table(table, span);
                problems.error(at, message);
            }
        }
        let kind = self.typed_table(fm, name, problems);
        if kind.is_none() && !is_translation {
            let table = expected.unwrap_or(Table::Home);
            problems.error(
                0,
                format!(
                    "this page needs a `[{}]` table ({})",
                    table.name(),
                    table.fields()
                ),
            );
        }
        if matches!(kind, Some(PageKind::NewsItem)) && !has_date {
            problems.error(
                0,
                "a news item needs a `date` (or a file name starting with YYYY-MM-DD-)",
            );
        }
        if is_translation {
            for (field, list) in [("themes", &fm.themes), ("countries", &fm.countries)] {
                if let Some(first) = list.first() {
                    problems.error(
                        first.span().start,
                        format!(
                            "`{field}` is set on the original ({}); a translation takes it from there",
                            name.key
                        ),
                    );
                }
            }
        }
        kind
    }
}

/// A `[[sources]]` entry, its date parsed and its address checked.
fn citation(source: &Spanned<SourceTable>, problems: &mut Problems) -> Citation {
    let entry = source.get_ref();
    for (field, value) in [("title", &entry.title), ("publisher", &entry.publisher)] {
        if value.trim().is_empty() {
            problems.error(
                source.span().start,
                format!("`{field}` in [[sources]] is empty"),
            );
        }
    }
    if let Some(url) = &entry.url {
        problems.web_address(url, "a source's url");
    }
    Citation {
        title: entry.title.trim().to_owned(),
        publisher: entry.publisher.trim().to_owned(),
        date: problems.date(&entry.date),
        url: entry.url.as_ref().map(|u| u.get_ref().clone()),
    }
}

/// The page's slug: `slug` from front matter, else the file name's.
fn slug(fm: &FrontMatter, name: &FileName, problems: &mut Problems) -> String {
    match &fm.slug {
        Some(s) if !is_slug(s.get_ref()) => {
            problems.error(
                s.span().start,
                format!(
                    "`{}` is not a usable slug: use lower-case letters, digits and `-`",
                    s.get_ref()
                ),
            );
            name.slug.to_owned()
        }
        Some(s) => s.get_ref().clone(),
        None => {
            if !name.is_index && !is_slug(name.slug) {
                problems.at(
                    Severity::Error,
                    0,
                    format!(
                        "the file name `{}` does not make a clean URL: use lower-case letters, digits and `-`, or set `slug`",
                        name.name
                    ),
                );
            }
            name.slug.to_owned()
        }
    }
}
