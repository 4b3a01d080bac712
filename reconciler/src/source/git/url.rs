//! Remote URLs: parsing the forms air accepts, the form handed to libgit2
//! (never carrying a password), the redacted form shown to people, and the
//! credential-free key the cache folder is named after.

use super::error::GitError;
use crate::secret::Secret;

/// How a remote is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    Https,
    Http,
    /// `ssh://…` or the scp-like `user@host:path`.
    Ssh,
    /// The unauthenticated `git://` daemon protocol.
    Git,
    File,
}

/// A parsed remote URL. `Debug` is written by hand: the password (if the
/// URL carried one) is never shown.
#[derive(Clone)]
pub struct RemoteUrl {
    transport: Transport,
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    password: Option<Secret>,
    path: String,
    scp_like: bool,
}

impl std::fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RemoteUrl").field(&self.redacted()).finish()
    }
}

impl RemoteUrl {
    /// Parse one of: `https://`, `http://`, `ssh://`, `git://`, `file://`,
    /// or scp-like `[user@]host:path`.
    pub fn parse(raw: &str) -> Result<Self, GitError> {
        let invalid = |reason: &str| GitError::InvalidUrl {
            url: redact_url(raw),
            reason: reason.to_string(),
        };
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(invalid("the URL is empty"));
        }
        if let Some(path) = raw.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(invalid(
                    "a file:// URL needs an absolute path (file:///srv/repo.git)",
                ));
            }
            return Ok(RemoteUrl {
                transport: Transport::File,
                host: None,
                port: None,
                user: None,
                password: None,
                path: path.to_string(),
                scp_like: false,
            });
        }
        if raw.contains("://") {
            let url = ::url::Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
            let transport = match url.scheme() {
                "https" => Transport::Https,
                "http" => Transport::Http,
                "ssh" | "git+ssh" | "ssh+git" => Transport::Ssh,
                "git" => Transport::Git,
                other => {
                    return Err(invalid(&format!(
                        "unsupported scheme `{other}` (use https, http, ssh, git or file)"
                    )));
                }
            };
            let host = match url.host_str() {
                Some(h) if !h.is_empty() => h.to_string(),
                _ => return Err(invalid("the URL has no host")),
            };
            let user = Some(url.username())
                .filter(|u| !u.is_empty())
                .map(percent_decode);
            let password = url.password().map(|p| Secret::new(percent_decode(p)));
            if transport == Transport::Git && (user.is_some() || password.is_some()) {
                return Err(invalid("git:// URLs cannot carry credentials"));
            }
            let path = url.path().to_string();
            if path.is_empty() || path == "/" {
                return Err(invalid("the URL names no repository path"));
            }
            return Ok(RemoteUrl {
                transport,
                host: Some(host),
                port: url.port(),
                user,
                password,
                path,
                scp_like: false,
            });
        }
        // scp-like: [user@]host:path, with no '/' before the ':'.
        let Some((left, path)) = raw.split_once(':') else {
            return Err(invalid(
                "not a URL; use https://, ssh://, git://, file:// or user@host:path",
            ));
        };
        if left.contains('/') || left.is_empty() || path.is_empty() {
            return Err(invalid(
                "not a URL; local repositories are written file:///absolute/path",
            ));
        }
        let (user, host) = match left.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()).filter(|u| !u.is_empty()), h),
            None => (None, left),
        };
        if host.is_empty() {
            return Err(invalid("the URL has no host"));
        }
        Ok(RemoteUrl {
            transport: Transport::Ssh,
            host: Some(host.to_string()),
            port: None,
            user,
            password: None,
            path: path.to_string(),
            scp_like: true,
        })
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The port, or the transport's default (22 for ssh).
    pub fn port(&self) -> Option<u16> {
        self.port.or(match self.transport {
            Transport::Ssh => Some(22),
            Transport::Https => Some(443),
            Transport::Http => Some(80),
            Transport::Git => Some(9418),
            Transport::File => None,
        })
    }

    /// The user name in the URL (for ssh: the login; for http(s): the basic
    /// auth user, which may itself be a token — never shown).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    pub(crate) fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The URL given to libgit2. For http(s) the user info is dropped
    /// entirely (it is supplied through the credentials callback instead),
    /// so libgit2 can never echo it in a message.
    pub(crate) fn for_libgit2(&self) -> String {
        self.render(false, false)
    }

    /// The URL as shown to people: http(s) user info becomes `***` (a user
    /// name alone may be a token), a password becomes `user:***`.
    pub fn redacted(&self) -> String {
        self.render(true, true)
    }

    /// A credential-free identity of the repository: same key = same cache.
    pub(crate) fn cache_key(&self) -> String {
        let host = self.host.as_deref().unwrap_or("").to_ascii_lowercase();
        let port = self.port().map(|p| p.to_string()).unwrap_or_default();
        let path = self.path.trim_end_matches('/');
        let kind = match (self.transport, self.scp_like) {
            (Transport::Ssh, true) => "scp",
            (Transport::Ssh, false) => "ssh",
            (Transport::Https, _) => "https",
            (Transport::Http, _) => "http",
            (Transport::Git, _) => "git",
            (Transport::File, _) => "file",
        };
        format!("{kind}\n{host}\n{port}\n{path}")
    }

    /// The last path segment without `.git`, for a readable cache folder name.
    pub(crate) fn repo_name(&self) -> String {
        let last = self
            .path
            .trim_end_matches('/')
            .rsplit(['/', ':'])
            .next()
            .unwrap_or("");
        let last = last.strip_suffix(".git").unwrap_or(last);
        let clean: String = last
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(40)
            .collect();
        let clean = clean.trim_start_matches('.').to_string();
        if clean.is_empty() {
            "repo".to_string()
        } else {
            clean
        }
    }

    fn render(&self, with_userinfo: bool, redact: bool) -> String {
        let host = self.host.as_deref().unwrap_or("");
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        match self.transport {
            Transport::File => format!("file://{}", self.path),
            Transport::Ssh if self.scp_like => match &self.user {
                Some(u) => format!("{u}@{host}:{}", self.path),
                None => format!("{host}:{}", self.path),
            },
            t => {
                let scheme = match t {
                    Transport::Https => "https",
                    Transport::Http => "http",
                    Transport::Ssh => "ssh",
                    _ => "git",
                };
                let http = matches!(t, Transport::Https | Transport::Http);
                let userinfo = match (&self.user, &self.password) {
                    // ssh logins are not secret and libgit2 needs them.
                    (Some(u), None) if !http => format!("{u}@"),
                    (Some(u), Some(_)) if !http => format!("{u}:***@"),
                    (Some(u), Some(_)) if with_userinfo && redact => format!("{u}:***@"),
                    (Some(_), None) if with_userinfo && redact => "***@".to_string(),
                    (None, Some(_)) if with_userinfo && redact => ":***@".to_string(),
                    _ => String::new(),
                };
                let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("{scheme}://{userinfo}{host}{port}{}", self.path)
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Redact the user info of any URL-like string, even one that does not
/// parse: `https://user:secret@host/x` → `https://user:***@host/x`, and for
/// http(s) a lone user name (often a token) → `https://***@host/x`.
pub fn redact_url(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return raw.to_string();
    };
    let http = scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http");
    let shown = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None if http => "***".to_string(),
        None => userinfo.to_string(),
    };
    format!("{scheme}://{shown}@{host}{tail}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_and_http_users() {
        assert_eq!(
            redact_url("https://user:s3cr3t@example.com/a.git"),
            "https://user:***@example.com/a.git"
        );
        assert_eq!(
            redact_url("https://ghp_token@example.com/a.git"),
            "https://***@example.com/a.git"
        );
        assert_eq!(
            redact_url("ssh://git@example.com/a.git"),
            "ssh://git@example.com/a.git"
        );
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("https://u:p@q@h/x"), "https://u:***@h/x");
    }

    #[test]
    fn parses_every_form() {
        let u = RemoteUrl::parse("https://user:s3cr3t@Example.com/org/app.git").unwrap();
        assert_eq!(u.transport(), Transport::Https);
        assert_eq!(
            u.for_libgit2(),
            "https://Example.com/org/app.git".to_lowercase()
        );
        assert_eq!(u.redacted(), "https://user:***@example.com/org/app.git");
        assert!(!format!("{u:?}").contains("s3cr3t"));
        assert_eq!(u.repo_name(), "app");

        let u = RemoteUrl::parse("git@github.com:org/app.git").unwrap();
        assert_eq!(u.transport(), Transport::Ssh);
        assert_eq!(u.user(), Some("git"));
        assert_eq!(u.port(), Some(22));
        assert_eq!(u.for_libgit2(), "git@github.com:org/app.git");

        let u = RemoteUrl::parse("ssh://root@127.0.0.1:2222/srv/app.git").unwrap();
        assert_eq!(u.port(), Some(2222));
        assert_eq!(u.for_libgit2(), "ssh://root@127.0.0.1:2222/srv/app.git");

        let u = RemoteUrl::parse("git://127.0.0.1:9418/app.git").unwrap();
        assert_eq!(u.transport(), Transport::Git);
        let u = RemoteUrl::parse("file:///srv/app.git").unwrap();
        assert_eq!(u.for_libgit2(), "file:///srv/app.git");
    }

    #[test]
    fn rejects_bad_urls_without_echoing_secrets() {
        for bad in [
            "",
            "ftp://h/x",
            "/srv/app.git",
            "./app",
            "file://relative",
            "https://host",
            "git://u:pw@host/x",
        ] {
            let err = RemoteUrl::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn cache_key_ignores_credentials() {
        let a = RemoteUrl::parse("https://a:one@example.com/x.git").unwrap();
        let b = RemoteUrl::parse("https://b:two@EXAMPLE.com/x.git/").unwrap();
        assert_eq!(a.cache_key(), b.cache_key());
        assert!(!a.cache_key().contains("one"));
    }
}
