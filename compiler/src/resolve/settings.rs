//! Which settings each declaration accepts, in which form, and which are
//! required. The grammar accepts any `key = value` / `key { … }`; this is
//! where a misspelt `imgae` becomes an error with a suggestion.

use crate::ast::{Assign, Ident, Member, TriggerKind};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics, suggest};
use crate::span::Span;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `key = value`
    Assign,
    /// `key { … }` with any keys
    Block,
    /// `key { … }` with these keys only
    BlockOf(&'static [&'static str]),
}

pub struct Spec {
    /// "function", "service", "workflow"
    pub what: &'static str,
    pub settings: &'static [(&'static str, Form)],
    pub required: &'static [(&'static str, &'static str)],
    /// `on …` allowed
    pub triggers: bool,
    /// `input T` allowed
    pub input: bool,
}

const QUANTITIES: &[&str] = &["cpu", "memory"];

pub const FUNCTION: Spec = Spec {
    what: "function",
    settings: &[
        ("image", Form::Assign),
        ("port", Form::Assign),
        ("env", Form::Block),
        ("secret_env", Form::Block),
        (
            "scale",
            Form::BlockOf(&["min", "max", "target", "concurrency"]),
        ),
        ("timeout", Form::Assign),
        ("resources", Form::BlockOf(QUANTITIES)),
        ("limits", Form::BlockOf(QUANTITIES)),
    ],
    required: &[("image", "image = \"registry.example.com/team/name:1.0.0\"")],
    triggers: true,
    input: false,
};

pub const SERVICE: Spec = Spec {
    what: "service",
    settings: &[("url", Form::Assign), ("headers", Form::Block)],
    required: &[("url", "url = \"http://name.namespace.svc.cluster.local\"")],
    triggers: false,
    input: false,
};

pub const WORKFLOW: Spec = Spec {
    what: "workflow",
    settings: &[
        ("timeout", Form::Assign),
        ("tags", Form::Block),
        ("version", Form::Assign),
    ],
    required: &[],
    triggers: true,
    input: true,
};

/// Names of the settings a spec knows, for suggestions.
pub fn known(spec: &Spec) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = spec.settings.iter().map(|(n, _)| *n).collect();
    if spec.triggers {
        k.push("on");
    }
    if spec.input {
        k.push("input");
    }
    k
}

/// Check the members of a function, service or workflow. `decl` is the
/// declaration's name (missing settings are reported there).
pub fn check_members(spec: &Spec, decl: &Ident, members: &[Member], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for m in members {
        let (key, form, span) = match m {
            Member::Assign(a) => (&a.key, Form::Assign, a.key.span),
            Member::Block(b) => (&b.key, Form::Block, b.key.span),
            Member::On(t) => {
                if !spec.triggers {
                    diags.push(
                        Diagnostic::error(
                            Code::E0213,
                            format!("a {} cannot have triggers", spec.what),
                        )
                        .with_primary(t.span, "`on` is not allowed here")
                        .with_help("services are called from workflows (`call name METHOD \"/path\"`), not triggered"),
                    );
                } else if spec.what == "function" && !matches!(t.kind, TriggerKind::Event { .. }) {
                    diags.push(
                        Diagnostic::error(Code::E0217, "functions are triggered by events only")
                            .with_primary(t.span, "not an event trigger")
                            .with_help(
                                "use `on EventName`; schedules and HTTP starts belong to workflows",
                            ),
                    );
                }
                continue;
            }
            Member::Input(_, s) => {
                if !spec.input {
                    unknown(spec, "input", *s, diags);
                } else if let Some(first) = seen.insert("input", *s) {
                    twice("input", *s, first, diags);
                }
                continue;
            }
        };
        let Some((_, expected)) = spec.settings.iter().find(|(n, _)| *n == key.name) else {
            unknown(spec, &key.name, span, diags);
            continue;
        };
        if let Some(&first) = seen.get(key.name.as_str()) {
            twice(&key.name, span, first, diags);
            continue;
        }
        seen.insert(key.name.as_str(), span);
        match (expected, form, m) {
            (Form::Assign, Form::Block, _) => diags.push(
                Diagnostic::error(Code::E0218, format!("`{}` takes a value", key.name))
                    .with_primary(span, "written as a block")
                    .with_help(format!("write `{} = …`", key.name)),
            ),
            (Form::Block | Form::BlockOf(_), Form::Assign, _) => diags.push(
                Diagnostic::error(Code::E0218, format!("`{}` takes a block", key.name))
                    .with_primary(span, "written as `=`")
                    .with_help(format!("write `{} {{ key: value }}`", key.name)),
            ),
            (Form::BlockOf(allowed), _, Member::Block(b)) => {
                let mut inner: BTreeMap<&str, Span> = BTreeMap::new();
                for e in &b.entries {
                    if !allowed.contains(&e.key.name.as_str()) {
                        let mut d = Diagnostic::error(
                            Code::E0213,
                            format!("unknown key `{}` in `{}`", e.key.name, key.name),
                        )
                        .with_primary(e.key.span, "not a known key")
                        .with_suggestion(suggest(&e.key.name, allowed.iter().copied()));
                        if d.help.is_none() {
                            d = d.with_help(format!("known keys: {}", allowed.join(", ")));
                        }
                        diags.push(d);
                    } else if let Some(first) = inner.insert(e.key.name.as_str(), e.key.span) {
                        twice(
                            &format!("{}.{}", key.name, e.key.name),
                            e.key.span,
                            first,
                            diags,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    for (req, example) in spec.required {
        if !seen.contains_key(req) {
            diags.push(
                Diagnostic::error(
                    Code::E0214,
                    format!("{} `{}` has no `{req}`", spec.what, decl.name),
                )
                .with_primary(decl.span, format!("`{req}` is required"))
                .with_help(format!("add `{example}`")),
            );
        }
    }
}

/// Settings of events (`type`, `source`) and errors (`type`, `status`,
/// `title`, `detail`): plain assignments.
pub fn check_assigns<'a>(
    what: &str,
    allowed: &[&'static str],
    assigns: impl IntoIterator<Item = &'a Assign>,
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for a in assigns {
        if !allowed.contains(&a.key.name.as_str()) {
            let mut d = Diagnostic::error(
                Code::E0213,
                format!("unknown {what} setting `{}`", a.key.name),
            )
            .with_primary(a.key.span, "not a known setting")
            .with_suggestion(suggest(&a.key.name, allowed.iter().copied()));
            if d.help.is_none() {
                d = d.with_help(format!("{what} settings: {}", allowed.join(", ")));
            }
            diags.push(d);
        } else if let Some(first) = seen.insert(a.key.name.as_str(), a.key.span) {
            twice(&a.key.name, a.key.span, first, diags);
        }
    }
}

fn unknown(spec: &Spec, key: &str, span: Span, diags: &mut Diagnostics) {
    let known = known(spec);
    let mut d = Diagnostic::error(
        Code::E0213,
        format!("unknown {} setting `{key}`", spec.what),
    )
    .with_primary(span, "not a known setting")
    .with_suggestion(suggest(key, known.iter().copied()));
    if d.help.is_none() {
        d = d.with_help(format!("{} settings: {}", spec.what, known.join(", ")));
    }
    diags.push(d);
}

pub fn twice(key: &str, span: Span, first: Span, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::error(Code::E0216, format!("`{key}` is set twice"))
            .with_primary(span, "set again here")
            .with_secondary(first, "first set here")
            .with_help("remove one of them"),
    );
}
