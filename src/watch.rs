//! `serve --watch`: live preview for editors. Watches the content folder, rebuilds the
//! site in the background after each burst of changes (debounced, so an editor that
//! saves through a temporary file and a rename causes one rebuild), telling the rebuild
//! which paths changed so that it looks at those alone, swaps the result in atomically
//! and tells open pages to reload. A tree with errors swaps in nothing new: the last good
//! site stays, its pages answer with an overlay that shows the report, and the log shows
//! it too; fixing the file brings the site back.
//!
//! Must not know HTTP: it swaps the site and sends on the reload channel; the server and
//! [`crate::live_reload`] turn that into responses and events.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::broadcast;

use crate::assets::Assets;
use crate::build::{self, BuildOptions, SharedSite};
use crate::content::LoadCache;
use crate::diagnostic::{self, Diagnostic};
use crate::live_reload::SCRIPT_TAG;
use crate::render::{CachePolicy, RenderedSite, Resource};

/// The watch on the content folder, with notify's debouncing.
type FolderWatch = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

/// How long the watcher waits for a burst of file events to settle.
const DEBOUNCE: Duration = Duration::from_millis(20);

/// A running watch: the file watcher, and the thread that notices the content folder
/// itself being deleted, replaced or restored (a branch switch, an rsync deploy), which
/// file events alone cannot report once the folder they watched is gone. Dropping it
/// stops both.
pub struct Watcher {
    _debouncer: Arc<Mutex<FolderWatch>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// How often the folder itself is looked at.
const FOLDER_CHECK: Duration = Duration::from_millis(250);

/// Watches `dir`: on any change, rebuilds with `options` and swaps the result into
/// `site` (or, on errors, keeps the last good site behind the error overlay), then tells
/// open pages to reload. Each rebuild loads through `cache` (best filled by the build
/// that made `site`), so only the files that changed are loaded anew.
pub fn watch(
    dir: &Path,
    options: BuildOptions,
    assets: Arc<Assets>,
    site: SharedSite,
    reload: broadcast::Sender<()>,
    cache: LoadCache,
) -> notify::Result<Watcher> {
    let changed = {
        let mut cache = cache;
        cache.files.begin_watching();
        let cache = Arc::new(Mutex::new(cache));
        move |changes: Changes| {
            // A rebuild that panicked left the cache behind a poisoned lock: start afresh.
            let mut cache = cache.lock().unwrap_or_else(|poisoned| {
                let mut cache = poisoned.into_inner();
                *cache = LoadCache::default();
                cache.files.begin_watching();
                cache
            });
            match changes {
                Changes::Paths(paths) => cache.files.note_changed(paths),
                Changes::Anything => cache.files.note_anything_changed(),
            }
            rebuild(&options, &assets, &site, &mut cache, &reload);
        }
    };
    let on_events = changed.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        if let Some(changes) = changes_of(result) {
            on_events(changes);
        }
    })?;
    debouncer.watch(dir, RecursiveMode::Recursive)?;
    let debouncer = Arc::new(Mutex::new(debouncer));
    let stop = Arc::new(AtomicBool::new(false));
    check_the_folder_itself(dir.to_owned(), debouncer.clone(), stop.clone(), changed);
    Ok(Watcher {
        _debouncer: debouncer,
        stop,
    })
}

/// What a batch of the debouncer's events says changed; `None` when it holds only reads.
fn changes_of(result: DebounceEventResult) -> Option<Changes> {
    match result {
        Ok(events) => {
            let events: Vec<_> = events.into_iter().filter(|e| !e.kind.is_access()).collect();
            if events.is_empty() {
                None
            } else if events.iter().any(|e| e.need_rescan()) {
                Some(Changes::Anything)
            } else {
                Some(Changes::Paths(
                    events.into_iter().flat_map(|e| e.event.paths).collect(),
                ))
            }
        }
        Err(errors) => {
            for error in errors {
                tracing::debug!(%error, "watching the content folder");
            }
            // Events may have been lost with the error.
            Some(Changes::Anything)
        }
    }
}

/// Checks every [`FOLDER_CHECK`], until `stop`, whether `dir` itself went away or was
/// replaced (which the watch on it does not see), watches it again when it is back, and
/// calls `changed` then.
fn check_the_folder_itself(
    dir: PathBuf,
    watched: Arc<Mutex<FolderWatch>>,
    stop: Arc<AtomicBool>,
    changed: impl Fn(Changes) + Send + 'static,
) {
    std::thread::spawn(move || {
        let mut seen = folder_identity(&dir);
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(FOLDER_CHECK);
            let now = folder_identity(&dir);
            if now == seen {
                continue;
            }
            if now.is_some() {
                if let Ok(mut debouncer) = watched.lock() {
                    let _ = debouncer.unwatch(&dir);
                    if let Err(error) = debouncer.watch(&dir, RecursiveMode::Recursive) {
                        tracing::warn!(%error, "cannot watch the content folder again");
                        continue;
                    }
                }
                tracing::info!("the content folder is back: watching it again");
            } else {
                tracing::warn!("the content folder is gone: serving the last good site");
            }
            seen = now;
            changed(Changes::Anything);
        }
    });
}

/// What the watcher knows changed, for the next read of the folder.
enum Changes {
    /// Only these files or folders (and what is under them).
    Paths(Vec<std::path::PathBuf>),
    /// Anything may have: the folder came back, or events were lost.
    Anything,
}

/// The folder's device and inode, so that a folder deleted and made again, or replaced
/// by a rename, counts as a new one; `None` while it is missing.
fn folder_identity(dir: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        Some((0, u64::from(metadata.is_dir())))
    }
}

/// Rebuilds into `site` and tells open pages to reload.
fn rebuild(
    options: &BuildOptions,
    assets: &Assets,
    site: &SharedSite,
    cache: &mut LoadCache,
    reload: &broadcast::Sender<()>,
) {
    let started = Instant::now();
    let rendered = match build::build(options, assets, Some(cache)) {
        Ok(rendered) => Arc::new(rendered),
        Err(diagnostics) => {
            show_errors(&diagnostics, assets, site);
            let _ = reload.send(());
            return;
        }
    };
    let ms = started.elapsed().as_millis() as u64;
    let previous = site.swap(rendered.clone());
    // Pages reload at once: the log, and freeing the previous site (tens of milliseconds
    // on a large one), come after.
    let _ = reload.send(());
    let new = new_warnings(&rendered.warnings, &previous.warnings);
    if !new.is_empty() {
        tracing::warn!("\n{}", diagnostic::report(&new));
    }
    tracing::info!(
        routes = rendered.route_count(),
        warnings = rendered.warnings.len(),
        new_warnings = new.len(),
        ms,
        "rebuilt"
    );
}

/// Logs `diagnostics` and puts the error overlay in front of the last good site.
fn show_errors(diagnostics: &[Diagnostic], assets: &Assets, site: &SharedSite) {
    let report = diagnostic::report(diagnostics);
    tracing::error!("the content has errors; still serving the last good site\n{report}");
    let overlay = match overlay(diagnostics, &assets.url("style.css")) {
        Ok(overlay) => overlay,
        Err(error) => {
            tracing::error!(%error, "cannot render the error overlay");
            return;
        }
    };
    let current = site.load();
    site.store(Arc::new(RenderedSite {
        live: true,
        overlay: Some(Arc::new(overlay)),
        ..RenderedSite::clone(&current)
    }));
}

/// The warnings of `now` that `before` did not have: what a rebuild prints, so that the
/// warning a save brings stands out instead of scrolling by among those already shown
/// (the first build prints them all; `check` lists them all again).
fn new_warnings(now: &[Diagnostic], before: &[Diagnostic]) -> Vec<Diagnostic> {
    let before: HashSet<&Diagnostic> = before.iter().collect();
    now.iter()
        .filter(|warning| !before.contains(warning))
        .cloned()
        .collect()
}

/// The page shown in place of every page while the content has errors.
#[derive(Template)]
#[template(path = "overlay.html")]
struct OverlayPage<'a> {
    /// "1 error, 0 warnings".
    summary: &'a str,
    /// Every diagnostic, as `check` prints them.
    report: &'a str,
    /// The theme's stylesheet.
    css: &'a str,
    /// The live-reload script tag, so that fixing the files reloads the page.
    script_tag: &'static str,
}

/// The overlay for `diagnostics`, styled with the stylesheet at `css`.
fn overlay(diagnostics: &[Diagnostic], css: &str) -> Result<Resource, askama::Error> {
    let html = OverlayPage {
        summary: &diagnostic::summary(diagnostics),
        report: &diagnostic::report(diagnostics),
        css,
        script_tag: SCRIPT_TAG,
    }
    .render()?;
    Ok(Resource::new(
        "text/html; charset=utf-8",
        CachePolicy::Page,
        html.into_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_shows_the_report_escaped_and_reloads_itself() {
        let diagnostics = [Diagnostic::file_error(
            "about.md",
            "a <script> & more".to_owned(),
        )];
        let page = overlay(&diagnostics, "/static/style.css").unwrap();
        let html = String::from_utf8(page.identity.to_vec()).unwrap();
        assert!(
            html.contains("about.md:1:1: error: a &#60;script&#62; &#38; more"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("<title>Content errors: 1 error, 0 warnings</title>"),
            "{html}"
        );
        assert!(html.contains("href=\"/static/style.css\""), "{html}");
        assert!(
            html.ends_with(&format!("{SCRIPT_TAG}\n</body>\n</html>\n")),
            "{html}"
        );
    }
}
