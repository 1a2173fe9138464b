//! One call from a content source to a servable site: read the files, load the [`Site`],
//! render it. The server, `check` and `build` all go through [`build`], so they accept and
//! refuse exactly the same content.
//!
//! Counts its builds for `/metrics` ([`stats`]).
//!
//! Must not know how the site is served or watched: the server and the watcher take the
//! [`SharedSite`] from here, not the other way round.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use jiff::Timestamp;

use crate::assets::Assets;
use crate::content::source::Source;
use crate::content::{LoadCache, LoadOptions, Site};
use crate::diagnostic::Diagnostic;
use crate::render::{self, RenderedSite, RequestPages};

/// The site being served, swappable while serving: a rebuild swaps a whole new site in
/// while requests in flight finish on the old one.
pub type SharedSite = Arc<ArcSwap<RenderedSite>>;

/// What a build needs besides the files.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub source: Source,
    /// Show draft and scheduled pages.
    pub drafts: bool,
    /// Overrides `base_url` in site.toml.
    pub base_url: Option<String>,
    /// Render for live preview: reload script in pages, no compression.
    pub live_reload: bool,
}

/// Loads the site from `options.source` as of `now`, for `check` and `build`: without the
/// pages' text for search. Errors come back as the full list of diagnostics (warnings
/// included), ready to print.
pub fn load(
    options: &BuildOptions,
    assets: &Assets,
    now: Timestamp,
) -> Result<Site, Vec<Diagnostic>> {
    load_with(options, assets, now, None, false)
}

/// [`load`], through `cache` when there is one: only the files changed since its last
/// load are read afresh ([`Site::load_cached`]).
fn load_with(
    options: &BuildOptions,
    assets: &Assets,
    now: Timestamp,
    mut cache: Option<&mut LoadCache>,
    search_text: bool,
) -> Result<Site, Vec<Diagnostic>> {
    let files = match cache.as_deref_mut() {
        Some(cache) => options.source.files_reusing(&mut cache.files),
        None => options.source.files(),
    }
    .map_err(|error| {
        vec![Diagnostic::file_error(
            &options.source.describe(),
            format!("cannot read the content: {error}"),
        )]
    })?;
    let load_options = LoadOptions {
        drafts: options.drafts,
        now,
        base_url: options.base_url.clone(),
        icons: assets.icon_names(),
        search_text,
    };
    match cache {
        Some(cache) => Site::load_cached(files, &load_options, cache),
        None => Site::load(files, &load_options),
    }
}

/// Loads and renders the site as of now, compressed unless it is for live preview. This is
/// the rebuild (`--watch`, scheduled pages): [`stats`] counts its calls and failures.
/// With a `cache` (the watcher's), only what changed since its last load is loaded anew.
pub fn build(
    options: &BuildOptions,
    assets: &Assets,
    cache: Option<&mut LoadCache>,
) -> Result<RenderedSite, Vec<Diagnostic>> {
    build_finished_by(options, assets, cache, finish)
}

/// [`build`], with `finish` in place of [`finish`]: the server's wraps it in what the
/// allocator needs for compressing (main.rs).
pub fn build_finished_by(
    options: &BuildOptions,
    assets: &Assets,
    cache: Option<&mut LoadCache>,
    finish: fn(&RenderedSite) -> RenderedSite,
) -> Result<RenderedSite, Vec<Diagnostic>> {
    REBUILDS.fetch_add(1, Ordering::Relaxed);
    let site = build_uncompressed(options, assets, cache).inspect_err(|_| {
        FAILED_REBUILDS.fetch_add(1, Ordering::Relaxed);
    })?;
    Ok(if options.live_reload {
        site
    } else {
        finish(&site)
    })
}

/// The rest of a site that is not for live preview, once rendered: its search index,
/// then its compressed bodies. Returns the compressed site; both it and `site` answer
/// searches from the index, ready now. One after the other, not side by side: with the
/// two at once, what they free is interleaved in memory, and a server at rest on the
/// default site kept 27-51 MB (most starts at 44-48) instead of 26-38 MB (main.rs).
pub fn finish(site: &RenderedSite) -> RenderedSite {
    if let Some(pages) = &site.on_request {
        pages.prepare();
    }
    site.compressed()
}

/// Loads and renders the site as of now (through `cache`, as [`build`] does), without
/// compressed bodies: what the server starts on while [`finish`] runs (compression is
/// most of a large site's render time). With the pages made per request (search,
/// filters), whose search index [`finish`] builds; until then, or under live preview, the
/// first search builds it (a save must not cost a whole index). Under live preview, pages
/// are rendered on their first request ([`render::render_live`]), so that a save to a
/// large site is served at once.
pub fn build_uncompressed(
    options: &BuildOptions,
    assets: &Assets,
    cache: Option<&mut LoadCache>,
) -> Result<RenderedSite, Vec<Diagnostic>> {
    let started = std::time::Instant::now();
    let site = Arc::new(load_with(options, assets, Timestamp::now(), cache, true)?);
    let mut rendered = if options.live_reload {
        render::render_live(site.clone(), assets)
    } else {
        render::render(&site, assets, false)
    }
    .map_err(|error| template_failed(error.to_string()))?;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    LAST_BUILD_MICROS.store(micros, Ordering::Relaxed);
    let pages = Arc::new(RequestPages::new(site, assets.clone(), options.live_reload));
    rendered.on_request = Some(pages);
    Ok(rendered)
}

/// What this process's builds did, for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildStats {
    /// Calls of [`build`] (rebuilds), failed ones included.
    pub rebuilds: u64,
    /// Calls of [`build`] that failed.
    pub failed: u64,
    /// How long the latest successful load and render took (compression not included).
    pub last_build: Duration,
}

static REBUILDS: AtomicU64 = AtomicU64::new(0);
static FAILED_REBUILDS: AtomicU64 = AtomicU64::new(0);
static LAST_BUILD_MICROS: AtomicU64 = AtomicU64::new(0);

/// The builds of this process so far: counted where they happen, so that the watcher and
/// the publisher need not report them and the server need not know them.
pub fn stats() -> BuildStats {
    BuildStats {
        rebuilds: REBUILDS.load(Ordering::Relaxed),
        failed: FAILED_REBUILDS.load(Ordering::Relaxed),
        last_build: Duration::from_micros(LAST_BUILD_MICROS.load(Ordering::Relaxed)),
    }
}

fn template_failed(error: String) -> Vec<Diagnostic> {
    vec![Diagnostic::file_error(
        "templates",
        format!("a template failed to render: {error}"),
    )]
}

/// Publishes scheduled pages on time: whenever the served site says a page comes due,
/// rebuilds at that moment and swaps the new site in. Checks at least once a minute, so a
/// site swapped in by someone else is picked up too. Under live preview, `reload` tells
/// open pages to reload after the swap. `finish` finishes each new site (see
/// [`build_finished_by`]). Runs until the process ends.
pub async fn publish_when_due(
    site: SharedSite,
    options: BuildOptions,
    assets: Arc<Assets>,
    reload: Option<tokio::sync::broadcast::Sender<()>>,
    finish: fn(&RenderedSite) -> RenderedSite,
) {
    loop {
        let due = site.load().next_publication;
        let wait = due.map_or(MAX_WAIT, |at| {
            let until = at.duration_since(Timestamp::now());
            until.unsigned_abs().min(MAX_WAIT)
        });
        let is_due = due.is_some_and(|at| at <= Timestamp::now());
        if !is_due {
            tokio::time::sleep(wait).await;
            continue;
        }
        let (options_now, assets_now) = (options.clone(), assets.clone());
        let rebuild = move || build_finished_by(&options_now, &assets_now, None, finish);
        match tokio::task::spawn_blocking(rebuild).await {
            Ok(Ok(rendered)) => {
                tracing::info!(routes = rendered.route_count(), "published scheduled pages");
                site.store(Arc::new(rendered));
                if let Some(reload) = &reload {
                    let _ = reload.send(());
                }
            }
            Ok(Err(diagnostics)) => {
                tracing::error!(
                    "scheduled rebuild failed, keeping the current site:\n{}",
                    crate::diagnostic::report(&diagnostics)
                );
                tokio::time::sleep(MAX_WAIT).await;
            }
            Err(error) => {
                tracing::error!("scheduled rebuild panicked: {error}");
                tokio::time::sleep(MAX_WAIT).await;
            }
        }
    }
}

/// The longest the publisher sleeps before looking again.
const MAX_WAIT: Duration = Duration::from_secs(60);
