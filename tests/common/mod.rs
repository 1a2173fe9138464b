//! Helpers shared by the integration tests: fixture trees, the real router, requests.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use tower::ServiceExt;

use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions};
use wbt_site::content::source::Source;
use wbt_site::server::{self, ServerOptions};
use wbt_site::{Diagnostic, RenderedSite};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn options(name: &str) -> BuildOptions {
    BuildOptions {
        source: Source::Dir(fixture(name)),
        drafts: false,
        base_url: None,
    }
}

/// Renders a fixture tree, failing the test with the report if it has errors.
pub fn rendered(options: &BuildOptions) -> RenderedSite {
    match build::build(options, &Assets::embedded()) {
        Ok(site) => site,
        Err(diagnostics) => panic!("{}", wbt_site::diagnostic::report(&diagnostics)),
    }
}

/// The diagnostics of a tree that must fail to load.
pub fn diagnostics(name: &str) -> Vec<Diagnostic> {
    match build::build(&options(name), &Assets::embedded()) {
        Ok(_) => panic!("{name} loaded without errors"),
        Err(diagnostics) => diagnostics,
    }
}

pub fn router_for(options: &BuildOptions) -> Router {
    let site = Arc::new(ArcSwap::from_pointee(rendered(options)));
    server::app(site, &ServerOptions::default())
}

/// The real router over the `site` fixture.
pub fn router() -> Router {
    router_for(&options("site"))
}

/// A finished response: status, headers, whole body.
pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response: Response<Body> = app.clone().oneshot(request).await.expect("router answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body reads")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(
        app,
        Request::get(uri)
            .body(Body::empty())
            .expect("request builds"),
    )
    .await
}

pub async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(Body::empty()).expect("request builds")).await
}
