//! Markdown built to break a parser: 100,000 levels of nesting (quotes, links, lists,
//! emphasis, raw HTML), a line of 1 MB, a page of 20 MB. Each is built by the binary in a
//! child process (`wbt-site build --out`), so that a stack overflow is a failed test,
//! not the end of the test binary: the build must finish, or refuse the page with an
//! error naming it. A page over 1 MB is refused ("a page may be at most 1 MB").

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::copy_fixture;

const DEPTH: usize = 100_000;

/// Builds the `site` fixture with `body` as the body of `about.md`; returns the
/// process's output and the exported about page, if any.
fn build_with_body(body: &str) -> (Output, Option<String>) {
    let dir = copy_fixture("site");
    let page =
        format!("+++\ntitle = \"About\"\ndescription = \"About the fixture.\"\n+++\n{body}\n");
    std::fs::write(dir.path().join("about.md"), page).unwrap();
    let out = dir.path().join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_wbt-site"))
        .args(["build", "--content"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let (sender, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    // Only a guard against a hang, far beyond any build: not a speed test.
    let output = match finished.recv_timeout(Duration::from_secs(600)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("the build did not finish");
        }
    };
    let about = std::fs::read_to_string(out.join("about/index.html")).ok();
    (output, about)
}

/// The build exited by itself (no signal, no abort), and either succeeded or refused
/// `about.md` by name.
fn assert_built_or_refused(what: &str, output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(1) => assert!(stderr.contains("about.md"), "{what}: {stderr}"),
        other => panic!(
            "{what}: the build died ({other:?}, {}): {}",
            output.status,
            &stderr[stderr.len().saturating_sub(2000)..]
        ),
    }
}

#[test]
fn deep_nesting_is_built_without_a_stack_overflow() {
    for (what, body) in [
        ("nested quotes", format!("{}deep", "> ".repeat(DEPTH))),
        ("nested link brackets", format!("{}deep", "[".repeat(DEPTH))),
        (
            "nested links",
            format!("{}deep{}", "[".repeat(DEPTH), "](/)".repeat(DEPTH)),
        ),
        (
            "nested lists",
            (0..2000)
                .map(|i| format!("{}- item\n", "  ".repeat(i)))
                .collect(),
        ),
        (
            "nested emphasis",
            format!("{}deep{}", "*_".repeat(DEPTH / 2), "_*".repeat(DEPTH / 2)),
        ),
        (
            "nested raw HTML",
            format!("<div>{}deep", "<div>".repeat(DEPTH)),
        ),
    ] {
        let (output, _) = build_with_body(&body);
        assert_built_or_refused(what, &output);
    }
}

#[test]
fn a_line_of_one_megabyte_is_built() {
    let line = "word ".repeat(200_000);
    let (output, about) = build_with_body(&line);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(about.is_some_and(|page| page.contains("word word")));
}

#[test]
fn a_page_of_twenty_megabytes_is_refused_with_a_clear_error() {
    let paragraph = "A sentence of a page that goes on and on. ".repeat(20);
    let body = format!("{paragraph}\n\n").repeat(20 * 1024 * 1024 / (paragraph.len() + 2));
    let (output, about) = build_with_body(&body);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("about.md") && stderr.contains("a page may be at most 1 MB"),
        "{stderr}"
    );
    assert!(about.is_none(), "nothing exported");
}
