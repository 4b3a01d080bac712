//! The controller's small web dashboard, server-rendered HTML without
//! scripts: `/` lists the apps (sync, health, revision, drift, last
//! error) and refreshes itself; `/apps/<name>` shows one app: its objects'
//! health, drift, diagnostics, each workflow's state machine as SVG (drawn
//! by the compiler, as `air graph --format svg`) and the event catalog.
//!
//! Everything shown comes from the status (never a credential) and the
//! compiled revision; every piece of text is HTML-escaped.

use crate::desired::AppViews;
use crate::status::AppStatus;
use serde_json::Value;
use std::fmt::Write;

/// HTML-escape text for element content and attribute values (the SVG
/// writer's escaping: `&apos;` is valid HTML too).
pub use air_compiler::graph::svg::xml as esc;

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}.synced,.healthy{color:#176f2c}.failed,.degraded,.out-of-sync{color:#b00020}\
.progressing,.pending,.suspended{color:#8a6d00}code{font-size:13px}figure{margin:1em 0}";

fn page(title: &str, refresh: bool, body: &str) -> String {
    let meta = if refresh {
        "<meta http-equiv=\"refresh\" content=\"5\">"
    } else {
        ""
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{meta}<title>{}</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        esc(title)
    )
}

fn short(rev: Option<&str>) -> String {
    rev.map_or("—".into(), |r| crate::status::short_commit(r).to_string())
}

/// `/`: one row per app.
pub fn index(apps: &[std::sync::Arc<AppStatus>]) -> String {
    let mut b = String::from("<h1>air: apps</h1>\n");
    if apps.is_empty() {
        b.push_str("<p>No apps are configured.</p>\n");
        return page("air: apps", true, &b);
    }
    b.push_str("<table id=\"apps\"><tr><th>app</th><th>sync</th><th>health</th><th>revision</th><th>drifted</th><th>last error</th></tr>\n");
    for a in apps {
        let sync = a.sync.to_string();
        let health = a.health.to_string();
        let error = a.last_error.as_ref().map_or(String::new(), |e| {
            format!("{:?}: {}", e.stage, e.message).to_lowercase()
        });
        let _ = writeln!(
            b,
            "<tr class=\"app\"><td><a href=\"/apps/{n}\">{n}</a></td><td class=\"{s}\">{s}</td><td class=\"{h}\">{h}</td><td><code>{r}</code></td><td>{d}</td><td>{e}</td></tr>",
            n = esc(&a.name),
            s = esc(&sync),
            h = esc(&health),
            r = esc(&short(a.revision.as_deref())),
            d = a.drifted.len(),
            e = esc(&error),
        );
    }
    b.push_str("</table>\n");
    page("air: apps", true, &b)
}

/// `/apps/<name>`: the app's status, graphs and catalog.
pub fn app(status: &AppStatus, views: Option<&AppViews>) -> String {
    let name = esc(&status.name);
    let mut b = format!("<p><a href=\"/\">all apps</a></p>\n<h1>{name}</h1>\n");
    let _ = writeln!(
        b,
        "<p>sync <b class=\"{s}\">{s}</b> · health <b class=\"{h}\">{h}</b> · revision <code>{r}</code> · <code>{repo}</code> {reference} <code>{path}</code></p>",
        s = esc(&status.sync.to_string()),
        h = esc(&status.health.to_string()),
        r = esc(&short(status.revision.as_deref())),
        repo = esc(&status.repo),
        reference = esc(&status.reference),
        path = esc(&status.path),
    );
    if let Some(e) = &status.last_error {
        let _ = writeln!(
            b,
            "<p class=\"failed\" id=\"last-error\">{}{}</p>",
            e.reason.map_or(String::new(), |r| format!("{r}: ")),
            esc(&e.message)
        );
    }
    if !status.diagnostics.is_empty() {
        b.push_str("<h2>Diagnostics</h2>\n<ul id=\"diagnostics\">\n");
        for d in &status.diagnostics {
            let at = match (&d.file, d.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                _ => String::new(),
            };
            let _ = writeln!(
                b,
                "<li><code>{}{}[{}]</code> {}</li>",
                esc(&at),
                esc(d.severity.as_str()),
                esc(&d.code),
                esc(&d.message)
            );
        }
        b.push_str("</ul>\n");
        if status.diagnostics_omitted > 0 {
            let _ = writeln!(
                b,
                "<p id=\"diagnostics-omitted\">… and {} more (run <code>air check</code> for all)</p>",
                status.diagnostics_omitted
            );
        }
    }
    if !status.drifted.is_empty() {
        b.push_str("<h2>Drift</h2>\n<ul id=\"drifted\">\n");
        for d in &status.drifted {
            let _ = writeln!(
                b,
                "<li><code>{}</code>: {}</li>",
                esc(&d.object.to_string()),
                esc(&d.summary)
            );
        }
        b.push_str("</ul>\n");
    }
    b.push_str("<h2>Objects</h2>\n<table id=\"objects\"><tr><th>object</th><th>health</th><th>why</th></tr>\n");
    for o in &status.objects {
        let h = o.health.to_string();
        let _ = writeln!(
            b,
            "<tr><td><code>{}</code></td><td class=\"{h}\">{h}</td><td>{}</td></tr>",
            esc(&o.object.to_string()),
            esc(&o.message)
        );
    }
    b.push_str("</table>\n");
    if let Some(v) = views {
        workflows(&mut b, v);
        catalog(&mut b, &v.catalog);
    }
    page(&format!("air: {}", status.name), true, &b)
}

fn workflows(b: &mut String, v: &AppViews) {
    if v.graphs.is_empty() {
        return;
    }
    b.push_str("<h2>Workflows</h2>\n");
    for (name, svg) in &v.graphs {
        // The SVG comes from the compiler, which escapes every name it
        // draws (graph::svg::xml), so it is embedded as is.
        let _ = writeln!(
            b,
            "<figure class=\"workflow\" id=\"workflow-{n}\"><figcaption>{n}</figcaption>{svg}</figure>",
            n = esc(name)
        );
    }
}

fn catalog(b: &mut String, catalog: &Value) {
    let Some(events) = catalog.get("events").and_then(Value::as_array) else {
        return;
    };
    b.push_str("<h2>Event catalog</h2>\n<table id=\"catalog\"><tr><th>event</th><th>type</th><th>source</th><th>producers</th><th>consumers</th></tr>\n");
    let text = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let list = |e: &Value, k: &str| {
        e.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    for e in events {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&text(e, "name")),
            esc(&text(e, "type")),
            esc(&text(e, "source")),
            esc(&list(e, "producers")),
            esc(&list(e, "consumers"))
        );
    }
    b.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn everything_is_escaped() {
        let status = AppStatus {
            name: "a<b>".into(),
            repo: "https://x/\"r\"".into(),
            ..AppStatus::default()
        };
        let html = index(&[std::sync::Arc::new(status.clone())]);
        assert!(html.contains("a&lt;b&gt;") && !html.contains("a<b>"));
        let views = AppViews {
            graphs: vec![("w<1>".into(), "<svg></svg>".into())],
            catalog: json!({"events": [{"name": "<E>", "producers": ["p&q"]}]}),
        };
        let html = app(&status, Some(&views));
        assert!(html.contains("&quot;r&quot;"));
        assert!(html.contains("w&lt;1&gt;</figcaption><svg></svg>"));
        assert!(html.contains("<td>&lt;E&gt;</td>") && html.contains("p&amp;q"));
    }
}
