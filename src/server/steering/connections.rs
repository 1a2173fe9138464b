//! Connections while they are served: each counts its reads and, when its thread holds
//! more than its share, looks where its requests arrive; if it should move, its next
//! response asks its client to reconnect (see the parent module).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::{NO_CPU, Threads, cpu_of};

/// How often (in reads of its requests) a connection looks at which CPU its packets
/// arrive on, when its thread holds more than its share.
const CHECK_READS: u32 = 32;

/// Asks a connection to close after its current response (`Connection: close`), so that
/// its client opens a new one, which the kernel gives to the thread of the CPU it comes
/// from. Shared by the connection's stream, which decides, and its service, which answers.
#[derive(Clone, Default)]
pub(in crate::server) struct Leave(Arc<AtomicBool>);

impl Leave {
    /// Whether the connection has been asked to close after this response.
    pub(in crate::server) fn asked(&self) -> bool {
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
pub(in crate::server) struct ConnectionSteering {
    threads: Arc<Threads>,
    index: usize,
    reads: u32,
    /// None when the thread's listener is not tagged: the kernel spreads by hash then.
    leave: Option<Leave>,
}

impl ConnectionSteering {
    /// A connection of thread `index`, already counted open there. Only one whose thread's
    /// listener is `tagged` can be asked to leave.
    pub(super) fn new(threads: Arc<Threads>, index: usize, tagged: bool) -> ConnectionSteering {
        ConnectionSteering {
            threads,
            index,
            reads: 0,
            leave: tagged.then(Leave::default),
        }
    }

    /// How the connection's service learns that it should close.
    pub(in crate::server) fn leave(&self) -> Option<Leave> {
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
pub(in crate::server) struct SteeredStream {
    stream: TcpStream,
    steering: ConnectionSteering,
}

impl SteeredStream {
    pub(in crate::server) fn new(stream: TcpStream, steering: ConnectionSteering) -> SteeredStream {
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
}
