//! The log on stderr: which lines reach it, and in which format.
//!
//! By default, this crate's own lines from `info` up (start-up, rebuilds, one line per
//! request) and only errors from dependencies: their warnings speak of their internals
//! (html5ever's "foster parenting not implemented" for odd HTML in a page, notify's
//! "unable to remove watch descriptor" when a watched folder goes away), which an operator
//! can do nothing about. `RUST_LOG` replaces that filter. `--log-format json` writes one
//! JSON object per line for log collectors, and then reports meant for people (content
//! diagnostics, fatal errors) go into the log as lines too, so that stderr stays JSON.
//!
//! A thread that answers requests can hold its lines back ([`hold_lines_on_this_thread`])
//! and write them in one go when it runs out of work ([`write_held_lines`]), as nginx's
//! `access_log ... buffer=`: under load, one `write` carries a few hundred access lines
//! instead of one each. A line is held until its thread goes idle, its 32 KiB of held
//! lines fill up or the thread ends, whichever comes first.
//!
//! Owns the filter, the formats and when lines reach stderr. Must not know what the lines
//! say.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use tracing::Level;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The filter without `RUST_LOG`: this crate from `info` up, everything else errors only.
const DEFAULT_FILTER: &str = "error,wbt_site=info";

/// The format [`init`] set, for [`eprint`].
static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Sends log lines to stderr in `format`, filtered by `RUST_LOG` or else by the default
/// filter: this crate from `info` up, errors only from everything else.
pub fn init(format: LogFormat) {
    let _ = FORMAT.set(format);
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LineWriter);
    match format {
        LogFormat::Text => log.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => log.json().flatten_event(true).with_ansi(false).init(),
    }
}

/// Writes `text`, a report meant for people, on stderr: as it is in the text format; as
/// one log line at `level` (error or else warning) in the JSON format.
pub fn eprint(level: Level, text: &str) {
    if FORMAT.get() != Some(&LogFormat::Json) {
        write_held_lines();
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        eprint!("{text}{newline}");
    } else if level == Level::ERROR {
        tracing::error!("{}", text.trim_end());
    } else {
        tracing::warn!("{}", text.trim_end());
    }
}

/// How many bytes of lines a thread holds back at the most before it writes them.
const HELD_BYTES: usize = 32 * 1024;

thread_local! {
    /// The lines this thread holds back, when it does ([`hold_lines_on_this_thread`]).
    static HELD: RefCell<Option<HeldLines>> = const { RefCell::new(None) };
}

/// Lines not yet written; written when dropped, so that a thread that ends loses none.
struct HeldLines(Vec<u8>);

impl HeldLines {
    fn write(&mut self) {
        if !self.0.is_empty() {
            // One locked write: lines of other threads never land inside these.
            let _ = std::io::stderr().lock().write_all(&self.0);
            self.0.clear();
        }
    }
}

impl Drop for HeldLines {
    fn drop(&mut self) {
        self.write();
    }
}

/// From now on, this thread's log lines wait in memory until [`write_held_lines`] (call
/// it whenever the thread has nothing else to do), until 32 KiB of them wait, or until the
/// thread ends.
pub fn hold_lines_on_this_thread() {
    HELD.with(|held| {
        held.borrow_mut()
            .get_or_insert_with(|| HeldLines(Vec::with_capacity(HELD_BYTES)));
    });
}

/// Writes the lines this thread holds back, if any.
pub fn write_held_lines() {
    let _ = HELD.try_with(|held| {
        if let Some(lines) = held.borrow_mut().as_mut() {
            lines.write();
        }
    });
}

/// Where the subscriber writes a line: into this thread's held lines when it holds them
/// back, else straight to stderr.
struct LineWriter;

impl Write for LineWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // `try_with`: a line logged while the thread ends, after its held lines went,
        // goes straight out.
        let held = HELD.try_with(|held| match held.borrow_mut().as_mut() {
            Some(lines) => {
                lines.0.extend_from_slice(bytes);
                if lines.0.len() >= HELD_BYTES {
                    lines.write();
                }
                true
            }
            None => false,
        });
        if matches!(held, Ok(true)) {
            Ok(bytes.len())
        } else {
            std::io::stderr().write(bytes)
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::Value;

    /// A writer into memory, for one test's subscriber.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_lines_are_one_object_per_event_with_message_and_fields() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .json()
            .flatten_event(true)
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(routes = 3, ms = 1.5, live = true, "rebuilt\nin \"full\"");
            tracing::warn!(target: "wbt_site::access", path = "/a/", status = 404u16);
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["message"], "rebuilt\nin \"full\"");
        assert_eq!(lines[0]["level"], "INFO");
        assert_eq!(lines[0]["target"], "wbt_site::logging::tests");
        assert_eq!(lines[0]["routes"], 3);
        assert_eq!(lines[0]["ms"], 1.5);
        assert_eq!(lines[0]["live"], true);
        assert!(lines[0]["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(lines[1]["target"], "wbt_site::access");
        assert_eq!(lines[1]["path"], "/a/");
        assert_eq!(lines[1]["status"], 404);
    }
}
