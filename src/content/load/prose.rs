//! Loading stage 7: checks of the writing, as warnings. A sentence of ten words or more on
//! three or more pages of one language (say it once, and link to it); a visible sentence
//! about the site itself, which reads as a note meant for editors (those belong in an HTML
//! comment); a project or news page that cites no source.

use std::sync::{Arc, OnceLock};

use foldhash::{HashMap, HashSet};

use super::{Draft, Loader};
use crate::content::page::PageKind;
use crate::diagnostic::{Diagnostic, Severity, line_col};
use crate::markdown::{self, Sentence};

/// Sentences this long or longer count as repeated.
const MIN_WORDS: usize = 10;
/// On this many pages or more, a sentence is repeated.
const MAX_PAGES: usize = 3;

/// Phrases of a sentence that talks about the site rather than its subject. Each says
/// "not" or "n't", so a sentence without either is passed over after one search.
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

/// What the checks need of one page's sentences, worked out as its body is rendered (and
/// kept by the load cache with the body), its warnings included, so that a load that
/// takes it from the cache only copies them. The sentences themselves are not kept.
pub(super) struct PageProse {
    /// Each sentence long enough to count as repeated.
    long: Vec<LongSentence>,
    /// A warning for each sentence that talks about the site.
    site_talk: Vec<Diagnostic>,
    /// The warning for a page that must cite a source and cites none, made the first time
    /// a load needs it (whether a page must cite one is its original's kind).
    no_source: OnceLock<Diagnostic>,
}

/// Where a sentence of [`MIN_WORDS`] words or more stands, and what it says.
struct LongSentence {
    offset: usize,
    /// Of the normalised text and the page's language, to find it on other pages: two
    /// 64-bit hashes, so that two different sentences of a site never share both (the
    /// chance is about n² / 2^129: one in 10^28 for a million sentences).
    hash: (u64, u64),
}

impl PageProse {
    /// The prose of `draft`, whose body has `sentences`.
    pub(super) fn of(draft: &Draft, sentences: &[Sentence]) -> Self {
        let mut prose = PageProse {
            long: Vec::new(),
            site_talk: Vec::new(),
            no_source: OnceLock::new(),
        };
        let mut text = String::new();
        for sentence in sentences {
            let words = normalise(&sentence.text, &mut text);
            let offset = draft.source.body_offset + sentence.offset;
            let negated = text.contains("not") || text.contains("n't");
            let site_talk = negated.then(|| SITE_TALK.iter().find(|p| text.contains(*p)));
            if let Some(phrase) = site_talk.flatten() {
                prose.site_talk.push(warning(
                    draft,
                    offset,
                    format!(
                        "this sentence talks about the site (\"{phrase}\"): visitors read it as a note; \
                         say what is known, or move the note into an HTML comment <!-- ... -->"
                    ),
                ));
            }
            if words >= MIN_WORDS {
                let hash = sentence_hash(&draft.page.lang, &text);
                prose.long.push(LongSentence { offset, hash });
            }
        }
        // Made while the file is held: a load without a cache lets go of it after this.
        if cites_nothing(draft) {
            let _ = prose.no_source.set(no_source(draft));
        }
        prose
    }
}

/// Whether the page must cite a source and cites none: news and projects must (a
/// translation has its original's kind, and its sources unless it has its own).
fn cites_nothing(draft: &Draft) -> bool {
    matches!(draft.page.kind, PageKind::Project(_) | PageKind::NewsItem)
        && draft.page.sources.is_empty()
}

fn no_source(draft: &Draft) -> Diagnostic {
    warning(
        draft,
        draft.source.front_offset,
        "this page cites no source: add a [[sources]] entry (title, publisher, \
         and a date and url where known) for the facts it gives",
    )
}

/// How many times each long sentence's hash occurs across the pages, kept from one load
/// to the next by the load cache, so that a load counts again only the pages whose prose
/// is new. Only a hash that occurs [`MAX_PAGES`] times or more can be a repeated sentence.
/// Counted by the first of its two halves: sentences that share it are counted together,
/// which can only add candidates, and the map stays small (16 bytes a sentence).
#[derive(Default)]
pub(super) struct SentenceCounts {
    counts: HashMap<u64, u32>,
    /// The first halves of the hashes that occur [`MAX_PAGES`] times or more.
    common: HashSet<u64>,
    /// The prose each page's sentences were counted from, by file.
    counted: HashMap<String, Arc<PageProse>>,
}

impl SentenceCounts {
    /// Counts the sentences of `pages` (each `(file, prose)`, `sentences` long sentences
    /// in all) in place of those counted before.
    fn update<'a>(
        &mut self,
        pages: impl Iterator<Item = (&'a str, &'a Arc<PageProse>)>,
        sentences: usize,
    ) {
        // Room for them all at once: growing the map as it fills would hold it twice.
        self.counts
            .reserve(sentences.saturating_sub(self.counts.len()));
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
            let key = sentence.hash.0;
            let count = self.counts.entry(key).or_default();
            if add {
                *count += 1;
                if *count == threshold {
                    self.common.insert(key);
                }
            } else {
                *count -= 1;
                if *count + 1 == threshold {
                    self.common.remove(&key);
                }
                if *count == 0 {
                    self.counts.remove(&key);
                }
            }
        }
    }
}

impl Loader<'_> {
    /// Checks each page's prose (stage 5 worked it out, or took it from the cache).
    pub(super) fn check_prose(&mut self, drafts: &[Draft]) {
        let pages: Vec<(&Draft, &Arc<PageProse>)> = drafts
            .iter()
            .filter_map(|draft| Some((draft, draft.prose.as_ref()?)))
            .collect();
        let mut fresh = SentenceCounts::default();
        let counts = match self.cache.as_deref_mut() {
            Some(cache) => &mut cache.sentences,
            None => &mut fresh,
        };
        let sentences = pages.iter().map(|(_, prose)| prose.long.len()).sum();
        let files = pages
            .iter()
            .map(|(draft, prose)| (draft.page.file.as_str(), *prose));
        counts.update(files, sentences);
        let repeats = repeated(&pages, &counts.common);
        self.warn_repeats(&pages, repeats);
        for &(draft, prose) in &pages {
            self.diagnostics.extend(prose.site_talk.iter().cloned());
            if cites_nothing(draft) {
                let no_source = prose.no_source.get_or_init(|| no_source(draft));
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
/// Sorting those places by hash puts the places of one sentence side by side.
fn repeated(
    pages: &[(&Draft, &Arc<PageProse>)],
    common: &HashSet<u64>,
) -> Vec<Vec<(usize, usize)>> {
    if common.is_empty() {
        return Vec::new();
    }
    let mut places: Vec<((u64, u64), usize, usize)> = Vec::new();
    for (i, (_, prose)) in pages.iter().enumerate() {
        let common_here = prose.long.iter().filter(|s| common.contains(&s.hash.0));
        places.extend(common_here.map(|sentence| (sentence.hash, i, sentence.offset)));
    }
    places.sort_unstable();
    let mut found = Vec::new();
    for run in places.chunk_by(|a, b| a.0 == b.0) {
        let mut list: Vec<(usize, usize)> = Vec::new();
        for &(_, i, offset) in run {
            if list.last().is_none_or(|&(last, _)| last != i) {
                list.push((i, offset));
            }
        }
        if list.len() >= MAX_PAGES {
            found.push(list);
        }
    }
    found
}

/// The hash of a normalised sentence in `lang`: two foldhash hashes of it with different
/// seeds (SipHash, twice, was 1.5 % of a large build).
fn sentence_hash(lang: &str, text: &str) -> (u64, u64) {
    use std::hash::BuildHasher;
    // Two independent halves, the same in every load of a process (the load cache keeps
    // counts from one load to the next).
    let half = |seed| foldhash::quality::FixedState::with_seed(seed).hash_one((lang, text));
    (half(1), half(2))
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

/// Writes `sentence` into `out` as sentences are compared: lower case, single spaces, no
/// closing punctuation. Returns how many words it has (a closing mark standing on its own
/// counts as a word, as the space before it stays).
fn normalise(sentence: &str, out: &mut String) -> usize {
    out.clear();
    let mut words = 0;
    for word in sentence.split_whitespace() {
        if words > 0 {
            out.push(' ');
        }
        out.push_str(word);
        words += 1;
    }
    out.truncate(out.trim_end_matches(markdown::STOPS).len());
    if out.is_ascii() {
        // The same as `to_lowercase` for ASCII, in place.
        out.make_ascii_lowercase();
    } else {
        *out = out.to_lowercase();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`normalise`] must give, the plain way: words split on white space, joined
    /// by one space, closing marks trimmed, then lowered.
    fn plainly(sentence: &str) -> (String, usize) {
        let joined = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
        let trimmed = joined.trim_end_matches(['.', '!', '?', '…']);
        (trimmed.to_lowercase(), trimmed.split(' ').count())
    }

    #[test]
    fn normalising_is_the_plain_definition() {
        let mut out = String::new();
        for sentence in [
            "The Office works   with ministries.",
            "  İSTANBUL’da BİR OFİS VAR…",
            "ΟΔΟΣ ΣΟΦΟΚΛΕΟΥΣ!",
            "tabs\tand\u{a0}no-break\u{2003}spaces ?",
            "a .",
            "…",
            "Ünïcödé ÀND ascii",
            "file\x1cseparator\x0bvertical\x0cfeed",
        ] {
            let words = normalise(sentence, &mut out);
            assert_eq!((out.clone(), words), plainly(sentence), "{sentence:?}");
        }
    }

    #[test]
    fn every_phrase_of_site_talk_is_negated() {
        for phrase in SITE_TALK {
            assert!(phrase.contains("not") || phrase.contains("n't"), "{phrase}");
        }
    }
}
