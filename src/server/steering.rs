//! Which serving thread takes a new connection. When there is one serving thread per CPU
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
//! Owns the tags and when one is dropped: if every connection arrives on one CPU (a
//! network card with a single queue, one local client), the thread tagged with that CPU
//! would serve them all. A thread that has accepted far more than its share drops its tag,
//! and the kernel spreads what arrives on that CPU by hash again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use socket2::SockRef;

/// The CPUs to tag `count` listeners with, one each: the CPUs this thread may run on,
/// when there are exactly `count` of them (more than one). None otherwise: a process
/// held to fewer cores than it may run on (a CPU quota) or given more threads than cores
/// has no CPU that belongs to one of its threads.
pub(super) fn cpus_for(count: usize) -> Option<Vec<usize>> {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity};
        let allowed = sched_getaffinity(nix::unistd::Pid::from_raw(0)).ok()?;
        let cpus: Vec<usize> = (0..CpuSet::count())
            .filter(|&cpu| allowed.is_set(cpu).unwrap_or(false))
            .collect();
        (count > 1 && cpus.len() == count).then_some(cpus)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = count;
        None
    }
}

/// How many connections each serving thread has accepted, shared by all of them.
#[derive(Clone)]
pub(super) struct AcceptCounts(Arc<[AtomicUsize]>);

impl AcceptCounts {
    pub(super) fn new(threads: usize) -> AcceptCounts {
        AcceptCounts((0..threads).map(|_| AtomicUsize::new(0)).collect())
    }
}

/// One serving thread's side of the steering: its tag, and its count of connections.
pub(super) struct ThreadSteering {
    counts: AcceptCounts,
    index: usize,
    tagged: bool,
}

/// How often (in connections accepted by the thread) it compares its count with the others.
/// Not too soon: on loopback, a client's threads sometimes all connect from one CPU (in 2
/// of 10 fresh starts under `wrk -t2 -c64`, most of the 64 went to one thread), and a
/// tag dropped after one such burst would be lost for good.
const CHECK_EVERY: usize = 256;

/// socket2 hands the value on as a C `int`: -1, which clears a listener's tag.
const NO_CPU: usize = usize::MAX;

impl ThreadSteering {
    /// Thread `index`'s side; `tagged`: whether its listener was given a CPU.
    pub(super) fn new(counts: AcceptCounts, index: usize, tagged: bool) -> ThreadSteering {
        ThreadSteering {
            counts,
            index,
            tagged,
        }
    }

    /// Counts a connection accepted on `listener`; drops the listener's tag when this
    /// thread has taken far more than its share (see [`takes_too_many`]).
    pub(super) fn accepted(&mut self, listener: SockRef<'_>) {
        let Some(mine) = self.counts.0.get(self.index) else {
            return;
        };
        let mine = mine.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.tagged || mine % CHECK_EVERY != 0 {
            return;
        }
        let all = self
            .counts
            .0
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum();
        if takes_too_many(mine, all, self.counts.0.len()) {
            self.tagged = false;
            match set_tag(&listener, NO_CPU) {
                Ok(()) => tracing::info!(
                    thread = self.index,
                    accepted = mine,
                    of = all,
                    "connections arrive on one CPU: spreading them over the serving threads by address instead"
                ),
                Err(error) => tracing::warn!(%error, "cannot untag a listener from its CPU"),
            }
        }
    }
}

/// Tags `socket` with `cpu`: the kernel gives it the connections that CPU receives.
pub(super) fn set_tag(socket: &socket2::Socket, cpu: usize) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    return socket.set_cpu_affinity(cpu);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (socket, cpu);
        Ok(())
    }
}

/// Whether `listener` was tagged with a CPU.
pub(super) fn is_tagged(listener: SockRef<'_>) -> bool {
    #[cfg(target_os = "linux")]
    return listener.cpu_affinity().is_ok_and(|cpu| cpu != NO_CPU);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = listener;
        false
    }
}

/// Whether a thread that accepted `mine` of `all` connections, with `threads` threads
/// serving, has taken far more than its share: more than halfway from its share to all
/// of them (three quarters, with two threads).
fn takes_too_many(mine: usize, all: usize, threads: usize) -> bool {
    threads > 1 && mine * 2 * threads > all * (threads + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener on loopback, tagged with `cpu`, as `bind` makes them.
    fn tagged_listener(cpu: usize) -> std::net::TcpListener {
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        set_tag(&socket, cpu).unwrap();
        socket.set_nonblocking(true).unwrap();
        socket
            .bind(
                &"127.0.0.1:0"
                    .parse::<std::net::SocketAddr>()
                    .unwrap()
                    .into(),
            )
            .unwrap();
        socket.listen(8).unwrap();
        let listener: std::net::TcpListener = socket.into();
        assert!(is_tagged(SockRef::from(&listener)));
        listener
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn bind_tags_one_listener_per_cpu_and_none_when_the_counts_differ() {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let Some(expected) = cpus_for(cpus) else {
            return; // one CPU, or a quota below the CPUs: nothing to tag
        };
        let addr = "127.0.0.1:0".parse().unwrap();
        let listeners = super::super::bind(addr, cpus, false).unwrap();
        let tags: Vec<usize> = listeners
            .iter()
            .map(|l| SockRef::from(l).cpu_affinity().unwrap())
            .collect();
        assert_eq!(tags, expected);
        let more = super::super::bind(addr, cpus + 1, false).unwrap();
        assert!(more.iter().all(|l| !is_tagged(SockRef::from(l))));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_that_takes_every_connection_drops_its_tag() {
        let listener = tagged_listener(0);
        let counts = AcceptCounts::new(2);
        let mut first = ThreadSteering::new(counts.clone(), 0, true);
        // Shared fairly with the other thread: the tag stays.
        counts.0[1].store(CHECK_EVERY, Ordering::Relaxed);
        for _ in 0..CHECK_EVERY {
            first.accepted(SockRef::from(&listener));
        }
        assert!(is_tagged(SockRef::from(&listener)));
        // Then every connection comes to this one.
        for _ in 0..4 * CHECK_EVERY {
            first.accepted(SockRef::from(&listener));
        }
        assert!(!is_tagged(SockRef::from(&listener)));
    }

    #[test]
    fn a_thread_takes_too_many_past_halfway_from_its_share_to_all() {
        // Two threads: three quarters is the line.
        assert!(!takes_too_many(48, 64, 2));
        assert!(takes_too_many(49, 64, 2));
        assert!(!takes_too_many(32, 64, 2));
        // Four threads: five eighths.
        assert!(!takes_too_many(40, 64, 4));
        assert!(takes_too_many(41, 64, 4));
        // One thread takes them all, as it should.
        assert!(!takes_too_many(64, 64, 1));
    }
}
