//! Loading stage 3: pages indexed by key and language and by URL. Reports translations
//! without an original, two pages on one URL, clashing aliases and missing section pages;
//! gives translations their original's section table, date and sources.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use super::{Draft, Loader};
use crate::content::page::Section;
use crate::diagnostic::Diagnostic;

impl Loader<'_> {
    /// Indexes pages by key and language and by URL, reports collisions and orphaned
    /// translations, and gives translations their original's table.
    pub(super) fn index(&mut self, drafts: Vec<Draft>, default_lang: &str) -> Vec<Draft> {
        let mut kept = self.attach_translations(drafts, default_lang);
        for draft in &mut kept {
            if let Some(kind) = draft.kind.take() {
                draft.page.kind = kind;
            }
        }
        let owners = self.url_owners(&kept);
        self.check_aliases(&kept, &owners);
        kept
    }

    /// Drops translations with no original (a translation whose original failed to parse
    /// is dropped without a second report) and gives the others the original's table
    /// and date where they have none of their own.
    fn attach_translations(&mut self, mut drafts: Vec<Draft>, default_lang: &str) -> Vec<Draft> {
        let originals: HashMap<String, usize> = drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| d.page.lang == default_lang)
            .map(|(i, d)| (d.page.key.clone(), i))
            .collect();
        let mut keep = vec![true; drafts.len()];
        for i in 0..drafts.len() {
            if drafts[i].page.lang == default_lang {
                continue;
            }
            let Some(&o) = originals.get(&drafts[i].page.key) else {
                if !self.failed_files.contains(&drafts[i].page.key) {
                    self.diagnostics.push(Diagnostic::file_error(
                        &drafts[i].page.file,
                        format!(
                            "this translation has no original: `{}` does not exist",
                            drafts[i].page.key
                        ),
                    ));
                }
                keep[i] = false;
                continue;
            };
            if drafts[i].kind.is_none() {
                drafts[i].kind = drafts[o].kind.clone();
            }
            if drafts[i].page.sources.is_empty() {
                drafts[i].page.sources = drafts[o].page.sources.clone();
            }
            if drafts[i].page.date.is_none() {
                drafts[i].page.date = drafts[o].page.date;
                drafts[i].page.scheduled = drafts[o].page.scheduled;
            }
        }
        let mut keep = keep.into_iter();
        drafts.retain(|_| keep.next().unwrap_or(false));
        drafts
    }

    /// The file behind each URL; two files on one URL is an error on the later one.
    fn url_owners(&mut self, drafts: &[Draft]) -> HashMap<String, String> {
        let mut owners: HashMap<String, String> = HashMap::new();
        for draft in drafts {
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
        owners
    }

    /// An alias that is a page's URL or another page's alias is an error.
    fn check_aliases(&mut self, drafts: &[Draft], owners: &HashMap<String, String>) {
        let mut alias_owners: HashMap<String, String> = HashMap::new();
        for draft in drafts {
            // Stage 5 lets go of the front matter, after this.
            let Some(front) = draft.source.front.as_deref() else {
                continue;
            };
            for (alias, spanned) in draft.page.aliases.iter().zip(&front.aliases) {
                let clash = owners
                    .get(alias)
                    .map(|f| format!("the alias {alias} is already the URL of {f}"))
                    .or_else(|| {
                        alias_owners
                            .insert(alias.clone(), draft.page.file.clone())
                            .map(|f| format!("the alias {alias} is already an alias of {f}"))
                    });
                if let Some(message) = clash {
                    self.diagnostics
                        .push(draft.front_error(spanned.span().start, message));
                }
            }
        }
    }

    /// The home page, and a section page for every section that has pages: listings,
    /// breadcrumbs and the 404 page hang on them.
    pub(super) fn require_index_pages(&mut self, drafts: &[Draft]) {
        let keys: BTreeSet<&str> = drafts.iter().map(|d| d.page.key.as_str()).collect();
        let mut wanted = vec![(
            "_index.md".to_owned(),
            "the site has no home page".to_owned(),
        )];
        for section in Section::ALL {
            if drafts.iter().any(|d| d.page.is_section_member(section)) {
                wanted.push((
                    section.index_key(),
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
}
