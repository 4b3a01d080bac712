//! Waiting listens and how a delivered event is offered to them: event
//! filters (`with`, `correlate`) and consumption strategies (`one`, `all`,
//! `any` with `until`).

use super::RunId;
use super::error::WfError;
use super::expr::{Args, Jq};
use super::run::strip_expr;
use super::trace::TaskInfo;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;

/// One waiting `listen`.
pub struct Listener {
    pub run: RunId,
    pub task: TaskInfo,
    /// The arguments of the listen task (for expressions in filters).
    pub args: Args,
    /// The listen task's transformed input (for `correlate.expect`).
    pub input: Value,
    pub read: String,
    pub state: Consumption,
    /// Set once the strategy is satisfied (or an expression failed).
    pub done: Option<Result<Vec<Value>, WfError>>,
}

/// The progress of one consumption strategy (`listen.to`).
pub struct Consumption {
    strategy: Value,
    /// For `all`: which filters have had their event.
    hits: Vec<bool>,
    /// Consumed events, in consumption order (envelopes).
    pub consumed: Vec<Value>,
    /// Correlation values learned from the first matching event.
    learned: BTreeMap<String, Value>,
    /// `until` given as a strategy.
    until: Option<Box<Consumption>>,
}

impl Consumption {
    pub fn new(strategy: &Value) -> Self {
        let hits = strategy
            .get("all")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let until = strategy
            .get("until")
            .filter(|u| u.is_object())
            .map(|u| Box::new(Consumption::new(u)));
        Consumption {
            strategy: strategy.clone(),
            hits: vec![false; hits],
            consumed: vec![],
            learned: BTreeMap::new(),
            until,
        }
    }
}

/// What an offer did.
#[derive(Debug, PartialEq)]
pub enum Offer {
    Ignored,
    Consumed,
    Completed,
}

/// The listen's `read` view of an event: `data` (default), `envelope`, `raw`.
pub fn read_view(read: &str, event: &Value) -> Value {
    match read {
        "envelope" => event.clone(),
        "raw" => event
            .get("data_base64")
            .or_else(|| event.get("data"))
            .cloned()
            .unwrap_or(Value::Null),
        _ => event.get("data").cloned().unwrap_or(Value::Null),
    }
}

/// Offer `event` to a listener; a finished strategy sets `done`.
pub fn offer(jq: &Jq, l: &mut Listener, event: &Value) -> Offer {
    if l.done.is_some() {
        return Offer::Ignored;
    }
    let ctx = Match {
        jq,
        args: &l.args,
        input: &l.input,
        at: &l.task.reference,
    };
    match step(&ctx, &mut l.state, &l.read, event) {
        Ok(Offer::Completed) => {
            let events = l
                .state
                .consumed
                .iter()
                .map(|e| read_view(&l.read, e))
                .collect();
            l.done = Some(Ok(events));
            Offer::Completed
        }
        Ok(other) => other,
        Err(e) => {
            l.done = Some(Err(e));
            Offer::Consumed
        }
    }
}

struct Match<'a> {
    jq: &'a Jq,
    args: &'a Args,
    input: &'a Value,
    at: &'a str,
}

fn step(ctx: &Match, c: &mut Consumption, read: &str, event: &Value) -> Result<Offer, WfError> {
    if let Some(filter) = c.strategy.get("one") {
        if filter_matches(ctx, filter, &mut c.learned, event)? {
            c.consumed.push(event.clone());
            return Ok(Offer::Completed);
        }
        return Ok(Offer::Ignored);
    }
    if let Some(filters) = c.strategy.get("all").and_then(Value::as_array) {
        for (i, filter) in filters.iter().enumerate() {
            if !c.hits[i] && filter_matches(ctx, filter, &mut c.learned, event)? {
                c.hits[i] = true;
                c.consumed.push(event.clone());
                let done = c.hits.iter().all(|h| *h);
                return Ok(if done {
                    Offer::Completed
                } else {
                    Offer::Consumed
                });
            }
        }
        return Ok(Offer::Ignored);
    }
    let filters = c
        .strategy
        .get("any")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    // Events consumed by `until` are not part of the output.
    if let Some(until) = c.until.as_mut() {
        match step(ctx, until, read, event)? {
            Offer::Completed => return Ok(Offer::Completed),
            Offer::Consumed => return Ok(Offer::Consumed),
            Offer::Ignored => {}
        }
    }
    let mut matched = filters.is_empty();
    for filter in filters {
        if filter_matches(ctx, filter, &mut c.learned, event)? {
            matched = true;
            break;
        }
    }
    if !matched {
        return Ok(Offer::Ignored);
    }
    c.consumed.push(event.clone());
    match c.strategy.get("until") {
        Some(Value::String(expr)) => {
            let program = strip_expr(expr).unwrap_or(expr);
            let so_far = Value::Array(c.consumed.iter().map(|e| read_view(read, e)).collect());
            let stop = ctx
                .jq
                .eval(program, &so_far, ctx.args)
                .map_err(|e| WfError::expression(ctx.at, e.to_string()))?;
            Ok(if stop == Value::Bool(true) {
                Offer::Completed
            } else {
                Offer::Consumed
            })
        }
        Some(_) => Ok(Offer::Consumed),
        None => Ok(Offer::Completed),
    }
}

/// An event filter: every `with` attribute matches and every correlation
/// holds. Learned correlation values are kept only on a full match.
fn filter_matches(
    ctx: &Match,
    filter: &Value,
    learned: &mut BTreeMap<String, Value>,
    event: &Value,
) -> Result<bool, WfError> {
    if let Some(with) = filter.get("with").and_then(Value::as_object) {
        for (key, want) in with {
            let Some(have) = event.get(key) else {
                return Ok(false);
            };
            if !attr_matches(ctx, want, have)? {
                return Ok(false);
            }
        }
    }
    let mut new = BTreeMap::new();
    if let Some(correlate) = filter.get("correlate").and_then(Value::as_object) {
        for (key, c) in correlate {
            let from = c.get("from").and_then(Value::as_str).unwrap_or(".");
            let value = eval(ctx, strip_expr(from).unwrap_or(from), event)?;
            let expected = match c.get("expect") {
                Some(Value::String(e)) => match strip_expr(e) {
                    Some(program) => Some(eval(ctx, program, ctx.input)?),
                    None => Some(Value::String(e.clone())),
                },
                Some(other) => Some(other.clone()),
                None => learned.get(key).cloned(),
            };
            match expected {
                Some(want) if want != value => return Ok(false),
                Some(_) => {}
                None => {
                    new.insert(key.clone(), value);
                }
            }
        }
    }
    learned.extend(new);
    Ok(true)
}

fn eval(ctx: &Match, program: &str, input: &Value) -> Result<Value, WfError> {
    ctx.jq
        .eval(program, input, ctx.args)
        .map_err(|e| WfError::expression(ctx.at, e.to_string()))
}

fn attr_matches(ctx: &Match, want: &Value, have: &Value) -> Result<bool, WfError> {
    match want {
        Value::String(w) => {
            if let Some(program) = strip_expr(w) {
                return Ok(eval(ctx, program, have)? == Value::Bool(true));
            }
            let Some(h) = have.as_str() else {
                return Ok(false);
            };
            Ok(h == w || Regex::new(&format!("^(?:{w})$")).is_ok_and(|re| re.is_match(h)))
        }
        Value::Object(fields) => {
            let Some(have) = have.as_object() else {
                return Ok(false);
            };
            for (k, w) in fields {
                match have.get(k) {
                    Some(h) if attr_matches(ctx, w, h)? => {}
                    _ => return Ok(false),
                }
            }
            Ok(true)
        }
        other => Ok(other == have),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listener(to: Value) -> Listener {
        Listener {
            run: 1,
            task: TaskInfo {
                reference: "/do/0/l".into(),
                name: "l".into(),
                workflow: None,
                step: None,
            },
            args: Args::default(),
            input: json!({"orderId": "o1"}),
            read: "data".into(),
            state: Consumption::new(&to),
            done: None,
        }
    }

    fn ev(ty: &str, data: Value) -> Value {
        json!({"specversion": "1.0", "id": "1", "source": "s", "type": ty, "data": data})
    }

    #[test]
    fn one_with_expression_and_regex() {
        let jq = Jq::default();
        let mut l =
            listener(json!({"one": {"with": {"type": "com\\.x\\..*", "data": "${ .n > 2 }"}}}));
        assert_eq!(
            offer(&jq, &mut l, &ev("com.x.a", json!({"n": 1}))),
            Offer::Ignored
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("com.y.a", json!({"n": 5}))),
            Offer::Ignored
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("com.x.b", json!({"n": 5}))),
            Offer::Completed
        );
        assert_eq!(l.done, Some(Ok(vec![json!({"n": 5})])));
        assert_eq!(
            offer(&jq, &mut l, &ev("com.x.b", json!({"n": 6}))),
            Offer::Ignored
        );
    }

    #[test]
    fn all_with_correlation() {
        let jq = Jq::default();
        let corr = json!({"id": {"from": ".data.order", "expect": "${ .orderId }"}});
        let mut l = listener(json!({"all": [
            {"with": {"type": "a"}, "correlate": corr},
            {"with": {"type": "b"}, "correlate": corr},
        ]}));
        assert_eq!(
            offer(&jq, &mut l, &ev("a", json!({"order": "o2"}))),
            Offer::Ignored
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("a", json!({"order": "o1"}))),
            Offer::Consumed
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("a", json!({"order": "o1"}))),
            Offer::Ignored
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("b", json!({"order": "o1"}))),
            Offer::Completed
        );
    }

    #[test]
    fn any_until_learned_correlation() {
        let jq = Jq::default();
        let mut l = listener(json!({
            "any": [{"with": {"type": "tick"}, "correlate": {"k": {"from": ".data.k"}}}],
            "until": {"one": {"with": {"type": "stop"}}}
        }));
        assert_eq!(
            offer(&jq, &mut l, &ev("tick", json!({"k": 1}))),
            Offer::Consumed
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("tick", json!({"k": 2}))),
            Offer::Ignored
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("tick", json!({"k": 1}))),
            Offer::Consumed
        );
        assert_eq!(
            offer(&jq, &mut l, &ev("stop", json!(null))),
            Offer::Completed
        );
        assert_eq!(l.done, Some(Ok(vec![json!({"k": 1}), json!({"k": 1})])));
    }

    #[test]
    fn until_expression_and_bad_expression() {
        let jq = Jq::default();
        let mut l = listener(json!({"any": [], "until": "length >= 2"}));
        assert_eq!(offer(&jq, &mut l, &ev("x", json!(1))), Offer::Consumed);
        assert_eq!(offer(&jq, &mut l, &ev("y", json!(2))), Offer::Completed);
        let mut bad = listener(json!({"one": {"with": {"data": "${ .a + }"}}}));
        offer(&jq, &mut bad, &ev("x", json!({})));
        assert!(matches!(bad.done, Some(Err(_))));
    }
}
