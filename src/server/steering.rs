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
//! Owns the tags, when one is dropped, and when a connection is asked to move:
//! - if every connection arrives on one CPU (a network card with a single queue, one
//!   local client), the thread tagged with that CPU would serve them all. A thread that
//!   has accepted far more than its share drops its tag, and the kernel spreads what
//!   arrives on that CPU by hash again;
//! - if a client opened its connections from one CPU and now sends from several (wrk's
//!   threads sometimes do), one thread holds them all while the other idles. A connection
//!   whose requests arrive on the CPU of a thread holding less than its share is asked to
//!   close after its response, and its client reconnects to that thread (see
//!   [`ConnectionSteering`]). On the 10,000-page tree's random URLs (identity, 64
//!   connections, 8 runs of one server each way), without it 3 runs of 8 were served by
//!   one thread (53,900-65,500 requests a second, against 76,900-82,600 split); with it,
//!   all 8 ended split (78,900-82,300), one after moving 32 connections.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

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

/// One serving thread's side of the steering: its tag, and its counts of connections.
pub(super) struct ThreadSteering {
    threads: Arc<Threads>,
    index: usize,
}

/// How often (in connections accepted by the thread) it compares its count with the others.
/// Not too soon: on loopback, a client's threads sometimes all connect from one CPU (in 2
/// of 10 fresh starts under `wrk -t2 -c64`, most of the 64 went to one thread), and a
/// tag dropped after one such burst would be lost for good.
const CHECK_EVERY: usize = 256;

/// How often (in reads of its requests) a connection looks at which CPU its packets
/// arrive on, when its thread holds more than its share.
const CHECK_READS: u32 = 32;

/// socket2 hands the value on as a C `int`: -1, which clears a listener's tag.
const NO_CPU: usize = usize::MAX;

impl ThreadSteering {
    /// Thread `index`'s side.
    pub(super) fn new(threads: Arc<Threads>, index: usize) -> ThreadSteering {
        ThreadSteering { threads, index }
    }

    /// Counts a connection accepted on `listener` and returns its steering; drops the
    /// listener's tag when this thread has taken far more than its share (see
    /// [`takes_too_many`]).
    pub(super) fn accepted(&self, listener: SockRef<'_>) -> ConnectionSteering {
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
        ConnectionSteering {
            threads: self.threads.clone(),
            index: self.index,
            reads: 0,
            leave: tagged.then(Leave::default),
        }
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

/// Asks a connection to close after its current response (`Connection: close`), so that
/// its client opens a new one, which the kernel gives to the thread of the CPU it comes
/// from. Shared by the connection's stream, which decides, and its service, which answers.
#[derive(Clone, Default)]
pub(super) struct Leave(Arc<AtomicBool>);

impl Leave {
    /// Whether the connection has been asked to close after this response.
    pub(super) fn asked(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// One connection's side of the steering: counted open on its thread while it lasts.
///
/// A client's threads sometimes open all their connections from one CPU (wrk's do, in up
/// to a third of its runs here, and so could a proxy's workers), and then move apart: one
/// of our threads serves them all while the other idles. When its thread holds more than
/// its share, a connection whose requests now arrive on the CPU of a thread holding less
/// is asked to leave; the client reconnects from that CPU, to that thread. A network card
/// with a queue per CPU keeps a connection's packets on the CPU its listener was chosen
/// by: there, nothing ever leaves.
pub(super) struct ConnectionSteering {
    threads: Arc<Threads>,
    index: usize,
    reads: u32,
    /// None when the thread's listener is not tagged: the kernel spreads by hash then.
    leave: Option<Leave>,
}

impl ConnectionSteering {
    /// How the connection's service learns that it should close.
    pub(super) fn leave(&self) -> Option<Leave> {
        self.leave.clone()
    }

    /// After each read that brought bytes on `socket`: every [`CHECK_READS`], asks the
    /// connection to leave if it should (see [`ConnectionSteering`]).
    fn read(&mut self, socket: SockRef<'_>) {
        let Some(leave) = &self.leave else {
            return;
        };
        self.reads = self.reads.wrapping_add(1);
        if !self.reads.is_multiple_of(CHECK_READS) || leave.asked() || !self.should_leave(socket) {
            return;
        }
        leave.0.store(true, Ordering::Relaxed);
        // No longer counted here: the next connections to look must not all leave too.
        self.threads.closed(self.index);
        tracing::debug!(
            thread = self.index,
            "a connection's requests arrive on a less busy thread's CPU: asking it to reconnect"
        );
    }

    fn should_leave(&self, socket: SockRef<'_>) -> bool {
        let threads = &*self.threads;
        let mine = threads.tag_of(self.index);
        let all = threads.all_open();
        if mine == NO_CPU || !holds_too_many(threads.open_of(self.index), all, threads.count()) {
            return false;
        }
        let Some(arrives_on) = cpu_of(socket) else {
            return false;
        };
        // The thread of that CPU, when it is another one and holds less than its share.
        (0..threads.count()).any(|theirs| {
            theirs != self.index
                && threads.tag_of(theirs) == arrives_on
                && threads.open_of(theirs) * threads.count() < all
        })
    }
}

impl Drop for ConnectionSteering {
    fn drop(&mut self) {
        // A connection asked to leave was uncounted then.
        if !self.leave.as_ref().is_some_and(Leave::asked) {
            self.threads.closed(self.index);
        }
    }
}

/// A connection's stream, which tells its steering of each read that brought bytes.
pub(super) struct SteeredStream {
    stream: TcpStream,
    steering: ConnectionSteering,
}

impl SteeredStream {
    pub(super) fn new(stream: TcpStream, steering: ConnectionSteering) -> SteeredStream {
        SteeredStream { stream, steering }
    }
}

impl AsyncRead for SteeredStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.steering.read(SockRef::from(&this.stream));
        }
        read
    }
}

impl AsyncWrite for SteeredStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
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

/// Whether a thread that accepted `mine` of `all` connections, with `threads` threads
/// serving, has taken far more than its share: more than halfway from its share to all
/// of them (three quarters, with two threads).
fn takes_too_many(mine: usize, all: usize, threads: usize) -> bool {
    threads > 1 && mine * 2 * threads > all * (threads + 1)
}

/// Whether a thread holding `mine` of `all` open connections, with `threads` threads
/// serving, holds more than its share by more than a thirty-second of all (and by more
/// than two): 35 of 64 with two threads, 137 of 256. With two threads, a client with four
/// connections or fewer (a browser, a test's HTTP client) is never asked to move.
fn holds_too_many(mine: usize, all: usize, threads: usize) -> bool {
    let slack = (all / 32).max(2);
    threads > 1 && mine * threads > all + threads * slack
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
        let listeners = super::super::bind(addr, cpus, false).unwrap();
        let tags: Vec<usize> = listeners
            .iter()
            .map(|l| SockRef::from(l).cpu_affinity().unwrap())
            .collect();
        assert_eq!(tags, expected);
        let more = super::super::bind(addr, cpus + 1, false).unwrap();
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
    fn a_thread_holds_too_many_past_its_share_and_a_little() {
        // Two threads: 35 of 64, 137 of 256.
        assert!(!holds_too_many(34, 64, 2));
        assert!(holds_too_many(35, 64, 2));
        assert!(!holds_too_many(136, 256, 2));
        assert!(holds_too_many(137, 256, 2));
        // A few connections: the slack is at least two.
        assert!(!holds_too_many(4, 4, 2));
        assert!(holds_too_many(5, 5, 2));
        // One thread holds them all, as it should.
        assert!(!holds_too_many(64, 64, 1));
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
