//! The loader: builds a [`Site`] from a list of content files in named stages, each in
//! its own file: [`config`] (site.toml and interface text), [`pages`] (every page parsed
//! on its own), [`index`] (keys, URLs, translations), [`cross_links`] (themes,
//! countries, the menu), [`bodies`] (Markdown) and [`links`] (anchors, paths, media) and [`prose`] (repeated sentences, notes meant
//! for editors, pages without sources).
//! Every stage adds to one list of diagnostics; none stops at the first bad file. Knows
//! nothing of rendering or HTTP.
//!
//! With a [`LoadCache`] ([`cache`]), the stages that work on one file at a time (parsing,
//! bodies, each page's prose) take their result from an earlier load where the file's
//! bytes, and what its links point to, are the same.

mod bodies;
mod cache;
mod config;
mod cross_links;
mod index;
mod links;
mod pages;
mod problems;
mod prose;
mod tables;

use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use foldhash::HashSet;
use jiff::Timestamp;

use bodies::RenderedBody;
pub use cache::LoadCache;
use prose::PageProse;

use super::front_matter::FrontMatter;
use super::page::{Page, PageKind};
use super::site::{LoadOptions, Site};
use super::source::SourceFile;
use crate::diagnostic::{self, Diagnostic};

/// Builds the site from `files`, with `cache` (if any) from earlier loads, which it
/// updates. On any error, returns every diagnostic found (errors and warnings), sorted by
/// file and position.
pub fn load(
    files: Vec<SourceFile>,
    options: &LoadOptions,
    cache: Option<&mut LoadCache>,
) -> Result<Site, Vec<Diagnostic>> {
    Loader::new(options, cache).load(files)
}

/// A page while loading: parsed, not yet linked.
struct Draft {
    page: Page,
    /// The file as stage 2 read it, shared with the cache.
    source: Arc<PageSource>,
    /// The page's kind from its own section table; `None` on a translation that takes
    /// the original's (set on `page` when indexing).
    kind: Option<PageKind>,
    /// What stage 5 made of the body, for the cache.
    rendered: Option<Arc<RenderedBody>>,
    /// What stage 7 checks of the body's sentences (set by stage 5, or taken from the cache).
    prose: Option<Arc<PageProse>>,
}

/// A page file's text and front matter, as stage 2 read them.
struct PageSource {
    /// The whole file, UTF-8 (stage 2 checked it), shared with the file cache. A load
    /// without a cache lets go of it once the body is rendered ([`PageSource::let_go`]),
    /// so that a large site's files and bodies are never all held at once; it is read
    /// again only for a diagnostic of a later stage.
    file: OnceLock<Arc<[u8]>>,
    /// The file on disk it came from, if any, to read it again.
    on_disk: Option<PathBuf>,
    /// A hash of the file let go of, to know the file read again is the same.
    let_go_of: Option<u64>,
    front_offset: usize,
    body_offset: usize,
    /// The front matter as written, with spans, for the diagnostics of stages 3 and 4;
    /// let go of with the file.
    front: Option<Box<FrontMatter>>,
}

impl PageSource {
    /// The whole file, for placing diagnostics and rendering the body: read again if it
    /// was let go of. A file that changed since it was loaded reads as empty: what a
    /// later stage reports of it then stands on its first line, without an excerpt.
    fn text(&self) -> &str {
        let file = self.file.get_or_init(|| {
            let again = self.on_disk.as_deref().and_then(SourceFile::read_again);
            again
                .filter(|bytes| Some(fingerprint(bytes)) == self.let_go_of)
                .unwrap_or_else(|| Arc::from(&[][..]))
        });
        // Stage 2 made this source only from a file that is valid UTF-8.
        std::str::from_utf8(file).unwrap_or_default()
    }

    /// Lets go of the front matter, and of the file when nothing else holds it (no
    /// cache) and it can be read again from disk.
    fn let_go(&mut self) {
        self.front = None;
        let held_here = self.file.get().is_some_and(|f| Arc::strong_count(f) == 1);
        if held_here && self.on_disk.is_some() {
            self.let_go_of = self.file.take().map(|file| fingerprint(&file));
        }
    }
}

/// A hash of a file's bytes, the same in every run.
fn fingerprint(bytes: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0).hash_one(bytes)
}

impl Draft {
    /// A draft of `page` as stage 2 leaves it: nothing rendered yet.
    fn new(page: Page, source: Arc<PageSource>, kind: Option<PageKind>) -> Draft {
        Draft {
            page,
            source,
            kind,
            rendered: None,
            prose: None,
        }
    }

    /// An error at byte `offset` of the front matter.
    fn front_error(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(
            &self.page.file,
            self.source.text(),
            self.source.front_offset + offset,
            message,
        )
    }
}

/// The files of a content tree by what they are.
#[derive(Default)]
struct Files {
    config: Option<SourceFile>,
    /// `(language, file)` for each `i18n/<lang>.toml`.
    ui: Vec<(String, SourceFile)>,
    pages: Vec<SourceFile>,
    media: Vec<SourceFile>,
}

/// What is known of the pages that failed to parse, to hold back the problems that only
/// follow from that (a link to one, a file only one uses) and open the report with theirs.
#[derive(Default)]
struct FailedPages {
    files: BTreeSet<String>,
    /// The URLs their file names give them.
    urls: BTreeSet<String>,
    /// Their text, to tell which media files they use.
    texts: Vec<String>,
}

impl FailedPages {
    fn add(&mut self, file: &SourceFile, languages: &[super::page::Language]) {
        self.files.insert(file.path.clone());
        if let Ok(name) = super::file_name::FileName::parse(&file.path, languages) {
            self.urls
                .insert(name.url_path(name.slug, &languages[0].code));
        }
        self.texts
            .push(String::from_utf8_lossy(&file.bytes).into_owned());
    }

    /// Whether a page that failed to parse mentions `media_path` (`media/map.png`).
    fn uses_media(&self, media_path: &str) -> bool {
        self.texts.iter().any(|text| text.contains(media_path))
    }
}

struct Loader<'a> {
    options: &'a LoadOptions,
    /// What earlier loads made of each file; `None` when nothing is kept.
    cache: Option<&'a mut LoadCache>,
    diagnostics: Vec<Diagnostic>,
    /// The text of site.toml, for placing errors found after it was parsed.
    config_text: String,
    /// Keys of pages that failed to parse, so their translations are not called orphans.
    failed_files: BTreeSet<String>,
    failed_pages: FailedPages,
}

impl<'a> Loader<'a> {
    fn new(options: &'a LoadOptions, cache: Option<&'a mut LoadCache>) -> Self {
        Loader {
            options,
            cache,
            diagnostics: Vec::new(),
            config_text: String::new(),
            failed_files: BTreeSet::new(),
            failed_pages: FailedPages::default(),
        }
    }

    fn load(mut self, files: Vec<SourceFile>) -> Result<Site, Vec<Diagnostic>> {
        let files = self.sort_files(files);

        // Stage 1: configuration and interface strings.
        let Some(config_file) = files.config else {
            self.diagnostics.push(Diagnostic::file_error(
                "site.toml",
                "the content folder has no site.toml",
            ));
            return Err(self.finish_with_errors());
        };
        let Some(config) = self.parse_config(&config_file) else {
            return Err(self.finish_with_errors());
        };
        let languages = config::languages(&config);
        let ui = self.parse_ui(&config, &languages, files.ui);

        // Stage 2: every page, parsed on its own.
        let drafts = self.parse_pages(files.pages, &languages);

        // Stage 3: index by key and URL; translations take their table from the original.
        let mut drafts = self.index(drafts, &languages[0].code);
        self.require_index_pages(&drafts);

        // Stage 4: cross-links by slug (themes, countries, an office's country, the menu).
        self.cross_link(&mut drafts, &config);

        // Stage 5: Markdown bodies, with `@/` links resolved in each page's language.
        let links = self.render_bodies(&mut drafts, &languages[0].code);

        // Stage 6: links against headings, routes and media, now that every page exists.
        self.check_links(&drafts, links, &files.media, &languages);

        // Stage 7: prose that repeats across pages, talks about the site, or cites nothing.
        self.check_prose(&drafts);
        self.remember_bodies(&drafts);

        // Stage 8: keep what is published.
        let (pages, next_publication) = self.published(drafts, &languages[0].code);
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(self.finish_with_errors());
        }
        let base_url = self
            .options
            .base_url
            .clone()
            .unwrap_or_else(|| config.base_url.get_ref().clone())
            .trim_end_matches('/')
            .to_owned();
        let mut site = Site::new(config, base_url, languages, ui, pages, files.media);
        site.warnings = self.finish_with_errors();
        site.next_publication = next_publication;
        Ok(site)
    }

    /// Sorts the tree's files into configuration, interface text, pages and media, and
    /// warns about the rest.
    fn sort_files(&mut self, files: Vec<SourceFile>) -> Files {
        let mut sorted = Files::default();
        for file in files {
            if file.path == "site.toml" {
                sorted.config = Some(file);
            } else if file.path.starts_with("media/") {
                sorted.media.push(file);
            } else if let Some(name) = file.path.strip_prefix("i18n/") {
                if let Some(lang) = name.strip_suffix(".toml").filter(|l| !l.contains('/')) {
                    sorted.ui.push((lang.to_owned(), file));
                } else {
                    self.warn_unused(&file.path);
                }
            } else if file.path.ends_with(".md") {
                sorted.pages.push(file);
            } else {
                self.warn_unused(&file.path);
            }
        }
        sorted
    }

    /// The pages visitors may see (all of them with `drafts`), and the earliest moment a
    /// scheduled page left out comes due.
    fn published(&self, drafts: Vec<Draft>, default_lang: &str) -> (Vec<Page>, Option<Timestamp>) {
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
            if self.options.drafts || !page.is_hidden() {
                pages.push(page);
            }
        }
        // A translation whose original is hidden has no page to belong to.
        let published_keys: HashSet<String> = pages
            .iter()
            .filter(|p| p.lang == default_lang)
            .map(|p| p.key.clone())
            .collect();
        pages.retain(|p| published_keys.contains(&p.key));
        (pages, next_publication)
    }

    /// The diagnostics in reading order, those of pages that failed to parse first: they
    /// are the cause of whatever else is wrong.
    fn finish_with_errors(mut self) -> Vec<Diagnostic> {
        diagnostic::sort(&mut self.diagnostics);
        let failed = &self.failed_pages.files;
        self.diagnostics.sort_by_key(|d| !failed.contains(&d.file));
        self.diagnostics
    }

    fn warn_unused(&mut self, path: &str) {
        self.diagnostics.push(Diagnostic::file_warning(
            path,
            "this file is not used: pages are .md files, media go under media/, \
                 interface text under i18n/<lang>.toml",
        ));
    }

    /// The file's text, or an error at its first byte that is not UTF-8.
    fn text_of<'f>(&mut self, file: &'f SourceFile) -> Option<&'f str> {
        utf8_text(file).map_err(|d| self.diagnostics.push(d)).ok()
    }
}

/// The text of `file`, or the error at its first byte that is not UTF-8.
fn utf8_text(file: &SourceFile) -> Result<&str, Diagnostic> {
    std::str::from_utf8(&file.bytes).map_err(|e| {
        let text = String::from_utf8_lossy(&file.bytes).into_owned();
        Diagnostic::error(
            &file.path,
            &text,
            e.valid_up_to(),
            "the file is not valid UTF-8",
        )
    })
}
