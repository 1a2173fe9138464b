//! The command line as an operator meets it: values from `WBT_*` variables are checked
//! like flags and a refusal names the variable; addresses, switches, timeouts and the
//! base URL take what people write; a loopback base URL nobody chose is warned about;
//! `--help` says what the flags cannot.

mod common;

use std::process::{Command, Output};

use common::fixture;

/// `wbt-site ARGS` with `env` set and every other `WBT_*` variable removed.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbt-site"));
    for (name, _) in std::env::vars() {
        if name.starts_with("WBT_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `wbt-site ARGS` with `env`, which must be refused as a usage error (exit 2): what it
/// printed on stderr.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = run(args, env);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?} {env:?}: {message}");
    message
}

#[test]
fn a_bad_value_from_the_environment_is_reported_under_the_variables_name() {
    let message = refused(&["check"], &[("WBT_BASE_URL", "wb.example.org")]);
    assert!(
        message.contains("invalid value 'wb.example.org' for WBT_BASE_URL")
            && message.contains("--base-url")
            && message.contains("https://wbt.example.org"),
        "{message}"
    );
    // On the command line, the flag is named as before.
    let message = refused(&["check", "--base-url", "wb.example.org"], &[]);
    assert!(message.contains("for '--base-url <URL>'"), "{message}");
    assert!(!message.contains("WBT_BASE_URL"), "{message}");

    let message = refused(&[], &[("WBT_ADDR", "nonsense")]);
    assert!(message.contains("for WBT_ADDR"), "{message}");
    let message = refused(&[], &[("WBT_LOG_FORMAT", "xml")]);
    assert!(message.contains("for WBT_LOG_FORMAT"), "{message}");
}

#[test]
fn base_urls_must_be_absolute_http_without_query_or_fragment() {
    // Every form is in the unit tests of `config::values`; here, that the CLI refuses.
    for bad in ["", "ftp://x", "https://wb.example.org/?a=b"] {
        let message = refused(&["check"], &[("WBT_BASE_URL", bad)]);
        assert!(message.contains("WBT_BASE_URL"), "{bad}");
    }
}

#[test]
fn switches_take_one_zero_yes_no_from_the_environment_and_timeouts_are_not_zero() {
    let site = fixture("site");
    let site = site.to_str().unwrap();
    for yes in ["1", "true", "yes", "0", "false", "no"] {
        let output = run(&["check", "--content", site], &[("WBT_DRAFTS", yes)]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "WBT_DRAFTS={yes}: {}",
            stderr(&output)
        );
    }
    let message = refused(&["check", "--content", site], &[("WBT_DRAFTS", "maybe")]);
    assert!(message.contains("for WBT_DRAFTS"), "{message}");

    let message = refused(&["--request-timeout", "0"], &[]);
    assert!(message.contains("at least 1 second"), "{message}");
    let message = refused(&[], &[("WBT_REQUEST_TIMEOUT", "0")]);
    assert!(message.contains("for WBT_REQUEST_TIMEOUT"), "{message}");
}

#[test]
fn a_loopback_base_url_nobody_chose_is_warned_about_by_build() {
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    let out = out.to_str().unwrap();
    // The embedded site.toml says http://127.0.0.1:8080.
    let output = run(&["build", "--out", out], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("point to http://127.0.0.1:8080") && message.contains("WBT_BASE_URL"),
        "{message}"
    );
    // Chosen explicitly (a preview), or public: no warning.
    for base in ["http://127.0.0.1:8080", "https://wb.example.org/"] {
        let output = run(&["build", "--out", out], &[("WBT_BASE_URL", base)]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            !stderr(&output).contains("warning"),
            "{base}: {}",
            stderr(&output)
        );
    }
    let sitemap = std::fs::read_to_string(format!("{out}/sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://wb.example.org/about/</loc>"),
        "{sitemap}"
    );
}

#[test]
fn help_tells_the_truth_about_timeouts_and_lists_what_ops_need() {
    let output = run(&["--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(!help.contains("answered with 408"), "{help}");
    assert!(help.contains("or its connection is"), "{help}");
    for needed in [
        "RUST_LOG",
        "/healthz",
        "SIGTERM",
        "SIGHUP",
        "Exit codes",
        "--drain-seconds",
        "--reuse-port",
        "--trusted-proxy",
        "--access-log",
        "--tls-cert",
        "--hsts",
    ] {
        assert!(help.contains(needed), "no {needed} in:\n{help}");
    }
}
