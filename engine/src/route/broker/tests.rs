use super::{Outcome, outcome, route};
use crate::route::event::Event;
use crate::route::objects::{self, Trigger};
use serde_json::{Value, json};

fn event(v: Value) -> Event {
    v.as_object().cloned().unwrap_or_default()
}

fn order(subject: Option<&str>) -> Event {
    let mut e = event(json!({
        "specversion": "1.0", "id": "1", "source": "/shop/eu",
        "type": "shop.order.created", "region": "eu", "priority": 5
    }));
    if let Some(s) = subject {
        e.insert("subject".into(), s.into());
    }
    e
}

fn triggers(specs: &[(&str, Value)]) -> Vec<Trigger> {
    let objs: Vec<Value> = specs
        .iter()
        .map(|(name, spec)| {
            json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
                   "metadata": {"name": name, "namespace": "shop"}, "spec": spec})
        })
        .collect();
    match objects::read(&objs) {
        Ok(o) => o.triggers,
        Err(e) => panic!("{e}"),
    }
}

fn spec(filters: Value) -> Value {
    json!({"broker": "shop", "filters": filters,
           "subscriber": {"uri": "http://air-runtime.air-system.svc.cluster.local/workflows/w"}})
}

fn result(filters: Value, e: &Event) -> Outcome {
    let t = triggers(&[("t", spec(filters))]);
    outcome(&t[0].filter, e)
}

#[test]
fn dialects() {
    let e = order(Some("gold-1"));
    let pass = [
        json!([{"exact": {"type": "shop.order.created", "region": "eu"}}]),
        json!([{"prefix": {"source": "/shop/"}}]),
        json!([{"suffix": {"type": ".created"}}]),
        json!([{"exact": {"priority": "5"}}]),
        json!([{"not": {"exact": {"region": "us"}}}]),
        json!([{"any": [{"exact": {"region": "us"}}, {"exact": {"region": "eu"}}]}]),
        json!([{"all": [{"prefix": {"subject": "gold"}}, {"cesql": "priority > 3"}]}]),
        json!([{"cesql": "NOT EXISTS missing OR missing != 'b'"}]),
    ];
    for f in pass {
        assert_eq!(result(f.clone(), &e), Outcome::Pass, "{f}");
    }
    let fail = [
        json!([{"exact": {"type": "shop.order.created"}}, {"exact": {"region": "us"}}]),
        json!([{"exact": {"missing": "x"}}]),
        json!([{"prefix": {"missing": "x"}}]),
        json!([{"suffix": {"type": ".deleted"}}]),
        json!([{"not": {"prefix": {"source": "/shop"}}}]),
        json!([{"any": [{"exact": {"region": "us"}}, {"exact": {"region": "ap"}}]}]),
        json!([{"cesql": "missing != 'b'"}]),
        json!([{"cesql": "'true'"}]),
    ];
    for f in fail {
        assert_eq!(result(f.clone(), &e), Outcome::Fail, "{f}");
    }
}

#[test]
fn no_filter_results_follow_knative() {
    let e = order(None);
    // Every element skipped: nothing decides, the event passes.
    assert_eq!(result(json!([{}]), &e), Outcome::NoFilter);
    // `any` returns its last element's result: here "no filter".
    assert_eq!(
        result(
            json!([{"any": [{"exact": {"region": "us"}}, {"not": {}}]}]),
            &e
        ),
        Outcome::NoFilter
    );
    // …and with the skipped element first, the failing one decides.
    assert_eq!(
        result(
            json!([{"any": [{"not": {}}, {"exact": {"region": "us"}}]}]),
            &e
        ),
        Outcome::Fail
    );
}

#[test]
fn legacy_attributes() {
    let t = |attrs: Value| {
        triggers(&[(
            "t",
            json!({"broker": "shop", "filter": {"attributes": attrs},
                                 "subscriber": {"uri": "http://x.example/"}}),
        )])
    };
    let gold = order(Some("gold"));
    let none = order(None);
    let empty = order(Some(""));
    let check = |attrs: Value, e: &Event| outcome(&t(attrs)[0].filter, e);
    assert_eq!(
        check(json!({"type": "shop.order.created"}), &gold),
        Outcome::Pass
    );
    assert_eq!(
        check(json!({"type": "shop.order.deleted"}), &gold),
        Outcome::Fail
    );
    assert_eq!(check(json!({"subject": ""}), &gold), Outcome::Pass);
    assert_eq!(check(json!({"subject": ""}), &none), Outcome::Fail);
    assert_eq!(check(json!({"subject": ""}), &empty), Outcome::Fail);
    assert_eq!(check(json!({}), &none), Outcome::Pass);
}

#[test]
fn deliveries_in_trigger_name_order_on_the_right_broker() {
    let uri = |w: &str| format!("http://air-runtime.air-system.svc.cluster.local/workflows/{w}");
    let ts = triggers(&[
        (
            "zeta",
            json!({"broker": "shop", "subscriber": {"uri": uri("z")}}),
        ),
        (
            "alpha",
            json!({"broker": "shop", "filter": {"attributes": {"type": "shop.order.created"}},
                         "subscriber": {"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "fn"}},
                         "delivery": {"retry": 2}}),
        ),
        (
            "mid",
            json!({"broker": "shop", "filter": {"attributes": {"type": "other"}},
                       "subscriber": {"uri": uri("m")}}),
        ),
        (
            "beta",
            json!({"broker": "elsewhere", "subscriber": {"uri": uri("b")}}),
        ),
    ]);
    let got = route(&ts, "shop", "shop", &order(None));
    let Ok(got) = got else { panic!("{got:?}") };
    let names: Vec<(&str, &str)> = got
        .iter()
        .map(|d| (d.trigger.as_str(), d.subscriber.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("alpha", "http://fn.shop.svc.cluster.local"),
            ("zeta", uri("z").as_str()),
        ]
    );
    assert_eq!(got[0].delivery, Some(json!({"retry": 2})));
    assert_eq!(
        route(&ts, "other-ns", "shop", &order(None)).map(|d| d.len()),
        Ok(0)
    );
}

#[test]
fn an_unresolvable_subscriber_is_an_error_only_when_it_receives() {
    let ts = triggers(&[(
        "to-channel",
        json!({"broker": "shop", "filter": {"attributes": {"type": "x"}},
               "subscriber": {"ref": {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "c"}}}),
    )]);
    assert_eq!(
        route(&ts, "shop", "shop", &order(None)).map(|d| d.len()),
        Ok(0)
    );
    let mut e = order(None);
    e.insert("type".into(), "x".into());
    assert!(route(&ts, "shop", "shop", &e).is_err());
}
