//! What every request goes through, whatever answers it: the request-header size limit
//! (431), a panic while answering (called or awaited) turned into a 500 page, the
//! security headers on every response (errors, timeouts and panics included, HSTS when
//! asked), `Connection: close` while draining, one access log line per request
//! ([`super::access_log`]), and under `--metrics` the hook of [`super::metrics`] (each
//! response counted, `/metrics`).
//!
//! Written out by hand (no boxed future, no layer stack) because it runs on every request.
//! Must not know what the inner service answers or how: it wraps any service.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use super::access_log::Access;
use super::metrics::{self, Metrics};
use super::{Draining, ServerOptions};
use crate::render::headers::SECURITY_HEADERS;

/// Largest total size of request headers accepted, in bytes.
pub(crate) const MAX_HEADER_BYTES: usize = 16 * 1024;

const HSTS: &str = "max-age=31536000";

/// The outermost service around `S`, for one connection (`peer`) or none (tests).
#[derive(Clone, Debug)]
pub struct Guard<S> {
    inner: S,
    config: Arc<GuardConfig>,
    peer: Option<SocketAddr>,
}

/// What the guard does beside limits and panics.
#[derive(Debug)]
struct GuardConfig {
    hsts: bool,
    access_log: bool,
    trusted_proxies: Vec<IpNet>,
    draining: Draining,
    metrics: Option<&'static Metrics>,
}

impl<S> Guard<S> {
    pub(crate) fn new(
        inner: S,
        options: &ServerOptions,
        metrics: Option<&'static Metrics>,
    ) -> Self {
        let config = GuardConfig {
            hsts: options.hsts,
            access_log: options.access_log,
            trusted_proxies: options.trusted_proxies.clone(),
            draining: options.draining.clone(),
            metrics,
        };
        Guard {
            inner,
            config: Arc::new(config),
            peer: None,
        }
    }
}

impl<S: Clone> Guard<S> {
    /// The guard for requests on a connection from `peer`.
    pub fn for_peer(&self, peer: SocketAddr) -> Self {
        Guard {
            peer: Some(peer),
            ..self.clone()
        }
    }
}

impl<S, B> tower::Service<http::Request<B>> for Guard<S>
where
    S: tower::Service<http::Request<B>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let config = &self.config;
        let log = config.access_log
            && tracing::enabled!(target: "wbt_site::access", tracing::Level::INFO);
        // When the request came, read once for the log line and the metrics, and only
        // when one of them will use it.
        let started = (log || config.metrics.is_some()).then(Instant::now);
        // What the access log line needs, taken only when that line will be written.
        let access = started
            .filter(|_| log)
            .map(|at| Access::begin(&request, at, self.peer, &config.trusted_proxies));
        // Under `--metrics`: where to count the response, and when the request came.
        let metered = config.metrics.zip(started);
        // HTTP/2 has no `Connection` header: its connections get GOAWAY when the listeners
        // close.
        let close = request.version() <= Version::HTTP_11 && config.draining.is_draining();
        let extra = Extra {
            hsts: config.hsts,
            close,
        };
        let state = if header_bytes(request.headers()) > MAX_HEADER_BYTES {
            GuardState::Answered {
                response: Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.into_response()),
            }
        } else if let Some((metrics, _)) = metered
            && request.uri().path() == metrics::PATH
        {
            GuardState::Answered {
                response: Some(metrics.answer()),
            }
        } else {
            // The site service answers inside `call`, so this catches its panics.
            match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
                Ok(future) => GuardState::Inner { future },
                Err(_) => GuardState::Answered {
                    response: Some(panic_response()),
                },
            }
        };
        GuardFuture {
            state,
            access,
            extra,
            metered,
        }
    }
}

/// Headers some responses get beside the security headers.
#[derive(Clone, Copy)]
struct Extra {
    hsts: bool,
    close: bool,
}

/// The size of the request headers as the limit counts it.
fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

pin_project_lite::pin_project! {
    /// The response future of [`Guard`].
    pub struct GuardFuture<F> {
        #[pin]
        state: GuardState<F>,
        access: Option<Access>,
        extra: Extra,
        // Under `--metrics`: where to count the response, and when the request came.
        metered: Option<(&'static Metrics, Instant)>,
    }
}

pin_project_lite::pin_project! {
    #[project = GuardStateProjection]
    enum GuardState<F> {
        Inner { #[pin] future: F },
        Answered { response: Option<Response> },
    }
}

impl<F> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.state.project() {
            // A panic while the answer is awaited (the axum routes) is caught here.
            GuardStateProjection::Inner { future } => {
                match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(Poll::Ready(Ok(response))) => response,
                    Ok(Poll::Ready(Err(never))) => match never {},
                    Ok(Poll::Pending) => return Poll::Pending,
                    Err(_) => panic_response(),
                }
            }
            GuardStateProjection::Answered { response } => response
                .take()
                .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        };
        let headers = response.headers_mut();
        add_security_headers(headers);
        if this.extra.hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            );
        }
        if this.extra.close {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some((metrics, started)) = this.metered.take() {
            metrics.observe(&response, started);
        }
        if let Some(access) = this.access.take() {
            access.end(&response);
        }
        Poll::Ready(Ok(response))
    }
}

fn add_security_headers(headers: &mut HeaderMap) {
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, value);
    }
}

fn panic_response() -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Server error</title>\
         <h1>Server error</h1><p>Something went wrong on our side. Please try again.</p></html>\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    fn request(header: &str) -> http::Request<()> {
        http::Request::get("/")
            .header("x-test", header)
            .body(())
            .unwrap()
    }

    #[tokio::test]
    async fn a_panic_while_answering_is_a_500_page_with_the_security_headers() {
        let panics = tower::service_fn(
            |_: http::Request<()>| -> std::future::Ready<Result<Response, Infallible>> {
                panic!("answering failed")
            },
        );
        let response = Guard::new(panics, &ServerOptions::default(), None)
            .oneshot(request("x"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "DENY");
    }

    #[tokio::test]
    async fn oversized_headers_are_refused_before_the_inner_service() {
        let answers_ok = tower::service_fn(|_: http::Request<()>| async {
            Ok::<Response, Infallible>(StatusCode::OK.into_response())
        });
        let big = "a".repeat(MAX_HEADER_BYTES);
        let response = Guard::new(answers_ok, &ServerOptions::default(), None)
            .oneshot(request(&big))
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
        let fits = "a".repeat(MAX_HEADER_BYTES - 100);
        let response = Guard::new(answers_ok, &ServerOptions::default(), None)
            .oneshot(request(&fits))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
