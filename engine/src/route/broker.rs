//! A Broker's fan-out: which of its Triggers pass an event, and where
//! each delivers it.
//!
//! Knative's broker filter (eventing `pkg/broker/filter`) evaluates each
//! Trigger's filter to pass, fail or "no filter", and delivers unless it
//! fails. `all` fails at the first failing element and otherwise returns
//! its last element's result; `any` passes at the first passing element
//! and otherwise returns its last element's result; `not` swaps pass and
//! fail and keeps "no filter". Attribute values compare as their
//! canonical strings ([`crate::route::event::attribute_string`]); a CESQL
//! filter passes only on a `true` without error ([`crate::route::cesql`]).
//! The broker delivers to every passing Trigger at once; here the
//! deliveries come in the order of the Triggers' names, so a test is
//! deterministic.

use crate::route::event::{Event, attribute_string};
use crate::route::objects::{Filter, Trigger, TriggerFilter, Unresolvable};
use serde_json::Value;
use std::collections::BTreeMap;

/// The three results of a Knative filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    NoFilter,
}

/// One event sent to one subscriber.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub trigger: String,
    pub namespace: String,
    /// The subscriber's absolute URI.
    pub subscriber: String,
    /// The Trigger's `spec.delivery`, as written.
    pub delivery: Option<Value>,
}

/// A passing Trigger whose subscriber cannot be resolved without a
/// cluster.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Trigger {namespace}/{trigger}: {source}")]
pub struct RouteError {
    pub namespace: String,
    pub trigger: String,
    pub source: Box<Unresolvable>,
}

/// The deliveries of `event` published to broker `namespace/broker`, one
/// per passing Trigger of that broker among `triggers`, by Trigger name.
pub fn route<'a>(
    triggers: impl IntoIterator<Item = &'a Trigger>,
    namespace: &str,
    broker: &str,
    event: &Event,
) -> Result<Vec<Delivery>, RouteError> {
    let mut passing: Vec<&Trigger> = triggers
        .into_iter()
        .filter(|t| t.meta.namespace == namespace && t.broker == broker)
        .filter(|t| passes(t, event))
        .collect();
    passing.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
    passing
        .into_iter()
        .map(|t| {
            let subscriber = t.subscriber.resolve().map_err(|source| RouteError {
                namespace: t.meta.namespace.clone(),
                trigger: t.meta.name.clone(),
                source: Box::new(source),
            })?;
            Ok(Delivery {
                trigger: t.meta.name.clone(),
                namespace: t.meta.namespace.clone(),
                subscriber,
                delivery: t.delivery.clone(),
            })
        })
        .collect()
}

/// Whether the broker hands `event` to `trigger`'s subscriber.
pub fn passes(trigger: &Trigger, event: &Event) -> bool {
    outcome(&trigger.filter, event) != Outcome::Fail
}

/// The result of a Trigger's filter.
pub fn outcome(filter: &TriggerFilter, event: &Event) -> Outcome {
    match filter {
        TriggerFilter::None => Outcome::NoFilter,
        TriggerFilter::Attributes(attrs) => attributes(attrs, event),
        TriggerFilter::Filters(list) => all(list, event),
    }
}

/// The legacy filter: every attribute equal; an empty value asks for the
/// attribute to be present and not empty.
fn attributes(attrs: &BTreeMap<String, String>, event: &Event) -> Outcome {
    let ok = attrs
        .iter()
        .all(|(k, want)| match attribute_string(event, k) {
            None => false,
            Some(got) if want.is_empty() => !got.is_empty(),
            Some(got) => got == *want,
        });
    if ok { Outcome::Pass } else { Outcome::Fail }
}

fn all(list: &[Filter], event: &Event) -> Outcome {
    let mut res = Outcome::NoFilter;
    for f in list {
        res = eval(f, event);
        if res == Outcome::Fail {
            return Outcome::Fail;
        }
    }
    res
}

fn any(list: &[Filter], event: &Event) -> Outcome {
    let mut res = Outcome::NoFilter;
    for f in list {
        res = eval(f, event);
        if res == Outcome::Pass {
            return Outcome::Pass;
        }
    }
    res
}

/// `exact`, `prefix`, `suffix`: every attribute present and its value
/// compared with `test`.
fn each(attrs: &BTreeMap<String, String>, event: &Event, test: fn(&str, &str) -> bool) -> Outcome {
    let ok = attrs
        .iter()
        .all(|(k, want)| attribute_string(event, k).is_some_and(|got| test(&got, want)));
    if ok { Outcome::Pass } else { Outcome::Fail }
}

fn eval(filter: &Filter, event: &Event) -> Outcome {
    match filter {
        Filter::Exact(a) => each(a, event, |got, want| got == want),
        Filter::Prefix(a) => each(a, event, |got, want| got.starts_with(want)),
        Filter::Suffix(a) => each(a, event, |got, want| got.ends_with(want)),
        Filter::All(list) => all(list, event),
        Filter::Any(list) => any(list, event),
        Filter::Not(inner) => match eval(inner, event) {
            Outcome::Pass => Outcome::Fail,
            Outcome::Fail => Outcome::Pass,
            Outcome::NoFilter => Outcome::NoFilter,
        },
        Filter::Cesql { expr, .. } => {
            if expr.matches(event) {
                Outcome::Pass
            } else {
                Outcome::Fail
            }
        }
        Filter::Skip => Outcome::NoFilter,
    }
}

#[cfg(test)]
mod tests;
