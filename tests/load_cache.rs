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

// The binary's allocator, so that the timing below is the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn options(now: &str, drafts: bool) -> LoadOptions {
    LoadOptions {
        drafts,
        now: now.parse().expect("a timestamp"),
        base_url: None,
        icons: Assets::embedded().icon_names(),
        search_text: true,
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

/// A copy of the fixture site being edited, and the cache kept across its loads.
struct Tree {
    dir: tempfile::TempDir,
    options: LoadOptions,
    cache: LoadCache,
}

impl Tree {
    fn new(options: LoadOptions) -> Tree {
        let dir = common::copy_fixture("site");
        let cache = LoadCache::default();
        Tree {
            dir,
            options,
            cache,
        }
    }

    fn path(&self, file: &str) -> std::path::PathBuf {
        self.dir.path().join(file)
    }

    /// Loads with the cache and from nothing, fails unless both give the same, and
    /// returns the cached load's result.
    fn same_as_cold(&mut self, step: &str) -> Result<Site, Vec<Diagnostic>> {
        let files = read_dir(self.dir.path()).expect("the copy reads");
        let warm = Site::load_cached(files.clone(), &self.options, &mut self.cache);
        let cold = Site::load(files, &self.options);
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

    /// [`Tree::same_as_cold`] for a step after which the site must load.
    fn loads(&mut self, step: &str) -> Site {
        self.same_as_cold(step)
            .unwrap_or_else(|d| panic!("{step}: {}", wbt_site::diagnostic::report(&d)))
    }

    /// [`Tree::same_as_cold`] for a step after which the site must load, or must not.
    fn check(&mut self, step: &str, must_load: bool) {
        let loaded = self.same_as_cold(step).is_ok();
        assert_eq!(loaded, must_load, "{step}: loads");
    }

    /// Replaces the first `from` in `file` with `to`, then checks the load.
    fn edit(&mut self, file: &str, (from, to): (&str, &str), step: &str, must_load: bool) {
        let text = fs::read_to_string(self.path(file)).expect("the file exists");
        assert!(text.contains(from), "{file} has {from:?}");
        self.write(file, text.replacen(from, to, 1).as_bytes());
        self.check(step, must_load);
    }

    fn write(&self, file: &str, bytes: &[u8]) {
        fs::write(self.path(file), bytes).expect("the file writes");
    }
}

fn body_of(site: &Site, key: &str, lang: &str) -> Arc<wbt_site::markdown::Body> {
    site.page(key, lang).expect("the page exists").body.clone()
}

const GAMMA: &str = "+++\ntitle = \"Gamma\"\ndescription = \"A third office.\"\n\n[office]\n\
    city = \"Gamma City\"\ncountry = \"land-a\"\nlatitude = 1.0\nlongitude = 2.0\n+++\n\n\
    The third office, in Gamma City.\n";

#[test]
fn edits_under_a_cache_load_as_from_nothing() {
    let mut tree = Tree::new(options(NOW, false));
    let first = tree.loads("first load");
    // Nothing changed: every body is the one already rendered.
    let again = tree.loads("no change");
    assert!(Arc::ptr_eq(
        &body_of(&first, "about.md", "en"),
        &body_of(&again, "about.md", "en")
    ));

    tree.edit(
        "about.md",
        ("Intro with", "A new intro with"),
        "a body changed",
        true,
    );
    let edited = tree.loads("a body changed");
    assert!(!Arc::ptr_eq(
        &body_of(&again, "about.md", "en"),
        &body_of(&edited, "about.md", "en")
    ));
    let offices = "offices/_index.md";
    assert!(Arc::ptr_eq(
        &body_of(&again, offices, "en"),
        &body_of(&edited, offices, "en")
    ));

    tree.edit(
        "offices/alpha.md",
        ("title = \"", "title = \"Renamed "),
        "a title changed",
        true,
    );
    tree.write("offices/gamma.md", GAMMA.as_bytes());
    tree.loads("a page added");
    fs::rename(tree.path("offices/gamma.md"), tree.path("offices/delta.md")).expect("renamed");
    tree.loads("a page renamed");
    fs::remove_file(tree.path("offices/delta.md")).expect("deleted");
    tree.loads("a page deleted");

    // A sentence written on a third page repeats the other two's, which are not edited.
    let said = "The office works with ministries, border police and local groups every day.";
    for (n, file) in ["about.md", "offices/alpha.md", "offices/beta.md"]
        .iter()
        .enumerate()
    {
        let text = fs::read_to_string(tree.path(file)).expect("the file reads");
        tree.write(file, (text + said).as_bytes());
        let site = tree.loads(&format!("a sentence on {file}"));
        let repeats = site
            .warnings
            .iter()
            .filter(|w| w.message.contains("also on"));
        assert_eq!(repeats.count(), if n == 2 { 3 } else { 0 });
    }
    // The cache counts each sentence across loads: taken off a page, and put on a page
    // that is then deleted, it is counted again each time.
    let repeats = |site: &Site| {
        let warnings = site.warnings.iter();
        warnings.filter(|w| w.message.contains("also on")).count()
    };
    let beta = fs::read_to_string(tree.path("offices/beta.md")).expect("the file reads");
    tree.write("offices/beta.md", beta.replace(said, "").as_bytes());
    assert_eq!(repeats(&tree.loads("the sentence taken off a page")), 0);
    tree.write("offices/gamma.md", (GAMMA.to_owned() + said).as_bytes());
    assert_eq!(repeats(&tree.loads("the sentence on a new page")), 3);
    fs::remove_file(tree.path("offices/gamma.md")).expect("deleted");
    assert_eq!(repeats(&tree.loads("the page with it deleted")), 0);
}

#[test]
fn a_body_is_rendered_again_when_what_its_links_point_to_changes() {
    let mut tree = Tree::new(options(NOW, false));
    tree.loads("first load");
    // A link to a page that does not exist yet: the load fails, with the cache warm.
    let link = ("Intro with", "See [Gamma](@/offices/gamma.md). Intro with");
    tree.edit("about.md", link, "a link to a missing page", false);

    // The page appears: the unchanged about.md must now link to it.
    tree.write("offices/gamma.md", GAMMA.as_bytes());
    let fixed = tree.loads("the linked page added");
    assert!(
        body_of(&fixed, "about.md", "en")
            .html
            .contains("href=\"/offices/gamma/\"")
    );

    let gamma = "offices/gamma.md";
    for (step, edit, must_load) in [
        // A warning on about.md, whose link stays.
        (
            "the linked page made a draft",
            ("+++\ntitle", "+++\ndraft = true\ntitle"),
            true,
        ),
        (
            "the linked page's URL changed",
            ("draft = true", "slug = \"gamma-city\""),
            true,
        ),
        // The link is left to that page's own error.
        (
            "the linked page broken",
            ("+++\nslug", "+++\nslug = = \"x\"\nslug"),
            false,
        ),
        ("the linked page fixed", ("slug = = \"x\"\n", ""), true),
    ] {
        tree.edit(gamma, edit, step, must_load);
    }
    let moved = tree.loads("moved");
    assert!(
        body_of(&moved, "about.md", "en")
            .html
            .contains("href=\"/offices/gamma-city/\"")
    );

    // A translation of the linked page appears: about.tr.md links to it, unedited.
    let link = ("\n+++\n", "\n+++\n\n[Gamma](@/offices/gamma.md)\n");
    tree.edit("about.tr.md", link, "a Turkish link to the page", true);
    let gama =
        "+++\ntitle = \"Gama\"\ndescription = \"Üçüncü ofis.\"\nslug = \"gama\"\n+++\n\nGama.\n";
    tree.write("offices/gamma.tr.md", gama.as_bytes());
    let translated = tree.loads("the page translated");
    let about_tr = body_of(&translated, "about.md", "tr");
    assert!(
        about_tr.html.contains("href=\"/tr/offices/gama/\""),
        "{}",
        about_tr.html
    );
}

#[test]
fn drafts_broken_pages_and_site_toml_load_as_from_nothing() {
    let mut tree = Tree::new(options(NOW, false));
    tree.loads("first load");
    let draft = ("+++\ntitle", "+++\ndraft = true\ntitle");
    tree.edit("offices/beta.md", draft, "a page made a draft", true);
    tree.options.drafts = true;
    tree.loads("shown with --drafts");
    tree.options.drafts = false;

    let original = fs::read(tree.path("offices/alpha.md")).expect("alpha reads");
    for (step, broken) in [
        (
            "a page broken",
            &b"+++\ntitle = \"Alpha\"\n[office\n+++\nBroken.\n"[..],
        ),
        ("a page not UTF-8", b"+++\ntitle = \"\xff\"\n+++\n"),
    ] {
        tree.write("offices/alpha.md", broken);
        tree.check(step, false);
        tree.write("offices/alpha.md", &original);
        tree.loads("the page fixed");
    }

    for (step, edit, must_load) in [
        (
            "the title changed",
            ("Fixture Office\"", "Fixture Office 2\""),
            true,
        ),
        (
            "a language renamed",
            ("name = \"Türkçe\"", "name = \"Turkish\""),
            true,
        ),
        (
            "a language removed",
            ("[languages.tr]\nname = \"Turkish\"\n", ""),
            false,
        ),
        (
            "the language back",
            (
                "[languages.en]",
                "[languages.tr]\nname = \"T\"\n[languages.en]",
            ),
            true,
        ),
        (
            "site.toml broken",
            ("default_language", "default_languages"),
            false,
        ),
        (
            "site.toml fixed",
            ("default_languages", "default_language"),
            true,
        ),
    ] {
        tree.edit("site.toml", edit, step, must_load);
    }
}

#[test]
fn a_scheduled_page_comes_due_under_a_cache() {
    let mut tree = Tree::new(options("2998-12-31T23:59:59Z", false));
    let future = "news/2999-01-01-future-item.md";
    assert!(tree.loads("before its date").page(future, "en").is_none());
    tree.options.now = "2999-01-01T00:00:00Z".parse().expect("a timestamp");
    assert!(tree.loads("on its date").page(future, "en").is_some());
    tree.options.now = "2998-12-31T23:59:59Z".parse().expect("a timestamp");
    let back = tree.loads("the clock set back");
    let due: Timestamp = "2999-01-01T00:00:00Z".parse().expect("a timestamp");
    assert_eq!(back.next_publication, Some(due));
}

/// Without a cache, a load lets go of each page file once its body is rendered, and reads
/// it again only to place what a later stage finds in it (a broken anchor, a repeated
/// sentence): placed exactly as when the file is held. A file that changed on disk since
/// it was read is not misplaced: what the later stages find in it stands on its first
/// line, without an excerpt.
#[test]
fn problems_found_after_a_file_is_let_go_are_placed_from_the_file_read_again() {
    let tree = Tree::new(options(NOW, false));
    let said = "The office works with ministries, border police and local groups every day.";
    let pages = ["about.md", "offices/alpha.md", "offices/beta.md"];
    for file in pages {
        let text = fs::read_to_string(tree.path(file)).expect("the file reads");
        let added = format!("\n\nSee [the start](@/about.md#no-such-heading).\n\n{said}\n");
        tree.write(file, (text + &added).as_bytes());
    }
    let is_late = |d: &Diagnostic| {
        d.message.contains("is also on") || d.message.contains("no heading or element with the id")
    };
    let load = |files| match Site::load(files, &tree.options) {
        Ok(_) => panic!("a broken anchor fails the load"),
        Err(diagnostics) => diagnostics,
    };

    let files = read_dir(tree.dir.path()).expect("the copy reads");
    let second_hold = files.clone();
    let held = load(files);
    drop(second_hold);
    let let_go = load(read_dir(tree.dir.path()).expect("the copy reads"));
    assert_eq!(held, let_go);
    let late: Vec<&Diagnostic> = let_go.iter().filter(|d| is_late(d)).collect();
    assert_eq!(late.len(), 6, "{late:#?}");
    for d in &late {
        assert!(d.line > 3 && d.source_line.is_some(), "{d:#?}");
    }

    let files = read_dir(tree.dir.path()).expect("the copy reads");
    let beta = fs::read_to_string(tree.path("offices/beta.md")).expect("the file reads");
    tree.write("offices/beta.md", format!("\n{beta}").as_bytes());
    let changed = load(files);
    for d in changed.iter().filter(|d| is_late(d)) {
        if d.file == "offices/beta.md" {
            assert_eq!((d.line, d.column, &d.source_line), (1, 1, &None), "{d:#?}");
        } else {
            // Placed as before (a repeat's message names beta.md's changed place).
            let place = |d: &Diagnostic| (d.file.clone(), d.line, d.column, d.source_line.clone());
            assert!(let_go.iter().any(|e| place(e) == place(d)), "{d:#?}");
        }
    }
    let beta_early = |list: &[Diagnostic]| {
        let early = list
            .iter()
            .filter(|d| d.file == "offices/beta.md" && !is_late(d));
        early.cloned().collect::<Vec<_>>()
    };
    assert_eq!(beta_early(&changed), beta_early(&let_go));
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
        let edit = format!("\nEdit {round}.\n");
        files[edited].bytes = [&files[edited].bytes[..], edit.as_bytes()].concat().into();
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
