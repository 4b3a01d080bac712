//! What a test run reports, and its machine-readable forms: JSON (for
//! tools) and JUnit XML (for CI systems). The human form is the CLI's.

use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    pub name: String,
    /// Where the test is written, `file:line`.
    pub location: String,
    /// Empty when the test passed.
    pub failures: Vec<Failure>,
    /// The timeline of the run (`--trace`), one line per entry.
    pub trace: Vec<TraceLine>,
    /// Virtual time the test covered, in milliseconds.
    pub virtual_ms: u64,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Why a test failed, and where: the test statement (`file:line`) and,
/// when a workflow step is to blame, the step's source (`file:line`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub location: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// One line of a timeline: the virtual time, the run it belongs to (if
/// any), what happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceLine {
    pub at_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    pub text: String,
}

impl TraceLine {
    /// `+1.5s   fulfil-order#1  text`
    pub fn render(&self) -> String {
        let run = self.run.as_deref().unwrap_or("");
        format!("{:>9}  {run:<22} {}", clock(self.at_ms), self.text)
    }
}

/// Virtual time as `+0ms`, `+250ms`, `+1.5s`, `+2m5s`, `+2d3h`.
pub fn clock(ms: u64) -> String {
    if ms < 1000 {
        return format!("+{ms}ms");
    }
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let frac = ms % 1000;
    let mut out = String::from("+");
    if d > 0 {
        let _ = write!(out, "{d}d");
    }
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if sec > 0 || frac > 0 {
        if frac > 0 && d == 0 && h == 0 {
            let _ = write!(out, "{sec}.{}s", format!("{frac:03}").trim_end_matches('0'));
        } else {
            let _ = write!(out, "{sec}s");
        }
    }
    out
}

/// The documented `--format json` form:
/// `{"app", "passed", "failed", "tests": [{name, location, passed,
/// failures: [{location, message, step?}], virtual_ms, trace?}]}`.
pub fn to_json(app: &str, results: &[TestResult], with_trace: bool) -> Value {
    let passed = results.iter().filter(|r| r.passed()).count();
    json!({
        "app": app,
        "passed": passed,
        "failed": results.len() - passed,
        "tests": results.iter().map(|r| {
            let mut t = json!({
                "name": r.name,
                "location": r.location,
                "passed": r.passed(),
                "failures": r.failures,
                "virtual_ms": r.virtual_ms,
            });
            if with_trace {
                t["trace"] = json!(r.trace);
            }
            t
        }).collect::<Vec<_>>(),
    })
}

/// JUnit XML (the dialect Jenkins, GitLab and GitHub reporters read): one
/// `<testsuite>` for the app, a `<testcase>` per test, `<failure>` with
/// every failure of a test, the timeline in `<system-out>`.
pub fn to_junit(app: &str, results: &[TestResult]) -> String {
    let failed = results.iter().filter(|r| !r.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"air test\" tests=\"{}\" failures=\"{failed}\" errors=\"0\">",
        results.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">",
        xml(app),
        results.len()
    );
    for r in results {
        let file = r.location.rsplit_once(':').map_or(&*r.location, |(f, _)| f);
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"0\"",
            xml(app),
            xml(&r.name),
            xml(file)
        );
        if r.passed() && r.trace.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if let Some(first) = r.failures.first() {
            let body: Vec<String> = r
                .failures
                .iter()
                .map(|f| match &f.step {
                    Some(step) => format!("{}: {} (step at {step})", f.location, f.message),
                    None => format!("{}: {}", f.location, f.message),
                })
                .collect();
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"AssertionError\">{}</failure>",
                xml(&first.message),
                xml(&body.join("\n"))
            );
        }
        if !r.trace.is_empty() {
            let lines: Vec<String> = r.trace.iter().map(TraceLine::render).collect();
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                xml(&lines.join("\n"))
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Text for XML content and attributes; characters XML 1.0 cannot hold
/// become U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, failures: Vec<Failure>) -> TestResult {
        TestResult {
            name: name.into(),
            location: "fulfil.air:3".into(),
            failures,
            trace: vec![],
            virtual_ms: 0,
        }
    }

    #[test]
    fn clock_reads_like_a_duration() {
        assert_eq!(clock(0), "+0ms");
        assert_eq!(clock(1500), "+1.5s");
        assert_eq!(clock(125_000), "+2m5s");
        assert_eq!(clock(2 * 86_400_000 + 3_600_000), "+2d1h");
    }

    #[test]
    fn junit_escapes_and_counts() {
        let r = vec![
            result("ok <1>", vec![]),
            result(
                "bad & \"quoted\"",
                vec![Failure {
                    location: "fulfil.air:7".into(),
                    message: "expected <x>\u{1}".into(),
                    step: Some("fulfil.air:20".into()),
                }],
            ),
        ];
        let x = to_junit("shop", &r);
        assert!(x.contains("tests=\"2\" failures=\"1\""), "{x}");
        assert!(x.contains("name=\"ok &lt;1&gt;\""), "{x}");
        assert!(x.contains("name=\"bad &amp; &quot;quoted&quot;\""), "{x}");
        assert!(x.contains("expected &lt;x&gt;\u{FFFD}"), "{x}");
        assert!(x.contains("(step at fulfil.air:20)"), "{x}");
        let j = to_json("shop", &r, false);
        assert_eq!(j["passed"], 1);
        assert_eq!(j["failed"], 1);
        assert_eq!(j["tests"][1]["failures"][0]["step"], "fulfil.air:20");
    }
}
