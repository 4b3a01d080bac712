//! Loading and imports end to end: real `.air` text through the parser,
//! apps served by an in-memory repository.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::codes::Code;
use crate::model::DeclKind;
use crate::source::{AppFiles, MemProvider};

fn toml(name: &str) -> String {
    format!("[app]\nname = \"{name}\"\nnamespace = \"{name}\"\n")
}

fn run(
    p: &MemProvider,
    dir: &str,
    env: Option<&str>,
) -> (Option<Program>, SourceMap, Vec<crate::Diagnostic>) {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let opts = CompileOptions {
        app_dir: dir.into(),
        env: env.map(str::to_string),
    };
    let program = resolve(p, &opts, &mut sources, &mut diags);
    (program, sources, diags.into_vec())
}

fn codes(d: &[crate::Diagnostic]) -> Vec<Code> {
    d.iter().map(|d| d.code).collect()
}

#[test]
fn diamond_imports_load_each_app_once_root_first() {
    let mut p = MemProvider::default();
    p.insert(
        "apps/shop",
        &toml("shop"),
        &[(
            "main.air",
            "import \"../common\" as common\nimport \"../../lib/money\" as money\n\
             workflow w {\n  on common.Settled\n  set { total: ${ .data.total } }\n}\n\
             type Line { price: money.Money }\nparam line: Line = { price: { amount: 1 } }\n\
             workflow v { on http\n set { l: params.line } }\n",
        )],
    );
    p.insert(
        "apps/common",
        &toml("common"),
        &[(
            "events.air",
            "import \"../../lib/money\" as money\nextern event Settled { data { total: money.Money } }\n",
        )],
    );
    p.insert(
        "lib/money",
        &toml("money"),
        &[("t.air", "type Money { amount: number }\n")],
    );
    let (program, _, d) = run(&p, "apps/shop", None);
    assert!(d.is_empty(), "{d:?}");
    let program = program.unwrap();
    let dirs: Vec<&str> = program.apps.iter().map(|a| a.dir.as_str()).collect();
    assert_eq!(dirs, vec!["apps/shop", "apps/common", "lib/money"]);
    assert_eq!(program.apps[0].imports["common"], 1);
    assert_eq!(program.apps[0].imports["money"], 2);
    assert_eq!(program.apps[1].imports["money"], 2);
    assert_eq!(
        program.apps[0].params["line"].value,
        serde_json::json!({"price": {"amount": 1}})
    );
    assert_eq!(program.apps[0].manifest.name, "shop");
    assert!(program.apps[0].manifest_file.is_some());
}

#[test]
fn import_cycle_names_every_app() {
    let mut p = MemProvider::default();
    p.insert("a", &toml("a"), &[("m.air", "import \"../b\" as b\n")]);
    p.insert("b", &toml("b"), &[("m.air", "import \"../c\" as c\n")]);
    p.insert("c", &toml("c"), &[("m.air", "import \"../a\" as a\n")]);
    let (_, sources, d) = run(&p, "a", None);
    assert_eq!(codes(&d), vec![Code::E0211]);
    assert_eq!(d[0].message, "import cycle: a → b → c → a");
    let span = d[0].primary_span().unwrap();
    assert_eq!(sources.path(span.file), "c/m.air");
    assert_eq!(d[0].labels.len(), 3);
}

#[test]
fn self_import_is_a_cycle() {
    let p = MemProvider::single("a", &toml("a"), &[("m.air", "import \".\" as me\n")]);
    let (_, _, d) = run(&p, "a", None);
    assert_eq!(codes(&d), vec![Code::E0211]);
    assert_eq!(d[0].message, "import cycle: a → a");
}

#[test]
fn imports_must_stay_inside_and_exist() {
    let p = MemProvider::single(
        "a",
        &toml("a"),
        &[(
            "m.air",
            "import \"../../x\" as x\nimport \"../nope\" as nope\nimport \"/etc\" as etc\n",
        )],
    );
    let (program, _, d) = run(&p, "a", None);
    assert_eq!(codes(&d), vec![Code::E0209, Code::E0210, Code::E0209]);
    assert!(program.unwrap().apps[0].imports.is_empty());
}

#[test]
fn missing_manifest_and_missing_root() {
    let mut p = MemProvider::default();
    p.apps.insert(
        "a".into(),
        AppFiles {
            dir: "a".into(),
            manifest: None,
            sources: vec![("a/m.air".into(), "type T { x: string }\n".into())],
        },
    );
    let (program, _, d) = run(&p, "a", None);
    assert_eq!(codes(&d), vec![Code::E0200]);
    assert!(d[0].message.contains("`a`"));
    assert!(d[0].help.is_some());
    // The files were still parsed and resolved.
    assert_eq!(program.unwrap().apps[0].files.len(), 1);

    let (program, _, d) = run(&p, "b", None);
    assert!(program.is_none());
    assert_eq!(codes(&d), vec![Code::E0219]);
}

#[test]
fn env_selects_param_values() {
    let manifest = "[app]\nname = \"a\"\nnamespace = \"a\"\n[params]\ntag = \"1\"\n\
                    [env.prod]\nnamespace = \"a-prod\"\n[env.prod.params]\ntag = \"2\"\n";
    let text = "param tag: string\nparam n: integer = 3\nworkflow w { on http\n set { t: params.tag, n: params.n } }\n";
    let p = MemProvider::single("a", manifest, &[("m.air", text)]);
    let (program, _, d) = run(&p, "a", Some("prod"));
    assert!(d.is_empty(), "{d:?}");
    let app = &program.unwrap().apps[0];
    assert_eq!(app.manifest.namespace, "a-prod");
    assert_eq!(app.params["tag"].value, serde_json::json!("2"));
    assert_eq!(app.params["n"].value, serde_json::json!(3));

    let (_, _, d) = run(&p, "a", Some("staging"));
    assert_eq!(codes(&d), vec![Code::E0225]);
}

/// Declarations built from a small pool of names, so duplicates, collisions,
/// unknown and cross-kind references, imports and cycles all occur.
fn decl() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let name = prop::sample::select(vec!["A", "a", "Ab", "a_b", "AB", "wait", "x1"]);
    let dir = prop::sample::select(vec![".", "../b", "../c", "../../z", "../a"]);
    (0..10usize, name.clone(), name, dir).prop_map(|(k, n, m, d)| match k {
        0 => format!("type {n} {{ f: {m}  g?: [{m}] }}\n"),
        1 => format!("event {n} {{ data {{ f: {m} }} }}\n"),
        2 => format!("error {n} {{ status = 500 }}\n"),
        3 => format!("param {n}: {m} = params.{m}\n"),
        4 => format!("function {n} {{ image = \"r/i:1\"  on {m} }}\n"),
        5 => format!("service {n} {{ url = \"http://x\" }}\n"),
        6 => format!(
            "workflow {n} {{\n on {m}\n {n}: call {m}\n emit {m}\n run {m}\n try {{ fail {m} }} catch {m} {{ wait for i.{m} }}\n}}\n"
        ),
        7 => format!("import \"{d}\" as i\n"),
        8 => format!("type {n} = i.{m}\n"),
        _ => format!("workflow {n} {{ on http\n set {{ v: params.{m} }} }}\n"),
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Resolving any mix of declarations across three apps never panics,
    /// and the root is always app 0.
    #[test]
    fn resolve_never_panics(
        a in proptest::collection::vec(decl(), 0..8),
        b in proptest::collection::vec(decl(), 0..4),
        c in proptest::collection::vec(decl(), 0..4),
        params in "[a-zA-Z_]{1,3}",
    ) {
        let mut p = MemProvider::default();
        let manifest = format!("[app]\nname = \"a\"\nnamespace = \"a\"\n[params]\n{params} = 1\n");
        p.insert("a", &manifest, &[("m.air", &a.concat())]);
        p.insert("b", &toml("b"), &[("m.air", &b.concat())]);
        p.insert("c", &toml("c"), &[("m.air", &c.concat())]);
        let (program, _, _) = run(&p, "a", None);
        let program = program.unwrap();
        proptest::prop_assert_eq!(program.apps[0].dir.as_str(), "a");
    }
}

#[test]
fn syntax_errors_stop_before_names() {
    let p = MemProvider::single(
        "a",
        &toml("a"),
        &[
            (
                "bad.air",
                "workflow w {\n  on http\n  call resize retry 99999999999\n}\n",
            ),
            ("good.air", "workflow v { on Nope }\n"),
        ],
    );
    let (program, _, d) = run(&p, "a", None);
    assert!(!d.is_empty());
    assert!(
        d.iter().all(|d| d.code.as_str().starts_with("E01")),
        "{d:?}"
    );
    let program = program.unwrap();
    assert!(program.apps[0].lookup(DeclKind::Workflow, "v").is_some());
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_text() {
    let bom = crate::source::BYTE_ORDER_MARK;
    let p = MemProvider::single(
        "a",
        &format!("{bom}{}", toml("a")),
        &[(
            "m.air",
            &format!("{bom}workflow w {{\n  on http\n  return {{ ok: true }}\n}}\n"),
        )],
    );
    let (program, sources, d) = run(&p, "a", None);
    assert!(d.is_empty(), "{d:?}");
    assert!(program.is_some());
    let Some(file) = sources.get(crate::span::FileId(1)) else {
        panic!("m.air not in the source map");
    };
    assert!(file.text.starts_with("workflow"));
}
