//! Any text as a page body: Markdown to sanitised HTML, heading ids, the table of
//! contents, sentences. No panic, and no script element or `javascript:` link gets
//! through.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wbt_site::markdown::{self, Resolution};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let resolve = |target: &str| Resolution::ok(format!("/{target}"));
    let rendered = markdown::render(body, "tr", &resolve);
    let html = rendered.body.html.to_ascii_lowercase();
    assert!(!html.contains("<script"), "a script element got through");
    for attribute in ["href=\"javascript:", "src=\"javascript:"] {
        assert!(!html.contains(attribute), "a javascript: URL got through");
    }
});
