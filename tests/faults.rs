//! Things going wrong around the server: a handler that panics, a content folder that is
//! truncated or cannot be read under `--watch`, a disk that fills up during
//! `build --out`. The server keeps serving, and the files on disk are never left
//! half-written.

mod common;

use std::convert::Infallible;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use common::{Server, copy_dir, fixture};

const BIN: &str = env!("CARGO_BIN_EXE_wbt-site");

#[tokio::test]
async fn a_panic_in_a_handler_is_the_500_page_and_serving_goes_on() {
    // The real application, except that `/panic-now` panics when called and
    // `/panic-later` when its answer is awaited.
    let site = common::router();
    let app = wbt_site::server::guard(tower::service_fn(move |request: Request<Body>| {
        let path = request.uri().path().to_owned();
        assert!(path != "/panic-now", "a handler panicked while called");
        let site = site.clone();
        async move {
            assert!(path != "/panic-later", "a handler panicked while awaited");
            Ok::<Response, Infallible>(match site.oneshot(request).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            })
        }
    }));
    for _ in 0..3 {
        for path in ["/panic-now", "/panic-later"] {
            let request = Request::get(path).body(Body::empty()).unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), 500, "{path}");
            assert_eq!(response.headers()["x-frame-options"], "DENY", "{path}");
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            assert!(
                String::from_utf8_lossy(&body).contains("<h1>Server error</h1>"),
                "{path}"
            );
        }
        let request = Request::get("/about/").body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200, "served after a panic");
    }
}

/// Polls `path` until its reply satisfies `ok`, failing after twenty seconds.
async fn eventually(server: &Server, path: &str, what: &str, ok: impl Fn(u16, &str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = server.get(path).await;
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap_or_default();
        if ok(status, &text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never {what}: {status}\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// While the content is broken, pages show the report (500) and assets and media are
/// still served; `report` is a line the report must contain.
async fn assert_broken(server: &Server, css: &str, report: &str) {
    eventually(server, "/about/", "showed the report", |status, text| {
        status == 500 && text.contains(report)
    })
    .await;
    assert_eq!(server.get(css).await.status(), 200, "the stylesheet");
    assert_eq!(server.get("/media/doc.txt").await.status(), 200, "media");
    assert_eq!(server.get("/healthz").await.status(), 200);
}

async fn assert_back(server: &Server, heading: &str) {
    eventually(server, "/about/", "came back", |status, text| {
        status == 200 && text.contains(heading)
    })
    .await;
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn a_truncated_or_unreadable_content_folder_keeps_the_server_up_under_watch() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("content");
    copy_dir(&fixture("site"), &dir);
    let server = Server::watching(&dir);
    let home = server.text("/").await;
    let start = home.find("/static/style.").expect("stylesheet link");
    let css: String = home[start..].chars().take_while(|c| *c != '"').collect();

    // Truncated files, as an interrupted copy leaves them.
    let config = fs::read(dir.join("site.toml")).unwrap();
    let about = fs::read(dir.join("about.md")).unwrap();
    fs::write(dir.join("site.toml"), b"").unwrap();
    fs::write(dir.join("about.md"), &about[..about.len() / 3]).unwrap();
    assert_broken(&server, &css, "site.toml").await;
    fs::write(dir.join("site.toml"), &config).unwrap();
    fs::write(dir.join("about.md"), &about).unwrap();
    assert_back(&server, "About the fixture").await;

    // The folder replaced by a file of the same name: nothing under it can be read.
    let aside = parent.path().join("content.aside");
    fs::rename(&dir, &aside).unwrap();
    fs::write(&dir, b"not a folder").unwrap();
    assert_broken(&server, &css, "cannot read the content").await;
    fs::remove_file(&dir).unwrap();
    fs::rename(&aside, &dir).unwrap();
    assert_back(&server, "About the fixture").await;

    // Permissions taken away. Root reads through them, so this part can only show
    // something where they hold (not as root, as in this repository's CI).
    set_mode(&dir, 0o000);
    let unreadable = fs::read_dir(&dir).is_err();
    if unreadable {
        assert_broken(&server, &css, "cannot read the content").await;
    }
    set_mode(&dir, 0o755);
    if unreadable {
        assert_back(&server, "About the fixture").await;
    }

    // And it is still watched: a later save shows.
    let text = String::from_utf8(about).unwrap();
    fs::write(
        dir.join("about.md"),
        text.replace("About the fixture", "About, later"),
    )
    .unwrap();
    assert_back(&server, "About, later").await;
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

/// `build --out` run with file writes limited to `limit_kb` kilobytes: a disk that fills
/// up part way through (writes fail with "File too large" as they would with "No space
/// left on device"). Root cannot write past the limit either.
fn export_with_limit(content: &Path, out: &Path, limit_kb: Option<u32>) -> (Option<i32>, String) {
    let limit = limit_kb.map_or("unlimited".to_owned(), |kb| kb.to_string());
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {limit}; exec \"$0\" build --content \"$1\" --out \"$2\""
        ))
        .arg(BIN)
        .arg(content)
        .arg(out)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_full_disk_during_build_fails_clearly_and_leaves_no_half_written_export() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("public");

    // No earlier export: nothing is left at all.
    let (code, stderr) = export_with_limit(&fixture("site"), &out, Some(4));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("cannot write the site"), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert_eq!(entries(parent.path()), Vec::<String>::new(), "{stderr}");

    // An earlier export stays exactly as it was.
    let (code, stderr) = export_with_limit(&fixture("site"), &out, None);
    assert_eq!(code, Some(0), "{stderr}");
    let before = fs::read(out.join("about/index.html")).unwrap();
    let files_before = walk(&out);
    let changed = tempfile::tempdir().unwrap();
    copy_dir(&fixture("site"), changed.path());
    let about = changed.path().join("about.md");
    let text = fs::read_to_string(&about).unwrap();
    fs::write(&about, text.replace("About the fixture", "About, changed")).unwrap();
    let (code, stderr) = export_with_limit(changed.path(), &out, Some(4));
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(fs::read(out.join("about/index.html")).unwrap(), before);
    assert_eq!(walk(&out), files_before);
    assert_eq!(entries(parent.path()), vec!["public".to_owned()]);

    // With room, the new export replaces the old one whole.
    fs::write(out.join("stale.html"), "from an older export").unwrap();
    let (code, stderr) = export_with_limit(changed.path(), &out, None);
    assert_eq!(code, Some(0), "{stderr}");
    let after = fs::read_to_string(out.join("about/index.html")).unwrap();
    assert!(after.contains("About, changed"));
    assert!(!out.join("stale.html").exists(), "the old export is gone");
    assert_eq!(entries(parent.path()), vec!["public".to_owned()]);
}

/// Every file under `dir`, relative, sorted.
fn walk(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect();
    files.sort();
    files
}
