//! Any `Accept-Encoding` value on a page of the fixture site: the page is always sent,
//! in an encoding the value names (or identity), never a server error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = http::HeaderValue::from_bytes(data) else {
        return;
    };
    let request = http::Request::get("/about/")
        .header(http::header::ACCEPT_ENCODING, value)
        .body(String::new())
        .expect("a request");
    let (status, headers) = wbt_site_fuzz::send(request);
    assert_eq!(status, http::StatusCode::OK);
    let named = String::from_utf8_lossy(data).to_ascii_lowercase();
    match headers
        .get(http::header::CONTENT_ENCODING)
        .map(|v| v.as_bytes())
    {
        None => {}
        Some(b"br") => assert!(named.contains("br") || named.contains('*')),
        Some(b"gzip") => assert!(named.contains("gzip") || named.contains('*')),
        Some(other) => panic!("unexpected encoding {other:?}"),
    }
});
