//! Raw HTML in a body, read as the sanitiser will read it: each element or attribute
//! that ammonia removes is a warning naming it and saying what to write instead (an
//! `<iframe>` video becomes a link to the video), and each `href` and `src` it keeps is
//! checked like a Markdown link.

use std::cell::RefCell;
use std::ops::Range;

use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use pulldown_cmark::Event;

use super::checks::{internal_link, miswritten_link};
use super::safe_html::SANITISER;
use super::{Problem, Rendered};
use crate::diagnostic::Severity;

/// Collects the start tags of a piece of HTML.
struct StartTags(RefCell<Vec<Tag>>);

impl TokenSink for StartTags {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
        {
            self.0.borrow_mut().push(tag);
        }
        TokenSinkResult::Continue
    }
}

fn start_tags(html: &str) -> Vec<Tag> {
    let tokenizer = Tokenizer::new(
        StartTags(RefCell::new(Vec::new())),
        TokenizerOpts::default(),
    );
    let queue = BufferQueue::default();
    queue.push_back(html.into());
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Checks every run of raw HTML in `events` (a body's, `body` its text).
pub(super) fn check(body: &str, events: &[(Event<'_>, Range<usize>)], rendered: &mut Rendered) {
    let mut i = 0;
    while i < events.len() {
        let (Event::Html(_) | Event::InlineHtml(_)) = &events[i].0 else {
            i += 1;
            continue;
        };
        // An HTML block comes as one event per line: read it whole.
        let start = events[i].1.start;
        let mut end = events[i].1.end;
        i += 1;
        while let Some((Event::Html(_), range)) = events.get(i) {
            end = range.end;
            i += 1;
        }
        check_run(&body[start..end], start, rendered);
    }
}

/// Checks one piece of raw HTML found at byte `offset` of the body.
fn check_run(html: &str, offset: usize, rendered: &mut Rendered) {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    for tag in start_tags(html) {
        let name = tag.name.to_string();
        let at = lower[from..].find(&format!("<{name}")).map_or(offset, |i| {
            from += i + 1;
            offset + from - 1
        });
        let warning = |message: String| Problem {
            offset: at,
            severity: Severity::Warning,
            message,
        };
        if !SANITISER.clone_tags().contains(name.as_str()) {
            let src = attribute(&tag, "src");
            let message = removed_element(&name, src.as_deref());
            rendered.problems.push(warning(message));
            continue;
        }
        for attr in &tag.attrs {
            let attr_name = attr.name.local.to_string();
            let value = attr.value.to_string();
            if !kept_attribute(&name, &attr_name) {
                let message = removed_attribute(&name, &attr_name);
                rendered.problems.push(warning(message));
            } else if matches!(attr_name.as_str(), "href" | "src") {
                check_address(&value, at, rendered);
            }
        }
    }
}

fn attribute(tag: &Tag, name: &str) -> Option<String> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.to_string())
}

fn kept_attribute(tag: &str, attribute: &str) -> bool {
    SANITISER.clone_generic_attributes().contains(attribute)
        || SANITISER
            .clone_tag_attributes()
            .get(tag)
            .is_some_and(|kept| kept.contains(attribute))
}

/// An `href` or `src` that the sanitiser keeps, checked as a Markdown link is.
fn check_address(value: &str, at: usize, rendered: &mut Rendered) {
    let scheme = value
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
        .filter(|scheme| !scheme.contains('/'));
    let problem = if value.starts_with("@/") {
        Some((
            Severity::Error,
            format!("`{value}` works only in a Markdown link: write [the link's text]({value})"),
        ))
    } else if let Some(scheme) = scheme
        && !SANITISER.clone_url_schemes().contains(scheme.as_str())
    {
        Some((
            Severity::Warning,
            format!(
                "the address `{value}` is removed from the page: link only to web pages (https://), e-mail (mailto:) or phone numbers (tel:)"
            ),
        ))
    } else {
        miswritten_link(value).map(|message| (Severity::Error, message))
    };
    match problem {
        Some((severity, message)) => rendered.problems.push(Problem {
            offset: at,
            severity,
            message,
        }),
        None => rendered.internal_links.extend(internal_link(at, value)),
    }
}

/// What to say of an element the sanitiser removes, and what to write instead.
fn removed_element(name: &str, src: Option<&str>) -> String {
    let what = if SANITISER.clone_clean_content_tags().contains(name) {
        " with its content"
    } else {
        ""
    };
    let instead = match name {
        "iframe" | "video" | "audio" | "embed" | "object" => match src {
            Some(src) if !src.is_empty() => {
                format!("link to the video instead, as in [Watch the video]({src})")
            }
            _ => "link to the video instead, as in [Watch the video](https://...)".to_owned(),
        },
        "script" | "noscript" => "pages run no scripts of their own".to_owned(),
        "style" | "link" => {
            "the theme sets the look: use Markdown (**bold**, ## headings, lists) instead"
                .to_owned()
        }
        "form" | "input" | "button" | "select" | "textarea" | "label" => {
            "forms cannot work in a page: link to the form where it lives".to_owned()
        }
        _ => "use Markdown or one of the usual HTML elements (p, a, img, table, figure) instead"
            .to_owned(),
    };
    format!("`<{name}>` is removed from the page{what}: {instead}")
}

/// What to say of an attribute the sanitiser removes, and what to do instead.
fn removed_attribute(tag: &str, name: &str) -> String {
    let instead = if name.starts_with("on") {
        "pages run no scripts of their own"
    } else if name == "style" {
        "the theme sets the look: use Markdown (**bold**, ## headings, lists) instead"
    } else if name == "target" {
        "links open where the visitor chooses: leave it out"
    } else {
        "leave it out: the theme sets sizes and looks"
    };
    format!("`{name}` on `<{tag}>` is removed from the page: {instead}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(html: &str) -> Vec<(usize, String)> {
        let mut rendered = Rendered::default();
        check_run(html, 100, &mut rendered);
        rendered
            .problems
            .into_iter()
            .map(|p| (p.offset, p.message))
            .collect()
    }

    #[test]
    fn removed_elements_and_attributes_are_named_with_what_to_do() {
        let found =
            problems("<p onclick=\"x()\">Hi</p>\n<iframe src=\"https://v.example/1\"></iframe>");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 100);
        assert!(found[0].1.contains("`onclick` on `<p>`"), "{found:?}");
        assert_eq!(found[1].0, 124);
        assert!(
            found[1]
                .1
                .contains("[Watch the video](https://v.example/1)"),
            "{found:?}"
        );
    }

    #[test]
    fn addresses_in_html_are_checked_like_markdown_links() {
        let found = problems("<a href=\"media/a.pdf\">A</a> <a href=\"javascript:x()\">B</a>");
        assert!(
            found[0].1.contains("did you mean `/media/a.pdf`?"),
            "{found:?}"
        );
        assert!(found[1].1.contains("is removed from the page"), "{found:?}");
        assert!(problems("<a href=\"https://example.org/\">C</a>").is_empty());
    }
}
