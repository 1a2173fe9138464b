//! Values of the command line and their `WBT_*` twins: addresses, the base URL, proxy
//! ranges and timeouts checked as clap parses them, and parse errors that name the
//! environment variable when the bad value came from there.
//!
//! Owns what a value may be and how a refusal reads. Must not know what the values do.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::CommandFactory;
use ipnet::IpNet;

use super::Cli;

/// The command line, as [`clap::Parser::parse`] gives it, except that a bad value taken
/// from a `WBT_*` variable is reported under that variable's name: the operator set
/// `WBT_ADDR`, not `--addr`. Exits (2) on a bad command line, as clap does.
pub fn parse() -> Cli {
    use clap::Parser as _;
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => match from_the_environment(&error) {
            Some(message) => {
                eprint!("{message}");
                std::process::exit(2)
            }
            None => error.exit(),
        },
    }
}

/// `error` reworded to name the environment variable, when the refused value is that
/// variable's and its flag is not on the command line.
fn from_the_environment(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return None;
    }
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let Some(ContextValue::String(value)) = error.get(ContextKind::InvalidValue) else {
        return None;
    };
    let long = arg.split_whitespace().next()?.trim_start_matches("--");
    let variable = env_of(&Cli::command(), long)?;
    let on_command_line = std::env::args().any(|word| {
        word.strip_prefix("--")
            .and_then(|rest| rest.split('=').next())
            .is_some_and(|name| name == long)
    });
    let from_env = std::env::var(&variable).is_ok_and(|v| v.split(',').any(|v| v == value));
    if on_command_line || !from_env {
        return None;
    }
    let text = error.render().to_string();
    Some(text.replacen(
        &format!("for '{arg}'"),
        &format!("for {variable} (in the environment; the flag is --{long})"),
        1,
    ))
}

/// The environment variable of the option `--long`, in `command` or a subcommand.
fn env_of(command: &clap::Command, long: &str) -> Option<String> {
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))
        .and_then(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .or_else(|| command.get_subcommands().find_map(|sub| env_of(sub, long)))
}

/// `--addr`: `IP:PORT`, `[IPv6]:PORT`, or `localhost:PORT` (127.0.0.1).
pub(crate) fn listen_addr(value: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = value.parse() {
        return Ok(addr);
    }
    let refused = || {
        "expected IP:PORT, [IPv6]:PORT or localhost:PORT, such as 0.0.0.0:8080 or [::1]:8080"
            .to_owned()
    };
    match value.rsplit_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => port
            .parse::<u16>()
            .map(|port| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
            .map_err(|_| refused()),
        _ => Err(refused()),
    }
}

/// `--base-url`: an absolute `http` or `https` URL with a host and no query, fragment or
/// password, returned without its trailing slash (`https://wbt.example.org`).
pub(crate) fn base_url(value: &str) -> Result<String, String> {
    let example = "such as https://wbt.example.org";
    let url = url::Url::parse(value).map_err(|error| match error {
        url::ParseError::RelativeUrlWithoutBase => {
            format!("not an absolute URL: write it with its scheme, {example}")
        }
        _ => format!("not an absolute URL ({error}); expected one {example}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("expected an http or https URL, {example}"));
    }
    if url.host().is_none() {
        return Err(format!("no host; expected a URL {example}"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a base URL takes no query (`?`) or fragment (`#`)".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a base URL takes no user name or password".to_owned());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether `base_url` points at this machine (`localhost`, `127.0.0.0/8`, `::1`): fine to
/// preview, wrong in every canonical link of a public site.
pub fn is_loopback(base_url: &str) -> bool {
    match url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `--trusted-proxy`: a CIDR range (`10.0.0.0/8`) or one address (`127.0.0.1`).
pub(crate) fn cidr(value: &str) -> Result<IpNet, String> {
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| "expected an address or a CIDR range, such as 10.0.0.0/8".to_owned())
}

/// A number of seconds that must not be zero (a zero timeout would cut every client).
pub(crate) fn seconds_at_least_one(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(0) => Err("must be at least 1 second".to_owned()),
        Ok(seconds) => Ok(seconds),
        Err(_) => Err("expected a whole number of seconds".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_take_ips_bracketed_ipv6_and_localhost() {
        assert_eq!(listen_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert_eq!(listen_addr("[::1]:8080").unwrap().to_string(), "[::1]:8080");
        assert_eq!(
            listen_addr("localhost:8080").unwrap().to_string(),
            "127.0.0.1:8080"
        );
        for bad in [
            "localhost",
            "localhost:http",
            "example.org:80",
            "::1:80",
            "",
        ] {
            assert!(listen_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_urls_are_absolute_http_without_query_or_fragment() {
        assert_eq!(
            base_url("https://wb.example.org/").unwrap(),
            "https://wb.example.org"
        );
        assert_eq!(
            base_url("http://example.org/site/").unwrap(),
            "http://example.org/site"
        );
        for bad in [
            "wb.example.org",
            "",
            "ftp://x",
            "https://wb.example.org/?a=b",
            "https://wb.example.org/#top",
            "https://user:pw@wb.example.org",
            "file:///etc",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_base_urls_are_told_apart() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:80",
        ] {
            assert!(is_loopback(local), "{local}");
        }
        for public in ["https://wb.example.org", "http://10.0.0.1"] {
            assert!(!is_loopback(public), "{public}");
        }
    }

    #[test]
    fn proxies_are_ranges_or_single_addresses_and_timeouts_are_not_zero() {
        assert_eq!(cidr("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(cidr("127.0.0.1").unwrap().to_string(), "127.0.0.1/32");
        assert!(cidr("10.0.0.0/33").is_err());
        assert_eq!(seconds_at_least_one("5"), Ok(5));
        assert!(seconds_at_least_one("0").is_err());
        assert!(seconds_at_least_one("-1").is_err());
    }
}
