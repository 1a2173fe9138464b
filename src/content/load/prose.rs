//! Loading stage 7: checks of the writing, as warnings. A sentence of ten words or more on
//! three or more pages of one language (say it once, and link to it); a visible sentence
//! about the site itself, which reads as a note meant for editors (those belong in an HTML
//! comment); a project or news page that cites no source.

use foldhash::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use super::{Draft, Loader};
use crate::content::page::PageKind;
use crate::diagnostic::{Diagnostic, Severity, line_col};

/// Sentences this long or longer count as repeated.
const MIN_WORDS: usize = 10;
/// On this many pages or more, a sentence is repeated.
const MAX_PAGES: usize = 3;

/// Phrases of a sentence that talks about the site rather than its subject.
const SITE_TALK: [&str; 12] = [
    "this site does not",
    "this site doesn't",
    "this website does not",
    "this page does not",
    "not published here",
    "not listed here",
    "not shown here",
    "not given here",
    "not yet listed",
    "does not yet list",
    "is not published",
    "are not published",
];

/// What the checks need of one page's sentences, worked out on every core at once (and
/// kept by the load cache with the body), its warnings included, so that a load that
/// takes it from the cache only copies them.
pub(super) struct PageProse {
    /// Each sentence long enough to count as repeated.
    long: Vec<LongSentence>,
    /// A warning for each sentence that talks about the site.
    site_talk: Vec<Diagnostic>,
    /// The warning for a page that must cite a source and cites none, made the first time
    /// a load needs it (whether a page must cite one is its original's kind).
    no_source: OnceLock<Diagnostic>,
}

/// A sentence of [`MIN_WORDS`] words or more, normalised.
struct LongSentence {
    text: String,
    offset: usize,
    /// Of the text and the page's language, to find it on other pages.
    hash: u64,
}

impl PageProse {
    fn of(draft: &Draft) -> Self {
        let mut prose = PageProse {
            long: Vec::new(),
            site_talk: Vec::new(),
            no_source: OnceLock::new(),
        };
        for sentence in &draft.sentences {
            let text = normalise(&sentence.text);
            let offset = draft.source.body_offset + sentence.offset;
            if let Some(phrase) = SITE_TALK.iter().find(|p| text.contains(*p)) {
                prose.site_talk.push(warning(
                    draft,
                    offset,
                    format!(
                        "this sentence talks about the site (\"{phrase}\"): visitors read it as a note; \
                         say what is known, or move the note into an HTML comment <!-- ... -->"
                    ),
                ));
            }
            if text.split(' ').count() >= MIN_WORDS {
                let mut hasher = DefaultHasher::new();
                (&draft.page.lang, &text).hash(&mut hasher);
                let hash = hasher.finish();
                prose.long.push(LongSentence { text, offset, hash });
            }
        }
        prose
    }
}

/// How many times each long sentence's hash occurs across the pages, kept from one load
/// to the next by the load cache, so that a load counts again only the pages whose prose
/// is new. Only a hash that occurs [`MAX_PAGES`] times or more can be a repeated sentence.
#[derive(Default)]
pub(super) struct SentenceCounts {
    counts: HashMap<u64, u32>,
    /// The hashes that occur [`MAX_PAGES`] times or more.
    common: HashSet<u64>,
    /// The prose each page's sentences were counted from, by file.
    counted: HashMap<String, Arc<PageProse>>,
}

impl SentenceCounts {
    /// Counts the sentences of `pages` (each `(file, prose)`) in place of those counted
    /// before.
    fn update<'a>(&mut self, pages: impl Iterator<Item = (&'a str, &'a Arc<PageProse>)>) {
        let mut before = std::mem::take(&mut self.counted);
        self.counted.reserve(before.len());
        for (file, prose) in pages {
            let file = match before.remove_entry(file) {
                Some((file, counted)) if Arc::ptr_eq(&counted, prose) => {
                    self.counted.insert(file, counted);
                    continue;
                }
                Some((file, counted)) => {
                    self.count(&counted, false);
                    file
                }
                None => file.to_owned(),
            };
            self.count(prose, true);
            self.counted.insert(file, prose.clone());
        }
        for prose in before.values() {
            self.count(prose, false);
        }
    }

    /// Adds (or takes away) the sentences of `prose`.
    fn count(&mut self, prose: &PageProse, add: bool) {
        let threshold = MAX_PAGES as u32;
        for sentence in &prose.long {
            let count = self.counts.entry(sentence.hash).or_default();
            if add {
                *count += 1;
                if *count == threshold {
                    self.common.insert(sentence.hash);
                }
            } else {
                *count -= 1;
                if *count + 1 == threshold {
                    self.common.remove(&sentence.hash);
                }
                if *count == 0 {
                    self.counts.remove(&sentence.hash);
                }
            }
        }
    }
}

impl Loader<'_> {
    /// Works out each page's prose (where the cache had none) and checks it.
    pub(super) fn check_prose(&mut self, drafts: &mut [Draft]) {
        drafts
            .par_iter_mut()
            .filter(|draft| draft.prose.is_none())
            .for_each(|draft| {
                draft.prose = Some(Arc::new(PageProse::of(draft)));
                draft.sentences = Vec::new();
            });
        let pages: Vec<(&Draft, &Arc<PageProse>)> = drafts
            .iter()
            .filter_map(|draft| Some((draft, draft.prose.as_ref()?)))
            .collect();
        let mut fresh = SentenceCounts::default();
        let counts = match self.cache.as_deref_mut() {
            Some(cache) => &mut cache.sentences,
            None => &mut fresh,
        };
        counts.update(
            pages
                .iter()
                .map(|(draft, prose)| (draft.page.file.as_str(), *prose)),
        );
        let repeats = repeated(&pages, &counts.common);
        self.warn_repeats(&pages, repeats);
        for &(draft, prose) in &pages {
            self.diagnostics.extend(prose.site_talk.iter().cloned());
            let needs_source = matches!(draft.page.kind, PageKind::Project(_) | PageKind::NewsItem);
            if needs_source && draft.page.sources.is_empty() {
                let no_source = prose.no_source.get_or_init(|| {
                    warning(
                        draft,
                        draft.source.front_offset,
                        "this page cites no source: add a [[sources]] entry (title, publisher, \
                         and a date and url where known) for the facts it gives",
                    )
                });
                self.diagnostics.push(no_source.clone());
            }
        }
    }

    /// Warns at every place a long sentence stands when it stands on three or more pages.
    fn warn_repeats(
        &mut self,
        pages: &[(&Draft, &Arc<PageProse>)],
        repeats: Vec<Vec<(usize, usize)>>,
    ) {
        for list in repeats {
            let labels: Vec<String> = list
                .iter()
                .map(|&(i, o)| {
                    let (line, _) = line_col(pages[i].0.source.text(), o);
                    format!("{}:{line}", pages[i].0.page.file)
                })
                .collect();
            for &(index, offset) in &list {
                let others: Vec<&str> = list
                    .iter()
                    .zip(&labels)
                    .filter(|((i, _), _)| *i != index)
                    .map(|(_, label)| label.as_str())
                    .collect();
                self.diagnostics.push(warning(
                    pages[index].0,
                    offset,
                    format!(
                        "this sentence is also on {}: say it on one page and link to it, \
                         so each page says something of its own",
                        others.join(" and ")
                    ),
                ));
            }
        }
    }
}

/// The places of each long sentence that stands on three or more pages of one language:
/// `(page index, offset in file)` of its first place on each page, in page order. Only
/// sentences whose hash is `common` (occurs three times or more) are looked at.
///
/// Sorting those places by hash puts the places of one sentence side by side; within one
/// hash, sentences are told apart by their text.
fn repeated(
    pages: &[(&Draft, &Arc<PageProse>)],
    common: &HashSet<u64>,
) -> Vec<Vec<(usize, usize)>> {
    if common.is_empty() {
        return Vec::new();
    }
    let mut places: Vec<(u64, usize, usize)> = Vec::new();
    for (i, (_, prose)) in pages.iter().enumerate() {
        let long = prose.long.iter().enumerate();
        let common_here = long.filter(|(_, sentence)| common.contains(&sentence.hash));
        places.extend(common_here.map(|(j, sentence)| (sentence.hash, i, j)));
    }
    places.sort_unstable();
    let sentence =
        |&(_, i, j): &(u64, usize, usize)| (pages[i].0.page.lang.as_str(), &pages[i].1.long[j]);
    let mut found = Vec::new();
    let runs = places.chunk_by(|a, b| a.0 == b.0);
    for run in runs.filter(|run| run.len() >= MAX_PAGES) {
        let mut rest: Vec<&(u64, usize, usize)> = run.iter().collect();
        while rest.len() >= MAX_PAGES {
            let (lang, first) = sentence(rest[0]);
            let (same, other): (Vec<_>, Vec<_>) = rest.into_iter().partition(|place| {
                let (l, s) = sentence(place);
                l == lang && s.text == first.text
            });
            let mut list: Vec<(usize, usize)> = Vec::new();
            for &&(_, i, j) in &same {
                if list.last().is_none_or(|&(last, _)| last != i) {
                    list.push((i, pages[i].1.long[j].offset));
                }
            }
            if list.len() >= MAX_PAGES {
                found.push(list);
            }
            rest = other;
        }
    }
    found
}

fn warning(draft: &Draft, offset: usize, message: impl Into<String>) -> Diagnostic {
    Diagnostic::at(
        Severity::Warning,
        &draft.page.file,
        draft.source.text(),
        offset,
        message,
    )
}

/// Lower case, single spaces, no closing punctuation: how sentences are compared.
fn normalise(sentence: &str) -> String {
    sentence
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(['.', '!', '?', '…'])
        .to_lowercase()
}
