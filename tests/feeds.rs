//! Feeds and metadata: the Atom feed of news in each language (RFC 4287), linked from
//! every page's head; Open Graph and Twitter card tags with our share image; schema.org
//! JSON-LD; and titles with `<`, `&` or `"` staying valid XML and JSON everywhere.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use common::{copy_fixture, get, router, router_for};
use serde_json::Value;
use wbt_site::build::BuildOptions;
use wbt_site::content::source::Source;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const XML: &str = "http://www.w3.org/XML/1998/namespace";

fn options_for(dir: &Path, drafts: bool) -> BuildOptions {
    BuildOptions {
        source: Source::Dir(dir.to_owned()),
        drafts,
        base_url: None,
        live_reload: false,
    }
}

/// The text of the only Atom child `name` of `node`, failing the test unless there is
/// exactly one.
fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    let children: Vec<_> = node
        .children()
        .filter(|n| n.has_tag_name((ATOM, name)))
        .collect();
    assert_eq!(
        children.len(),
        1,
        "one <{name}> in <{}>",
        node.tag_name().name()
    );
    children[0].text().unwrap_or("")
}

/// The `href` of the only Atom `<link rel="{rel}">` child of `node`.
fn link_href<'a>(node: roxmltree::Node<'a, 'a>, rel: &str) -> &'a str {
    let links: Vec<_> = node
        .children()
        .filter(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some(rel))
        .collect();
    assert_eq!(links.len(), 1, "one <link rel=\"{rel}\">");
    links[0].attribute("href").expect("a link has an href")
}

fn entry_nodes<'a>(doc: &'a roxmltree::Document<'a>) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect()
}

/// An RFC 3339 date-time, as Atom's date constructs require.
fn assert_rfc3339(text: &str) {
    assert!(
        text.parse::<jiff::Timestamp>().is_ok() && text.len() >= 20 && text.as_bytes()[10] == b'T',
        "not RFC 3339: {text}"
    );
}

/// Checks what RFC 4287 requires of the feed and each entry, and returns the entries'
/// `(id, title, updated, published)`.
fn check_atom(text: &str) -> Vec<(String, String, String, String)> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")), "{text}");
    assert!(child_text(feed, "id").starts_with("https://fixture.example/"));
    assert!(!child_text(feed, "title").is_empty());
    assert_rfc3339(child_text(feed, "updated"));
    let author = feed
        .children()
        .find(|n| n.has_tag_name((ATOM, "author")))
        .expect("the feed has an author");
    assert_eq!(child_text(author, "name"), "Fixture Organisation");
    assert!(link_href(feed, "self").ends_with("/feed.xml"));
    assert!(link_href(feed, "alternate").starts_with("https://fixture.example/"));
    let mut ids = HashSet::new();
    let list: Vec<_> = entry_nodes(&doc)
        .into_iter()
        .map(|entry| {
            let id = child_text(entry, "id").to_owned();
            assert!(ids.insert(id.clone()), "the id {id} is used twice");
            let updated = child_text(entry, "updated").to_owned();
            let published = child_text(entry, "published").to_owned();
            assert_rfc3339(&updated);
            assert_rfc3339(&published);
            assert!(updated >= published, "{id}: updated before published");
            assert!(link_href(entry, "alternate").starts_with("https://fixture.example/"));
            assert!(!child_text(entry, "summary").is_empty());
            (
                id,
                child_text(entry, "title").to_owned(),
                updated,
                published,
            )
        })
        .collect();
    // The feed changed when its newest entry did.
    let newest = list.iter().map(|e| e.2.as_str()).max();
    assert_eq!(Some(child_text(feed, "updated")), newest);
    list
}

#[tokio::test]
async fn the_feed_lists_every_published_item_newest_first() {
    let app = router();
    let reply = get(&app, "/feed.xml").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        "application/atom+xml; charset=utf-8"
    );
    let text = reply.text();
    let entries = check_atom(&text);
    assert_eq!(
        entries.len(),
        23,
        "items 01 to 23, no draft, nothing scheduled"
    );
    let published: Vec<&str> = entries.iter().map(|e| e.3.as_str()).collect();
    let mut sorted = published.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(published, sorted, "newest first");
    assert_eq!(entries[0].1, "News item 23");
    assert_eq!(entries[0].3, "2020-01-23T00:00:00Z");
    assert_eq!(entries[0].0, "https://fixture.example/news/item-23/");
    assert!(
        !text.contains("draft") && !text.contains("future"),
        "{text}"
    );

    let doc = roxmltree::Document::parse(&text).expect("parses");
    let feed = doc.root_element();
    assert_eq!(feed.attribute((XML, "lang")), Some("en"));
    assert_eq!(child_text(feed, "id"), "https://fixture.example/");
    assert_eq!(child_text(feed, "title"), "Fixture Office");
    assert_eq!(link_href(feed, "self"), "https://fixture.example/feed.xml");
    assert_eq!(
        link_href(feed, "alternate"),
        "https://fixture.example/news/"
    );
    assert_eq!(child_text(feed, "updated"), "2020-01-23T00:00:00Z");
}

#[tokio::test]
async fn drafts_and_scheduled_items_stay_out_of_the_feed_even_in_preview() {
    let dir = copy_fixture("site");
    let app = router_for(&options_for(dir.path(), true));
    let page = get(&app, "/news/future-item/").await;
    assert_eq!(page.status, 200, "the preview shows the scheduled item");
    for path in ["/feed.xml", "/tr/feed.xml"] {
        let text = get(&app, path).await.text();
        assert_eq!(check_atom(&text).len(), 23, "{path}");
        assert!(!text.contains("A draft item"), "{path}");
        assert!(!text.contains("A future item"), "{path}");
    }
}

#[tokio::test]
async fn each_language_has_its_feed_with_translations_where_they_exist() {
    let dir = copy_fixture("site");
    fs::write(
        dir.path().join("news/2020-01-22-item-22.tr.md"),
        "+++\ntitle = \"Haber 22\"\ndescription = \"22 numaralı haber.\"\nslug = \"haber-22\"\nupdated = \"2021-11\"\n+++\n\nHaber metni.\n",
    )
    .expect("write a translation");
    let app = router_for(&options_for(dir.path(), false));
    let reply = get(&app, "/tr/feed.xml").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        "application/atom+xml; charset=utf-8"
    );
    let text = reply.text();
    let entries = check_atom(&text);
    assert_eq!(entries.len(), 23);
    let doc = roxmltree::Document::parse(&text).expect("parses");
    let feed = doc.root_element();
    assert_eq!(feed.attribute((XML, "lang")), Some("tr"));
    assert_eq!(child_text(feed, "id"), "https://fixture.example/tr/");
    assert_eq!(
        link_href(feed, "self"),
        "https://fixture.example/tr/feed.xml"
    );
    assert_eq!(
        link_href(feed, "alternate"),
        "https://fixture.example/tr/news/"
    );
    // A month's date is its first day; the translation's update is the newest change.
    assert_eq!(child_text(feed, "updated"), "2021-11-01T00:00:00Z");
    for entry in entry_nodes(&doc) {
        let href = link_href(entry, "alternate");
        if child_text(entry, "title") == "Haber 22" {
            assert_eq!(
                entry.attribute((XML, "lang")),
                None,
                "in the feed's language"
            );
            assert_eq!(href, "https://fixture.example/tr/news/haber-22/");
            assert_eq!(child_text(entry, "id"), href);
            assert_eq!(child_text(entry, "updated"), "2021-11-01T00:00:00Z");
            assert_eq!(child_text(entry, "published"), "2020-01-22T00:00:00Z");
        } else {
            assert_eq!(entry.attribute((XML, "lang")), Some("en"), "untranslated");
            assert!(
                href.starts_with("https://fixture.example/tr/news/item-"),
                "{href}"
            );
            assert!(child_text(entry, "id").starts_with("https://fixture.example/news/item-"));
        }
    }
    // The English feed keeps the original.
    let en = get(&app, "/feed.xml").await.text();
    assert!(en.contains("<title>News item 22</title>") && !en.contains("Haber 22"));
}

#[tokio::test]
async fn every_page_links_the_feed_of_its_language() {
    let app = router();
    for (path, feed) in [
        ("/", "https://fixture.example/feed.xml"),
        ("/about/", "https://fixture.example/feed.xml"),
        ("/news/", "https://fixture.example/feed.xml"),
        ("/news/item-01/", "https://fixture.example/feed.xml"),
        ("/offices/alpha/", "https://fixture.example/feed.xml"),
        ("/no-such-page/", "https://fixture.example/feed.xml"),
        ("/tr/", "https://fixture.example/tr/feed.xml"),
        ("/tr/news/item-01/", "https://fixture.example/tr/feed.xml"),
        ("/tr/no-such-page/", "https://fixture.example/tr/feed.xml"),
    ] {
        let text = get(&app, path).await.text();
        let head = &text[..text.find("</head>").expect("a head")];
        let link = head
            .lines()
            .find(|l| l.contains("type=\"application/atom+xml\""))
            .unwrap_or_else(|| panic!("{path} links no feed:\n{head}"));
        assert!(
            link.starts_with("<link rel=\"alternate\" "),
            "{path}: {link}"
        );
        assert!(link.contains(&format!("href=\"{feed}\"")), "{path}: {link}");
        assert!(
            link.contains(" title=\"News · Fixture Office\""),
            "{path}: {link}"
        );
    }
}

#[test]
fn pages_may_link_to_the_feeds() {
    let dir = copy_fixture("site");
    let about = dir.path().join("about.md");
    let text = fs::read_to_string(&about).expect("about.md");
    fs::write(
        &about,
        format!("{text}\nFollow [our news](/feed.xml) or [in Turkish](/tr/feed.xml).\n"),
    )
    .expect("write");
    let site = common::rendered(&options_for(dir.path(), false));
    assert!(
        !site
            .warnings
            .iter()
            .any(|w| format!("{w:?}").contains("feed.xml")),
        "{:?}",
        site.warnings
    );
}

/// The `<head>` of a page.
fn head(page: &str) -> &str {
    &page[..page.find("</head>").expect("a head")]
}

/// The `content` of the `<meta property|name="{key}">` tags of `head`, in order.
fn metas<'a>(head: &'a str, key: &str) -> Vec<&'a str> {
    let property = format!("<meta property=\"{key}\" content=\"");
    let name = format!("<meta name=\"{key}\" content=\"");
    head.lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix(property.as_str())
                .or_else(|| line.strip_prefix(name.as_str()))?;
            Some(&rest[..rest.find('"').expect("a closed attribute")])
        })
        .collect()
}

fn meta<'a>(head: &'a str, key: &str) -> &'a str {
    match metas(head, key).as_slice() {
        [one] => one,
        other => panic!("{} <meta> {key} in:\n{head}", other.len()),
    }
}

const PAGES: [&str; 9] = [
    "/",
    "/about/",
    "/news/",
    "/news/page/2/",
    "/news/item-01/",
    "/offices/alpha/",
    "/tr/",
    "/tr/countries/ilgaz/",
    "/tr/news/item-01/",
];

#[tokio::test]
async fn every_page_has_open_graph_and_twitter_card_tags() {
    let app = router();
    for path in PAGES {
        let page = get(&app, path).await.text();
        let head = head(&page);
        let canonical = head
            .lines()
            .find_map(|l| l.strip_prefix("<link rel=\"canonical\" href=\""))
            .and_then(|rest| rest.strip_suffix("\">"))
            .expect("a canonical link");
        assert_eq!(meta(head, "og:url"), canonical, "{path}");
        assert!(canonical.starts_with("https://fixture.example/"), "{path}");
        let og_type = if path.contains("/news/item-") {
            "article"
        } else {
            "website"
        };
        assert_eq!(meta(head, "og:type"), og_type, "{path}");
        let tr = path.starts_with("/tr/");
        assert_eq!(
            meta(head, "og:locale"),
            if tr { "tr_TR" } else { "en_GB" },
            "{path}"
        );
        assert_eq!(meta(head, "og:site_name"), "Fixture Office", "{path}");
        let title = meta(head, "og:title");
        assert!(!title.is_empty(), "{path}");
        assert_eq!(meta(head, "twitter:title"), title, "{path}");
        let description = meta(head, "og:description");
        assert!(!description.is_empty(), "{path}");
        assert_eq!(meta(head, "twitter:description"), description, "{path}");
        let image = meta(head, "og:image");
        assert!(
            image.starts_with("https://fixture.example/static/share.") && image.ends_with(".png"),
            "{path}: {image}"
        );
        assert_eq!(meta(head, "og:image:width"), "1200", "{path}");
        assert_eq!(meta(head, "og:image:height"), "630", "{path}");
        assert!(!meta(head, "og:image:alt").is_empty(), "{path}");
        assert_eq!(meta(head, "twitter:card"), "summary_large_image", "{path}");
        assert_eq!(meta(head, "twitter:image"), image, "{path}");
    }
    let home = get(&app, "/").await.text();
    assert_eq!(meta(head(&home), "og:title"), "Fixture Office");
    let item = get(&app, "/news/item-01/").await.text();
    assert_eq!(meta(head(&item), "og:title"), "News item 01");
    // A page in both languages names the other's locale.
    let country = get(&app, "/countries/land-a/").await.text();
    assert_eq!(metas(head(&country), "og:locale:alternate"), ["tr_TR"]);
}

#[tokio::test]
async fn the_share_image_is_a_png_of_1200_by_630() {
    let app = router();
    let home = get(&app, "/").await.text();
    let image = meta(head(&home), "og:image");
    let path = image
        .strip_prefix("https://fixture.example")
        .expect("on the site");
    let reply = get(&app, path).await;
    assert_eq!(reply.status, 200, "{path}");
    assert_eq!(reply.header("content-type"), "image/png");
    assert!(
        reply.header("cache-control").contains("immutable"),
        "fingerprinted"
    );
    let png = &reply.body;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "the header chunk comes first");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("4 bytes"));
    assert_eq!((width, height), (1200, 630));
}

/// Every JSON-LD block of `page`, parsed.
fn json_ld(page: &str) -> Vec<Value> {
    const OPEN: &str = "<script type=\"application/ld+json\">";
    page.match_indices(OPEN)
        .map(|(start, _)| {
            let rest = &page[start + OPEN.len()..];
            let text = &rest[..rest.find("</script>").expect("a closed script")];
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
        })
        .collect()
}

/// The one JSON-LD block of `path`.
async fn json_ld_of(app: &wbt_site::server::App, path: &str) -> Value {
    let page = get(app, path).await.text();
    let mut blocks = json_ld(&page);
    assert_eq!(blocks.len(), 1, "{path}: one JSON-LD block");
    let block = blocks.remove(0);
    assert!(
        head(&page).contains("<script type=\"application/ld+json\">"),
        "{path}: in the head"
    );
    assert_eq!(block["@context"], "https://schema.org", "{path}");
    block
}

#[tokio::test]
async fn json_ld_describes_the_regional_office_its_offices_and_news() {
    let app = router();
    let home = json_ld_of(&app, "/").await;
    assert_eq!(home["@type"], "GovernmentOrganization");
    assert_eq!(home["name"], "Fixture Office");
    assert_eq!(home["url"], "https://fixture.example/");
    let parent = &home["parentOrganization"];
    assert_eq!(parent["@type"], "GovernmentOrganization");
    assert_eq!(parent["name"], "Fixture Organisation");
    assert_eq!(parent["url"], "https://org.example/");
    let offices = home["subOrganization"].as_array().expect("a list");
    let names: Vec<&str> = offices.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names, ["Alpha", "Beta"]);
    let alpha = &offices[0];
    assert_eq!(alpha["@type"], "GovernmentOrganization");
    assert_eq!(alpha["url"], "https://fixture.example/offices/alpha/");
    assert_eq!(alpha["location"]["@type"], "Place");
    assert_eq!(alpha["location"]["geo"]["@type"], "GeoCoordinates");
    assert_eq!(alpha["location"]["geo"]["latitude"], 41.01);
    assert_eq!(alpha["location"]["geo"]["longitude"], 28.98);
    assert_eq!(
        alpha["location"]["address"]["addressLocality"],
        "Alpha City"
    );
    // Only what the content has: no street, phone or logo.
    assert!(alpha["location"]["address"].get("streetAddress").is_none());
    assert!(home.get("logo").is_none() && home.get("telephone").is_none());

    let tr = json_ld_of(&app, "/tr/").await;
    assert_eq!(tr["url"], "https://fixture.example/tr/");
    assert_eq!(
        tr["subOrganization"][0]["url"],
        "https://fixture.example/tr/offices/alpha/"
    );

    let office = json_ld_of(&app, "/offices/beta/").await;
    assert_eq!(office["@type"], "Place");
    assert_eq!(office["name"], "Beta");
    assert_eq!(office["url"], "https://fixture.example/offices/beta/");
    assert_eq!(office["geo"]["@type"], "GeoCoordinates");
    assert_eq!(office["geo"]["latitude"], 42.66);
    assert_eq!(office["address"]["addressLocality"], "Beta City");

    let news = json_ld_of(&app, "/news/item-01/").await;
    assert_eq!(news["@type"], "NewsArticle");
    assert_eq!(news["headline"], "News item 01");
    assert_eq!(news["description"], "Item number 01.");
    assert_eq!(news["datePublished"], "2020-01-01");
    assert_eq!(news["dateModified"], "2020-01-01");
    assert_eq!(news["inLanguage"], "en");
    assert_eq!(
        news["mainEntityOfPage"],
        "https://fixture.example/news/item-01/"
    );
    assert_eq!(news["publisher"]["name"], "Fixture Organisation");
    // Untranslated, the Turkish address shows the English article at its canonical URL.
    let fallback = json_ld_of(&app, "/tr/news/item-01/").await;
    assert_eq!(fallback["inLanguage"], "en");
    assert_eq!(
        fallback["mainEntityOfPage"],
        "https://fixture.example/news/item-01/"
    );

    for path in ["/about/", "/news/", "/no-such-page/"] {
        let page = get(&app, path).await.text();
        assert!(json_ld(&page).is_empty(), "{path} has no facts to give");
    }
}

#[tokio::test]
async fn titles_with_markup_characters_stay_valid_xml_json_and_html() {
    const TRICKY: &str = r#"Fish & "chips" </script><!-- <b>"#;
    let dir = copy_fixture("site");
    let path = dir.path();
    let toml_text = TRICKY.replace('"', "\\\"");
    let site_toml = fs::read_to_string(path.join("site.toml")).expect("site.toml");
    fs::write(
        path.join("site.toml"),
        site_toml.replacen(
            "title = \"Fixture Office\"",
            &format!("title = \"{toml_text}\""),
            1,
        ),
    )
    .expect("write site.toml");
    fs::write(
        path.join("news/special.md"),
        format!(
            "+++\ntitle = \"{toml_text}\"\ndescription = \"{toml_text}\"\ndate = \"2017\"\nupdated = \"2021-11\"\n\n[[sources]]\ntitle = \"Fixture source\"\npublisher = \"Fixture Publisher\"\n+++\n\nBody.\n"
        ),
    )
    .expect("write a news item");
    let office = path.join("offices/alpha.md");
    let text = fs::read_to_string(&office).expect("alpha.md");
    fs::write(
        &office,
        text.replacen("title = \"Alpha\"", &format!("title = \"{toml_text}\""), 1),
    )
    .expect("write alpha.md");
    let app = router_for(&options_for(path, false));

    // The feed parses and reads back the very title; its dates are the first moments.
    let feed = get(&app, "/feed.xml").await.text();
    let entries = check_atom(&feed);
    let special = entries
        .iter()
        .find(|e| e.0 == "https://fixture.example/news/special/")
        .expect("the special item");
    assert_eq!(special.1, TRICKY);
    assert_eq!(special.2, "2021-11-01T00:00:00Z");
    assert_eq!(special.3, "2017-01-01T00:00:00Z");
    let doc = roxmltree::Document::parse(&feed).expect("parses");
    assert_eq!(child_text(doc.root_element(), "title"), TRICKY);
    assert_eq!(
        child_text(doc.root_element(), "updated"),
        "2021-11-01T00:00:00Z"
    );

    // The sitemap keeps the day a page last changed at its precision.
    let sitemap = get(&app, "/sitemap.xml").await.text();
    roxmltree::Document::parse(&sitemap).expect("the sitemap parses");
    assert!(
        sitemap
            .contains("<loc>https://fixture.example/news/special/</loc><lastmod>2021-11</lastmod>")
    );

    // JSON-LD reads back the same text, at the dates' precision, and never closes early.
    let news = json_ld_of(&app, "/news/special/").await;
    assert_eq!(news["headline"], TRICKY);
    assert_eq!(news["description"], TRICKY);
    assert_eq!(news["datePublished"], "2017");
    assert_eq!(news["dateModified"], "2021-11");
    let home = json_ld_of(&app, "/").await;
    assert_eq!(home["name"], TRICKY);
    assert_eq!(home["subOrganization"][0]["name"], TRICKY);
    let place = json_ld_of(&app, "/offices/alpha/").await;
    assert_eq!(place["name"], TRICKY);

    // In the head, the attributes are escaped: no raw `<` or `"` inside a content value.
    for page_path in ["/", "/news/special/", "/offices/alpha/"] {
        let page = get(&app, page_path).await.text();
        let head = head(&page);
        assert_eq!(head.matches("</script>").count(), 1, "{page_path}:\n{head}");
        assert!(!head.contains("<!--"), "{page_path}");
        assert!(!head.contains("<b>"), "{page_path}");
        let site_name = meta(head, "og:site_name");
        assert!(!site_name.contains(['<', '>', '"']), "{site_name}");
        assert_eq!(unescape(site_name), TRICKY);
    }
}

/// HTML character references as askama writes them, back to text.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find(';').expect("a closed reference") + start;
        let reference = &rest[start + 1..end];
        let c = match reference {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            _ => {
                let code = reference.strip_prefix('#').expect("a numeric reference");
                char::from_u32(code.parse().expect("decimal")).expect("a char")
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}
