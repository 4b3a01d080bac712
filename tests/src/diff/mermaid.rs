//! Checks Mermaid blocks with the real `mermaid` parser (tests/mermaid,
//! `npm ci`) in headless Chromium. Missing tools fail the test under CI
//! (`CI` set to anything but `false`/`0`, or `AIR_REQUIRE_MERMAID=1`);
//! elsewhere the check says loudly that it did not run.

#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::PathBuf;

/// The ```mermaid blocks of a Markdown text.
pub fn blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in markdown.lines() {
        match &mut cur {
            None if line.trim() == "```mermaid" => cur = Some(String::new()),
            Some(b) if line.trim() == "```" => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

fn tools() -> Result<(PathBuf, String), String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mermaid");
    let js = root.join("node_modules/mermaid/dist/mermaid.min.js");
    if !js.is_file() {
        return Err(format!(
            "{} missing: run `npm ci` in tests/mermaid",
            js.display()
        ));
    }
    let chromium = crate::browser::chromium()?;
    Ok((js, chromium))
}

/// Whether a missing Chromium or mermaid package is a failure.
fn required() -> bool {
    let set =
        |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    set("CI") || set("AIR_REQUIRE_MERMAID")
}

/// Parse every block; returns one "OK i" / "ERROR i: …" line per block, or
/// `None` when the tools are missing outside CI.
pub fn check(blocks: &[String]) -> Option<Vec<String>> {
    let (js, chromium) = match tools() {
        Ok(t) => t,
        Err(e) if required() => {
            panic!("mermaid check cannot run in CI: {e}")
        }
        Err(e) => {
            crate::tools::missing(&format!("the mermaid check cannot run: {e}"));
            return None;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let template = include_str!("../../mermaid/check.html.tmpl");
    let page = template
        .replace("MERMAID_JS", &format!("file://{}", js.display()))
        .replace(
            "BLOCKS_JSON",
            &serde_json::to_string(blocks).unwrap().replace("</", "<\\/"),
        );
    let html = tmp.path().join("check.html");
    std::fs::write(&html, page).unwrap();
    let out = crate::browser::dump_dom(&chromium, &tmp.path().join("profile"))
        .arg("--virtual-time-budget=20000")
        .arg(&html)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let start =
        dom.find("<pre id=\"result\">").expect("result element") + "<pre id=\"result\">".len();
    let text = &dom[start..dom[start..].find("</pre>").unwrap() + start];
    // --dump-dom escapes the text of the page.
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(
        lines.first().map(String::as_str),
        Some("DONE"),
        "mermaid page did not finish: {text}"
    );
    Some(lines[1..].to_vec())
}
