//! Loading stage 7: checks of the writing, as warnings. A sentence of ten words or more on
//! three or more pages of one language (say it once, and link to it); a visible sentence
//! about the site itself, which reads as a note meant for editors (those belong in an HTML
//! comment); a project or news page that cites no source.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

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
/// kept by the load cache with the body).
pub(super) struct PageProse {
    /// Each sentence long enough to count as repeated.
    long: Vec<LongSentence>,
    /// `(offset in file, phrase)` of each sentence that talks about the site.
    site_talk: Vec<(usize, &'static str)>,
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
        };
        for sentence in &draft.sentences {
            let text = normalise(&sentence.text);
            let offset = draft.source.body_offset + sentence.offset;
            if let Some(phrase) = SITE_TALK.iter().find(|p| text.contains(*p)) {
                prose.site_talk.push((offset, phrase));
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
        let pages: Vec<(&Draft, &PageProse)> = drafts
            .iter()
            .filter_map(|draft| Some((draft, draft.prose.as_deref()?)))
            .collect();
        self.check_repeats(&pages);
        for &(draft, prose) in &pages {
            for &(offset, phrase) in &prose.site_talk {
                self.diagnostics.push(warning(
                    draft,
                    offset,
                    format!(
                        "this sentence talks about the site (\"{phrase}\"): visitors read it as a note; \
                         say what is known, or move the note into an HTML comment <!-- ... -->"
                    ),
                ));
            }
            let needs_source = matches!(draft.page.kind, PageKind::Project(_) | PageKind::NewsItem);
            if needs_source && draft.page.sources.is_empty() {
                self.diagnostics.push(warning(
                    draft,
                    draft.source.front_offset,
                    "this page cites no source: add a [[sources]] entry (title, publisher, \
                     and a date and url where known) for the facts it gives",
                ));
            }
        }
    }

    /// Warns at every place a long sentence stands when it stands on three or more pages.
    fn check_repeats(&mut self, pages: &[(&Draft, &PageProse)]) {
        for list in repeated(pages) {
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
/// `(page index, offset in file)` of its first place on each page, in page order.
///
/// Sorting every place by its sentence's hash puts the places of one sentence side by
/// side without a map of them all; within one hash, sentences are told apart by their text.
fn repeated(pages: &[(&Draft, &PageProse)]) -> Vec<Vec<(usize, usize)>> {
    let mut places: Vec<(u64, usize, usize)> =
        Vec::with_capacity(pages.iter().map(|(_, prose)| prose.long.len()).sum());
    for (i, (_, prose)) in pages.iter().enumerate() {
        let long = prose.long.iter().enumerate();
        places.extend(long.map(|(j, sentence)| (sentence.hash, i, j)));
    }
    places.par_sort_unstable();
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
