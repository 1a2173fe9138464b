//! Any request target through the real application over the fixture site: length limit,
//! percent-decoding, the ways out of the site, redirects, 404. Never a server error (a
//! panic in the handler would show as a 500), and nothing found outside the site.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(uri) = http::Uri::try_from(data) else {
        return;
    };
    let Ok(request) = http::Request::get(uri).body(String::new()) else {
        return;
    };
    let (status, _) = wbt_site_fuzz::send(request);
    assert!(!status.is_server_error(), "{status}");
});
