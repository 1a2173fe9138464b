//! Live preview renders pages on their first request. What it serves must be what the
//! whole-site render makes: the same routes, byte for byte, the same redirects and the
//! same 404 pages, for the fixture and for the site's own content.

mod common;

use std::sync::Arc;

use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions};
use wbt_site::content::source::Source;
use wbt_site::render;

fn live_equals_whole(source: Source) {
    let options = BuildOptions {
        source,
        drafts: true,
        base_url: None,
        live_reload: true,
    };
    let assets = Assets::embedded();
    let site = match build::load(&options, &assets, jiff::Timestamp::now()) {
        Ok(site) => Arc::new(site),
        Err(diagnostics) => panic!("{}", wbt_site::diagnostic::report(&diagnostics)),
    };
    let whole = render::render(&site, &assets, true).expect("whole-site render");
    let live = render::render_live(site, &assets).expect("live render");

    assert!(whole.routes.len() > 50, "{} routes", whole.routes.len());
    assert_eq!(live.route_count(), whole.routes.len());
    // Fewer routes made at once than the site has: pages wait for their first request.
    assert!(live.routes.len() < whole.routes.len() / 2);
    let mut paths: Vec<&String> = whole.routes.keys().collect();
    paths.sort();
    for path in paths {
        assert!(live.has_route(path), "{path} is not a live route");
        let made = live
            .route(path)
            .unwrap_or_else(|| panic!("{path} not made"));
        let expected = &whole.routes[path];
        assert_eq!(made.content_type, expected.content_type, "{path}");
        assert_eq!(made.identity, expected.identity, "{path}");
    }
    assert!(!live.has_route("/no/such/page/"));
    assert!(live.route("/no/such/page/").is_none());
    assert_eq!(live.redirects, whole.redirects);
    assert_eq!(live.not_found.len(), whole.not_found.len());
    for ((prefix, page), (whole_prefix, whole_page)) in live.not_found.iter().zip(&whole.not_found)
    {
        assert_eq!(prefix, whole_prefix);
        assert_eq!(page.identity, whole_page.identity, "404 of {prefix}");
    }
}

#[test]
fn live_routes_equal_the_whole_render_of_the_fixture() {
    live_equals_whole(Source::Dir(common::fixture("site")));
}

#[test]
fn live_routes_equal_the_whole_render_of_the_content() {
    live_equals_whole(Source::Embedded);
}
