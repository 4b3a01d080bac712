//! A real OpenSSH `sshd` on 127.0.0.1 serving the Git repositories of the
//! running user: generated host key, `authorized_keys` the test can rewrite
//! while it runs (sshd reads it at every login), and a known_hosts line for
//! it. Shared by the reconciler's ssh fetch tests and the controller's
//! AirApp tests (keys from Secrets).

use super::{Server, free_port, wait_for_port};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where Debian's openssh-server installs the daemon.
pub const SSHD: &str = "/usr/sbin/sshd";

/// sshd and ssh-keygen are there; otherwise `SKIPPED` outside CI and a
/// failure under `CI=true` (`crate::tools`).
pub fn available() -> bool {
    if !Path::new(SSHD).is_file() {
        return crate::tools::missing(&format!(
            "`{SSHD}` is not installed (Debian package openssh-server)"
        ));
    }
    crate::tools::require("ssh-keygen", "openssh-client")
}

/// Generate an ed25519 key pair at `path` (`path.pub` beside it); an empty
/// `passphrase` leaves the key unencrypted.
pub fn keygen(path: &Path, passphrase: &str) {
    let status = Command::new("ssh-keygen")
        .args([
            "-q", "-t", "ed25519", "-N", passphrase, "-C", "air-test", "-f",
        ])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen failed for {}", path.display());
}

/// A running sshd, killed when dropped.
pub struct Sshd {
    pub port: u16,
    /// Its files: `host_key`, `authorized_keys`, `known_hosts`, config.
    pub dir: PathBuf,
    _server: Server,
}

impl Sshd {
    /// Start sshd with its files in `dir` (created), accepting the public
    /// keys `authorized` (paths of `.pub` files).
    pub fn start(dir: &Path, authorized: &[&Path]) -> Sshd {
        std::fs::create_dir_all(dir).unwrap();
        keygen(&dir.join("host_key"), "");
        let port = free_port();
        let sshd = Sshd {
            port,
            dir: dir.to_path_buf(),
            _server: Server {
                child: Self::spawn(dir, port),
                port,
            },
        };
        sshd.authorize(authorized);
        wait_for_port(port);
        std::fs::write(dir.join("known_hosts"), sshd.known_hosts_line()).unwrap();
        sshd
    }

    fn spawn(dir: &Path, port: u16) -> std::process::Child {
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nUsePAM no\nStrictModes no\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n",
            d = dir.display()
        );
        std::fs::write(dir.join("sshd_config"), config).unwrap();
        // sshd insists on its privilege separation folder.
        let _ = std::fs::create_dir_all("/run/sshd");
        Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sshd")
    }

    /// Accept exactly these public keys from now on (sshd reads the file
    /// at each login: a key left out is refused at the next one).
    pub fn authorize(&self, keys: &[&Path]) {
        let mut text = String::new();
        for k in keys {
            text.push_str(&std::fs::read_to_string(k).unwrap());
        }
        std::fs::write(self.dir.join("authorized_keys"), text).unwrap();
    }

    /// `[127.0.0.1]:PORT <host key>`: the known_hosts line of this server.
    pub fn known_hosts_line(&self) -> String {
        let host_pub = std::fs::read_to_string(self.dir.join("host_key.pub")).unwrap();
        format!("{} {host_pub}", self.host())
    }

    /// The host as known_hosts names it: `[127.0.0.1]:PORT`.
    pub fn host(&self) -> String {
        format!("[127.0.0.1]:{}", self.port)
    }

    /// `ssh://USER@127.0.0.1:PORT/abs/path` for a bare repository.
    pub fn url(&self, bare: &Path) -> String {
        format!("ssh://{}@127.0.0.1:{}{}", user(), self.port, bare.display())
    }
}

/// The user sshd logs in as: the one running the tests.
fn user() -> String {
    std::env::var("USER").unwrap_or_else(|_| {
        let out = Command::new("id").arg("-un").output().expect("run id -un");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}
