//! Listeners and accepting: which CPU each serving thread's listener is tagged with, and
//! when a thread that takes far more than its share drops its tag (see the parent module).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use socket2::SockRef;

use super::connections::ConnectionSteering;
use super::{NO_CPU, Threads, sum};

/// The CPUs to tag `count` listeners with, one each: the CPUs this thread may run on,
/// when there are exactly `count` of them (more than one). None otherwise: a process
/// held to fewer cores than it may run on (a CPU quota) or given more threads than cores
/// has no CPU that belongs to one of its threads.
pub(in crate::server) fn cpus_for(count: usize) -> Option<Vec<usize>> {
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

/// One serving thread's side of the steering: its tag, and its counts of connections.
pub(in crate::server) struct ThreadSteering {
    threads: Arc<Threads>,
    index: usize,
}

/// How often (in connections accepted by the thread) it compares its count with the others.
/// Not too soon: on loopback, a client's threads sometimes all connect from one CPU (in 2
/// of 10 fresh starts under `wrk -t2 -c64`, most of the 64 went to one thread), and a
/// tag dropped after one such burst would be lost for good.
const CHECK_EVERY: usize = 256;

impl ThreadSteering {
    /// Thread `index`'s side.
    pub(in crate::server) fn new(threads: Arc<Threads>, index: usize) -> ThreadSteering {
        ThreadSteering { threads, index }
    }

    /// Counts a connection accepted on `listener` and returns its steering; drops the
    /// listener's tag when this thread has taken far more than its share (see
    /// [`takes_too_many`]).
    pub(in crate::server) fn accepted(&self, listener: SockRef<'_>) -> ConnectionSteering {
        let threads = &self.threads;
        threads.opened(self.index);
        let mine = threads
            .accepted
            .get(self.index)
            .map_or(0, |accepted| accepted.fetch_add(1, Ordering::Relaxed) + 1);
        let tagged = threads.tag_of(self.index) != NO_CPU;
        if tagged && mine.is_multiple_of(CHECK_EVERY) {
            let all = sum(&threads.accepted);
            if takes_too_many(mine, all, threads.count()) {
                self.untag(listener, mine, all);
            }
        }
        ConnectionSteering::new(self.threads.clone(), self.index, tagged)
    }

    fn untag(&self, listener: SockRef<'_>, mine: usize, all: usize) {
        match set_tag(&listener, NO_CPU) {
            Ok(()) => {
                if let Some(tag) = self.threads.tags.get(self.index) {
                    tag.store(NO_CPU, Ordering::Relaxed);
                }
                tracing::info!(
                    thread = self.index,
                    accepted = mine,
                    of = all,
                    "connections arrive on one CPU: spreading them over the serving threads by address instead"
                );
            }
            Err(error) => tracing::warn!(%error, "cannot untag a listener from its CPU"),
        }
    }
}

/// Tags `socket` with `cpu`: the kernel gives it the connections that CPU receives.
pub(in crate::server) fn set_tag(socket: &socket2::Socket, cpu: usize) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    return socket.set_cpu_affinity(cpu);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (socket, cpu);
        Ok(())
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
    use super::super::cpu_of;
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
        assert!(cpu_of(SockRef::from(&listener)).is_some());
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
        let listeners = crate::server::bind(addr, cpus, false).unwrap();
        let tags: Vec<usize> = listeners
            .iter()
            .map(|l| SockRef::from(l).cpu_affinity().unwrap())
            .collect();
        assert_eq!(tags, expected);
        let more = crate::server::bind(addr, cpus + 1, false).unwrap();
        assert!(more.iter().all(|l| cpu_of(SockRef::from(l)).is_none()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_that_takes_every_connection_drops_its_tag() {
        let listeners = [tagged_listener(0), tagged_listener(1)];
        let threads = Threads::serving(&listeners);
        let first = ThreadSteering::new(threads.clone(), 0);
        let listener = || SockRef::from(&listeners[0]);
        // Shared fairly with the other thread: the tag stays.
        threads.accepted[1].store(CHECK_EVERY, Ordering::Relaxed);
        for _ in 0..CHECK_EVERY {
            first.accepted(listener());
        }
        assert_eq!(cpu_of(listener()), Some(0));
        // Then every connection comes to this one.
        for _ in 0..4 * CHECK_EVERY {
            first.accepted(listener());
        }
        assert_eq!(cpu_of(listener()), None);
        assert_eq!(threads.tag_of(0), NO_CPU);
        // Each connection was counted open while it lasted.
        assert_eq!(threads.all_open(), 0);
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
