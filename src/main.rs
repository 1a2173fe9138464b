//! The `wbt-site` command: parses arguments, calls one library function, prints one report
//! or error, and decides the exit code.

#![deny(unsafe_code)]

use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tracing::Level;

use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions, SharedSite};
use wbt_site::config::{self, AccessLog, Command, ContentArgs, NewArgs, ServeArgs};
use wbt_site::content::LoadCache;
use wbt_site::content::source::Source;
use wbt_site::live_reload::LiveReload;
use wbt_site::server::{self, Draining, ServerOptions, TlsConfig};
use wbt_site::{RenderedSite, diagnostic, logging, watch};

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

/// Makes the allocator give freed memory back to the system. By default mimalloc keeps
/// freed pages for a second, counted only when it next runs, and its memory may become
/// transparent huge pages, which it never gives back: a server at rest after start-up or
/// a burst held 65-114 MB it no longer used. With freed pages purged at once and no huge
/// pages for this process, the embedded site stays near 20 MB at the same requests per
/// second (`benches/ops.sh`). An operator's own `MIMALLOC_PURGE_DELAY` wins.
///
/// Only for `serve`: `build` and `check` take [`configure_allocator_for_batch`].
fn configure_allocator() {
    set_purge_delay(0);
    no_huge_pages();
}

/// Keeps this process's memory in 4 KiB pages. mimalloc's own switch for this
/// (MIMALLOC_ALLOW_THP) is read before `main`.
#[allow(unsafe_code)]
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: integer arguments only; a failure leaves huge pages allowed, nothing else.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Makes the allocator keep freed memory for 5 ms, for `build` and `check`: long enough
/// that the buffers each page is rendered and compressed in are used again rather than
/// faulted in afresh, short enough that what one stage frees is given back before the
/// next stage grows. On the 10,000-page tree, `build` peaks at 144-147 MB this way, at
/// 173-185 MB with mimalloc's default of a second (no faster), and takes a quarter longer
/// purging at once. Without huge pages, as `serve`: with them, the peak moved between 145
/// and 200 MB from run to run, and 137-148 MB without (at 4-9 % more time).
fn configure_allocator_for_batch() {
    set_purge_delay(5);
    no_huge_pages();
}

/// Sets how many milliseconds mimalloc keeps freed memory before giving it back, unless
/// the operator set `MIMALLOC_PURGE_DELAY`.
#[allow(unsafe_code)]
fn set_purge_delay(ms: std::ffi::c_long) {
    /// `mi_option_purge_delay` in mimalloc.h (the same in mimalloc 2 and 3); the Rust
    /// binding names only the options before it.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option, which mimalloc reads atomically; no pointer.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, ms) };
    }
}

/// Gives the system back the freed memory mimalloc still holds for this thread and for
/// each of the worker threads that compressed (each collects its own).
#[allow(unsafe_code)]
fn give_back_freed_memory() {
    // SAFETY: no arguments but a flag; each thread collects its own heap.
    let collect = || unsafe { libmimalloc_sys::mi_collect(true) };
    rayon::broadcast(|_| collect());
    collect();
}

fn main() -> ExitCode {
    let cli = config::parse();
    logging::init(cli.log_format);
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => {
            configure_allocator();
            serve(args)
        }
        Command::Check(args) => {
            configure_allocator_for_batch();
            check(&args)
        }
        Command::Build(args) => {
            configure_allocator_for_batch();
            export(&args.content, &args.out)
        }
        Command::New(args) => new_page(&args),
    }
}

/// Says what went wrong on stderr (a log line under `--log-format json`) and fails.
fn fail(message: &str) -> ExitCode {
    logging::eprint(Level::ERROR, &format!("wbt-site: {message}"));
    ExitCode::FAILURE
}

/// Prints a diagnostics report on stderr (log lines under `--log-format json`).
fn eprint_report(level: Level, diagnostics: &[diagnostic::Diagnostic]) {
    if !diagnostics.is_empty() {
        logging::eprint(level, &diagnostic::report(diagnostics));
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
        Err(error) => fail(&error.to_string()),
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
        let default = PathBuf::from("content");
        if !default.join("site.toml").is_file() {
            return fail("--watch needs a content folder: pass --content DIR");
        }
        args.content.content = Some(default);
    }
    let mut server_options = match server_options(&args) {
        Ok(options) => options,
        Err(message) => return fail(&message),
    };
    let mut options = build_options(&args.content);
    options.live_reload = args.watch;
    let assets = Arc::new(Assets::embedded());
    let started = Instant::now();
    // Under --watch the first build fills the cache the watcher's rebuilds load through.
    let mut cache = LoadCache::default();
    let Some(site) = first_build(&options, &assets, args.watch.then_some(&mut cache)) else {
        return ExitCode::FAILURE;
    };
    let built_in = started.elapsed();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let listeners = match server::bind(args.addr, threads, args.reuse_port) {
        Ok(listeners) => listeners,
        Err(error) => return fail(&format!("cannot listen on {}: {error}", args.addr)),
    };
    let addr = listeners
        .first()
        .and_then(|l| l.local_addr().ok())
        .unwrap_or(args.addr);
    let scheme = if server_options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    say!(
        "wbt-site: serving {} ({} routes, built in {} ms) on {scheme}://{addr}/ with links to {}",
        options.source.describe(),
        site.route_count(),
        built_in.as_millis(),
        site.base_url
    );
    if !args.watch {
        warn_if_links_point_here(&args.content, &site.base_url);
    }
    let shared = Arc::new(ArcSwap::from_pointee(site));
    if !options.live_reload {
        finish_in_background(shared.clone());
    }
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let live_reload = args.watch.then(|| LiveReload {
        reload: tokio::sync::broadcast::channel(16).0,
        stopping,
    });
    let _watcher = match (&live_reload, &options.source) {
        (Some(live), Source::Dir(dir)) => {
            match start_watching(dir, &options, &assets, &shared, live, cache) {
                Ok(watcher) => Some(watcher),
                Err(code) => return code,
            }
        }
        _ => None,
    };
    let publisher = build::publish_when_due(
        shared.clone(),
        options,
        assets,
        live_reload.as_ref().map(|live| live.reload.clone()),
        finish_and_give_back,
    );
    server_options.live_reload = live_reload;
    let app = server::app(shared, &server_options);
    match server::run(listeners, app, &server_options, publisher, stop) {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => fail(&format!("server error: {error}")),
    }
}

/// How to serve, from the command line; the TLS files are read and checked here, so that
/// a bad certificate stops the server before it listens.
fn server_options(args: &ServeArgs) -> Result<ServerOptions, String> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsConfig::from_pem_files(cert, key)?),
        _ => None,
    };
    let drain = args.drain_seconds.unwrap_or(if args.watch { 0 } else { 5 });
    Ok(ServerOptions {
        request_timeout: Duration::from_secs(args.request_timeout),
        live_reload: None,
        drain: Duration::from_secs(drain),
        draining: Draining::default(),
        tls,
        hsts: args.hsts,
        access_log: args.access_log == AccessLog::On,
        trusted_proxies: args.trusted_proxies.clone(),
        metrics: args.metrics,
    })
}

/// Warns when the site's links point at this machine only because nobody said otherwise
/// (the embedded site.toml says `http://127.0.0.1:8080`, right for a preview only).
fn warn_if_links_point_here(args: &ContentArgs, base_url: &str) {
    if args.base_url.is_none() && config::is_loopback(base_url) {
        logging::eprint(
            Level::WARN,
            &format!(
                "wbt-site: warning: canonical links, feeds and the sitemap point to {base_url}, \
                 this machine; set --base-url or WBT_BASE_URL to the public address, \
                 such as https://wbt.example.org"
            ),
        );
    }
}

/// The site to start serving (uncompressed: compression follows in the background), or
/// `None` once its errors are reported.
fn first_build(
    options: &BuildOptions,
    assets: &Assets,
    cache: Option<&mut LoadCache>,
) -> Option<RenderedSite> {
    match build::build_uncompressed(options, assets, cache) {
        Ok(site) => {
            eprint_report(Level::WARN, &site.warnings);
            Some(site)
        }
        Err(diagnostics) => {
            eprint_report(Level::ERROR, &diagnostics);
            let source = options.source.describe();
            fail(&format!("not serving {source}: fix the errors above"));
            None
        }
    }
}

/// Live preview: rebuilds `shared` from `dir` on every change and tells open pages.
fn start_watching(
    dir: &Path,
    options: &BuildOptions,
    assets: &Arc<Assets>,
    shared: &SharedSite,
    live: &LiveReload,
    cache: LoadCache,
) -> Result<watch::Watcher, ExitCode> {
    let watching = watch::watch(
        dir,
        options.clone(),
        assets.clone(),
        shared.clone(),
        live.reload.clone(),
        cache,
    );
    match watching {
        Ok(watcher) => {
            say!("wbt-site: watching {} for changes", dir.display());
            Ok(watcher)
        }
        Err(error) => Err(fail(&format!("cannot watch {}: {error}", dir.display()))),
    }
}

/// Serving starts on the plain bodies; the finished site (compressed, with its search
/// index) replaces it once ready, unless something (a scheduled rebuild) replaced it first.
/// Then the memory start-up freed is given back, once nothing is being built any more.
/// The search index used to be built on a thread of its own, which could still be running
/// when memory was given back: what it freed stayed, and the server held 27-50 MB at rest
/// over 49 starts, against 26-38 MB over 48 with [`build::finish`] doing both here.
fn finish_in_background(shared: SharedSite) {
    std::thread::spawn(move || {
        let started = Instant::now();
        let plain = shared.load_full();
        let finished = Arc::new(finish_and_give_back(&plain));
        let previous = shared.compare_and_swap(&plain, finished);
        if Arc::ptr_eq(&previous, &plain) {
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "compressed every page and built the search index"
            );
        }
    });
}

/// [`build::finish`] for the server, at start-up and for each scheduled publication. Each
/// brotli body allocates and frees a 1 MB table: purged at once, every one was faulted in
/// afresh, and compressing a 10,000-page site took 32 s instead of 17 s. So freed memory
/// is kept 10 ms while compressing (long enough for the next body to take it, far shorter
/// than mimalloc's own second); then what is left is given back, and freed memory is
/// purged at once again.
fn finish_and_give_back(plain: &RenderedSite) -> RenderedSite {
    set_purge_delay(10);
    let finished = build::finish(plain);
    set_purge_delay(0);
    give_back_freed_memory();
    finished
}

fn check(args: &ContentArgs) -> ExitCode {
    let options = build_options(args);
    let assets = Assets::embedded();
    match build::load(&options, &assets, jiff::Timestamp::now()) {
        Ok(site) => {
            print!("{}", diagnostic::report(&site.warnings));
            // As in `export`: the process ends here, and frees the site at once.
            std::mem::forget(site);
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            print!("{}", diagnostic::report(&diagnostics));
            ExitCode::FAILURE
        }
    }
}

fn export(args: &ContentArgs, out: &Path) -> ExitCode {
    let options = build_options(args);
    let assets = Assets::embedded();
    let started = Instant::now();
    let mut site = match build::load(&options, &assets, jiff::Timestamp::now()) {
        // The process ends with the export: freeing a large site page by page (about
        // 40 ms for 10,000 pages) would only hold up its exit.
        Ok(site) => ManuallyDrop::new(site),
        Err(diagnostics) => {
            eprint_report(Level::ERROR, &diagnostics);
            return ExitCode::FAILURE;
        }
    };
    // Said once, here: the export has no use for them (a large site may have thousands).
    eprint_report(Level::WARN, &std::mem::take(&mut site.warnings));
    warn_if_links_point_here(args, &site.base_url);
    match wbt_site::export::export(&site, &assets, out) {
        Ok(summary) => {
            say!(
                "wbt-site: wrote {} files ({} KiB) to {} in {} ms ({})",
                summary.files,
                summary.bytes / 1024,
                out.display(),
                started.elapsed().as_millis(),
                summary.compression,
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error.to_string()),
    }
}
