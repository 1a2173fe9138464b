//! The timer behind the request-head deadline (`--request-timeout`) of one connection.
//!
//! hyper asks its timer for a new sleep each time it starts to read a request head, and
//! drops it once the head is in. With hyper-util's `TokioTimer`, every request put a timer
//! of its own into tokio's timer wheel and took it out again. Here the sleeps of one
//! connection share one tokio `Sleep`: a later request only moves its deadline on, which
//! tokio does without touching the wheel. Must not know what the deadline is for.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// The tokio sleep a connection's deadlines share, made at the first one.
type SharedSleep = Arc<Mutex<Option<Pin<Box<tokio::time::Sleep>>>>>;

/// hyper's [`Timer`] for one connection (see the module's doc).
#[derive(Clone, Default)]
pub(super) struct ConnectionTimer {
    sleep: SharedSleep,
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(Deadline {
            sleep: self.sleep.clone(),
            at: tokio::time::Instant::from_std(deadline),
        })
    }
}

/// One deadline of the connection: ready once `at` has passed.
struct Deadline {
    sleep: SharedSleep,
    at: tokio::time::Instant,
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let at = self.at;
        let mut shared = self.sleep.lock().unwrap_or_else(PoisonError::into_inner);
        let sleep = shared.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        // The shared sleep may still be set for an earlier head's deadline, or have fired
        // for it: it is set for this one before it is asked.
        if sleep.deadline() != at {
            sleep.as_mut().reset(at);
        }
        sleep.as_mut().poll(cx)
    }
}

impl Sleep for Deadline {}
