//! Loading stage 5: every page's Markdown rendered to HTML, in parallel, with `@/` links
//! resolved to URLs in the page's language. The links found are returned for stage 6.

use std::collections::HashMap;

use rayon::prelude::*;

use super::links::{LinkTarget, LinkToCheck};
use super::{Draft, Loader};
use crate::content::file_name::strip_language;
use crate::content::{suggest, urls};
use crate::diagnostic::{Diagnostic, Severity};
use crate::markdown::{self, Resolution};

/// Where each `(key, language)` page lives, for resolving `@/` links.
struct Targets<'a> {
    /// `(path, hidden)`: hidden pages are drafts or scheduled.
    pages: HashMap<(&'a str, &'a str), (&'a str, bool)>,
    default_lang: &'a str,
    failed_files: &'a std::collections::BTreeSet<String>,
}

impl Targets<'_> {
    /// The URL of `@/target` (`file.md` or `file.md#anchor`) for a page in `lang`: the
    /// translation's own, or else the original's under the language prefix.
    fn resolve(&self, target: &str, lang: &str) -> Resolution {
        let (file, anchor) = match target.split_once('#') {
            Some((file, anchor)) => (file, Some(anchor)),
            None => (target, None),
        };
        let key = strip_language(file);
        let found = self
            .pages
            .get(&(key.as_str(), lang))
            .map(|&(path, hidden)| (path.to_owned(), hidden))
            .or_else(|| {
                self.pages
                    .get(&(key.as_str(), self.default_lang))
                    .map(|&(path, hidden)| {
                        (
                            format!("{}{path}", urls::lang_prefix(lang, self.default_lang)),
                            hidden,
                        )
                    })
            });
        match found {
            // A page that failed to parse has its own error already.
            None if self.failed_files.contains(&key) => Resolution {
                url: None,
                problem: None,
            },
            None => Resolution::problem(
                Severity::Error,
                format!(
                    "`@/{file}` links to a page that does not exist{}",
                    suggest::did_you_mean(
                        &key,
                        self.pages
                            .keys()
                            .filter(|(_, l)| *l == self.default_lang)
                            .map(|(k, _)| *k),
                        |k| format!("@/{k}")
                    )
                ),
            ),
            Some((path, hidden)) => {
                let url = match anchor {
                    Some(a) => format!("{path}#{a}"),
                    None => path,
                };
                if hidden {
                    Resolution::with_problem(
                        url,
                        Severity::Warning,
                        format!(
                            "`@/{file}` links to a draft or scheduled page, which visitors cannot see yet"
                        ),
                    )
                } else {
                    Resolution::ok(url)
                }
            }
        }
    }
}

impl Loader<'_> {
    /// Renders every body in parallel, resolving `@/` links; returns the links to check.
    pub(super) fn render_bodies(
        &mut self,
        drafts: &mut [Draft],
        default_lang: &str,
    ) -> Vec<LinkToCheck> {
        let pages: Vec<(String, String, String, bool)> = drafts
            .iter()
            .map(|d| {
                let p = &d.page;
                (p.key.clone(), p.lang.clone(), p.path.clone(), p.is_hidden())
            })
            .collect();
        let targets = Targets {
            pages: pages
                .iter()
                .map(|(key, lang, path, hidden)| {
                    ((key.as_str(), lang.as_str()), (path.as_str(), *hidden))
                })
                .collect(),
            default_lang,
            failed_files: &self.failed_files,
        };
        let rendered: Vec<(Vec<Diagnostic>, Vec<LinkToCheck>)> = drafts
            .par_iter_mut()
            .enumerate()
            .map(|(index, draft)| render_body(index, draft, &targets))
            .collect();
        let mut links = Vec::new();
        for (diagnostics, page_links) in rendered {
            self.diagnostics.extend(diagnostics);
            links.extend(page_links);
        }
        links
    }
}

/// Renders one page's body into its page; returns its problems and links to check.
fn render_body(
    index: usize,
    draft: &mut Draft,
    targets: &Targets,
) -> (Vec<Diagnostic>, Vec<LinkToCheck>) {
    let lang = draft.page.lang.clone();
    let body = &draft.text[draft.body_offset..];
    let rendered = markdown::render(body, &lang, &|target: &str| targets.resolve(target, &lang));
    let at = |offset: usize| draft.body_offset + offset;
    let mut links: Vec<LinkToCheck> = rendered
        .anchored_links
        .iter()
        .map(|link| LinkToCheck {
            draft: index,
            offset: at(link.offset),
            target: LinkTarget::Anchor {
                key: strip_language(&link.file),
                anchor: link.anchor.clone(),
            },
        })
        .collect();
    links.extend(rendered.internal_links.iter().map(|link| LinkToCheck {
        draft: index,
        offset: at(link.offset),
        target: LinkTarget::Path(link.path.clone()),
    }));
    let diagnostics = rendered
        .problems
        .into_iter()
        .map(|p| {
            Diagnostic::at(
                p.severity,
                &draft.page.file,
                &draft.text,
                at(p.offset),
                p.message,
            )
        })
        .collect();
    let page = &mut draft.page;
    page.text = rendered
        .sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    page.body = rendered.body;
    draft.sentences = rendered.sentences;
    (diagnostics, links)
}
