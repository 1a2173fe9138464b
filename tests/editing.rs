//! The editors' workflow: `check` reports, `serve --watch` live preview with its error
//! overlay, scheduled pages appearing on a running server, and `new` pages. Each test runs
//! the real binary on a temporary copy of the `site` fixture.

mod common;

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Server, copy_fixture};

const BIN: &str = env!("CARGO_BIN_EXE_wbt-site");

fn check(dir: &std::path::Path) -> (Option<i32>, String) {
    let output = Command::new(BIN)
        .arg("check")
        .arg("--content")
        .arg(dir)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// A page written on one long line (as pasted from a minified export) with a problem
/// every few characters: each is reported, and shows only the part of the line around it.
#[test]
fn check_shows_a_long_line_around_each_problem_not_whole() {
    let dir = copy_fixture("site");
    let line = vec!["[click here](/about/)"; 2000].join(" ");
    fs::write(
        dir.path().join("long.md"),
        format!("+++\ntitle = \"Long\"\ndescription = \"One line.\"\n+++\n\n{line}\n"),
    )
    .unwrap();
    let (code, report) = check(dir.path());
    assert_eq!(code, Some(0), "{}", &report[..2000.min(report.len())]);
    assert!(
        report.ends_with("0 errors, 2002 warnings\n"),
        "{}",
        &report[report.len() - 200..]
    );
    let at = report
        .find("long.md:6:43979: warning")
        .expect("the last link's warning");
    let shown: Vec<&str> = report[at..].lines().take(4).collect();
    assert!(
        shown[2].starts_with("6 | …") && shown[2].ends_with("(/about/)"),
        "{shown:?}"
    );
    let caret = shown[3].chars().position(|c| c == '^').expect("a caret");
    assert_eq!(
        shown[2].chars().skip(caret).take(12).collect::<String>(),
        "[click here]"
    );
    assert!(
        report.lines().all(|l| l.chars().count() < 200),
        "a line is shown whole"
    );
}

#[test]
fn check_reports_accessibility_links_media_and_descriptions() {
    let dir = copy_fixture("site");
    fs::write(
        dir.path().join("checked.md"),
        "+++\ntitle = \"Checked\"\ndescription = \"A page with every kind of problem check looks for.\"\n+++\n\n\
         # Second h1\n\n#### Skipped\n\n![](/media/doc.txt)\n\n[click here](/offices/alpha/) [](/about/)\n\n\
         [gone](/offices/gamma/) [bare](/offices/alpha) [old](/old-about/) [draft](/news/draft-item/)\n",
    )
    .unwrap();
    let long = "x".repeat(170);
    fs::write(
        dir.path().join("long.md"),
        format!("+++\ntitle = \"Long\"\ndescription = \"{long}\"\n+++\n\n[Alpha office](/offices/alpha/)\n"),
    )
    .unwrap();
    fs::write(dir.path().join("media/unused.pdf"), b"%PDF-1.4").unwrap();
    let (code, report) = check(dir.path());
    assert_eq!(code, Some(1), "{report}");
    for line in [
        "checked.md:6:1: warning: a second h1",
        "checked.md:8:1: warning: the heading jumps from h1 to h4",
        "checked.md:10:1: error: the image `/media/doc.txt` has no alt text",
        "checked.md:12:1: warning: the link text \"click here\" says nothing on its own",
        "checked.md:12:31: warning: the link to `/about/` has no text",
        "checked.md:14:1: error: /offices/gamma/ is not a page or file of this site",
        "checked.md:14:25: warning: /offices/alpha redirects to /offices/alpha/",
        "checked.md:14:48: warning: /old-about/ is an old address of /about/",
        "checked.md:14:67: warning: /news/draft-item/ is a draft or scheduled page",
        "long.md:3:15: warning: the description has 170 characters",
        "media/unused.pdf:1:1: warning: nothing links to this file",
        "2 errors, 11 warnings", // with the fixture's own two: its hostile HTML is cleaned
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
    assert!(
        report.contains("14 | [gone](/offices/gamma/)"),
        "the offending line is shown"
    );
    assert!(
        !report.contains("media/doc.txt:1:1: warning"),
        "an image counts as a use"
    );
}

/// Waits (20 s at most) for the next `reload` on a live-reload event stream.
async fn next_reload_event(events: &mut reqwest::Response) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = String::new();
    while Instant::now() < deadline {
        let chunk = tokio::time::timeout(Duration::from_secs(20), events.chunk())
            .await
            .expect("an event within 20 s")
            .expect("stream reads")
            .expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if seen.contains("event: reload") {
            return;
        }
    }
    panic!("no reload event: {seen}");
}

#[tokio::test]
async fn under_watch_a_page_coming_due_reloads_open_pages() {
    let dir = copy_fixture("site");
    let due = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3))
        .round(jiff::Unit::Second)
        .unwrap();
    fs::write(
        dir.path().join("news/soon.md"),
        format!(
            "+++\ntitle = \"Soon\"\ndescription = \"Due shortly.\"\ndate = {due}\n+++\n\nNow.\n"
        ),
    )
    .unwrap();
    let server = Server::watching(dir.path());
    assert_eq!(server.get("/news/soon/").await.status(), 404);
    let mut events = server.get("/_wbt/events").await;
    next_reload_event(&mut events).await;
    assert!(jiff::Timestamp::now() >= due);
    assert_eq!(server.get("/news/soon/").await.status(), 200);
    server.terminate();
}

#[tokio::test]
async fn watch_rebuilds_reloads_shows_errors_and_recovers() {
    let dir = copy_fixture("site");
    let server = Server::watching(dir.path());

    let page = server.text("/about/").await;
    assert!(
        page.contains("<script src=\"/_wbt/live.js\" defer></script>"),
        "reload script injected"
    );
    let script = server.get("/_wbt/live.js").await;
    assert_eq!(script.status(), 200);
    assert!(
        script
            .text()
            .await
            .unwrap()
            .contains("EventSource('/_wbt/events')")
    );

    let mut events = server.get("/_wbt/events").await;
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let mut next_reload = async || next_reload_event(&mut events).await;

    // An edit written through a temporary file and a rename, as many editors save.
    let about = dir.path().join("about.md");
    let edited = fs::read_to_string(&about)
        .unwrap()
        .replace("About the fixture", "About, edited");
    let temp = dir.path().join(".about.md.swp");
    fs::write(&temp, edited).unwrap();
    fs::rename(&temp, &about).unwrap();
    next_reload().await;
    let page = server.get("/about/").await;
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<h1>About, edited</h1>")
    );

    // A broken file: the overlay shows the report; assets and the last good site stay.
    let alpha = dir.path().join("offices/alpha.md");
    let good = fs::read_to_string(&alpha).unwrap();
    fs::write(
        &alpha,
        good.replace("title = \"Alpha\"", "titel = \"Alpha\""),
    )
    .unwrap();
    next_reload().await;
    let overlay = server.get("/about/").await;
    assert_eq!(overlay.status(), 500);
    let overlay = overlay.text().await.unwrap();
    assert!(
        overlay.contains("offices/alpha.md:2:1: error: unknown key `titel`: did you mean `title`?"),
        "{overlay}"
    );
    assert!(
        overlay.contains("/_wbt/live.js"),
        "the overlay reloads itself too"
    );
    let media = server.get("/media/doc.txt").await;
    assert_eq!(media.status(), 200, "files are still served");

    // Fixing the file brings the site back, without a restart.
    fs::write(&alpha, good).unwrap();
    next_reload().await;
    let page = server.get("/offices/alpha/").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Alpha City"));

    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

#[tokio::test]
async fn a_scheduled_page_appears_on_the_running_server_on_time() {
    let dir = copy_fixture("site");
    let due = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3);
    let due = due.round(jiff::Unit::Second).unwrap();
    fs::write(
        dir.path().join("news/soon.md"),
        format!("+++\ntitle = \"Soon\"\ndescription = \"Due in a few seconds.\"\ndate = {due}\n+++\n\nIt is time.\n"),
    )
    .unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(dir.path());
    let server = Server::start(command);
    assert_eq!(server.get("/news/soon/").await.status(), 404);
    let listing = server.text("/news/").await;
    assert!(!listing.contains("/news/soon/"));

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = server.get("/news/soon/").await;
        if reply.status() == 200 {
            assert!(jiff::Timestamp::now() >= due, "not before its time");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page did not appear within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listing = server.text("/news/").await;
    assert!(listing.contains("/news/soon/"), "and in its listing");
    let sitemap = server.text("/sitemap.xml").await;
    assert!(sitemap.contains("/news/soon/"), "and in the sitemap");
    server.terminate();
}

#[test]
fn new_pages_start_with_their_sections_fields() {
    let dir = copy_fixture("site");
    for (target, file, fields) in [
        (
            "offices/tirana",
            "offices/tirana.md",
            &[
                "[office]",
                "city = \"\"",
                "country = \"\"",
                "latitude",
                "# phone",
            ][..],
        ),
        (
            "countries/greece",
            "countries/greece.md",
            &["[country]", "iso = \"\"", "profile = []"][..],
        ),
        (
            "themes/data",
            "themes/data.md",
            &["[theme]", "icon = \"\""][..],
        ),
        (
            "leadership/deputy",
            "leadership/deputy.md",
            &["[person]", "role = \"\"", "# name"][..],
        ),
        (
            "projects/next",
            "projects/next.md",
            &["[project]", "status = \"ongoing\"", "donors = []"][..],
        ),
        (
            "contact-us",
            "contact-us.md",
            &["title = \"Contact us\"", "draft = true"][..],
        ),
    ] {
        let output = Command::new(BIN)
            .args(["new", target, "--content"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = fs::read_to_string(dir.path().join(file)).unwrap();
        for field in fields {
            assert!(text.contains(field), "{file} lacks {field:?}:\n{text}");
        }
        assert!(text.contains("description = \"\""));
    }
    let news = Command::new(BIN)
        .args(["new", "news/opening", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(news.status.success());
    let today = jiff::Zoned::now().date();
    let text = fs::read_to_string(dir.path().join(format!("news/{today}-opening.md"))).unwrap();
    assert!(text.contains(&format!("date = {today}")));

    let again = Command::new(BIN)
        .args(["new", "offices/tirana", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = Command::new(BIN)
        .args(["new", "misc/x", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));

    // A new page is a draft that loads: its empty fields are warnings that say what to do,
    // so a running preview never breaks; they become errors once the draft is published.
    let (code, report) = check(dir.path());
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("offices/tirana.md:4:15: warning: `description` is empty: fill it in before you publish this draft"),
        "{report}"
    );
    assert!(
        report.contains("`city` in [office] is empty: fill it in"),
        "{report}"
    );
    assert!(
        report.contains("`iso` in [country] is empty: fill it in"),
        "{report}"
    );
    let tirana = dir.path().join("offices/tirana.md");
    let published = fs::read_to_string(&tirana)
        .unwrap()
        .replace("draft = true", "draft = false");
    fs::write(&tirana, published).unwrap();
    let (code, report) = check(dir.path());
    assert_eq!(code, Some(1));
    assert!(
        report.contains("offices/tirana.md:4:15: error: `description` is empty\n"),
        "{report}"
    );

    // A slug copied from a file name keeps one date, and no date reaches the title.
    let dated = Command::new(BIN)
        .args(["new", "news/2026-11-28-forum", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        dated.status.success(),
        "{}",
        String::from_utf8_lossy(&dated.stderr)
    );
    let text = fs::read_to_string(dir.path().join(format!("news/{today}-forum.md"))).unwrap();
    assert!(text.contains("title = \"Forum\""), "{text}");
}

/// Waits until `path` on `server` contains `needle` (polling; the watcher acts on its own
/// time), failing after ten seconds.
async fn eventually(server: &Server, path: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = server.text(path).await;
        if text.contains(needle) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} never showed {needle:?}:\n{text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_content_folder_deleted_and_restored_comes_back_under_watch() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("content");
    common::copy_dir(&common::fixture("site"), &dir);
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--watch", "--addr", "127.0.0.1:0", "--content"])
        .arg(&dir);
    let server = Server::start(command);
    assert!(server.text("/about/").await.contains("About the fixture"));

    // A deploy that swaps the folder: gone for a moment, then back with new text.
    let aside = parent.path().join("content.old");
    fs::rename(&dir, &aside).unwrap();
    eventually(&server, "/about/", "cannot read the content").await;
    common::copy_dir(&aside, &dir);
    let about = dir.join("about.md");
    let text = fs::read_to_string(&about).unwrap();
    fs::write(&about, text.replace("About the fixture", "About, restored")).unwrap();
    eventually(&server, "/about/", "<h1>About, restored</h1>").await;

    // And it is watched again: a later save shows too.
    let text = fs::read_to_string(&about).unwrap();
    fs::write(
        &about,
        text.replace("About, restored", "About, saved later"),
    )
    .unwrap();
    eventually(&server, "/about/", "<h1>About, saved later</h1>").await;
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

/// Compares every route the server under `--watch` answers for `dir` with a fresh build
/// of the same folder, byte for byte, and checks that the routes of `gone` (an earlier
/// build's) that the fresh build no longer has are not served as pages. The fresh
/// build's routes, or the first difference found.
async fn compare_with_a_fresh_build(
    server: &Server,
    dir: &std::path::Path,
    gone: &[String],
) -> Result<Vec<String>, String> {
    let options = wbt_site::build::BuildOptions {
        source: wbt_site::content::source::Source::Dir(dir.to_owned()),
        drafts: false,
        base_url: None,
        live_reload: true,
    };
    // The whole-site render, every page made at once: what the server's pages, made on
    // their first request, must equal.
    let assets = wbt_site::assets::Assets::embedded();
    let site = wbt_site::build::load(&options, &assets, jiff::Timestamp::now())
        .map_err(|d| wbt_site::diagnostic::report(&d))?;
    let fresh = wbt_site::render::render(&site, &assets, true).map_err(|e| e.to_string())?;
    let mut routes: Vec<String> = fresh.routes.keys().cloned().collect();
    routes.sort();
    for path in &routes {
        let reply = server.get(path).await;
        let status = reply.status();
        let body = reply.bytes().await.map_err(|e| format!("{path}: {e}"))?;
        if status != 200 || body != fresh.routes[path].identity {
            return Err(format!(
                "{path} differs from a fresh build ({status}):\n{}",
                String::from_utf8_lossy(&body)
            ));
        }
    }
    for path in gone.iter().filter(|p| !fresh.routes.contains_key(*p)) {
        if server.get(path).await.status() == 200 {
            return Err(format!("{path} is gone but still served"));
        }
    }
    Ok(routes)
}

/// [`compare_with_a_fresh_build`] until it agrees (a save may reach the watcher as more
/// than one event, and so more than one rebuild), for at most 20 s.
async fn until_it_equals_a_fresh_build(
    server: &Server,
    dir: &std::path::Path,
    gone: &[String],
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match compare_with_a_fresh_build(server, dir, gone).await {
            Ok(routes) => return routes,
            Err(difference) if Instant::now() > deadline => panic!("{difference}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// One change an editor makes to the content folder.
type Change<'a> = Box<dyn Fn() + 'a>;

/// Saves `text` as `path` the way many editors do: a temporary file renamed over it.
fn save(path: &std::path::Path, text: &str) {
    let temp = path.with_file_name(".saving.tmp");
    fs::write(&temp, text).unwrap();
    fs::rename(&temp, path).unwrap();
}

#[tokio::test]
async fn under_watch_every_route_equals_a_fresh_build_after_edits_adds_renames_and_deletes() {
    let dir = copy_fixture("site");
    // Files left alone for 2 s are not read again while unchanged (`source::FileCache`):
    // wait that long, so that the rebuilds below take the files they do not change from
    // there.
    std::thread::sleep(Duration::from_millis(2100));
    let server = Server::watching(dir.path());
    let mut events = server.get("/_wbt/events").await;
    let mut routes = until_it_equals_a_fresh_build(&server, dir.path(), &[]).await;
    let (news, about) = (dir.path().join("news"), dir.path().join("about.md"));
    let media = dir.path().join("media");
    let item = fs::read_to_string(news.join("2020-01-01-item-01.md")).unwrap();
    let steps: [(&str, Change); 7] = [
        (
            "an edited title",
            Box::new(|| {
                let text = fs::read_to_string(&about).unwrap();
                save(&about, &text.replace("About the fixture", "About, edited"));
            }),
        ),
        (
            "a news item added",
            Box::new(|| {
                let added = item.replace("News item 01", "News item added");
                save(&news.join("2020-02-01-added.md"), &added);
            }),
        ),
        (
            "a news item renamed",
            Box::new(|| {
                let from = news.join("2020-01-05-item-05.md");
                fs::rename(from, news.join("2020-01-05-item-five.md")).unwrap();
            }),
        ),
        (
            "a news item deleted",
            Box::new(|| fs::remove_file(news.join("2020-01-04-item-04.md")).unwrap()),
        ),
        (
            "an office deleted",
            Box::new(|| fs::remove_file(dir.path().join("offices/beta.md")).unwrap()),
        ),
        // The watcher names a folder, not each file in it: what is under it is looked at.
        (
            "a folder of media added",
            Box::new(|| {
                fs::create_dir(media.join("extra")).unwrap();
                fs::write(media.join("extra/notes.txt"), "notes").unwrap();
            }),
        ),
        (
            "a folder of media renamed",
            Box::new(|| fs::rename(media.join("extra"), media.join("more")).unwrap()),
        ),
    ];
    for (step, change) in &steps {
        change();
        next_reload_event(&mut events).await;
        routes = until_it_equals_a_fresh_build(&server, dir.path(), &routes).await;
        eprintln!("after {step}: {} routes equal a fresh build", routes.len());
    }
    for (path, served) in [
        ("/news/item-five/", true),
        ("/news/added/", true),
        ("/news/item-05/", false),
        ("/news/item-04/", false),
        ("/offices/beta/", false),
        ("/media/more/notes.txt", true),
        ("/media/extra/notes.txt", false),
    ] {
        assert_eq!(routes.contains(&path.to_owned()), served, "{path}");
    }
    server.terminate();
}

/// A save logs the warnings it brings, not again every warning the site already had: on
/// a large site those would bury the one the editor just caused.
#[tokio::test]
async fn a_rebuild_logs_the_warnings_it_brings_and_only_those() {
    let dir = copy_fixture("site");
    let about = dir.path().join("about.md");
    let text = fs::read_to_string(&about).unwrap();
    let server = Server::watching(dir.path());
    let mut events = server.get("/_wbt/events").await;

    let note = "\nThe list of partners is not published here.\n";
    save(&about, &format!("{text}{note}"));
    next_reload_event(&mut events).await;
    let title = text.replace("About the fixture", "About, edited");
    save(&about, &format!("{title}{note}"));
    next_reload_event(&mut events).await;
    assert!(server.text("/about/").await.contains("About, edited"));

    let (_, log) = server.terminate();
    let told = log.matches("talks about the site").count();
    assert_eq!(
        told, 1,
        "the new warning once, at the save that made it:\n{log}"
    );
    let rebuilt: Vec<&str> = log.lines().filter(|l| l.contains("rebuilt")).collect();
    assert_eq!(rebuilt.len(), 2, "{log}");
    assert!(rebuilt[0].contains("new_warnings=1"), "{log}");
    assert!(rebuilt[1].contains("new_warnings=0"), "{log}");
}
