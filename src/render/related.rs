//! "Related pages" under offices, themes, countries, projects and news: up to five other
//! pages ranked by how many themes and countries they share with the page (a theme or
//! country page counts as having itself), so a project in Türkiye on return is related to
//! the return theme, to Türkiye, and to other return work in Türkiye, linked or not.
//!
//! Candidates are numbered in the order ties are broken in, and each topic is the set of
//! candidate numbers that have it, as bits. Ranking a page adds its topics' sets up 64
//! candidates at a time (a counter per candidate, its bits in separate words), then reads
//! out the candidates that share all of the page's topics, then all but one, and so on,
//! lowest number first, until it has enough: a few thousand word operations per page on
//! a site of 10,000, and it never reads a page.

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
    /// For each theme or country key, the candidates that have it, as bits by number.
    by_topic: HashMap<&'a str, Vec<u64>>,
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
        let words = candidates.len().div_ceil(64);
        let mut by_topic: HashMap<&str, Vec<u64>> = HashMap::new();
        for (number, page) in candidates.iter().enumerate() {
            for topic in topics(page) {
                let bits = by_topic.entry(topic).or_insert_with(|| vec![0; words]);
                bits[number / 64] |= 1 << (number % 64);
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
        let mut sets: Vec<&[u64]> = topics
            .filter_map(|topic| self.by_topic.get(topic).map(Vec::as_slice))
            .collect();
        // A topic named twice (a theme page that lists itself) is still one topic.
        sets.sort_unstable_by_key(|set| set.as_ptr());
        sets.dedup_by_key(|set| set.as_ptr());
        best_numbers(&sets, RELATED + 1)
            .into_iter()
            .map(|number| self.candidates[number])
            .collect()
    }
}

/// The numbers of the `limit` candidates in the most of `sets` (bit sets of candidate
/// numbers, all of one length), most first, then by lower number.
fn best_numbers(sets: &[&[u64]], limit: usize) -> Vec<usize> {
    let Some(words) = sets.first().map(|set| set.len()) else {
        return Vec::new();
    };
    // How many sets each candidate is in, as a binary counter: bit `b` of the count of
    // candidate `64 * w + i` is bit `i` of `counts[w * planes + b]`.
    let planes = (usize::BITS - sets.len().leading_zeros()) as usize;
    COUNTS.with_borrow_mut(|counts| {
        counts.clear();
        counts.resize(words * planes, 0);
        for set in sets {
            for (word, &bits) in set.iter().enumerate() {
                let mut carry = bits;
                for plane in &mut counts[word * planes..(word + 1) * planes] {
                    if carry == 0 {
                        break;
                    }
                    (*plane, carry) = (*plane ^ carry, *plane & carry);
                }
            }
        }
        let mut best = Vec::with_capacity(limit);
        for shared in (1..=sets.len()).rev() {
            for word in 0..words {
                let planes = &counts[word * planes..(word + 1) * planes];
                // The candidates of this word whose count is `shared`, bit by bit.
                let mut exact = planes
                    .iter()
                    .enumerate()
                    .fold(u64::MAX, |mask, (bit, &plane)| {
                        mask & if shared >> bit & 1 == 1 {
                            plane
                        } else {
                            !plane
                        }
                    });
                while exact != 0 {
                    best.push(word * 64 + exact.trailing_zeros() as usize);
                    if best.len() == limit {
                        return best;
                    }
                    exact &= exact - 1;
                }
            }
        }
        best
    })
}

/// The first [`RELATED`] of `best` other than `page`.
fn without<'a>(best: &[&'a Page], page: &Page) -> Vec<&'a Page> {
    let others = best.iter().filter(|other| other.key != page.key);
    others.take(RELATED).copied().collect()
}

thread_local! {
    /// The counters of [`best_numbers`], kept between calls.
    static COUNTS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
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

impl<'a> Context<'a> {
    /// Up to [`RELATED`] pages sharing the most themes and countries with `original`,
    /// for a visitor reading `lang`.
    pub(super) fn related_pages(&self, original: &Page, lang: &str) -> Vec<Link<'a>> {
        self.related_index()
            .ranked(original)
            .into_iter()
            .filter_map(|page| self.link(&page.key, lang))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`best_numbers`] must find, the slow way: every candidate counted and sorted.
    fn by_counting(sets: &[Vec<u64>], candidates: usize, limit: usize) -> Vec<usize> {
        let has = |set: &Vec<u64>, n: usize| set[n / 64] >> (n % 64) & 1 == 1;
        let mut scored: Vec<(usize, usize)> = (0..candidates)
            .map(|n| (sets.iter().filter(|set| has(set, n)).count(), n))
            .filter(|&(shared, _)| shared > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(limit).map(|(_, n)| n).collect()
    }

    #[test]
    fn the_best_numbers_are_those_in_the_most_sets_then_the_lowest() {
        // A small generator, so that the sets are the same on every run.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for candidates in [1, 63, 64, 65, 200, 1000] {
            let words = usize::div_ceil(candidates, 64);
            for set_count in [1, 2, 3, 7, 16, 19] {
                let sets: Vec<Vec<u64>> = (0..set_count)
                    .map(|_| {
                        let mut set: Vec<u64> = (0..words).map(|_| next() & next()).collect();
                        for n in candidates..words * 64 {
                            set[n / 64] &= !(1 << (n % 64));
                        }
                        set
                    })
                    .collect();
                let slices: Vec<&[u64]> = sets.iter().map(Vec::as_slice).collect();
                for limit in [1, 6, 50] {
                    assert_eq!(
                        best_numbers(&slices, limit),
                        by_counting(&sets, candidates, limit),
                        "{candidates} candidates, {set_count} sets, limit {limit}"
                    );
                }
            }
        }
        assert!(best_numbers(&[], 6).is_empty());
    }
}
