//! The load cache: what the per-file stages made of each page file, kept from one load to
//! the next (under `serve --watch`) so that a load re-does that work only for the files
//! whose bytes changed. It keeps stage 2's page, stage 5's body and stage 7's per-page
//! prose (its warnings included), and counts each long sentence across pages, counting
//! again only the prose that changed; the other stages that look across files (index,
//! cross-links, link checks, what is published) run in full on every load, as they are
//! cheap. It also holds the [`FileCache`] through which the folder is read, so that
//! files left alone are not read at all.
//!
//! Every entry is worth only what it was made from, so it is used only when that is the
//! same again:
//! - the file's path and bytes: the very bytes the entry was made from, as the file cache
//!   hands them on, or else bytes compared whole (not hashed);
//! - the languages of site.toml and the icons a theme may use: when either changes, the
//!   whole cache is dropped;
//! - for a body, the answers of the `@/` link resolver, which depend on other pages (their
//!   paths, whether hidden, which files failed): each is asked again, and the body is
//!   rendered anew when one differs;
//! - the load's `now`: whether a page is scheduled is worked out again on every load.
//!
//! A load keeps only the entries of the files it was given, so files that disappear leave
//! nothing behind. Entries are stored as they are made, each true of its own key, so a
//! load that fails leaves the cache as usable as a load that succeeds.

use std::collections::BTreeSet;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

use super::bodies::RenderedBody;
use super::prose::{PageProse, SentenceCounts};
use super::{Draft, Loader, PageSource};
use crate::content::page::{Language, Page, PageKind};
use crate::content::source::{FileCache, SourceFile};
use crate::diagnostic::Diagnostic;

/// What earlier loads made of each page file, for [`crate::content::Site::load_cached`].
#[derive(Default)]
pub struct LoadCache {
    /// The files as the last read of the folder found them, for the next read.
    pub files: FileCache,
    /// The languages and theme icons the entries were made with.
    context: Option<(Vec<Language>, BTreeSet<String>)>,
    /// By the file's content path.
    pages: HashMap<String, Entry>,
    /// How often each long sentence occurs, counted from the prose of the last load.
    pub(super) sentences: SentenceCounts,
}

/// What the per-file stages made of one page file.
pub(super) struct Entry {
    parsed: Parsed,
    /// What stage 2 reported about the file, in the order it did.
    diagnostics: Vec<Diagnostic>,
    /// Stage 5's body and stage 7's prose, once a load has got that far with these bytes.
    body: Option<(Arc<RenderedBody>, Arc<PageProse>)>,
}

/// Stage 2's result for one file.
enum Parsed {
    /// The page as stage 2 leaves it, before the stages that look across files.
    Page {
        page: Box<Page>,
        kind: Option<PageKind>,
        source: Arc<PageSource>,
    },
    /// A file that failed to parse: its bytes, to know it again.
    Failed { bytes: Arc<[u8]> },
}

impl Entry {
    /// Whether `file` has the bytes this entry was made from: the very same when the
    /// file cache handed them on, or else equal.
    pub(super) fn is_made_from(&self, file: &SourceFile) -> bool {
        let bytes = match &self.parsed {
            Parsed::Page { source, .. } => source.file.get(),
            Parsed::Failed { bytes } => Some(bytes),
        };
        bytes.is_some_and(|bytes| Arc::ptr_eq(bytes, &file.bytes) || **bytes == *file.bytes)
    }
}

impl LoadCache {
    /// The body and prose kept for `file`, whose entry this load has already checked
    /// against the file's bytes.
    pub(super) fn body(&self, file: &str) -> Option<(Arc<RenderedBody>, Arc<PageProse>)> {
        let (body, prose) = self.pages.get(file)?.body.as_ref()?;
        Some((body.clone(), prose.clone()))
    }
}

impl Loader<'_> {
    /// Takes every entry out of the cache, for stage 2 to put back those of files it is
    /// given (nothing without a cache). Drops them all when `languages` or the icons
    /// differ from those they were made with.
    pub(super) fn take_cached_pages(&mut self, languages: &[Language]) -> HashMap<String, Entry> {
        let Some(cache) = self.cache.as_deref_mut() else {
            return HashMap::new();
        };
        let context = (languages.to_vec(), self.options.icons.clone());
        if cache.context.as_ref() != Some(&context) {
            cache.pages.clear();
            cache.context = Some(context);
        }
        // Stage 2 puts back about as many entries as it takes: room for them all at once.
        let room = HashMap::with_capacity(cache.pages.len());
        std::mem::replace(&mut cache.pages, room)
    }

    /// Stage 2 of the file at `path`, whose bytes `entry` was made from: its diagnostics
    /// again, and its draft (`None` when it failed to parse), scheduled or not as of this
    /// load's `now`.
    pub(super) fn reuse_parsed(&mut self, path: String, entry: Entry) -> Option<Draft> {
        self.diagnostics.extend(entry.diagnostics.iter().cloned());
        let draft = match &entry.parsed {
            Parsed::Page { page, kind, source } => {
                let mut page = Page::clone(page);
                page.scheduled = self.is_scheduled(page.date);
                Some(Draft::new(page, source.clone(), kind.clone()))
            }
            Parsed::Failed { .. } => None,
        };
        if let Some(cache) = self.cache.as_deref_mut() {
            cache.pages.insert(path, entry);
        }
        draft
    }

    /// Keeps stage 2's result for `file` (with a cache): its draft, or its failure, and
    /// the diagnostics it added from index `before` on.
    pub(super) fn remember_parsed(
        &mut self,
        file: &SourceFile,
        draft: Option<&Draft>,
        before: usize,
    ) {
        let Some(cache) = self.cache.as_deref_mut() else {
            return;
        };
        let parsed = match draft {
            Some(draft) => Parsed::Page {
                page: Box::new(draft.page.clone()),
                kind: draft.kind.clone(),
                source: draft.source.clone(),
            },
            None => Parsed::Failed {
                bytes: file.bytes.clone(),
            },
        };
        let entry = Entry {
            parsed,
            diagnostics: self.diagnostics[before..].to_vec(),
            body: None,
        };
        cache.pages.insert(file.path.clone(), entry);
    }

    /// Keeps each draft's body and prose (with a cache), once stage 7 has run.
    pub(super) fn remember_bodies(&mut self, drafts: &[Draft]) {
        let Some(cache) = self.cache.as_deref_mut() else {
            return;
        };
        for draft in drafts {
            if let (Some(body), Some(prose), Some(entry)) = (
                &draft.rendered,
                &draft.prose,
                cache.pages.get_mut(&draft.page.file),
            ) {
                entry.body = Some((body.clone(), prose.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::content::site::{LoadOptions, Site};
    use crate::content::source::read_dir;

    fn fixture() -> Vec<SourceFile> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site");
        read_dir(&dir).expect("the fixture reads")
    }

    fn options() -> LoadOptions {
        LoadOptions {
            search_text: true,
            drafts: false,
            now: "2026-01-01T00:00:00Z".parse().expect("a timestamp"),
            base_url: None,
            icons: crate::assets::Assets::embedded().icon_names(),
        }
    }

    fn page_files(files: &[SourceFile]) -> BTreeSet<String> {
        let pages = files.iter().filter(|f| f.path.ends_with(".md"));
        pages.map(|f| f.path.clone()).collect()
    }

    #[test]
    fn a_load_keeps_an_entry_for_each_page_file_it_was_given_and_no_other() {
        let mut files = fixture();
        let mut cache = LoadCache::default();
        for _ in 0..3 {
            assert!(Site::load_cached(files.clone(), &options(), &mut cache).is_ok());
        }
        let kept = |cache: &LoadCache| cache.pages.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(kept(&cache), page_files(&files));
        assert!(cache.pages.values().all(|entry| entry.body.is_some()));

        files.retain(|f| f.path != "offices/beta.md");
        files.push(SourceFile {
            path: "offices/broken.md".to_owned(),
            bytes: b"+++\ntitle = \n+++\n".to_vec().into(),
            on_disk: None,
        });
        assert!(Site::load_cached(files.clone(), &options(), &mut cache).is_err());
        assert_eq!(kept(&cache), page_files(&files));
    }

    #[test]
    fn a_load_without_a_cache_keeps_no_second_hold_on_a_body() {
        let site = Site::load(fixture(), &options()).expect("the fixture loads");
        assert!(site.pages.iter().all(|p| Arc::strong_count(&p.body) == 1));
    }
}
