//! Fetching over ssh from a real OpenSSH sshd on 127.0.0.1 with generated
//! host and user keys, strict known_hosts checking, and an encrypted key.

#![allow(clippy::unwrap_used)]

use air_tests::git as git_support;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use air_reconciler::git::{Credentials, GitCache, GitError, GitRef, GitSource};
use git_support::ssh::{Sshd, keygen};
use git_support::{Upstream, capture_logs};

const PASSPHRASE: &str = "pass-5e6f7a8b9c0d";

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    up: Upstream,
    _sshd: Sshd,
    url: String,
    commit: String,
    port: u16,
}

fn start() -> Option<Fixture> {
    if !git_support::ssh::available() {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let up = Upstream::new(&dir, "app.git");
    up.write("a.air", "a");
    let commit = up.commit("one");
    up.push();

    keygen(&dir.join("id_plain"), "");
    keygen(&dir.join("id_enc"), PASSPHRASE);
    let sshd = Sshd::start(
        &dir.join("sshd"),
        &[&dir.join("id_plain.pub"), &dir.join("id_enc.pub")],
    );
    std::fs::copy(sshd.dir.join("known_hosts"), dir.join("known_hosts")).unwrap();
    let url = sshd.url(&up.bare);
    let port = sshd.port;
    Some(Fixture {
        _tmp: tmp,
        dir,
        up,
        _sshd: sshd,
        url,
        commit,
        port,
    })
}

fn source(f: &Fixture, key: &str, known_hosts: &str, pass_env: Option<&str>) -> GitSource {
    GitSource::new(f.url.clone(), GitRef::Branch("main".into())).with_credentials(Credentials {
        ssh_key: Some(f.dir.join(key)),
        ssh_key_passphrase_env: pass_env.map(str::to_string),
        known_hosts: Some(f.dir.join(known_hosts)),
        ..Credentials::default()
    })
}

#[test]
fn ssh_key_and_known_hosts() {
    let Some(f) = start() else { return };
    let cache = GitCache::new(f.dir.join("cache")).with_env(|_| None);
    let out = cache
        .fetch_detailed(&source(&f, "id_plain", "known_hosts", None))
        .unwrap();
    assert_eq!(out.revision.commit, f.commit);
    assert!(out.shallow, "ssh fetches depth 1");

    // A new commit over the same cache.
    f.up.write("a.air", "b");
    let c2 = f.up.commit("two");
    f.up.push();
    assert_eq!(
        cache
            .fetch(&source(&f, "id_plain", "known_hosts", None))
            .unwrap()
            .commit,
        c2
    );
}

#[test]
fn unknown_or_wrong_host_key_is_refused() {
    let Some(f) = start() else { return };
    let cache = GitCache::new(f.dir.join("cache")).with_env(|_| None);
    let host = format!("[127.0.0.1]:{}", f.port);

    std::fs::write(f.dir.join("empty_known_hosts"), "").unwrap();
    let err = cache
        .fetch(&source(&f, "id_plain", "empty_known_hosts", None))
        .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::HostKeyUnknown { .. }), "{err:?}");
    assert!(err.to_string().contains(&host), "{err}");
    assert!(!err.is_transient());

    // Only the explicit opt-out accepts an unknown host.
    let mut insecure = source(&f, "id_plain", "empty_known_hosts", None);
    insecure.credentials.insecure_skip_host_key_check = true;
    assert_eq!(cache.fetch(&insecure).unwrap().commit, f.commit);

    // Same host, another key: a mismatch.
    keygen(&f.dir.join("other_host_key"), "");
    let other = std::fs::read_to_string(f.dir.join("other_host_key.pub")).unwrap();
    std::fs::write(f.dir.join("wrong_known_hosts"), format!("{host} {other}")).unwrap();
    let err = cache
        .fetch(&source(&f, "id_plain", "wrong_known_hosts", None))
        .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::HostKeyMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains(&host), "{err}");

    // The key is known for port 22 only: unknown for this port.
    let real = std::fs::read_to_string(f.dir.join("sshd/host_key.pub")).unwrap();
    std::fs::write(
        f.dir.join("port22_known_hosts"),
        format!("127.0.0.1 {real}"),
    )
    .unwrap();
    let err = cache
        .fetch(&source(&f, "id_plain", "port22_known_hosts", None))
        .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::HostKeyUnknown { .. }), "{err:?}");

    // Hashed entry (ssh-keygen -H) of the right key works.
    std::fs::copy(f.dir.join("known_hosts"), f.dir.join("hashed_known_hosts")).unwrap();
    let status = Command::new("ssh-keygen")
        .args(["-q", "-H", "-f"])
        .arg(f.dir.join("hashed_known_hosts"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let hashed = std::fs::read_to_string(f.dir.join("hashed_known_hosts")).unwrap();
    assert!(hashed.starts_with("|1|"), "{hashed}");
    let rev = cache
        .fetch(&source(&f, "id_plain", "hashed_known_hosts", None))
        .unwrap();
    assert_eq!(rev.commit, f.commit);
}

#[test]
fn encrypted_key_with_passphrase_from_env() {
    let Some(f) = start() else { return };
    let cache = GitCache::new(f.dir.join("cache"))
        .with_env(|k| (k == "KEY_PASS").then(|| PASSPHRASE.to_string()));
    let (rev, logs) =
        capture_logs(|| cache.fetch(&source(&f, "id_enc", "known_hosts", Some("KEY_PASS"))));
    assert_eq!(rev.unwrap().commit, f.commit);
    assert!(!logs.contains(PASSPHRASE), "{logs}");

    // A wrong passphrase: an auth error that never shows either passphrase.
    let wrong = "wrong-pass-1a2b3c";
    let cache = GitCache::new(f.dir.join("cache2"))
        .with_env(move |k| (k == "KEY_PASS").then(|| wrong.to_string()));
    let (res, logs) =
        capture_logs(|| cache.fetch(&source(&f, "id_enc", "known_hosts", Some("KEY_PASS"))));
    let err = res.unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::AuthFailed { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    for secret in [wrong, PASSPHRASE] {
        assert!(
            !shown.contains(secret) && !logs.contains(secret),
            "{shown} {logs}"
        );
    }
}

#[test]
fn key_not_authorized_is_an_auth_error() {
    let Some(f) = start() else { return };
    keygen(&f.dir.join("id_stranger"), "");
    let cache = GitCache::new(f.dir.join("cache")).with_env(|_| None);
    let err = cache
        .fetch(&source(&f, "id_stranger", "known_hosts", None))
        .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::AuthFailed { .. }), "{err:?}");
}
