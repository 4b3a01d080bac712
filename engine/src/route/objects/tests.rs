use super::{Destination, Filter, KRef, ObjectError, TriggerFilter, read};
use serde_json::{Value, json};

fn trigger(spec: Value) -> Value {
    json!({
        "apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
        "metadata": {"name": "t", "namespace": "shop", "annotations": {"air.dev/where": ".x == 1"}},
        "spec": spec
    })
}

fn read_one_trigger(spec: Value) -> Result<super::Trigger, ObjectError> {
    read(&[trigger(spec)]).map(|o| {
        o.triggers
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no trigger"))
    })
}

const SUB: &str = "http://air-runtime.air-system.svc.cluster.local/workflows/w";

/// The objects the compiler emits for one app (shapes of
/// compiler/src/lower/knative/*.rs).
fn compiled() -> Vec<Value> {
    vec![
        json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
               "metadata": {"name": "shop", "namespace": "shop",
                            "annotations": {"eventing.knative.dev/broker.class": "MTChannelBasedBroker"}},
               "spec": {"config": {"apiVersion": "v1", "kind": "ConfigMap",
                                   "name": "config-br-default-channel", "namespace": "knative-eventing"}}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "fulfil-order-workflow", "namespace": "shop",
                            "labels": {"app.kubernetes.io/component": "workflow",
                                       "app.kubernetes.io/name": "fulfil-order"},
                            "annotations": {"air.dev/source": "shop.air#workflow/fulfil_order"}},
               "data": {"workflow.sw.yaml": "document:\n  dsl: 1.0.3\n"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "other", "namespace": "shop"}, "data": {"x": "y"}}),
        json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
               "metadata": {"name": "fn", "namespace": "shop"}, "spec": {}}),
        json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
               "metadata": {"name": "fulfil-order-on-order-created", "namespace": "shop",
                            "labels": {"eventing.knative.dev/broker": "shop"}},
               "spec": {"broker": "shop",
                        "filter": {"attributes": {"type": "shop.order.created"}},
                        "filters": [{"exact": {"type": "shop.order.created"}},
                                    {"cesql": "subject LIKE 'gold%'"}],
                        "subscriber": {"uri": SUB}}}),
        json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
               "metadata": {"name": "fn-on-order-created", "namespace": "shop"},
               "spec": {"broker": "shop",
                        "filter": {"attributes": {"type": "shop.order.created"}},
                        "subscriber": {"ref": {"apiVersion": "serving.knative.dev/v1",
                                               "kind": "Service", "name": "fn", "namespace": "shop"}},
                        "delivery": {"retry": 3}}}),
        json!({"apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
               "metadata": {"name": "fulfil-order-schedule", "namespace": "shop"},
               "spec": {"schedule": "0 3 * * *", "timezone": "Europe/Paris", "sink": {"uri": SUB}}}),
    ]
}

#[test]
fn reads_what_the_compiler_emits() {
    let objs = match read(&compiled()) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(objs.brokers.len(), 1);
    assert_eq!(objs.brokers[0].meta.name, "shop");
    assert_eq!(objs.workflows.len(), 1);
    assert_eq!(objs.workflows[0].workflow, "fulfil-order");
    assert_eq!(objs.workflows[0].document, "document:\n  dsl: 1.0.3\n");
    assert_eq!(
        objs.workflows[0]
            .meta
            .annotations
            .get("air.dev/source")
            .map(String::as_str),
        Some("shop.air#workflow/fulfil_order")
    );
    assert_eq!(objs.triggers.len(), 2);
    let wf = &objs.triggers[0];
    let TriggerFilter::Filters(filters) = &wf.filter else {
        panic!("`filters` wins over `filter`: {:?}", wf.filter)
    };
    assert!(
        matches!(&filters[0], Filter::Exact(m) if m.get("type").map(String::as_str) == Some("shop.order.created"))
    );
    assert!(
        matches!(&filters[1], Filter::Cesql { source, .. } if source == "subject LIKE 'gold%'")
    );
    assert_eq!(wf.subscriber.resolve().as_deref(), Ok(SUB));
    let f = &objs.triggers[1];
    assert!(matches!(&f.filter, TriggerFilter::Attributes(a) if a.len() == 1));
    assert_eq!(
        f.subscriber,
        Destination {
            reference: Some(KRef {
                api_version: "serving.knative.dev/v1".into(),
                kind: "Service".into(),
                name: "fn".into(),
                namespace: "shop".into()
            }),
            uri: None
        }
    );
    assert_eq!(
        f.subscriber.resolve().as_deref(),
        Ok("http://fn.shop.svc.cluster.local")
    );
    assert_eq!(f.delivery, Some(json!({"retry": 3})));
    assert_eq!(objs.triggers_of("shop", "shop").count(), 2);
    assert_eq!(objs.triggers_of("other", "shop").count(), 0);
    assert_eq!(objs.ping_sources.len(), 1);
    assert_eq!(
        objs.ping_sources[0].timezone.as_deref(),
        Some("Europe/Paris")
    );
}

#[test]
fn refuses_what_the_webhooks_refuse() {
    let sub = json!({"uri": SUB});
    let cases = [
        json!({"subscriber": sub}),
        json!({"broker": "b"}),
        json!({"broker": "b", "subscriber": {"uri": "/relative"}}),
        json!({"broker": "b", "subscriber": sub, "filters": [{"exact": {"type": "a"}, "prefix": {"source": "b"}}]}),
        json!({"broker": "b", "subscriber": sub, "filters": [{"cesql": "a = "}]}),
        json!({"broker": "b", "subscriber": sub, "filters": [{"exact": {"Type": "a"}}]}),
        json!({"broker": "b", "subscriber": sub, "filters": [{"regex": {"type": "a"}}]}),
        json!({"broker": "b", "subscriber": sub, "filters": {"exact": {}}}),
        json!({"broker": "b", "subscriber": sub, "filter": {"attributes": {"type": 3}}}),
        json!({"broker": "b", "subscriber": sub, "filters": [{"all": [{"not": {"cesql": "("}}]}]}),
    ];
    for spec in cases {
        let e = read_one_trigger(spec.clone()).err();
        assert!(
            e.as_ref().is_some_and(|e| e.object == "Trigger shop/t"),
            "{spec}: {e:?}"
        );
    }
    let e = read(&[json!("x")]).err();
    assert_eq!(e.map(|e| e.object), Some("object #1".to_string()));
    let e = read(&[json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "w-workflow", "labels": {"app.kubernetes.io/component": "workflow"}}})])
    .err();
    assert_eq!(
        e.map(|e| e.object),
        Some("ConfigMap default/w-workflow".to_string())
    );
    let ping = |spec: Value| {
        read(&[
            json!({"apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
                      "metadata": {"name": "p", "namespace": "n"}, "spec": spec}),
        ])
    };
    assert!(ping(json!({"schedule": "61 * * * *", "sink": sub})).is_err());
    assert!(
        ping(json!({"schedule": "* * * * *", "timezone": "Nowhere/City", "sink": sub})).is_err()
    );
    assert!(ping(json!({"data": "a", "dataBase64": "YQ==", "sink": sub})).is_err());
    assert!(ping(json!({"dataBase64": "!!", "sink": sub})).is_err());
    let ok = ping(json!({"sink": sub}));
    assert_eq!(
        ok.map(|o| o.ping_sources[0].schedule.clone())
            .ok()
            .as_deref(),
        Some("* * * * *")
    );
}

#[test]
fn elements_the_broker_cannot_build_are_dropped() {
    let t = read_one_trigger(json!({
        "broker": "b", "subscriber": {"uri": SUB},
        "filters": [{}, {"exact": {"type": ""}}, {"suffix": {"type": ".created"}}, {"not": {}}]
    }));
    let Ok(t) = t else { panic!("{t:?}") };
    assert_eq!(
        t.filter,
        TriggerFilter::Filters(vec![
            Filter::Suffix([("type".to_string(), ".created".to_string())].into()),
            Filter::Not(Box::new(Filter::Skip)),
        ])
    );
}

#[test]
fn subscriber_refs() {
    let t = read_one_trigger(json!({
        "broker": "b",
        "subscriber": {"ref": {"apiVersion": "v1", "kind": "Service", "name": "svc"}, "uri": "/hook"}
    }));
    let Ok(t) = t else { panic!("{t:?}") };
    assert_eq!(
        t.subscriber.resolve().as_deref(),
        Ok("http://svc.shop.svc.cluster.local/hook")
    );
    let t = read_one_trigger(json!({
        "broker": "b",
        "subscriber": {"ref": {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "c"}}
    }));
    let Ok(t) = t else { panic!("{t:?}") };
    assert!(t.subscriber.resolve().is_err());
}
