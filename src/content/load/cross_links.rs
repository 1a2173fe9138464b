//! Loading stage 4: cross-links by slug. A page's `themes` and `countries`, and an
//! office's `country`, become keys of pages in those sections; translations take their
//! original's; the menu must name real pages.

use foldhash::{HashMap, HashMapExt};

use toml::Spanned;

use super::{Draft, Loader};
use crate::config::SiteConfig;
use crate::content::page::{Page, Section};
use crate::content::suggest;
use crate::diagnostic::{Diagnostic, Severity};

/// Section members by section and slug: the key of each default-language member page.
struct Slugs(HashMap<Section, HashMap<String, String>>);

impl Slugs {
    /// The error for `typed`, a slug with no page in `section`: the nearest slug there
    /// is, and the list of them when it is short.
    fn missing(&self, section: Section, typed: &str) -> String {
        let mut known: Vec<&str> = self
            .0
            .get(&section)
            .into_iter()
            .flat_map(|members| members.keys().map(String::as_str))
            .collect();
        known.sort_unstable();
        let near = suggest::did_you_mean(typed, known.iter().copied(), str::to_owned);
        let dir = section.dir();
        match suggest::short_list(known, str::to_owned) {
            Some(list) if near.is_empty() => {
                format!("there is no page `{typed}` in {dir}/: {dir}/ has {list}")
            }
            Some(list) => format!("there is no page `{typed}` in {dir}/{near} ({dir}/ has {list})"),
            None => format!("there is no page `{typed}` in {dir}/ ({dir}/{typed}.md){near}"),
        }
    }
}

impl Loader<'_> {
    /// Resolves `themes`, `countries`, an office's `country` and the menu's pages.
    pub(super) fn cross_link(&mut self, drafts: &mut [Draft], config: &SiteConfig) {
        let default = config.default_language.get_ref().clone();
        let mut slugs: HashMap<Section, HashMap<String, String>> = HashMap::new();
        for draft in drafts.iter() {
            let page = &draft.page;
            if page.lang == default
                && let Some(section) = page.section
                && page.is_section_member(section)
            {
                let members = slugs.entry(section).or_default();
                members.insert(page.slug.clone(), page.key.clone());
            }
        }
        let slugs = Slugs(slugs);
        for draft in drafts.iter_mut() {
            // Stage 5 lets go of the front matter, after this.
            let Some(fm) = draft.source.front.as_deref() else {
                continue;
            };
            let office_country = fm.office.as_ref().map(|o| &o.get_ref().country);
            let themes = self.resolve_all(draft, &slugs, Section::Themes, fm.themes.iter());
            let countries = self.resolve_all(
                draft,
                &slugs,
                Section::Countries,
                office_country.into_iter().chain(&fm.countries),
            );
            draft.page.themes = themes;
            draft.page.countries = countries;
        }
        // Translations take their cross-links from the original.
        let originals: HashMap<&str, usize> = drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| d.page.lang == default)
            .map(|(i, d)| (d.page.key.as_str(), i))
            .collect();
        let translations: Vec<(usize, usize)> = drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| d.page.lang != default)
            .filter_map(|(i, d)| Some((i, *originals.get(d.page.key.as_str())?)))
            .collect();
        for (translation, original) in translations {
            let (themes, countries) = {
                let page = &drafts[original].page;
                (page.themes.clone(), page.countries.clone())
            };
            drafts[translation].page.themes = themes;
            drafts[translation].page.countries = countries;
        }
        self.check_menu(drafts, config);
    }

    /// The keys of the pages `slugs` name in `section`, each once, in order; an error for
    /// each slug with no page (unless that page failed to parse and has its own error).
    fn resolve_all<'s>(
        &mut self,
        draft: &Draft,
        slugs: &Slugs,
        section: Section,
        names: impl Iterator<Item = &'s Spanned<String>>,
    ) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for slug in names {
            let name = slug.get_ref();
            if name.trim().is_empty() && draft.page.draft {
                // An empty field of a draft is reported where it is written.
                continue;
            }
            match slugs.0.get(&section).and_then(|members| members.get(name)) {
                Some(key) if !keys.contains(key) => keys.push(key.clone()),
                Some(_) => {}
                None if self
                    .failed_files
                    .contains(&format!("{}/{name}.md", section.dir())) => {}
                None => self
                    .diagnostics
                    .push(draft.front_error(slug.span().start, slugs.missing(section, name))),
            }
        }
        keys
    }

    /// Every menu entry names a page visitors can see: a missing page is an error (with
    /// the nearest page's name), a draft or a scheduled page a warning, as it stays out of
    /// the menu until published.
    fn check_menu(&mut self, drafts: &[Draft], config: &SiteConfig) {
        let default = config.default_language.get_ref();
        let pages: HashMap<&str, &Page> = drafts
            .iter()
            .filter(|d| d.page.lang == *default)
            .map(|d| (d.page.key.as_str(), &d.page))
            .collect();
        for entry in &config.menu {
            let key = entry.page.get_ref().as_str();
            let (severity, message) = match pages.get(key) {
                Some(page) if page.draft => (
                    Severity::Warning,
                    format!(
                        "the menu names `{key}`, a draft: it stays out of the menu until you remove `draft = true` from it"
                    ),
                ),
                Some(page) if page.scheduled => (
                    Severity::Warning,
                    format!(
                        "the menu names `{key}`, scheduled for {}: it stays out of the menu until then",
                        page.date.map(|d| d.iso()).unwrap_or_default()
                    ),
                ),
                Some(_) => continue,
                // A page that failed to parse has its own error already.
                None if self.failed_files.contains(key) => continue,
                None => (
                    Severity::Error,
                    format!(
                        "the menu names `{key}`, which is not a page of the content{}",
                        suggest::did_you_mean(key, pages.keys().copied(), str::to_owned)
                    ),
                ),
            };
            self.diagnostics.push(Diagnostic::at(
                severity,
                "site.toml",
                &self.config_text,
                entry.page.span().start,
                message,
            ));
        }
    }
}
