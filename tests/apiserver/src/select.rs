//! Label and field selectors, applied to lists and watch streams.

use crate::status::ApiError;
use kube_fake_client::label_selector::{matches_label_selector, parse_label_selector};
use serde_json::Value;
use std::collections::BTreeMap;

/// A parsed `labelSelector` + `fieldSelector` pair.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    labels: Option<String>,
    fields: Vec<FieldRequirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldRequirement {
    field: String,
    value: String,
    equal: bool,
}

impl Filter {
    /// Parse both selectors; a malformed one is a 400 like on a real server.
    pub fn parse(labels: Option<&str>, fields: Option<&str>) -> Result<Self, ApiError> {
        let labels = match labels.map(str::trim).filter(|s| !s.is_empty()) {
            Some(sel) => {
                parse_label_selector(sel).map_err(|e| {
                    ApiError::bad_request(format!("unable to parse requirement: {e}"))
                })?;
                check_label_keys(sel)?;
                Some(sel.to_string())
            }
            None => None,
        };
        let mut reqs = Vec::new();
        for part in fields.unwrap_or("").split(',').map(str::trim) {
            if part.is_empty() {
                continue;
            }
            let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, v, true)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                )));
            };
            let field = field.trim();
            if field != "metadata.name" && field != "metadata.namespace" {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {field}"
                )));
            }
            reqs.push(FieldRequirement {
                field: field.to_string(),
                value: value.trim().to_string(),
                equal,
            });
        }
        Ok(Self {
            labels,
            fields: reqs,
        })
    }

    /// Whether `obj` satisfies every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let meta = obj.get("metadata");
        if let Some(sel) = &self.labels {
            let labels: BTreeMap<String, String> = meta
                .and_then(|m| m.get("labels"))
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            if !matches_label_selector(&labels, sel).unwrap_or(false) {
                return false;
            }
        }
        self.fields.iter().all(|req| {
            let key = req.field.trim_start_matches("metadata.");
            let actual = meta
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .unwrap_or("");
            (actual == req.value) == req.equal
        })
    }
}

/// The fake's parser accepts requirements without a key (`===`); a real
/// server rejects any requirement whose key is not a valid label key.
fn check_label_keys(selector: &str) -> Result<(), ApiError> {
    let mut depth = 0usize;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let body = part.strip_prefix('!').unwrap_or(part).trim_start();
        let end = body
            .find(|c: char| "=!<>(".contains(c) || c.is_whitespace())
            .unwrap_or(body.len());
        let key = &body[..end];
        if let Some(why) = crate::validate::qualified_name(key) {
            return Err(ApiError::bad_request(format!(
                "unable to parse requirement: invalid label key \"{key}\": {why}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_and_name() {
        let obj = json!({"metadata": {"name": "a", "namespace": "n", "labels": {"app": "x"}}});
        let f = Filter::parse(Some("app=x"), Some("metadata.name=a")).unwrap();
        assert!(f.matches(&obj));
        let f = Filter::parse(Some("app in (y,z)"), None).unwrap();
        assert!(!f.matches(&obj));
        let f = Filter::parse(None, Some("metadata.name!=a")).unwrap();
        assert!(!f.matches(&obj));
        assert!(Filter::parse(None, Some("spec.x=1")).is_err());
        assert!(Filter::parse(Some("==="), None).is_err());
        assert!(Filter::parse(Some("a.b/c notin (x, y),!d,e!=f"), None).is_ok());
    }
}
