//! Loading stage 5: every page's Markdown rendered to HTML, in parallel, with `@/` links
//! resolved to URLs in the page's language. The links found are returned for stage 6.

use std::cell::RefCell;
use std::sync::Arc;

use foldhash::HashMap;
use rayon::prelude::*;

use super::links::{LinkTarget, LinkToCheck};
use super::prose::PageProse;
use super::{Draft, Loader};
use crate::content::file_name::strip_language;
use crate::content::{suggest, urls};
use crate::diagnostic::{Diagnostic, Severity};
use crate::markdown::{self, Body, Resolution};

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

/// One body as stage 5 renders it, with the answers of the `@/` resolver it relied on: the
/// load cache reuses it while every one of them stays the same.
pub(super) struct RenderedBody {
    /// `(target, resolution)` of each `@/` link, in the order rendering asked.
    answers: Vec<(String, Resolution)>,
    body: Arc<Body>,
    /// The visible text, for search.
    text: Arc<str>,
    diagnostics: Vec<Diagnostic>,
    /// `(offset in file, target)` of each link to check in stage 6.
    links: Vec<(usize, LinkTarget)>,
}

impl RenderedBody {
    /// Whether every `@/` link of the body resolves now as it did when it was rendered.
    fn still_holds(&self, targets: &Targets, lang: &str) -> bool {
        self.answers
            .iter()
            .all(|(target, answer)| targets.resolve(target, lang) == *answer)
    }
}

impl Loader<'_> {
    /// Renders every body in parallel, resolving `@/` links, or takes it from the cache
    /// when its links resolve as they did; returns the links to check.
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
        let cache = self.cache.as_deref();
        let search_text = self.options.search_text;
        let rendered: Vec<(Vec<Diagnostic>, Vec<LinkToCheck>)> = drafts
            .par_iter_mut()
            .enumerate()
            .map(|(index, draft)| {
                let cached = cache
                    .and_then(|cache| cache.body(&draft.page.file))
                    .filter(|(body, _)| body.still_holds(&targets, &draft.page.lang));
                let body = match cached {
                    Some((body, prose)) => {
                        draft.prose = Some(prose);
                        body
                    }
                    None => {
                        let body = render_body(draft, &targets, search_text);
                        if cache.is_none()
                            && let Some(source) = Arc::get_mut(&mut draft.source)
                        {
                            source.let_go();
                        }
                        Arc::new(body)
                    }
                };
                use_body(index, draft, body, cache.is_some())
            })
            .collect();
        let mut links = Vec::new();
        for (diagnostics, page_links) in rendered {
            self.diagnostics.extend(diagnostics);
            links.extend(page_links);
        }
        links
    }
}

/// Puts a rendered body into its draft's page (and, with `keep`, keeps it on the draft for
/// the cache); returns its problems and the links to check.
fn use_body(
    index: usize,
    draft: &mut Draft,
    rendered: Arc<RenderedBody>,
    keep: bool,
) -> (Vec<Diagnostic>, Vec<LinkToCheck>) {
    draft.page.body = rendered.body.clone();
    draft.page.text = rendered.text.clone();
    let links = rendered
        .links
        .iter()
        .map(|(offset, target)| LinkToCheck {
            draft: index,
            offset: *offset,
            target: target.clone(),
        })
        .collect();
    let diagnostics = rendered.diagnostics.clone();
    if keep {
        draft.rendered = Some(rendered);
    }
    (diagnostics, links)
}

/// Renders one page's body, and works out its prose for stage 7 on the draft (its
/// sentences are not kept, so that a large site's are never all held at once), and with
/// `search_text` its visible text.
fn render_body(draft: &mut Draft, targets: &Targets, search_text: bool) -> RenderedBody {
    let lang = draft.page.lang.as_str();
    let source = &draft.source;
    let text = source.text();
    let body = &text[source.body_offset..];
    let answers = RefCell::new(Vec::new());
    let rendered = markdown::render(body, lang, &|target: &str| {
        let answer = targets.resolve(target, lang);
        answers
            .borrow_mut()
            .push((target.to_owned(), answer.clone()));
        answer
    });
    let at = |offset: usize| source.body_offset + offset;
    let mut links: Vec<(usize, LinkTarget)> = rendered
        .anchored_links
        .iter()
        .map(|link| {
            let target = LinkTarget::Anchor {
                key: strip_language(&link.file),
                anchor: link.anchor.clone(),
            };
            (at(link.offset), target)
        })
        .collect();
    links.extend(rendered.internal_links.iter().map(|link| {
        let target = LinkTarget::Path {
            path: link.path.clone(),
            anchor: link.anchor.clone(),
        };
        (at(link.offset), target)
    }));
    let diagnostics = rendered
        .problems
        .into_iter()
        .map(|p| Diagnostic::at(p.severity, &draft.page.file, text, at(p.offset), p.message))
        .collect();
    let text = if search_text {
        joined_for_search(&rendered.sentences)
    } else {
        Arc::from("")
    };
    draft.prose = Some(Arc::new(PageProse::of(draft, &rendered.sentences)));
    RenderedBody {
        answers: answers.into_inner(),
        body: Arc::new(rendered.body),
        text,
        diagnostics,
        links,
    }
}

/// A body's sentences as one text for search. A sentence that ends without a stop ends
/// its block (a heading, a list item, a table cell): " · " sets it off from the next, so
/// that a result's excerpt does not run a heading into the sentence after it.
fn joined_for_search(sentences: &[markdown::Sentence]) -> Arc<str> {
    let mut text = String::new();
    for sentence in sentences {
        if let Some(last) = text
            .trim_end_matches(['"', '\'', '”', '’', ')', ']'])
            .chars()
            .last()
        {
            let stopped = markdown::STOPS.contains(&last) || matches!(last, ':' | ';' | ',');
            text.push_str(if stopped { " " } else { " · " });
        }
        text.push_str(&sentence.text);
    }
    text.into()
}
