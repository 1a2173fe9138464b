//! Live preview in the browser, in one place: the script tag pages carry under `--watch`,
//! the script it loads (`/_wbt/live.js`), the `/_wbt/events` stream of server-sent events
//! that tells open pages to reload, and the channels that drive that stream.
//!
//! Owns the `/_wbt/` routes and what a page needs to reload itself. Must not know how the
//! site is built, watched or served: it imports nothing from the crate, so the renderer,
//! the watcher and the server can all use it without knowing each other.

use std::convert::Infallible;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use tokio::sync::{broadcast, watch};

/// Every live-preview route starts with this.
pub(crate) const PREFIX: &str = "/_wbt/";

/// The script tag live preview adds to every page.
pub(crate) const SCRIPT_TAG: &str = "<script src=\"/_wbt/live.js\" defer></script>";

/// `html` with [`SCRIPT_TAG`] on its own line before `</body>`.
pub(crate) fn with_script(html: String) -> String {
    html.replacen("</body>", &format!("{SCRIPT_TAG}\n</body>"), 1)
}

/// The reload script for pages under live preview.
const SCRIPT: &str = "\
// wbt-site live preview: reload this page whenever the site is rebuilt.
(function () {
  var source = new EventSource('/_wbt/events');
  source.addEventListener('reload', function () { window.location.reload(); });
})();
";

/// The channels of live preview.
#[derive(Clone, Debug)]
pub struct LiveReload {
    /// Each message sends `reload` to every open page.
    pub reload: broadcast::Sender<()>,
    /// Turns true at shutdown, which ends the event streams (else they would hold the
    /// graceful shutdown open).
    pub stopping: watch::Receiver<bool>,
}

/// `/_wbt/live.js` and `/_wbt/events`, driven by `live`.
pub(crate) fn routes(live: LiveReload) -> Router {
    Router::new().route("/_wbt/live.js", get(script)).route(
        "/_wbt/events",
        get(move || events(live.reload.subscribe(), live.stopping.clone())),
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        SCRIPT,
    )
}

/// Server-sent events: one `reload` event each time the site is swapped, until shutdown.
async fn events(
    receiver: broadcast::Receiver<()>,
    stopping: watch::Receiver<bool>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold(
        (receiver, stopping),
        |(mut receiver, mut stopping)| async move {
            let reload = tokio::select! {
                received = receiver.recv() => !matches!(received, Err(broadcast::error::RecvError::Closed)),
                _ = stopping.wait_for(|stop| *stop) => false,
            };
            reload.then(|| {
                (
                    Ok(Event::default().event("reload").data("")),
                    (receiver, stopping),
                )
            })
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
