//! `air.toml`: read with the span-keeping TOML reader ([`crate::toml_doc`],
//! shared with the reconciler's configuration) so every problem points at
//! the key or value that causes it, then
//! flattened into [`Manifest`] with the `--env` overlay applied.
//!
//! Keys (docs/air-toml.md), all others are errors with a suggestion:
//!
//! ```toml
//! [app]      name (required, DNS-1123 label)  namespace (required)  owner  description
//! [broker]   name (default: the app name)  external
//! [runtime]  kind ("generic" | "sonataflow")  url
//! [params]   any TOML values (compile-time `param` values)
//! [env.NAME] namespace  owner  description
//! [env.NAME.broker]   name  external     (override [broker])
//! [env.NAME.runtime]  kind  url          (override [runtime])
//! [env.NAME.params]   (override [params])
//! ```
//!
//! `app.name` cannot be overridden per environment: it is the app's
//! identity (labels, default broker, CloudEvents defaults) and changing it
//! per environment would make the environments different apps.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics, suggest};
use crate::model::{DEFAULT_RUNTIME_URL, Manifest};
use crate::span::{FileId, Span};
use crate::toml_doc::{self, DeTable, DeValue, Expected, Spanned, TomlReader};
use std::collections::BTreeMap;

const TOP_KEYS: &[&str] = &["app", "broker", "runtime", "params", "env"];
const APP_KEYS: &[&str] = &["name", "namespace", "owner", "description"];
const BROKER_KEYS: &[&str] = &["name", "external"];
const RUNTIME_KEYS: &[&str] = &["kind", "url"];
const ENV_KEYS: &[&str] = &[
    "namespace",
    "owner",
    "description",
    "broker",
    "runtime",
    "params",
];
const RUNTIME_KINDS: &[&str] = &["generic", "sonataflow"];

/// The keys air.toml knows in a table (`""` = the top level; `"env"` =
/// an `[env.NAME]` table), for editors' completion lists.
pub fn known_keys(table: &str) -> &'static [&'static str] {
    match table {
        "" => TOP_KEYS,
        "app" => APP_KEYS,
        "broker" => BROKER_KEYS,
        "runtime" => RUNTIME_KEYS,
        "env" => ENV_KEYS,
        _ => &[],
    }
}

/// One `[params]` entry (after the overlay).
#[derive(Clone, Debug, PartialEq)]
pub struct TomlParam {
    pub value: serde_json::Value,
    /// The key, for "declared nowhere" warnings.
    pub key_span: Span,
    /// The value, for type errors.
    pub value_span: Span,
    /// Set by `[env.NAME.params]` rather than `[params]`.
    pub from_env: bool,
    /// The `[params]` entry an environment value replaced (value and its
    /// span): still checked, a wrong value there is a mistake too.
    pub shadowed: Option<(serde_json::Value, Span)>,
}

/// What air.toml says, environment applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestFile {
    pub manifest: Manifest,
    pub params: BTreeMap<String, TomlParam>,
    /// Every `[env.NAME]` defined, sorted.
    pub envs: Vec<String>,
}

/// Parse air.toml (`file` in the source map, `text` its contents).
/// `env` is the selected environment; `strict_env` makes an unknown one an
/// error (the root app) rather than "no overlay" (imported apps).
/// `None` only when the text is not TOML at all.
pub fn parse_manifest(
    file: FileId,
    text: &str,
    env: Option<&str>,
    strict_env: bool,
    diags: &mut Diagnostics,
) -> Option<ManifestFile> {
    let doc = match toml_doc::parse(text) {
        Ok(doc) => doc,
        Err(errors) => {
            for e in errors {
                diags.push(
                    Diagnostic::error(Code::E0220, "air.toml is not valid TOML")
                        .with_primary(Span::new(file, e.span.start, e.span.end), e.message),
                );
            }
            return None;
        }
    };
    let mut r = Reader { file, diags };
    let root = doc.get_ref();
    r.known_keys(root, TOP_KEYS, "");

    let mut m = Manifest::default();
    let app = r.table(root, "app");
    let start = Span::new(file, 0, 0);
    match app {
        Some(app) => {
            r.known_keys(app, APP_KEYS, "app.");
            let (header, _) = root
                .get_key_value("app")
                .map(|(k, v)| (r.span(k.span()), v))
                .unzip();
            let header = header.unwrap_or(start);
            match r.string(app, "app.", "name") {
                Some((name, span)) if r.dns_label(&name, span, "app.name") => m.name = name,
                None if !r.has(app, "name") => r.missing("app.name", header),
                _ => {}
            }
            match r.string(app, "app.", "namespace") {
                Some((ns, span)) if r.dns_label(&ns, span, "app.namespace") => m.namespace = ns,
                None if !r.has(app, "namespace") => r.missing("app.namespace", header),
                _ => {}
            }
            m.owner = r.string(app, "app.", "owner").map(|s| s.0);
            m.description = r.string(app, "app.", "description").map(|s| s.0);
        }
        None if !r.has(root, "app") => r.missing("[app]", start),
        None => {}
    }
    if let Some(broker) = r.table(root, "broker") {
        r.broker(broker, "broker.", &mut m);
    }
    if let Some(runtime) = r.table(root, "runtime") {
        r.runtime(runtime, "runtime.", &mut m);
    }
    let mut params = BTreeMap::new();
    if let Some(p) = r.table(root, "params") {
        r.params(p, false, &mut params);
    }

    // Environments: validate every one (a typo in an unused environment is
    // still a typo), apply the selected one.
    let mut envs = Vec::new();
    let mut env_tables = Vec::new();
    if let Some(env_root) = r.table(root, "env") {
        for (name, value) in env_root.iter() {
            let prefix = format!("env.{}.", name.get_ref());
            match value.get_ref() {
                DeValue::Table(t) => {
                    r.known_keys(t, ENV_KEYS, &prefix);
                    envs.push(name.get_ref().to_string());
                    env_tables.push((name.get_ref().to_string(), r.span(name.span()), t));
                }
                other => {
                    let at = r.span(value.span());
                    r.wrong_type("env.", name.get_ref(), Expected::Table, other, at);
                }
            }
        }
    }
    if let Some(selected) = env {
        match env_tables.iter().find(|(n, _, _)| n == selected) {
            Some((name, _, t)) => {
                let prefix = format!("env.{name}.");
                if let Some((ns, span)) = r.string(t, &prefix, "namespace")
                    && r.dns_label(&ns, span, &format!("{prefix}namespace"))
                {
                    m.namespace = ns;
                }
                if let Some((o, _)) = r.string(t, &prefix, "owner") {
                    m.owner = Some(o);
                }
                if let Some((d, _)) = r.string(t, &prefix, "description") {
                    m.description = Some(d);
                }
                if let Some(b) = r.table_at(t, &prefix, "broker") {
                    r.broker(b, &format!("{prefix}broker."), &mut m);
                }
                if let Some(rt) = r.table_at(t, &prefix, "runtime") {
                    r.runtime(rt, &format!("{prefix}runtime."), &mut m);
                }
                if let Some(p) = r.table_at(t, &prefix, "params") {
                    r.params(p, true, &mut params);
                }
                m.env = Some(selected.to_string());
            }
            None if strict_env => {
                let mut d =
                    Diagnostic::error(Code::E0225, format!("unknown environment `{selected}`"));
                match env_tables.first() {
                    Some((_, span, _)) => {
                        d = d
                            .with_primary(*span, format!("air.toml defines: {}", envs.join(", ")))
                            .with_suggestion(suggest(selected, envs.iter().map(String::as_str)));
                        if d.help.is_none() {
                            d = d.with_help(format!(
                                "choose one of: {}, or add an [env.{selected}] table",
                                envs.join(", ")
                            ));
                        }
                    }
                    None => {
                        d = d
                            .with_primary(start, "air.toml defines no environments")
                            .with_help(format!(
                                "add an [env.{selected}] table to air.toml, or drop --env"
                            ));
                    }
                }
                r.diags.push(d);
            }
            None => {}
        }
    }
    if m.broker_name.is_empty() {
        m.broker_name = m.name.clone();
    }
    Some(ManifestFile {
        manifest: m,
        params,
        envs,
    })
}

struct Reader<'d> {
    file: FileId,
    diags: &'d mut Diagnostics,
}

impl TomlReader for Reader<'_> {
    type Pos = Span;

    fn pos(&self, span: std::ops::Range<usize>) -> Span {
        self.span(span)
    }

    fn unknown_key(
        &mut self,
        prefix: &str,
        key: &str,
        at: Span,
        allowed: &[&str],
        suggestion: Option<&str>,
    ) {
        let mut d = Diagnostic::error(
            Code::E0221,
            format!("unknown key `{prefix}{key}` in air.toml"),
        )
        .with_primary(at, "not a known key")
        .with_suggestion(suggestion);
        if d.help.is_none() {
            d = d.with_help(format!("known keys here: {}", allowed.join(", ")));
        }
        self.diags.push(d);
    }

    fn wrong_type(
        &mut self,
        prefix: &str,
        key: &str,
        expected: Expected,
        found: &DeValue<'_>,
        at: Span,
    ) {
        let expected = match expected {
            Expected::Table => "a table",
            Expected::String => "a string",
            Expected::Boolean => "a boolean",
        };
        self.diags.push(
            Diagnostic::error(Code::E0222, format!("`{prefix}{key}` must be {expected}"))
                .with_primary(at, format!("this is {}", article(found.type_str()))),
        );
    }
}

impl Reader<'_> {
    fn span(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.file, r.start, r.end)
    }

    fn has(&self, t: &DeTable<'_>, key: &str) -> bool {
        t.get(key).is_some()
    }

    fn table<'a, 'i>(&mut self, t: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
        self.table_at(t, "", key)
    }

    fn missing(&mut self, key: &str, span: Span) {
        let example = match key {
            "[app]" => "[app]\nname = \"my-app\"\nnamespace = \"my-namespace\"",
            "app.name" => "name = \"my-app\"",
            _ => "namespace = \"my-namespace\"",
        };
        self.diags.push(
            Diagnostic::error(Code::E0223, format!("air.toml is missing `{key}`"))
                .with_primary(
                    span,
                    match key.strip_prefix("app.") {
                        Some(k) => format!("this table needs `{k}`"),
                        None => "air.toml needs an [app] table".to_string(),
                    },
                )
                .with_help(format!("add:\n{example}")),
        );
    }

    /// A DNS-1123 label: what Kubernetes accepts as a namespace or name part.
    fn dns_label(&mut self, value: &str, span: Span, key: &str) -> bool {
        if is_dns_label(value) {
            return true;
        }
        let fixed = crate::model::kebab_case(value);
        let mut d = Diagnostic::error(Code::E0224, format!("`{key}` must be a DNS-1123 label"))
            .with_primary(span, format!("`{value}` is not a valid Kubernetes name"))
            .with_note("lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters");
        if is_dns_label(&fixed) {
            d = d.with_help(format!("try `{fixed}`"));
        }
        self.diags.push(d);
        false
    }

    fn broker(&mut self, t: &DeTable<'_>, prefix: &str, m: &mut Manifest) {
        self.known_keys(t, BROKER_KEYS, prefix);
        if let Some((name, span)) = self.string(t, prefix, "name")
            && self.dns_label(&name, span, &format!("{prefix}name"))
        {
            m.broker_name = name;
        }
        if let Some(b) = self.boolean(t, prefix, "external") {
            m.broker_external = b;
        }
    }

    fn runtime(&mut self, t: &DeTable<'_>, prefix: &str, m: &mut Manifest) {
        self.known_keys(t, RUNTIME_KEYS, prefix);
        if let Some((kind, span)) = self.string(t, prefix, "kind") {
            if RUNTIME_KINDS.contains(&kind.as_str()) {
                m.runtime_kind = kind;
            } else {
                self.diags.push(
                    Diagnostic::error(Code::E0224, format!("unknown runtime kind `{kind}`"))
                        .with_primary(span, "expected \"generic\" or \"sonataflow\"")
                        .with_suggestion(suggest(&kind, RUNTIME_KINDS.iter().copied())),
                );
            }
        }
        if let Some((url, span)) = self.string(t, prefix, "url") {
            if url.starts_with("http://") || url.starts_with("https://") {
                m.runtime_url = url;
            } else {
                self.diags.push(
                    Diagnostic::error(Code::E0224, format!("`{prefix}url` must be an http(s) URL"))
                        .with_primary(span, "not an http:// or https:// URL")
                        .with_help(format!("for example \"{DEFAULT_RUNTIME_URL}\"")),
                );
            }
        }
    }

    fn params(&mut self, t: &DeTable<'_>, from_env: bool, out: &mut BTreeMap<String, TomlParam>) {
        for (key, value) in t.iter() {
            let value_span = self.span(value.span());
            let Some(json) = to_json(value, self) else {
                continue;
            };
            let name = key.get_ref().to_string();
            let shadowed = out.remove(&name).map(|old| (old.value, old.value_span));
            out.insert(
                name,
                TomlParam {
                    value: json,
                    key_span: self.span(key.span()),
                    value_span,
                    from_env,
                    shadowed,
                },
            );
        }
    }
}

/// A TOML value as JSON (datetimes become their text). `None` (with an
/// error) for floats JSON cannot hold (nan, inf).
fn to_json(v: &Spanned<DeValue<'_>>, r: &mut Reader<'_>) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match v.get_ref() {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => J::from(n),
            Err(_) => {
                r.diags.push(
                    Diagnostic::error(Code::E0224, "integer out of range")
                        .with_primary(r.span(v.span()), "does not fit in 64 bits"),
                );
                return None;
            }
        },
        DeValue::Float(f) => match f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) => J::Number(n),
            None => {
                r.diags.push(
                    Diagnostic::error(Code::E0224, "parameter values must be finite numbers")
                        .with_primary(r.span(v.span()), "nan and inf cannot be used"),
                );
                return None;
            }
        },
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(items) => {
            let mut out = Vec::new();
            for item in items.iter() {
                out.push(to_json(item, r)?);
            }
            J::Array(out)
        }
        DeValue::Table(t) => {
            let mut out = serde_json::Map::new();
            for (k, item) in t.iter() {
                out.insert(k.get_ref().to_string(), to_json(item, r)?);
            }
            J::Object(out)
        }
    })
}

fn article(word: &str) -> String {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {word}"),
        _ => format!("a {word}"),
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters (the one check,
/// in `crate::naming`; re-exported where the CLI and the controller find it).
pub use crate::naming::is_dns_label;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str, env: Option<&str>) -> (Option<ManifestFile>, Vec<Diagnostic>) {
        let mut d = Diagnostics::new();
        let m = parse_manifest(FileId(0), text, env, true, &mut d);
        (m, d.into_vec())
    }

    fn line_of(text: &str, d: &Diagnostic) -> usize {
        let s = d.primary_span().map(|s| s.start as usize).unwrap_or(0);
        text[..s].matches('\n').count() + 1
    }

    const FULL: &str = r#"[app]
name = "shop"
namespace = "shop"
owner = "orders-team"
description = "Order handling"

[broker]
name = "events"
external = true

[runtime]
kind = "generic"
url = "http://runtime.example"

[params]
image_tag = "1.4.2"
min_scale = 0

[env.prod]
namespace = "shop-prod"
[env.prod.runtime]
url = "https://prod-runtime.example"
[env.prod.params]
image_tag = "1.5.0"
min_scale = 2
"#;

    #[test]
    fn reads_every_key() {
        let (m, d) = parse(FULL, None);
        assert!(d.is_empty(), "{d:?}");
        let m = m.unwrap();
        assert_eq!(m.manifest.name, "shop");
        assert_eq!(m.manifest.namespace, "shop");
        assert_eq!(m.manifest.owner.as_deref(), Some("orders-team"));
        assert_eq!(m.manifest.description.as_deref(), Some("Order handling"));
        assert_eq!(m.manifest.broker_name, "events");
        assert!(m.manifest.broker_external);
        assert_eq!(m.manifest.runtime_url, "http://runtime.example");
        assert_eq!(m.manifest.env, None);
        assert_eq!(m.params["image_tag"].value, serde_json::json!("1.4.2"));
        assert!(!m.params["min_scale"].from_env);
        assert_eq!(m.envs, vec!["prod".to_string()]);
    }

    #[test]
    fn env_overlay_applies() {
        let (m, d) = parse(FULL, Some("prod"));
        assert!(d.is_empty(), "{d:?}");
        let m = m.unwrap();
        assert_eq!(m.manifest.namespace, "shop-prod");
        assert_eq!(m.manifest.runtime_url, "https://prod-runtime.example");
        assert_eq!(m.manifest.env.as_deref(), Some("prod"));
        assert_eq!(m.params["image_tag"].value, serde_json::json!("1.5.0"));
        assert_eq!(m.params["min_scale"].value, serde_json::json!(2));
        assert!(m.params["min_scale"].from_env);
        // The span points at the overriding value.
        let s = m.params["min_scale"].value_span;
        assert_eq!(&FULL[s.range()], "2");
    }

    #[test]
    fn defaults() {
        let (m, d) = parse("[app]\nname = \"a\"\nnamespace = \"b\"\n", None);
        assert!(d.is_empty());
        let m = m.unwrap().manifest;
        assert_eq!(m.broker_name, "a");
        assert!(!m.broker_external);
        assert_eq!(m.runtime_kind, "generic");
        assert_eq!(m.runtime_url, DEFAULT_RUNTIME_URL);
    }

    #[test]
    fn unknown_key_is_reported_at_its_line_with_a_suggestion() {
        let text = "[app]\nname = \"a\"\nnamespce = \"b\"\nnamespace = \"b\"\n";
        let (_, d) = parse(text, None);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::E0221);
        assert_eq!(line_of(text, &d[0]), 3);
        assert_eq!(d[0].help.as_deref(), Some("did you mean `namespace`?"));
    }

    #[test]
    fn unknown_tables_and_nested_keys() {
        let text =
            "[app]\nname = \"a\"\nnamespace = \"b\"\n[brokr]\n[env.dev]\nnamespaces = \"x\"\n";
        let (_, d) = parse(text, None);
        let codes: Vec<_> = d.iter().map(|d| (d.code, line_of(text, d))).collect();
        assert_eq!(codes, vec![(Code::E0221, 4), (Code::E0221, 6)]);
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let text = "[app]\nname = 42\nnamespace = \"b\"\n[broker]\nexternal = \"yes\"\n";
        let (_, d) = parse(text, None);
        let codes: Vec<_> = d.iter().map(|d| (d.code, line_of(text, d))).collect();
        assert_eq!(codes, vec![(Code::E0222, 2), (Code::E0222, 5)]);
        assert_eq!(d[0].message, "`app.name` must be a string");
    }

    #[test]
    fn missing_required_keys() {
        let (_, d) = parse("[app]\nname = \"a\"\n", None);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::E0223);
        assert!(d[0].message.contains("app.namespace"));
        let (_, d) = parse("", None);
        assert_eq!(d[0].code, Code::E0223);
        assert!(d[0].message.contains("[app]"));
    }

    #[test]
    fn bad_names_and_runtime() {
        let text = "[app]\nname = \"Shop_App\"\nnamespace = \"b\"\n[runtime]\nkind = \"generik\"\nurl = \"ftp://x\"\n";
        let (_, d) = parse(text, None);
        let codes: Vec<_> = d.iter().map(|d| (d.code, line_of(text, d))).collect();
        assert_eq!(
            codes,
            vec![(Code::E0224, 2), (Code::E0224, 5), (Code::E0224, 6)]
        );
        assert_eq!(d[0].help.as_deref(), Some("try `shop-app`"));
        assert_eq!(d[1].help.as_deref(), Some("did you mean `generic`?"));
    }

    #[test]
    fn unknown_env_lists_known_ones() {
        let (_, d) = parse(FULL, Some("prd"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::E0225);
        assert_eq!(d[0].help.as_deref(), Some("did you mean `prod`?"));
        assert_eq!(line_of(FULL, &d[0]), 19);
        let (_, d) = parse(FULL, Some("staging"));
        assert!(d[0].help.as_deref().unwrap().contains("prod"));
        // Imported apps without the environment are not an error.
        let mut ds = Diagnostics::new();
        let m = parse_manifest(FileId(0), FULL, Some("staging"), false, &mut ds);
        assert!(ds.is_empty());
        assert_eq!(m.unwrap().manifest.env, None);
    }

    #[test]
    fn syntax_error() {
        let (m, d) = parse("[app\nname = ", None);
        assert!(m.is_none());
        assert!(!d.is_empty());
        assert!(d.iter().all(|d| d.code == Code::E0220));
    }

    #[test]
    fn param_values_convert_to_json() {
        let text = "[app]\nname = \"a\"\nnamespace = \"b\"\n[params]\nf = 1.5\nl = [1, 2]\nt = { a = true }\nh = 0x10\nd = 1979-05-27\n";
        let (m, d) = parse(text, None);
        assert!(d.is_empty(), "{d:?}");
        let p = m.unwrap().params;
        assert_eq!(p["f"].value, serde_json::json!(1.5));
        assert_eq!(p["l"].value, serde_json::json!([1, 2]));
        assert_eq!(p["t"].value, serde_json::json!({"a": true}));
        assert_eq!(p["h"].value, serde_json::json!(16));
        assert_eq!(p["d"].value, serde_json::json!("1979-05-27"));
    }

    #[test]
    fn the_documented_example_is_valid() {
        let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/air-toml.md");
        let text = std::fs::read_to_string(doc).unwrap();
        let start = text.find("```toml\n").unwrap() + 8;
        let end = start + text[start..].find("```").unwrap();
        let (m, d) = parse(&text[start..end], Some("prod"));
        assert!(d.is_empty(), "{d:?}");
        let m = m.unwrap();
        assert_eq!(m.manifest.namespace, "shop-prod");
        assert_eq!(m.manifest.owner.as_deref(), Some("orders-oncall"));
        assert!(m.manifest.broker_external);
        assert_eq!(m.manifest.broker_name, "shop");
        assert_eq!(m.manifest.runtime_url, "https://runtime.prod.example.com");
        assert_eq!(m.params["image_tag"].value, serde_json::json!("1.5.0"));
        assert_eq!(
            m.params["image_tag"].shadowed.as_ref().map(|s| &s.0),
            Some(&serde_json::json!("1.4.2"))
        );
    }

    proptest::proptest! {
        /// Whatever air.toml holds, reading it never panics, and every
        /// diagnostic points inside the file.
        #[test]
        fn never_panics(text in "(\\[[a-z.]{0,12}\\]\n|[a-z_]{1,10} = (\"[a-zA-Z_-]{0,8}\"|[0-9.e+-]{1,6}|true|\\[1, \"a\"\\]|\\{ a = 1 \\})\n|[^\\x00]{0,6}){0,12}",
                        env in proptest::option::of("[a-z]{1,5}")) {
            let mut d = Diagnostics::new();
            let _ = parse_manifest(FileId(0), &text, env.as_deref(), true, &mut d);
            for diag in d.iter() {
                if let Some(s) = diag.primary_span() {
                    proptest::prop_assert!(s.end as usize <= text.len());
                }
            }
        }
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("shop-2"));
        assert!(!is_dns_label("-shop"));
        assert!(!is_dns_label("Shop"));
        assert!(!is_dns_label(&"a".repeat(64)));
    }
}
