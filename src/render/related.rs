//! "Related pages" under offices, themes, countries, projects and news: up to five other
//! pages ranked by how many themes and countries they share with the page (a theme or
//! country page counts as having itself), so a project in Türkiye on return is related to
//! the return theme, to Türkiye, and to other return work in Türkiye, linked or not.
//!
//! Linear in the pages that share a topic with the page, not in the site: scores are
//! counted in an array by candidate number and only the best few are sorted. Candidates
//! are numbered in the order ties are broken in, so ranking compares two numbers and
//! never reads a page.

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use super::context::Context;
use super::templates::Link;
use crate::content::{Page, PageKind};

/// How many related pages a page lists.
const RELATED: usize = 5;

/// Every page a related list may name (section members, in the default language), newest
/// first, then by title, then by key; for each theme or country key the numbers of those
/// that name it or are it; and each member's related pages, ranked once for all languages.
pub(super) struct RelatedIndex<'a> {
    candidates: Vec<&'a Page>,
    by_topic: HashMap<&'a str, Vec<u32>>,
    ranked: HashMap<&'a str, Vec<&'a Page>>,
}

impl<'a> RelatedIndex<'a> {
    /// Indexes `members` (every section's members, originals only) by topic; each page's
    /// related pages are ranked when asked for.
    pub(super) fn new(members: impl Iterator<Item = &'a Page>) -> Self {
        let mut candidates: Vec<&Page> = members.collect();
        candidates.sort_unstable_by(|a, b| {
            b.date
                .cmp(&a.date)
                .then_with(|| a.title.cmp(&b.title))
                .then_with(|| a.key.cmp(&b.key))
        });
        let mut by_topic: HashMap<&str, Vec<u32>> = HashMap::new();
        for (number, page) in (0u32..).zip(&candidates) {
            for topic in topics(page) {
                by_topic.entry(topic).or_default().push(number);
            }
        }
        RelatedIndex {
            candidates,
            by_topic,
            ranked: HashMap::new(),
        }
    }

    /// Indexes `members` as [`RelatedIndex::new`] does and ranks every member's related
    /// pages at once, in parallel: for a render of the whole site. Pages about the same
    /// themes and countries share one ranking, made once.
    pub(super) fn with_every_page_ranked(members: impl Iterator<Item = &'a Page>) -> Self {
        let mut index = RelatedIndex::new(members);
        let mut by_topics: HashMap<Vec<&str>, Vec<&Page>> = HashMap::new();
        for page in &index.candidates {
            let mut about: Vec<&str> = topics(page).collect();
            about.sort_unstable();
            by_topics.entry(about).or_default().push(page);
        }
        let groups: Vec<(Vec<&str>, Vec<&Page>)> = by_topics.into_iter().collect();
        index.ranked = groups
            .par_iter()
            .flat_map_iter(|(about, pages)| {
                let best = index.best(about.iter().copied());
                pages
                    .iter()
                    .map(move |page| (page.key.as_str(), without(&best, page)))
            })
            .collect();
        index
    }

    /// The related pages of `original`, ranked.
    fn ranked(&self, original: &Page) -> Vec<&'a Page> {
        match self.ranked.get(original.key.as_str()) {
            Some(pages) => pages.clone(),
            None => without(&self.best(topics(original)), original),
        }
    }

    /// The [`RELATED`] + 1 candidates sharing the most of `topics` (one more than a page
    /// lists, for the page itself to be left out); ties go to the newer, then by title,
    /// then by key (the candidates' order).
    fn best<'t>(&self, topics: impl Iterator<Item = &'t str>) -> Vec<&'a Page> {
        SCORES.with_borrow_mut(|scores| {
            scores.resize(self.candidates.len(), 0);
            let mut touched: Vec<u32> = Vec::new();
            for topic in topics {
                for &number in self.by_topic.get(topic).into_iter().flatten() {
                    let score = &mut scores[number as usize];
                    if *score == 0 {
                        touched.push(number);
                    }
                    *score += 1;
                }
            }
            // The best few so far, best first, as (score, number): more shared topics
            // first, then the lower number (newer, then by title, then by key).
            let mut best: Vec<(u32, u32)> = Vec::with_capacity(RELATED + 2);
            let ranks_before = |(a_score, a): (u32, u32), (b_score, b): (u32, u32)| {
                a_score > b_score || (a_score == b_score && a < b)
            };
            for number in touched {
                let entry = (scores[number as usize], number);
                scores[number as usize] = 0;
                let full = best.len() == RELATED + 1;
                if full && best.last().is_some_and(|&last| !ranks_before(entry, last)) {
                    continue;
                }
                let place = best.partition_point(|&b| ranks_before(b, entry));
                best.insert(place, entry);
                best.truncate(RELATED + 1);
            }
            let pages = best.into_iter();
            pages
                .map(|(_, number)| self.candidates[number as usize])
                .collect()
        })
    }
}

/// The first [`RELATED`] of `best` other than `page`.
fn without<'a>(best: &[&'a Page], page: &Page) -> Vec<&'a Page> {
    let others = best.iter().filter(|other| other.key != page.key);
    others.take(RELATED).copied().collect()
}

thread_local! {
    /// Scores by candidate number, all zero between calls (each call resets what it
    /// touched), so a page costs what its topics name, not the size of the site.
    static SCORES: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The themes and countries a page is about, itself included when it is one.
fn topics(page: &Page) -> impl Iterator<Item = &str> {
    let own =
        matches!(page.kind, PageKind::Theme(_) | PageKind::Country(_)).then_some(page.key.as_str());
    page.themes
        .iter()
        .chain(&page.countries)
        .map(String::as_str)
        .chain(own)
}

impl Context<'_> {
    /// Up to [`RELATED`] pages sharing the most themes and countries with `original`,
    /// for a visitor reading `lang`.
    pub(super) fn related_pages(&self, original: &Page, lang: &str) -> Vec<Link> {
        self.related_index()
            .ranked(original)
            .into_iter()
            .filter_map(|page| self.link(&page.key, lang))
            .collect()
    }
}
