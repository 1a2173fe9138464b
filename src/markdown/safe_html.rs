//! Markdown events written out as the HTML a page may carry: table alignment as classes
//! (the site's content security policy allows no inline style), and through ammonia
//! whatever could run. pulldown-cmark escapes every text and attribute it writes itself,
//! so a body with nothing ammonia would change skips it (it was a quarter of `check`'s
//! time on a large site); debug builds check each such body against ammonia.

use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Tag};

/// `events` as HTML (`capacity` bytes reserved for it), made safe.
pub(super) fn write(events: Vec<(Event<'_>, Range<usize>)>, capacity: usize) -> String {
    let sanitise = needs_sanitising(&events);
    let mut html = String::with_capacity(capacity);
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(event, _)| event));
    // Only a table with aligned columns has them.
    if html.contains(ALIGN_STYLE) {
        html = alignment_as_classes(&html);
    }
    if sanitise || !serialised_as_ammonia_would(&html) {
        SANITISER.clean(&html).to_string()
    } else {
        // Tests render every page in debug builds: each proves the shortcut changes nothing.
        debug_assert_eq!(SANITISER.clean(&html).to_string(), html);
        // Kept for as long as the site is: copied without the spare room `replace` left
        // (shrinking in place keeps up to half of it).
        html.as_str().to_owned()
    }
}

/// How pulldown-cmark aligns a table cell: ` style="text-align: left"`.
const ALIGN_STYLE: &str = " style=\"text-align: ";

/// `html` with each cell's alignment style as a class (`class="align-left"`), in one pass.
fn alignment_as_classes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(ALIGN_STYLE) {
        out.push_str(&rest[..at]);
        let after = &rest[at + ALIGN_STYLE.len()..];
        let side = ["left", "center", "right"]
            .into_iter()
            .find(|side| after.strip_prefix(side).is_some_and(|a| a.starts_with('"')));
        match side {
            Some(side) => {
                out.push_str(" class=\"align-");
                out.push_str(side);
                out.push('"');
                rest = &after[side.len() + 1..];
            }
            None => {
                out.push_str(ALIGN_STYLE);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a body's HTML must go through ammonia. pulldown-cmark escapes every text and
/// attribute it writes, so only what it passes through can run: raw HTML, a heading's
/// own attributes (`{onclick=…}`), and a link or image whose URL has a scheme other than
/// http, https, mailto and tel. A body with none of them is safe as written.
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

/// ammonia, configured to keep what Markdown itself produces (heading ids, footnote
/// classes, code language classes, table alignment classes) and nothing that runs.
pub(super) static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
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
    use crate::markdown::{no_links, parse, render};

    #[test]
    fn cell_alignment_becomes_a_class() {
        let html = "<th style=\"text-align: left\">A</th><td style=\"text-align: center\">B</td>\
                    <td style=\"text-align: right\">C</td><td style=\"text-align: justify\">D</td>";
        assert_eq!(
            alignment_as_classes(html),
            "<th class=\"align-left\">A</th><td class=\"align-center\">B</td>\
             <td class=\"align-right\">C</td><td style=\"text-align: justify\">D</td>"
        );
        let body = "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n";
        let html = render(body, "en", &no_links).body.html;
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains("<td class=\"align-center\">2</td>"), "{html}");
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
}
