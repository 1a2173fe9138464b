//! Loading stage 6, once every page exists: `@/page.md#id`, `/path/#id` and `#id`
//! anchors against the ids of the page they lead to (its body's and its layout's), site
//! paths (`/offices/`, `/media/a.pdf`) against the routes the site will have (the nearest
//! one named when there is none), and media files that nothing uses.
//! Links to a page that failed to parse, and media only it uses, are left to its error.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use super::{Draft, Loader};
use crate::content::page::{Language, PageKind, Section};
use crate::content::source::SourceFile;
use crate::content::suggest;
use crate::content::urls;
use crate::diagnostic::{Diagnostic, Severity};

/// A link found while rendering, checked once every page exists.
pub(super) struct LinkToCheck {
    /// Index of the page's draft.
    pub draft: usize,
    /// Byte offset in the page's file.
    pub offset: usize,
    pub target: LinkTarget,
}

#[derive(Clone)]
pub(super) enum LinkTarget {
    /// `@/key#anchor`.
    Anchor { key: String, anchor: String },
    /// A site path such as `/offices/` or `/media/a.pdf`, or empty for the page itself,
    /// with the `#anchor` after it, if any.
    Path {
        path: String,
        anchor: Option<String>,
    },
}

/// Every path a visitor can reach, and the hidden pages and aliases beside them.
struct Routes<'a> {
    visible: BTreeSet<String>,
    hidden: BTreeSet<String>,
    /// Alias -> the page path it redirects to.
    aliases: HashMap<&'a str, &'a str>,
}

impl<'a> Routes<'a> {
    fn of(drafts: &'a [Draft], media: &[SourceFile], languages: &[Language]) -> Routes<'a> {
        let default_lang = &languages[0].code;
        let mut routes = Routes {
            visible: std::iter::once("/")
                .chain(urls::FIXED_ROUTES)
                .map(str::to_owned)
                .collect(),
            hidden: BTreeSet::new(),
            aliases: HashMap::new(),
        };
        for language in languages {
            let prefix = urls::lang_prefix(&language.code, default_lang);
            routes
                .visible
                .insert(urls::feed_path(&language.code, default_lang));
            // Search pages are made per request, with or without a query.
            routes.visible.insert(format!("{prefix}/search"));
            routes.visible.insert(format!("{prefix}/search/"));
        }
        let own_paths: HashMap<(&str, &str), &str> = drafts
            .iter()
            .map(|d| {
                (
                    (d.page.key.as_str(), d.page.lang.as_str()),
                    d.page.path.as_str(),
                )
            })
            .collect();
        let mut members: HashMap<Section, usize> = HashMap::new();
        for page in drafts
            .iter()
            .map(|d| &d.page)
            .filter(|p| p.lang == *default_lang)
        {
            for language in languages {
                let path = match own_paths.get(&(page.key.as_str(), language.code.as_str())) {
                    Some(path) => (*path).to_owned(),
                    None => format!("/{}{}", language.code, page.path),
                };
                if page.is_hidden() {
                    routes.hidden.insert(path)
                } else {
                    routes.visible.insert(path)
                };
            }
            if !page.is_hidden()
                && let Some(section) = page.section.filter(|s| page.is_section_member(*s))
            {
                *members.entry(section).or_default() += 1;
            }
        }
        for draft in drafts {
            for alias in &draft.page.aliases {
                routes.aliases.insert(alias, &draft.page.path);
            }
        }
        for (section, count) in members {
            for n in 2..=urls::listing_pages(count) {
                for language in languages {
                    let base = format!(
                        "{}/{}/",
                        urls::lang_prefix(&language.code, default_lang),
                        section.dir()
                    );
                    routes.visible.insert(urls::listing_page_path(&base, n));
                }
            }
        }
        for file in media {
            routes.visible.insert(format!("/{}", file.path));
        }
        routes
    }

    /// What is wrong with a link to `path`, if anything.
    fn problem(&self, path: &str) -> Option<(Severity, String)> {
        if self.visible.contains(path) {
            None
        } else if self.hidden.contains(path) {
            Some((
                Severity::Warning,
                format!("{path} is a draft or scheduled page, which visitors cannot see yet"),
            ))
        } else if let Some(target) = self.aliases.get(path) {
            Some((
                Severity::Warning,
                format!("{path} is an old address of {target}: link to {target} directly"),
            ))
        } else if self.visible.contains(&format!("{path}/")) {
            Some((
                Severity::Warning,
                format!("{path} redirects to {path}/: link to {path}/ directly"),
            ))
        } else {
            let fix = match suggest::nearest(path, self.visible.iter().map(String::as_str)) {
                Some(near) => format!("did you mean {near}?"),
                None if path.starts_with("/media/") => {
                    format!("add the file {}, or correct the address", &path[1..])
                }
                None => "correct the address: a page's is its file's path, such as /offices/belgrade/ for offices/belgrade.md".to_owned(),
            };
            Some((
                Severity::Error,
                format!("{path} is not a page or file of this site: {fix}"),
            ))
        }
    }
}

/// The error for a link to `#anchor` on `page` (a key or a path; `None`: the linking page
/// itself) when neither its body (`body_ids`) nor its layout has an element with that id.
fn missing_id(page: Option<&str>, anchor: &str, body_ids: &[String]) -> Option<(Severity, String)> {
    let known = || body_ids.iter().map(String::as_str).chain(urls::LAYOUT_IDS);
    if known().any(|id| id == anchor) {
        return None;
    }
    let page = page.map_or_else(|| "this page".to_owned(), |page| format!("`{page}`"));
    let fix = suggest::did_you_mean(anchor, known(), |id| format!("#{id}"));
    Some((
        Severity::Error,
        format!("{page} has no heading or element with the id `{anchor}`{fix}"),
    ))
}

impl Loader<'_> {
    /// Checks links once every page is rendered, and reports media nothing uses.
    pub(super) fn check_links(
        &mut self,
        drafts: &[Draft],
        links: Vec<LinkToCheck>,
        media: &[SourceFile],
        languages: &[Language],
    ) {
        let default_lang = &languages[0].code;
        let ids: HashMap<&str, &[String]> = drafts
            .iter()
            .filter(|d| d.page.lang == *default_lang)
            .map(|d| (d.page.key.as_str(), d.page.body.ids.as_slice()))
            .collect();
        let by_path: HashMap<&str, &Draft> =
            drafts.iter().map(|d| (d.page.path.as_str(), d)).collect();
        let routes = Routes::of(drafts, media, languages);
        let mut used_media: BTreeSet<String> = drafts
            .iter()
            .filter_map(|d| match &d.page.kind {
                PageKind::Person(person) => person.photo.as_ref(),
                _ => None,
            })
            .map(|photo| format!("/{}", photo.trim_start_matches('/')))
            .collect();
        for link in links {
            let problem = match &link.target {
                LinkTarget::Anchor { key, anchor } => ids
                    .get(key.as_str())
                    .filter(|_| !anchor.is_empty())
                    .and_then(|body_ids| missing_id(Some(key), anchor, body_ids)),
                LinkTarget::Path { path, anchor } if path.is_empty() => {
                    let body_ids = &drafts[link.draft].page.body.ids;
                    anchor
                        .as_deref()
                        .and_then(|anchor| missing_id(None, anchor, body_ids))
                }
                LinkTarget::Path { path, anchor } => {
                    used_media.insert(path.clone());
                    // A page that failed to parse has its own error already.
                    let failed = &self.failed_pages.urls;
                    if failed.contains(path) || failed.contains(&format!("{path}/")) {
                        continue;
                    }
                    routes.problem(path).or_else(|| {
                        let target = by_path.get(path.as_str())?;
                        missing_id(Some(path), anchor.as_deref()?, &target.page.body.ids)
                    })
                }
            };
            if let Some((severity, message)) = problem {
                let draft = &drafts[link.draft];
                self.diagnostics.push(Diagnostic::at(
                    severity,
                    &draft.page.file,
                    draft.source.text(),
                    link.offset,
                    message,
                ));
            }
        }
        for file in media {
            if !used_media.contains(&format!("/{}", file.path))
                && !self.failed_pages.uses_media(&file.path)
            {
                self.diagnostics.push(Diagnostic::file_warning(
                    &file.path,
                    "nothing links to this file",
                ));
            }
        }
    }
}
