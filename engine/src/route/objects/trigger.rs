//! Triggers: broker, filters, subscriber, delivery.
//!
//! What Knative does, and we follow (eventing `pkg/eventfilter`,
//! `pkg/apis/eventing/v1/trigger_validation.go`):
//! - `spec.filters` (the Subscriptions API dialects), when non-empty,
//!   replaces `spec.filter`; its elements are ANDed.
//! - Each element sets exactly one dialect (`exact`, `prefix`, `suffix`,
//!   `all`, `any`, `not`, `cesql`); two are refused by the webhook, and so
//!   here. Attribute names must match `^[a-z][a-z0-9]*$`; a CESQL
//!   expression must parse.
//! - An element the broker cannot build is skipped, not failed: an empty
//!   element, an `exact`/`prefix`/`suffix` with an empty value (kept here
//!   as [`Filter::Skip`] where the result depends on it, dropped from
//!   lists as the broker drops it).
//! - `spec.filter.attributes` (legacy): every attribute must equal its
//!   value; an empty value means "present and not empty".

use super::{Ctx, Destination, Meta, ObjectError, string_map};
use crate::route::cesql;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub meta: Meta,
    pub broker: String,
    pub filter: TriggerFilter,
    pub subscriber: Destination,
    /// `spec.delivery` as written (retries, dead letter sink, …).
    pub delivery: Option<Value>,
}

/// Which of a Trigger's filters applies.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerFilter {
    /// No filter: every event passes.
    None,
    /// `spec.filter.attributes`.
    Attributes(BTreeMap<String, String>),
    /// `spec.filters`, ANDed (elements the broker skips already dropped).
    Filters(Vec<Filter>),
}

/// One Subscriptions API filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Exact(BTreeMap<String, String>),
    Prefix(BTreeMap<String, String>),
    Suffix(BTreeMap<String, String>),
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Cesql {
        /// As written in the Trigger.
        source: String,
        expr: Box<cesql::Expr>,
    },
    /// An element the broker cannot build (empty, or an empty value): it
    /// decides nothing.
    Skip,
}

pub(super) fn read(ctx: Ctx, obj: &Map<String, Value>) -> Result<Trigger, ObjectError> {
    let spec = obj.get("spec").and_then(Value::as_object);
    let Some(spec) = spec else {
        return Err(ctx.error("no `spec`".into()));
    };
    let broker = match spec.get("broker") {
        Some(Value::String(b)) if !b.is_empty() => b.clone(),
        _ => match spec
            .get("brokerRef")
            .and_then(|r| r.get("name"))
            .and_then(Value::as_str)
        {
            Some(b) if !b.is_empty() => b.to_string(),
            _ => return Err(ctx.error("no `spec.broker`".into())),
        },
    };
    let filters = match spec.get("filters") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            filter_list(items, "spec.filters").map_err(|e| ctx.error(e))?
        }
        Some(other) => return Err(ctx.error(format!("`spec.filters` is {other}, not a list"))),
    };
    let non_empty = !spec
        .get("filters")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    let filter = if non_empty {
        TriggerFilter::Filters(filters)
    } else {
        match spec.get("filter").and_then(|f| f.get("attributes")) {
            None | Some(Value::Null) => TriggerFilter::None,
            attrs => {
                let attrs =
                    string_map(attrs, "spec.filter.attributes").map_err(|e| ctx.error(e))?;
                check_names(&attrs, "spec.filter.attributes").map_err(|e| ctx.error(e))?;
                TriggerFilter::Attributes(attrs)
            }
        }
    };
    let subscriber = Destination::read(
        spec.get("subscriber"),
        "spec.subscriber",
        &ctx.meta.namespace,
    )
    .map_err(|e| ctx.error(e))?;
    let delivery = spec.get("delivery").filter(|d| !d.is_null()).cloned();
    Ok(Trigger {
        meta: ctx.meta,
        broker,
        filter,
        subscriber,
        delivery,
    })
}

/// A list of filters, without the elements the broker skips.
fn filter_list(items: &[Value], field: &str) -> Result<Vec<Filter>, String> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match filter(item, &format!("{field}[{i}]"))? {
            Filter::Skip => {}
            f => out.push(f),
        }
    }
    Ok(out)
}

const DIALECTS: [&str; 7] = ["exact", "prefix", "suffix", "all", "any", "not", "cesql"];

fn filter(v: &Value, field: &str) -> Result<Filter, String> {
    let Value::Object(m) = v else {
        return Err(format!("`{field}` is {v}, not an object"));
    };
    if let Some(k) = m.keys().find(|k| !DIALECTS.contains(&k.as_str())) {
        return Err(format!("`{field}` has an unknown dialect `{k}`"));
    }
    // A dialect "is set" as Knative's `hasMultipleDialects` sees it.
    let set: Vec<&str> = DIALECTS
        .into_iter()
        .filter(|d| match m.get(*d) {
            None | Some(Value::Null) => false,
            Some(Value::Object(o)) => !o.is_empty() || *d == "not",
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        })
        .collect();
    if set.len() > 1 {
        return Err(format!(
            "`{field}` sets {}: a filter has exactly one dialect",
            set.join(" and ")
        ));
    }
    let Some(dialect) = set.first() else {
        return Ok(Filter::Skip);
    };
    let at = format!("{field}.{dialect}");
    let body = m.get(*dialect);
    Ok(match *dialect {
        "exact" | "prefix" | "suffix" => {
            let attrs = string_map(body, &at)?;
            check_names(&attrs, &at)?;
            if attrs.values().any(String::is_empty) {
                // The broker fails to build it and skips it.
                return Ok(Filter::Skip);
            }
            match *dialect {
                "exact" => Filter::Exact(attrs),
                "prefix" => Filter::Prefix(attrs),
                _ => Filter::Suffix(attrs),
            }
        }
        "all" | "any" => {
            let Some(Value::Array(items)) = body else {
                return Err(format!("`{at}` is not a list"));
            };
            let list = filter_list(items, &at)?;
            if *dialect == "all" {
                Filter::All(list)
            } else {
                Filter::Any(list)
            }
        }
        "not" => match body {
            Some(inner) => Filter::Not(Box::new(filter(inner, &at)?)),
            None => Filter::Skip,
        },
        _ => {
            let Some(Value::String(source)) = body else {
                return Err(format!("`{at}` is not a string"));
            };
            let expr = cesql::parse(source).map_err(|e| format!("`{at}`: {e}"))?;
            Filter::Cesql {
                source: source.clone(),
                expr: Box::new(expr),
            }
        }
    })
}

/// Knative's attribute-name rule: `^[a-z][a-z0-9]*$`.
fn check_names(attrs: &BTreeMap<String, String>, field: &str) -> Result<(), String> {
    for k in attrs.keys() {
        let ok = k.starts_with(|c: char| c.is_ascii_lowercase())
            && k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !ok {
            return Err(format!(
                "`{field}` names the attribute `{k}`: attribute names are lower-case letters and digits, starting with a letter"
            ));
        }
    }
    Ok(())
}
