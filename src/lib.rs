//! wbt-site: the website of the ICMPD Regional Office for the Western Balkans and Türkiye,
//! and the engine that serves it.
//!
//! Data flows one way: files ([`content::source`]) -> [`content::Site`] (parsed, validated,
//! cross-linked) -> [`render::RenderedSite`] (bytes per route, compressed, with ETags) ->
//! [`server`]. The binary in `main.rs` only parses arguments and calls into this library.

#![forbid(unsafe_code)]

pub mod assets;
pub mod build;
pub mod config;
pub mod content;
pub mod diagnostic;
pub mod export;
pub mod live_reload;
pub mod logging;
pub mod markdown;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod server;
pub mod text;
pub mod watch;

pub use content::{LoadOptions, Site};
pub use diagnostic::{Diagnostic, Severity};
pub use render::RenderedSite;
