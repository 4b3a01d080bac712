//! `POST /hooks/git`: a push notification from GitHub or GitLab makes every
//! app reading that repository fetch now instead of at its next interval.
//!
//! Pure parts here (verification, payload reading, URL matching); the
//! route is in [`crate::http`]. A request is believed only with a valid
//! signature: GitHub's `X-Hub-Signature-256` (HMAC-SHA256 of the body with
//! the shared secret) or GitLab's `X-Gitlab-Token` (the secret itself),
//! both compared in constant time. Nothing from the payload is trusted
//! beyond picking which apps to fetch: the fetch itself still reads the
//! configured remote and ref.

use crate::secret::constant_time_eq;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// Which forge signed the request, and whether the signature holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Signed correctly.
    Valid,
    /// A signature header is present but does not match.
    Invalid,
    /// Neither GitHub's nor GitLab's header.
    Unsigned,
}

/// Check a request's signature. `github_signature` is the value of
/// `X-Hub-Signature-256` (`sha256=<hex>`), `gitlab_token` that of
/// `X-Gitlab-Token`.
pub(crate) fn verify(
    secret: &str,
    body: &[u8],
    github_signature: Option<&str>,
    gitlab_token: Option<&str>,
) -> Verdict {
    if let Some(sig) = github_signature {
        let Some(hex) = sig.trim().strip_prefix("sha256=") else {
            return Verdict::Invalid;
        };
        let Some(expected) = decode_hex(hex) else {
            return Verdict::Invalid;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return Verdict::Invalid;
        };
        mac.update(body);
        return match mac.verify_slice(&expected) {
            Ok(()) => Verdict::Valid,
            Err(_) => Verdict::Invalid,
        };
    }
    if let Some(token) = gitlab_token {
        return if constant_time_eq(token.as_bytes(), secret.as_bytes()) {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
    }
    Verdict::Unsigned
}

/// GitHub's signature of `body` (for tests and for documentation).
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Every repository URL a GitHub or GitLab push payload names.
pub(crate) fn repository_urls(payload: &Value) -> Vec<String> {
    const FIELDS: &[&str] = &[
        // GitHub
        "/repository/clone_url",
        "/repository/ssh_url",
        "/repository/git_url",
        "/repository/html_url",
        "/repository/url",
        // GitLab
        "/project/git_http_url",
        "/project/git_ssh_url",
        "/project/web_url",
        "/repository/git_http_url",
        "/repository/git_ssh_url",
        "/repository/homepage",
    ];
    let mut urls: Vec<String> = FIELDS
        .iter()
        .filter_map(|p| payload.pointer(p).and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// A repository URL reduced to what identifies the repository, so that
/// the https, ssh and scp-like spellings of one repository compare equal:
/// `https://token@GitHub.com/acme/shop.git`, `git@github.com:acme/shop`
/// and `ssh://git@github.com:22/acme/shop.git` all give
/// `github.com/acme/shop`. file:// URLs keep their path.
pub fn normalize(url: &str) -> String {
    let url = url.trim();
    let (rest, scp_like) = match url.split_once("://") {
        Some((_, rest)) => (rest, false),
        None => (url, true),
    };
    let (authority, path) = if scp_like {
        match rest.split_once(':') {
            Some((host, path)) => (host, path),
            None => ("", rest),
        }
    } else {
        match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        }
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    if host.is_empty() {
        format!("/{path}")
    } else {
        format!("{host}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn github_signatures() {
        let body = br#"{"ref":"refs/heads/main"}"#;
        let sig = github_signature("s3cret", body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert_eq!(verify("s3cret", body, Some(&sig), None), Verdict::Valid);
        assert_eq!(verify("other", body, Some(&sig), None), Verdict::Invalid);
        assert_eq!(
            verify("s3cret", b"tampered", Some(&sig), None),
            Verdict::Invalid
        );
        assert_eq!(
            verify("s3cret", body, Some("sha1=abc"), None),
            Verdict::Invalid
        );
        assert_eq!(
            verify("s3cret", body, Some("sha256=zz"), None),
            Verdict::Invalid
        );
        assert_eq!(verify("s3cret", body, None, None), Verdict::Unsigned);
    }

    #[test]
    fn known_hmac_vector() {
        // RFC 4231, test case 2.
        let sig = github_signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn gitlab_tokens() {
        assert_eq!(verify("tok", b"{}", None, Some("tok")), Verdict::Valid);
        assert_eq!(verify("tok", b"{}", None, Some("toK")), Verdict::Invalid);
        assert_eq!(verify("tok", b"{}", None, Some("tok2")), Verdict::Invalid);
    }

    #[test]
    fn one_repository_many_spellings() {
        for url in [
            "https://github.com/acme/shop.git",
            "https://x-access-token:abc@GitHub.com/acme/shop",
            "git@github.com:acme/shop.git",
            "ssh://git@github.com:22/acme/shop.git",
            "git://github.com/acme/shop.git/",
        ] {
            assert_eq!(normalize(url), "github.com/acme/shop", "{url}");
        }
        assert_eq!(normalize("file:///srv/git/shop.git"), "/srv/git/shop");
        assert_ne!(
            normalize("https://github.com/acme/shop"),
            normalize("https://github.com/acme/shop-legacy")
        );
    }

    #[test]
    fn payload_urls() {
        let github = json!({"ref": "refs/heads/main", "repository": {
            "clone_url": "https://github.com/acme/shop.git",
            "ssh_url": "git@github.com:acme/shop.git",
            "html_url": "https://github.com/acme/shop"}});
        assert_eq!(repository_urls(&github).len(), 3);
        let gitlab = json!({"object_kind": "push", "project": {
            "git_http_url": "https://gitlab.com/acme/shop.git",
            "git_ssh_url": "git@gitlab.com:acme/shop.git"}});
        let urls = repository_urls(&gitlab);
        assert!(urls.iter().all(|u| normalize(u) == "gitlab.com/acme/shop"));
        assert!(repository_urls(&json!([1, 2])).is_empty());
    }
}
