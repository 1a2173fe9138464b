//! The content folder is a jail: a symbolic link that leads outside it (to a file or a
//! folder) or into a loop is refused by `check`, `serve` and `build` alike, naming the
//! link and its target; a link inside the folder is followed.

mod common;

use std::os::unix::fs::symlink;
use std::process::Command;

use common::copy_fixture;

/// A copy of the `site` fixture with `links` planted: `(link path, target)`.
fn with_links(links: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = copy_fixture("site");
    for (link, target) in links {
        let target = if target.starts_with('/') {
            std::path::PathBuf::from(target)
        } else {
            dir.path().join(target)
        };
        symlink(target, dir.path().join(link)).expect("symlink");
    }
    dir
}

fn run(args: &[&str], dir: &std::path::Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_wbt-site"))
        .args(args)
        .arg("--content")
        .arg(dir)
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[test]
fn links_out_of_the_folder_and_loops_are_refused_everywhere() {
    let dir = with_links(&[
        ("media/passwd.txt", "/etc/passwd"),
        ("media/etc", "/etc"),
        ("media/loop", "media"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("site");
    for args in [
        vec!["check"],
        vec!["serve", "--addr", "127.0.0.1:0"],
        vec!["build", "--out", out_dir.to_str().unwrap()],
    ] {
        let (code, text) = run(&args, dir.path());
        assert_eq!(code, Some(1), "{args:?}: {text}");
        assert!(
            text.contains("media/passwd.txt links to /etc/passwd, outside the content folder"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("media/etc links to /etc, outside the content folder"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("media/loop: a link that loops back to"),
            "{args:?}: {text}"
        );
        assert!(
            !text.contains("root:"),
            "nothing of /etc/passwd is shown: {text}"
        );
    }
    assert!(
        !out_dir.join("media/passwd.txt").exists(),
        "nothing was exported"
    );
}

#[test]
fn links_inside_the_folder_are_followed() {
    let dir = with_links(&[
        ("media/copy.txt", "media/doc.txt"),
        ("media/same", "themes"),
    ]);
    let (code, text) = run(&["check"], dir.path());
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("outside the content folder"), "{text}");
}
