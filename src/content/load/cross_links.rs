//! Loading stage 4: cross-links by slug. A page's `themes` and `countries`, and an
//! office's `country`, become keys of pages in those sections; translations take their
//! original's; the menu must name real pages.

use std::collections::{BTreeSet, HashMap};

use toml::Spanned;

use super::{Draft, Loader};
use crate::config::SiteConfig;
use crate::content::page::Section;
use crate::diagnostic::Diagnostic;

/// Section members by `(section, slug)`: the key of each default-language member page.
struct Slugs(HashMap<(Section, String), String>);

impl Loader<'_> {
    /// Resolves `themes`, `countries`, an office's `country` and the menu's pages.
    pub(super) fn cross_link(&mut self, drafts: &mut [Draft], config: &SiteConfig) {
        let default = config.default_language.get_ref().clone();
        let mut slugs = HashMap::new();
        for draft in drafts.iter() {
            let page = &draft.page;
            if page.lang == default
                && let Some(section) = page.section
                && page.is_section_member(section)
            {
                slugs.insert((section, page.slug.clone()), page.key.clone());
            }
        }
        let slugs = Slugs(slugs);
        let mut originals: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
        for draft in drafts.iter_mut() {
            let fm = &draft.front;
            let office_country = fm.office.as_ref().map(|o| &o.get_ref().country);
            let themes = self.resolve_all(draft, &slugs, Section::Themes, fm.themes.iter());
            let countries = self.resolve_all(
                draft,
                &slugs,
                Section::Countries,
                office_country.into_iter().chain(&fm.countries),
            );
            if draft.page.lang == default {
                originals.insert(draft.page.key.clone(), (themes.clone(), countries.clone()));
            }
            draft.page.themes = themes;
            draft.page.countries = countries;
        }
        // Translations take their cross-links from the original.
        for draft in drafts.iter_mut() {
            if draft.page.lang != default
                && let Some((themes, countries)) = originals.get(&draft.page.key)
            {
                draft.page.themes = themes.clone();
                draft.page.countries = countries.clone();
            }
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
            match slugs.0.get(&(section, name.clone())) {
                Some(key) if !keys.contains(key) => keys.push(key.clone()),
                Some(_) => {}
                None if self
                    .failed_files
                    .contains(&format!("{}/{name}.md", section.dir())) => {}
                None => self.diagnostics.push(draft.front_error(
                    slug.span().start,
                    format!(
                        "there is no page `{name}` in {dir}/ ({dir}/{name}.md)",
                        dir = section.dir()
                    ),
                )),
            }
        }
        keys
    }

    fn check_menu(&mut self, drafts: &[Draft], config: &SiteConfig) {
        let keys: BTreeSet<&str> = drafts.iter().map(|d| d.page.key.as_str()).collect();
        for entry in &config.menu {
            let page = entry.page.get_ref();
            if !keys.contains(page.as_str()) {
                self.diagnostics.push(Diagnostic::error(
                    "site.toml",
                    &self.config_text,
                    entry.page.span().start,
                    format!("the menu names `{page}`, which is not a page of the content"),
                ));
            }
        }
    }
}
