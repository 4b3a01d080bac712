//! Unit and property tests of the graph model and checks, on hand-built
//! syntax trees (independent of the parser).

use super::analysis::{stuck_steps, unreachable_steps};
use super::cfg::{EdgeKind, build};
use super::flow::check_cfg;
use crate::ast::*;
use crate::codes::Code;
use crate::span::{FileId, Span};
use proptest::prelude::*;
use std::cell::Cell;
use std::collections::BTreeSet;

/// Hands out increasing spans so steps are in "source order".
struct T {
    next: Cell<u32>,
}

impl T {
    fn new() -> T {
        T { next: Cell::new(0) }
    }
    fn sp(&self) -> Span {
        let n = self.next.get();
        self.next.set(n + 10);
        Span::new(FileId(0), n as usize, n as usize + 5)
    }
    fn id(&self, name: &str) -> Ident {
        Ident {
            name: name.into(),
            span: self.sp(),
        }
    }
    fn path(&self, name: &str) -> Path {
        Path {
            alias: None,
            name: self.id(name),
            span: self.sp(),
        }
    }
    fn expr(&self, src: &str) -> Expr {
        Expr {
            source: src.into(),
            inner_start: 0,
            span: self.sp(),
        }
    }
    fn step(&self, label: Option<&str>, kind: StepKind, modifiers: Vec<Modifier>) -> Step {
        let span = self.sp();
        Step {
            doc: None,
            label: label.map(|l| self.id(l)),
            kind,
            modifiers,
            span,
        }
    }
    fn call(&self, label: &str) -> Step {
        self.step(Some(label), self.call_kind(label), vec![])
    }
    fn call_kind(&self, target: &str) -> StepKind {
        StepKind::Call {
            target: self.path(target),
            method: None,
            path: None,
            body: None,
        }
    }
    fn then(&self, label: &str, target: Target) -> Step {
        self.step(
            Some(label),
            self.call_kind(label),
            vec![Modifier::Then(target)],
        )
    }
    fn to(&self, name: &str) -> Target {
        Target::Step(self.id(name))
    }
    fn block(&self, steps: Vec<Step>) -> Block {
        Block {
            steps,
            span: self.sp(),
        }
    }
    fn wf(&self, steps: Vec<Step>) -> WorkflowDecl {
        WorkflowDecl {
            doc: None,
            name: self.id("w"),
            members: vec![],
            body: self.block(steps),
            order: vec![],
            span: self.sp(),
        }
    }
    fn ret(&self, label: &str) -> Step {
        self.step(Some(label), StepKind::Return { value: None }, vec![])
    }
}

fn codes(wf: &WorkflowDecl) -> Vec<(Code, String)> {
    check_cfg(&build(wf))
        .into_iter()
        .map(|d| (d.code, d.message))
        .collect()
}

#[test]
fn straight_line_is_clean() {
    let t = T::new();
    let wf = t.wf(vec![t.call("a"), t.call("b"), t.ret("c")]);
    assert!(codes(&wf).is_empty(), "{:?}", codes(&wf));
    let cfg = build(&wf);
    // start, end, fail + 3 steps; start→a, a→b, b→c, c→end
    assert_eq!(cfg.graph.node_count(), 6);
    assert_eq!(cfg.graph.edge_count(), 4);
}

#[test]
fn jump_to_unknown_step_suggests_sibling() {
    let t = T::new();
    let wf = t.wf(vec![t.then("reserve", t.to("chrage")), t.call("charge")]);
    let found = check_cfg(&build(&wf));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, Code::E0401);
    assert_eq!(found[0].help.as_deref(), Some("did you mean `charge`?"));
}

#[test]
fn jump_into_nested_block_names_where_the_step_lives() {
    let t = T::new();
    let inner = t.block(vec![t.call("deep")]);
    let for_step = t.step(
        Some("each"),
        StepKind::For {
            item: t.id("r"),
            index: None,
            collection: t.expr(".rs"),
            while_: None,
            body: inner,
        },
        vec![],
    );
    let wf = t.wf(vec![t.then("a", t.to("deep")), for_step]);
    let found = check_cfg(&build(&wf));
    assert_eq!(found[0].code, Code::E0402, "{found:?}");
    assert!(
        found[0].message.contains("the body of `each`"),
        "{}",
        found[0].message
    );
}

#[test]
fn cycle_without_exit_is_named_from_its_first_step() {
    let t = T::new();
    let wf = t.wf(vec![
        t.call("start_here"),
        t.then("a", t.to("b")),
        t.then("b", t.to("a")),
        t.call("c"),
    ]);
    let found = codes(&wf);
    assert!(
        found.contains(&(
            Code::E0403,
            "workflow `w` can never finish once it enters the cycle a → b → a".into()
        )),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == Code::W0401 && m.contains("`c`"))
    );
}

#[test]
fn switch_exit_breaks_the_cycle() {
    let t = T::new();
    let sw = t.step(
        Some("b"),
        StepKind::Switch {
            cases: vec![SwitchCase {
                cond: t.expr(".done"),
                target: Target::End(t.sp()),
                span: t.sp(),
            }],
            default: Some(t.to("a")),
        },
        vec![],
    );
    let wf = t.wf(vec![t.call("a"), sw]);
    assert!(codes(&wf).is_empty(), "{:?}", codes(&wf));
}

#[test]
fn dead_code_after_return_is_one_warning() {
    let t = T::new();
    let wf = t.wf(vec![t.call("a"), t.ret("r"), t.call("b"), t.call("c")]);
    let found = codes(&wf);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Code::W0402);
}

#[test]
fn step_after_return_that_is_jumped_to_is_fine() {
    let t = T::new();
    let wf = t.wf(vec![t.then("a", t.to("b")), t.ret("r"), t.call("b")]);
    // `r` is now unreachable (a jumps over it), `b` is reached.
    let found = codes(&wf);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Code::W0401);
    assert!(found[0].1.contains("`r`"));
}

#[test]
fn fail_inside_try_goes_to_catch() {
    let t = T::new();
    let body = t.block(vec![t.step(
        Some("boom"),
        StepKind::Fail {
            error: t.path("Oops"),
            detail: None,
        },
        vec![],
    )]);
    let handler = t.block(vec![t.call("recover")]);
    let try_step = t.step(
        Some("guard"),
        StepKind::Try {
            body,
            catch: Catch {
                error: None,
                as_: None,
                retry: None,
                body: handler,
                span: t.sp(),
            },
        },
        vec![],
    );
    let wf = t.wf(vec![try_step, t.call("after")]);
    let cfg = build(&wf);
    let boom = cfg
        .steps()
        .into_iter()
        .find(|&n| cfg.graph[n].name == "boom")
        .expect("boom");
    let kinds: Vec<EdgeKind> = cfg.graph.edges(boom).map(|e| e.weight().kind).collect();
    assert_eq!(kinds, vec![EdgeKind::ErrorEdge]);
    assert!(codes(&wf).is_empty(), "{:?}", codes(&wf));
}

#[test]
fn for_loop_has_back_and_exit_edges() {
    let t = T::new();
    let body = t.block(vec![
        t.call("x"),
        t.step(
            Some("y"),
            t.call_kind("y"),
            vec![Modifier::Then(Target::Exit(t.sp()))],
        ),
    ]);
    let f = t.step(
        Some("loop"),
        StepKind::For {
            item: t.id("i"),
            index: None,
            collection: t.expr(".items"),
            while_: None,
            body,
        },
        vec![],
    );
    let wf = t.wf(vec![f, t.call("z")]);
    let cfg = build(&wf);
    let kinds: BTreeSet<EdgeKind> = cfg.graph.edge_weights().map(|e| e.kind).collect();
    assert!(kinds.contains(&EdgeKind::LoopExit));
    assert!(kinds.contains(&EdgeKind::Branch));
    assert!(codes(&wf).is_empty(), "{:?}", codes(&wf));
}

// ------------------------------------------------------------ properties

/// A random flat workflow: step i is a plain call, a `return`, or jumps
/// (`then`) to step j / `end`. Returns the workflow and, independently,
/// each step's successors (`None` = finishes) by the language's rules.
fn flat(spec: &[(u8, usize)]) -> (WorkflowDecl, Vec<Vec<Option<usize>>>) {
    let t = T::new();
    let n = spec.len();
    let mut steps = Vec::new();
    let mut succ = Vec::new();
    for (i, &(kind, j)) in spec.iter().enumerate() {
        let name = format!("s{i}");
        let next = if i + 1 < n { Some(i + 1) } else { None };
        match kind % 5 {
            0 => {
                steps.push(t.ret(&name));
                succ.push(vec![None]);
            }
            1 | 2 => {
                let j = j % n;
                steps.push(t.then(&name, t.to(&format!("s{j}"))));
                succ.push(vec![Some(j)]);
            }
            3 => {
                steps.push(t.then(&name, Target::End(t.sp())));
                succ.push(vec![None]);
            }
            _ => {
                steps.push(t.call(&name));
                succ.push(vec![next]);
            }
        }
    }
    (t.wf(steps), succ)
}

fn brute_reachable(succ: &[Vec<Option<usize>>]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = if succ.is_empty() { vec![] } else { vec![0] };
    while let Some(i) = stack.pop() {
        if seen.insert(i) {
            stack.extend(succ[i].iter().flatten());
        }
    }
    seen
}

/// Step i can finish iff some path from it reaches `None`.
fn brute_finishes(succ: &[Vec<Option<usize>>], i: usize) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![i];
    while let Some(k) = stack.pop() {
        if !seen.insert(k) {
            continue;
        }
        for s in &succ[k] {
            match s {
                None => return true,
                Some(m) => stack.push(*m),
            }
        }
    }
    false
}

proptest! {
    #[test]
    fn reachability_and_termination_agree_with_brute_force(
        spec in proptest::collection::vec((0u8..5, 0usize..8), 0..8)
    ) {
        let (wf, succ) = flat(&spec);
        let cfg = build(&wf);
        let steps = cfg.steps();
        prop_assert_eq!(steps.len(), spec.len());
        let index = |n| steps.iter().position(|&s| s == n).expect("a step");
        let unreachable: BTreeSet<usize> = unreachable_steps(&cfg).into_iter().map(index).collect();
        let reach = brute_reachable(&succ);
        let expected: BTreeSet<usize> = (0..spec.len()).filter(|i| !reach.contains(i)).collect();
        prop_assert_eq!(unreachable, expected);
        let stuck: BTreeSet<usize> = stuck_steps(&cfg).into_iter().map(index).collect();
        let expected: BTreeSet<usize> = (0..spec.len()).filter(|&i| !brute_finishes(&succ, i)).collect();
        prop_assert_eq!(&stuck, &expected);
        // E0403 is reported iff some step is stuck, and W0401/W0402 iff
        // some step is unreachable.
        let found = check_cfg(&cfg);
        prop_assert_eq!(found.iter().any(|d| d.code == Code::E0403), !stuck.is_empty());
        prop_assert_eq!(
            found.iter().any(|d| d.code == Code::W0401 || d.code == Code::W0402),
            spec.len() != reach.len()
        );
        // Same input, same output.
        let again = check_cfg(&build(&wf));
        prop_assert_eq!(found, again);
    }
}

/// A workflow using every kind of edge.
fn rich(t: &T) -> WorkflowDecl {
    let cond_body = t.block(vec![
        t.call("release"),
        t.step(
            Some("declined"),
            StepKind::Fail {
                error: t.path("PaymentDeclined"),
                detail: None,
            },
            vec![],
        ),
    ]);
    let if_step = t.step(
        Some("check"),
        StepKind::If {
            branches: vec![(t.expr(" .status == \"declined\" "), cond_body)],
            otherwise: None,
        },
        vec![],
    );
    let par = t.step(
        Some("ship"),
        StepKind::Parallel {
            compete: false,
            branches: vec![
                Branch {
                    name: t.id("notify"),
                    body: t.block(vec![t.call("confirm")]),
                    span: t.sp(),
                },
                Branch {
                    name: t.id("label"),
                    body: t.block(vec![t.call("labels")]),
                    span: t.sp(),
                },
            ],
        },
        vec![],
    );
    let each = t.step(
        Some("each_line"),
        StepKind::For {
            item: t.id("line"),
            index: None,
            collection: t.expr(".data.items"),
            while_: None,
            body: t.block(vec![t.call("pack")]),
        },
        vec![],
    );
    let poll = t.step(
        Some("poll"),
        StepKind::Switch {
            cases: vec![SwitchCase {
                cond: t.expr(" .done "),
                target: t.to("finish"),
                span: t.sp(),
            }],
            default: Some(t.to("reserve")),
        },
        vec![],
    );
    let mut reserve = t.call("reserve");
    reserve.modifiers.push(Modifier::Retry(Retry {
        attempts: 3,
        attempts_span: t.sp(),
        backoff: None,
        delay: None,
        max: None,
        within: None,
        span: t.sp(),
    }));
    t.wf(vec![
        reserve,
        t.call("charge"),
        if_step,
        par,
        each,
        poll,
        t.ret("finish"),
    ])
}

#[test]
fn renderings_are_deterministic_and_well_formed() {
    use super::render::{Format, cfg_drawing, render};
    let t = T::new();
    let wf = rich(&t);
    assert!(codes(&wf).is_empty(), "{:?}", codes(&wf));
    let d = cfg_drawing(&build(&wf));
    let dot = render(std::slice::from_ref(&d), Format::Dot);
    assert!(dot.starts_with("digraph \"workflow w\" {"), "{dot}");
    assert!(dot.contains("style=dashed"), "{dot}");
    assert!(dot.contains("color=\"#c62828\""), "{dot}");
    assert!(dot.contains("label=\"each line\""), "{dot}");
    let mermaid = render(std::slice::from_ref(&d), Format::Mermaid);
    assert!(mermaid.contains("flowchart TD"), "{mermaid}");
    assert!(mermaid.contains("#quot;declined#quot;"), "{mermaid}");
    let svg = render(std::slice::from_ref(&d), Format::Svg);
    assert!(svg.contains("call · reserve"), "{svg}");
    assert_eq!(svg, render(std::slice::from_ref(&d), Format::Svg));
    if let Ok(path) = std::env::var("AIR_GRAPH_SVG_OUT") {
        std::fs::write(path, &svg).expect("write svg");
    }
}

// ------------------------------------------------------------ nested shapes

/// A random step tree: jumps name `s0`…`s11`, which may be missing, in
/// the same block or in another one.
#[derive(Clone, Debug)]
enum Shape {
    Call(Option<u8>),
    Ret,
    Fail,
    If(Vec<Shape>, Option<Vec<Shape>>),
    For(Vec<Shape>),
    Try(Vec<Shape>, Vec<Shape>),
    Par(Vec<Shape>, Vec<Shape>),
    Switch(u8, Option<u8>),
}

fn shape() -> impl Strategy<Value = Vec<Shape>> {
    let leaf = prop_oneof![
        4 => proptest::option::of(0u8..12).prop_map(Shape::Call),
        1 => Just(Shape::Ret),
        1 => Just(Shape::Fail),
        1 => (0u8..12, proptest::option::of(0u8..12)).prop_map(|(a, b)| Shape::Switch(a, b)),
    ];
    let step = leaf.prop_recursive(3, 24, 4, |inner| {
        let block = proptest::collection::vec(inner, 0..4);
        prop_oneof![
            (block.clone(), proptest::option::of(block.clone())).prop_map(|(a, b)| Shape::If(a, b)),
            block.clone().prop_map(Shape::For),
            (block.clone(), block.clone()).prop_map(|(a, b)| Shape::Try(a, b)),
            (block.clone(), block).prop_map(|(a, b)| Shape::Par(a, b)),
        ]
    });
    proptest::collection::vec(step, 0..6)
}

fn to_steps(t: &T, shapes: &[Shape], k: &mut usize) -> Vec<Step> {
    shapes.iter().map(|s| to_step(t, s, k)).collect()
}

fn to_step(t: &T, s: &Shape, k: &mut usize) -> Step {
    let label = format!("s{k}");
    *k += 1;
    let jump = |j: u8| t.to(&format!("s{j}"));
    let (kind, mods) = match s {
        Shape::Call(then) => (
            t.call_kind("f"),
            then.map(|j| vec![Modifier::Then(jump(j))])
                .unwrap_or_default(),
        ),
        Shape::Ret => (StepKind::Return { value: None }, vec![]),
        Shape::Fail => (
            StepKind::Fail {
                error: t.path("E"),
                detail: None,
            },
            vec![],
        ),
        Shape::Switch(a, b) => (
            StepKind::Switch {
                cases: vec![SwitchCase {
                    cond: t.expr(".x"),
                    target: jump(*a),
                    span: t.sp(),
                }],
                default: b.map(jump),
            },
            vec![],
        ),
        Shape::If(a, b) => (
            StepKind::If {
                branches: vec![(t.expr(".c"), t.block(to_steps(t, a, k)))],
                otherwise: b.as_ref().map(|b| t.block(to_steps(t, b, k))),
            },
            vec![],
        ),
        Shape::For(a) => (
            StepKind::For {
                item: t.id("i"),
                index: None,
                collection: t.expr(".xs"),
                while_: None,
                body: t.block(to_steps(t, a, k)),
            },
            vec![],
        ),
        Shape::Try(a, b) => (
            StepKind::Try {
                body: t.block(to_steps(t, a, k)),
                catch: Catch {
                    error: None,
                    as_: None,
                    retry: None,
                    body: t.block(to_steps(t, b, k)),
                    span: t.sp(),
                },
            },
            vec![],
        ),
        Shape::Par(a, b) => (
            StepKind::Parallel {
                compete: false,
                branches: vec![
                    Branch {
                        name: t.id("a"),
                        body: t.block(to_steps(t, a, k)),
                        span: t.sp(),
                    },
                    Branch {
                        name: t.id("b"),
                        body: t.block(to_steps(t, b, k)),
                        span: t.sp(),
                    },
                ],
            },
            vec![],
        ),
    };
    t.step(Some(&label), kind, mods)
}

proptest! {
    #[test]
    fn nested_workflows_keep_the_invariants(shapes in shape()) {
        use super::analysis::{stuck_steps, unreachable_steps};
        use super::render::{Format, cfg_drawing, render};
        let t = T::new();
        let mut k = 0;
        let steps = to_steps(&t, &shapes, &mut k);
        let wf = t.wf(steps);
        let cfg = build(&wf);
        prop_assert_eq!(cfg.steps().len(), k);
        // Every step goes somewhere.
        for n in cfg.steps() {
            prop_assert!(cfg.graph.edges(n).next().is_some(), "{} has no successor", cfg.graph[n].name);
        }
        let found = check_cfg(&cfg);
        let jumps = found.iter().filter(|d| d.code == Code::E0401 || d.code == Code::E0402).count();
        prop_assert_eq!(jumps, cfg.bad_jumps.len());
        let dead = unreachable_steps(&cfg);
        let stuck = stuck_steps(&cfg);
        for d in &found {
            let span = d.primary_span();
            let at = cfg.steps().into_iter().find(|&n| Some(cfg.graph[n].span) == span);
            match d.code {
                Code::W0401 | Code::W0402 => prop_assert!(at.is_some_and(|n| dead.contains(&n))),
                Code::E0403 => prop_assert!(at.is_some_and(|n| stuck.contains(&n))),
                _ => {}
            }
        }
        prop_assert_eq!(
            found.iter().any(|d| d.code == Code::W0401 || d.code == Code::W0402),
            !dead.is_empty()
        );
        // Stuck steps always lead into a reported cycle.
        prop_assert_eq!(found.iter().any(|d| d.code == Code::E0403), !stuck.is_empty());
        let d = cfg_drawing(&cfg);
        for f in [Format::Dot, Format::Mermaid, Format::Svg] {
            let a = render(std::slice::from_ref(&d), f);
            prop_assert_eq!(&a, &render(std::slice::from_ref(&d), f));
        }
    }
}

/// A loop through many workflows is reported with its first hops and a
/// count of the rest, not with every label (400 of them once made a
/// 1,300-line warning).
#[test]
fn a_long_event_loop_is_reported_briefly() {
    use crate::compile::{CompileOptions, check};
    use crate::source::MemProvider;
    use crate::testgen::{FILES_MANIFEST, generate_files};

    // 200 workflows and 20 events: flow_i, started by Happened(i % 20),
    // emits Happened(i+1 % 20): one loop of 20 workflows, 40 steps.
    let files = generate_files(200);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let provider = MemProvider::single("app", FILES_MANIFEST, &refs);
    let c = check(
        &provider,
        &CompileOptions {
            app_dir: "app".into(),
            env: None,
        },
    );
    let loops: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::W0403)
        .collect();
    assert_eq!(loops.len(), 1, "{loops:?}");
    let d = loops[0];
    assert!(
        d.message.ends_with("→ Happened0 → flow_0 (40 steps)"),
        "{}",
        d.message
    );
    assert!(d.message.contains(" → … → "), "{}", d.message);
    assert_eq!(d.labels.len(), 8, "{:?}", d.labels);
    assert_eq!(
        d.note.as_deref(),
        Some("32 more emits and triggers of this loop are not shown")
    );
}
