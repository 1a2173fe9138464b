//! The loaded site: every published page in every language, its configuration, interface
//! text and media, with look-ups by key and language and the listing order of a section.
//! Built by [`super::load`]; read by the renderer. Knows nothing of templates or HTTP.

use std::borrow::Cow;
use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};
use jiff::Timestamp;

use super::i18n::UiStrings;
use super::page::{Language, Page, Section};
use super::source::SourceFile;
use super::urls;
use crate::config::SiteConfig;
use crate::diagnostic::Diagnostic;

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
    /// Keep each page's visible text, for the server's search index. `check` and `build`
    /// have no use for it: on a large site it is as large as the pages' HTML.
    pub search_text: bool,
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
    /// Indexes into `pages` of each key's pages, one per language.
    by_key: HashMap<String, Vec<usize>>,
}

impl Site {
    /// Assembles a loaded site and indexes its pages by key.
    pub(crate) fn new(
        config: SiteConfig,
        base_url: String,
        languages: Vec<Language>,
        ui: HashMap<String, UiStrings>,
        pages: Vec<Page>,
        media: Vec<SourceFile>,
    ) -> Site {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, page) in pages.iter().enumerate() {
            by_key.entry(page.key.clone()).or_default().push(i);
        }
        Site {
            config,
            base_url,
            languages,
            ui,
            pages,
            media,
            warnings: Vec::new(),
            next_publication: None,
            by_key,
        }
    }

    pub fn default_language(&self) -> &str {
        &self.languages[0].code
    }

    /// `""` for the default language, `/tr` for Turkish.
    pub fn lang_prefix(&self, lang: &str) -> String {
        urls::lang_prefix(lang, self.default_language())
    }

    /// The page for `key` written in `lang`, if there is one.
    pub fn page(&self, key: &str, lang: &str) -> Option<&Page> {
        self.by_key
            .get(key)?
            .iter()
            .map(|&i| &self.pages[i])
            .find(|page| page.lang == lang)
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
        let (page, fallback) = self.localized(key, lang)?;
        Some(self.url_of(page, fallback, lang).into_owned())
    }

    /// The URL path of `page`, as [`Site::localized`] found it for `lang`: its own, or
    /// under the prefix of `lang` when it stands in for a missing translation.
    pub fn url_of<'p>(&self, page: &'p Page, fallback: bool, lang: &str) -> Cow<'p, str> {
        if fallback {
            Cow::Owned(format!("{}{}", self.lang_prefix(lang), page.path))
        } else {
            Cow::Borrowed(&page.path)
        }
    }

    /// Default-language pages: one per key.
    pub fn originals(&self) -> impl Iterator<Item = &Page> {
        let default = self.default_language();
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
