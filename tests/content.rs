//! The content model as a visitor sees it: listings and their order, pagination,
//! cross-links both ways, Markdown features, translations and fallbacks, drafts and
//! scheduled pages. Each test renders the `site` fixture through the real router.

mod common;

use common::{get, options, router, router_for};
use jiff::Timestamp;
use wbt_site::assets::Assets;
use wbt_site::build;
use wbt_site::content::Section;

/// The position of `needle` in `text`, failing the test when it is missing.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("missing {needle:?} in:\n{text}"))
}

#[tokio::test]
async fn listings_sort_by_weight_then_title_and_news_newest_first() {
    let app = router();
    let offices = get(&app, "/offices/").await.text();
    assert!(at(&offices, "/offices/alpha/") < at(&offices, "/offices/beta/"));
    let news = get(&app, "/news/").await.text();
    assert!(at(&news, "News item 23") < at(&news, "News item 22"));
    assert!(at(&news, "News item 22") < at(&news, "News item 04"));
}

#[tokio::test]
async fn listings_paginate_at_twenty_with_prev_and_next() {
    let app = router();
    let first = get(&app, "/news/").await.text();
    assert_eq!(first.matches("class=\"card\"").count(), 20);
    assert!(first.contains("<link rel=\"next\" href=\"/news/page/2/\">"));
    assert!(first.contains("rel=\"next\">"));
    assert!(!first.contains("rel=\"prev\""));
    let second = get(&app, "/news/page/2/").await;
    assert_eq!(second.status, 200);
    let second = second.text();
    assert_eq!(second.matches("class=\"card\"").count(), 3);
    assert!(second.contains("<link rel=\"prev\" href=\"/news/\">"));
    assert!(second.contains("page 2 of 2"));
    assert!(second.contains("News item 03") && second.contains("News item 01"));
    assert_eq!(get(&app, "/news/page/3/").await.status, 404);
}

#[tokio::test]
async fn cross_links_work_both_ways() {
    let app = router();
    let theme = get(&app, "/themes/return/").await.text();
    assert!(
        theme.contains("href=\"/projects/p-one/\""),
        "theme lists its projects"
    );
    assert!(
        theme.contains("href=\"/news/item-05/\""),
        "theme lists its news"
    );
    assert!(
        theme.contains("href=\"/countries/land-a/\""),
        "theme lists its own countries"
    );
    assert!(
        theme.contains("href=\"/countries/land-k/\""),
        "and its projects' countries"
    );

    let land_k = get(&app, "/countries/land-k/").await.text();
    assert!(
        land_k.contains("href=\"/offices/beta/\""),
        "country lists its offices"
    );
    assert!(
        land_k.contains("href=\"/projects/p-one/\""),
        "country lists its projects"
    );
    assert!(
        land_k.contains("href=\"/themes/return/\""),
        "country lists its projects' themes"
    );
    let land_a = get(&app, "/countries/land-a/").await.text();
    assert!(
        land_a.contains("href=\"/themes/return/\""),
        "country lists themes naming it"
    );
    assert!(
        land_a.contains("href=\"/news/item-05/\""),
        "country lists its news"
    );
    let main = &land_a[..at(&land_a, "<footer")];
    assert!(
        !main.contains("href=\"/offices/beta/\""),
        "only its own offices"
    );

    let office = get(&app, "/offices/alpha/").await.text();
    assert!(
        office.contains("<a href=\"/countries/land-a/\">Land A</a>"),
        "office links its country"
    );
    let project = get(&app, "/projects/p-one/").await.text();
    assert!(
        project.contains("href=\"/themes/return/\""),
        "project links its themes"
    );
    assert!(
        project.contains("href=\"/countries/land-k/\""),
        "project links its countries"
    );
    assert!(project.contains("November 2019 – 2021"));
}

#[tokio::test]
async fn markdown_features_render() {
    let app = router();
    let about = get(&app, "/about/").await.text();
    assert!(about.contains("<h2 id=\"first-heading\">First heading</h2>"));
    assert!(about.contains("<th class=\"align-left\">Year</th>"));
    assert!(about.contains("<td class=\"align-right\">3</td>"));
    assert!(about.contains("<del>strike</del>"));
    assert!(
        about.contains("“smart”") && about.contains("–"),
        "smart punctuation"
    );
    assert!(about.contains("class=\"footnote-definition\""), "footnotes");
    assert!(
        about.contains("href=\"/offices/alpha/\""),
        "@/ link resolved"
    );
    assert!(
        about.contains("href=\"/offices/alpha/#history\""),
        "@/ link with anchor"
    );
    assert!(about.contains("Raw paragraph"), "raw HTML kept, sanitised");
}

#[tokio::test]
async fn a_table_of_contents_appears_from_three_headings() {
    let app = router();
    let about = get(&app, "/about/").await.text();
    assert!(about.contains("class=\"toc\""));
    assert!(about.contains("<a href=\"#second-heading\">Second heading</a>"));
    let alpha = get(&app, "/offices/alpha/").await.text();
    assert!(
        !alpha.contains("class=\"toc\""),
        "one heading: no table of contents"
    );
}

#[tokio::test]
async fn layout_has_skip_link_navigation_breadcrumbs_and_footer() {
    let app = router();
    let alpha = get(&app, "/offices/alpha/").await.text();
    assert!(alpha.contains("<a class=\"skip-link\" href=\"#main\">"));
    assert!(alpha.contains("<main id=\"main\""));
    assert!(alpha.contains("<a href=\"/offices/\" aria-current=\"true\">Offices</a>"));
    assert!(!alpha.contains("<a href=\"/about/\" aria-current"));
    let crumbs = &alpha[at(&alpha, "aria-label=\"Breadcrumbs\"")..];
    assert!(at(crumbs, "href=\"/\"") < at(crumbs, "href=\"/offices/\""));
    assert!(crumbs.contains("<span aria-current=\"page\">Alpha</span>"));
    let footer = &alpha[at(&alpha, "<footer")..];
    assert!(
        footer.contains("href=\"/offices/beta/\""),
        "footer lists the offices"
    );
    assert!(
        footer.contains("UNSCR 1244/99"),
        "designation footnote with an XK country"
    );

    let about = get(&app, "/about/").await.text();
    assert!(about.contains("<a href=\"/about/\" aria-current=\"page\">"));
}

#[tokio::test]
async fn translations_have_their_own_urls_and_hreflang() {
    let app = router();
    let about = get(&app, "/about/").await.text();
    assert!(about.contains("<html lang=\"en\">"));
    assert!(about.contains("hreflang=\"tr\" href=\"https://fixture.example/tr/about/\""));
    assert!(about.contains("hreflang=\"en\" href=\"https://fixture.example/about/\""));
    let tr = get(&app, "/tr/about/").await;
    assert_eq!(tr.status, 200);
    let tr = tr.text();
    assert!(tr.contains("<html lang=\"tr\">"));
    assert!(tr.contains("Fikstür hakkında"));
    assert!(
        tr.contains("href=\"/tr/offices/alpha/\""),
        "@/ links stay in the language"
    );
    assert!(tr.contains("Ana sayfa"), "interface text in Turkish");
    assert!(tr.contains("<link rel=\"canonical\" href=\"https://fixture.example/tr/about/\">"));
}

#[tokio::test]
async fn untranslated_pages_fall_back_with_a_notice() {
    let app = router();
    let reply = get(&app, "/tr/offices/alpha/").await;
    assert_eq!(reply.status, 200);
    let page = reply.text();
    assert!(page.contains("<html lang=\"tr\">"));
    assert!(
        page.contains("Bu sayfa henüz Türkçe değil"),
        "notice in the visitor's language"
    );
    assert!(
        page.contains("<div class=\"prose\" lang=\"en\">"),
        "body marked as English"
    );
    assert!(
        page.contains("<link rel=\"canonical\" href=\"https://fixture.example/offices/alpha/\">")
    );
    assert!(
        !page.contains("hreflang=\"tr\" href="),
        "no hreflang for a fallback"
    );
    let listing = get(&app, "/tr/news/page/2/").await;
    assert_eq!(listing.status, 200, "paginated listings exist per language");
}

#[tokio::test]
async fn drafts_and_scheduled_pages_are_hidden_unless_asked_for() {
    let app = router();
    assert_eq!(get(&app, "/news/draft-item/").await.status, 404);
    assert_eq!(get(&app, "/news/future-item/").await.status, 404);
    let news = get(&app, "/news/").await.text();
    assert!(!news.contains("draft-item") && !news.contains("future-item"));

    let mut with_drafts = options("site");
    with_drafts.drafts = true;
    let app = router_for(&with_drafts);
    let draft = get(&app, "/news/draft-item/").await;
    assert_eq!(draft.status, 200);
    assert!(draft.text().contains("class=\"banner\""));
    assert!(draft.text().contains("Draft"));
    let future = get(&app, "/news/future-item/").await.text();
    assert!(future.contains("Scheduled: visitors will see this page from 1 January 2999."));
}

#[test]
fn a_scheduled_page_is_published_once_its_date_passes() {
    let assets = Assets::embedded();
    let before: Timestamp = "2998-12-31T23:59:59Z".parse().unwrap();
    let after: Timestamp = "2999-01-01T00:00:00Z".parse().unwrap();
    let site = build::load(&options("site"), &assets, before).unwrap();
    assert!(
        !site
            .members(Section::News)
            .iter()
            .any(|p| p.slug == "future-item")
    );
    assert_eq!(site.next_publication, Some(after));
    let site = build::load(&options("site"), &assets, after).unwrap();
    assert!(
        site.members(Section::News)
            .iter()
            .any(|p| p.slug == "future-item")
    );
    assert_eq!(site.next_publication, None);
}

#[test]
fn the_embedded_content_loads_without_problems() {
    let options = build::BuildOptions {
        source: wbt_site::content::source::Source::Embedded,
        drafts: false,
        base_url: None,
        live_reload: false,
    };
    let site = build::load(&options, &Assets::embedded(), Timestamp::now())
        .unwrap_or_else(|d| panic!("{}", wbt_site::diagnostic::report(&d)));
    assert!(
        site.warnings.is_empty(),
        "{}",
        wbt_site::diagnostic::report(&site.warnings)
    );
    for section in Section::ALL {
        assert!(!site.members(section).is_empty(), "{section:?} has pages");
    }
}

#[tokio::test]
async fn theme_cards_carry_their_icons() {
    let app = router();
    let themes = get(&app, "/themes/").await.text();
    let card = &themes[at(&themes, "class=\"card__title\"")..];
    assert!(
        card.starts_with("class=\"card__title\"><span class=\"icon icon--small\"><svg"),
        "{card}"
    );
    assert!(
        card[..at(card, "</h2>")].contains("aria-hidden=\"true\""),
        "decorative"
    );
    let offices = get(&app, "/offices/").await.text();
    assert!(!offices.contains("icon--small"), "only themes have icons");
}

#[tokio::test]
async fn related_pages_are_ranked_by_shared_themes_and_countries() {
    let app = router();
    let project = get(&app, "/projects/p-one/").await.text();
    let related = &project[project
        .find("<h2>Related pages</h2>")
        .expect("related list")..];
    let related = &related[..related.find("</section>").expect("end of list")];
    let links: Vec<&str> = related
        .split("<a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(links.len() <= 5, "{links:?}");
    // The theme and the country it names, and the news item on the same theme.
    for expected in ["/themes/return/", "/countries/land-k/", "/news/item-05/"] {
        assert!(links.contains(&expected), "{expected} in {links:?}");
    }
    assert!(!links.contains(&"/projects/p-one/"), "not itself");
    // From the other side: the theme lists the project among its related pages.
    let theme = get(&app, "/themes/return/").await.text();
    let related = &theme[theme.find("<h2>Related pages</h2>").expect("related list")..];
    assert!(related.contains("href=\"/projects/p-one/\""));
}
