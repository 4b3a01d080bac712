//! Names of emitted objects (see docs/build.md, "Object names").
//!
//! - Broker: `[broker] name` from air.toml (default: the app name).
//! - Service: the function's name, kebab-cased (`resize_image` → `resize-image`).
//! - ConfigMap: `<workflow>-workflow`.
//! - EventType: the event's name, kebab-cased.
//! - Trigger: `<function|workflow>-on-<event>` (`<…>-on-<alias>-<event>`
//!   for an imported event), one per CloudEvents type the declaration is
//!   started by (several `on` of one type share it); for an event the
//!   app's workflows wait for, `<app>-await-[<alias>-]<event>`.
//! - PingSource: `<workflow>-schedule`, then `-schedule-2`, … in source order.
//!
//! A derived name longer than 63 characters is cut to 52 and completed with
//! `-` and 10 hex digits of a hash of the full name, so it stays unique,
//! stable and a valid DNS-1123 label.

use crate::model::kebab_case;

pub const MAX_NAME: usize = 63;

/// A name within Kubernetes' label limit, shortened deterministically.
pub fn fit(name: &str) -> String {
    if name.len() <= MAX_NAME {
        return name.to_string();
    }
    let head: String = name.chars().take(52).collect();
    let head = head.trim_end_matches('-');
    format!("{head}-{:010x}", fnv1a(name) & 0xff_ffff_ffff)
}

/// FNV-1a, 64 bit: tiny, stable across platforms and releases.
pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// [`fit`] of a name built here, kept without a copy when it fits
/// (every object of a build gets its name through this).
fn fit_owned(name: String) -> String {
    if name.len() <= MAX_NAME {
        name
    } else {
        fit(&name)
    }
}

/// `<owner>-on-[alias-]<event>`.
pub fn trigger(owner: &str, alias: Option<&str>, event: &str) -> String {
    event_trigger(owner, "-on-", alias, event)
}

/// `<app>-await-[alias-]<event>`: the Trigger passing an awaited event to
/// the engine's event ingress.
pub fn await_trigger(app: &str, alias: Option<&str>, event: &str) -> String {
    event_trigger(app, "-await-", alias, event)
}

fn event_trigger(owner: &str, infix: &str, alias: Option<&str>, event: &str) -> String {
    let mut s = kebab_case(owner);
    s.push_str(infix);
    if let Some(a) = alias {
        s.push_str(&kebab_case(a));
        s.push('-');
    }
    s.push_str(&kebab_case(event));
    fit_owned(s)
}

/// `<workflow>-schedule[-n]`.
pub fn schedule(workflow: &str, n: usize) -> String {
    let mut base = kebab_case(workflow);
    base.push_str("-schedule");
    if n > 1 {
        base.push_str(&format!("-{n}"));
    }
    fit_owned(base)
}

/// `<workflow>-workflow`.
pub fn workflow_config_map(workflow: &str) -> String {
    let mut name = kebab_case(workflow);
    name.push_str("-workflow");
    fit_owned(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names() {
        assert_eq!(
            trigger("resize", None, "ImageUploaded"),
            "resize-on-image-uploaded"
        );
        assert_eq!(
            trigger("fulfil_order", Some("common"), "OrderCreated"),
            "fulfil-order-on-common-order-created"
        );
        assert_eq!(
            await_trigger("shop", Some("fin"), "PaymentSettled"),
            "shop-await-fin-payment-settled"
        );
        assert_eq!(schedule("nightly_report", 1), "nightly-report-schedule");
        assert_eq!(schedule("nightly_report", 3), "nightly-report-schedule-3");
        assert_eq!(workflow_config_map("fulfil_order"), "fulfil-order-workflow");
        let long = fit(&"a".repeat(80));
        assert_eq!(long.len(), 63);
        assert_ne!(fit(&"a".repeat(80)), fit(&"a".repeat(81)));
    }
}
