//! Search and project filters, rendered per request through the real router: words found
//! whatever their case, marks or endings, drafts never, any input safe, results paged;
//! filters that combine, count, clear, and answer an unknown value with a 404.

mod common;

use std::fs;

use common::{copy_fixture, get, router, router_for};
use wbt_site::build::BuildOptions;
use wbt_site::content::source::Source;

/// The router over the `site` fixture with one page about the region added.
fn router_with_region_page() -> (tempfile::TempDir, wbt_site::server::App) {
    router_with_page(
        "region.md",
        "+++\ntitle = \"Routes through Türkiye\"\ndescription = \"Priština and İstanbul on the map.\"\n+++\n\nPeople returning home get help from IBM teams.\n",
    )
}

/// The router over the `site` fixture with the page `file` (its `text`) added.
fn router_with_page(file: &str, text: &str) -> (tempfile::TempDir, wbt_site::server::App) {
    let dir = copy_fixture("site");
    fs::write(dir.path().join(file), text).unwrap();
    let app = router_for(&BuildOptions {
        source: Source::Dir(dir.path().to_owned()),
        drafts: false,
        base_url: None,
        live_reload: false,
    });
    (dir, app)
}

async fn titles(app: &wbt_site::server::App, uri: &str) -> Vec<String> {
    let page = get(app, uri).await;
    assert_eq!(page.status, 200, "{uri}");
    page.text()
        .split("class=\"search-results__title\"><a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn words_are_found_whatever_their_case_marks_or_endings() {
    let (_dir, app) = router_with_region_page();
    for query in ["turkiye", "TÜRKIYE", "pristina", "istanbul", "ibm", "IBM"] {
        let found = titles(&app, &format!("/search?q={query}")).await;
        assert_eq!(
            found.first().map(String::as_str),
            Some("/region/"),
            "{query}: {found:?}"
        );
    }
    // `return` finds `returning` (and the theme called Return first, by its title).
    let found = titles(&app, "/search?q=return").await;
    assert!(found.contains(&"/region/".to_owned()), "{found:?}");
}

#[tokio::test]
async fn the_title_outweighs_the_body_and_matches_are_marked() {
    let app = router();
    let found = titles(&app, "/search?q=alpha").await;
    assert_eq!(
        found.first().map(String::as_str),
        Some("/offices/alpha/"),
        "{found:?}"
    );
    let page = get(&app, "/search?q=history").await.text();
    assert!(page.contains("<mark>history</mark>"), "{page}");
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    let sitemap = get(&app, "/sitemap.xml").await.text();
    assert!(
        !sitemap.contains("search"),
        "search pages are not in the sitemap"
    );
}

#[tokio::test]
async fn an_excerpt_keeps_headings_and_list_items_apart() {
    let (_dir, app) = router_with_page(
        "seats.md",
        "+++\ntitle = \"Seats\"\ndescription = \"Where the teams sit.\"\n+++\n\n\
         ## Our seats\n\nWe have two: \n\n- Istanbul, the main seat\n- Ankara\n\nBoth host Kestrel teams.\n",
    );
    let page = get(&app, "/search?q=kestrel").await.text();
    assert!(
        page.contains("Our seats · We have two: Istanbul, the main seat · Ankara · Both host <mark>Kestrel</mark> teams"),
        "{page}"
    );
}

#[tokio::test]
async fn drafts_and_scheduled_pages_are_never_found() {
    let app = router();
    assert!(titles(&app, "/search?q=draft").await.is_empty());
    assert!(titles(&app, "/search?q=future").await.is_empty());
}

#[tokio::test]
async fn results_come_ten_to_a_page_with_a_count() {
    let app = router();
    let first = get(&app, "/search?q=news+item").await.text();
    assert!(first.contains("23 results for “news item”"), "{first}");
    assert_eq!(titles(&app, "/search?q=news+item").await.len(), 10);
    assert_eq!(titles(&app, "/search?q=news+item&page=3").await.len(), 3);
    // Later pages number on from the earlier ones.
    assert!(first.contains("<ol class=\"search-results\">"), "{first}");
    let third = get(&app, "/search?q=news+item&page=3").await.text();
    assert!(
        third.contains("<ol class=\"search-results\" start=\"21\">"),
        "{third}"
    );
    assert!(
        first.contains("href=\"/search?q=news+item&#38;page=2\" rel=\"next\""),
        "{first}"
    );
}

#[tokio::test]
async fn a_page_past_the_last_finds_nothing_and_fails_nothing() {
    let app = router();
    for page in ["5", "1844674407370955161", "18446744073709551615"] {
        let uri = format!("/search?q=news+item&page={page}");
        assert_eq!(titles(&app, &uri).await.len(), 0, "{uri}");
        let html = get(&app, &uri).await.text();
        assert!(html.contains("23 results for “news item”"), "{html}");
    }
}

#[tokio::test]
async fn any_input_is_safe_and_said_back_escaped() {
    let app = router();
    for query in [
        "",
        "%22",
        "title%3A%28",
        "AND+OR+NOT",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "*",
        "%00",
        "%F0%9F%98%80",
    ] {
        let page = get(&app, &format!("/search?q={query}")).await;
        assert_eq!(page.status, 200, "{query}");
        assert!(!page.text().contains("<script>alert"), "{query}");
    }
    let page = get(&app, "/search?q=%3Cb%3Ebold%3C%2Fb%3E").await.text();
    assert!(
        page.contains("Nothing on this site matches “&#60;b&#62;bold&#60;/b&#62;”."),
        "{page}"
    );
    assert!(
        page.contains("href=\"/offices/\""),
        "links to the sections: {page}"
    );
    let long = "a".repeat(5_000);
    let page = get(&app, &format!("/search?q={long}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text()
            .contains("Your search was cut to its first 200 characters.")
    );
}

#[tokio::test]
async fn each_language_searches_its_own_pages() {
    let app = router();
    let found = titles(&app, "/tr/search?q=ilgaz").await;
    assert_eq!(found, ["/tr/countries/ilgaz/"]);
    let page = get(&app, "/tr/search?q=ilgaz").await.text();
    assert!(page.contains("<html lang=\"tr\">"));
    assert!(page.contains("“ilgaz” için 1 sonuç"), "{page}");
    // An untranslated page is found in its original language, marked as such.
    let page = get(&app, "/tr/search?q=alpha").await.text();
    assert!(page.contains("<li lang=\"en\">"), "{page}");
}

#[tokio::test]
async fn project_filters_combine_count_and_clear() {
    let app = router();
    let all = get(&app, "/projects/").await.text();
    assert!(
        all.contains("href=\"/projects/?theme=return\""),
        "facet links on the listing: {all}"
    );
    let page = get(&app, "/projects/?theme=return&country=land-k").await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("href=\"/projects/p-one/\""), "{text}");
    assert!(text.contains("Remove filter: Return"), "{text}");
    assert!(
        text.contains("href=\"/projects/?country=land-k\""),
        "removing one keeps the other: {text}"
    );
    assert!(text.contains("<meta name=\"robots\" content=\"noindex\">"));

    let none = get(&app, "/projects/?status=completed").await;
    assert_eq!(none.status, 200, "a known value that selects nothing");
    assert!(none.text().contains("No projects match these filters."));

    let unknown = get(&app, "/projects/?theme=no-such-theme").await;
    assert_eq!(unknown.status, 404);
    let text = unknown.text();
    assert!(text.contains("No projects match these filters."), "{text}");
    assert!(text.contains("Show all projects"), "{text}");
    assert!(!text.contains("href=\"/projects/p-one/\""));

    let hostile = get(&app, "/projects/?theme=%3Cscript%3E&donor=%22").await;
    assert_eq!(hostile.status, 404);
    assert!(!hostile.text().contains("<script>"));
}
