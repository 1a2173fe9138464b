//! `serve --watch`: live preview for editors. Watches the content folder, rebuilds the
//! whole site in the background after each burst of changes (debounced, so an editor that
//! saves through a temporary file and a rename causes one rebuild), swaps it in atomically
//! and tells open pages to reload. A tree with errors swaps in nothing new: the last good
//! site stays, its pages answer with an overlay that shows the report, and the log shows
//! it too; fixing the file brings the site back.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::broadcast;

use crate::assets::Assets;
use crate::build::{self, BuildOptions, SharedSite};
use crate::diagnostic::{self, Diagnostic};
use crate::live_reload::SCRIPT_TAG;
use crate::render::{CachePolicy, RenderedSite, Resource};

/// How long the watcher waits for a burst of file events to settle.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// A running watcher; dropping it stops watching.
pub type Watcher = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

/// Watches `dir` and keeps `site` in step with it, sending on `reload` after each swap.
pub fn watch(
    dir: &Path,
    options: BuildOptions,
    assets: Arc<Assets>,
    site: SharedSite,
    reload: broadcast::Sender<()>,
) -> notify::Result<Watcher> {
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let relevant = match result {
            Ok(events) => events.iter().any(|e| !e.kind.is_access()),
            Err(errors) => {
                for error in errors {
                    tracing::warn!(%error, "watching the content folder");
                }
                false
            }
        };
        if relevant {
            rebuild(&options, &assets, &site);
            let _ = reload.send(());
        }
    })?;
    debouncer.watch(dir, RecursiveMode::Recursive)?;
    Ok(debouncer)
}

/// Builds the site again and swaps it in, or keeps the last good one under an overlay.
pub fn rebuild(options: &BuildOptions, assets: &Assets, site: &SharedSite) {
    let started = Instant::now();
    match build::build(options, assets) {
        Ok(rendered) => {
            if !rendered.warnings.is_empty() {
                tracing::warn!("\n{}", diagnostic::report(&rendered.warnings));
            }
            tracing::info!(
                routes = rendered.routes.len(),
                ms = started.elapsed().as_millis() as u64,
                "rebuilt"
            );
            site.store(Arc::new(rendered));
        }
        Err(diagnostics) => {
            let report = diagnostic::report(&diagnostics);
            tracing::error!("the content has errors; still serving the last good site\n{report}");
            let current = site.load();
            site.store(Arc::new(RenderedSite {
                live: true,
                overlay: Some(Arc::new(overlay(&diagnostics, &assets.url("style.css")))),
                ..RenderedSite::clone(&current)
            }));
        }
    }
}

/// The page shown in place of every page while the content has errors.
fn overlay(diagnostics: &[Diagnostic], css: &str) -> Resource {
    let report = escape(&diagnostic::report(diagnostics));
    let summary = escape(&diagnostic::summary(diagnostics));
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Content errors: {summary}</title>\n<link rel=\"stylesheet\" href=\"{css}\">\n</head>\n\
         <body class=\"overlay\">\n<main class=\"wrap\">\n<h1>The content has errors</h1>\n\
         <p>Visitors would still see the last good version of the site. Fix the files below \
         and save: this page reloads by itself.</p>\n<pre class=\"overlay__report\">{report}</pre>\n\
         </main>\n{SCRIPT_TAG}\n</body>\n</html>\n"
    );
    Resource::new(
        "text/html; charset=utf-8",
        CachePolicy::Page,
        html.into_bytes(),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
