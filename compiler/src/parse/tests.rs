//! Unit tests of AST building: shapes, spans, docs, literals, errors.

use super::*;
use crate::ast::*;
use crate::codes::Code;

fn parse(text: &str) -> (File, Vec<Diagnostic>) {
    let mut d = Diagnostics::new();
    let f = parse_file(FileId(0), text, &mut d);
    (f, d.into_vec())
}

fn ok(text: &str) -> File {
    let (f, d) = parse(text);
    assert!(d.is_empty(), "unexpected diagnostics: {d:#?}");
    f
}

fn snip(text: &str, span: Span) -> &str {
    &text[span.range()]
}

fn workflow(f: &File) -> &WorkflowDecl {
    f.items
        .iter()
        .find_map(|i| match i {
            Item::Workflow(w) => Some(w),
            _ => None,
        })
        .expect("a workflow")
}

fn codes(d: &[Diagnostic]) -> Vec<Code> {
    d.iter().map(|d| d.code).collect()
}

#[test]
fn spans_cover_exactly_their_text() {
    let text = "workflow w {\n  on http\n  a: call f { x: 1 }\n      retry 3   \n  wait 5m\n}\n";
    let f = ok(text);
    let w = workflow(&f);
    assert_eq!(snip(text, w.span), &text[..text.len() - 1]);
    assert_eq!(snip(text, w.name.span), "w");
    assert_eq!(snip(text, w.members[0].span()), "on http");
    let s = &w.body.steps[0];
    assert_eq!(snip(text, s.span), "a: call f { x: 1 }\n      retry 3");
    assert_eq!(snip(text, s.label.as_ref().expect("label").span), "a");
    assert_eq!(snip(text, s.modifiers[0].span()), "retry 3");
    assert_eq!(snip(text, w.body.steps[1].span), "wait 5m");
    assert_eq!(snip(text, w.body.span), &text[11..text.len() - 1]);
    assert_eq!(f.span, Span::new(FileId(0), 0, text.len()));
}

#[test]
fn workflow_order_interleaves_members_and_steps() {
    let f = ok("workflow w { on http  call a  timeout = 1h  wait 1s  tags { a: \"b\" } }");
    let w = workflow(&f);
    assert_eq!(w.order, [true, false, true, false, true]);
    assert_eq!(w.members.len(), 3);
    assert_eq!(w.body.steps.len(), 2);
}

#[test]
fn doc_comments_attach_and_comments_are_kept() {
    let text = r#"
// ordinary
/// The type.
/// Second line.
type T {
  /// A field.
  a: string  // trailing
}
/* block */
workflow w {
  /// A setting.
  timeout = 1h
  /// A step.
  s: call f {
    /// An entry.
    k: 1
  }
}
/// Dangling.
"#;
    let f = ok(text);
    let Item::Type(t) = &f.items[0] else {
        panic!("type first")
    };
    let doc = t.doc.as_ref().expect("type doc");
    assert_eq!(doc.text, "The type.\nSecond line.");
    assert_eq!(snip(text, doc.span), "/// The type.\n/// Second line.");
    let TypeBody::Struct(fields) = &t.body else {
        panic!("struct")
    };
    assert_eq!(
        fields.fields[0].doc.as_ref().map(|d| d.text.as_str()),
        Some("A field.")
    );
    let w = workflow(&f);
    let Member::Assign(a) = &w.members[0] else {
        panic!("assign")
    };
    assert_eq!(a.doc.as_ref().map(|d| d.text.as_str()), Some("A setting."));
    let step = &w.body.steps[0];
    assert_eq!(step.doc.as_ref().map(|d| d.text.as_str()), Some("A step."));
    let StepKind::Call {
        body: Some(body), ..
    } = &step.kind
    else {
        panic!("call with body")
    };
    let ValueKind::Object(entries) = &body.kind else {
        panic!("object")
    };
    assert_eq!(
        entries[0].doc.as_ref().map(|d| d.text.as_str()),
        Some("An entry.")
    );
    let comments: Vec<&str> = f.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        comments,
        ["// ordinary", "// trailing", "/* block */", "/// Dangling."]
    );
    for c in &f.comments {
        assert_eq!(snip(text, c.span), c.text);
    }
}

#[test]
fn strings_decode_escapes_and_blocks_lose_indentation() {
    let text = "param a: string = \"q\\\" b\\\\ n\\n t\\t r\\r \\u{1F600}\"\n\
                param b: string = \"\"\"\n      line one\n        line two\n\n      line three\n      \"\"\"\n";
    let f = ok(text);
    let Item::Param(a) = &f.items[0] else {
        panic!("param")
    };
    let Some(Value {
        kind: ValueKind::Str(s),
        ..
    }) = &a.default
    else {
        panic!("string")
    };
    assert_eq!(s.value, "q\" b\\ n\n t\t r\r 😀");
    assert!(!s.block);
    let Item::Param(b) = &f.items[1] else {
        panic!("param")
    };
    let Some(Value {
        kind: ValueKind::Str(s),
        ..
    }) = &b.default
    else {
        panic!("string")
    };
    assert!(s.block);
    assert_eq!(s.value, "line one\n  line two\n\nline three");
}

#[test]
fn bad_escape_is_reported_at_its_position() {
    let text = "param a: string = \"ab\\qc\"";
    let (_, d) = parse(text);
    assert_eq!(codes(&d), [Code::E0104]);
    assert_eq!(snip(text, d[0].primary_span().expect("span")), "\\q");
}

#[test]
fn durations_numbers_and_values() {
    let text = r#"workflow w {
  set {
    d: 1h30m, ms: 250ms, n: -3.5, e: 1e9, t: true, f: false, z: null
    l: [1, "a", [], {}]
    p: params.tag
    s: secret("creds", "key")
    c: "img:" + params.tag + "-x"
    "quoted key": 1
  }
}"#;
    let f = ok(text);
    let StepKind::Set { value } = &workflow(&f).body.steps[0].kind else {
        panic!("set")
    };
    let ValueKind::Object(entries) = &value.kind else {
        panic!("object")
    };
    let get = |k: &str| {
        &entries
            .iter()
            .find(|e| e.key.name == k)
            .expect("entry")
            .value
    };
    let ValueKind::Duration(d) = &get("d").kind else {
        panic!("duration")
    };
    assert_eq!((d.millis, d.text.as_str()), (5_400_000, "1h30m"));
    assert_eq!(d.iso8601(), "PT1H30M");
    let ValueKind::Duration(d) = &get("ms").kind else {
        panic!("duration")
    };
    assert_eq!(d.millis, 250);
    assert_eq!(
        get("n").kind,
        ValueKind::Number(Number {
            text: "-3.5".into()
        })
    );
    assert_eq!(
        get("e").kind,
        ValueKind::Number(Number { text: "1e9".into() })
    );
    assert_eq!(get("t").kind, ValueKind::Bool(true));
    assert_eq!(get("f").kind, ValueKind::Bool(false));
    assert_eq!(get("z").kind, ValueKind::Null);
    let ValueKind::List(l) = &get("l").kind else {
        panic!("list")
    };
    assert_eq!(l.len(), 4);
    let ValueKind::Param(p) = &get("p").kind else {
        panic!("param")
    };
    assert_eq!((p.name.as_str(), snip(text, p.span)), ("tag", "tag"));
    let ValueKind::Secret { name, key } = &get("s").kind else {
        panic!("secret")
    };
    assert_eq!((name.value.as_str(), key.value.as_str()), ("creds", "key"));
    let c = get("c");
    let ValueKind::Concat(parts) = &c.kind else {
        panic!("concat")
    };
    assert_eq!(parts.len(), 3);
    assert_eq!(snip(text, c.span), "\"img:\" + params.tag + \"-x\"");
    let q = entries.iter().find(|e| e.key.quoted).expect("quoted key");
    assert_eq!(q.key.name, "quoted key");
}

#[test]
fn huge_duration_saturates_with_a_diagnostic() {
    let (f, d) = parse("workflow w { wait 99999999999999999999d }");
    assert_eq!(codes(&d), [Code::E0107]);
    let StepKind::Sleep { duration } = &workflow(&f).body.steps[0].kind else {
        panic!("sleep")
    };
    assert_eq!(duration.millis, u64::MAX);
}

#[test]
fn expressions_keep_jq_text_and_offset() {
    let text = r#"workflow w { set ${ { a: "}", b: "x\("{")y" } } when ${.ok} }"#;
    let f = ok(text);
    let s = &workflow(&f).body.steps[0];
    let StepKind::Set { value } = &s.kind else {
        panic!("set")
    };
    let ValueKind::Expr(e) = &value.kind else {
        panic!("expr")
    };
    assert_eq!(e.source, r#" { a: "}", b: "x\("{")y" } "#);
    assert_eq!(&text[e.inner_start as usize..][..e.source.len()], e.source);
    assert_eq!(snip(text, e.span), format!("${{{}}}", e.source));
    let Modifier::When(w) = &s.modifiers[0] else {
        panic!("when")
    };
    assert_eq!(w.source, ".ok");
    assert_eq!(w.inner_start as usize, text.find(".ok").expect("jq"));
}

#[test]
fn every_declaration_shape() {
    let f = ok(r#"
type Currency = "EUR" | "USD"
type L = [map<string>]
type N = common.Thing
extern event Paid { type = "x.paid"  data { type: string, id?: integer } }
error E { status = 402 }
param p: integer
param q: any = 1
function f { image = "i:1"  on Paid where ${ .data.id > 1 }  scale { min: 0 max: 2 } }
service s { url = "http://s" headers { "X-A": "b" } }
workflow w { on schedule "0 2 * * *" tz "Europe/Berlin"  on http  input Currency  version = "1.0.0" }
import "../other" as other
"#);
    assert_eq!(f.items.len(), 11);
    let Item::Type(t) = &f.items[0] else { panic!() };
    let TypeBody::Alias(TypeExpr {
        kind: TypeExprKind::Enum(v),
        ..
    }) = &t.body
    else {
        panic!("enum")
    };
    assert_eq!(
        v.iter().map(|s| s.value.as_str()).collect::<Vec<_>>(),
        ["EUR", "USD"]
    );
    let Item::Type(t) = &f.items[1] else { panic!() };
    let TypeBody::Alias(TypeExpr {
        kind: TypeExprKind::List(inner),
        ..
    }) = &t.body
    else {
        panic!("list")
    };
    assert!(matches!(inner.kind, TypeExprKind::Map(_)));
    let Item::Type(t) = &f.items[2] else { panic!() };
    let TypeBody::Alias(TypeExpr {
        kind: TypeExprKind::Named(p),
        ..
    }) = &t.body
    else {
        panic!("named")
    };
    assert_eq!(p.display(), "common.Thing");
    let Item::Event(e) = &f.items[3] else {
        panic!()
    };
    assert!(e.is_extern);
    assert_eq!(e.members.len(), 2);
    let EventMember::Data(d) = &e.members[1] else {
        panic!("data")
    };
    assert_eq!(d.fields[0].name.name, "type");
    assert!(d.fields[1].optional);
    let Item::Param(p) = &f.items[5] else {
        panic!()
    };
    assert!(p.default.is_none());
    let Item::Function(func) = &f.items[7] else {
        panic!()
    };
    assert!(matches!(
        &func.members[1],
        Member::On(Trigger {
            kind: TriggerKind::Event {
                filter: Some(_),
                ..
            },
            ..
        })
    ));
    let w = workflow(&f);
    let Member::On(Trigger {
        kind: TriggerKind::Schedule { cron, tz },
        ..
    }) = &w.members[0]
    else {
        panic!("schedule")
    };
    assert_eq!(cron.value, "0 2 * * *");
    assert_eq!(tz.as_ref().map(|t| t.value.as_str()), Some("Europe/Berlin"));
    assert!(matches!(w.members[2], Member::Input(..)));
    let Item::Import(i) = &f.items[10] else {
        panic!()
    };
    assert_eq!(
        (i.path.value.as_str(), i.alias.name.as_str()),
        ("../other", "other")
    );
}

#[test]
fn control_flow_steps() {
    let f = ok(r#"workflow w {
  if ${ .a } { wait 1s } else if ${ .b } { wait 2s } else if ${ .c } { wait 3s } else { wait 4s }
  switch { case ${ .a } => x  case ${ .b } => end  else => exit }
  x: for item, i in ${ .xs } while ${ $i < 3 } { call f { v: ${ $item } } }
  race { branch a { wait 1s } branch b { wait 2s } }
  try { call f } catch timeout as e retry 3 backoff exponential 1s max 30s { fail Bad "no" }
  s: wait for all(A, b.B) correlate id = ${ .id }, k = ${ .k } timeout 2d
  call svc GET "/pets/{id}" ${ . } then continue
  return
}"#);
    let steps = &workflow(&f).body.steps;
    let StepKind::If {
        branches,
        otherwise,
    } = &steps[0].kind
    else {
        panic!("if")
    };
    assert_eq!(branches.len(), 3);
    assert!(otherwise.is_some());
    let StepKind::Switch { cases, default } = &steps[1].kind else {
        panic!("switch")
    };
    assert_eq!(cases.len(), 2);
    assert!(matches!(cases[1].target, Target::End(_)));
    assert!(matches!(default, Some(Target::Exit(_))));
    let StepKind::For {
        item,
        index,
        while_,
        ..
    } = &steps[2].kind
    else {
        panic!("for")
    };
    assert_eq!(item.name, "item");
    assert_eq!(index.as_ref().map(|i| i.name.as_str()), Some("i"));
    assert!(while_.is_some());
    assert!(
        matches!(steps[3].kind, StepKind::Parallel { compete: true, ref branches } if branches.len() == 2)
    );
    let StepKind::Try { catch, .. } = &steps[4].kind else {
        panic!("try")
    };
    assert_eq!(
        catch.error.as_ref().map(|e| e.display()),
        Some("timeout".into())
    );
    assert_eq!(catch.as_.as_ref().map(|e| e.name.as_str()), Some("e"));
    let r = catch.retry.as_ref().expect("retry");
    assert_eq!((r.attempts, r.backoff), (3, Some(Backoff::Exponential)));
    assert_eq!(r.delay.as_ref().map(|d| d.millis), Some(1000));
    assert_eq!(r.max.as_ref().map(|d| d.millis), Some(30_000));
    let StepKind::WaitFor {
        mode,
        events,
        correlate,
    } = &steps[5].kind
    else {
        panic!("wait for")
    };
    assert_eq!(*mode, WaitMode::All);
    assert_eq!(events.len(), 2);
    assert_eq!(correlate.len(), 2);
    assert!(matches!(steps[5].modifiers[0], Modifier::Timeout(_)));
    let StepKind::Call {
        method, path, body, ..
    } = &steps[6].kind
    else {
        panic!("call")
    };
    assert_eq!(method.map(|m| m.0), Some(HttpMethod::Get));
    assert_eq!(path.as_ref().map(|p| p.value.as_str()), Some("/pets/{id}"));
    assert!(matches!(
        body,
        Some(Value {
            kind: ValueKind::Expr(_),
            ..
        })
    ));
    assert!(matches!(
        steps[6].modifiers[0],
        Modifier::Then(Target::Continue(_))
    ));
    assert!(matches!(steps[7].kind, StepKind::Return { value: None }));
}

#[test]
fn keywords_are_refused_as_names_but_fine_as_keys() {
    let (_, d) = parse("workflow call { on http }\nfunction f { type = \"x\"  timeout = 1s }");
    assert_eq!(codes(&d), [Code::E0106]);
    let (_, d) = parse("workflow w { retry: call f }");
    assert_eq!(codes(&d), [Code::E0106]);
    ok("event E { data { type: string  data: string } }");
}

#[test]
fn syntax_error_names_what_was_expected() {
    let text = "workflow w {\n  if ${ .a } {\n    cal inventory\n  }\n}\n";
    let (_, d) = parse(text);
    assert_eq!(codes(&d), [Code::E0100]);
    assert!(
        d[0].message
            .starts_with("expected a step (`call`, `emit`, `wait`"),
        "{}",
        d[0].message
    );
    assert!(d[0].message.ends_with("found `cal`"), "{}", d[0].message);
    assert_eq!(snip(text, d[0].primary_span().expect("span")), "cal");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `call`?"));
}

#[test]
fn one_error_per_declaration() {
    let text = "workflow a {\n  cal x\n}\n\nfunction f {\n  image = \n}\n\ntype T { a: strin g }\n";
    let (f, d) = parse(text);
    assert_eq!(codes(&d), [Code::E0100, Code::E0100, Code::E0100]);
    assert!(f.items.is_empty());
    let text = "type A = string\nworkflow a {\n  cal x\n}\ntype B = string\n";
    let (f, d) = parse(text);
    assert_eq!(codes(&d), [Code::E0100]);
    assert_eq!(f.items.len(), 2);
}

#[test]
fn unterminated_tokens_point_at_their_start() {
    let text = "workflow w {\n  set ${ { a: \"}\" \n}\n";
    let (f, d) = parse(text);
    assert_eq!(codes(&d), [Code::E0103]);
    assert_eq!(snip(text, d[0].primary_span().expect("span")), "${");
    assert_eq!(
        d[0].labels[1].span,
        Span::new(FileId(0), text.len(), text.len())
    );
    assert!(f.items.is_empty());
    let (_, d) = parse("/* never closed");
    assert_eq!(codes(&d), [Code::E0102]);
    let (_, d) = parse("param a: string = \"abc\nparam b: string = \"x\"");
    assert_eq!(codes(&d), [Code::E0101]);
}

#[test]
fn stray_and_unclosed_brackets() {
    let (f, d) = parse("type A = string\n}\ntype B = string\n");
    assert_eq!(codes(&d), [Code::E0109]);
    assert_eq!(f.items.len(), 2);
    let (_, d) = parse("workflow w {\n  call f\n");
    assert_eq!(codes(&d), [Code::E0110]);
}

#[test]
fn deep_nesting_is_refused() {
    let text = format!(
        "param p: any = {}{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (_, d) = parse(&text);
    assert_eq!(codes(&d), [Code::E0105]);
    let ok_depth = MAX_DEPTH - 1;
    let text = format!(
        "param p: any = {}{}",
        "[".repeat(ok_depth),
        "]".repeat(ok_depth)
    );
    ok(&text);
}

#[test]
fn a_file_spans_cannot_address_is_refused() {
    // The length alone decides: no 4 GiB text is needed to test it.
    let id = FileId(0);
    assert_eq!(
        super::too_large(id, u32::MAX as usize).map(|d| d.code),
        Some(Code::E0111)
    );
    assert!(super::too_large(id, u32::MAX as usize - 1).is_none());
}
