//! What [`super::render`] checks in a body beside turning it into HTML: how deep it
//! nests, heading levels, images without alt text, empty or vague link text, addresses
//! that lead nowhere as written (`media/a.png`, `offices/a.md`), and links written as
//! site paths (kept for checking against the real routes once every page exists).

use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Tag};

use super::{InternalLink, Problem, Rendered};
use crate::diagnostic::Severity;

/// The text inside the element whose start event came just before `events`, up to its
/// end, and whether it holds an image.
pub(super) fn inline_text(events: &[(Event<'_>, Range<usize>)]) -> (String, bool) {
    let mut text = String::new();
    let mut depth = 0usize;
    let mut has_image = false;
    for (event, _) in events {
        match event {
            Event::Start(Tag::Image { .. }) => {
                has_image = true;
                depth += 1;
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => break,
            Event::End(_) => depth -= 1,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    (text, has_image)
}

/// How deep elements may nest in a body: quotes, lists, links, emphasis and raw HTML
/// inside one another. Real pages stay under 10; the HTML parser of the sanitiser takes
/// time in the square of the depth, so a page nested 100,000 deep would stall a build.
pub(super) const MAX_NESTING: usize = 100;

/// The byte offset in the body where nesting goes deeper than [`MAX_NESTING`], if it does.
/// Raw HTML counts each opening tag that is neither void nor self-closing as one level
/// and each closing tag as one level less (an over-estimate where HTML leaves elements
/// open, which only matters past a hundred of them).
pub(super) fn too_deep(events: &[(Event<'_>, Range<usize>)]) -> Option<usize> {
    let mut depth = 0usize;
    for (event, range) in events {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => depth = html_depth(depth, html),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Some(range.start);
        }
    }
    None
}

/// Elements that never hold anything.
const VOID_ELEMENTS: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// `depth` after the tags in `html`.
fn html_depth(mut depth: usize, html: &str) -> usize {
    for (at, _) in html.match_indices('<') {
        let rest = &html[at + 1..];
        if rest.starts_with('/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        // Up to the next `<` at most, so that the whole scan stays linear.
        let end = rest.find(['>', '<']).unwrap_or(rest.len());
        let self_closing = rest[..end].ends_with('/');
        if !name.is_empty() && !self_closing && !VOID_ELEMENTS.contains(&name.as_str()) {
            depth += 1;
        }
        if depth > MAX_NESTING {
            break;
        }
    }
    depth
}

/// Link texts that say nothing once read out of context, as screen reader users often do.
const VAGUE_LINK_TEXTS: [&str; 8] = [
    "click here",
    "here",
    "read more",
    "more",
    "link",
    "this link",
    "learn more",
    "this page",
];

/// Checks a body's structure for readers of assistive technology: images need alt text;
/// headings start at `##` and do not skip levels; links say where they go. Also checks
/// how addresses are written, and collects those written as site paths.
pub(super) fn check_structure(events: &[(Event<'_>, Range<usize>)], rendered: &mut Rendered) {
    let mut previous_level = 1;
    let mut problem = |offset: usize, severity: Severity, message: String| {
        rendered.problems.push(Problem {
            offset,
            severity,
            message,
        });
    };
    let mut addresses = Vec::new();
    for (i, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = *level as usize;
                if level == 1 {
                    problem(
                        range.start,
                        Severity::Warning,
                        "a second h1: the page title is the page's h1, so start headings in the text at ##".to_owned(),
                    );
                } else if level > previous_level + 1 {
                    problem(
                        range.start,
                        Severity::Warning,
                        format!(
                            "the heading jumps from h{previous_level} to h{level}: do not skip levels"
                        ),
                    );
                }
                previous_level = level;
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                if inline_text(&events[i + 1..]).0.trim().is_empty() {
                    problem(
                        range.start,
                        Severity::Error,
                        format!(
                            "the image `{dest_url}` has no alt text: describe it between the brackets, ![like this]({dest_url})"
                        ),
                    );
                }
                addresses.push((range.start, dest_url));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                if let Some(message) = link_text_problem(dest_url, &events[i + 1..]) {
                    problem(range.start, Severity::Warning, message);
                }
                // An e-mail autolink's address has no `mailto:` yet.
                if *link_type != LinkType::Email {
                    addresses.push((range.start, dest_url));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let lower = html.to_lowercase();
                if lower.contains("<img") && !lower.contains("alt=") {
                    problem(
                        range.start,
                        Severity::Error,
                        "an <img> without an alt attribute: add alt=\"...\" describing it"
                            .to_owned(),
                    );
                }
            }
            _ => {}
        }
    }
    let mut internal_links = Vec::new();
    for (offset, dest) in addresses {
        if let Some(message) = miswritten_link(dest) {
            problem(offset, Severity::Error, message);
        }
        internal_links.extend(internal_link(offset, dest));
    }
    rendered.internal_links = internal_links;
}

/// What is wrong with the text of a link to `dest` whose start event came just before
/// `events`: none at all, or words that say nothing out of context.
fn link_text_problem(dest: &str, events: &[(Event<'_>, Range<usize>)]) -> Option<String> {
    let (text, has_image) = inline_text(events);
    let text = text.trim().to_lowercase();
    if text.is_empty() && !has_image {
        Some(format!("the link to `{dest}` has no text"))
    } else if VAGUE_LINK_TEXTS.contains(&text.trim_end_matches(['.', '…'])) {
        Some(format!(
            "the link text \"{text}\" says nothing on its own: name where the link goes"
        ))
    } else {
        None
    }
}

/// `dest` as a link to check, if it is a site path (`/x/`, `/x/#part`, not `//host/x` or
/// `https://...`) or a part of the page itself (`#part`).
pub(super) fn internal_link(offset: usize, dest: &str) -> Option<InternalLink> {
    if !dest.starts_with(['/', '#']) || dest.starts_with("//") {
        return None;
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor).filter(|a| !a.is_empty())),
        None => (dest, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() && anchor.is_none() {
        return None;
    }
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some(InternalLink {
        offset,
        path: decode(path),
        anchor: anchor.map(decode),
    })
}

/// What is wrong with a link or image address `dest` that points into the site but leads
/// nowhere as written, with the form that works: a path relative to the page
/// (`media/map.png`), a content file without `@/` (`offices/belgrade.md`,
/// `@offices/belgrade.md`). `None` for site paths, `@/` links, anchors and web addresses.
pub(super) fn miswritten_link(dest: &str) -> Option<String> {
    if dest.is_empty() || dest.starts_with(['/', '#', '?']) || dest.starts_with("@/") {
        return None;
    }
    let scheme = dest.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if scheme {
        return None;
    }
    if dest.starts_with("www.") {
        return Some(format!(
            "`{dest}` has no `https://`, so it is read as a path of this site: did you mean `https://{dest}`?"
        ));
    }
    if let Some(rest) = dest.strip_prefix('@') {
        return Some(format!(
            "`{dest}` needs a `/` after the `@`: did you mean `@/{rest}`?"
        ));
    }
    let mut path = dest;
    while let Some(rest) = path.strip_prefix("./").or_else(|| path.strip_prefix("../")) {
        path = rest;
    }
    let file = path.split(['#', '?']).next().unwrap_or(path);
    Some(if file.ends_with(".md") {
        format!(
            "`{dest}` names a content file without `@/`, so it leads nowhere: did you mean `@/{path}`?"
        )
    } else {
        format!(
            "`{dest}` is relative to the page's own address, so it leads nowhere: did you mean `/{path}`?"
        )
    })
}
