//! Loading stage 7: checks of the writing, as warnings. A sentence of ten words or more on
//! three or more pages of one language (say it once, and link to it); a visible sentence
//! about the site itself, which reads as a note meant for editors (those belong in an HTML
//! comment); a project or news page that cites no source.

use std::collections::BTreeMap;

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

impl Loader<'_> {
    pub(super) fn check_prose(&mut self, drafts: &[Draft]) {
        self.check_repeats(drafts);
        for draft in drafts {
            for sentence in &draft.sentences {
                let lower = sentence.text.to_lowercase();
                if let Some(phrase) = SITE_TALK.iter().find(|p| lower.contains(*p)) {
                    self.diagnostics.push(warning(
                        draft,
                        draft.body_offset + sentence.offset,
                        format!(
                            "this sentence talks about the site (\"{phrase}\"): visitors read it as a note; \
                             say what is known, or move the note into an HTML comment <!-- ... -->"
                        ),
                    ));
                }
            }
            let needs_source = matches!(draft.page.kind, PageKind::Project(_) | PageKind::NewsItem);
            if needs_source && draft.page.sources.is_empty() {
                self.diagnostics.push(warning(
                    draft,
                    draft.front_offset,
                    "this page cites no source: add a [[sources]] entry (title, publisher, \
                     and a date and url where known) for the facts it gives",
                ));
            }
        }
    }

    /// Warns at every place a long sentence stands when it stands on three or more pages.
    fn check_repeats(&mut self, drafts: &[Draft]) {
        // (language, normalised sentence) -> (draft index, offset in file) per place.
        let mut places: BTreeMap<(&str, String), Vec<(usize, usize)>> = BTreeMap::new();
        for (index, draft) in drafts.iter().enumerate() {
            for sentence in &draft.sentences {
                if sentence.text.split_whitespace().count() < MIN_WORDS {
                    continue;
                }
                let list = places
                    .entry((draft.page.lang.as_str(), normalise(&sentence.text)))
                    .or_default();
                if !list.iter().any(|(i, _)| *i == index) {
                    list.push((index, draft.body_offset + sentence.offset));
                }
            }
        }
        for list in places.values().filter(|l| l.len() >= MAX_PAGES) {
            for &(index, offset) in list {
                let others: Vec<String> = list
                    .iter()
                    .filter(|(i, _)| *i != index)
                    .map(|&(i, o)| {
                        let (line, _) = line_col(&drafts[i].text, o);
                        format!("{}:{line}", drafts[i].page.file)
                    })
                    .collect();
                self.diagnostics.push(warning(
                    &drafts[index],
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

fn warning(draft: &Draft, offset: usize, message: impl Into<String>) -> Diagnostic {
    Diagnostic::at(
        Severity::Warning,
        &draft.page.file,
        &draft.text,
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
