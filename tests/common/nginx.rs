//! A real nginx for the tests that put one in front of the server or of its export: run
//! as the test's own process (`daemon off`, its files and error log in a temporary
//! folder, a free loopback port), stopped by its PID when dropped.
//!
//! nginx must be installed: when it is missing, the test fails and says to install it
//! (`apt-get install nginx-light`, as `.ci/run` does) rather than pass without testing.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nginx.
pub struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
    /// The loopback port it listens on.
    pub port: u16,
}

impl Nginx {
    /// Starts nginx with the configuration `config(dir, port)` gives (without `daemon`:
    /// it is set here), `dir` being its own temporary folder, and waits until it listens.
    pub fn start(config: impl Fn(&Path, u16) -> String) -> Nginx {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port)).expect("write nginx.conf");
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!(
                    "nginx exited ({status}) without listening:\n{}",
                    nginx.error_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Replaces its configuration with `config(dir, port)` and reloads it (SIGHUP: old
    /// workers finish their requests, new ones take over).
    pub fn reload(&self, config: impl Fn(&Path, u16) -> String) {
        let conf = config(self.dir.path(), self.port);
        std::fs::write(self.dir.path().join("nginx.conf"), conf).expect("rewrite nginx.conf");
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-HUP", &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "nginx reloads");
    }

    /// What nginx wrote to its error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM, so that a master stops its workers (SIGKILL would leave them running, with
    /// no parent), then SIGKILL if it has not exited within 5 s.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The nginx binary: on PATH, or in `/usr/sbin` (often not on a user's PATH).
fn nginx_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("nginx"))
        .find(|path| path.is_file());
    let found = on_path.or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/nginx");
        sbin.is_file().then_some(sbin)
    });
    found.unwrap_or_else(|| {
        panic!(
            "nginx is not installed, and this test needs a real nginx: install it \
             (Debian: apt-get install nginx-light; .ci/run does)"
        )
    })
}
