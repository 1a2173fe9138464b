//! Section pages: the section's own text, then its members as cards, [`PAGE_SIZE`] to a
//! page, later pages at `/section/page/N/` with previous and next links; the offices
//! section also shows the map.

use askama::Template;

use super::context::Context;
use super::templates::*;
use crate::content::urls::{PAGE_SIZE, listing_page_path};
use crate::content::{Page, Section};

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
        article: Article,
    ) -> Result<Vec<(String, String)>, askama::Error> {
        let members = self.members.get(&section).cloned().unwrap_or_default();
        let items = self.links(&members, lang);
        let chunks: Vec<&[Link]> = if items.is_empty() {
            vec![&[]]
        } else {
            items.chunks(PAGE_SIZE).collect()
        };
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
                layout.title = format!(
                    "{} ({})",
                    shown.title,
                    ui.page_of
                        .replace("{page}", &n.to_string())
                        .replace("{pages}", &pages.to_string())
                );
            }
            let prev = (n > 1).then(|| page_path(n - 1));
            let next = (n < pages).then(|| page_path(n + 1));
            layout.prev = prev.clone();
            layout.next = next.clone();
            let pagination = (pages > 1).then(|| Pagination {
                label: ui
                    .page_of
                    .replace("{page}", &n.to_string())
                    .replace("{pages}", &pages.to_string()),
                prev,
                next,
            });
            let map = (section == Section::Offices && n == 1)
                .then(|| self.office_map(lang))
                .flatten();
            let html = SectionTemplate {
                layout,
                map,
                article: if n == 1 {
                    article.clone()
                } else {
                    Article::default()
                },
                items: chunk.to_vec(),
                pagination,
                section: section.dir(),
            }
            .render()?;
            out.push((own, html));
        }
        Ok(out)
    }
}
