//! The `wbt-site` command: parses arguments, calls one library function, prints one report
//! or error, and decides the exit code.

#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions, SharedSite};
use wbt_site::config::{Cli, Command, ContentArgs, NewArgs, ServeArgs};
use wbt_site::content::source::Source;
use wbt_site::diagnostic;
use wbt_site::live_reload::LiveReload;
use wbt_site::server::{self, ServerOptions};
use wbt_site::watch;

/// Prints a line on stdout, ignoring a closed stdout (a supervisor that stopped reading
/// must not bring the server down the way `println!` would).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(args),
        Command::Check(args) => check(&args),
        Command::Build(args) => export(&args.content, &args.out),
        Command::New(args) => new_page(&args),
    }
}

fn new_page(args: &NewArgs) -> ExitCode {
    let today = jiff::Zoned::now().date();
    match wbt_site::scaffold::new_page(&args.content, &args.page, today) {
        Ok(path) => {
            say!(
                "wbt-site: wrote {}: a draft with every field of its section; fill it in, then run `wbt-site check`",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wbt-site: {error}");
            ExitCode::FAILURE
        }
    }
}

fn build_options(args: &ContentArgs) -> BuildOptions {
    BuildOptions {
        source: args.content.clone().map_or(Source::Embedded, Source::Dir),
        drafts: args.drafts,
        base_url: args.base_url.clone(),
        live_reload: false,
    }
}

fn serve(mut args: ServeArgs) -> ExitCode {
    if args.watch && args.content.content.is_none() {
        let default = std::path::PathBuf::from("content");
        if !default.join("site.toml").is_file() {
            eprintln!("wbt-site: --watch needs a content folder: pass --content DIR");
            return ExitCode::FAILURE;
        }
        args.content.content = Some(default);
    }
    let mut options = build_options(&args.content);
    options.live_reload = args.watch;
    let assets = Arc::new(Assets::embedded());
    let started = Instant::now();
    let site = match build::build_uncompressed(&options, &assets) {
        Ok(site) => site,
        Err(diagnostics) => {
            eprint!("{}", diagnostic::report(&diagnostics));
            eprintln!(
                "wbt-site: not serving {}: fix the errors above",
                options.source.describe()
            );
            return ExitCode::FAILURE;
        }
    };
    if !site.warnings.is_empty() {
        eprint!("{}", diagnostic::report(&site.warnings));
    }
    let routes = site.routes.len();
    let built_in = started.elapsed();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let listeners = match server::bind(args.addr, threads) {
        Ok(listeners) => listeners,
        Err(error) => {
            eprintln!("wbt-site: cannot listen on {}: {error}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listeners
        .first()
        .and_then(|l| l.local_addr().ok())
        .unwrap_or(args.addr);
    say!(
        "wbt-site: serving {} ({routes} routes, built in {} ms) on http://{addr}/",
        options.source.describe(),
        built_in.as_millis()
    );
    let shared = Arc::new(ArcSwap::from_pointee(site));
    if !options.live_reload {
        compress_in_background(shared.clone());
    }
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let live_reload = args.watch.then(|| LiveReload {
        reload: tokio::sync::broadcast::channel(16).0,
        stopping,
    });
    let _watcher = match (&live_reload, &options.source) {
        (Some(live), Source::Dir(dir)) => {
            match watch::watch(
                dir,
                options.clone(),
                assets.clone(),
                shared.clone(),
                live.reload.clone(),
            ) {
                Ok(watcher) => {
                    say!("wbt-site: watching {} for changes", dir.display());
                    Some(watcher)
                }
                Err(error) => {
                    eprintln!("wbt-site: cannot watch {}: {error}", dir.display());
                    return ExitCode::FAILURE;
                }
            }
        }
        _ => None,
    };
    let publisher = build::publish_when_due(
        shared.clone(),
        options,
        assets,
        live_reload.as_ref().map(|live| live.reload.clone()),
    );
    let app = server::app(
        shared,
        &ServerOptions {
            request_timeout: Duration::from_secs(args.request_timeout),
            live_reload,
        },
    );
    let request_timeout = Duration::from_secs(args.request_timeout);
    match server::run(listeners, app, request_timeout, publisher, stop) {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wbt-site: server error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Serving starts on the plain bodies; the compressed site replaces it once ready, unless
/// something (a scheduled rebuild) replaced it first.
fn compress_in_background(shared: SharedSite) {
    std::thread::spawn(move || {
        let started = Instant::now();
        let plain = shared.load_full();
        let compressed = Arc::new(plain.compressed());
        let previous = shared.compare_and_swap(&plain, compressed);
        if Arc::ptr_eq(&previous, &plain) {
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "compressed every page"
            );
        }
    });
}

fn check(args: &ContentArgs) -> ExitCode {
    let options = build_options(args);
    let assets = Assets::embedded();
    match build::load(&options, &assets, jiff::Timestamp::now()) {
        Ok(site) => {
            print!("{}", diagnostic::report(&site.warnings));
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            print!("{}", diagnostic::report(&diagnostics));
            ExitCode::FAILURE
        }
    }
}

fn export(args: &ContentArgs, out: &std::path::Path) -> ExitCode {
    let options = build_options(args);
    let assets = Assets::embedded();
    let started = Instant::now();
    let site = match build::build(&options, &assets) {
        Ok(site) => site,
        Err(diagnostics) => {
            eprint!("{}", diagnostic::report(&diagnostics));
            return ExitCode::FAILURE;
        }
    };
    if !site.warnings.is_empty() {
        eprint!("{}", diagnostic::report(&site.warnings));
    }
    match wbt_site::export::export(&site, out) {
        Ok(summary) => {
            say!(
                "wbt-site: wrote {} files ({} KiB) to {} in {} ms",
                summary.files,
                summary.bytes / 1024,
                out.display(),
                started.elapsed().as_millis()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wbt-site: cannot write the site: {error}");
            ExitCode::FAILURE
        }
    }
}
