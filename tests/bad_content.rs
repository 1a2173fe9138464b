//! Bad content gives clear errors, all at once, each at its file, line and column; and
//! `serve` refuses to start on it. The `broken` fixture has one mistake per file; smaller
//! cases are built in temporary folders from a valid base.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{diagnostics, fixture};

/// Asserts that a diagnostic `file:line:col: error: ...message...` is in `all`.
fn expect(all: &[wbt_site::Diagnostic], file: &str, line: usize, column: usize, message: &str) {
    let found = all.iter().any(|d| {
        d.file == file && d.line == line && d.column == column && d.message.contains(message)
    });
    let list: Vec<String> = all.iter().map(ToString::to_string).collect();
    assert!(
        found,
        "expected {file}:{line}:{column}: …{message}… among:\n{}",
        list.join("\n")
    );
}

#[test]
fn every_problem_in_the_broken_tree_is_reported_at_its_place() {
    let all = diagnostics("broken");
    expect(
        &all,
        "unknown-key.md",
        3,
        1,
        "unknown key `titel`: did you mean `title`?",
    );
    expect(&all, "wrong-type.md", 4, 10, "expected a whole number");
    expect(&all, "missing-title.md", 2, 1, "missing `title`");
    expect(&all, "malformed.md", 2, 19, "this text has no closing `\"`");
    expect(&all, "unclosed.md", 1, 1, "never closed");
    expect(
        &all,
        "bad-link.md",
        6,
        5,
        "`@/nowhere.md` links to a page that does not exist",
    );
    expect(
        &all,
        "projects/bad-refs.md",
        4,
        11,
        "no page `no-such-theme` in themes/",
    );
    expect(
        &all,
        "projects/bad-refs.md",
        5,
        14,
        "no page `atlantis` in countries/",
    );
    expect(
        &all,
        "dup-two.md",
        1,
        1,
        "URL /same/ is already the URL of dup-one.md",
    );
    expect(
        &all,
        "themes/wrong-table.md",
        5,
        1,
        "`[office]` belongs only in pages under offices/",
    );
    expect(
        &all,
        "themes/wrong-table.md",
        2,
        1,
        "needs a `[theme]` table",
    );
    assert!(all.iter().all(|d| d.is_error()));
    assert_eq!(all.len(), 16, "one report per mistake, no cascades");
}

#[test]
fn serve_refuses_to_start_and_prints_every_problem() {
    let output = Command::new(env!("CARGO_BIN_EXE_wbt-site"))
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(fixture("broken"))
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in [
        "unknown-key.md:3:1: error: unknown key `titel`",
        "wrong-type.md:4:10: error: invalid type",
        "missing-title.md:2:1: error: missing `title`",
        "malformed.md:2:19: error:",
        "unclosed.md:1:1: error:",
        "bad-link.md:6:5: error:",
        "projects/bad-refs.md:4:11: error:",
        "projects/bad-refs.md:5:14: error:",
        "dup-two.md:1:1: error:",
        "16 errors, 0 warnings",
    ] {
        assert!(stderr.contains(line), "missing {line:?} in:\n{stderr}");
    }
    assert!(
        stderr.contains("3 | titel = \"Unknown key\"\n  | ^"),
        "caret under the spot"
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("serving"),
        "never bound"
    );
}

#[test]
fn check_exits_1_on_errors_and_0_on_a_clean_tree() {
    let bin = env!("CARGO_BIN_EXE_wbt-site");
    let broken = Command::new(bin)
        .arg("check")
        .arg("--content")
        .arg(fixture("broken"))
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1));
    let clean = Command::new(bin)
        .arg("check")
        .env("WBT_CONTENT", fixture("site"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&clean.stdout);
    assert_eq!(clean.status.code(), Some(0), "{report}");
    // The fixture's one hostile paragraph is cleaned, and said to be.
    assert!(report.ends_with("0 errors, 2 warnings\n"), "{report}");
    assert!(
        report.contains("about.md:11:1: warning: `<script>` is removed from the page"),
        "{report}"
    );
}

/// A valid minimal tree in a temporary folder, plus `files`.
fn tree_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = fixture("site");
    for name in ["site.toml", "i18n/en.toml", "i18n/tr.toml", "_index.md"] {
        write(
            dir.path(),
            name,
            &fs::read_to_string(base.join(name)).unwrap(),
        );
    }
    write(
        dir.path(),
        "site.toml",
        fs::read_to_string(base.join("site.toml"))
            .unwrap()
            .split("[[menu]]")
            .next()
            .unwrap(),
    );
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn problems_of(dir: &tempfile::TempDir) -> Vec<wbt_site::Diagnostic> {
    let options = wbt_site::build::BuildOptions {
        source: wbt_site::content::source::Source::Dir(dir.path().to_owned()),
        drafts: false,
        base_url: None,
        live_reload: false,
    };
    match wbt_site::build::build(&options, &wbt_site::assets::Assets::embedded(), None) {
        Ok(_) => panic!("the tree loaded without errors"),
        Err(all) => all,
    }
}

#[test]
fn more_mistakes_editors_make() {
    let dir = tree_with(&[
        (
            "orphan.tr.md",
            "+++\ntitle = \"Yetim\"\ndescription = \"Aslı yok.\"\n+++\n",
        ),
        (
            "page.de.md",
            "+++\ntitle = \"Seite\"\ndescription = \"Deutsch.\"\n+++\n",
        ),
        (
            "misc/page.md",
            "+++\ntitle = \"Misc\"\ndescription = \"Not a section.\"\n+++\n",
        ),
        (
            "news/no-date.md",
            "+++\ntitle = \"Undated\"\ndescription = \"No date.\"\n+++\n",
        ),
        (
            "bad-date.md",
            "+++\ntitle = \"Bad date\"\ndescription = \"Month 13.\"\ndate = 2020-13-01\n+++\n",
        ),
        (
            "anchor.md",
            "+++\ntitle = \"Anchor\"\ndescription = \"Bad anchor.\"\n+++\n\n[x](@/_index.md#nowhere)\n",
        ),
        (
            "themes/t.md",
            "+++\ntitle = \"T\"\ndescription = \"Unknown icon.\"\n\n[theme]\nicon = \"no-such-icon\"\n+++\n",
        ),
        (
            "countries/c.md",
            "+++\ntitle = \"C\"\ndescription = \"Bad ISO.\"\n\n[country]\nname = \"C\"\niso = \"cc\"\nprofile = [\"tourist\"]\n+++\n",
        ),
        (
            "aliased.md",
            "+++\ntitle = \"Aliased\"\ndescription = \"Alias clashes.\"\naliases = [\"/\"]\n+++\n",
        ),
    ]);
    let all = problems_of(&dir);
    expect(&all, "orphan.tr.md", 1, 1, "translation has no original");
    expect(
        &all,
        "page.de.md",
        1,
        1,
        "`de` in the file name is not a language",
    );
    expect(&all, "misc/page.md", 1, 1, "`misc/` is not a section");
    expect(&all, "news/no-date.md", 2, 1, "a news item needs a `date`");
    expect(&all, "bad-date.md", 4, 8, "");
    expect(
        &all,
        "anchor.md",
        6,
        1,
        "no heading or element with the id `nowhere`",
    );
    expect(&all, "themes/t.md", 6, 8, "there is no icon `no-such-icon`");
    expect(&all, "countries/c.md", 8, 12, "unknown variant `tourist`");
    expect(
        &all,
        "aliased.md",
        4,
        12,
        "the alias / is already the URL of _index.md",
    );
}

#[test]
fn anchors_are_checked_within_the_page_and_on_the_page_a_path_leads_to() {
    let dir = tree_with(&[
        (
            "target.md",
            "+++\ntitle = \"Target\"\ndescription = \"Has parts.\"\n+++\n\n## Funding\n\n<div id=\"raw-part\">Raw.</div>\n",
        ),
        (
            "links.md",
            "+++\ntitle = \"Links\"\ndescription = \"Links to parts.\"\n+++\n\n## Scope\n\n\
             [a](#scope)\n[b](#main)\n[c](#scop)\n[d](/target/#funding)\n[e](/target/#raw-part)\n\
             [f](/target/#fundng)\n[g](@/target.md#raw-part)\n[h](#)\n[i](/target/?x=1#funding)\n",
        ),
    ]);
    let all = problems_of(&dir);
    expect(
        &all,
        "links.md",
        10,
        1,
        "this page has no heading or element with the id `scop`: did you mean `#scope`?",
    );
    expect(
        &all,
        "links.md",
        13,
        1,
        "`/target/` has no heading or element with the id `fundng`: did you mean `#funding`?",
    );
    let anchors: Vec<_> = all
        .iter()
        .filter(|d| d.message.contains("no heading or element"))
        .collect();
    assert_eq!(anchors.len(), 2, "{anchors:?}");
}

#[test]
fn the_home_page_and_section_pages_are_required() {
    let dir = tree_with(&[(
        "offices/solo.md",
        "+++\ntitle = \"Solo\"\ndescription = \"An office without a section page.\"\n\n[office]\ncity = \"Solo\"\ncountry = \"x\"\nlatitude = 1.0\nlongitude = 1.0\n+++\n",
    )]);
    fs::remove_file(dir.path().join("_index.md")).unwrap();
    let all = problems_of(&dir);
    expect(&all, "_index.md", 1, 1, "the site has no home page");
    expect(
        &all,
        "offices/_index.md",
        1,
        1,
        "offices/ has pages but no section page",
    );
}

#[test]
fn a_missing_interface_string_names_the_key() {
    let dir = tree_with(&[]);
    let en = fs::read_to_string(dir.path().join("i18n/en.toml")).unwrap();
    let without: String = en
        .lines()
        .filter(|l| !l.starts_with("back_home"))
        .collect::<Vec<_>>()
        .join("\n");
    write(dir.path(), "i18n/en.toml", &without);
    let all = problems_of(&dir);
    assert!(
        all.iter()
            .any(|d| d.file == "i18n/en.toml" && d.message.contains("missing field `back_home`")),
        "{all:?}"
    );
}

#[test]
fn a_broken_tree_is_left_as_it_was() {
    let dir = tree_with(&[("broken.md", "+++\ntitle = \"x\"\n")]);
    let before = fs::read(dir.path().join("broken.md")).unwrap();
    let _ = problems_of(&dir);
    assert_eq!(fs::read(dir.path().join("broken.md")).unwrap(), before);
}
