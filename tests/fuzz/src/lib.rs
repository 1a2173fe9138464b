//! What the fuzz targets share: the `site` test fixture, loaded or rendered once per
//! process, and one request through the real application.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions};
use wbt_site::content::source::{self, Source, SourceFile};
use wbt_site::server::{self, App, ServerOptions};

/// The folder of the `site` test fixture.
pub fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/site")
}

/// The fixture's configuration and interface text (no pages), read once.
pub fn config_files() -> &'static [SourceFile] {
    static FILES: OnceLock<Vec<SourceFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        source::read_dir(&fixture())
            .expect("the fixture reads")
            .into_iter()
            .filter(|file| file.path == "site.toml" || file.path.starts_with("i18n/"))
            .collect()
    })
}

/// The real application over the rendered fixture, built once.
pub fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let options = BuildOptions {
            source: Source::Dir(fixture()),
            drafts: false,
            base_url: None,
            live_reload: false,
        };
        let site = build::build(&options, &Assets::embedded()).expect("the fixture builds");
        let shared = Arc::new(arc_swap::ArcSwap::from_pointee(site));
        server::app(shared, &ServerOptions::default())
    })
}

/// Sends `request` through [`app`] and returns the response's status and headers.
pub fn send(request: http::Request<String>) -> (http::StatusCode, http::HeaderMap) {
    use tower::ServiceExt;
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    });
    let response = match runtime.block_on(app().clone().oneshot(request)) {
        Ok(response) => response,
        Err(never) => match never {},
    };
    (response.status(), response.headers().clone())
}
