//! Configuration: the command line (with its `WBT_*` environment twins) and the typed
//! shape of `content/site.toml`.
//!
//! Raw values become typed here; the loader in [`crate::content`] reads `site.toml` into
//! [`SiteConfig`] and reports its problems like any other content file's.

pub(crate) mod values;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use serde::Deserialize;
use toml::Spanned;
use values::{base_url, cidr, listen_addr, seconds_at_least_one};
pub use values::{is_loopback, parse};

/// What `--help` adds after the options: what the flags do not say.
const AFTER_HELP: &str = "\
Environment:
  Every option has a WBT_* twin (shown under it); a flag on the command line wins.
  Switches take 1/0, true/false, yes/no, on/off from the environment (WBT_DRAFTS=1).
  RUST_LOG replaces the log filter (default: this program from info up, libraries'
  errors only), e.g. RUST_LOG=warn.

Serving:
  GET /healthz answers 200 \"ok\", and 503 from the moment the server starts to stop.
  SIGTERM, SIGINT (Ctrl-C) or SIGHUP: /healthz answers 503 at once; new connections are
  still served for --drain-seconds; then the listeners close, requests in flight finish
  (for at most --request-timeout seconds), idle connections are closed, and it exits 0.

Exit codes:
  0  stopped on a signal, or the command succeeded
  1  the content has errors, the address is taken, a file cannot be read or written
  2  the command line (or a WBT_* variable) is wrong";

/// The command line. With no subcommand, `wbt-site` serves the embedded site.
#[derive(Debug, Parser)]
#[command(
    name = "wbt-site",
    version,
    about,
    after_help = AFTER_HELP,
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
    /// Serve the site over HTTP or HTTPS (the default).
    #[command(after_help = AFTER_HELP)]
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
    #[arg(long, env = "WBT_DRAFTS", value_parser = BoolishValueParser::new())]
    pub drafts: bool,
    /// Public address of the site, such as `https://wbt.example.org`, for canonical links
    /// and the sitemap (overrides site.toml): absolute http or https, no query or fragment.
    #[arg(long, env = "WBT_BASE_URL", value_name = "URL", value_parser = base_url)]
    pub base_url: Option<String>,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    /// Address and port to listen on: `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`,
    /// `localhost:8080`. Refused when another process listens there (see --reuse-port).
    #[arg(
        long,
        env = "WBT_ADDR",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR",
        value_parser = listen_addr
    )]
    pub addr: SocketAddr,
    /// Share the address with a process already listening there (`SO_REUSEPORT`), to
    /// hand over without downtime: start the new server with it, then stop the old one.
    #[arg(long, env = "WBT_REUSE_PORT", value_parser = BoolishValueParser::new())]
    pub reuse_port: bool,
    /// Live preview: rebuild when a file under the content folder changes, reload open
    /// pages, show errors in the browser. Uses `--content`, or `./content`.
    #[arg(long, env = "WBT_WATCH", value_parser = BoolishValueParser::new())]
    pub watch: bool,
    /// A client must send a whole request head within SECONDS, or its connection is
    /// closed without an answer; a live-preview request that waits longer gets 408. Also
    /// how long requests in flight may take to finish on shutdown.
    #[arg(
        long,
        env = "WBT_REQUEST_TIMEOUT",
        default_value_t = 10,
        value_name = "SECONDS",
        value_parser = seconds_at_least_one
    )]
    pub request_timeout: u64,
    /// Serve `/metrics` for Prometheus: responses by status class, latency, bytes sent,
    /// the site's routes and build time, rebuilds and failed rebuilds.
    #[arg(long, env = "WBT_METRICS", value_parser = BoolishValueParser::new())]
    pub metrics: bool,
    /// Seconds between a stop signal and closing the listeners, while /healthz answers
    /// 503 and new connections are still served: time for a proxy or load balancer to
    /// take this server out. Default 5, and 0 under --watch.
    #[arg(long, env = "WBT_DRAIN_SECONDS", value_name = "SECONDS")]
    pub drain_seconds: Option<u64>,
    /// One log line per request (`on`), or none (`off`).
    #[arg(
        long,
        env = "WBT_ACCESS_LOG",
        value_enum,
        default_value_t = AccessLog::On,
        value_name = "ON|OFF"
    )]
    pub access_log: AccessLog,
    /// A proxy in front (`10.0.0.0/8`, `127.0.0.1`): for requests from it, the access log
    /// takes the client address from `X-Forwarded-For`. Repeatable; comma-separated in
    /// the environment.
    #[arg(
        long = "trusted-proxy",
        env = "WBT_TRUSTED_PROXY",
        value_name = "CIDR",
        value_delimiter = ',',
        value_parser = cidr
    )]
    pub trusted_proxies: Vec<IpNet>,
    /// Serve HTTPS (HTTP/1.1 and HTTP/2) with this PEM certificate chain; needs --tls-key.
    #[arg(long, env = "WBT_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "WBT_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Add `Strict-Transport-Security: max-age=31536000` to every response: browsers
    /// will then use only HTTPS for this host for a year. Only behind HTTPS.
    #[arg(long, env = "WBT_HSTS", value_parser = BoolishValueParser::new())]
    pub hsts: bool,
}

/// Whether each request gets a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccessLog {
    On,
    Off,
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's name, in the header and in every page's `<title>`.
    pub title: String,
    /// Public address, such as `https://wbt.example.org`; no trailing slash needed.
    pub base_url: Spanned<String>,
    /// Code of the language served at the root (`en`).
    pub default_language: Spanned<String>,
    /// Every language the site has, by code: `[languages.en] name = "English"`.
    pub languages: BTreeMap<String, LanguageConfig>,
    /// Header navigation, in order: `[[menu]] page = "offices/_index.md"`.
    #[serde(default)]
    pub menu: Vec<MenuEntry>,
    pub organisation: Organisation,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// The language's name in itself (`English`, `Türkçe`), for the language switcher.
    pub name: String,
    /// The site's title in this language; the top-level `title` when left out.
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuEntry {
    /// A content file; the entry's label is that page's title in the visitor's language.
    pub page: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: String,
    pub url: String,
}
