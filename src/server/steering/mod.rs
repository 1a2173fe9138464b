//! Which serving thread serves a connection. When there is one serving thread per CPU
//! this process may run on, each thread's listener is tagged with one of those CPUs
//! (`SO_INCOMING_CPU`), and the kernel gives a connection to the listener tagged with the
//! CPU that received it, instead of spreading connections by a hash of their addresses.
//!
//! A client's connections then meet one serving thread: on loopback, each of wrk's threads
//! (or a proxy's workers) talks to one of ours, rather than each of ours to both of wrk's.
//! That costs the kernel less: spread by hash, its time a request (gzip `/about/`, 64
//! connections) was 7.7-8.6 µs in most rounds and 6.1-6.2 µs in the others; tagged,
//! 5.9-6.6 µs in most and at most 7.3 µs. In 10 fresh starts each, tagged served
//! 119,000-124,000 requests a second in 8 (98,000 and 106,000 in the two where most
//! connections came from one CPU), spread by hash 114,000-124,000 in 4 and 92,000-105,000
//! in 6. On the 10,000-page tree's random URLs (identity, 256 connections, 8 runs of one
//! server each way): 70,700-83,300 tagged, 63,800-67,300 by hash. wrk's two threads often
//! connect from one CPU (3 of those 8 runs sent nearly all 256 connections to one thread);
//! even then, one thread served more than two spread by hash.
//!
//! Owns which thread serves a connection, in two steps along its life:
//! - `listeners` (when a connection is accepted): the tags, and when one is dropped. If
//!   every connection arrives on one CPU (a network card with a single queue, one
//!   local client), the thread tagged with that CPU would serve them all. A thread that
//!   has accepted far more than its share drops its tag, and the kernel spreads what
//!   arrives on that CPU by hash again;
//! - `connections` (while a connection is served): when it is asked to move. If a client
//!   opened its connections from one CPU and now sends from several (wrk's
//!   threads sometimes do), one thread holds them all while the other idles. A connection
//!   whose requests arrive on the CPU of a thread holding less than its share is asked to
//!   close after its response, and its client reconnects to that thread (see
//!   [`connections::ConnectionSteering`]). On the 10,000-page tree's random URLs (identity, 64
//!   connections, 8 runs of one server each way), without it 3 runs of 8 were served by
//!   one thread (53,900-65,500 requests a second, against 76,900-82,600 split); with it,
//!   all 8 ended split (78,900-82,300), one after moving 32 connections.

mod connections;
mod listeners;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use socket2::SockRef;

pub(super) use connections::{Leave, SteeredStream};
pub(super) use listeners::{ThreadSteering, cpus_for, set_tag};

/// What the serving threads know of each other: for each, the CPU its listener is tagged
/// with ([`NO_CPU`] when none), how many connections it has accepted, and how many it
/// holds open (plain HTTP only: TLS connections are never asked to leave).
pub(super) struct Threads {
    tags: Box<[AtomicUsize]>,
    accepted: Box<[AtomicUsize]>,
    open: Box<[AtomicUsize]>,
}

impl Threads {
    /// One thread per listener, each with its listener's tag.
    pub(super) fn serving(listeners: &[std::net::TcpListener]) -> Arc<Threads> {
        let zeros = || listeners.iter().map(|_| AtomicUsize::new(0)).collect();
        Arc::new(Threads {
            tags: listeners
                .iter()
                .map(|l| AtomicUsize::new(cpu_of(SockRef::from(l)).unwrap_or(NO_CPU)))
                .collect(),
            accepted: zeros(),
            open: zeros(),
        })
    }

    fn count(&self) -> usize {
        self.open.len()
    }

    fn tag_of(&self, thread: usize) -> usize {
        self.tags
            .get(thread)
            .map_or(NO_CPU, |t| t.load(Ordering::Relaxed))
    }

    fn open_of(&self, thread: usize) -> usize {
        self.open
            .get(thread)
            .map_or(0, |o| o.load(Ordering::Relaxed))
    }

    fn all_open(&self) -> usize {
        sum(&self.open)
    }

    /// Counts one more connection open on `thread`.
    fn opened(&self, thread: usize) {
        if let Some(open) = self.open.get(thread) {
            open.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one connection fewer open on `thread`.
    fn closed(&self, thread: usize) {
        if let Some(open) = self.open.get(thread) {
            open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

fn sum(counts: &[AtomicUsize]) -> usize {
    counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
}

/// socket2 hands the value on as a C `int`: -1, which clears a listener's tag.
const NO_CPU: usize = usize::MAX;

/// `SO_INCOMING_CPU`: for a listener, the CPU it is tagged with; for a connection, the
/// CPU that received its latest packet.
fn cpu_of(socket: SockRef<'_>) -> Option<usize> {
    #[cfg(target_os = "linux")]
    return socket.cpu_affinity().ok().filter(|&cpu| cpu != NO_CPU);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = socket;
        None
    }
}
