//! A page with any text, loaded beside the fixture's configuration: front matter split
//! and parsing, every section's table, dates, slugs. Errors are fine; a panic is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wbt_site::content::source::SourceFile;
use wbt_site::{LoadOptions, Site};

fuzz_target!(|data: &[u8]| {
    let mut files = wbt_site_fuzz::config_files().to_vec();
    // As a plain page, and as a page of a section with its own table (offices).
    for path in ["about.md", "offices/fuzz.md", "news/2020-01-01-fuzz.md"] {
        files.push(SourceFile {
            path: path.to_owned(),
            bytes: data.to_vec().into(),
            on_disk: None,
        });
    }
    let options = LoadOptions {
        drafts: true,
        now: jiff::Timestamp::UNIX_EPOCH,
        base_url: None,
        icons: Default::default(),
        search_text: true,
    };
    let _ = Site::load(files, &options);
});
