//! The load cache (`Site::load_cached`) against a plain `Site::load`: on a copy of the
//! fixture site, edited step by step the way an editor does under `serve --watch`, a load
//! with a cache kept across the steps gives the same site and the same diagnostics as a
//! load from nothing, and really reuses what did not change.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use wbt_site::Diagnostic;
use wbt_site::assets::Assets;
use wbt_site::content::source::read_dir;
use wbt_site::content::{LoadCache, LoadOptions, Site};

mod common;

fn options(now: &str, drafts: bool) -> LoadOptions {
    LoadOptions {
        drafts,
        now: now.parse().expect("a timestamp"),
        base_url: None,
        icons: Assets::embedded().icon_names(),
    }
}

const NOW: &str = "2026-01-01T00:00:00Z";

/// Everything a load gives, in an order that does not depend on hashing.
fn describe(result: &Result<Site, Vec<Diagnostic>>) -> String {
    match result {
        Err(diagnostics) => format!("failed: {diagnostics:#?}"),
        Ok(site) => {
            let ui: BTreeMap<_, _> = site.ui.iter().collect();
            let media: Vec<(&str, usize)> = site
                .media
                .iter()
                .map(|f| (f.path.as_str(), f.bytes.len()))
                .collect();
            format!(
                "config: {:#?}\nbase_url: {}\nlanguages: {:#?}\nui: {ui:#?}\nmedia: {media:?}\n\
                 next_publication: {:?}\nwarnings: {:#?}\npages: {:#?}",
                site.config,
                site.base_url,
                site.languages,
                site.next_publication,
                site.warnings,
                site.pages
            )
        }
    }
}

/// Loads `dir` with `cache` and from nothing, fails unless both give the same, and returns
/// the cached load's result.
fn same_as_cold(
    dir: &Path,
    options: &LoadOptions,
    cache: &mut LoadCache,
    step: &str,
) -> Result<Site, Vec<Diagnostic>> {
    let files = read_dir(dir).expect("the copy reads");
    let warm = Site::load_cached(files.clone(), options, cache);
    let cold = Site::load(files, options);
    let (warm_text, cold_text) = (describe(&warm), describe(&cold));
    if warm_text != cold_text {
        let (w, c) = warm_text
            .lines()
            .zip(cold_text.lines())
            .find(|(w, c)| w != c)
            .unwrap_or(("(longer or shorter)", ""));
        panic!("{step}: the cached load differs from a cold one:\n cached: {w}\n cold:   {c}");
    }
    warm
}

/// [`same_as_cold`] for a step after which the site must load.
fn loads(dir: &Path, options: &LoadOptions, cache: &mut LoadCache, step: &str) -> Site {
    same_as_cold(dir, options, cache, step)
        .unwrap_or_else(|d| panic!("{step}: {}", wbt_site::diagnostic::report(&d)))
}

/// [`same_as_cold`] for a step after which the site must fail to load.
fn fails(dir: &Path, options: &LoadOptions, cache: &mut LoadCache, step: &str) {
    assert!(
        same_as_cold(dir, options, cache, step).is_err(),
        "{step}: the site loads"
    );
}

fn body_of(site: &Site, key: &str) -> Arc<wbt_site::markdown::Body> {
    site.page(key, "en").expect("the page exists").body.clone()
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).expect("the file exists");
    assert!(text.contains(from), "{file} has {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("the file writes");
}

fn write(dir: &Path, file: &str, text: &str) {
    fs::write(dir.join(file), text).expect("the file writes");
}

const GAMMA: &str = "+++\ntitle = \"Gamma\"\ndescription = \"A third office.\"\n\n[office]\n\
    city = \"Gamma City\"\ncountry = \"land-a\"\nlatitude = 1.0\nlongitude = 2.0\n+++\n\n\
    The third office, in Gamma City.\n";

#[test]
fn edits_under_a_cache_load_as_from_nothing() {
    let dir = common::copy_fixture("site");
    let dir = dir.path();
    let options = options(NOW, false);
    let mut cache = LoadCache::default();
    let first = loads(dir, &options, &mut cache, "first load");

    // Nothing changed: every body is the one already rendered.
    let again = loads(dir, &options, &mut cache, "no change");
    assert!(Arc::ptr_eq(
        &body_of(&first, "about.md"),
        &body_of(&again, "about.md")
    ));

    edit(dir, "about.md", "Intro with", "A new intro with");
    let edited = loads(dir, &options, &mut cache, "a body changed");
    assert!(!Arc::ptr_eq(
        &body_of(&again, "about.md"),
        &body_of(&edited, "about.md")
    ));
    let offices = "offices/_index.md";
    assert!(Arc::ptr_eq(
        &body_of(&again, offices),
        &body_of(&edited, offices)
    ));

    edit(dir, "offices/alpha.md", "title = \"", "title = \"Renamed ");
    loads(dir, &options, &mut cache, "a title changed");

    write(dir, "offices/gamma.md", GAMMA);
    loads(dir, &options, &mut cache, "a page added");

    fs::rename(dir.join("offices/gamma.md"), dir.join("offices/delta.md")).expect("renamed");
    loads(dir, &options, &mut cache, "a page renamed");

    fs::remove_file(dir.join("offices/delta.md")).expect("deleted");
    loads(dir, &options, &mut cache, "a page deleted");
}

#[test]
fn a_body_is_rendered_again_when_what_its_links_point_to_changes() {
    let dir = common::copy_fixture("site");
    let dir = dir.path();
    let options = options(NOW, false);
    let mut cache = LoadCache::default();
    loads(dir, &options, &mut cache, "first load");

    // A link to a page that does not exist yet: the load fails, with the cache warm.
    edit(
        dir,
        "about.md",
        "Intro with",
        "See [Gamma](@/offices/gamma.md). Intro with",
    );
    fails(dir, &options, &mut cache, "a link to a missing page");

    // The page appears: the unchanged about.md must now link to it.
    write(dir, "offices/gamma.md", GAMMA);
    let fixed = loads(dir, &options, &mut cache, "the linked page added");
    assert!(
        body_of(&fixed, "about.md")
            .html
            .contains("href=\"/offices/gamma/\"")
    );

    // The page it links to becomes a draft: a warning on about.md, and its link stays.
    edit(
        dir,
        "offices/gamma.md",
        "+++\ntitle",
        "+++\ndraft = true\ntitle",
    );
    loads(dir, &options, &mut cache, "the linked page made a draft");

    // Its slug changes: the link follows.
    edit(
        dir,
        "offices/gamma.md",
        "+++\ndraft = true\n",
        "+++\nslug = \"gamma-city\"\n",
    );
    let moved = loads(dir, &options, &mut cache, "the linked page's URL changed");
    assert!(
        body_of(&moved, "about.md")
            .html
            .contains("href=\"/offices/gamma-city/\"")
    );

    // It fails to parse: the link is left to that page's own error.
    edit(
        dir,
        "offices/gamma.md",
        "+++\nslug",
        "+++\nslug = = \"x\"\nslug",
    );
    fails(dir, &options, &mut cache, "the linked page broken");

    // Fixed again.
    edit(dir, "offices/gamma.md", "slug = = \"x\"\n", "");
    loads(dir, &options, &mut cache, "the linked page fixed");

    // A translation of the linked page: about.tr.md is not edited but links to it.
    edit(
        dir,
        "about.tr.md",
        "\n+++\n",
        "\n+++\n\n[Gamma](@/offices/gamma.md)\n",
    );
    loads(dir, &options, &mut cache, "a Turkish link to the page");
    write(
        dir,
        "offices/gamma.tr.md",
        "+++\ntitle = \"Gama\"\ndescription = \"Üçüncü ofis.\"\nslug = \"gama\"\n+++\n\nGama.\n",
    );
    let translated = loads(dir, &options, &mut cache, "the page translated");
    let about_tr = &translated
        .page("about.md", "tr")
        .expect("about in Turkish")
        .body;
    assert!(
        about_tr.html.contains("href=\"/tr/offices/gama/\""),
        "{}",
        about_tr.html
    );
}

#[test]
fn drafts_broken_pages_and_site_toml_load_as_from_nothing() {
    let dir = common::copy_fixture("site");
    let dir = dir.path();
    let options = options(NOW, false);
    let mut cache = LoadCache::default();
    loads(dir, &options, &mut cache, "first load");

    edit(
        dir,
        "offices/beta.md",
        "+++\ntitle",
        "+++\ndraft = true\ntitle",
    );
    loads(dir, &options, &mut cache, "a page made a draft");
    loads(
        dir,
        &self::options(NOW, true),
        &mut cache,
        "shown with --drafts",
    );

    let original = fs::read_to_string(dir.join("offices/alpha.md")).expect("alpha reads");
    write(
        dir,
        "offices/alpha.md",
        "+++\ntitle = \"Alpha\"\n[office\n+++\nBroken.\n",
    );
    fails(dir, &options, &mut cache, "a page broken");
    write(dir, "offices/alpha.md", &original);
    loads(dir, &options, &mut cache, "the page fixed");

    fs::write(
        dir.join("offices/alpha.md"),
        b"+++\ntitle = \"\xff\"\n+++\n",
    )
    .expect("written");
    fails(dir, &options, &mut cache, "a page not UTF-8");
    write(dir, "offices/alpha.md", &original);
    loads(dir, &options, &mut cache, "the page fixed again");

    edit(
        dir,
        "site.toml",
        "title = \"Fixture Office\"",
        "title = \"Fixture Office 2\"",
    );
    loads(dir, &options, &mut cache, "site.toml's title changed");
    edit(dir, "site.toml", "name = \"Türkçe\"", "name = \"Turkish\"");
    loads(dir, &options, &mut cache, "a language renamed");
    edit(dir, "site.toml", "[languages.tr]\nname = \"Turkish\"\n", "");
    fails(dir, &options, &mut cache, "a language removed");
    edit(
        dir,
        "site.toml",
        "[languages.en]",
        "[languages.tr]\nname = \"Türkçe\"\n\n[languages.en]",
    );
    loads(dir, &options, &mut cache, "the language back");

    edit(dir, "site.toml", "default_language", "default_languages");
    fails(dir, &options, &mut cache, "site.toml broken");
    edit(dir, "site.toml", "default_languages", "default_language");
    loads(dir, &options, &mut cache, "site.toml fixed");
}

#[test]
fn a_scheduled_page_comes_due_under_a_cache() {
    let dir = common::copy_fixture("site");
    let dir = dir.path();
    let mut cache = LoadCache::default();
    let before = options("2998-12-31T23:59:59Z", false);
    let after = options("2999-01-01T00:00:00Z", false);
    let early = loads(dir, &before, &mut cache, "before its date");
    let future = "news/2999-01-01-future-item.md";
    assert!(early.page(future, "en").is_none());
    let due = loads(dir, &after, &mut cache, "on its date");
    assert!(due.page(future, "en").is_some());
    let back = loads(dir, &before, &mut cache, "the clock set back");
    assert_eq!(
        back.next_publication,
        Some(
            "2999-01-01T00:00:00Z"
                .parse::<Timestamp>()
                .expect("a timestamp")
        )
    );
}

#[test]
fn the_cache_can_move_between_threads() {
    fn send<T: Send + Default>() {}
    send::<LoadCache>();
}

/// Times loads of the tree in `WBT_LOAD_TREE` by hand (release build; nothing asserted):
/// a load from nothing, and a cached load after one page's body changed.
///
/// `WBT_LOAD_TREE=/tmp/c10k cargo test --release --test load_cache -- --ignored --nocapture`
#[test]
#[ignore]
fn time_cold_and_cached_loads() {
    let Some(dir) = std::env::var_os("WBT_LOAD_TREE") else {
        eprintln!("set WBT_LOAD_TREE to a content folder");
        return;
    };
    let mut files = read_dir(Path::new(&dir)).expect("the tree reads");
    let options = LoadOptions {
        now: Timestamp::now(),
        ..self::options(NOW, false)
    };
    let edited = files
        .iter()
        .position(|f| f.path == "about.md")
        .expect("the tree has about.md");
    let time = |files: Vec<wbt_site::content::SourceFile>, cache: Option<&mut LoadCache>| {
        let started = std::time::Instant::now();
        let site = match cache {
            Some(cache) => Site::load_cached(files, &options, cache),
            None => Site::load(files, &options),
        };
        let took = started.elapsed();
        let pages = site.map(|s| s.pages.len()).unwrap_or(0);
        (took.as_secs_f64() * 1000.0, pages)
    };
    let mut cache = LoadCache::default();
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for round in 0..5 {
        cold.push(time(files.clone(), None));
        if round == 0 {
            let (first, _) = time(files.clone(), Some(&mut cache));
            eprintln!("first load with an empty cache: {first:.0} ms");
        }
        files[edited]
            .bytes
            .extend_from_slice(format!("\nEdit {round}.\n").as_bytes());
        warm.push(time(files.clone(), Some(&mut cache)));
    }
    let median = |mut runs: Vec<(f64, usize)>| {
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        runs[runs.len() / 2]
    };
    let ((cold_ms, pages), (warm_ms, _)) = (median(cold), median(warm));
    eprintln!(
        "{pages} pages: cold load {cold_ms:.0} ms, cached load after one edit {warm_ms:.0} ms \
         (median of 5; {:.1}x faster)",
        cold_ms / warm_ms
    );
}
