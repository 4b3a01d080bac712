//! `air graph` renderings checked by independent tools: every SVG parses
//! as XML (roxmltree) and carries every node's label; every dot document
//! is accepted by Graphviz's own `dot`; Mermaid output is structurally
//! sound. Runs over every example app (examples/*/air.toml) and every ok
//! fixture, and drives the `air graph` command itself for exit codes.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_cli::cmd::graph::{Args, Drawn, GraphFormat, Selection, draw, run};
use air_compiler::graph::{
    Drawing, Format, cfg_drawing, event_drawing, event_graph, render, workflow_graph,
};
use air_tests::fixtures::load_all;
use air_tests::repo_root;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Every drawing of every ok fixture (each workflow, and the event graph).
fn fixture_drawings() -> Vec<(String, Drawing)> {
    let mut out = Vec::new();
    for f in load_all(&repo_root().join("tests/fixtures/ok")) {
        let c = air_compiler::compile::check(f.provider.as_ref(), &f.opts);
        assert!(!c.diagnostics.has_errors(), "{}: has errors", f.name);
        let program = c.program.expect("program");
        let unit = program.root().expect("root app");
        for w in unit.workflows() {
            out.push((
                format!("{}#{}", f.name, w.name.name),
                cfg_drawing(&workflow_graph(w)),
            ));
        }
        out.push((
            format!("{}#events", f.name),
            event_drawing(&event_graph(&program, 0)),
        ));
    }
    assert!(out.len() > 10, "too few fixture drawings: {}", out.len());
    out
}

fn example_apps() -> Vec<PathBuf> {
    let mut apps: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("air.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    apps.sort();
    apps
}

/// Parse an SVG document and check it is a drawing of `d`.
fn assert_svg(name: &str, svg: &str, drawings: &[&Drawing]) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{name}: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{name}");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg"),
        "{name}"
    );
    for attr in ["width", "height", "viewBox"] {
        assert!(root.attribute(attr).is_some(), "{name}: no {attr}");
    }
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    for d in drawings {
        assert!(
            texts.contains(&d.title.as_str()),
            "{name}: no title {}",
            d.title
        );
        for n in &d.nodes {
            assert!(
                texts.contains(&n.label.as_str()),
                "{name}: node `{}` not drawn",
                n.label
            );
        }
        let paths = doc.descendants().filter(|n| n.has_tag_name("path")).count();
        assert!(paths >= d.edges.len(), "{name}: edges missing");
    }
}

#[test]
fn svg_of_every_fixture_parses_and_shows_every_node() {
    let all = fixture_drawings();
    for (name, d) in &all {
        let svg = render(std::slice::from_ref(d), Format::Svg);
        assert_svg(name, &svg, &[d]);
        assert_eq!(
            svg,
            render(std::slice::from_ref(d), Format::Svg),
            "{name}: not deterministic"
        );
    }
    // Stacked: every drawing in one image.
    let ds: Vec<Drawing> = all.iter().map(|(_, d)| d.clone()).collect();
    let refs: Vec<&Drawing> = ds.iter().collect();
    assert_svg("stacked", &render(&ds, Format::Svg), &refs);
}

#[test]
fn svg_of_every_example_app_parses() {
    for app in example_apps() {
        let name = app.display().to_string();
        for select in [
            Selection {
                workflow: None,
                events: false,
            },
            Selection {
                workflow: None,
                events: true,
            },
        ] {
            let (drawn, c) = draw(&app, None, None, &select, Format::Svg);
            match drawn {
                Drawn::Text(svg) => {
                    let doc =
                        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(doc.root_element().tag_name().name(), "svg");
                }
                // An app without workflows has only its event graph.
                Drawn::Error(e) if !select.events && e.contains("no workflows") => {}
                Drawn::Error(e) => panic!("{name}: {e}"),
                Drawn::Findings => {
                    let c = c.expect("compilation");
                    let msgs: Vec<String> = c
                        .diagnostics
                        .iter()
                        .map(|d| format!("{} {}", d.code, d.message))
                        .collect();
                    panic!("{name}: example has errors: {msgs:?}");
                }
            }
        }
    }
}

#[test]
fn dot_output_is_accepted_by_graphviz() {
    if !air_tests::tools::require("dot", "graphviz") {
        return;
    }
    for (name, d) in fixture_drawings() {
        let text = render(std::slice::from_ref(&d), Format::Dot);
        let mut child = Command::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Graphviz `dot` must be installed (apt-get install graphviz)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("dot");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name}: dot rejected:\n{}\n{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        let svg = String::from_utf8(out.stdout).expect("utf8");
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        roxmltree::Document::parse_with_options(&svg, opts)
            .unwrap_or_else(|e| panic!("{name}: dot's svg: {e}"));
    }
}

#[test]
fn mermaid_output_is_well_formed() {
    for (name, d) in fixture_drawings() {
        let text = render(std::slice::from_ref(&d), Format::Mermaid);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("---"), "{name}");
        assert!(lines.next().is_some_and(|l| l.starts_with("title: ")));
        assert_eq!(lines.next(), Some("---"), "{name}");
        assert_eq!(lines.next(), Some("flowchart TD"), "{name}");
        let ids: Vec<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
        let mut edges = 0;
        for line in lines {
            let l = line.trim();
            if l.starts_with("classDef") || l.starts_with("class ") || l.starts_with("linkStyle") {
                continue;
            }
            // Quoted text may hold no raw quote: count them in pairs.
            assert_eq!(l.matches('"').count() % 2, 0, "{name}: {l}");
            let first = l
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or("");
            assert!(ids.contains(&first), "{name}: unknown id in `{l}`");
            if l.contains("-->") || l.contains("-.->") {
                edges += 1;
                let last = l.rsplit(' ').next().unwrap_or("");
                assert!(ids.contains(&last), "{name}: unknown target in `{l}`");
            }
        }
        assert_eq!(edges, d.edges.len(), "{name}");
    }
}

/// A one-file fixture copied into a fresh app folder.
fn app_from_fixture(rel: &str) -> PathBuf {
    let src = repo_root().join("tests/fixtures").join(rel);
    let stem = src
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let dir = std::env::temp_dir().join(format!("air-graph-{}-{stem}", std::process::id()));
    let app = dir.join("app");
    std::fs::create_dir_all(&app).expect("mkdir");
    std::fs::write(app.join("air.toml"), air_tests::DEFAULT_MANIFEST).expect("toml");
    std::fs::copy(&src, app.join(format!("{stem}.air"))).expect("copy");
    app
}

fn args(path: &Path, out: Option<PathBuf>, workflow: Option<&str>, format: GraphFormat) -> Args {
    Args {
        path: path.to_path_buf(),
        workflow: workflow.map(String::from),
        events: false,
        format,
        env: None,
        output: out,
        root: None,
    }
}

#[test]
fn air_graph_exit_codes() {
    let ok = app_from_fixture("ok/graph/loop_with_exit.air");
    let out = ok.join("poll.svg");
    assert_eq!(
        run(args(&ok, Some(out.clone()), Some("poll"), GraphFormat::Svg)),
        0
    );
    let svg = std::fs::read_to_string(&out).expect("written");
    let doc = roxmltree::Document::parse(&svg).expect("svg");
    assert!(
        doc.descendants()
            .any(|n| n.text() == Some("switch · decide"))
    );
    // Unknown workflow: could not run.
    assert_eq!(run(args(&ok, None, Some("pol"), GraphFormat::Dot)), 2);
    let (drawn, _) = draw(
        &ok,
        None,
        None,
        &Selection {
            workflow: Some("pol".into()),
            events: false,
        },
        Format::Dot,
    );
    match drawn {
        Drawn::Error(e) => assert!(e.contains("did you mean `poll`?"), "{e}"),
        _ => panic!("expected an error"),
    }
    // An app with errors: findings, nothing drawn.
    let bad = app_from_fixture("err/graph/jump_unknown.air");
    let out = bad.join("never.dot");
    assert_eq!(
        run(args(&bad, Some(out.clone()), None, GraphFormat::Dot)),
        1
    );
    assert!(!out.exists());
    // Not an app folder.
    assert_eq!(
        run(args(&ok.join("missing"), None, None, GraphFormat::Dot)),
        2
    );
    let _ = std::fs::remove_dir_all(ok.parent().expect("dir"));
    let _ = std::fs::remove_dir_all(bad.parent().expect("dir"));
}
