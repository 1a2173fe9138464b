//! How hyper calls the site's service on a connection: [`HttpService`], what the accept
//! loop serves, and `CallAtOnce`, which hands each request to it as soon as hyper has it
//! and closes the connection after the response when its steering asks it to move.

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::task::{Context, Poll, Waker};

use axum::response::Response;
use hyper::body::Incoming;

use super::guard::Guard;
use super::steering::Leave;

/// What the accept loop serves: a tower service from a request to a response, made for
/// each connection from its peer's address and sent to the connection's task. It must
/// always be ready: [`CallAtOnce`] calls it without waiting.
pub trait HttpService:
    tower::Service<http::Request<Incoming>, Response = Response, Error = Infallible, Future: Send>
    + Clone
    + Send
    + 'static
{
    /// The service for one connection from `peer`.
    fn for_peer(&self, peer: SocketAddr) -> Self;
}

impl<S> HttpService for Guard<S>
where
    Guard<S>: tower::Service<
            http::Request<Incoming>,
            Response = Response,
            Error = Infallible,
            Future: Send,
        > + Clone
        + Send
        + 'static,
    S: Clone,
{
    fn for_peer(&self, peer: SocketAddr) -> Self {
        Guard::for_peer(self, peer)
    }
}

/// A connection's tower service as hyper's, called as soon as hyper has the request.
///
/// hyper-util's `TowerToHyperService` clones the service for every request and keeps the
/// request until its future is first polled; meanwhile hyper reads on, and the request's
/// head still holds the read buffer, so every request cost a new 8 KiB buffer (and the
/// clone three reference counts the serving threads share). tower's `call` takes
/// `&mut self` and hyper's `&self`: hyper calls one request at a time on a connection, so
/// a `RefCell` lends the one service out for each call.
///
/// When the connection's steering asks it to leave (see `steering`), the response says
/// `Connection: close`, and hyper closes the connection once it is sent.
pub(super) struct CallAtOnce<S> {
    service: RefCell<S>,
    leave: Option<Leave>,
}

impl<S> CallAtOnce<S> {
    pub(super) fn new(service: S, leave: Option<Leave>) -> Self {
        CallAtOnce {
            service: RefCell::new(service),
            leave,
        }
    }
}

impl<S: HttpService> hyper::service::Service<http::Request<Incoming>> for CallAtOnce<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = CloseIf<S::Future>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        let mut service = self.service.borrow_mut();
        // Always ready (see `HttpService`); asked all the same, as tower's contract wants.
        let ready = service.poll_ready(&mut Context::from_waker(Waker::noop()));
        debug_assert!(matches!(ready, Poll::Ready(Ok(()))));
        CloseIf {
            response: service.call(request),
            close: self.leave.as_ref().is_some_and(Leave::asked),
        }
    }
}

pin_project_lite::pin_project! {
    /// A response, with `Connection: close` added when `close` is set.
    pub(super) struct CloseIf<F> {
        #[pin]
        response: F,
        close: bool,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for CloseIf<F> {
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Poll::Ready(Ok(mut response)) = this.response.poll(cx) else {
            return Poll::Pending;
        };
        if *this.close {
            response.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
        }
        Poll::Ready(Ok(response))
    }
}
