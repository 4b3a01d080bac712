//! Settings of functions and workflows against the rules of the targets:
//! image references, ports, env and secret names, scale, resources,
//! timeouts (Knative Serving's webhook rules, see specs/knative/NOTES.md),
//! cron schedules and time zones (PingSource), and durations.

use super::consts::{as_integer, eval_const};
use super::values::{ValueError, cron, image, names, quantity, tz};
use super::walk::{Cx, steps};
use crate::ast::{
    BlockSetting, Duration, FunctionDecl, Item, Member, Modifier, ObjectEntry, StepKind, StrLit,
    TriggerKind, Value, ValueKind, WorkflowDecl,
};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::kebab_case;
use serde_json::Value as Json;

/// Knative Serving's default `max-revision-timeout-seconds`.
pub const MAX_TIMEOUT_SECS: u64 = 600;
/// Knative Serving's default `container-concurrency-max-limit`.
pub const MAX_CONCURRENCY: i64 = 1000;

pub fn check_app(cx: &Cx, diags: &mut Diagnostics) {
    let Some(unit) = cx.unit() else { return };
    for item in unit.items() {
        match item {
            Item::Function(f) => check_function(cx, f, diags),
            Item::Workflow(w) => check_workflow(cx, w, diags),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- functions

fn check_function(cx: &Cx, f: &FunctionDecl, diags: &mut Diagnostics) {
    check_ksvc_name(f, diags);
    let mut requests: Option<&BlockSetting> = None;
    let mut limits: Option<&BlockSetting> = None;
    for m in &f.members {
        match m {
            Member::Assign(a) => match a.key.name.as_str() {
                "image" => check_image(cx, &a.value, diags),
                "port" => check_port(cx, &a.value, diags),
                "timeout" => check_function_timeout(cx, &a.value, diags),
                _ => {}
            },
            Member::Block(b) => match b.key.name.as_str() {
                "env" => check_env(cx, b, diags),
                "secret_env" => check_secret_env(cx, b, diags),
                "scale" => check_scale(cx, b, diags),
                "resources" => {
                    check_quantities(cx, b, diags);
                    requests = Some(b);
                }
                "limits" => {
                    check_quantities(cx, b, diags);
                    limits = Some(b);
                }
                _ => {}
            },
            Member::On(_) | Member::Input(..) => {}
        }
    }
    if let (Some(req), Some(lim)) = (requests, limits) {
        check_limits_cover_requests(cx, req, lim, diags);
    }
}

/// Knative derives `<name>-00001-deployment` and friends from the Service
/// name; keep room for them (NOTES.md: ≤ ~49 characters, DNS-1035).
fn check_ksvc_name(f: &FunctionDecl, diags: &mut Diagnostics) {
    let name = kebab_case(&f.name.name);
    if name.len() > names::KSVC_NAME_MAX {
        diags.push(
            Diagnostic::error(
                Code::E0506,
                format!(
                    "function name `{name}` is {} characters long; Knative Services allow {}",
                    name.len(),
                    names::KSVC_NAME_MAX
                ),
            )
            .with_primary(f.name.span, "name too long")
            .with_help(
                "Knative appends revision suffixes such as `-00001-deployment` and the result must fit in 63 characters; shorten the name",
            ),
        );
    } else if let Err(e) = names::dns1035_label(&name) {
        diags.push(
            Diagnostic::error(
                Code::E0506,
                format!(
                    "function name `{name}` is not a valid Knative Service name: {}",
                    e.message
                ),
            )
            .with_primary(f.name.span, "invalid Service name")
            .with_help("Knative Service names start with a letter"),
        );
    }
}

fn wrong_kind(value: &Value, what: &str, expected: &str) -> Diagnostic {
    let found = match &value.kind {
        ValueKind::Str(_) | ValueKind::Concat(_) => "a string",
        ValueKind::Number(_) => "a number",
        ValueKind::Bool(_) => "a boolean",
        ValueKind::Null => "null",
        ValueKind::Duration(_) => "a duration",
        ValueKind::List(_) => "a list",
        ValueKind::Object(_) => "an object",
        ValueKind::Expr(_) => "a runtime expression",
        ValueKind::Param(_) => "a param of another type",
        ValueKind::Secret { .. } => "a secret reference",
    };
    let mut d = Diagnostic::error(Code::E0310, format!("`{what}` expects {expected}"))
        .with_primary(value.span, format!("found {found}"));
    if matches!(value.kind, ValueKind::Expr(_)) {
        d = d.with_help("settings are fixed at compile time; use a literal or `params.name`");
    } else {
        d = d.with_help(format!("write `{what}` as {expected}"));
    }
    d
}

/// An error inside a string the value evaluates to.
fn at_value(cx: &Cx, code: Code, value: &Value, e: &ValueError) -> Diagnostic {
    let mut d = Diagnostic::error(code, e.message.clone())
        .with_primary(cx.value_span(value, &e.range), e.message.clone());
    if let Some(h) = &e.help {
        d = d.with_help(h.clone());
    }
    d
}

fn at_lit(cx: &Cx, code: Code, lit: &StrLit, e: &ValueError) -> Diagnostic {
    let mut d = Diagnostic::error(code, e.message.clone())
        .with_primary(cx.str_span(lit, &e.range), e.message.clone());
    if let Some(h) = &e.help {
        d = d.with_help(h.clone());
    }
    d
}

fn check_image(cx: &Cx, value: &Value, diags: &mut Diagnostics) {
    let Some(v) = eval_const(cx.program, cx.app, value) else {
        if matches!(value.kind, ValueKind::Expr(_) | ValueKind::Secret { .. }) {
            diags.push(wrong_kind(value, "image", "a compile-time string"));
        }
        return;
    };
    let Json::String(text) = v else {
        diags.push(wrong_kind(value, "image", "a string"));
        return;
    };
    match image::parse(&text) {
        Err(e) => diags.push(
            at_value(cx, Code::E0306, value, &e).with_note(format!("the image is \"{text}\"")),
        ),
        Ok(r) if r.is_unpinned() => diags.push(
            Diagnostic::warning(Code::W0301, format!("image `{text}` has no tag"))
                .with_primary(value.span, "no tag: the runtime pulls `latest`")
                .with_help("pin a version tag or a digest, e.g. `:1.4.2` or `@sha256:…`"),
        ),
        Ok(r) if r.is_latest() => diags.push(
            Diagnostic::warning(Code::W0302, format!("image `{text}` uses the `latest` tag"))
                .with_primary(value.span, "`latest` changes under you")
                .with_help("pin a version tag or a digest so deployments are reproducible"),
        ),
        Ok(_) => {}
    }
}

fn check_port(cx: &Cx, value: &Value, diags: &mut Diagnostics) {
    if let ValueKind::List(ports) = &value.kind {
        let mut d = Diagnostic::error(Code::E0507, "a function has exactly one port")
            .with_primary(value.span, format!("{} ports given", ports.len()))
            .with_help("Knative routes to a single container port; keep one, e.g. `port = 8080`");
        if let Some(second) = ports.get(1) {
            d = d.with_secondary(second.span, "second port");
        }
        diags.push(d);
        return;
    }
    let Some(v) = eval_const(cx.program, cx.app, value) else {
        if !matches!(value.kind, ValueKind::Param(_)) {
            diags.push(wrong_kind(value, "port", "an integer"));
        }
        return;
    };
    let Some(port) = as_integer(&v) else {
        diags.push(wrong_kind(value, "port", "an integer"));
        return;
    };
    if !(1..=65535).contains(&port) {
        diags.push(
            Diagnostic::error(Code::E0307, format!("port {port} is out of range"))
                .with_primary(value.span, "not in 1..=65535")
                .with_help("use a TCP port from 1 to 65535, e.g. 8080"),
        );
    } else if names::RESERVED_PORTS.iter().any(|&p| i64::from(p) == port) {
        diags.push(
            Diagnostic::error(Code::E0501, format!("port {port} is reserved by Knative"))
                .with_primary(value.span, "reserved for the queue-proxy")
                .with_help(format!(
                    "Knative uses ports {}; listen on another port, e.g. 8080",
                    list(names::RESERVED_PORTS.iter())
                )),
        );
    }
}

fn list<T: ToString>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

fn check_function_timeout(cx: &Cx, value: &Value, diags: &mut Diagnostics) {
    let ValueKind::Duration(d) = &value.kind else {
        if matches!(value.kind, ValueKind::Param(_)) {
            // A param's value (seconds, as the Service's `timeoutSeconds`
            // takes it) is known per environment: check it here too, so
            // no later stage has to.
            let secs = eval_const(cx.program, cx.app, value).and_then(|v| v.as_f64());
            if let Some(secs) = secs.filter(|s| *s > MAX_TIMEOUT_SECS as f64) {
                diags.push(timeout_too_long(value.span, &format!("{secs}s")));
            }
        } else {
            diags.push(wrong_kind(value, "timeout", "a duration such as `30s`"));
        }
        return;
    };
    if !check_positive(d, "timeout", diags) {
        return;
    }
    if d.millis > MAX_TIMEOUT_SECS * 1000 {
        diags.push(timeout_too_long(d.span, &d.text));
    }
}

fn timeout_too_long(span: crate::span::Span, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0503,
        format!("function timeout {text} is above Knative's maximum of {MAX_TIMEOUT_SECS}s"),
    )
    .with_primary(span, "too long")
    .with_help("Knative's `max-revision-timeout-seconds` defaults to 600 (10m); use at most `10m`")
}

fn check_positive(d: &Duration, what: &str, diags: &mut Diagnostics) -> bool {
    if d.millis == 0 {
        diags.push(
            Diagnostic::error(Code::E0303, format!("{what} must be greater than zero"))
                .with_primary(d.span, "zero duration")
                .with_help("give a positive duration such as `30s`, or remove the setting"),
        );
        return false;
    }
    true
}

fn check_env_name(cx: &Cx, e: &ObjectEntry, diags: &mut Diagnostics) {
    let key = &e.key.name;
    let key_span = |r: &std::ops::Range<usize>| {
        let off = u32::from(e.key.quoted);
        if e.key.span.len() == key.len() + 2 * off as usize {
            crate::span::Span {
                file: e.key.span.file,
                start: e.key.span.start + off + r.start as u32,
                end: e.key.span.start + off + (r.end.max(r.start + 1)) as u32,
            }
        } else {
            e.key.span
        }
    };
    let _ = cx;
    if let Err(err) = names::env_var_name(key) {
        let mut d = Diagnostic::error(
            Code::E0308,
            format!("`{key}` is not a valid environment variable name"),
        )
        .with_primary(key_span(&err.range), err.message);
        if let Some(h) = err.help {
            d = d.with_help(h);
        }
        diags.push(d);
    } else if names::RESERVED_ENV.contains(&key.as_str()) {
        diags.push(
            Diagnostic::error(
                Code::E0502,
                format!("environment variable `{key}` is reserved by Knative"),
            )
            .with_primary(e.key.span, "set by Knative")
            .with_help(format!(
                "Knative sets {} itself; use another name (the port comes from `port = …`)",
                names::RESERVED_ENV.join(", ")
            )),
        );
    }
}

fn check_env(cx: &Cx, b: &BlockSetting, diags: &mut Diagnostics) {
    for e in &b.entries {
        check_env_name(cx, e, diags);
        if matches!(e.value.kind, ValueKind::Secret { .. }) {
            diags.push(
                wrong_kind(&e.value, "env", "a plain value")
                    .with_help("put Secret references in `secret_env { … }`"),
            );
        }
    }
}

fn check_secret_env(cx: &Cx, b: &BlockSetting, diags: &mut Diagnostics) {
    for e in &b.entries {
        check_env_name(cx, e, diags);
        match &e.value.kind {
            ValueKind::Secret { name, key } => {
                if let Err(err) = names::dns1123_subdomain(&name.value) {
                    diags.push(
                        at_lit(cx, Code::E0309, name, &err)
                            .with_note("Secret names are DNS-1123 subdomains"),
                    );
                }
                if let Err(err) = names::secret_key(&key.value) {
                    diags.push(at_lit(cx, Code::E0309, key, &err));
                }
            }
            _ => diags.push(
                wrong_kind(&e.value, "secret_env", "`secret(\"name\", \"key\")`")
                    .with_help("plain values go in `env { … }`"),
            ),
        }
    }
}

fn check_scale(cx: &Cx, b: &BlockSetting, diags: &mut Diagnostics) {
    let get = |k: &str| b.entries.iter().find(|e| e.key.name == k);
    let number = |e: &ObjectEntry| eval_const(cx.program, cx.app, &e.value);
    let ints = |k: &str, diags: &mut Diagnostics| -> Option<(i64, &ObjectEntry)> {
        let e = get(k)?;
        match number(e).as_ref().and_then(as_integer) {
            Some(n) if n >= 0 => Some((n, e)),
            _ => {
                diags.push(wrong_kind(
                    &e.value,
                    &format!("scale.{k}"),
                    "a non-negative integer",
                ));
                None
            }
        }
    };
    let min = ints("min", diags);
    let max = ints("max", diags);
    if let (Some((lo, lo_e)), Some((hi, hi_e))) = (min, max)
        && hi > 0
        && lo > hi
    {
        diags.push(
            Diagnostic::error(
                Code::E0305,
                format!("scale.min ({lo}) is greater than scale.max ({hi})"),
            )
            .with_primary(lo_e.value.span, format!("min is {lo}"))
            .with_secondary(hi_e.value.span, format!("max is {hi}"))
            .with_help("lower `min` or raise `max` (max 0 means unlimited)"),
        );
    }
    if let Some((c, e)) = ints("concurrency", diags)
        && c > MAX_CONCURRENCY
    {
        diags.push(
            Diagnostic::error(
                Code::E0504,
                format!("scale.concurrency {c} is above Knative's limit of {MAX_CONCURRENCY}"),
            )
            .with_primary(e.value.span, "too high")
            .with_help("use 0 (unlimited) to 1000 requests per container"),
        );
    }
    if let Some(e) = get("target") {
        match number(e).as_ref().and_then(Json::as_f64) {
            Some(t) if t < 0.01 => diags.push(
                Diagnostic::error(
                    Code::E0505,
                    format!("scale.target {t} is below Knative's minimum of 0.01"),
                )
                .with_primary(e.value.span, "too low")
                .with_help(
                    "the autoscaling target is concurrent requests per replica; use 0.01 or more",
                ),
            ),
            Some(_) => {}
            None => diags.push(wrong_kind(&e.value, "scale.target", "a number")),
        }
    }
}

/// Parsed `cpu` / `memory` quantities of a `resources` or `limits` block.
fn quantities(cx: &Cx, b: &BlockSetting) -> Vec<(String, f64, Value)> {
    b.entries
        .iter()
        .filter_map(|e| {
            let text = match eval_const(cx.program, cx.app, &e.value)? {
                Json::String(s) => s,
                Json::Number(n) => n.to_string(),
                _ => return None,
            };
            let q = quantity::parse(&text).ok()?;
            Some((e.key.name.clone(), q.value, e.value.clone()))
        })
        .collect()
}

fn check_quantities(cx: &Cx, b: &BlockSetting, diags: &mut Diagnostics) {
    for e in &b.entries {
        let what = format!("{}.{}", b.key.name, e.key.name);
        let text = match eval_const(cx.program, cx.app, &e.value) {
            Some(Json::String(s)) => s,
            Some(Json::Number(n)) => n.to_string(),
            Some(_) => {
                diags.push(wrong_kind(
                    &e.value,
                    &what,
                    "a quantity such as \"500m\" or \"256Mi\"",
                ));
                continue;
            }
            None => {
                if !matches!(e.value.kind, ValueKind::Param(_)) {
                    diags.push(wrong_kind(&e.value, &what, "a compile-time quantity"));
                }
                continue;
            }
        };
        if let Err(err) = quantity::parse(&text) {
            diags.push(
                at_value(cx, Code::E0304, &e.value, &err)
                    .with_note(format!("`{what}` is \"{text}\"")),
            );
        }
    }
}

fn check_limits_cover_requests(
    cx: &Cx,
    req: &BlockSetting,
    lim: &BlockSetting,
    diags: &mut Diagnostics,
) {
    let requested = quantities(cx, req);
    for (key, limit, lim_value) in quantities(cx, lim) {
        if let Some((_, request, req_value)) = requested.iter().find(|(k, _, _)| *k == key)
            && limit < *request
        {
            diags.push(
                Diagnostic::error(Code::E0312, format!("limits.{key} is below resources.{key}"))
                    .with_primary(lim_value.span, "limit")
                    .with_secondary(req_value.span, "request")
                    .with_help("Kubernetes rejects a limit smaller than the request; raise the limit or lower the request"),
            );
        }
    }
}

// ---------------------------------------------------------------- workflows

fn check_workflow(cx: &Cx, w: &WorkflowDecl, diags: &mut Diagnostics) {
    for m in &w.members {
        match m {
            Member::On(t) => {
                if let TriggerKind::Schedule { cron: c, tz: zone } = &t.kind {
                    if let Err(e) = cron::validate(&c.value) {
                        diags.push(at_lit(cx, Code::E0301, c, &e));
                    }
                    if let Some(z) = zone
                        && let Err(e) = tz::validate(&z.value)
                    {
                        diags.push(at_lit(cx, Code::E0302, z, &e));
                    }
                }
            }
            Member::Assign(a) if a.key.name == "timeout" => match &a.value.kind {
                ValueKind::Duration(d) => {
                    check_positive(d, "workflow timeout", diags);
                }
                ValueKind::Param(_) => {}
                _ => diags.push(wrong_kind(&a.value, "timeout", "a duration such as `1h`")),
            },
            _ => {}
        }
    }
    steps(&w.body, &mut |step| {
        for m in &step.modifiers {
            match m {
                Modifier::Timeout(d) => {
                    check_positive(d, "step timeout", diags);
                }
                Modifier::Retry(r) => {
                    if let Some(d) = &r.delay {
                        check_positive(d, "retry delay", diags);
                    }
                    if let Some(d) = &r.max {
                        check_positive(d, "retry max delay", diags);
                    }
                }
                Modifier::Then(_) | Modifier::When(_) => {}
            }
        }
        if let StepKind::Try { catch, .. } = &step.kind
            && let Some(r) = &catch.retry
        {
            for d in r.delay.iter().chain(r.max.iter()) {
                check_positive(d, "retry delay", diags);
            }
        }
    });
}
