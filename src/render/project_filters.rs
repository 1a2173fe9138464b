//! The project filters on `/projects/`: `?theme=`, `?country=`, `?status=`, `?donor=`
//! (combinable), as facet links with counts, the active filters each with a link that
//! removes it, and a clear answer when nothing matches or a value is unknown.

use std::collections::BTreeMap;

use super::context::Context;
use super::templates::{Facet, FacetValue, Filters};
use crate::content::page::ProjectStatus;
use crate::content::urls::page_number;
use crate::content::{Page, PageKind, Section};
use crate::text;

/// The facets, in the order their parameters are written.
const FACETS: [&str; 4] = ["theme", "country", "status", "donor"];

/// The filters a query string asks for: `(facet, value)`; other parameters are ignored,
/// a repeated one counts once (the last).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ProjectQuery {
    pub filters: BTreeMap<&'static str, String>,
    /// Listing page, from 1.
    pub page: usize,
}

impl ProjectQuery {
    pub(super) fn parse(query: &str) -> ProjectQuery {
        let mut parsed = ProjectQuery {
            page: 1,
            ..ProjectQuery::default()
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if let Some(facet) = FACETS.iter().find(|f| **f == key) {
                let value = value.trim();
                if !value.is_empty() {
                    parsed
                        .filters
                        .insert(facet, value.chars().take(100).collect());
                }
            } else if key == "page" {
                parsed.page = page_number(&value);
            }
        }
        parsed
    }

    /// The query string (with `?`, or empty) of these filters with `facet` set to
    /// `value`, or removed when `value` is `None`; always on the first page.
    pub(super) fn with(&self, facet: &str, value: Option<&str>) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        let mut any = false;
        for name in FACETS {
            let current = if name == facet {
                value
            } else {
                self.filters.get(name).map(String::as_str)
            };
            if let Some(current) = current {
                pairs.append_pair(name, current);
                any = true;
            }
        }
        if any {
            format!("?{}", pairs.finish())
        } else {
            String::new()
        }
    }

    /// This query on listing page `n`.
    pub(super) fn on_page(&self, n: usize) -> String {
        let base = self.with("", None);
        match (base.is_empty(), n) {
            (_, 1) => base,
            (true, n) => format!("?page={n}"),
            (false, n) => format!("{base}&page={n}"),
        }
    }
}

/// A project's value for `facet`: `(value in the URL, label)` pairs.
fn values(ctx: &Context, project: &Page, facet: &str, lang: &str) -> Vec<(String, String)> {
    let linked = |keys: &[String]| {
        keys.iter()
            .filter_map(|key| {
                let page = ctx.site.page(key, ctx.site.default_language())?;
                let link = ctx.link(key, lang)?;
                Some((page.slug.clone(), link.title.to_owned()))
            })
            .collect()
    };
    let PageKind::Project(details) = &project.kind else {
        return Vec::new();
    };
    let ui = ctx.ui(lang);
    match facet {
        "theme" => linked(&project.themes),
        "country" => linked(&project.countries),
        "status" => details
            .status
            .map(|s| {
                let key = match s {
                    ProjectStatus::Ongoing => "ongoing",
                    ProjectStatus::Completed => "completed",
                };
                vec![(key.to_owned(), ui.status(s).to_owned())]
            })
            .unwrap_or_default(),
        _ => details
            .donors
            .iter()
            .map(|d| (text::slugify(d, ctx.site.default_language()), d.clone()))
            .collect(),
    }
}

/// A project with its values for each of [`FACETS`], in that order.
type Faceted<'p> = (&'p Page, [Vec<(String, String)>; 4]);

/// The values of facet `facet` in `faceted`.
fn of<'f>(faceted: &'f Faceted, facet: &str) -> &'f [(String, String)] {
    let index = FACETS.iter().position(|f| *f == facet).unwrap_or(3);
    &faceted.1[index]
}

impl Context<'_> {
    /// The projects `query` selects, in listing order, and the filters to show; `false`
    /// when a filter names a value no project has (the page is then a 404).
    pub(super) fn filter_projects(
        &self,
        query: &ProjectQuery,
        lang: &str,
        base: &str,
    ) -> (Vec<&Page>, Filters, bool) {
        let projects: Vec<Faceted> = self
            .members(Section::Projects)
            .iter()
            .map(|p| (*p, FACETS.map(|facet| values(self, p, facet, lang))))
            .collect();
        let ui = self.ui(lang);
        let matches = |project: &Faceted, except: &str| {
            query.filters.iter().all(|(facet, wanted)| {
                *facet == except || of(project, facet).iter().any(|(value, _)| value == wanted)
            })
        };
        let selected: Vec<&Page> = projects
            .iter()
            .filter(|p| matches(p, ""))
            .map(|p| p.0)
            .collect();
        let mut filters = Filters::default();
        let mut known = true;
        for facet in FACETS {
            // Counts among the projects the other filters select.
            let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
            for project in projects.iter().filter(|p| matches(p, facet)) {
                for (value, label) in of(project, facet) {
                    counts.entry(value.clone()).or_insert((label.clone(), 0)).1 += 1;
                }
            }
            let active = query.filters.get(facet);
            if let Some(wanted) = active {
                let label = counts
                    .get(wanted)
                    .map_or_else(|| wanted.clone(), |(label, _)| label.clone());
                known &= self.is_known(facet, wanted, &projects);
                filters.active.push((
                    text::fill(&ui.remove_filter, &[("value", &label)]),
                    format!("{base}{}", query.with(facet, None)),
                ));
            }
            let mut values: Vec<FacetValue> = counts
                .into_iter()
                .map(|(value, (label, count))| FacetValue {
                    href: format!("{base}{}", query.with(facet, Some(&value))),
                    active: active == Some(&value),
                    label,
                    count,
                })
                .collect();
            values.sort_by_key(|v| text::sort_key(&v.label, lang));
            filters.facets.push(Facet {
                label: facet_label(ui, facet).to_owned(),
                values,
            });
        }
        if !query.filters.is_empty() {
            filters.clear_all = Some(base.to_owned());
        }
        if selected.is_empty() {
            filters.none = Some(ui.no_projects_match.clone());
        }
        (selected, filters, known)
    }

    /// A value the facet can have: a theme or country page's slug, a status, or a donor
    /// some project names.
    fn is_known(&self, facet: &str, value: &str, projects: &[Faceted]) -> bool {
        let section = match facet {
            "theme" => Section::Themes,
            "country" => Section::Countries,
            "status" => return matches!(value, "ongoing" | "completed"),
            _ => {
                return projects
                    .iter()
                    .any(|p| of(p, facet).iter().any(|(v, _)| v == value));
            }
        };
        self.members(section).iter().any(|p| p.slug == value)
    }
}

fn facet_label<'u>(ui: &'u crate::content::UiStrings, facet: &str) -> &'u str {
    match facet {
        "theme" => &ui.filter_theme,
        "country" => &ui.country,
        "status" => &ui.status,
        _ => &ui.filter_donor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_keep_known_filters_and_a_page() {
        let query = ProjectQuery::parse("theme=return&x=1&country=&status=ongoing&page=2");
        assert_eq!(query.filters.len(), 2);
        assert_eq!(query.filters["theme"], "return");
        assert_eq!(query.page, 2);
        assert_eq!(query.with("status", None), "?theme=return");
        assert_eq!(
            query.with("donor", Some("a b")),
            "?theme=return&status=ongoing&donor=a+b"
        );
        assert_eq!(query.on_page(3), "?theme=return&status=ongoing&page=3");
        assert_eq!(ProjectQuery::parse("page=x").page, 1);
        assert_eq!(ProjectQuery::parse("").with("theme", None), "");
    }
}
