//! `air lsp` through the protocol: the real binary, spoken to over
//! JSON-RPC on a copy of examples/order-fulfilment, as an editor would.

use air_compiler::Code;
use air_tests::lsp_client as client;

use client::{Client, uri};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/order-fulfilment")
}

/// A fresh copy of the example in its own repository folder.
fn copy_example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    std::fs::create_dir(root.join(".git")).expect(".git");
    let app = root.join("shop");
    std::fs::create_dir(&app).expect("app dir");
    for e in std::fs::read_dir(example()).expect("example") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), app.join(e.file_name())).expect("copy");
    }
    (tmp, app)
}

/// The protocol position (line, UTF-16 column) of the `nth` occurrence of
/// `needle` in `text`, plus `shift` characters.
fn pos(text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("needle in text");
    let before = &text[..at];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[line_start..at].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": col + shift})
}

fn at(path: &Path, text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": pos(text, needle, nth, shift)})
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn has_code(diags: &[Value], code: Code) -> bool {
    diags.iter().any(|d| d["code"] == code.as_str())
}

/// `air check --format json` on a folder: (code, 0-based line, message).
fn check_json(app: &Path) -> Vec<(String, u64, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_air"))
        .args(["check", "--format", "json"])
        .arg(app)
        .output()
        .expect("run air check");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    doc["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0).saturating_sub(1),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn an_editor_session_on_the_order_example() {
    let (_tmp, app) = copy_example();
    let fulfil = app.join("fulfil.air");
    let services = app.join("services.air");
    let types = app.join("types.air");
    let text = std::fs::read_to_string(&fulfil).expect("read");
    let mut c = Client::start(std::path::Path::new(env!("CARGO_BIN_EXE_air")));

    let init = c.initialize(&app);
    let caps = &init["capabilities"];
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "completionProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
        "renameProvider",
    ] {
        assert!(!caps[cap].is_null(), "{cap} missing in {caps}");
    }

    // A clean app: the open file hears "nothing wrong".
    c.open(&fulfil, &text);
    let d = c.diagnostics_for(&uri(&fulfil), |_| true);
    assert!(d.is_empty(), "{d:?}");

    // A typo as the user types: the same diagnostic `air check` gives.
    let typo = text.replace("on OrderCreated", "on OrderCreatd");
    c.change(&fulfil, 2, &typo);
    let d = c.diagnostics_for(&uri(&fulfil), |d| has_code(d, Code::E0201));
    std::fs::write(&fulfil, &typo).expect("write");
    let cli = check_json(&app);
    std::fs::write(&fulfil, &text).expect("restore");
    let from_lsp: Vec<(String, u64, String)> = d
        .iter()
        .map(|d| {
            let msg = d["message"].as_str().unwrap_or("");
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["range"]["start"]["line"].as_u64().unwrap_or(0),
                msg.lines().next().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(from_lsp, cli, "the server and `air check` disagree");
    assert_eq!(d[0]["range"]["start"], pos(&typo, "OrderCreatd", 0, 0));
    assert!(
        d[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("help: did you mean `OrderCreated`?")),
        "{d:?}"
    );

    // Hover on the diagnostic: `air explain`'s summary.
    let h = c.request(
        "textDocument/hover",
        at(&fulfil, &typo, "OrderCreatd", 0, 3),
    );
    let h = h["contents"]["value"].as_str().unwrap_or("");
    assert!(h.contains("**E0201**: unknown name."), "{h}");

    // A syntax error in one file, a typo in another: the other file still
    // gets its semantic diagnostic.
    let broken = text.replace("ship: parallel {", "ship: parallel {{");
    c.change(&fulfil, 3, &broken);
    let svc_text = std::fs::read_to_string(&services).expect("read");
    let svc_typo = svc_text.replace("on OrderCancelled", "on OrderCancelld");
    c.open(&services, &svc_typo);
    let d = c.diagnostics_for(&uri(&services), |d| has_code(d, Code::E0201));
    assert_eq!(d.len(), 1, "{d:?}");
    let d = c.diagnostics_for(&uri(&fulfil), |d| !d.is_empty());
    assert!(
        d.iter()
            .all(|d| d["code"].as_str().is_some_and(|c| c.starts_with("E01"))),
        "{d:?}"
    );

    // Back to the example's text: everything clean again.
    c.change(&fulfil, 4, &text);
    c.change(&services, 2, &svc_text);
    c.diagnostics_for(&uri(&services), |d| d.is_empty());

    // Definition: `on OrderCreated` → events.air.
    let def = c.request(
        "textDocument/definition",
        at(&fulfil, &text, "on OrderCreated", 0, 5),
    );
    let events = app.join("events.air");
    assert_eq!(def["uri"], uri(&events), "{def}");
    assert_eq!(def["range"]["start"], json!({"line": 1, "character": 13}));

    // Hover: the declaration, its docs, its CloudEvents type and schema.
    let h = c.request(
        "textDocument/hover",
        at(&fulfil, &text, "on OrderCreated", 0, 5),
    );
    let h = h["contents"]["value"].as_str().unwrap_or("");
    for part in [
        "extern event OrderCreated {",
        "A customer placed an order (published by the storefront).",
        "CloudEvents type `com.example.shop.order.created`",
        "\"ship_to\"",
    ] {
        assert!(h.contains(part), "hover lacks {part:?}:\n{h}");
    }

    // References of a function: its declaration and both calls.
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&services)},
               "position": pos(&svc_text, "function inventory ", 0, 10),
               "context": {"includeDeclaration": true}}),
    );
    let refs = refs.as_array().cloned().unwrap_or_default();
    let tests_air = app.join("tests.air");
    let tests_text = std::fs::read_to_string(&tests_air).expect("read");
    // Tests mock and expect it too (`call inventory =>`, `call inventory {`).
    let in_tests = tests_text.matches("call inventory ").count();
    let per_file = |file: &Path| refs.iter().filter(|r| r["uri"] == uri(file)).count();
    assert_eq!(
        (per_file(&services), per_file(&fulfil), per_file(&tests_air)),
        (1, 1, in_tests),
        "{refs:?}"
    );

    // Completion: start-event fields after `.data.`, nested through a type.
    let items = c.request(
        "textDocument/completion",
        at(&fulfil, &text, ".data.id", 0, 6),
    );
    let got = labels(&items);
    for f in ["id", "amount", "currency", "items", "ship_to", "attributes"] {
        assert!(got.contains(&f.to_string()), "{f} not in {got:?}");
    }
    // Typing a new step: labels after `then`, methods after a service.
    let typing = text.replace(
        "  settled: wait",
        "  call payments \n  call inventory then \n  settled: wait",
    );
    c.change(&fulfil, 5, &typing);
    let items = c.request(
        "textDocument/completion",
        at(&fulfil, &typing, "call payments ", 1, 14),
    );
    assert!(labels(&items).contains(&"POST".to_string()), "{items}");
    let items = c.request(
        "textDocument/completion",
        at(&fulfil, &typing, "then ", 0, 5),
    );
    let got = labels(&items);
    for l in ["reserve", "charge", "settled", "ship", "end"] {
        assert!(got.contains(&l.to_string()), "{l} not in {got:?}");
    }
    c.change(&fulfil, 6, &text);

    // A test block being written in a new, unsaved file.
    let new_tests = app.join("tests.air");
    let draft = "test \"an order ships\" {\n  send \n  expect workflow fulfil_order \n";
    c.open(&new_tests, draft);
    let items = c.request(
        "textDocument/completion",
        at(&new_tests, draft, "send ", 0, 5),
    );
    assert!(
        labels(&items).contains(&"OrderCreated".to_string()),
        "{items}"
    );
    let items = c.request(
        "textDocument/completion",
        at(&new_tests, draft, "fulfil_order ", 0, 13),
    );
    assert!(labels(&items).contains(&"completes".to_string()), "{items}");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&new_tests)}}),
    );

    // Rename a step label: the label and its `$context.` use.
    let edit = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&fulfil)},
               "position": pos(&text, "charge:", 0, 1), "newName": "pay"}),
    );
    let edits = edit["changes"][uri(&fulfil)]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edits.len(), 2, "{edit}");
    let bad = c.request_raw(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&fulfil)},
               "position": pos(&text, "charge:", 0, 1), "newName": "emit"}),
    );
    assert!(
        bad["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("keyword"))
    );

    // Outline: the workflow with its labelled steps.
    let syms = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&fulfil)}}),
    );
    assert_eq!(syms[0]["name"], "fulfil_order");
    let steps = labels(&json!(syms[0]["children"].as_array().map(|a| {
        a.iter()
            .map(|s| json!({"label": s["name"]}))
            .collect::<Vec<_>>()
    })));
    assert_eq!(steps, ["reserve", "charge", "settled", "ship"]);

    // Formatting a messy buffer gives back the example's canonical text.
    let tidy = std::fs::read_to_string(&types).expect("read");
    let messy = tidy.replace("\n  ", "\n        ");
    c.open(&types, &messy);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&types)},
               "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], tidy.as_str(), "{edits}");

    names_in_test_blocks(&mut c, &app);

    assert_eq!(c.shutdown(), Some(0));
}

/// The text edits of a `WorkspaceEdit` applied to the files on disk.
fn apply_workspace_edit(edit: &Value, files: &[&Path]) {
    for file in files {
        let Some(edits) = edit["changes"][uri(file)].as_array() else {
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read");
        let offset = |p: &Value| -> usize {
            let line = p["line"].as_u64().expect("line") as usize;
            let col = p["character"].as_u64().expect("character") as usize;
            let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
            let mut units = 0;
            let rest = &text[start..];
            rest.char_indices()
                .find(|(_, ch)| {
                    let before = units;
                    units += ch.len_utf16();
                    before >= col
                })
                .map_or(text.len(), |(i, _)| start + i)
        };
        let mut spans: Vec<(usize, usize, String)> = edits
            .iter()
            .map(|e| {
                (
                    offset(&e["range"]["start"]),
                    offset(&e["range"]["end"]),
                    e["newText"].as_str().expect("newText").to_string(),
                )
            })
            .collect();
        spans.sort_by_key(|s| std::cmp::Reverse(s.0));
        let mut out = text.clone();
        for (start, end, new) in spans {
            out.replace_range(start..end, &new);
        }
        std::fs::write(file, out).expect("write");
    }
}

/// Definition, references and rename through the names of `test` blocks
/// (events sent, functions mocked, workflows expected, step labels of an
/// expected context), checked by applying the edits and running
/// `air check` on the result.
fn names_in_test_blocks(c: &mut Client, app: &Path) {
    let tests_air = app.join("tests.air");
    let events = app.join("events.air");
    let fulfil = app.join("fulfil.air");
    let services = app.join("services.air");
    let tests_text = std::fs::read_to_string(&tests_air).expect("read");

    // Definition from a test: `mock call inventory` → services.air.
    let def = c.request(
        "textDocument/definition",
        at(&tests_air, &tests_text, "mock call inventory", 0, 11),
    );
    assert_eq!(def["uri"], uri(&services), "{def}");
    // ... and `expect workflow fulfil_order` → fulfil.air.
    let def = c.request(
        "textDocument/definition",
        at(
            &tests_air,
            &tests_text,
            "expect workflow fulfil_order",
            0,
            17,
        ),
    );
    assert_eq!(def["uri"], uri(&fulfil), "{def}");

    // References of an event from a `send` in a test: its declaration,
    // the workflow started by it, and every `send` of it.
    let sends = tests_text.matches("send OrderCreated").count();
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&tests_air)},
               "position": pos(&tests_text, "send OrderCreated", 0, 6),
               "context": {"includeDeclaration": true}}),
    );
    let refs = refs.as_array().cloned().unwrap_or_default();
    let per_file = |file: &Path| refs.iter().filter(|r| r["uri"] == uri(file)).count();
    assert_eq!(per_file(&tests_air), sends, "{refs:?}");
    assert_eq!(per_file(&events), 1, "{refs:?}");
    assert!(per_file(&fulfil) >= 1, "{refs:?}");

    // Rename it from inside the test block: every file changes, and the
    // renamed app still checks clean.
    let edit = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&tests_air)},
               "position": pos(&tests_text, "send OrderCreated", 1, 7),
               "newName": "OrderPlaced"}),
    );
    assert_eq!(
        edit["changes"][uri(&tests_air)].as_array().map(Vec::len),
        Some(sends),
        "{edit}"
    );
    let files = [&tests_air, &events, &fulfil, &services];
    let files: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    apply_workspace_edit(&edit, &files);
    assert!(
        check_json(app).is_empty(),
        "after the rename: {:?}",
        check_json(app)
    );
    let renamed = std::fs::read_to_string(&tests_air).expect("read");
    assert!(!renamed.contains("OrderCreated") && renamed.contains("send OrderPlaced"));
    for f in &files {
        c.notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": uri(f)}}),
        );
    }

    // A step label named by a test's expected context: rename it from the
    // test, and the label, its `$context.` use and the key all change.
    let with_context = format!(
        "{renamed}\ntest \"the charge is kept\" {{\n  start fulfil_order\n  expect workflow fulfil_order context {{ charge: {{ status: \"approved\" }} }}\n}}\n"
    );
    std::fs::write(&tests_air, &with_context).expect("write");
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&tests_air)}}),
    );
    let fulfil_text = std::fs::read_to_string(&fulfil).expect("read");
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&tests_air)},
               "position": pos(&with_context, "context { charge", 0, 11),
               "context": {"includeDeclaration": true}}),
    );
    let refs = refs.as_array().cloned().unwrap_or_default();
    assert_eq!(
        refs.len(),
        1 + fulfil_text.matches("$context.charge").count() + 1,
        "{refs:?}"
    );
    let edit = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&tests_air)},
               "position": pos(&with_context, "context { charge", 0, 11),
               "newName": "pay"}),
    );
    apply_workspace_edit(&edit, &files);
    let after = std::fs::read_to_string(&fulfil).expect("read");
    assert!(
        after.contains("pay: call payments") && after.contains("$context.pay."),
        "{after}"
    );
    assert!(
        std::fs::read_to_string(&tests_air)
            .expect("read")
            .contains("context { pay: {")
    );
}
