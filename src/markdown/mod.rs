//! Markdown to safe HTML: one function, [`render`], from a page body to its HTML, its
//! table of contents and the problems found in it.
//!
//! CommonMark plus tables, footnotes, strikethrough, smart punctuation and heading
//! attributes. Every heading gets an id (its own `{#id}` or one made from its text, unique
//! in the page). Links written `@/section/page.md` name a content file; the caller's
//! resolver turns them into URLs or explains why it cannot. Raw HTML is allowed but the
//! whole output of a body that has any goes through ammonia (`safe_html`), so an editor
//! cannot inject script; what it removes is reported (`raw_html`).

mod checks;
mod raw_html;
mod safe_html;
mod sentences;

use std::ops::Range;

use foldhash::{HashSet, HashSetExt};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag};

use crate::diagnostic::Severity;
use checks::{MAX_NESTING, check_structure, inline_text, too_deep};
pub use sentences::{STOPS, Sentence};

/// A heading listed in a page's table of contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TocEntry {
    /// 2 or 3.
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A problem in a body, at a byte offset in that body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub offset: usize,
    pub severity: Severity,
    pub message: String,
}

/// A link written as a site path or as a `#fragment` of the page itself, for checking
/// against the real routes and ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalLink {
    /// Byte offset of the link in the body.
    pub offset: usize,
    /// The path, without query or fragment; empty for a link within the page (`#funding`).
    pub path: String,
    /// The fragment after `#`, percent-decoded, if there is one.
    pub anchor: Option<String>,
}

/// A rendered body, as a page keeps it.
#[derive(Clone, Debug, Default)]
pub struct Body {
    pub html: String,
    /// `h2` and `h3` headings, in order.
    pub toc: Vec<TocEntry>,
    /// The ids of the body's elements (headings, footnotes, raw HTML), for checking
    /// `#anchor` links.
    pub ids: Vec<String>,
}

/// What rendering a body gives: the body, and what the loader checks.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub body: Body,
    /// `@/` links with a `#anchor`.
    pub anchored_links: Vec<AnchoredLink>,
    /// Links and images to paths on this site written as paths (`/offices/`, `/media/a.pdf`).
    pub internal_links: Vec<InternalLink>,
    pub problems: Vec<Problem>,
    /// The visible sentences, for the prose checks.
    pub sentences: Vec<Sentence>,
}

/// How an `@/` link is resolved: the target after `@/` (a content file path, maybe with a
/// `#anchor`) in; a URL, a problem to report, or both, out.
pub type Resolve<'a> = dyn Fn(&str) -> Resolution + 'a;

/// The answer of a [`Resolve`]: the URL to link to (if any) and a problem (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub url: Option<String>,
    pub problem: Option<(Severity, String)>,
}

impl Resolution {
    pub fn ok(url: String) -> Self {
        Resolution {
            url: Some(url),
            problem: None,
        }
    }

    pub fn problem(severity: Severity, message: String) -> Self {
        Resolution {
            url: None,
            problem: Some((severity, message)),
        }
    }

    pub fn with_problem(url: String, severity: Severity, message: String) -> Self {
        Resolution {
            url: Some(url),
            problem: Some((severity, message)),
        }
    }
}

/// An `@/file.md#anchor` link, for checking the anchor once every page is rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchoredLink {
    /// Byte offset of the link in the body.
    pub offset: usize,
    pub file: String,
    pub anchor: String,
}

/// Renders `body`, written in `lang`, to sanitised HTML, resolving `@/` links with
/// `resolve`.
pub fn render(body: &str, lang: &str, resolve: &Resolve<'_>) -> Rendered {
    let mut events: Vec<(Event<'_>, Range<usize>)> = parse(body);

    let mut rendered = Rendered::default();
    if let Some(offset) = too_deep(&events) {
        rendered.problems.push(Problem {
            offset,
            severity: Severity::Error,
            message: format!(
                "quotes, lists, links or HTML nest here more than {MAX_NESTING} levels deep: \
                 flatten them"
            ),
        });
        return rendered;
    }
    check_structure(&events, &mut rendered);
    raw_html::check(body, &events, &mut rendered);
    rendered.sentences = sentences::sentences(&events);
    let mut used_ids = HashSet::new();
    for i in 0..events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 {
            let level = *level;
            let own_id = id.as_ref().map(|id| id.to_string());
            let text = heading_text(&events[i + 1..]);
            let id = unique_id(
                &own_id.unwrap_or_else(|| heading_slug(&text, lang)),
                &mut used_ids,
            );
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i].0 {
                *slot = Some(CowStr::from(id.clone()));
            }
            if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                rendered.body.toc.push(TocEntry {
                    level: level as u8,
                    id: id.clone(),
                    title: text,
                });
            }
        }
        let offset = events[i].1.start;
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) =
            &mut events[i].0
            && let Some(target) = dest_url.strip_prefix("@/")
        {
            if let Some((file, anchor)) = target.split_once('#') {
                rendered.anchored_links.push(AnchoredLink {
                    offset,
                    file: file.to_owned(),
                    anchor: anchor.to_owned(),
                });
            }
            let resolution = resolve(target);
            if let Some((severity, message)) = resolution.problem {
                rendered.problems.push(Problem {
                    offset,
                    severity,
                    message,
                });
            }
            if let Some(url) = resolution.url {
                *dest_url = CowStr::from(url);
            }
        }
    }

    rendered.body.html = safe_html::write(events, body.len() * 3 / 2);
    rendered.body.ids = element_ids(&rendered.body.html);
    rendered
}

/// The `id` of every element of `html` as written by the sanitiser (attributes in double
/// quotes, `"` and `&` escaped), unescaped. The layout ids' test reads the templates'
/// with it too.
pub(crate) fn element_ids(html: &str) -> Vec<String> {
    const ATTRIBUTE: &str = " id=\"";
    memchr::memmem::find_iter(html.as_bytes(), ATTRIBUTE)
        .filter_map(|at| {
            let value = &html[at + ATTRIBUTE.len()..];
            let value = &value[..value.find('"')?];
            if !value.contains('&') {
                return Some(value.to_owned());
            }
            Some(
                value
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

/// The events of `body` with their byte ranges, parsed with the extensions pages use.
fn parse(body: &str) -> Vec<(Event<'_>, Range<usize>)> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    Parser::new_ext(body, options).into_offset_iter().collect()
}

/// The plain text of a heading whose start event came just before `events`.
fn heading_text(events: &[(Event<'_>, Range<usize>)]) -> String {
    inline_text(events).0.trim().to_owned()
}

/// A heading's id from its text: a slug by the rules of its language, or `section`.
fn heading_slug(text: &str, lang: &str) -> String {
    let slug = crate::text::slugify(text, lang);
    if slug.is_empty() {
        "section".to_owned()
    } else {
        slug
    }
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = base.to_owned();
    let mut n = 1;
    while !used.insert(candidate.clone()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// A resolver that finds no page, for tests.
#[cfg(test)]
fn no_links(target: &str) -> Resolution {
    Resolution::problem(Severity::Error, format!("no page {target}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ids_of_headings_footnotes_and_raw_html_are_known() {
        let out = render(
            "## Scope\n\nSee[^note].\n\n[^note]: A note.\n\n<p id=\"a&amp;b\">Raw.</p>\n",
            "en",
            &no_links,
        );
        assert_eq!(out.body.ids, ["scope", "note", "a&b"]);
    }

    #[test]
    fn headings_get_unique_ids_and_a_toc() {
        let out = render(
            "## Türkiye's role\n\n## Türkiye's role\n\n### Sub {#own}\n",
            "en",
            &no_links,
        );
        assert!(
            out.body.html.contains("<h2 id=\"turkiyes-role\">"),
            "{}",
            out.body.html
        );
        assert!(out.body.html.contains("<h2 id=\"turkiyes-role-1\">"));
        assert!(out.body.html.contains("<h3 id=\"own\">"));
        assert_eq!(out.body.toc.len(), 3);
        assert_eq!(out.body.toc[0].title, "Türkiye’s role");
    }

    #[test]
    fn accessibility_problems_are_found() {
        let out = render(
            "# Title again\n\n#### Deep\n\n![](/media/a.png) [](/x/) [click here](/y/) [Belgrade office](/offices/belgrade/#top)\n\n<img src=\"/b.png\">\n",
            "en",
            &no_links,
        );
        let messages: Vec<_> = out
            .problems
            .iter()
            .map(|p| (p.severity, p.message.as_str()))
            .collect();
        assert!(
            messages
                .iter()
                .any(|(s, m)| *s == Severity::Warning && m.contains("a second h1"))
        );
        assert!(
            messages
                .iter()
                .any(|(_, m)| m.contains("jumps from h1 to h4"))
        );
        assert!(messages.iter().any(|(s, m)| *s == Severity::Error && m.contains("`/media/a.png` has no alt text")));
        assert!(
            messages
                .iter()
                .any(|(_, m)| m.contains("link to `/x/` has no text"))
        );
        assert!(
            messages
                .iter()
                .any(|(_, m)| m.contains("\"click here\" says nothing"))
        );
        assert!(
            messages
                .iter()
                .any(|(s, m)| *s == Severity::Error && m.contains("<img> without an alt"))
        );
        assert_eq!(out.problems.len(), 6, "{messages:?}");
        let paths: Vec<_> = out.internal_links.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/media/a.png", "/x/", "/y/", "/offices/belgrade/", "/b.png"]
        );
    }

    #[test]
    fn addresses_that_lead_nowhere_get_the_form_that_works() {
        let out = render(
            "![Map](media/map.png) [B](offices/b.md) [C](@offices/c.md#x) <info@example.org> [D](https://x.org/) [E](#top) [F](www.x.org)",
            "en",
            &no_links,
        );
        let messages: Vec<&str> = out.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].ends_with("did you mean `/media/map.png`?"));
        assert!(messages[1].ends_with("did you mean `@/offices/b.md`?"));
        assert!(messages[2].ends_with("did you mean `@/offices/c.md#x`?"));
        assert!(messages[3].ends_with("did you mean `https://www.x.org`?"));
        assert_eq!(out.problems[0].offset, 0);
    }

    #[test]
    fn at_links_are_resolved_or_reported_at_their_offset() {
        let resolve = |t: &str| {
            if t == "about.md" {
                Resolution::ok("/about/".to_owned())
            } else {
                no_links(t)
            }
        };
        let out = render("[a](@/about.md) and [b](@/missing.md)", "en", &resolve);
        assert!(out.body.html.contains("href=\"/about/\""));
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].offset, 20);
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_and_renders_nothing() {
        let deep = |unit: &str, n: usize| render(&format!("{}x", unit.repeat(n)), "en", &no_links);
        for unit in ["> ", "<div>", "<blockquote><span>"] {
            let out = deep(unit, 1000);
            assert!(out.body.html.is_empty(), "{unit}");
            assert!(out.problems[0].message.contains("levels deep"), "{unit}");
        }
        for (unit, n) in [
            ("> ", 50),
            ("<br>", 1000),
            ("<p/>", 1000),
            ("<i></i>", 1000),
        ] {
            let out = deep(unit, n);
            assert!(out.problems.is_empty(), "{unit}: {:?}", out.problems);
        }
    }
}
