//! OpenSSH known_hosts, for strict host key checking of ssh remotes.
//!
//! Supported: plain host patterns (comma-separated, `*`/`?` wildcards,
//! `!negation`), hashed entries (`|1|salt|hash`, HMAC-SHA1), the
//! `[host]:port` form for ports other than 22, and `@revoked`.
//! `@cert-authority` lines are ignored (libssh2 offers no host
//! certificates), so such hosts count as unknown.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The verdict on a server's host key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// An entry for this host carries exactly this key.
    Match,
    /// Entries exist for this host and key type, but with another key.
    Mismatch,
    /// No entry for this host (or none for this key type).
    Unknown,
    /// The key is listed as `@revoked`.
    Revoked,
}

#[derive(Clone, Debug)]
enum Hosts {
    Patterns(Vec<String>),
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
}

#[derive(Clone, Debug)]
struct Entry {
    revoked: bool,
    hosts: Hosts,
    key_type: String,
    key: Vec<u8>,
}

/// A parsed known_hosts file.
#[derive(Clone, Debug, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

impl KnownHosts {
    /// Parse known_hosts text; malformed lines are skipped (as OpenSSH does).
    pub fn parse(text: &str) -> Self {
        let entries = text.lines().filter_map(parse_line).collect();
        KnownHosts { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Check `key` (the SSH wire-format key blob the server sent) for
    /// `host` on `port`.
    pub fn check(&self, host: &str, port: u16, key: &[u8]) -> HostKeyStatus {
        let name = lookup_name(host, port);
        let key_type = blob_key_type(key);
        let mut same_type_seen = false;
        let mut matched = false;
        for e in self.entries.iter().filter(|e| e.hosts.matches(&name)) {
            if e.key == key {
                if e.revoked {
                    return HostKeyStatus::Revoked;
                }
                matched = true;
            } else if !e.revoked && Some(e.key_type.as_str()) == key_type.as_deref() {
                same_type_seen = true;
            }
        }
        if matched {
            HostKeyStatus::Match
        } else if same_type_seen {
            HostKeyStatus::Mismatch
        } else {
            HostKeyStatus::Unknown
        }
    }
}

/// The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise.
pub(crate) fn lookup_name(host: &str, port: u16) -> String {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let mut first = fields.next()?;
    let mut revoked = false;
    if let Some(marker) = first.strip_prefix('@') {
        match marker {
            "revoked" => revoked = true,
            // Host certificates are not offered by libssh2: ignore.
            _ => return None,
        }
        first = fields.next()?;
    }
    let key_type = fields.next()?.to_string();
    let key = B64.decode(fields.next()?).ok()?;
    let hosts = if let Some(rest) = first.strip_prefix("|1|") {
        let (salt, hash) = rest.split_once('|')?;
        Hosts::Hashed {
            salt: B64.decode(salt).ok()?,
            hash: B64.decode(hash).ok()?,
        }
    } else {
        Hosts::Patterns(first.split(',').map(str::to_ascii_lowercase).collect())
    };
    Some(Entry {
        revoked,
        hosts,
        key_type,
        key,
    })
}

impl Hosts {
    fn matches(&self, name: &str) -> bool {
        match self {
            Hosts::Hashed { salt, hash } => {
                let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(name.as_bytes());
                mac.verify_slice(hash).is_ok()
            }
            Hosts::Patterns(patterns) => {
                let name = name.to_ascii_lowercase();
                let mut positive = false;
                for p in patterns {
                    if let Some(neg) = p.strip_prefix('!') {
                        if glob(neg.as_bytes(), name.as_bytes()) {
                            return false;
                        }
                    } else if glob(p.as_bytes(), name.as_bytes()) {
                        positive = true;
                    }
                }
                positive
            }
        }
    }
}

/// `*` and `?` wildcards, iteratively (no recursion on untrusted input).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The key type named inside an SSH wire-format key blob.
fn blob_key_type(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(0..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    String::from_utf8(name.to_vec()).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn blob(kind: &str, body: &[u8]) -> Vec<u8> {
        let mut v = (kind.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind.as_bytes());
        v.extend_from_slice(body);
        v
    }

    fn hashed(name: &str, salt: &[u8]) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
        mac.update(name.as_bytes());
        let hash = mac.finalize().into_bytes();
        format!("|1|{}|{}", B64.encode(salt), B64.encode(hash))
    }

    #[test]
    fn plain_hashed_and_port_forms() {
        let k1 = blob("ssh-ed25519", b"one");
        let k2 = blob("ssh-ed25519", b"two");
        let text = format!(
            "# comment\n\
             example.com,10.0.0.1 ssh-ed25519 {k1}\n\
             [127.0.0.1]:2222 ssh-ed25519 {k1}\n\
             {h} ssh-ed25519 {k1}\n\
             *.corp.example,!bad.corp.example ssh-ed25519 {k1}\n\
             garbage line\n",
            k1 = B64.encode(&k1),
            h = hashed("[10.1.1.1]:2200", b"salty-salt-salty-sal"),
        );
        let kh = KnownHosts::parse(&text);
        assert_eq!(kh.len(), 4);
        assert_eq!(kh.check("example.com", 22, &k1), HostKeyStatus::Match);
        assert_eq!(kh.check("EXAMPLE.com", 22, &k1), HostKeyStatus::Match);
        assert_eq!(kh.check("example.com", 22, &k2), HostKeyStatus::Mismatch);
        // Port 2222 only matches the bracketed form.
        assert_eq!(kh.check("127.0.0.1", 2222, &k1), HostKeyStatus::Match);
        assert_eq!(kh.check("127.0.0.1", 22, &k1), HostKeyStatus::Unknown);
        assert_eq!(kh.check("10.1.1.1", 2200, &k1), HostKeyStatus::Match);
        assert_eq!(kh.check("10.1.1.1", 2200, &k2), HostKeyStatus::Mismatch);
        assert_eq!(kh.check("a.corp.example", 22, &k1), HostKeyStatus::Match);
        assert_eq!(
            kh.check("bad.corp.example", 22, &k1),
            HostKeyStatus::Unknown
        );
        assert_eq!(kh.check("other", 22, &k1), HostKeyStatus::Unknown);
        // A different key type is unknown, not a mismatch.
        let rsa = blob("ssh-rsa", b"x");
        assert_eq!(kh.check("example.com", 22, &rsa), HostKeyStatus::Unknown);
    }

    #[test]
    fn revoked_wins() {
        let k = blob("ssh-ed25519", b"k");
        let text = format!(
            "h ssh-ed25519 {b}\n@revoked h ssh-ed25519 {b}\n",
            b = B64.encode(&k)
        );
        assert_eq!(
            KnownHosts::parse(&text).check("h", 22, &k),
            HostKeyStatus::Revoked
        );
    }

    #[test]
    fn glob_works() {
        assert!(glob(b"*", b"abc"));
        assert!(glob(b"a*c", b"abbbc"));
        assert!(glob(b"a?c", b"abc"));
        assert!(!glob(b"a?c", b"ac"));
        assert!(!glob(b"abc", b"abcd"));
    }
}
