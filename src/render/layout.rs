//! The frame around every page: title and description, canonical and `hreflang` links,
//! the link to the language's news feed, Open Graph and Twitter card tags, structured
//! data, the language switcher, the menu with the current item marked, breadcrumbs, the draft,
//! scheduled and translation notices, and the footer.

use super::context::Context;
use super::templates::{Alternate, Crumb, Layout, MenuItem, Navigation, Share, SiteFrame};
use crate::content::{Page, PageKind, Section, UiStrings, urls};
use crate::text;

/// The image shared pages show (`og:image`), under `static/`: 1200 × 630 pixels, made
/// from `share.svg`, which says how.
const SHARE_IMAGE: &str = "share.png";

impl<'a> Context<'a> {
    /// The layout of `shown` for a visitor reading `lang`, with its canonical URL path.
    pub(super) fn layout(
        &self,
        shown: &Page,
        lang: &str,
        fallback: bool,
        canonical_path: &str,
    ) -> Layout<'a> {
        let site = self.site;
        let ui = self.ui(lang);
        let alternates = self.alternates(&shown.key, lang);
        let x_default = (alternates.iter().filter(|a| a.translated).count() > 1)
            .then(|| alternates.first().map(|a| a.absolute.clone()))
            .flatten();
        let frame = self.frame(lang);
        let locale_alternates = alternates
            .iter()
            .filter(|a| a.translated && !a.current)
            .filter_map(|a| og_locale(&a.lang))
            .collect();
        Layout {
            lang: lang.to_owned(),
            ui,
            share: Share {
                og_type: if matches!(shown.kind, PageKind::NewsItem) {
                    "article"
                } else {
                    "website"
                },
                locale: og_locale(lang),
                locale_alternates,
                image: format!("{}{}", site.base_url, self.assets.url(SHARE_IMAGE)),
                image_alt: frame.title.clone(),
            },
            json_ld: self.structured_data(
                shown,
                lang,
                &format!("{}{canonical_path}", site.base_url),
            ),
            site: frame,
            title: shown.title.clone(),
            description: shown.description.clone(),
            is_home: matches!(shown.kind, PageKind::Home(_)),
            canonical: format!("{}{}", site.base_url, canonical_path),
            alternates,
            x_default,
            noindex: false,
            nav: Navigation {
                menu: self.menu(shown, lang),
                search_query: String::new(),
                breadcrumbs: self.breadcrumbs(shown, lang),
            },
            notice: fallback.then(|| ui.translation_notice.clone()),
            banner: banner(shown, ui),
            prev: None,
            next: None,
        }
    }

    /// What is the same on every page in `lang` (see [`Context::frame`]).
    pub(super) fn site_frame(&self, lang: &str) -> SiteFrame<'a> {
        let site = self.site;
        let site_title = self.site_title(lang);
        let feed_title = match self.link(&Section::News.index_key(), lang) {
            Some(news) => format!("{} · {site_title}", news.title),
            None => site_title.clone(),
        };
        SiteFrame {
            feed: format!(
                "{}{}",
                site.base_url,
                urls::feed_path(lang, site.default_language())
            ),
            feed_title,
            title: site_title,
            organisation: site.config.organisation.name.clone(),
            organisation_url: site.config.organisation.url.clone(),
            home_href: format!("{}/", site.lang_prefix(lang)),
            search_action: format!("{}/search", site.lang_prefix(lang)),
            css: self.assets.url("style.css"),
            favicon: self.assets.url("favicon.svg"),
            footer_offices: self.links(self.offices(), lang),
            footnote: self
                .has_kosovo
                .then(|| self.ui(lang).kosovo_footnote.clone()),
        }
    }

    /// The site's title in `lang`: its `[languages.X] title`, else the top-level one.
    pub(super) fn site_title(&self, lang: &str) -> String {
        let config = &self.site.config;
        config
            .languages
            .get(lang)
            .and_then(|l| l.title.clone())
            .unwrap_or_else(|| config.title.clone())
    }

    /// The page in every language of the site, for the switcher and `hreflang`.
    fn alternates(&self, key: &str, lang: &str) -> Vec<Alternate> {
        let site = self.site;
        site.languages
            .iter()
            .map(|l| {
                let href = site
                    .url(key, &l.code)
                    .unwrap_or_else(|| format!("{}/", site.lang_prefix(&l.code)));
                Alternate {
                    lang: l.code.clone(),
                    name: l.name.clone(),
                    absolute: format!("{}{href}", site.base_url),
                    href,
                    current: l.code == lang,
                    translated: site.page(key, &l.code).is_some(),
                }
            })
            .collect()
    }

    /// The menu of site.toml, the shown page (`page`) or its section (`true`) marked.
    fn menu(&self, shown: &Page, lang: &str) -> Vec<MenuItem> {
        let site = self.site;
        site.config
            .menu
            .iter()
            .filter_map(|entry| {
                let target = entry.page.get_ref();
                let (page, fallback) = site.localized(target, lang)?;
                let target_page = site.page(target, site.default_language())?;
                let current = if *target == shown.key {
                    Some("page")
                } else if matches!(target_page.kind, PageKind::SectionIndex(s) if Some(s) == shown.section)
                {
                    Some("true")
                } else {
                    None
                };
                Some(MenuItem {
                    label: page.title.clone(),
                    href: site.url_of(page, fallback, lang).into_owned(),
                    current,
                })
            })
            .collect()
    }

    /// Home, then the section page for a section's member; nothing on the home page.
    fn breadcrumbs(&self, shown: &Page, lang: &str) -> Vec<Crumb> {
        let mut breadcrumbs = Vec::new();
        if matches!(shown.kind, PageKind::Home(_)) {
            return breadcrumbs;
        }
        breadcrumbs.push(Crumb {
            label: self.ui(lang).home.clone(),
            href: format!("{}/", self.site.lang_prefix(lang)),
        });
        if let Some(section) = shown.section
            && !matches!(shown.kind, PageKind::SectionIndex(_))
            && let Some((index, fallback)) = self.site.localized(&section.index_key(), lang)
        {
            breadcrumbs.push(Crumb {
                label: index.title.clone(),
                href: self.site.url_of(index, fallback, lang).into_owned(),
            });
        }
        breadcrumbs
    }
}

/// The banner over a draft or a scheduled page (seen only with `--drafts`).
fn banner(shown: &Page, ui: &UiStrings) -> Option<String> {
    if shown.draft {
        Some(ui.draft_banner.clone())
    } else if shown.scheduled {
        shown
            .date
            .map(|d| text::fill(&ui.scheduled_banner, &[("date", &ui.date(d))]))
    } else {
        None
    }
}

/// The Open Graph locale (`language_TERRITORY`) of a site language, for the languages of
/// the region and a few more; others have none (`og:locale` is then left out).
fn og_locale(lang: &str) -> Option<&'static str> {
    Some(match lang {
        "en" => "en_GB",
        "tr" => "tr_TR",
        "sq" => "sq_AL",
        "sr" => "sr_RS",
        "bs" => "bs_BA",
        "hr" => "hr_HR",
        "mk" => "mk_MK",
        "cnr" => "cnr_ME",
        "sl" => "sl_SI",
        "el" => "el_GR",
        "de" => "de_AT",
        "fr" => "fr_FR",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::og_locale;

    /// The loader accepts links to the ids of `urls::LAYOUT_IDS` on every page: the list
    /// must name each id the templates write, and no other.
    #[test]
    fn the_layout_ids_the_loader_knows_are_those_of_the_templates() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut written = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(folder).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            written.extend(crate::markdown::element_ids(&text));
        }
        let listed = crate::content::urls::LAYOUT_IDS.map(str::to_owned);
        assert_eq!(written, listed.into_iter().collect());
    }

    #[test]
    fn open_graph_locales_name_a_territory() {
        assert_eq!(og_locale("en"), Some("en_GB"));
        assert_eq!(og_locale("tr"), Some("tr_TR"));
        assert_eq!(og_locale("xx"), None);
    }
}
