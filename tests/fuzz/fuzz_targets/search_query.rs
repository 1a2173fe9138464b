//! Any query string on the search page of the fixture site (raw when it is a valid URI,
//! else as the `q` parameter): query-string parsing, the length cap, the analyzers of each
//! language, tantivy's query, snippets, paging. Never a server error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let encoded: String = url_encode(data);
    for uri in [
        format!("/search?{text}"),
        format!("/tr/search?q={encoded}&page=2"),
    ] {
        let Ok(request) = http::Request::get(uri.as_str()).body(String::new()) else {
            continue;
        };
        let (status, _) = wbt_site_fuzz::send(request);
        assert!(!status.is_server_error(), "{uri}: {status}");
    }
});

fn url_encode(data: &[u8]) -> String {
    data.iter()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (*b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
