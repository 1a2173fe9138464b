//! What every page's render reads: the site, the assets, reverse indexes of cross-links
//! (which pages name a theme or a country), and links to pages as listings show them.
//! Knows nothing of HTTP.

use std::sync::{Arc, OnceLock};

use foldhash::{HashMap, HashMapExt};

use super::related::RelatedIndex;
use super::templates::{Link, SiteFrame};
use crate::assets::Assets;
use crate::content::{Page, PageKind, Section, Site, UiStrings};
use crate::text::{self, SortKey};

/// What every page's render needs: the site, the assets, and reverse indexes. The
/// indexes are built on first use, so a page made per request (search) pays only for
/// what it shows.
pub(super) struct Context<'a> {
    pub(super) site: &'a Site,
    pub(super) assets: &'a Assets,
    /// Each section's members in listing order, by the section's place in [`Section::ALL`].
    members: [OnceLock<Vec<&'a Page>>; Section::ALL.len()],
    topics: OnceLock<Topics<'a>>,
    pub(super) has_kosovo: bool,
    related: OnceLock<RelatedIndex<'a>>,
    /// The frame of every page, by language (in the order of `site.languages`).
    frames: Vec<OnceLock<Arc<SiteFrame<'a>>>>,
}

/// Theme or country key -> originals that name it, in section listing order.
pub(super) type TopicIndex<'a> = HashMap<&'a str, Vec<&'a Page>>;

struct Topics<'a> {
    by_theme: TopicIndex<'a>,
    by_country: TopicIndex<'a>,
}

impl<'a> Context<'a> {
    pub(super) fn new(site: &'a Site, assets: &'a Assets) -> Self {
        let has_kosovo = site
            .originals()
            .any(|p| matches!(&p.kind, PageKind::Country(c) if c.is_kosovo()));
        Context {
            site,
            assets,
            members: Default::default(),
            topics: OnceLock::new(),
            has_kosovo,
            related: OnceLock::new(),
            frames: site.languages.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// What is the same on every page in `lang`, made once per language.
    pub(super) fn frame(&self, lang: &str) -> Arc<SiteFrame<'a>> {
        let place = self.site.languages.iter().position(|l| l.code == lang);
        match place.and_then(|place| self.frames.get(place)) {
            Some(frame) => frame
                .get_or_init(|| Arc::new(self.site_frame(lang)))
                .clone(),
            None => Arc::new(self.site_frame(lang)),
        }
    }

    /// The members of `section`, in listing order.
    pub(super) fn members(&self, section: Section) -> &[&'a Page] {
        let place = Section::ALL
            .iter()
            .position(|s| *s == section)
            .unwrap_or_default();
        self.members[place].get_or_init(|| self.site.members(section))
    }

    /// The offices, in listing order.
    pub(super) fn offices(&self) -> &[&'a Page] {
        self.members(Section::Offices)
    }

    fn topics(&self) -> &Topics<'a> {
        self.topics.get_or_init(|| {
            let mut by_theme: TopicIndex = HashMap::new();
            let mut by_country: TopicIndex = HashMap::new();
            for section in Section::ALL {
                for page in self.members(section) {
                    for theme in &page.themes {
                        by_theme.entry(theme).or_default().push(page);
                    }
                    for country in &page.countries {
                        by_country.entry(country).or_default().push(page);
                    }
                }
            }
            Topics {
                by_theme,
                by_country,
            }
        })
    }

    /// Originals naming each theme.
    pub(super) fn by_theme(&self) -> &TopicIndex<'a> {
        &self.topics().by_theme
    }

    /// Originals naming each country.
    pub(super) fn by_country(&self) -> &TopicIndex<'a> {
        &self.topics().by_country
    }

    /// The index of related pages, ranking each page's when it is first asked for.
    pub(super) fn related_index(&self) -> &RelatedIndex<'a> {
        self.related
            .get_or_init(|| RelatedIndex::new(self.section_members()))
    }

    /// Ranks every page's related pages now, in parallel, unless the index is already
    /// made: for a render of the whole site, which needs them all.
    pub(super) fn rank_every_related_page(&self) {
        self.related
            .get_or_init(|| RelatedIndex::with_every_page_ranked(self.section_members()));
    }

    /// Every section's members, section by section.
    fn section_members(&self) -> impl Iterator<Item = &'a Page> + '_ {
        Section::ALL
            .iter()
            .flat_map(|s| self.members(*s).iter().copied())
    }

    pub(super) fn ui(&self, lang: &str) -> &'a UiStrings {
        // Every language has its strings: the loader refuses a site without them.
        self.site
            .ui
            .get(lang)
            .or_else(|| self.site.ui.get(self.site.default_language()))
            .expect("the loader guarantees interface strings for every language")
    }

    /// A link to `key` for a visitor reading `lang`.
    pub(super) fn link(&self, key: &str, lang: &str) -> Option<Link<'a>> {
        let (page, fallback) = self.site.localized(key, lang)?;
        let ui = self.ui(lang);
        let meta = match &page.kind {
            PageKind::NewsItem => page.date.map(|d| ui.date(d)).unwrap_or_default().into(),
            PageKind::Project(p) => p.status.map(|s| ui.status(s)).unwrap_or_default().into(),
            PageKind::Office(o) if o.main_seat => ui.main_seat.as_str().into(),
            PageKind::Person(p) => p.role.as_str().into(),
            _ => "".into(),
        };
        Some(Link {
            title: &page.title,
            href: self.site.url_of(page, fallback, lang),
            description: &page.description,
            meta,
            lang: fallback.then_some(page.lang.as_str()),
            icon: match &page.kind {
                PageKind::Theme(theme) => self.assets.icon(&theme.icon),
                _ => None,
            },
        })
    }

    /// Links to `pages` (of one section, in its listing order) for a visitor reading
    /// `lang`. Sections listed by title are sorted again by the titles the visitor reads,
    /// in the alphabet of their language; news keeps its order by date.
    pub(super) fn links(&self, pages: &[&Page], lang: &str) -> Vec<Link<'a>> {
        let links = pages
            .iter()
            .filter_map(|p| Some((*p, self.link(&p.key, lang)?)));
        if pages.iter().any(|p| p.section == Some(Section::News)) {
            return links.map(|(_, link)| link).collect();
        }
        let mut keyed: Vec<(i64, SortKey, &str, Link)> = links
            .map(|(p, link)| {
                let title_lang = link.lang.unwrap_or(lang);
                let key = text::sort_key(link.title, title_lang);
                (p.weight, key, p.key.as_str(), link)
            })
            .collect();
        keyed.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        keyed.into_iter().map(|(_, _, _, link)| link).collect()
    }

    pub(super) fn key_links(&self, keys: &[String], lang: &str) -> Vec<Link<'a>> {
        keys.iter().filter_map(|k| self.link(k, lang)).collect()
    }

    /// Members of `section` related to `key` through `index`, in listing order.
    pub(super) fn related(
        &self,
        index: &TopicIndex<'a>,
        key: &str,
        section: Section,
    ) -> Vec<&'a Page> {
        index
            .get(key)
            .map(|pages| {
                pages
                    .iter()
                    .copied()
                    .filter(|p| p.is_section_member(section))
                    .collect()
            })
            .unwrap_or_default()
    }
}
