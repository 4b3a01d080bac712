//! Shared helpers of the Git integration tests: real repositories made with
//! the `git` CLI, real servers on 127.0.0.1, and log capture.
#![allow(dead_code)]

pub mod http;
pub mod ssh;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Run `git` in `dir` with a fixed identity and no user/system config.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Air Test",
            "-c",
            "user.email=test@air.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "tag.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A work repository plus a bare "upstream" that tests serve.
pub struct Upstream {
    pub work: PathBuf,
    pub bare: PathBuf,
}

impl Upstream {
    /// `<root>/work` and `<root>/<name>` (bare).
    pub fn new(root: &Path, name: &str) -> Self {
        let work = root.join("work");
        let bare = root.join(name);
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q", "-b", "main"]);
        git(root, &["init", "-q", "--bare", bare.to_str().unwrap()]);
        Upstream { work, bare }
    }

    pub fn write(&self, path: &str, text: &str) {
        let p = self.work.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn symlink(&self, path: &str, target: &str) {
        let p = self.work.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
    }

    /// Commit everything and return the commit id.
    pub fn commit(&self, msg: &str) -> String {
        git(&self.work, &["add", "-A"]);
        git(&self.work, &["commit", "-q", "--allow-empty", "-m", msg]);
        git(&self.work, &["rev-parse", "HEAD"])
    }

    pub fn tag(&self, name: &str) {
        git(&self.work, &["tag", "-f", name]);
    }

    pub fn annotated_tag(&self, name: &str) {
        git(&self.work, &["tag", "-f", "-a", "-m", name, name]);
    }

    pub fn branch(&self, name: &str) {
        git(&self.work, &["branch", "-f", name]);
    }

    /// Push all branches and tags to the bare upstream.
    pub fn push(&self) {
        let bare = self.bare.to_str().unwrap();
        git(&self.work, &["push", "-q", "--force", bare, "--all"]);
        git(&self.work, &["push", "-q", "--force", bare, "--tags"]);
    }

    pub fn file_url(&self) -> String {
        format!("file://{}", self.bare.display())
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Wait until something accepts connections on the port (a readiness
/// check, not a timing assertion: it panics only after a generous limit).
pub fn wait_for_port(port: u16) {
    for _ in 0..300 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing is listening on 127.0.0.1:{port}");
}

/// Is the binary there? Under CI a missing binary fails the test; locally
/// the test is skipped with a printed reason.
pub fn require_binary(path: &str, package: &str) -> bool {
    let found = if path.contains('/') {
        Path::new(path).is_file()
    } else {
        Command::new(path)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if found {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{path} is missing (install the Debian package {package}); required when CI=true");
    }
    eprintln!("SKIPPED: {path} is missing (install the Debian package {package})");
    false
}

/// A child process killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `git-daemon` program. Tests start it directly: `git daemon` would
/// run it as a grandchild that survives killing the `git` wrapper.
pub fn daemon_path() -> String {
    let exec_path = git(Path::new("/"), &["--exec-path"]);
    Path::new(&exec_path)
        .join("git-daemon")
        .display()
        .to_string()
}

/// `git daemon` serving every repository under `base` on `port`.
pub fn git_daemon(base: &Path, port: u16) -> Server {
    let child = Command::new(daemon_path())
        .arg("--reuseaddr")
        .arg(format!("--base-path={}", base.display()))
        .arg("--export-all")
        .arg("--listen=127.0.0.1")
        .arg(format!("--port={port}"))
        .arg(base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start git daemon");
    wait_for_port(port);
    Server { child, port }
}

/// A writer that appends to a shared buffer, for capturing tracing output.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// A subscriber writing every tracing event (all levels, all fields,
    /// no colour) into this buffer.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Run `f` with every tracing event (all levels, all fields) written to a
/// buffer; return its result and the captured text.
pub fn capture_logs<R>(f: impl FnOnce() -> R) -> (R, String) {
    let buf = LogBuffer::default();
    let r = tracing::subscriber::with_default(buf.subscriber(), f);
    (r, buf.text())
}
