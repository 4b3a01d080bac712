//! `air diff --post URL`: create or update ONE comment on a GitHub pull
//! request or a GitLab merge request, found again by a hidden marker
//! (`<!-- air-diff -->`), through their REST APIs.
//!
//! The token is a [`Token`] (the crate's one [`Secret`] type: never
//! printed), and is never put in an error message.

mod forge;

use crate::secret::Secret;
use std::time::Duration;

pub use forge::{Target, parse_target};

/// An API token (GITHUB_TOKEN / GITLAB_TOKEN): a [`Secret`], never
/// printed.
pub type Token = Secret;

/// What happened to the comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostOutcome {
    Created { id: u64 },
    Updated { id: u64 },
}

/// Why posting failed. Messages name the API and what to do; they never
/// contain the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    #[error("invalid --post URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{api}: authentication failed (401): the token in {env} is missing, wrong or expired")]
    Unauthorized { api: String, env: &'static str },
    #[error(
        "{api}: forbidden (403): the token in {env} may not comment here (GitHub: `pull-requests: write` or `issues: write`; GitLab: `api` scope, Reporter role or higher){}",
        detail_suffix(detail)
    )]
    Forbidden {
        api: String,
        env: &'static str,
        detail: String,
    },
    #[error(
        "{api}: not found (404): check the URL, and that the token can see the repository{}",
        detail_suffix(detail)
    )]
    NotFound { api: String, detail: String },
    #[error("{api}: rate limited ({status}): {when}")]
    RateLimited {
        api: String,
        status: u16,
        /// "retry after 30 seconds" / "retry after 2026-11-27 06:40:00 UTC (in 600 seconds)".
        when: String,
    },
    #[error("{api}: unexpected HTTP {status}{}", detail_suffix(detail))]
    Http {
        api: String,
        status: u16,
        detail: String,
    },
    #[error("{api}: request failed: {detail}")]
    Transport { api: String, detail: String },
    /// The token would cross the network in clear text.
    #[error(
        "refusing to send the token over plain HTTP to `{url}`: use https:// (plain http:// is allowed only to a loopback address)"
    )]
    PlainHttp { url: String },
}

fn detail_suffix(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(": {d}")
    }
}

/// Options of one post.
#[derive(Clone, Debug)]
pub struct PostOptions {
    /// API base (`https://api.github.com`, `https://ghe.example.com/api/v3`,
    /// `https://gitlab.example.com/api/v4`); `None` = derived from the URL.
    pub api_url: Option<String>,
    pub token: Token,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// Post or update the marked comment on the pull/merge request at `target`.
pub async fn post_comment(
    target: &Target,
    body: &str,
    opts: &PostOptions,
) -> Result<PostOutcome, PostError> {
    let client = reqwest::Client::builder()
        .timeout(opts.timeout)
        // The token rides in headers reqwest does not strip on a redirect
        // to another host (GitLab's PRIVATE-TOKEN): follow only redirects
        // that stay on the origin of the first request.
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let same = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if same && attempt.previous().len() < 10 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }))
        .user_agent(concat!("air/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PostError::Transport {
            api: target.api_name().to_string(),
            detail: forge::scrub(&e.to_string(), &opts.token),
        })?;
    forge::upsert(&client, target, body, opts).await
}

/// [`post_comment`] on a private current-thread runtime, for the CLI.
pub fn post_comment_blocking(
    target: &Target,
    body: &str,
    opts: &PostOptions,
) -> Result<PostOutcome, PostError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PostError::Transport {
            api: target.api_name().to_string(),
            detail: format!("cannot start the async runtime: {e}"),
        })?;
    rt.block_on(post_comment(target, body, opts))
}
