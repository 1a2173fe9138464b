//! "Related pages" under offices, themes, countries, projects and news: up to five other
//! pages ranked by how many themes and countries they share with the page (a theme or
//! country page counts as having itself), so a project in Türkiye on return is related to
//! the return theme, to Türkiye, and to other return work in Türkiye, linked or not.

use std::collections::HashMap;

use super::context::Context;
use super::templates::Link;
use crate::content::{Page, PageKind};

/// How many related pages a page lists.
const RELATED: usize = 5;

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
    /// for a visitor reading `lang`; ties go to the newer, then by title.
    pub(super) fn related_pages(&self, original: &Page, lang: &str) -> Vec<Link> {
        let mut scores: HashMap<&str, (usize, &Page)> = HashMap::new();
        let default = self.site.default_language();
        for topic in topics(original) {
            let naming = self
                .by_theme
                .get(topic)
                .into_iter()
                .chain(self.by_country.get(topic));
            let itself = self.site.page(topic, default);
            for page in naming.flatten().copied().chain(itself) {
                if page.key != original.key
                    && page.section.is_some_and(|s| page.is_section_member(s))
                {
                    scores.entry(page.key.as_str()).or_insert((0, page)).0 += 1;
                }
            }
        }
        let mut ranked: Vec<(usize, &Page)> = scores.into_values().collect();
        ranked.sort_by(|(a_score, a), (b_score, b)| {
            b_score
                .cmp(a_score)
                .then_with(|| b.date.cmp(&a.date))
                .then_with(|| a.title.cmp(&b.title))
                .then_with(|| a.key.cmp(&b.key))
        });
        ranked
            .into_iter()
            .take(RELATED)
            .filter_map(|(_, page)| self.link(&page.key, lang))
            .collect()
    }
}
