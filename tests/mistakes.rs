//! The mistakes editors make, one fixture each: `tests/fixtures/mistakes/<name>/` holds one
//! file, laid over a copy of the `site` fixture. `check` (the real binary) must report
//! each at its file, line and column with the fix in the message, and nothing else that
//! follows from it; and the README's catalogue of messages must quote what `check`
//! prints, verbatim, so that it cannot drift.

mod common;

use std::process::Command;

use common::{copy_dir, copy_fixture, fixture};

const BIN: &str = env!("CARGO_BIN_EXE_wbt-site");

/// The `site` fixture's own report: its one hostile paragraph is cleaned, and said to be.
const BASE_WARNINGS: usize = 2;

/// A mistake: its fixture, where `check` must report it, and the fix its message gives.
struct Mistake {
    fixture: &'static str,
    at: &'static str,
    error: bool,
    fix: &'static str,
}

const DATE_FIX: &str =
    "is not a date: write a date as 2025-03-01, a month as \"2025-03\", a year as \"2025\"";

const MISTAKES: [Mistake; 25] = [
    Mistake {
        fixture: "relative-link",
        at: "visit.md:6:6",
        error: true,
        fix: "did you mean `/media/doc.txt`?",
    },
    Mistake {
        fixture: "md-path-link",
        at: "visit.md:6:20",
        error: true,
        fix: "did you mean `@/offices/alpha.md`?",
    },
    Mistake {
        fixture: "at-without-slash",
        at: "visit.md:6:20",
        error: true,
        fix: "did you mean `@/offices/alpha.md`?",
    },
    Mistake {
        fixture: "at-link-typo",
        at: "visit.md:6:20",
        error: true,
        fix: "`@/offices/alpah.md` links to a page that does not exist: did you mean `@/offices/alpha.md`?",
    },
    Mistake {
        fixture: "html-relative-link",
        at: "visit.md:6:23",
        error: true,
        fix: "did you mean `/offices/alpha/`?",
    },
    Mistake {
        fixture: "missing-image",
        at: "visit.md:6:1",
        error: true,
        fix: "add the file media/map.png, or correct the address",
    },
    Mistake {
        fixture: "video-embed",
        at: "visit.md:8:1",
        error: false,
        fix: "`<iframe>` is removed from the page: link to the video instead, as in [Watch the video](https://www.youtube.com/embed/abc123)",
    },
    Mistake {
        fixture: "menu-draft",
        at: "site.toml:19:8",
        error: false,
        fix: "a draft: it stays out of the menu until you remove `draft = true` from it",
    },
    Mistake {
        fixture: "menu-scheduled",
        at: "site.toml:19:8",
        error: false,
        fix: "scheduled for 2999-01-01: it stays out of the menu until then",
    },
    Mistake {
        fixture: "menu-missing",
        at: "site.toml:19:8",
        error: true,
        fix: "which is not a page of the content: did you mean `offices/_index.md`?",
    },
    Mistake {
        fixture: "untranslated-interface",
        at: "i18n/tr.toml:1:1",
        error: false,
        fix: "77 of its 77 strings are the same as in i18n/en.toml: translate them",
    },
    Mistake {
        fixture: "unquoted-date",
        at: "news/2020-02-01-forum.md:4:8",
        error: true,
        fix: DATE_FIX,
    },
    Mistake {
        fixture: "unquoted-month",
        at: "news/2020-02-01-forum.md:4:8",
        error: true,
        fix: "`2025-03` needs quotes: write a date as 2025-03-01, a month as \"2025-03\", a year as \"2025\"",
    },
    Mistake {
        fixture: "quoted-date",
        at: "news/2020-02-01-forum.md:4:8",
        error: true,
        fix: DATE_FIX,
    },
    Mistake {
        fixture: "impossible-date",
        at: "news/2020-02-01-forum.md:4:8",
        error: true,
        fix: DATE_FIX,
    },
    Mistake {
        fixture: "quote-in-title",
        at: "news/2020-02-01-forum.md:2:14",
        error: true,
        fix: "write it as `\\\"`, or put the whole text in single quotes: title = 'The \"Safe Return\" forum'",
    },
    Mistake {
        fixture: "misspelt-key",
        at: "news/2020-02-01-forum.md:3:1",
        error: true,
        fix: "unknown key `descripton`: did you mean `description`?",
    },
    Mistake {
        fixture: "misspelt-setting",
        at: "site.toml:11:2",
        error: true,
        fix: "unknown table `[organsation]`: did you mean `[organisation]`?",
    },
    Mistake {
        fixture: "word-for-number",
        at: "offices/alpha.md:4:10",
        error: true,
        fix: "`weight` is a number, written in digits without quotes: weight = 10",
    },
    Mistake {
        fixture: "bad-base-url",
        at: "site.toml:2:12",
        error: true,
        fix: "`base_url` is the site's public address: not an absolute URL: write it with its scheme, such as https://wbt.example.org",
    },
    Mistake {
        fixture: "misspelt-interface-key",
        at: "i18n/tr.toml:1:1",
        error: true,
        fix: "unknown key `skip_to_contnet`: the interface text has no such string: did you mean `skip_to_content`?",
    },
    Mistake {
        fixture: "theme-for-themes",
        at: "news/2020-02-01-forum.md:4:1",
        error: true,
        fix: "did you mean `themes`?",
    },
    Mistake {
        fixture: "misspelt-table",
        at: "offices/gamma.md:5:2",
        error: true,
        fix: "did you mean `[office]`? (the section tables are [home], [office],",
    },
    Mistake {
        fixture: "misspelt-slug",
        at: "news/2020-02-01-forum.md:4:14",
        error: true,
        fix: "did you mean `land-a`? (countries/ has land-a, land-k)",
    },
    Mistake {
        fixture: "unknown-language",
        at: "about.de.md:1:1",
        error: true,
        fix: "put `[languages.de]` with `name = \"...\"` (the language's name in itself) in site.toml and create i18n/de.toml",
    },
];

/// The ten mistakes the README's catalogue shows, by fixture.
const CATALOGUE: [&str; 10] = [
    "relative-link",
    "md-path-link",
    "video-embed",
    "unquoted-date",
    "quote-in-title",
    "misspelt-key",
    "theme-for-themes",
    "misspelt-slug",
    "menu-draft",
    "unknown-language",
];

/// `check`'s report on the `site` fixture with the mistake `name` laid over it.
fn check(name: &str) -> (Option<i32>, String) {
    check_with(name, &[])
}

/// `check`'s report on the `site` fixture with the mistake `name` and `pages` laid over it.
fn check_with(name: &str, pages: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = copy_fixture("site");
    copy_dir(&fixture("mistakes").join(name), dir.path());
    for (file, text) in pages {
        std::fs::write(dir.path().join(file), text).expect("write a page");
    }
    let output = Command::new(BIN)
        .arg("check")
        .arg("--content")
        .arg(dir.path())
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The diagnostic line of `report` at `at` (`file:line:col`).
fn line_at<'r>(report: &'r str, at: &str) -> Option<&'r str> {
    report
        .lines()
        .find(|line| line.starts_with(&format!("{at}: ")))
}

#[test]
fn each_mistake_is_reported_at_its_place_with_its_fix_and_nothing_else() {
    for mistake in &MISTAKES {
        let (code, report) = check(mistake.fixture);
        let line = line_at(&report, mistake.at).unwrap_or_else(|| {
            panic!(
                "{}: nothing at {} in:\n{report}",
                mistake.fixture, mistake.at
            )
        });
        let severity = if mistake.error { "error" } else { "warning" };
        assert!(
            line.starts_with(&format!("{}: {severity}: ", mistake.at))
                && line.contains(mistake.fix),
            "{}: expected a {severity} with …{}…, got:\n{line}",
            mistake.fixture,
            mistake.fix
        );
        // site.toml that cannot be read stops loading before the pages are read.
        let (errors, warnings) = match (mistake.error, mistake.fixture == "misspelt-setting") {
            (true, true) => (1, 0),
            (true, false) => (1, BASE_WARNINGS),
            (false, _) => (0, BASE_WARNINGS + 1),
        };
        assert!(
            report.ends_with(&format!(
                "{errors} error{}, {warnings} warnings\n",
                if errors == 1 { "" } else { "s" }
            )),
            "{}: one report for the mistake, no more:\n{report}",
            mistake.fixture
        );
        assert_eq!(code, Some(i32::from(mistake.error)), "{}", mistake.fixture);
    }
}

#[test]
fn a_page_that_fails_to_parse_opens_the_report_and_its_follow_ons_are_held_back() {
    let linking = "+++\ntitle = \"Linking\"\ndescription = \"Links to the broken page.\"\n+++\n\n\
                   Read [about us](/about/) or [about us again](@/about.md).\n";
    let (_, report) = check_with("broken-page-noise", &[("linking.md", linking)]);
    assert!(
        report.starts_with(
            "about.md:2:27: error: this text has no closing `\"`: end it on the same line"
        ),
        "{report}"
    );
    // Its image (media/doc.txt) is used by nothing else; the menu and a page link to it.
    assert!(!report.contains("nothing links to this file"), "{report}");
    assert!(!report.contains("site.toml"), "{report}");
    assert!(!report.contains("linking.md"), "{report}");
    assert!(report.ends_with("1 error, 0 warnings\n"), "{report}");
    // Before the warnings of files that sort ahead of it (about.md's).
    let (_, report) = check("quote-in-title");
    assert!(
        report.starts_with("news/2020-02-01-forum.md:2:14: error: "),
        "{report}"
    );
}

#[test]
fn a_link_to_search_is_a_link_to_a_page() {
    let (code, report) = check("search-link");
    assert_eq!(code, Some(0));
    assert!(!report.contains("visit.md"), "{report}");
}

#[test]
fn the_readme_catalogue_quotes_what_check_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for name in CATALOGUE {
        let mistake = MISTAKES
            .iter()
            .find(|m| m.fixture == name)
            .expect("a catalogued mistake has a fixture");
        let (_, report) = check(name);
        let line = line_at(&report, mistake.at).expect("reported");
        assert!(
            readme.contains(&format!("\n{line}\n")),
            "README.md's catalogue lacks, verbatim:\n{line}"
        );
    }
}
