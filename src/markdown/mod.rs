//! Markdown to safe HTML: one function, [`render`], from a page body to its HTML, its
//! table of contents and the problems found in it.
//!
//! CommonMark plus tables, footnotes, strikethrough, smart punctuation and heading
//! attributes. Every heading gets an id (its own `{#id}` or one made from its text, unique
//! in the page). Links written `@/section/page.md` name a content file; the caller's
//! resolver turns them into URLs or explains why it cannot. Raw HTML is allowed but the
//! whole output of a body that has any goes through ammonia, so an editor cannot inject
//! script; what it removes is reported (`raw_html`).

mod checks;
mod raw_html;
mod sentences;

use std::ops::Range;
use std::sync::LazyLock;

use foldhash::{HashSet, HashSetExt};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag};

use crate::diagnostic::Severity;
use checks::{MAX_NESTING, check_structure, inline_text, too_deep};
pub use sentences::Sentence;

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

/// A link written as a site path, for checking against the real routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalLink {
    /// Byte offset of the link in the body.
    pub offset: usize,
    /// The path, without query or fragment.
    pub path: String,
}

/// A rendered body, as a page keeps it.
#[derive(Clone, Debug, Default)]
pub struct Body {
    pub html: String,
    /// `h2` and `h3` headings, in order.
    pub toc: Vec<TocEntry>,
    /// The ids of every heading, for checking `#anchor` links.
    pub heading_ids: Vec<String>,
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
            rendered.body.heading_ids.push(id);
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

    let sanitise = needs_sanitising(&events);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(event, _)| event));
    // Only a table with aligned columns has them: three passes over every body were 7 %
    // of `check`'s time on a large site.
    if html.contains(" style=\"text-align: ") {
        html = html
            .replace(" style=\"text-align: left\"", " class=\"align-left\"")
            .replace(" style=\"text-align: center\"", " class=\"align-center\"")
            .replace(" style=\"text-align: right\"", " class=\"align-right\"");
    }
    rendered.body.html = if sanitise || !serialised_as_ammonia_would(&html) {
        SANITISER.clean(&html).to_string()
    } else {
        // Tests render every page in debug builds: each proves the shortcut changes nothing.
        debug_assert_eq!(SANITISER.clean(&html).to_string(), html);
        // Kept for as long as the site is: copied without the spare room `replace` left
        // (shrinking in place keeps up to half of it).
        html.as_str().to_owned()
    };
    rendered
}

/// Whether a body's HTML must go through ammonia. pulldown-cmark escapes every text and
/// attribute it writes, so only what it passes through can run: raw HTML, a heading's
/// own attributes (`{onclick=…}`), and a link or image whose URL has a scheme other than
/// http, https, mailto and tel. A body with none of them is safe as written, and skips
/// the sanitiser (a quarter of `check`'s time on a large site).
fn needs_sanitising(events: &[(Event<'_>, Range<usize>)]) -> bool {
    events.iter().any(|(event, _)| match event {
        Event::Html(_) | Event::InlineHtml(_) => true,
        Event::Start(Tag::Heading { attrs, .. }) => !attrs.is_empty(),
        Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
            !is_plain_url(dest_url)
        }
        _ => false,
    })
}

/// Whether `html`, as pulldown-cmark wrote it, is byte for byte what ammonia would write,
/// so that skipping it changes no page. They differ on void elements (`<br />`, `<hr />`,
/// `<img … />`), on a no-break space (`&nbsp;` in ammonia's) and inside attributes, where
/// only pulldown-cmark escapes `<`, `>` and `'`: a body with any of these is sanitised.
fn serialised_as_ammonia_would(html: &str) -> bool {
    let in_attributes = html
        .split('<')
        .skip(1)
        .filter_map(|tag| tag.split_once('>').map(|(inside, _)| inside))
        .any(|inside| inside.contains("&lt;") || inside.contains("&gt;") || inside.contains("&#"));
    !(in_attributes || html.contains(" />") || html.contains('\u{a0}'))
}

/// Whether a browser reads `url` as relative or as http, https, mailto or tel. It drops
/// tabs and line breaks and trims spaces and control characters first (WHATWG URL), so
/// `java\tscript:` is a scheme; anything unsure counts as not plain.
fn is_plain_url(url: &str) -> bool {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    match url.find([':', '/', '?', '#']) {
        Some(colon) if url[colon..].starts_with(':') => {
            let scheme = url[..colon].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
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

/// ammonia, configured to keep what Markdown itself produces (heading ids, footnote
/// classes, code language classes, table alignment classes) and nothing that runs.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes(["id", "class", "lang", "dir", "title"])
        .add_tags(["figure", "figcaption", "section"])
        .link_rel(None);
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    fn no_links(target: &str) -> Resolution {
        Resolution::problem(Severity::Error, format!("no page {target}"))
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

    /// Every construct Markdown makes without raw HTML, as the fast path writes it.
    const PLAIN_MARKDOWN: &str = "# Title\n\n## Türkiye's \"role\" & \\<work> {#own .wide}\n\n\
        A line  \nbreak, *em*, **strong**, ~~del~~, `code <b>`, a [link](/about/ \"Its 'title'\"),\n\
        <https://www.icmpd.org/>, [mail](mailto:a@example.org), [phone](tel:+90), an\n\
        ![image \"alt\" & more](/media/a.png \"t\") and a note.[^1] Quotes \"here\" -- and 'there'...\n\n\
        ---\n\n> quoted\n> > twice\n\n3. three\n4. four\n\n- a\n\n  - b\n\n\
        ```rust x\"y\nfn main() { \"<&>\" }\n```\n\n    indented & <code>\n\n\
        | left | centre | right |\n|:--|:-:|--:|\n| a & b | `c` | [d](#own) |\n\n\
        [^1]: The note, with *emphasis*.\n\nA&nbsp;non-breaking space, &copy; and &#106;.\n";

    #[test]
    fn markdown_without_raw_html_skips_ammonia_and_writes_what_it_would() {
        assert!(!needs_sanitising(&parse(PLAIN_MARKDOWN)));
        // The sample as a whole, and each construct the two write differently alone.
        for markdown in [
            PLAIN_MARKDOWN,
            "a  \nb\n",
            "---\n",
            "![a](/a.png)\n",
            "a&nbsp;b\n",
            "[a](/a/ \"it's <b>\")\n",
            "[a](/it's/)\n",
            "## It's {#it's .a<b}\n",
        ] {
            let html = render(markdown, "en", &no_links).body.html;
            assert_eq!(SANITISER.clean(&html).to_string(), html, "{markdown}");
        }
        let plain = render(
            "## Plain\n\nA [link](/about/#plain) & *more*.\n",
            "en",
            &no_links,
        );
        assert!(
            serialised_as_ammonia_would(&plain.body.html),
            "{}",
            plain.body.html
        );
    }

    #[test]
    fn raw_html_heading_attributes_and_other_schemes_go_through_ammonia() {
        for body in [
            "a <b>b</b>\n",
            "<div>\n\nb\n\n</div>\n",
            "## Title {onclick=\"alert(1)\"}\n",
            "[a](javascript:alert(1))\n",
            "[a](JavaScript:alert(1))\n",
            "[a](<java\tscript:alert(1)>)\n",
            "[a](&#106;avascript:alert(1))\n",
            "![a](data:image/svg+xml,x)\n",
            "[a](vbscript:x)\n",
        ] {
            assert!(needs_sanitising(&parse(body)), "{body}");
            let html = render(body, "en", &no_links).body.html;
            for unsafe_text in ["onclick", "javascript:", "data:", "vbscript:"] {
                assert!(!html.to_lowercase().contains(unsafe_text), "{body}: {html}");
            }
        }
        for url in [
            "/about/",
            "#own",
            "page?a=b:c",
            "https://a.b/",
            " HTTP://a.b/",
            "mailto:x@y",
        ] {
            assert!(is_plain_url(url), "{url}");
        }
    }

    #[test]
    fn script_is_removed_and_alignment_becomes_a_class() {
        let out = render(
            "<script>alert(1)</script><p onclick=\"x()\">hi</p>\n\n| a |\n|:-:|\n| b |\n",
            "en",
            &no_links,
        );
        assert!(!out.body.html.contains("script"));
        assert!(!out.body.html.contains("onclick"));
        assert!(out.body.html.contains("class=\"align-center\""));
        assert!(!out.body.html.contains("style="));
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
