//! Unit tests of name resolution over hand-built syntax trees (the
//! fixtures under tests/fixtures exercise the same checks from `.air` text).

#![allow(clippy::unwrap_used)]

use super::*;
use crate::ast::*;
use crate::codes::Code;
use crate::manifest::TomlParam;
use crate::model::{AppUnit, DeclKind};
use crate::span::{FileId, Span};
use std::collections::BTreeMap;

/// Spans encode a "line" in `start` so tests can tell diagnostics apart.
fn sp(n: u32) -> Span {
    Span {
        file: FileId(0),
        start: n,
        end: n + 1,
    }
}

fn id(name: &str, n: u32) -> Ident {
    Ident {
        name: name.into(),
        span: sp(n),
    }
}

fn path(name: &str, n: u32) -> Path {
    Path {
        alias: None,
        name: id(name, n),
        span: sp(n),
    }
}

fn aliased(alias: &str, name: &str, n: u32) -> Path {
    Path {
        alias: Some(id(alias, n)),
        name: id(name, n),
        span: sp(n),
    }
}

fn ty(kind: TypeExprKind, n: u32) -> TypeExpr {
    TypeExpr { kind, span: sp(n) }
}

fn val(kind: ValueKind, n: u32) -> Value {
    Value { kind, span: sp(n) }
}

fn string(s: &str, n: u32) -> Value {
    val(
        ValueKind::Str(StrLit {
            value: s.into(),
            block: false,
            span: sp(n),
        }),
        n,
    )
}

fn event(name: &str, n: u32) -> Item {
    Item::Event(EventDecl {
        doc: None,
        is_extern: false,
        name: id(name, n),
        members: vec![],
        span: sp(n),
    })
}

fn assign(key: &str, value: Value, n: u32) -> Member {
    Member::Assign(Assign {
        doc: None,
        key: id(key, n),
        value,
        span: sp(n),
    })
}

fn function(name: &str, n: u32, members: Vec<Member>) -> Item {
    Item::Function(FunctionDecl {
        doc: None,
        name: id(name, n),
        members,
        span: sp(n),
    })
}

fn step(label: Option<&str>, kind: StepKind, n: u32) -> Step {
    Step {
        doc: None,
        label: label.map(|l| id(l, n)),
        kind,
        modifiers: vec![],
        span: sp(n),
    }
}

fn workflow(name: &str, n: u32, members: Vec<Member>, steps: Vec<Step>) -> Item {
    Item::Workflow(WorkflowDecl {
        doc: None,
        name: id(name, n),
        members,
        body: Block { steps, span: sp(n) },
        order: vec![],
        span: sp(n),
    })
}

fn param(name: &str, t: TypeExprKind, default: Option<Value>, n: u32) -> Item {
    Item::Param(ParamDecl {
        doc: None,
        name: id(name, n),
        ty: ty(t, n),
        default,
        span: sp(n),
    })
}

fn app(items: Vec<Item>) -> AppUnit {
    AppUnit {
        files: vec![File {
            id: FileId(0),
            items,
            tests: vec![],
            comments: vec![],
            span: sp(0),
        }],
        ..AppUnit::default()
    }
}

/// Run symbols + refs + params + unused over hand-built apps; return
/// (code, span start) of every diagnostic, sorted.
fn run(mut apps: Vec<AppUnit>, toml: BTreeMap<String, TomlParam>) -> (Program, Vec<(Code, u32)>) {
    let mut d = Diagnostics::new();
    for a in &mut apps {
        symbols::build(a, &mut d);
    }
    let mut program = Program { apps };
    let used = refs::check_program(&program, &mut d);
    let values = params::evaluate(&program, 0, &toml, true, &mut d);
    program.apps[0].params = values;
    refs::report_unused(&program.apps[0], 0, &used, &mut d);
    let mut out: Vec<_> = d
        .iter()
        .map(|d| (d.code, d.primary_span().map(|s| s.start).unwrap_or(0)))
        .collect();
    out.sort();
    (program, out)
}

#[test]
fn duplicates_and_shared_call_namespace() {
    let items = vec![
        event("OrderCreated", 1),
        event("OrderCreated", 2),
        function(
            "pay",
            3,
            vec![assign("image", string("x:1", 3), 3), on("OrderCreated", 3)],
        ),
        Item::Service(ServiceDecl {
            doc: None,
            name: id("pay", 4),
            members: vec![assign("url", string("http://x", 4), 4)],
            span: sp(4),
        }),
    ];
    let (_, d) = run(vec![app(items)], BTreeMap::new());
    assert_eq!(d, vec![(Code::E0202, 2), (Code::E0202, 4)]);
}

fn on(event: &str, n: u32) -> Member {
    Member::On(Trigger {
        kind: TriggerKind::Event {
            event: path(event, n),
            filter: None,
        },
        span: sp(n),
    })
}

#[test]
fn kebab_collision_and_long_names() {
    let long = "a".repeat(60);
    let items = vec![
        event("OrderCreated", 1),
        event("order_created", 2),
        workflow(&long, 3, vec![on("OrderCreated", 3)], vec![]),
    ];
    let (_, d) = run(vec![app(items)], BTreeMap::new());
    assert_eq!(d, vec![(Code::E0203, 2), (Code::E0204, 3)]);
}

#[test]
fn unknown_references_with_suggestions() {
    let items = vec![
        event("OrderCreated", 1),
        workflow(
            "wf",
            2,
            vec![on("OrderCreatd", 3)],
            vec![
                step(
                    None,
                    StepKind::Emit {
                        event: path("OrderCreated", 4),
                        data: None,
                    },
                    4,
                ),
                step(
                    None,
                    StepKind::Run {
                        workflow: id("wf2", 5),
                        input: None,
                    },
                    5,
                ),
                step(
                    None,
                    StepKind::Fail {
                        error: path("Nope", 6),
                        detail: None,
                    },
                    6,
                ),
                step(
                    None,
                    StepKind::Try {
                        body: Block {
                            steps: vec![],
                            span: sp(7),
                        },
                        catch: Catch {
                            error: Some(path("timeout", 7)),
                            as_: None,
                            retry: None,
                            body: Block {
                                steps: vec![],
                                span: sp(7),
                            },
                            span: sp(7),
                        },
                    },
                    7,
                ),
            ],
        ),
    ];
    let mut d = Diagnostics::new();
    let mut a = app(items);
    symbols::build(&mut a, &mut d);
    let program = Program { apps: vec![a] };
    refs::check_program(&program, &mut d);
    let got: Vec<_> = d.iter().map(|d| (d.code, d.help.clone())).collect();
    assert_eq!(
        got,
        vec![
            (
                Code::E0201,
                Some("did you mean `OrderCreated`?".to_string())
            ),
            (Code::E0201, Some("did you mean `wf`?".to_string())),
            (Code::E0201, None),
        ]
    );
}

#[test]
fn aliases_and_importability() {
    let lib = app(vec![
        event("Settled", 1),
        function("internal", 2, vec![assign("image", string("x:1", 2), 2)]),
    ]);
    let mut root = app(vec![workflow(
        "wf",
        10,
        vec![Member::On(Trigger {
            kind: TriggerKind::Event {
                event: aliased("lib", "Settled", 11),
                filter: None,
            },
            span: sp(11),
        })],
        vec![
            step(
                None,
                StepKind::Call {
                    target: aliased("lib", "internal", 12),
                    method: None,
                    path: None,
                    body: None,
                },
                12,
            ),
            step(
                None,
                StepKind::Emit {
                    event: aliased("lbi", "Settled", 13),
                    data: None,
                },
                13,
            ),
            step(
                None,
                StepKind::Emit {
                    event: aliased("lib", "Setled", 14),
                    data: None,
                },
                14,
            ),
        ],
    )]);
    root.imports.insert("lib".into(), 1);
    let mut d = Diagnostics::new();
    let mut apps = vec![root, lib];
    for a in &mut apps {
        symbols::build(a, &mut d);
    }
    let program = Program { apps };
    let used = refs::check_program(&program, &mut d);
    let got: Vec<_> = d.iter().map(|d| d.code).collect();
    assert_eq!(got, vec![Code::E0208, Code::E0206, Code::E0207]);
    assert!(used.contains(&(1, DeclKind::Event, "Settled".to_string())));
}

#[test]
fn settings_unknown_missing_and_secrets() {
    let secret = val(
        ValueKind::Secret {
            name: StrLit {
                value: "s".into(),
                block: false,
                span: sp(3),
            },
            key: StrLit {
                value: "k".into(),
                block: false,
                span: sp(3),
            },
        },
        3,
    );
    let items = vec![function(
        "f",
        1,
        vec![
            assign("imgae", string("x:1", 2), 2),
            Member::Block(BlockSetting {
                doc: None,
                key: id("env", 3),
                entries: vec![ObjectEntry {
                    doc: None,
                    key: ObjectKey {
                        name: "K".into(),
                        quoted: false,
                        span: sp(3),
                    },
                    value: secret,
                    span: sp(3),
                }],
                span: sp(3),
            }),
            assign("port", string("1", 4), 4),
            assign("port", string("2", 5), 5),
            on("E", 6),
        ],
    )];
    let mut items = items;
    items.push(event("E", 7));
    let (_, d) = run(vec![app(items)], BTreeMap::new());
    assert_eq!(
        d,
        vec![
            (Code::E0213, 2),
            (Code::E0214, 1),
            (Code::E0215, 3),
            (Code::E0216, 5),
        ]
    );
}

#[test]
fn duplicate_labels_across_nested_blocks() {
    let inner = Block {
        steps: vec![step(Some("a"), StepKind::Return { value: None }, 3)],
        span: sp(2),
    };
    let items = vec![workflow(
        "wf",
        1,
        vec![],
        vec![
            step(
                Some("a"),
                StepKind::Set {
                    value: string("x", 2),
                },
                2,
            ),
            step(
                None,
                StepKind::For {
                    item: id("x", 3),
                    index: None,
                    collection: Expr {
                        source: ".".into(),
                        inner_start: 0,
                        span: sp(3),
                    },
                    while_: None,
                    body: inner,
                },
                3,
            ),
        ],
    )];
    let (_, d) = run(vec![app(items)], BTreeMap::new());
    assert_eq!(d, vec![(Code::E0212, 3)]);
}

fn toml_param(value: serde_json::Value, n: u32, from_env: bool) -> TomlParam {
    TomlParam {
        value,
        key_span: sp(n),
        value_span: sp(n + 100),
        from_env,
        shadowed: None,
    }
}

#[test]
fn param_values_defaults_types_and_warnings() {
    let num = |t: &str, n| val(ValueKind::Number(Number { text: t.into() }), n);
    let items = vec![
        param(
            "tag",
            TypeExprKind::Primitive(Primitive::String),
            Some(string("1.0", 1)),
            1,
        ),
        param(
            "min",
            TypeExprKind::Primitive(Primitive::Integer),
            Some(num("0", 2)),
            2,
        ),
        param(
            "needed",
            TypeExprKind::Primitive(Primitive::String),
            None,
            3,
        ),
        param(
            "tier",
            TypeExprKind::Enum(vec![
                StrLit {
                    value: "gold".into(),
                    block: false,
                    span: sp(4),
                },
                StrLit {
                    value: "silver".into(),
                    block: false,
                    span: sp(4),
                },
            ]),
            None,
            4,
        ),
        param(
            "image",
            TypeExprKind::Primitive(Primitive::String),
            Some(val(
                ValueKind::Concat(vec![
                    string("img:", 5),
                    val(ValueKind::Param(id("tag", 5)), 5),
                ]),
                5,
            )),
            5,
        ),
        function(
            "f",
            6,
            vec![
                assign("image", val(ValueKind::Param(id("image", 6)), 6), 6),
                assign("port", val(ValueKind::Param(id("min", 6)), 6), 6),
                assign("timeout", val(ValueKind::Param(id("tier", 6)), 6), 6),
                assign("foo", val(ValueKind::Param(id("neded", 7)), 7), 7),
            ],
        ),
    ];
    let mut toml = BTreeMap::new();
    toml.insert(
        "tag".to_string(),
        toml_param(serde_json::json!("2.0"), 20, true),
    );
    toml.insert(
        "min".to_string(),
        toml_param(serde_json::json!("two"), 21, false),
    );
    toml.insert(
        "tier".to_string(),
        toml_param(serde_json::json!("gold"), 22, false),
    );
    toml.insert(
        "extra".to_string(),
        toml_param(serde_json::json!(1), 23, false),
    );
    let (program, d) = run(vec![app(items)], toml);
    assert_eq!(
        d,
        vec![
            (Code::E0201, 7),
            (Code::E0213, 7),
            (Code::E0226, 3),
            (Code::E0227, 121),
            // `needed` and the function are never used.
            (Code::W0201, 3),
            (Code::W0201, 6),
            (Code::W0202, 23),
        ]
    );
    let p = &program.apps[0].params;
    assert_eq!(p["tag"].value, serde_json::json!("2.0"));
    assert_eq!(p["tier"].value, serde_json::json!("gold"));
    // The default uses the overridden `tag`.
    assert_eq!(p["image"].value, serde_json::json!("img:2.0"));
    assert!(!p.contains_key("min"));
}

#[test]
fn unused_declarations_warn() {
    let items = vec![
        function("lonely", 1, vec![assign("image", string("x:1", 1), 1)]),
        function(
            "triggered",
            2,
            vec![assign("image", string("x:1", 2), 2), on("E", 2)],
        ),
        event("E", 3),
        Item::Error(ErrorDecl {
            doc: None,
            name: id("Oops", 4),
            members: vec![],
            span: sp(4),
        }),
        Item::Type(TypeDecl {
            doc: None,
            name: id("T", 5),
            body: TypeBody::Alias(ty(TypeExprKind::Primitive(Primitive::String), 5)),
            span: sp(5),
        }),
    ];
    let (_, d) = run(vec![app(items)], BTreeMap::new());
    assert_eq!(
        d,
        vec![(Code::W0201, 1), (Code::W0201, 4), (Code::W0201, 5)]
    );
}

#[test]
fn keywords_as_names() {
    let items = vec![event("emit", 1)];
    let (_, d) = run(vec![app(items)], BTreeMap::new());
    assert_eq!(d, vec![(Code::E0205, 1)]);
}

#[test]
fn every_code_is_documented() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics");
    for c in Code::ALL {
        let f = docs.join(format!("{c}.md"));
        let text =
            std::fs::read_to_string(&f).unwrap_or_else(|_| panic!("missing {}", f.display()));
        assert!(
            text.starts_with(&format!("# {c}: ")),
            "{} must start with `# {c}: <title>`",
            f.display()
        );
    }
}
