//! The site in several languages: Turkish by its own rules (alphabet, slugs), a switcher
//! and alternates that lead to the same page in each language, the region's other
//! languages ready to switch on, and clear reports for bad language input.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{copy_fixture, get, router, router_for};
use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions};
use wbt_site::content::source::Source;

fn options_for(dir: PathBuf) -> BuildOptions {
    BuildOptions {
        source: Source::Dir(dir),
        drafts: false,
        base_url: None,
        live_reload: false,
    }
}

#[tokio::test]
async fn turkish_listings_sort_by_turkish_titles_in_the_turkish_alphabet() {
    let app = router();
    let tr = get(&app, "/tr/countries/").await.text();
    // English order is Land A, Land K; byte order would put "Ilgaz" before "Çam".
    let cam = tr.find("Çam Ülkesi").expect("land-k in Turkish");
    let ilgaz = tr.find("Ilgaz Ülkesi").expect("land-a in Turkish");
    assert!(cam < ilgaz, "ç comes before ı in Turkish");
    let en = get(&app, "/countries/").await.text();
    assert!(en.find("Land A") < en.find("Land K"));
}

#[tokio::test]
async fn a_translation_slug_leads_the_switcher_hreflang_and_links() {
    let app = router();
    let en = get(&app, "/countries/land-a/").await.text();
    assert!(en.contains("<link rel=\"alternate\" hreflang=\"tr\" href=\"https://fixture.example/tr/countries/ilgaz/\">"), "{en}");
    assert!(en.contains("<link rel=\"alternate\" hreflang=\"x-default\" href=\"https://fixture.example/countries/land-a/\">"), "{en}");
    assert!(
        en.contains("<a href=\"/tr/countries/ilgaz/\" hreflang=\"tr\" lang=\"tr\">Türkçe</a>"),
        "{en}"
    );
    let tr = get(&app, "/tr/countries/ilgaz/").await;
    assert_eq!(tr.status, 200);
    assert!(tr.text().contains("<html lang=\"tr\">"));
    // No redirect on Accept-Language: the address decides the language.
    let asked = common::get_with(&app, "/countries/land-a/", &[("accept-language", "tr")]).await;
    assert_eq!(asked.status, 200);
    assert!(asked.text().contains("<html lang=\"en\">"));
    // A page with one version has no x-default.
    let single = get(&app, "/offices/beta/").await.text();
    assert!(!single.contains("x-default"), "{single}");
}

#[tokio::test]
async fn the_sitemap_lists_every_version_with_its_alternates() {
    let app = router();
    let sitemap = get(&app, "/sitemap.xml").await.text();
    assert!(sitemap.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""));
    let entry = sitemap
        .lines()
        .find(|l| l.contains("<loc>https://fixture.example/tr/countries/ilgaz/</loc>"))
        .expect("the Turkish version is listed");
    assert!(entry.contains("<xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://fixture.example/countries/land-a/\"/>"), "{entry}");
    assert!(entry.contains("<xhtml:link rel=\"alternate\" hreflang=\"tr\" href=\"https://fixture.example/tr/countries/ilgaz/\"/>"), "{entry}");
}

#[tokio::test]
async fn the_regions_languages_switch_on_with_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content"),
        dir.path(),
    );
    let site_toml = dir.path().join("site.toml");
    let mut config = fs::read_to_string(&site_toml).unwrap();
    for (code, name) in [
        ("sr", "Srpski"),
        ("bs", "Bosanski"),
        ("mk", "Македонски"),
        ("sq", "Shqip"),
    ] {
        config = config.replacen(
            "[organisation]",
            &format!("[languages.{code}]\nname = \"{name}\"\n\n[organisation]"),
            1,
        );
    }
    fs::write(&site_toml, config).unwrap();
    let app = router_for(&options_for(dir.path().to_owned()));
    for (code, home, month) in [
        ("sr", "Početna", "jul 2025"),
        ("bs", "Početna", "juli 2025"),
        ("mk", "Почетна", "јули 2025"),
        ("sq", "Kreu", "korrik 2025"),
    ] {
        let page = get(&app, &format!("/{code}/news/")).await;
        assert_eq!(page.status, 200, "/{code}/news/");
        let text = page.text();
        assert!(text.contains(&format!("<html lang=\"{code}\">")), "{code}");
        assert!(text.contains(home), "{code}: interface text in {home:?}");
        assert!(
            text.contains("lang=\"en\""),
            "{code}: English text is marked"
        );
        assert!(
            text.to_lowercase().contains(month),
            "{code}: a date in {month:?}"
        );
    }
}

/// The diagnostics of a tree made from the `site` fixture by `change`.
fn report_of(change: impl FnOnce(&std::path::Path)) -> Vec<String> {
    let dir = copy_fixture("site");
    change(dir.path());
    let all = match build::load(
        &options_for(dir.path().to_owned()),
        &Assets::embedded(),
        jiff::Timestamp::now(),
    ) {
        Ok(site) => site.warnings,
        Err(all) => all,
    };
    all.iter().map(ToString::to_string).collect()
}

#[test]
fn bad_language_input_is_reported_at_its_place() {
    let found = report_of(|dir| {
        fs::write(
            dir.join("about.de.md"),
            "+++\ntitle = \"Über\"\ndescription = \"x\"\n+++\n",
        )
        .unwrap();
        let tr = dir.join("i18n/tr.toml");
        let text = fs::read_to_string(&tr).unwrap();
        let text = text.replace("home = ", "hom = ");
        fs::write(&tr, format!("{text}\nserach = \"Ara\"\n")).unwrap();
    });
    let all = found.join("\n");
    assert!(
        all.contains(
            "about.de.md:1:1: error: `de` in the file name is not a language of this site (en, tr): to add it, put `[languages.de]` with `name = \"...\"` (the language's name in itself) in site.toml and create i18n/de.toml from i18n/en.toml"
        ),
        "{all}"
    );
    assert!(all.contains("error: unknown key `hom`"), "{all}");
    assert!(all.contains("error: unknown key `serach`"), "{all}");

    let found = report_of(|dir| {
        let tr = dir.join("i18n/tr.toml");
        let text = fs::read_to_string(&tr).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("back_home"))
            .collect();
        fs::write(&tr, kept.join("\n")).unwrap();
    });
    let all = found.join("\n");
    assert!(all.contains("i18n/tr.toml:1:1: warning: `back_home` is missing: visitors see the default language's text"), "{all}");
    assert!(
        !all.contains("error"),
        "a missing string is not an error: {all}"
    );

    let found = report_of(|dir| {
        let config = fs::read_to_string(dir.join("site.toml")).unwrap();
        fs::write(
            dir.join("site.toml"),
            config.replace("[languages.tr]", "[languages.Turkish]"),
        )
        .unwrap();
    });
    let all = found.join("\n");
    assert!(
        all.contains("site.toml:8:1: error: `Turkish` is not a BCP 47 language tag"),
        "{all}"
    );
    assert_eq!(found.len(), 1, "no cascade of errors on the pages: {all}");
}
