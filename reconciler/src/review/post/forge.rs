//! The two forges: where a pull/merge request URL points, which API
//! endpoints hold its comments, and how their errors read.

use super::{PostError, PostOptions, PostOutcome, Token};
use crate::diff::markdown::MARKER;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where to post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `https://github.com/OWNER/REPO/pull/N` (or a GitHub Enterprise host).
    GitHub {
        /// `https://github.com` (scheme, host and port of the URL).
        origin: String,
        owner: String,
        repo: String,
        number: u64,
    },
    /// `https://gitlab.example.com/GROUP/PROJECT/-/merge_requests/N`.
    GitLab {
        origin: String,
        /// `group/subgroup/project`.
        project: String,
        iid: u64,
    },
}

impl Target {
    pub fn api_name(&self) -> &'static str {
        match self {
            Target::GitHub { .. } => "GitHub API",
            Target::GitLab { .. } => "GitLab API",
        }
    }

    /// Where the token comes from (for messages).
    pub fn token_env(&self) -> &'static str {
        match self {
            Target::GitHub { .. } => "GITHUB_TOKEN",
            Target::GitLab { .. } => "GITLAB_TOKEN",
        }
    }

    /// The environment variable that overrides the API base.
    pub fn api_env(&self) -> &'static str {
        match self {
            Target::GitHub { .. } => "AIR_GITHUB_API_URL",
            Target::GitLab { .. } => "AIR_GITLAB_API_URL",
        }
    }

    /// The default API base: api.github.com for github.com, `/api/v3` on
    /// GitHub Enterprise, `/api/v4` on GitLab.
    pub fn default_api_url(&self) -> String {
        match self {
            Target::GitHub { origin, .. } if origin == "https://github.com" => {
                "https://api.github.com".to_string()
            }
            Target::GitHub { origin, .. } => format!("{origin}/api/v3"),
            Target::GitLab { origin, .. } => format!("{origin}/api/v4"),
        }
    }
}

/// Parse a pull request or merge request URL.
pub fn parse_target(url: &str) -> Result<Target, PostError> {
    let bad = |reason: &str| PostError::InvalidUrl {
        url: crate::git::redact_url(url),
        reason: reason.to_string(),
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(bad("expected an http(s) URL"));
    }
    let Some(host) = parsed.host_str() else {
        return Err(bad("no host"));
    };
    let origin = match parsed.port() {
        Some(p) => format!("{}://{host}:{p}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    };
    let segs: Vec<&str> = parsed
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let number = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| bad("the request number is not a number"))
    };
    if let Some(dash) = segs.iter().position(|s| *s == "-")
        && segs.get(dash + 1) == Some(&"merge_requests")
        && dash >= 2
    {
        let Some(iid) = segs.get(dash + 2) else {
            return Err(bad("no merge request number"));
        };
        return Ok(Target::GitLab {
            origin,
            project: segs[..dash].join("/"),
            iid: number(iid)?,
        });
    }
    if segs.len() >= 4 && (segs[2] == "pull" || segs[2] == "pulls") {
        return Ok(Target::GitHub {
            origin,
            owner: segs[0].to_string(),
            repo: segs[1].to_string(),
            number: number(segs[3])?,
        });
    }
    Err(bad(
        "expected https://github.com/OWNER/REPO/pull/N or https://HOST/GROUP/PROJECT/-/merge_requests/N",
    ))
}

/// Remove the token from any text that might echo it.
pub fn scrub(text: &str, token: &Token) -> String {
    if token.expose().is_empty() {
        text.to_string()
    } else {
        text.replace(token.expose(), "<redacted>")
    }
}

#[derive(Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
}

struct Api<'a> {
    client: &'a Client,
    target: &'a Target,
    base: String,
    opts: &'a PostOptions,
}

/// The token goes over TLS, or stays on this machine: plain `http://` is
/// refused unless the host is a loopback address (a test double, a tunnel).
fn refuse_plain_http(base: &str) -> Result<(), PostError> {
    let Ok(url) = url::Url::parse(base) else {
        return Err(PostError::InvalidUrl {
            url: crate::git::redact_url(base),
            reason: "not a URL".into(),
        });
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(PostError::PlainHttp {
            url: crate::git::redact_url(base),
        }),
    }
}

/// Everything but `/` and `-_.~` is escaped in a GitLab project path.
const PROJECT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl Api<'_> {
    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        let rb = self.client.request(method, url);
        match self.target {
            Target::GitHub { .. } => rb
                .bearer_auth(self.opts.token.expose())
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28"),
            Target::GitLab { .. } => rb.header("PRIVATE-TOKEN", self.opts.token.expose()),
        }
    }

    fn transport(&self, e: reqwest::Error) -> PostError {
        PostError::Transport {
            api: self.target.api_name().to_string(),
            detail: scrub(&e.to_string(), &self.opts.token),
        }
    }

    async fn send(&self, rb: RequestBuilder) -> Result<Response, PostError> {
        let resp = rb.send().await.map_err(|e| self.transport(e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        Err(self.error(status, &headers, &text))
    }

    fn error(&self, status: StatusCode, headers: &HeaderMap, body: &str) -> PostError {
        let api = self.target.api_name().to_string();
        let env = self.target.token_env();
        let detail = scrub(&message_of(body), &self.opts.token);
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .map(str::to_string)
        };
        let remaining = header("x-ratelimit-remaining").or_else(|| header("ratelimit-remaining"));
        let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
        let reset = header("x-ratelimit-reset")
            .or_else(|| header("ratelimit-reset"))
            .and_then(|v| v.parse::<u64>().ok());
        let limited = status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::FORBIDDEN
                && (remaining.as_deref() == Some("0") || retry_after.is_some()));
        if limited {
            return PostError::RateLimited {
                api,
                status: status.as_u16(),
                when: retry_when(retry_after, reset),
            };
        }
        match status {
            StatusCode::UNAUTHORIZED => PostError::Unauthorized { api, env },
            StatusCode::FORBIDDEN => PostError::Forbidden { api, env, detail },
            StatusCode::NOT_FOUND => PostError::NotFound { api, detail },
            s => PostError::Http {
                api,
                status: s.as_u16(),
                detail,
            },
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, resp: Response) -> Result<T, PostError> {
        resp.json::<T>().await.map_err(|e| PostError::Transport {
            api: self.target.api_name().to_string(),
            detail: format!(
                "unexpected response: {}",
                scrub(&e.to_string(), &self.opts.token)
            ),
        })
    }

    /// The next page of a listing may only be fetched from the API's own
    /// origin: the token must not follow a link elsewhere.
    fn same_origin(&self, next: &str) -> Result<(), PostError> {
        let origin = |u: &str| url::Url::parse(u).ok().map(|u| u.origin());
        if origin(next).is_some() && origin(next) == origin(&self.base) {
            Ok(())
        } else {
            Err(PostError::Transport {
                api: self.target.api_name().to_string(),
                detail: format!(
                    "refusing to follow a pagination link to another host: {}",
                    crate::git::redact_url(next)
                ),
            })
        }
    }

    /// The id of the comment carrying the marker, walking every page.
    async fn find(&self, first: String) -> Result<Option<u64>, PostError> {
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > 1000 {
                break;
            }
            let resp = self.send(self.request(Method::GET, &url)).await?;
            next = match self.target {
                Target::GitHub { .. } => next_link(resp.headers()),
                Target::GitLab { .. } => resp
                    .headers()
                    .get("x-next-page")
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| with_page(&url, p)),
            };
            let comments: Vec<Comment> = self.json(resp).await?;
            if let Some(c) = comments
                .iter()
                .find(|c| c.body.as_deref().is_some_and(|b| b.contains(MARKER)))
            {
                return Ok(Some(c.id));
            }
            if let Some(n) = &next {
                self.same_origin(n)?;
            }
        }
        Ok(None)
    }
}

pub(super) async fn upsert(
    client: &Client,
    target: &Target,
    body: &str,
    opts: &PostOptions,
) -> Result<PostOutcome, PostError> {
    let base = opts
        .api_url
        .clone()
        .unwrap_or_else(|| target.default_api_url())
        .trim_end_matches('/')
        .to_string();
    refuse_plain_http(&base)?;
    let api = Api {
        client,
        target,
        base,
        opts,
    };
    let body = if body.contains(MARKER) {
        body.to_string()
    } else {
        format!("{MARKER}\n{body}")
    };
    let payload = serde_json::json!({ "body": body });
    let (list, create, update): (String, String, Box<dyn Fn(u64) -> String>) = match target {
        Target::GitHub {
            owner,
            repo,
            number,
            ..
        } => {
            let root = format!("{}/repos/{owner}/{repo}", api.base);
            let comments = format!("{root}/issues/{number}/comments");
            (
                format!("{comments}?per_page=100"),
                comments,
                Box::new(move |id| format!("{root}/issues/comments/{id}")),
            )
        }
        Target::GitLab { project, iid, .. } => {
            let pid = utf8_percent_encode(project, PROJECT).to_string();
            let notes = format!("{}/projects/{pid}/merge_requests/{iid}/notes", api.base);
            let n2 = notes.clone();
            (
                format!("{notes}?per_page=100&page=1"),
                notes,
                Box::new(move |id| format!("{n2}/{id}")),
            )
        }
    };
    match api.find(list).await? {
        Some(id) => {
            let method = match target {
                Target::GitHub { .. } => Method::PATCH,
                Target::GitLab { .. } => Method::PUT,
            };
            api.send(api.request(method, &update(id)).json(&payload))
                .await?;
            Ok(PostOutcome::Updated { id })
        }
        None => {
            let resp = api
                .send(api.request(Method::POST, &create).json(&payload))
                .await?;
            let c: Comment = api.json(resp).await?;
            Ok(PostOutcome::Created { id: c.id })
        }
    }
}

/// `message` (GitHub, GitLab) or `error` (GitLab) of an error body, short.
fn message_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let m = match (&v["message"], &v["error"]) {
        (serde_json::Value::String(s), _) | (_, serde_json::Value::String(s)) => s.clone(),
        (m, _) if !m.is_null() => m.to_string(),
        _ => String::new(),
    };
    m.chars().take(200).collect()
}

/// `rel="next"` of a GitHub Link header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// The listing URL with `page=` replaced.
fn with_page(url: &str, page: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            u.query_pairs_mut()
                .clear()
                .extend_pairs(pairs)
                .append_pair("page", page);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// "retry after 30 seconds" or "retry after 2026-11-27 06:40:00 UTC (in 600 seconds)".
fn retry_when(retry_after: Option<u64>, reset: Option<u64>) -> String {
    if let Some(s) = retry_after {
        return format!("retry after {s} seconds");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match reset {
        // GitLab's RateLimit-Reset may be seconds-from-now rather than a time.
        Some(r) if r < 1_000_000_000 => format!("retry after {r} seconds"),
        Some(r) => format!(
            "retry after {} (in {} seconds)",
            utc(r),
            r.saturating_sub(now)
        ),
        None => "retry later (the API gave no time)".to_string(),
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC` (civil-from-days).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_urls() {
        assert_eq!(
            parse_target("https://github.com/acme/shop/pull/42").unwrap(),
            Target::GitHub {
                origin: "https://github.com".into(),
                owner: "acme".into(),
                repo: "shop".into(),
                number: 42
            }
        );
        assert_eq!(
            parse_target("https://gitlab.example.com/g/sub/p/-/merge_requests/7/diffs").unwrap(),
            Target::GitLab {
                origin: "https://gitlab.example.com".into(),
                project: "g/sub/p".into(),
                iid: 7
            }
        );
        assert!(parse_target("https://github.com/acme/shop").is_err());
        assert!(parse_target("ftp://x/a/b/pull/1").is_err());
        assert!(parse_target("https://github.com/acme/shop/pull/x").is_err());
    }

    #[test]
    fn default_api_urls() {
        let gh = parse_target("https://github.com/a/b/pull/1").unwrap();
        assert_eq!(gh.default_api_url(), "https://api.github.com");
        let ghe = parse_target("https://ghe.corp/a/b/pull/1").unwrap();
        assert_eq!(ghe.default_api_url(), "https://ghe.corp/api/v3");
        let gl = parse_target("https://gl.corp:8443/a/b/-/merge_requests/1").unwrap();
        assert_eq!(gl.default_api_url(), "https://gl.corp:8443/api/v4");
    }

    #[test]
    fn utc_formats_epoch() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_795_000_000), "2026-11-18 11:06:40 UTC");
    }

    #[test]
    fn token_is_redacted() {
        let t = Token::new("s3cret");
        assert!(!format!("{t:?} {t}").contains("s3cret"));
        assert_eq!(scrub("a s3cret b", &t), "a <redacted> b");
    }
}
