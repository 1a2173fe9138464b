//! The offices map as a visitor gets it, on the offices page and the home page: the
//! region's shapes, one link per office with its name, the main seat marked, labels that
//! never overlap, markers where the frame in `static/map/region.json` puts their
//! coordinates. Drives the real router over the `site` fixture and over the real content.

mod common;

use common::{get, router, router_for};
use wbt_site::assets::Assets;
use wbt_site::build::BuildOptions;
use wbt_site::content::source::Source;

const REGION: [&str; 7] = ["AL", "BA", "XK", "ME", "MK", "RS", "TR"];

/// The position of `needle` in `text`, failing the test when it is missing.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("missing {needle:?} in:\n{text}"))
}

/// The map's markup on a page.
fn map_of(page: &str) -> &str {
    &page[at(page, "<figure class=\"office-map map\">")..at(page, "</figure>")]
}

/// The number in attribute `name` of the first tag in `tag`.
fn number(tag: &str, name: &str) -> f64 {
    let from = &tag[at(tag, &format!(" {name}=\"")) + name.len() + 3..];
    from[..at(from, "\"")].parse().unwrap()
}

/// Every label box of each layer (`wide`, `narrow`): `(x, y, width, height)`.
fn label_boxes(map: &str) -> Vec<(&'static str, [f64; 4])> {
    let mut boxes = Vec::new();
    let mut layer = "";
    let mut rest = map;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let tag = &rest[..at(rest, ">")];
        if tag.contains("map__layer--wide") {
            layer = "wide";
        } else if tag.contains("map__layer--narrow") {
            layer = "narrow";
        } else if tag.starts_with("rect class=\"map__label-box") {
            let name = if layer == "wide" { "wide" } else { "narrow" };
            let b = [
                number(tag, "x"),
                number(tag, "y"),
                number(tag, "width"),
                number(tag, "height"),
            ];
            boxes.push((name, b));
        }
    }
    boxes
}

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

/// No two label boxes of a layer overlap, and every box is inside the map.
fn assert_labels_apart(map: &str) {
    let (width, height) = view_box(map);
    let boxes = label_boxes(map);
    assert!(boxes.iter().any(|b| b.0 == "wide") && boxes.iter().any(|b| b.0 == "narrow"));
    for (i, (layer, a)) in boxes.iter().enumerate() {
        assert!(
            a[0] >= 0.0 && a[1] >= 0.0 && a[0] + a[2] <= width && a[1] + a[3] <= height,
            "{layer} label {a:?} is cut by the frame"
        );
        for (other, b) in &boxes[i + 1..] {
            assert!(
                layer != other || !overlap(a, b),
                "{layer} labels overlap: {a:?} {b:?}"
            );
        }
    }
}

fn view_box(map: &str) -> (f64, f64) {
    let from = &map[at(map, "viewBox=\"0 0 ") + 13..];
    let mut numbers = from[..at(from, "\"")]
        .split(' ')
        .map(|n| n.parse().unwrap());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

/// The frame the script wrote, projecting `(lat, lon)` as the map must.
fn projected(lat: f64, lon: f64) -> (f64, f64) {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("../static/map/region.json")).unwrap();
    let f = |k: &str| data["frame"][k].as_f64().unwrap();
    let squeeze = f("parallel").to_radians().cos();
    (
        (lon - f("west")) * squeeze * f("scale"),
        (f("north") - lat) * f("scale"),
    )
}

/// The markup of the link to `href` in `map`.
fn office<'a>(map: &'a str, href: &str) -> &'a str {
    let from = &map[at(map, &format!("href=\"{href}\""))..];
    &from[..at(from, "</a>")]
}

#[tokio::test]
async fn the_offices_and_home_pages_draw_the_region_with_a_link_per_office() {
    let app = router();
    for path in ["/offices/", "/"] {
        let page = get(&app, path).await.text();
        let map = map_of(&page);
        assert!(
            map.contains("role=\"group\" aria-labelledby=\"office-map-title\""),
            "{path}"
        );
        assert!(
            !map.contains("role=\"img\""),
            "an image role would hide the links inside"
        );
        assert!(map.contains(
            "<title id=\"office-map-title\">Map of our offices: Alpha (Main seat), Beta</title>"
        ));
        for iso in REGION {
            assert!(
                map.contains(&format!(
                    "class=\"map__land map__land--region\" data-iso=\"{iso}\" d=\"M"
                )),
                "{path}: {iso} is drawn and shaded as the region"
            );
        }
        for iso in ["GR", "BG", "RO", "HU", "HR", "IT", "CY"] {
            assert!(
                map.contains(&format!("class=\"map__land\" data-iso=\"{iso}\" d=\"M")),
                "{iso}"
            );
        }
        assert!(map.contains("class=\"map__coast\"") && map.contains("class=\"map__border\""));
        assert!(
            !map.contains("href=\"http") && !map.contains("<image") && !map.contains("<script"),
            "no tiles, no script, no requests: {path}"
        );
        let alpha = office(map, "/offices/alpha/");
        let beta = office(map, "/offices/beta/");
        assert!(
            alpha.contains(">Alpha</text>") && beta.contains(">Beta</text>"),
            "{path}"
        );
        assert!(alpha.contains("map__marker--main") && alpha.contains(">Main seat</text>"));
        assert!(!beta.contains("map__marker--main") && !beta.contains("Main seat"));
        assert_labels_apart(map);
        assert!(
            page.contains("The map shows our offices"),
            "the caption says what is drawn"
        );
    }
}

#[tokio::test]
async fn markers_stand_where_the_frame_puts_their_coordinates() {
    let app = router();
    let page = get(&app, "/offices/").await.text();
    let map = map_of(&page);
    // Beta: 42.66 N, 21.17 E (Prishtina's coordinates), a dot in each layer.
    let beta = office(map, "/offices/beta/");
    let (x, y) = projected(42.66, 21.17);
    let circle = &beta[at(beta, "<circle")..];
    assert!(
        (number(circle, "cx") - x).abs() <= 0.05,
        "{circle} against {x}"
    );
    assert!(
        (number(circle, "cy") - y).abs() <= 0.05,
        "{circle} against {y}"
    );
    // Alpha, the main seat at 41.01 N, 28.98 E: a star whose top point is straight
    // above it.
    let alpha = office(map, "/offices/alpha/");
    let (x, y) = projected(41.01, 28.98);
    let marker = "map__marker--main\" d=\"M";
    let d = &alpha[at(alpha, marker) + marker.len()..];
    let top: Vec<f64> = d[..at(d, "L")]
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        (top[0] - x).abs() <= 0.05 && top[1] < y,
        "{top:?} against ({x}, {y})"
    );
    // North is up: Beta is north of Alpha.
    assert!(number(circle, "cy") < y);
}

#[tokio::test]
async fn kosovo_is_named_with_its_asterisk_and_the_footnote_shows() {
    let app = router();
    for path in ["/offices/", "/"] {
        let page = get(&app, path).await.text();
        let map = map_of(&page);
        // The fixture's XK country is "Land K*": the map names Kosovo as its page does.
        assert_eq!(
            map.matches(">Land K*</text>").count(),
            2,
            "{path}: named in both layers"
        );
        assert!(page.contains("UNSCR 1244/99"), "{path}: the footnote");
    }
}

#[tokio::test]
async fn the_map_speaks_the_visitors_language_and_stays_on_its_pages() {
    let app = router();
    let tr = get(&app, "/tr/offices/").await.text();
    let map = map_of(&tr);
    assert!(map.contains("Ofislerimizin haritası"));
    assert!(map.contains("href=\"/tr/offices/alpha/\""));
    assert!(map.contains(">Merkez ofis</text>"));
    let news = get(&app, "/news/").await.text();
    assert!(
        !news.contains("office-map"),
        "only on the offices and home pages"
    );
}

#[tokio::test]
async fn the_real_offices_are_all_labelled_apart() {
    let app = router_for(&BuildOptions {
        source: Source::Dir(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content")),
        drafts: false,
        base_url: None,
        live_reload: false,
    });
    for path in ["/offices/", "/", "/tr/offices/", "/tr/"] {
        let page = get(&app, path).await.text();
        let map = map_of(&page);
        assert_labels_apart(map);
        let offices = map.matches("<a class=\"map__office").count();
        assert_eq!(offices, 6, "{path}");
        // Six offices, each named in both layers, and Kosovo* in both.
        assert_eq!(map.matches("class=\"map__label\"").count(), 12, "{path}");
        let kosovo = if path.starts_with("/tr/") {
            ">Kosova*</text>"
        } else {
            ">Kosovo*</text>"
        };
        assert_eq!(map.matches(kosovo).count(), 2, "{path}");
    }
    let page = get(&app, "/offices/").await.text();
    let map = map_of(&page);
    for city in [
        "Istanbul",
        "Ankara",
        "Belgrade",
        "Sarajevo",
        "Skopje",
        "Prishtina",
    ] {
        assert_eq!(map.matches(&format!(">{city}</text>")).count(), 2, "{city}");
    }
}

#[test]
fn the_map_data_is_small_and_not_served() {
    let data = include_str!("../static/map/region.json");
    assert!(data.len() < 100_000, "{} bytes", data.len());
    let assets = Assets::embedded();
    assert!(assets.files.keys().all(|name| !name.starts_with("map/")));
    assert!(assets.files.contains_key("style.css"));
}
