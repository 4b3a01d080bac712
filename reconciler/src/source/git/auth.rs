//! Credentials for one fetch: resolving tokens and passphrases from the
//! environment (or from values the caller read from a Kubernetes Secret),
//! the libgit2 credentials callback (with a retry limit, so a rejected
//! token fails instead of looping), the ssh host key check against
//! known_hosts, and the TLS check against an app's `ca_file`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use git2::{CertificateCheckStatus, Cred, CredentialType, RemoteCallbacks};

use super::error::GitError;
use super::known_hosts::{HostKeyStatus, KnownHosts, lookup_name};
use super::source::{Credentials, SecretMaterial};
use super::tls::TrustedCas;
use super::url::{RemoteUrl, Transport};
use crate::secret::Secret;

/// Looks up an environment variable (the process environment, or a map in
/// tests and when secrets come from elsewhere).
pub(crate) type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// What the callbacks observed, to turn libgit2's error into a precise one.
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    userpass_tries: u32,
    ssh_key_tries: u32,
    pub(crate) rejected: Option<String>,
    pub(crate) missing: Option<String>,
    pub(crate) host_key: Option<GitError>,
    /// Set when a progress callback cancelled the transfer (time or size).
    pub(crate) aborted: Option<GitError>,
    /// Set when the server's TLS certificate failed the `ca_file` check.
    pub(crate) certificate: Option<GitError>,
}

/// Where the ssh private key comes from.
enum SshKey {
    File(PathBuf),
    /// The key itself, and where it came from.
    Memory(Secret, String),
}

impl SshKey {
    /// Where the key comes from, for messages (never the key itself).
    fn shown(&self) -> String {
        match self {
            SshKey::File(path) => path.display().to_string(),
            SshKey::Memory(_, origin) => format!("from {origin}"),
        }
    }
}

/// Everything needed to authenticate one fetch. `Debug` by hand: secrets
/// are shown as `***`.
pub(crate) struct ResolvedAuth {
    url: RemoteUrl,
    token: Option<(String, Secret)>,
    /// Where the token came from, for messages.
    token_origin: Option<String>,
    ssh_key: Option<SshKey>,
    passphrase: Option<Secret>,
    known_hosts: Option<(String, KnownHosts)>,
    insecure: bool,
    ca: Option<TrustedCas>,
}

impl std::fmt::Debug for ResolvedAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedAuth")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|(u, _)| (u, "***")))
            .field(
                "ssh_key",
                &self.ssh_key.as_ref().map(|k| match k {
                    SshKey::File(p) => p.display().to_string(),
                    SshKey::Memory(_, origin) => origin.clone(),
                }),
            )
            .field("passphrase", &self.passphrase.as_ref().map(|_| "***"))
            .field("known_hosts", &self.known_hosts.as_ref().map(|(p, _)| p))
            .field("insecure", &self.insecure)
            .field("ca", &self.ca)
            .finish()
    }
}

impl ResolvedAuth {
    pub(crate) fn resolve(
        url: &RemoteUrl,
        creds: &Credentials,
        material: &SecretMaterial,
        env: &EnvLookup,
    ) -> Result<Self, GitError> {
        let missing = |detail: String| GitError::MissingCredential {
            url: url.redacted(),
            detail,
        };
        let read_env = |name: &str| -> Result<Secret, GitError> {
            match env(name) {
                Some(v) if !v.is_empty() => Ok(Secret::new(v)),
                _ => Err(missing(format!(
                    "environment variable `{name}` is not set or empty"
                ))),
            }
        };
        let user = || {
            creds
                .token_user
                .clone()
                .unwrap_or_else(|| "x-access-token".to_string())
        };
        let (token, token_origin) = match (&material.token, &creds.token_env) {
            (Some(t), _) => (Some((user(), t.value.clone())), Some(t.origin.clone())),
            (None, Some(name)) => (
                Some((user(), read_env(name)?)),
                Some(format!("environment variable `{name}`")),
            ),
            (None, None) => (None, None),
        };
        let passphrase = match (&material.ssh_key_passphrase, &creds.ssh_key_passphrase_env) {
            (Some(p), _) => Some(p.value.clone()),
            (None, Some(name)) => Some(read_env(name)?),
            (None, None) => None,
        };
        let ssh_key = match (&material.ssh_key, &creds.ssh_key) {
            (Some(k), _) => Some(SshKey::Memory(k.value.clone(), k.origin.clone())),
            (None, Some(key)) if !key.is_file() => {
                return Err(missing(format!(
                    "ssh key file {} does not exist",
                    key.display()
                )));
            }
            (None, Some(key)) => Some(SshKey::File(key.clone())),
            (None, None) => None,
        };
        let ca = match &creds.ca_file {
            Some(path) => Some(TrustedCas::load(path)?),
            None => None,
        };
        let known_hosts = if let (Transport::Ssh, false, Some(kh)) = (
            url.transport(),
            creds.insecure_skip_host_key_check,
            &material.known_hosts,
        ) {
            // "the known_hosts file from Secret `ns/name`, key `k`".
            Some((
                format!("from {}", kh.origin),
                KnownHosts::parse(kh.value.expose()),
            ))
        } else if url.transport() == Transport::Ssh && !creds.insecure_skip_host_key_check {
            let path = match &creds.known_hosts {
                Some(p) => Some(p.clone()),
                None => env("HOME").map(|h| Path::new(&h).join(".ssh/known_hosts")),
            };
            match path {
                Some(p) => {
                    let shown = p.display().to_string();
                    let text = match std::fs::read_to_string(&p) {
                        Ok(t) => t,
                        // No file at the default place: every host is unknown.
                        Err(e)
                            if creds.known_hosts.is_none()
                                && e.kind() == std::io::ErrorKind::NotFound =>
                        {
                            String::new()
                        }
                        Err(e) => {
                            return Err(GitError::KnownHostsUnreadable {
                                path: shown,
                                detail: e.to_string(),
                            });
                        }
                    };
                    Some((shown, KnownHosts::parse(&text)))
                }
                None => Some(("(none configured)".to_string(), KnownHosts::default())),
            }
        } else {
            None
        };
        Ok(ResolvedAuth {
            url: url.clone(),
            token,
            token_origin,
            ssh_key,
            passphrase,
            known_hosts,
            insecure: creds.insecure_skip_host_key_check,
            ca,
        })
    }

    /// Every secret string, for scrubbing messages that libgit2 produced.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some((_, t)) = &self.token {
            out.push(t.expose());
        }
        if let Some(p) = &self.passphrase {
            out.push(p.expose());
        }
        if let Some(SshKey::Memory(k, _)) = &self.ssh_key {
            out.push(k.expose());
        }
        if let Some(p) = self.url.password() {
            out.push(p.expose());
        }
        if matches!(self.url.transport(), Transport::Https | Transport::Http)
            && let Some(u) = self.url.user()
        {
            out.push(u);
        }
        out.retain(|s| !s.is_empty());
        out
    }

    /// Replace every secret (and the libgit2 form of the URL) in a message.
    pub(crate) fn scrub(&self, msg: &str) -> String {
        let mut out = msg.to_string();
        for s in self.secrets() {
            out = out.replace(s, "***");
        }
        out
    }

    /// Callbacks for one connection. `state` records what happened.
    pub(crate) fn callbacks<'a>(&'a self, state: &'a RefCell<AuthState>) -> RemoteCallbacks<'a> {
        let mut cb = RemoteCallbacks::new();
        cb.credentials(move |_url, user_from_url, allowed| {
            self.credential(&mut state.borrow_mut(), user_from_url, allowed)
        });
        cb.certificate_check(move |cert, host| {
            let Some(hostkey) = cert.as_hostkey() else {
                let (Some(ca), Some(x509)) = (&self.ca, cert.as_x509()) else {
                    // TLS without `ca_file`: libgit2's own verification
                    // against the system's trust store.
                    return Ok(CertificateCheckStatus::CertificatePassthrough);
                };
                return match ca.verify(x509.data(), host) {
                    Ok(()) => Ok(CertificateCheckStatus::CertificateOk),
                    Err(detail) => {
                        state.borrow_mut().certificate = Some(GitError::Certificate {
                            url: self.url.redacted(),
                            detail: detail.clone(),
                            trusted: ca.path().to_string(),
                        });
                        Err(git2::Error::from_str(&detail))
                    }
                };
            };
            match self.check_host_key(host, hostkey.hostkey()) {
                Ok(()) => Ok(CertificateCheckStatus::CertificateOk),
                Err(e) => {
                    let msg = e.to_string();
                    state.borrow_mut().host_key = Some(e);
                    Err(git2::Error::from_str(&msg))
                }
            }
        });
        cb
    }

    fn check_host_key(&self, host: &str, key: Option<&[u8]>) -> Result<(), GitError> {
        let port = self.url.port().unwrap_or(22);
        let shown = lookup_name(host, port);
        if self.insecure {
            tracing::warn!(host = %shown, "ssh host key check skipped (insecure_skip_host_key_check)");
            return Ok(());
        }
        let (path, kh) = match &self.known_hosts {
            Some((p, kh)) => (p.clone(), kh),
            None => return Ok(()),
        };
        let Some(key) = key else {
            return Err(GitError::HostKeyUnknown {
                host: shown,
                known_hosts: path,
            });
        };
        match kh.check(host, port, key) {
            HostKeyStatus::Match => Ok(()),
            HostKeyStatus::Unknown => Err(GitError::HostKeyUnknown {
                host: shown,
                known_hosts: path,
            }),
            HostKeyStatus::Mismatch => Err(GitError::HostKeyMismatch {
                host: shown,
                known_hosts: path,
            }),
            HostKeyStatus::Revoked => Err(GitError::HostKeyRevoked {
                host: shown,
                known_hosts: path,
            }),
        }
    }

    fn credential(
        &self,
        st: &mut AuthState,
        user_from_url: Option<&str>,
        allowed: CredentialType,
    ) -> Result<Cred, git2::Error> {
        let ssh_user = user_from_url
            .or(self.url.user())
            .unwrap_or("git")
            .to_string();
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(&ssh_user);
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            let Some(ssh_key) = &self.ssh_key else {
                st.missing =
                    Some("the server wants an ssh key, but no `ssh_key` is configured".into());
                return Err(git2::Error::from_str("no ssh key configured"));
            };
            if st.ssh_key_tries > 0 {
                // Named, so that after a rotation the message says which
                // key (file or Secret) the server turned down.
                st.rejected = Some(format!(
                    "the server did not accept the ssh key {} (or its passphrase is wrong)",
                    ssh_key.shown()
                ));
                return Err(git2::Error::from_str("ssh key rejected"));
            }
            st.ssh_key_tries += 1;
            let passphrase = self.passphrase.as_ref().map(Secret::expose);
            let cred = match ssh_key {
                SshKey::File(key) => {
                    let public = key.with_extension(match key.extension() {
                        Some(ext) => format!("{}.pub", ext.to_string_lossy()),
                        None => "pub".to_string(),
                    });
                    let public = public.is_file().then_some(public);
                    Cred::ssh_key(&ssh_user, public.as_deref(), key, passphrase)
                }
                SshKey::Memory(key, _) => {
                    Cred::ssh_key_from_memory(&ssh_user, None, key.expose(), passphrase)
                }
            };
            return cred.map_err(|_| {
                st.rejected = Some(format!(
                    "cannot use the ssh key {} (wrong passphrase or unsupported format)",
                    ssh_key.shown()
                ));
                git2::Error::from_str("unusable ssh key")
            });
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            let pair = match (&self.token, self.url.user(), self.url.password()) {
                (Some((user, token)), _, _) => Some((user.as_str(), token.expose())),
                (None, Some(user), pass) => Some((user, pass.map(Secret::expose).unwrap_or(""))),
                (None, None, Some(pass)) => Some(("", pass.expose())),
                (None, None, None) => None,
            };
            let Some((user, pass)) = pair else {
                st.missing = Some(
                    "the server asks for credentials, but no token is configured (set `token_env`)"
                        .into(),
                );
                return Err(git2::Error::from_str("no credentials configured"));
            };
            if st.userpass_tries > 0 {
                st.rejected = Some(match &self.token_origin {
                    Some(origin) => format!("the server rejected the token (from {origin})"),
                    None => "the server rejected the user name and password in the URL".into(),
                });
                return Err(git2::Error::from_str("credentials rejected"));
            }
            st.userpass_tries += 1;
            return Cred::userpass_plaintext(user, pass);
        }
        st.missing = Some(format!(
            "the server asks for a kind of credential air does not support ({allowed:?})"
        ));
        Err(git2::Error::from_str("unsupported credential type"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_in_debug_or_scrubbed_text() {
        let url = RemoteUrl::parse("https://user:pw-in-url@example.com/x.git").unwrap();
        let creds = Credentials {
            token_env: Some("TOK".into()),
            ..Credentials::default()
        };
        let env = |k: &str| (k == "TOK").then(|| "tok-123456".to_string());
        let auth = ResolvedAuth::resolve(&url, &creds, &SecretMaterial::default(), &env).unwrap();
        let dbg = format!("{auth:?}");
        assert!(
            !dbg.contains("tok-123456") && !dbg.contains("pw-in-url"),
            "{dbg}"
        );
        assert_eq!(auth.scrub("a tok-123456 b pw-in-url"), "a *** b ***");
    }

    #[test]
    fn unset_token_env_is_named_not_leaked() {
        let url = RemoteUrl::parse("https://example.com/x.git").unwrap();
        let creds = Credentials {
            token_env: Some("MISSING_TOKEN".into()),
            ..Credentials::default()
        };
        let err =
            ResolvedAuth::resolve(&url, &creds, &SecretMaterial::default(), &|_| None).unwrap_err();
        assert!(err.to_string().contains("MISSING_TOKEN"), "{err}");
    }
}
