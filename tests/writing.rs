//! What the content model offers for true, sourced writing: dates shown at exactly the
//! precision they are written, sources listed at a page's end, budgets, and the checks
//! that keep pages distinct and free of notes meant for editors.

mod common;

use std::fs;

use common::{copy_fixture, diagnostics, get, router};
use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions};
use wbt_site::content::source::Source;

#[tokio::test]
async fn dates_show_at_their_precision_in_each_language() {
    let app = router();
    let en = get(&app, "/projects/p-one/").await.text();
    assert!(en.contains("<dd>November 2019 – 2021</dd>"), "{en}");
    assert!(en.contains("<time datetime=\"2017\">2017</time>"), "{en}");
    assert!(
        en.contains("<time datetime=\"2020-03\">March 2020</time>"),
        "{en}"
    );
    assert!(
        en.contains("<time datetime=\"2020-03-18\">18 March 2020</time>"),
        "{en}"
    );
    assert!(!en.contains("1 November 2019"), "no invented day: {en}");

    let tr = get(&app, "/tr/projects/p-one/").await.text();
    assert!(tr.contains("<dd>Kasım 2019 – 2021</dd>"), "{tr}");
    assert!(
        tr.contains("<time datetime=\"2020-03\">Mart 2020</time>"),
        "{tr}"
    );
    assert!(
        tr.contains("<time datetime=\"2020-03-18\">18 Mart 2020</time>"),
        "{tr}"
    );
}

#[tokio::test]
async fn budgets_group_digits_by_language_and_say_when_they_are_rounded() {
    let app = router();
    let en = get(&app, "/projects/p-one/").await.text();
    assert!(
        en.contains("<dt>Budget</dt><dd>about EUR 1,700,000</dd>"),
        "{en}"
    );
    let tr = get(&app, "/tr/projects/p-one/").await.text();
    assert!(
        tr.contains("<dt>Bütçe</dt><dd>yaklaşık EUR 1.700.000</dd>"),
        "{tr}"
    );
}

#[tokio::test]
async fn sources_are_listed_at_the_end_escaped_and_linked_when_they_have_a_url() {
    let app = router();
    let page = get(&app, "/projects/p-one/").await.text();
    let list = &page[page
        .find("<h2 id=\"wbt-sources\">Sources</h2>")
        .expect("sources heading")..];
    assert!(
        list.contains("<li><cite>A yearly report</cite>, Fixture Publisher, "),
        "{list}"
    );
    assert!(
        list.contains(
            "<cite><a href=\"https://example.org/bulletin\">A monthly bulletin</a></cite>"
        ),
        "{list}"
    );
    assert!(
        list.contains("Fixture &#60;Publisher&#62;") || list.contains("Fixture &lt;Publisher&gt;"),
        "{list}"
    );
    assert!(
        page.find("What Project One did.") < page.find("wbt-sources"),
        "after the body"
    );
}

#[test]
fn bad_dates_and_sources_are_errors_that_list_the_accepted_forms() {
    let all = diagnostics("broken");
    let at = |line: usize, needle: &str| {
        assert!(
            all.iter().any(|d| d.file == "projects/bad-dates.md"
                && d.line == line
                && d.message.contains(needle)),
            "projects/bad-dates.md:{line}: …{needle}… among:\n{}",
            all.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    };
    let forms = "write a date as 2025-03-01, a month as \"2025-03\", a year as \"2025\"";
    at(6, &format!("`2021-13` is not a date: {forms}"));
    at(7, &format!("`Nov 2021` is not a date: {forms}"));
    at(
        8,
        "give either `period` (in words) or `start` and `end`, not both",
    );
    at(13, &format!("`2017` needs quotes: {forms}"));
    at(14, "is not a web address");
}

/// Loads `dir` and returns its warnings as `file:line: message` lines.
fn warnings(dir: &std::path::Path) -> Vec<String> {
    let options = BuildOptions {
        source: Source::Dir(dir.to_owned()),
        drafts: false,
        base_url: None,
        live_reload: false,
    };
    match build::load(&options, &Assets::embedded(), jiff::Timestamp::now()) {
        Ok(site) => site
            .warnings
            .iter()
            .map(|d| format!("{}:{}: {}", d.file, d.line, d.message))
            .collect(),
        Err(all) => panic!("{}", wbt_site::diagnostic::report(&all)),
    }
}

fn page(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndescription = \"A page.\"\n+++\n\n{body}\n")
}

#[test]
fn a_long_sentence_on_three_pages_is_a_warning_at_each_place() {
    let dir = copy_fixture("site");
    let shared = "The region is a destination, a transit route and a host for many people.";
    fs::write(
        dir.path().join("one.md"),
        page("One", &format!("Own words. {shared}")),
    )
    .unwrap();
    fs::write(
        dir.path().join("two.md"),
        page("Two", &format!("\n{shared}")),
    )
    .unwrap();
    fs::write(
        dir.path().join("three.md"),
        page("Three", &format!("## Heading\n\n{}", shared.to_uppercase())),
    )
    .unwrap();
    // On two pages only, and a short sentence on three: no warning.
    fs::write(
        dir.path().join("four.md"),
        page(
            "Four",
            "Twice is fine, said the editor of these pages today. Short one.",
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("five.md"),
        page(
            "Five",
            "Twice is fine, said the editor of these pages today. Short one.",
        ),
    )
    .unwrap();
    fs::write(dir.path().join("six.md"), page("Six", "Short one.")).unwrap();

    let found = warnings(dir.path());
    let repeats: Vec<&String> = found
        .iter()
        .filter(|w| w.contains("this sentence is also on"))
        .collect();
    assert_eq!(repeats.len(), 3, "{found:#?}");
    assert!(
        repeats
            .iter()
            .any(|w| w.starts_with("one.md:6: this sentence is also on three.md:8 and two.md:7")),
        "{repeats:#?}"
    );
}

#[test]
fn a_sentence_about_the_site_is_a_warning_but_an_html_comment_is_not() {
    let dir = copy_fixture("site");
    fs::write(
        dir.path().join("notes.md"),
        page(
            "Notes",
            "<!-- The start date is not published here. -->\n\nIts budget is not published here.",
        ),
    )
    .unwrap();
    let found = warnings(dir.path());
    let notes: Vec<&String> = found
        .iter()
        .filter(|w| w.contains("talks about the site"))
        .collect();
    assert_eq!(notes.len(), 1, "{found:#?}");
    assert!(notes[0].starts_with("notes.md:8:"), "{notes:#?}");
}

#[test]
fn a_project_or_news_item_without_sources_is_a_warning() {
    let dir = copy_fixture("site");
    let item = dir.path().join("news/2020-01-01-item-01.md");
    let text = fs::read_to_string(&item).unwrap();
    let cut = text.find("[[sources]]").expect("fixture cites a source");
    let end = text[cut..].find("+++").unwrap() + cut;
    fs::write(&item, format!("{}{}", &text[..cut], &text[end..])).unwrap();
    let found = warnings(dir.path());
    assert!(
        found
            .iter()
            .any(|w| w.starts_with("news/2020-01-01-item-01.md:2: this page cites no source")),
        "{found:#?}"
    );
    assert_eq!(
        found
            .iter()
            .filter(|w| w.contains("cites no source"))
            .count(),
        1,
        "{found:#?}"
    );
}
