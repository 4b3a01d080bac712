//! What every request passes before a handler, and what every response
//! carries.
//!
//! The API and the dashboard (`/`, `/apps/…`, `/api/…`) answer only to
//! allowed Host names (a page on another site that rebinds its DNS name
//! to 127.0.0.1 sends its own name: refused), refuse cross-site
//! state-changing requests (`Origin` of another host, `Sec-Fetch-Site:
//! cross-site`), and ask for the bearer token when one is configured.
//! Probes and metrics (`/healthz`, `/readyz`, `/metrics`) are open, as the
//! kubelet and Prometheus reach them by pod IP; `/hooks/git` carries its
//! own signature. Every response forbids framing, MIME sniffing and any
//! script (the dashboard has none).

use crate::secret::Secret;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};

/// Host names always allowed: the loopback ones.
const LOOPBACK: &[&str] = &["localhost", "127.0.0.1", "::1"];

/// The dashboard is plain HTML with inline CSS and inline SVG.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Who may use the API and the dashboard.
#[derive(Clone, Debug, Default)]
pub struct HttpPolicy {
    /// Host names (no port, any case) allowed besides the loopback ones;
    /// `*` allows any.
    pub allowed_hosts: Vec<String>,
    /// The bearer token asked of API and dashboard requests.
    pub token: Option<Secret>,
}

impl HttpPolicy {
    /// The policy a configuration asks for: its `allowed_hosts`, and the
    /// token read from `api_token_env` (through `env`) or `api_token_file`
    /// (surrounding whitespace dropped). The error never holds the token.
    pub fn from_config(
        cfg: &crate::config::Config,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<HttpPolicy, String> {
        let token = match (&cfg.api_token_env, &cfg.api_token_file) {
            (Some(_), Some(_)) => {
                return Err("set `api_token_env` or `api_token_file`, not both".into());
            }
            (Some(var), None) => Some(
                env(var)
                    .ok_or_else(|| format!("`api_token_env` names `{var}`, which is not set"))?,
            ),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read `api_token_file` {}: {e}", path.display()))?,
            ),
            (None, None) => None,
        };
        let token = token.map(|t| Secret::from(t.trim()));
        if token.as_ref().is_some_and(|t| t.expose().len() < 16) {
            return Err("the API token must have at least 16 characters".into());
        }
        Ok(HttpPolicy {
            allowed_hosts: cfg.allowed_hosts.clone(),
            token,
        })
    }
}

/// A refused request: its status and a one-line reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: &'static str,
}

fn refuse(status: StatusCode, reason: &'static str) -> Result<(), Refusal> {
    Err(Refusal { status, reason })
}

/// Which rules a path falls under.
fn guarded(path: &str) -> bool {
    !matches!(path, "/healthz" | "/readyz" | "/metrics" | "/hooks/git")
}

/// The host name of a `Host` value or of an origin's authority, without
/// the port, lowercase (`[::1]:9090` → `::1`).
fn host_name(authority: &str) -> String {
    let a = authority.trim();
    let name = match a.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => a.rsplit_once(':').map_or(a, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                a
            }
        }),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl HttpPolicy {
    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host);
        LOOPBACK.contains(&name.as_str())
            || self
                .allowed_hosts
                .iter()
                .any(|h| h == "*" || host_name(h) == name)
    }

    /// Whether a request may reach its handler.
    pub fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), Refusal> {
        if !guarded(path) {
            return Ok(());
        }
        let get = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let Some(host) = get(header::HOST) else {
            return refuse(StatusCode::BAD_REQUEST, "no Host header");
        };
        if !self.host_allowed(host) {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "this Host is not allowed: add it to `allowed_hosts`",
            );
        }
        let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
                return refuse(StatusCode::FORBIDDEN, "cross-site request refused");
            }
            if let Some(origin) = get(header::ORIGIN) {
                let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
                if origin == "null" || host_name(authority) != host_name(host) {
                    return refuse(StatusCode::FORBIDDEN, "cross-origin request refused");
                }
            }
        }
        if let Some(token) = &self.token {
            let given = get(header::AUTHORIZATION)
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let ok = given.is_some_and(|g| {
                crate::secret::constant_time_eq(g.as_bytes(), token.expose().as_bytes())
            });
            if !ok {
                return refuse(StatusCode::UNAUTHORIZED, "a bearer token is required");
            }
        }
        Ok(())
    }
}

/// The headers every response carries.
pub fn secure_headers(headers: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(headers, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "cross-origin-resource-policy", "same-origin");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn status(p: &HttpPolicy, m: Method, path: &str, h: &[(&'static str, &str)]) -> u16 {
        match p.check(&m, path, &headers(h)) {
            Ok(()) => 200,
            Err(r) => r.status.as_u16(),
        }
    }

    #[test]
    fn hosts_are_loopback_or_allowed() {
        let p = HttpPolicy::default();
        for host in [
            "127.0.0.1:9090",
            "localhost",
            "LOCALHOST:1",
            "[::1]:9090",
            "localhost.",
        ] {
            assert_eq!(
                status(&p, Method::GET, "/api/apps", &[("host", host)]),
                200,
                "{host}"
            );
        }
        for host in [
            "evil.example:9090",
            "127.0.0.1.evil.example",
            "10.0.0.7:9090",
        ] {
            assert_eq!(
                status(&p, Method::GET, "/api/apps", &[("host", host)]),
                421,
                "{host}"
            );
            assert_eq!(
                status(&p, Method::GET, "/", &[("host", host)]),
                421,
                "{host}"
            );
        }
        assert_eq!(status(&p, Method::GET, "/api/apps", &[]), 400);
        // Probes and metrics answer to the pod IP; the hook signs itself.
        for path in ["/healthz", "/readyz", "/metrics", "/hooks/git"] {
            assert_eq!(
                status(&p, Method::GET, path, &[("host", "10.0.0.7:9090")]),
                200
            );
        }
        let p = HttpPolicy {
            allowed_hosts: vec!["Air.Example.com".into()],
            token: None,
        };
        assert_eq!(
            status(&p, Method::GET, "/", &[("host", "air.example.com:443")]),
            200
        );
        assert_eq!(
            status(&p, Method::GET, "/", &[("host", "other.example.com")]),
            421
        );
        let any = HttpPolicy {
            allowed_hosts: vec!["*".into()],
            token: None,
        };
        assert_eq!(
            status(&any, Method::GET, "/", &[("host", "other.example.com")]),
            200
        );
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let p = HttpPolicy::default();
        let post =
            |h: &[(&'static str, &str)]| status(&p, Method::POST, "/api/apps/a/reconcile", h);
        assert_eq!(post(&[("host", "127.0.0.1:9090")]), 200);
        assert_eq!(
            post(&[
                ("host", "127.0.0.1:9090"),
                ("origin", "http://127.0.0.1:9090")
            ]),
            200
        );
        assert_eq!(
            post(&[
                ("host", "127.0.0.1:9090"),
                ("origin", "https://evil.example")
            ]),
            403
        );
        assert_eq!(post(&[("host", "127.0.0.1:9090"), ("origin", "null")]), 403);
        assert_eq!(
            post(&[("host", "127.0.0.1:9090"), ("sec-fetch-site", "cross-site")]),
            403
        );
        // A GET from anywhere is no change of state.
        assert_eq!(
            status(
                &p,
                Method::GET,
                "/api/apps",
                &[("host", "localhost"), ("origin", "https://evil.example")]
            ),
            200
        );
    }

    #[test]
    fn the_token_is_asked_when_configured_and_never_printed() {
        let p = HttpPolicy {
            allowed_hosts: Vec::new(),
            token: Some("s3cret-token-value".into()),
        };
        let h = ("host", "localhost");
        assert_eq!(status(&p, Method::GET, "/api/apps", &[h]), 401);
        assert_eq!(status(&p, Method::GET, "/", &[h]), 401);
        assert_eq!(
            status(
                &p,
                Method::GET,
                "/api/apps",
                &[h, ("authorization", "Bearer wrong")]
            ),
            401
        );
        assert_eq!(
            status(
                &p,
                Method::GET,
                "/api/apps",
                &[h, ("authorization", "Bearer s3cret-token-value")]
            ),
            200
        );
        assert_eq!(status(&p, Method::GET, "/healthz", &[h]), 200);
        assert!(!format!("{p:?}").contains("s3cret"));
    }
}
