//! The parser never panics: arbitrary bytes, mutations of valid programs,
//! deep nesting and huge inputs all end in an AST or a diagnostic. Nor do
//! the other readers of untrusted input (the entry points of the fuzz
//! targets in fuzz/, docs/testing.md): a whole `air check` of one file,
//! air.toml, the reconciler's TOML, the `AirApp` resource, and the objects
//! read back from the cluster that `plan`, `fields`, `drift` and `health`
//! compare.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::Code;
use air_compiler::testgen::{generate_app, nested_ifs, nested_lists};
use air_compiler::{Diagnostics, FileId};
use proptest::prelude::*;

fn parse(text: &str) -> (air_compiler::ast::File, Diagnostics) {
    let mut d = Diagnostics::new();
    let f = air_compiler::parse::parse_file(FileId(0), text, &mut d);
    (f, d)
}

/// Every span of every diagnostic lies inside the text, on char boundaries.
fn spans_in_bounds(text: &str, d: &Diagnostics) {
    for diag in d.iter() {
        for l in &diag.labels {
            assert!(l.span.end as usize <= text.len(), "{diag:?}");
            assert!(l.span.start <= l.span.end, "{diag:?}");
            assert!(text.is_char_boundary(l.span.start as usize), "{diag:?}");
            assert!(text.is_char_boundary(l.span.end as usize), "{diag:?}");
        }
    }
}

/// Edits of a text: (where, what, a character). See [`mutate`].
type Edit = (prop::sample::Index, u8, char);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..6)
}

/// `seed` with `edits` applied: a character removed, inserted or replaced,
/// or a short slice duplicated (a common copy-paste slip).
fn mutate(seed: &str, edits: &[Edit]) -> String {
    let mut text: Vec<char> = seed.chars().collect();
    for (at, op, c) in edits {
        if text.is_empty() {
            break;
        }
        let i = at.index(text.len());
        match op {
            0 => {
                text.remove(i);
            }
            1 => text.insert(i, *c),
            2 => text[i] = *c,
            _ => {
                let end = (i + 12).min(text.len());
                let slice: Vec<char> = text[i..end].to_vec();
                for (k, ch) in slice.into_iter().enumerate() {
                    text.insert(end + k, ch);
                }
            }
        }
    }
    text.into_iter().collect()
}

const SEED: &str = r#"/// Doc.
type Item { sku: string  qty?: integer }
type Currency = "EUR" | "USD"
event OrderCreated { type = "x.y" data { id: string items: [Item] } }
param tag: string = "1" + params.other
function f { image = "i:" + params.tag  env { A: "b" } on OrderCreated where ${ .data.id != "}" } }
workflow w {
  on schedule "0 2 * * *" tz "Europe/Berlin"
  timeout = 1h30m
  a: call f { x: ${ { y: "\(.z)" } }, "k": [1, -2.5, 1e9, true, null] } retry 3 backoff linear 1s max 1m
  if ${ .a } { wait 5m } else if ${ .b } { set { q: 1 } } else { return }
  switch { case ${ .c } => a  else => end }
  parallel { branch p { emit OrderCreated ${ . } } }
  for x, i in ${ .xs } while ${ $i < 2 } { run w }
  try { call f } catch timeout as e retry 2 { fail E "d\n\u{41}" }
  s: wait for all(A, b.B) correlate id = ${ .id } timeout 2d
  /* block /* nested */ */
  return """
    text
    """
}
test "t" {
  send OrderCreated { id: "o" } with { subject: "s" } after 5m
  mock call f POST "/x/{id}" where ${ .a } => 402 { r: 1 } after 2s then 200 42
  expect no emit OrderCreated
  expect call f { a: 1 } times 2
  expect workflow w fails timeout status 408
  expect order { emit OrderCreated  call f ${ .x } }
  start w  tick w  advance 1d  allow emit OrderCreated
}
"#;

#[test]
fn seed_is_valid() {
    let (f, d) = parse(SEED);
    assert!(d.is_empty(), "{:#?}", d.into_vec());
    assert_eq!(f.items.len(), 6);
    assert_eq!(f.tests.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (_, d) = parse(&text);
        spans_in_bounds(&text, &d);
    }

    #[test]
    fn arbitrary_tokens_never_panic(
        parts in proptest::collection::vec(
            prop::sample::select(vec![
                "{", "}", "[", "]", "(", ")", "${", "\"", "\"\"\"", "/*", "*/", "//", "///",
                "\n", " ", ":", "=", "=>", ",", "+", "?", "|", "<", ">", ".", "\\", "\\(",
                "workflow", "w", "call", "on", "http", "if", "else", "for", "in", "try",
                "catch", "retry", "3", "1h", "type", "event", "data", "string", "params",
                "secret", "switch", "case", "parallel", "branch", "wait", "emit", "return",
            ]),
            0..80,
        )
    ) {
        let text = parts.concat();
        let (_, d) = parse(&text);
        spans_in_bounds(&text, &d);
    }

    #[test]
    fn mutations_of_a_valid_program_never_panic(edits in edits()) {
        let text = mutate(SEED, &edits);
        let (_, d) = parse(&text);
        spans_in_bounds(&text, &d);
    }
}

#[test]
fn very_deep_nesting_ends_in_a_diagnostic() {
    for text in [
        nested_lists(10_000),
        nested_ifs(10_000),
        format!("workflow w {{ set ${{ {} }} }}", "(".repeat(10_000)),
        format!(
            "param p: {}string{}",
            "map<".repeat(10_000),
            ">".repeat(10_000)
        ),
        "{".repeat(10_000),
    ] {
        let (_, d) = parse(&text);
        assert!(
            d.iter().any(|d| d.code == Code::E0105),
            "{:?}",
            d.iter().map(|d| d.code).collect::<Vec<_>>()
        );
    }
}

#[test]
fn nesting_up_to_the_limit_parses_or_reports() {
    // At the limit the parser must either succeed or say why; it must not
    // overflow the (2 MiB) test thread stack.
    let depth = air_compiler::parse::MAX_DEPTH - 1;
    let (f, d) = parse(&nested_ifs(depth));
    assert!(d.is_empty() || d.has_errors());
    assert!(!f.items.is_empty() || d.has_errors());
    let (_, d) = parse(&nested_lists(depth));
    assert!(d.is_empty(), "{:#?}", d.into_vec());
}

#[test]
fn ten_megabytes_parse() {
    let mut text = generate_app(10_000);
    while text.len() < 10_000_000 {
        text.push_str("// padding comment to reach ten megabytes of input\n");
    }
    let (f, d) = parse(&text);
    assert!(d.is_empty(), "{:#?}", d.into_vec());
    assert!(f.items.len() > 10_000);
}

#[test]
fn ten_megabytes_of_garbage_end_in_diagnostics() {
    let garbage = "x = @ ! ~ ".repeat(1_000_000);
    let (_, d) = parse(&garbage);
    assert!(d.has_errors());
    let braces = "{ ".repeat(5_000_000);
    let (_, d) = parse(&braces);
    assert!(d.has_errors());
    let workflows = "workflow w { cal x }\n".repeat(500_000);
    let (_, d) = parse(&workflows);
    assert!(d.has_errors());
}

// The other entry points of untrusted input, each also a fuzz target
// (fuzz/fuzz_targets). Fewer cases: each runs a whole stage.

/// A whole `air check` (parse, resolve, check, the lowering's
/// diagnostics) of `text` as the one file of an app under `manifest`;
/// every diagnostic points inside a file that was read.
fn check_app(manifest: &str, text: &str) {
    let provider =
        air_compiler::source::MemProvider::single("app", manifest, &[("app/app.air", text)]);
    for env in [None, Some("prod".to_string())] {
        let opts = air_compiler::CompileOptions {
            app_dir: "app".into(),
            env,
        };
        let c = air_compiler::compile::check(&provider, &opts);
        for d in c.diagnostics.iter() {
            for l in &d.labels {
                let file = c.sources.get(l.span.file).map(|f| f.text.as_str());
                let file = file.unwrap_or_else(|| panic!("no such file: {d:?}"));
                assert!(l.span.end as usize <= file.len(), "{d:?}");
                assert!(file.is_char_boundary(l.span.start as usize), "{d:?}");
                assert!(file.is_char_boundary(l.span.end as usize), "{d:?}");
            }
        }
    }
}

const MANIFEST: &str = r#"[app]
name = "shop"
namespace = "shop"

[params]
tag = "1.0"
other = "x"

[broker]
name = "default"
external = false

[env.prod]
namespace = "shop-prod"

[env.prod.params]
tag = "2.0"
"#;

const RECONCILE_CONFIG: &str = r#"listen = "127.0.0.1:9090"
cache_dir = "/var/cache/air"
webhook_secret_env = "AIR_WEBHOOK_SECRET"
allowed_hosts = ["air.example.com"]
api_token_env = "AIR_API_TOKEN"
airapp_namespace = "air-system"

[[notify]]
url = "https://hooks.example.com/air"
reasons = ["ApplyFailed"]

[[app]]
name = "shop"
repo = "https://git.example.com/shop.git"
branch = "main"
path = "apps/shop"
env = "prod"
interval = "1m30s"
timeout = "45s"
prune = true
self_heal = false
token_env = "GIT_TOKEN"

[[app]]
name = "orders"
repo = "git@git.example.com:org/orders.git"
semver = ">=1.2, <2"
ssh_key = "/etc/air/ssh/id_ed25519"
known_hosts = "/etc/air/ssh/known_hosts"
"#;

const AIRAPP: &str = r#"{"apiVersion":"air.dev/v1alpha1","kind":"AirApp","metadata":{"name":"orders","namespace":"air-system"},"spec":{"repo":"ssh://git@git.example.com/org/orders.git","semver":">=1.2.0, <2","path":".","env":"prod","namespace":"orders-prod","interval":"5m","timeout":"2m","prune":true,"selfHeal":true,"sshKey":"/etc/air/ssh/id","knownHosts":"/etc/air/known_hosts"}}"#;

/// JSON of the shape Kubernetes objects have, built from the words the
/// reconciler looks at, so that generated values reach its comparisons.
fn object_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let word = prop::sample::select(vec![
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "namespace",
        "labels",
        "annotations",
        "managedFields",
        "manager",
        "air",
        "fieldsV1",
        "f:spec",
        "f:metadata",
        "f:labels",
        "spec",
        "status",
        "conditions",
        "type",
        "Ready",
        "True",
        "False",
        "data",
        "inventory.json",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/part-of",
        "air.dev/digest",
        "Service",
        "ConfigMap",
        "Trigger",
        "v1",
        "serving.knative.dev/v1",
        "app",
        "deletionTimestamp",
        "generation",
        "observedGeneration",
        "k:{\"name\":\"x\"}",
        ".",
        "",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        word.clone().prop_map(|w| Value::String(w.to_string())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((word.clone(), inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// A valid object, its live copy with a generated part grafted in.
fn graft(base: &serde_json::Value, path: &[&str], part: serde_json::Value) -> serde_json::Value {
    let mut v = base.clone();
    let mut at = &mut v;
    for key in path {
        if !at.is_object() {
            *at = serde_json::json!({});
        }
        at = at
            .as_object_mut()
            .map(|m| m.entry(key.to_string()).or_insert(serde_json::Value::Null))
            .unwrap();
    }
    *at = part;
    v
}

/// Everything the reconciler does with a desired and a live object.
fn compare_objects(desired: &serde_json::Value, live: &serde_json::Value) {
    use air_reconciler::object::ObjectRef;
    use air_reconciler::plan::{Inventory, PlanOptions, plan};
    let _ = air_reconciler::fields::diff_owned(desired, live);
    let _ = air_reconciler::drift::detect("app", desired, Some(live));
    let _ = air_reconciler::health::assess(Some(live));
    let mut inventory: Inventory = live
        .pointer("/data/inventory.json")
        .and_then(serde_json::Value::as_str)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let mut live_map = std::collections::BTreeMap::new();
    if let Some(r) = ObjectRef::of(desired) {
        live_map.insert(r, live.clone());
    }
    if let Some(r) = ObjectRef::of(live) {
        inventory.objects.insert(r.clone());
        live_map.insert(r, live.clone());
    }
    let desired = [desired.clone()];
    for (wanted, allow_prune_all) in [(&desired[..], false), (&[][..], true)] {
        let opts = PlanOptions {
            prune: true,
            allow_prune_all,
        };
        let p = plan("app", "app", wanted, &live_map, &inventory, opts);
        serde_json::to_string(&p).unwrap();
    }
}

const SERVICE: &str = r#"{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"f","namespace":"app","labels":{"app.kubernetes.io/managed-by":"air","app.kubernetes.io/part-of":"app"},"annotations":{"air.dev/digest":"abc"}},"spec":{"template":{"spec":{"containers":[{"name":"user-container","image":"r/f:1","env":[{"name":"A","value":"b"}]}]}}}}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn checking_a_mutated_program_never_panics(edits in edits()) {
        check_app(MANIFEST, &mutate(SEED, &edits));
    }

    #[test]
    fn checking_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        check_app(MANIFEST, &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn a_mutated_air_toml_never_panics(edits in edits()) {
        let manifest = mutate(MANIFEST, &edits);
        let mut d = air_compiler::Diagnostics::new();
        let _ = air_compiler::manifest::parse_manifest(FileId(0), &manifest, Some("prod"), true, &mut d);
        spans_in_bounds(&manifest, &d);
        check_app(&manifest, "param tag: string = \"1\"\nparam other: string = \"y\"\n");
    }

    #[test]
    fn a_mutated_reconciler_config_never_panics(edits in edits()) {
        let text = mutate(RECONCILE_CONFIG, &edits);
        if let Err(e) = air_reconciler::config::parse(&text) {
            prop_assert!(!e.errors.is_empty());
            let _ = e.to_string();
        }
    }

    #[test]
    fn a_mutated_airapp_never_panics(edits in edits()) {
        let text = mutate(AIRAPP, &edits);
        if let Ok(app) = serde_json::from_str::<air_reconciler::airapp::AirApp>(&text) {
            let name = app.metadata.name.clone().unwrap_or_default();
            let _ = app.spec.to_app_config(&name, "air-system");
        }
    }

    #[test]
    fn an_arbitrary_airapp_spec_never_panics(
        spec in object_json(),
        strings in proptest::collection::vec((
            prop::sample::select(vec![
                "repo", "branch", "tag", "semver", "commit", "path", "env", "namespace",
                "interval", "timeout", "tokenEnv", "tokenUser", "sshKey", "knownHosts",
            ]),
            ".{0,16}",
        ), 0..6),
    ) {
        // Arbitrary values under the spec's own keys, on top of a valid spec.
        let mut v: serde_json::Value = serde_json::from_str(AIRAPP).unwrap();
        for (k, s) in strings {
            v["spec"][k] = serde_json::Value::String(s);
        }
        for candidate in [v, serde_json::json!({ "metadata": { "name": "a" }, "spec": spec })] {
            if let Ok(app) = serde_json::from_value::<air_reconciler::airapp::AirApp>(candidate) {
                let _ = app.spec.to_app_config("app", "air-system");
            }
        }
    }

    #[test]
    fn objects_read_back_from_the_cluster_never_panic(
        desired in object_json(),
        live in object_json(),
        part in object_json(),
        at in prop::sample::select(vec![
            vec!["metadata"], vec!["metadata", "labels"], vec!["metadata", "managedFields"],
            vec!["metadata", "annotations"], vec!["spec"], vec!["spec", "template", "spec"],
            vec!["status"], vec!["status", "conditions"], vec!["data"], vec!["kind"],
        ]),
    ) {
        let service: serde_json::Value = serde_json::from_str(SERVICE).unwrap();
        let grafted = graft(&service, &at, part);
        compare_objects(&desired, &live);
        compare_objects(&service, &grafted);
        compare_objects(&grafted, &service);
    }
}

#[test]
fn the_other_seeds_are_valid() {
    // The mutations above start from valid inputs, so they reach past the
    // first error.
    let mut d = Diagnostics::new();
    let m = air_compiler::manifest::parse_manifest(FileId(0), MANIFEST, Some("prod"), true, &mut d);
    assert!(m.is_some() && !d.has_errors(), "{:#?}", d.into_vec());
    let config = air_reconciler::config::parse(RECONCILE_CONFIG).unwrap();
    assert_eq!(config.apps.len(), 2);
    let app: air_reconciler::airapp::AirApp = serde_json::from_str(AIRAPP).unwrap();
    app.spec.to_app_config("orders", "air-system").unwrap();
    let service: serde_json::Value = serde_json::from_str(SERVICE).unwrap();
    assert!(air_reconciler::object::ObjectRef::of(&service).is_some());
}
