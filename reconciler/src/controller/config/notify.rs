//! `[[notify]]` tables of the `air reconcile` TOML: where notifications go
//! and which of them (see [`crate::controller::notifications`]).
//!
//! ```toml
//! [[notify]]
//! url_env = "SLACK_WEBHOOK_URL"    # or url = "https://…"; exactly one
//! reasons = ["CompileFailed", "ApplyFailed", "Degraded"]   # default: failures, heals, degraded
//! ```

use super::Reader;
use crate::notifications::{DEFAULT_REASONS, KNOWN_REASONS, NotifyTarget, TargetUrl};
use air_compiler::diagnostic::suggest;
use air_compiler::toml_doc::{DeTable, DeValue, TomlReader};

const NOTIFY_KEYS: &[&str] = &["url", "url_env", "reasons"];

impl Reader<'_> {
    /// The `notify` array of tables, if any.
    pub(super) fn notify_targets(&mut self, root: &DeTable<'_>) -> Vec<NotifyTarget> {
        let Some(v) = root.get("notify") else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.error(
                v.span().start,
                "`notify` must be an array of tables: write `[[notify]]`".into(),
                None,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let at = item.span().start;
            let DeValue::Table(t) = item.get_ref() else {
                self.error(
                    at,
                    "each `notify` must be a table (`[[notify]]`)".into(),
                    None,
                );
                continue;
            };
            if let Some(target) = self.notify_target(t, at) {
                out.push(target);
            }
        }
        out
    }

    fn notify_target(&mut self, t: &DeTable<'_>, at: usize) -> Option<NotifyTarget> {
        self.known_keys(t, NOTIFY_KEYS, "notify.");
        let url = match (
            self.string(t, "notify.", "url"),
            self.string(t, "notify.", "url_env"),
        ) {
            (Some((u, uat)), None) => {
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    self.error(
                        uat,
                        "`notify.url` must be an http(s) URL".into(),
                        Some("webhook URLs are often secrets: prefer `url_env`".into()),
                    );
                    return None;
                }
                TargetUrl::Literal(u)
            }
            (None, Some((var, _))) => TargetUrl::Env(var),
            (Some(_), Some((_, second))) => {
                self.error(
                    second,
                    "this notification sets both `url` and `url_env`".into(),
                    Some("keep one of them".into()),
                );
                return None;
            }
            (None, None) => {
                self.error(
                    at,
                    "this notification has no `url_env` or `url`".into(),
                    Some("add `url_env = \"SLACK_WEBHOOK_URL\"`".into()),
                );
                return None;
            }
        };
        let reasons = match t.get("reasons") {
            None => DEFAULT_REASONS.iter().map(|r| r.to_string()).collect(),
            Some(v) => {
                let DeValue::Array(items) = v.get_ref() else {
                    self.error(
                        v.span().start,
                        "`notify.reasons` must be a list of event reasons".into(),
                        Some(format!("known reasons: {}", KNOWN_REASONS.join(", "))),
                    );
                    return None;
                };
                let mut reasons = Vec::new();
                for item in items {
                    match item.get_ref() {
                        DeValue::String(s) if KNOWN_REASONS.contains(&s.as_ref()) => {
                            reasons.push(s.to_string());
                        }
                        DeValue::String(s) => {
                            let help = match suggest(s, KNOWN_REASONS.iter().copied()) {
                                Some(k) => format!("did you mean `{k}`?"),
                                None => format!("known reasons: {}", KNOWN_REASONS.join(", ")),
                            };
                            self.error(
                                item.span().start,
                                format!("unknown reason `{s}`"),
                                Some(help),
                            );
                        }
                        other => self.error(
                            item.span().start,
                            format!("a reason must be a string, not {}", other.type_str()),
                            None,
                        ),
                    }
                }
                reasons
            }
        };
        Some(NotifyTarget { url, reasons })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::parse;
    use crate::notifications::{DEFAULT_REASONS, TargetUrl};

    const APP: &str = "[[app]]\nname = \"a\"\nrepo = \"file:///r\"\nbranch = \"main\"\n";

    #[test]
    fn targets_with_defaults_and_reasons() {
        let c = parse(&format!(
            "[[notify]]\nurl_env = \"SLACK\"\n\n[[notify]]\nurl = \"https://hooks.example.com/x\"\nreasons = [\"Synced\"]\n\n{APP}"
        ))
        .unwrap();
        assert_eq!(c.notify.len(), 2);
        assert_eq!(c.notify[0].url, TargetUrl::Env("SLACK".into()));
        assert_eq!(c.notify[0].reasons.len(), DEFAULT_REASONS.len());
        assert_eq!(c.notify[1].reasons, ["Synced"]);
    }

    #[test]
    fn mistakes_have_lines_and_hints() {
        let e = parse(&format!(
            "[[notify]]\nurl_env = \"A\"\nreasons = [\"Synched\"]\n\n[[notify]]\nreasons = []\n\n[[notify]]\nurl = \"ftp://x\"\n\n{APP}"
        ))
        .unwrap_err()
        .errors;
        let text: Vec<String> = e
            .iter()
            .map(|e| format!("{}: {} ({:?})", e.line, e.message, e.help))
            .collect();
        assert!(
            text[0].starts_with("3: unknown reason `Synched`"),
            "{text:?}"
        );
        assert!(text[0].contains("did you mean `Synced`?"), "{text:?}");
        assert!(
            text[1].starts_with("5: this notification has no"),
            "{text:?}"
        );
        assert!(
            text[2].starts_with("9: `notify.url` must be an http(s) URL"),
            "{text:?}"
        );
    }
}
