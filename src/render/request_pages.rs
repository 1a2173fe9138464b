//! Pages made per request from the current site: search results (`/search?q=`,
//! `/{lang}/search?q=`) and filtered project lists (`/projects/?theme=`). They share the
//! layout of every page, carry `noindex`, and are never in the sitemap. Knows nothing of
//! HTTP: it answers a path and a query string with a status and HTML.

use std::sync::{Arc, OnceLock};

use askama::Template;

use super::context::Context;
use super::listing::pagination;
use super::project_filters::ProjectQuery;
use super::templates::{Layout, Link, Pagination};
use crate::assets::Assets;
use crate::content::urls::page_number;
use crate::content::{Section, Site};
use crate::live_reload;
use crate::search::{MAX_QUERY_CHARS, SearchIndex};
use crate::text;

/// One search result as the page lists it.
#[derive(Clone, Debug)]
struct SearchItem {
    title: String,
    href: String,
    /// The language of the title and snippet, when it is not the visitor's.
    lang: Option<String>,
    /// Escaped HTML with the matched words in `<mark>`, or the description.
    snippet_html: Option<String>,
    description: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTemplate<'a> {
    layout: Layout<'a>,
    /// "12 results for “return”", or empty before a query.
    summary: String,
    /// Said when nothing matches.
    none: Option<String>,
    /// Said when the query was cut.
    shortened: Option<String>,
    items: Vec<SearchItem>,
    /// The rank of the first item on this page (11 on page 2), so the list numbers on.
    first_rank: usize,
    /// Links to the sections, offered when nothing matches.
    sections: Vec<Link<'a>>,
    pagination: Option<Pagination>,
}

/// What the per-request pages read: the site they belong to and its search index, built
/// once, on first use or by [`RequestPages::prepare`] (so serving need not wait for it).
pub struct RequestPages {
    site: Arc<Site>,
    assets: Assets,
    search: OnceLock<Result<SearchIndex, String>>,
    live_reload: bool,
}

impl std::fmt::Debug for RequestPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestPages")
            .field("pages", &self.site.pages.len())
            .field("search", &self.search)
            .finish()
    }
}

impl RequestPages {
    /// The pages of `site`, not yet indexed; `live_reload` adds the reload script to them.
    pub fn new(site: Arc<Site>, assets: Assets, live_reload: bool) -> RequestPages {
        RequestPages {
            site,
            assets,
            search: OnceLock::new(),
            live_reload,
        }
    }

    /// Builds the search index now, unless it is built or being built (then waits for it).
    pub fn prepare(&self) {
        self.index();
    }

    /// The search index, built on first use; a search that arrives while it is being
    /// built waits for it.
    fn index(&self) -> Option<&SearchIndex> {
        let index = self.search.get_or_init(|| {
            let started = std::time::Instant::now();
            let index = SearchIndex::build(&self.site).map_err(|e| e.to_string());
            match &index {
                Ok(_) => tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "built the search index"
                ),
                Err(error) => tracing::error!("cannot build the search index: {error}"),
            }
            index
        });
        index.as_ref().ok()
    }

    /// The page for `path` and `query` (without `?`), if it is made per request: its
    /// status and HTML. A template that fails gives `None`, and the caller its usual 404.
    pub fn answer(&self, path: &str, query: &str) -> Option<(u16, String)> {
        let lang = self.site.languages.iter().find(|l| {
            let prefix = self.site.lang_prefix(&l.code);
            path.strip_prefix(prefix.as_str())
                .is_some_and(|rest| matches!(rest, "/search" | "/search/" | "/projects/"))
        })?;
        let ctx = Context::new(&self.site, &self.assets);
        let prefix = self.site.lang_prefix(&lang.code);
        let (status, html) = if path.ends_with("/projects/") {
            let projects = ProjectQuery::parse(query);
            if projects.filters.is_empty() {
                return None;
            }
            let key = Section::Projects.index_key();
            let (shown, fallback) = self.site.localized(&key, &lang.code)?;
            ctx.render_filtered_projects(shown, &lang.code, fallback, path, &projects)
                .ok()?
        } else {
            (
                200,
                self.search_page(&ctx, &lang.code, &prefix, query).ok()?,
            )
        };
        Some((status, self.with_live_reload(html)))
    }

    fn search_page(
        &self,
        ctx: &Context,
        lang: &str,
        prefix: &str,
        query: &str,
    ) -> Result<String, askama::Error> {
        let (q, page) = search_params(query);
        let results = self
            .index()
            .ok_or_else(|| askama::Error::custom("no search index"))?
            .search(lang, &q, page);
        let action = format!("{prefix}/search");
        let layout = self.search_layout(ctx, lang, &action, &results.query)?;
        let ui = layout.ui;
        let summary = summary(ui, &results);
        let none = (results.total == 0 && !results.query.is_empty())
            .then(|| text::fill(&ui.search_none, &[("query", &results.query)]));
        let sections = Section::ALL
            .iter()
            .filter_map(|s| ctx.link(&s.index_key(), lang))
            .collect();
        let pagination = pagination(&ui.page_of, results.page, results.pages, |n| {
            format!("{action}?{}", search_query(&results.query, n))
        });
        SearchTemplate {
            summary,
            none,
            shortened: results.shortened.then(|| {
                let max = MAX_QUERY_CHARS.to_string();
                text::fill(&ui.search_shortened, &[("max", &max)])
            }),
            first_rank: results.offset().saturating_add(1),
            items: results
                .hits
                .into_iter()
                .map(|hit| SearchItem {
                    lang: (hit.entry.lang != lang).then(|| hit.entry.lang.clone()),
                    title: hit.entry.title,
                    href: hit.entry.path,
                    snippet_html: hit.snippet_html,
                    description: hit.entry.description,
                })
                .collect(),
            sections,
            pagination,
            layout,
        }
        .render()
    }

    /// The frame of a search page: the home page's, titled "Search", kept out of search
    /// engines' indexes, its language links pointing to the same search in each language.
    fn search_layout<'c>(
        &self,
        ctx: &Context<'c>,
        lang: &str,
        action: &str,
        query: &str,
    ) -> Result<Layout<'c>, askama::Error> {
        let home = self
            .site
            .page("_index.md", self.site.default_language())
            .ok_or_else(|| askama::Error::custom("the site has no home page"))?;
        let mut layout = ctx.layout(home, lang, false, action);
        let ui = layout.ui;
        layout.title = ui.search.clone();
        layout.description = ui.search_label.clone();
        layout.is_home = false;
        layout.noindex = true;
        layout.x_default = None;
        layout.nav.search_query = query.to_owned();
        for alternate in &mut layout.alternates {
            let other = self.site.lang_prefix(&alternate.lang);
            alternate.href = format!("{other}/search?{}", search_query(query, 1));
            alternate.translated = false;
        }
        for item in &mut layout.nav.menu {
            item.current = None;
        }
        Ok(layout)
    }

    fn with_live_reload(&self, html: String) -> String {
        if self.live_reload {
            live_reload::with_script(html)
        } else {
            html
        }
    }
}

/// `q` and `page` of a search's query string: the page is 1 when missing, not a number or
/// 0.
fn search_params(query: &str) -> (String, usize) {
    let mut q = String::new();
    let mut page = 1;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "q" => q = value.into_owned(),
            "page" => page = page_number(&value),
            _ => {}
        }
    }
    (q, page)
}

/// The query string of page `page` of the search for `q` (no `page` on the first).
fn search_query(q: &str, page: usize) -> String {
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    pairs.append_pair("q", q);
    if page > 1 {
        pairs.append_pair("page", &page.to_string());
    }
    pairs.finish()
}

/// "12 results for “return”", or how to search before a query, or nothing when nothing
/// matched (the page says that apart).
fn summary(ui: &crate::content::UiStrings, results: &crate::search::Results) -> String {
    match results.total {
        _ if results.query.is_empty() => ui.search_empty.clone(),
        0 => String::new(),
        1 => text::fill(&ui.search_result_one, &[("query", &results.query)]),
        total => {
            let count = ui.number(total as u64);
            text::fill(
                &ui.search_results,
                &[("count", &count), ("query", &results.query)],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_parameters_are_decoded_and_a_bad_page_is_the_first() {
        let cases = [
            ("q=border+management&page=3", ("border management", 3)),
            ("q=%C3%A7al%C4%B1%C5%9Fma", ("çalışma", 1)),
            ("page=0&q=a", ("a", 1)),
            ("page=two&q=a", ("a", 1)),
            ("page=-1", ("", 1)),
            ("", ("", 1)),
        ];
        for (query, (q, page)) in cases {
            assert_eq!(search_params(query), (q.to_owned(), page), "{query:?}");
        }
    }

    #[test]
    fn a_search_query_reads_back_as_itself() {
        assert_eq!(search_query("a&b c", 1), "q=a%26b+c");
        assert_eq!(search_query("göç", 2), "q=g%C3%B6%C3%A7&page=2");
        for (q, page) in [("a&b=c d", 1), ("x", 7), ("", 1)] {
            assert_eq!(search_params(&search_query(q, page)), (q.to_owned(), page));
        }
    }
}
