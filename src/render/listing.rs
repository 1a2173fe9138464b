//! Section pages: the section's own text, then its members as cards, [`PAGE_SIZE`] to a
//! page, later pages at `/section/page/N/` with previous and next links; the offices
//! section also shows the map, the projects section its filters. A filtered projects
//! list (`/projects/?theme=return`) is rendered per request from the same parts.

use askama::Template;

use super::context::Context;
use super::project_filters::ProjectQuery;
use super::templates::*;
use crate::content::urls::{PAGE_SIZE, listing_page_path};
use crate::content::{Page, Section};
use crate::text;

/// Page `n` of `pages`, with the paths of its neighbours.
pub(super) fn pagination(
    label_pattern: &str,
    n: usize,
    pages: usize,
    path_of: impl Fn(usize) -> String,
) -> Option<Pagination> {
    (pages > 1).then(|| Pagination {
        label: page_of(label_pattern, n, pages),
        prev: (n > 1).then(|| path_of(n - 1)),
        next: (n < pages).then(|| path_of(n + 1)),
    })
}

/// "Page 2 of 5" in the words of `pattern` (`{page}`, `{pages}`).
fn page_of(pattern: &str, n: usize, pages: usize) -> String {
    let (n, pages) = (n.to_string(), pages.to_string());
    text::fill(pattern, &[("page", &n), ("pages", &pages)])
}

/// `items` cut into listing pages (one empty page when there are none).
fn chunks<'l, 'a>(items: &'l [Link<'a>]) -> Vec<&'l [Link<'a>]> {
    if items.is_empty() {
        vec![&[]]
    } else {
        items.chunks(PAGE_SIZE).collect()
    }
}

impl Context<'_> {
    /// A section index: its body, then its members, [`PAGE_SIZE`] per page, the later
    /// pages at `/section/page/N/`.
    pub(super) fn render_listing(
        &self,
        section: Section,
        shown: &Page,
        lang: &str,
        fallback: bool,
        path: &str,
        article: Article<'_>,
    ) -> Result<Vec<(String, String)>, askama::Error> {
        let members = self.members(section);
        let items = self.links(members, lang);
        let chunks = chunks(&items);
        let pages = chunks.len();
        let page_path = |n: usize| listing_page_path(path, n);
        let mut out = Vec::with_capacity(pages);
        for (i, chunk) in chunks.into_iter().enumerate() {
            let n = i + 1;
            let own = page_path(n);
            let canonical = if fallback {
                format!("{}{}", shown.path, &own[path.len()..])
            } else {
                own.clone()
            };
            let mut layout = self.layout(shown, lang, fallback, &canonical);
            let ui = layout.ui;
            if n > 1 {
                layout.title = format!("{} ({})", shown.title, page_of(&ui.page_of, n, pages));
            }
            let pagination = pagination(&ui.page_of, n, pages, page_path);
            layout.prev = pagination.as_ref().and_then(|p| p.prev.clone());
            layout.next = pagination.as_ref().and_then(|p| p.next.clone());
            let first = n == 1;
            let html = SectionTemplate {
                layout,
                map: (section == Section::Offices && first)
                    .then(|| self.office_map(lang))
                    .flatten(),
                article: if first {
                    article.clone()
                } else {
                    Article::default()
                },
                items: chunk.to_vec(),
                pagination,
                filters: (section == Section::Projects && first)
                    .then(|| self.filter_projects(&ProjectQuery::default(), lang, path).1),
                section: section.dir(),
            }
            .render()?;
            out.push((own, html));
        }
        Ok(out)
    }

    /// The projects listing at `path` narrowed by `query`: its status (404 when a filter
    /// names a value no project has) and its HTML. Kept out of search engines.
    pub(super) fn render_filtered_projects(
        &self,
        shown: &Page,
        lang: &str,
        fallback: bool,
        path: &str,
        query: &ProjectQuery,
    ) -> Result<(u16, String), askama::Error> {
        let (selected, filters, known) = self.filter_projects(query, lang, path);
        let items = self.links(&selected, lang);
        let chunks = chunks(&items);
        let pages = chunks.len();
        let n = query.page.min(pages);
        let canonical = if fallback { &shown.path } else { path };
        let mut layout = self.layout(shown, lang, fallback, canonical);
        layout.noindex = true;
        let pagination = pagination(&layout.ui.page_of, n, pages, |n| {
            format!("{path}{}", query.on_page(n))
        });
        let html = SectionTemplate {
            layout,
            map: None,
            article: Article::default(),
            items: chunks[n - 1].to_vec(),
            pagination,
            filters: Some(filters),
            section: Section::Projects.dir(),
        }
        .render()?;
        Ok((if known { 200 } else { 404 }, html))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(n: usize) -> String {
        listing_page_path("/news/", n)
    }

    #[test]
    fn one_page_has_no_pagination() {
        assert!(pagination("{page}/{pages}", 1, 1, path_of).is_none());
    }

    #[test]
    fn the_first_middle_and_last_pages_link_to_their_neighbours() {
        let label = "Sayfa {page} / {pages}";
        let first = pagination(label, 1, 3, path_of).unwrap();
        assert_eq!(first.label, "Sayfa 1 / 3");
        assert_eq!(
            (first.prev, first.next.as_deref()),
            (None, Some("/news/page/2/"))
        );
        let middle = pagination(label, 2, 3, path_of).unwrap();
        assert_eq!(middle.prev.as_deref(), Some("/news/"));
        assert_eq!(middle.next.as_deref(), Some("/news/page/3/"));
        let last = pagination(label, 3, 3, path_of).unwrap();
        assert_eq!(
            (last.prev.as_deref(), last.next),
            (Some("/news/page/2/"), None)
        );
    }

    #[test]
    fn items_are_cut_into_pages_and_none_is_one_empty_page() {
        let link = |i: usize| Link {
            title: "",
            href: format!("/news/{i}/").into(),
            description: "",
            meta: "".into(),
            lang: None,
            icon: None,
        };
        assert_eq!(chunks(&[]).len(), 1);
        for (count, pages, last) in [(1, 1, 1), (PAGE_SIZE, 1, PAGE_SIZE), (PAGE_SIZE + 1, 2, 1)] {
            let items: Vec<Link> = (0..count).map(link).collect();
            let cut = chunks(&items);
            assert_eq!(cut.len(), pages, "{count} items");
            assert_eq!(cut[pages - 1].len(), last, "{count} items");
        }
    }
}
