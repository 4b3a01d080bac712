//! Notifications: the controller's events (see [`crate::events`]) posted as
//! JSON to webhooks — chat (Slack and Mattermost read the `text` field),
//! incident tools, anything that takes a POST. Which reasons go where is
//! configured per target (`[[notify]]` in the TOML); by default failures,
//! heals and a degraded app.
//!
//! A webhook URL is often a secret in itself (Slack's are), so it is never
//! logged or shown: errors name the target by its position only.

use crate::events::{EventSpec, EventType};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Every reason an event (and so a notification) can have.
pub const KNOWN_REASONS: &[&str] = &[
    "Synced",
    "Recovered",
    "FetchFailed",
    "CompileFailed",
    "ApplyFailed",
    "HealFailed",
    "Drifted",
    "DriftHealed",
    "Degraded",
    "Healthy",
];

/// What a target gets when it does not list reasons.
pub const DEFAULT_REASONS: &[&str] = &[
    "FetchFailed",
    "CompileFailed",
    "ApplyFailed",
    "HealFailed",
    "DriftHealed",
    "Degraded",
];

/// Where a target's URL comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum TargetUrl {
    Literal(String),
    /// The name of an environment variable holding it.
    Env(String),
}

impl std::fmt::Debug for TargetUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetUrl::Literal(_) => f.write_str("Literal(***)"),
            TargetUrl::Env(v) => write!(f, "Env({v})"),
        }
    }
}

/// One `[[notify]]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyTarget {
    pub url: TargetUrl,
    pub reasons: Vec<String>,
}

impl NotifyTarget {
    /// The environment variable this target needs, if any.
    pub fn env_var(&self) -> Option<&str> {
        match &self.url {
            TargetUrl::Env(v) => Some(v),
            TargetUrl::Literal(_) => None,
        }
    }
}

/// The resolved targets and an HTTP client; cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    targets: Arc<Vec<(String, Vec<String>)>>,
    client: reqwest::Client,
}

impl Notifier {
    /// Resolve the targets' URLs with `env`; a target whose variable is
    /// unset is left out with an error log (the CLI refuses to start in
    /// that case, before getting here).
    pub fn new(targets: &[NotifyTarget], env: impl Fn(&str) -> Option<String>) -> Notifier {
        let resolved = targets
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let url = match &t.url {
                    TargetUrl::Literal(u) => Some(u.clone()),
                    TargetUrl::Env(v) => env(v).filter(|u| !u.is_empty()),
                };
                if url.is_none() {
                    tracing::error!(
                        target_index = i + 1,
                        "notification target has no URL; left out"
                    );
                }
                url.map(|u| (u, t.reasons.clone()))
            })
            .collect();
        Notifier {
            targets: Arc::new(resolved),
            client: reqwest::Client::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Post `spec` about `app` to every target that wants its reason, in
    /// the background: a slow webhook never holds up reconciling.
    pub fn send(&self, app: &str, namespace: &str, revision: Option<&str>, spec: &EventSpec) {
        let body = payload(app, namespace, revision, spec);
        for (i, (url, reasons)) in self.targets.iter().enumerate() {
            if !reasons.iter().any(|r| r == spec.reason) {
                continue;
            }
            let request = self
                .client
                .post(url)
                .timeout(Duration::from_secs(10))
                .json(&body);
            let reason = spec.reason;
            tokio::spawn(async move {
                match request.send().await {
                    Ok(r) if r.status().is_success() => {}
                    Ok(r) => {
                        tracing::warn!(target_index = i + 1, %reason, status = %r.status(), "notification refused")
                    }
                    // Without the URL: it may hold a token.
                    Err(e) => {
                        tracing::warn!(target_index = i + 1, %reason, error = %e.without_url(), "notification failed")
                    }
                }
            });
        }
    }
}

/// The JSON posted: the event's fields, and `text` for chat webhooks.
pub fn payload(app: &str, namespace: &str, revision: Option<&str>, spec: &EventSpec) -> Value {
    let kind = match spec.kind {
        EventType::Normal => "Normal",
        EventType::Warning => "Warning",
    };
    let icon = match spec.kind {
        EventType::Normal => "✅",
        EventType::Warning => "⚠️",
    };
    json!({
        "app": app,
        "namespace": namespace,
        "revision": revision,
        "type": kind,
        "reason": spec.reason,
        "message": spec.message,
        "text": format!("{icon} air: app `{app}` ({namespace}): {}: {}", spec.reason, spec.message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_urls_never_show_in_debug_output() {
        let t = NotifyTarget {
            url: TargetUrl::Literal("https://hooks.example.com/T0/B0/secret".into()),
            reasons: vec!["Degraded".into()],
        };
        assert!(!format!("{t:?}").contains("secret"));
        assert_eq!(t.env_var(), None);
    }

    #[test]
    fn every_event_reason_is_known() {
        for r in DEFAULT_REASONS {
            assert!(KNOWN_REASONS.contains(r));
        }
        let spec = EventSpec {
            kind: EventType::Warning,
            reason: "CompileFailed",
            message: "revision abc does not compile".into(),
        };
        let p = payload("shop", "shop", Some("abc"), &spec);
        assert_eq!(p["reason"], "CompileFailed");
        assert!(p["text"].as_str().unwrap().contains("app `shop`"));
    }
}
