//! The access log: one line per request, on target `wbt_site::access`, with who asked
//! (the peer's address, and the client's from `X-Forwarded-For` when the peer is a trusted
//! proxy), what (method, path, query, user agent, referer) and the answer (status, body
//! bytes, microseconds).
//!
//! Owns which fields a line has and whom to believe about the client. Must not know what
//! answered the request.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::Response;
use http_body::Body as _;
use ipnet::IpNet;

/// A request's start, kept until its answer for the log line.
pub(crate) struct Access {
    started: Instant,
    method: Method,
    uri: Uri,
    peer: Option<SocketAddr>,
    client: Option<IpAddr>,
    user_agent: Option<HeaderValue>,
    referer: Option<HeaderValue>,
}

impl Access {
    /// What the line needs from `request`, which came from `peer` on its connection and
    /// arrived at `started`.
    pub(crate) fn begin<B>(
        request: &http::Request<B>,
        started: Instant,
        peer: Option<SocketAddr>,
        trusted_proxies: &[IpNet],
    ) -> Access {
        let headers = request.headers();
        Access {
            started,
            method: request.method().clone(),
            uri: request.uri().clone(),
            peer,
            client: peer.map(|peer| client_address(peer.ip(), headers, trusted_proxies)),
            user_agent: headers.get(header::USER_AGENT).cloned(),
            referer: headers.get(header::REFERER).cloned(),
        }
    }

    /// Writes the line for `response`. `bytes` is the body's length (headers not
    /// counted), absent for a stream (live preview's events).
    pub(crate) fn end(self, response: &Response) {
        let text = |value: &Option<HeaderValue>| {
            value
                .as_ref()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        tracing::info!(
            target: "wbt_site::access",
            peer = self.peer.map(tracing::field::display),
            client = self.client.map(tracing::field::display),
            method = %self.method,
            path = self.uri.path(),
            query = self.uri.query(),
            status = response.status().as_u16(),
            bytes = response.body().size_hint().exact(),
            micros = self.started.elapsed().as_micros() as u64,
            agent = text(&self.user_agent),
            referer = text(&self.referer),
        );
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
/// the address it got the request from, so only entries added by trusted ones are
/// believed). An entry that is not an address ends the search.
fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<Cow<'_, str>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().flat_map(|v| v.split(',')).rev() {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        let trusted: Vec<IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_address(peer.parse().unwrap(), &headers, &trusted).to_string()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ["10.0.0.0/8"];
        assert_eq!(client("10.0.0.2", &["203.0.113.9"], &proxy), "203.0.113.9");
        assert_eq!(
            client("198.51.100.1", &["203.0.113.9"], &proxy),
            "198.51.100.1"
        );
        assert_eq!(client("10.0.0.2", &["203.0.113.9"], &[]), "10.0.0.2");
        assert_eq!(client("10.0.0.2", &[], &proxy), "10.0.0.2");
    }

    #[test]
    fn a_client_cannot_forge_its_address_past_the_trusted_proxies() {
        let proxies = ["10.0.0.0/8"];
        // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended its address.
        let forged = ["1.2.3.4, 203.0.113.9"];
        assert_eq!(client("10.0.0.2", &forged, &proxies), "203.0.113.9");
        // Two trusted proxies in a row; headers given as separate lines.
        let chain = ["203.0.113.9", "10.1.1.1"];
        assert_eq!(client("10.0.0.2", &chain, &proxies), "203.0.113.9");
        // Garbage stops the search at the last believable address.
        assert_eq!(
            client("10.0.0.2", &["junk, 10.1.1.1"], &proxies),
            "10.1.1.1"
        );
        assert_eq!(client("::1", &["2001:db8::1"], &["::1/128"]), "2001:db8::1");
    }
}
