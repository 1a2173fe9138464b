//! The stop signals (SIGTERM, SIGINT, SIGHUP; Ctrl-C elsewhere than Unix), and the drain
//! that follows the first: `/healthz` answers 503 while new connections are still served,
//! then the listeners close.

use std::time::Duration;

use tokio::sync::watch;

use super::Draining;

/// The stop signals, with their handlers installed as soon as this exists.
pub(super) struct Signals {
    #[cfg(unix)]
    handlers: [tokio::signal::unix::Signal; 3],
}

impl Signals {
    #[cfg(unix)]
    pub(super) fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            handlers: [
                signal(SignalKind::terminate())?,
                signal(SignalKind::interrupt())?,
                signal(SignalKind::hangup())?,
            ],
        })
    }

    #[cfg(not(unix))]
    pub(super) fn new() -> std::io::Result<Signals> {
        Ok(Signals {})
    }

    /// The name of the next stop signal to arrive.
    #[cfg(unix)]
    async fn next(&mut self) -> &'static str {
        let [terminate, interrupt, hangup] = &mut self.handlers;
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
            _ = hangup.recv() => "SIGHUP",
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }

    /// On the first signal, drains for `drain` (a second signal cuts it short), then
    /// sets `stop`.
    pub(super) async fn drain_then_stop(
        mut self,
        draining: Draining,
        drain: Duration,
        stop: watch::Sender<bool>,
    ) {
        let signal = self.next().await;
        draining.start();
        tracing::info!(
            signal,
            drain_seconds = drain.as_secs(),
            "stopping: /healthz answers 503; new connections are served until the drain ends"
        );
        tokio::select! {
            () = tokio::time::sleep(drain) => {},
            signal = self.next() => tracing::info!(signal, "second signal: ending the drain"),
        }
        tracing::info!("closing the listeners; finishing requests in flight");
        let _ = stop.send(true);
    }
}
