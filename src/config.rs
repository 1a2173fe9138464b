//! Configuration: the command line (with its `WBT_*` environment twins) and the typed
//! shape of `content/site.toml`.
//!
//! Raw values become typed here; the loader in [`crate::content`] reads `site.toml` into
//! [`SiteConfig`] and reports its problems like any other content file's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;
use toml::Spanned;

/// The command line. With no subcommand, `wbt-site` serves the embedded site.
#[derive(Debug, Parser)]
#[command(
    name = "wbt-site",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Log format on stderr: `text` for people, `json` (one object per line) for log
    /// collectors.
    #[arg(
        long,
        global = true,
        env = "WBT_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One line of text per event, for people.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site over HTTP (the default).
    Serve(ServeArgs),
    /// Load and validate the content, print every problem, exit 1 if any is an error.
    Check(ContentArgs),
    /// Render the whole site into a folder of static files for any web server or CDN.
    Build(BuildArgs),
    /// Start a new page with its section's fields: `wbt-site new offices/tirana`.
    New(NewArgs),
}

#[derive(Clone, Debug, Args)]
pub struct NewArgs {
    /// `SECTION/SLUG` (`offices/tirana`, `news/new-centre`) or `SLUG` for a plain page.
    #[arg(value_name = "SECTION/SLUG")]
    pub page: String,
    /// Content folder to write into.
    #[arg(
        long,
        env = "WBT_CONTENT",
        value_name = "DIR",
        default_value = "content"
    )]
    pub content: std::path::PathBuf,
}

#[derive(Clone, Debug, Args)]
pub struct ContentArgs {
    /// Content folder to read instead of the content embedded in the binary.
    #[arg(long, env = "WBT_CONTENT", value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// Show draft pages (with a visible "Draft" banner).
    #[arg(long, env = "WBT_DRAFTS")]
    pub drafts: bool,
    /// Public address of the site, used in canonical links (overrides site.toml).
    #[arg(long, env = "WBT_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    /// Address and port to listen on.
    #[arg(
        long,
        env = "WBT_ADDR",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub addr: SocketAddr,
    /// Live preview: rebuild when a file under the content folder changes, reload open
    /// pages, show errors in the browser. Uses `--content`, or `./content`.
    #[arg(long, env = "WBT_WATCH")]
    pub watch: bool,
    /// Seconds a request may take before it is answered with 408.
    #[arg(
        long,
        env = "WBT_REQUEST_TIMEOUT",
        default_value_t = 10,
        value_name = "SECONDS"
    )]
    pub request_timeout: u64,
    /// Serve `/metrics` for Prometheus: responses by status class, latency, bytes sent,
    /// the site's routes and build time, rebuilds and failed rebuilds.
    #[arg(long, env = "WBT_METRICS")]
    pub metrics: bool,
}

#[derive(Clone, Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    /// Folder to write the static site into (created if missing; existing files are replaced).
    #[arg(long, env = "WBT_OUT", value_name = "DIR")]
    pub out: PathBuf,
}

/// `content/site.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's name, in the header and in every page's `<title>`.
    pub title: String,
    /// Public address, such as `https://wbt.example.org`; no trailing slash needed.
    pub base_url: String,
    /// Code of the language served at the root (`en`).
    pub default_language: Spanned<String>,
    /// Every language the site has, by code: `[languages.en] name = "English"`.
    pub languages: BTreeMap<String, LanguageConfig>,
    /// Header navigation, in order: `[[menu]] page = "offices/_index.md"`.
    #[serde(default)]
    pub menu: Vec<MenuEntry>,
    pub organisation: Organisation,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// The language's name in itself (`English`, `Türkçe`), for the language switcher.
    pub name: String,
    /// The site's title in this language; the top-level `title` when left out.
    pub title: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuEntry {
    /// A content file; the entry's label is that page's title in the visitor's language.
    pub page: Spanned<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: String,
    pub url: String,
}
