//! The symbol table of one app, and the checks on declared names:
//! duplicates, kebab-case collisions, Kubernetes name lengths, keywords.

use crate::ast::{Ident, Item, KEYWORDS};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{AppUnit, DeclId, DeclKind, kebab_case};
use std::collections::BTreeMap;

/// Kubernetes object names and label values: at most 63 characters.
pub const K8S_NAME_MAX: usize = 63;

/// The namespace a kind lives in: functions and services share one (both
/// are `call` targets).
fn namespace(kind: DeclKind) -> DeclKind {
    match kind {
        DeclKind::Service => DeclKind::Function,
        k => k,
    }
}

/// Fill `app.symbols`, reporting every clash. The first declaration (in
/// file then source order) of a name wins.
pub fn build(app: &mut AppUnit, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(DeclKind, String), (DeclKind, Ident)> = BTreeMap::new();
    let mut kebab: BTreeMap<(DeclKind, String), (DeclKind, Ident)> = BTreeMap::new();
    for (f, file) in app.files.iter().enumerate() {
        for (i, item) in file.items.iter().enumerate() {
            let kind = DeclKind::of(item);
            let name = item.name();
            check_keyword(name, kind.as_str(), diags);
            let ns = namespace(kind);
            if let Some((first_kind, first)) = seen.get(&(ns, name.name.clone())) {
                diags.push(duplicate(kind, name, *first_kind, first));
                continue;
            }
            seen.insert((ns, name.name.clone()), (kind, name.clone()));
            app.symbols.insert(
                kind,
                &name.name,
                DeclId {
                    file: f as u32,
                    item: i as u32,
                },
            );
            if matches!(kind, DeclKind::Import | DeclKind::Param) {
                continue;
            }
            let k = kebab_case(&name.name);
            if let Some((first_kind, first)) = kebab.get(&(ns, k.clone())) {
                diags.push(
                    Diagnostic::error(
                        Code::E0203,
                        format!(
                            "{} `{}` and {} `{}` both become `{k}` in Kubernetes",
                            kind.as_str(),
                            name.name,
                            first_kind.as_str(),
                            first.name
                        ),
                    )
                    .with_primary(name.span, format!("becomes `{k}`"))
                    .with_secondary(first.span, format!("also becomes `{k}`"))
                    .with_help("rename one of them so their kebab-case forms differ"),
                );
            } else {
                kebab.insert((ns, k.clone()), (kind, name.clone()));
            }
            check_length(item, &k, diags);
        }
    }
}

fn duplicate(kind: DeclKind, name: &Ident, first_kind: DeclKind, first: &Ident) -> Diagnostic {
    let what = if kind == first_kind {
        format!("{} `{}` is declared twice", kind.as_str(), name.name)
    } else {
        format!(
            "{} `{}` has the same name as {} `{}`",
            kind.as_str(),
            name.name,
            first_kind.as_str(),
            first.name
        )
    };
    let mut d = Diagnostic::error(Code::E0202, what)
        .with_primary(name.span, "declared again here")
        .with_secondary(first.span, "first declared here");
    d = if kind == first_kind {
        d.with_help("all files of an app share one namespace; rename or remove one of them")
    } else {
        d.with_help("functions and services share one namespace (both are `call` targets)")
    };
    d
}

/// A declaration name, label or branch name that is a keyword.
/// The parser reports most of these already (it sees the keyword in
/// place); this check only speaks when nothing was said about the name.
pub fn check_keyword(name: &Ident, what: &str, diags: &mut Diagnostics) {
    let reported = || diags.iter().any(|d| d.primary_span() == Some(name.span));
    if KEYWORDS.contains(&name.name.as_str()) && !reported() {
        let what = match what.chars().next() {
            Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {what}"),
            _ => format!("a {what}"),
        };
        diags.push(
            Diagnostic::error(
                Code::E0205,
                format!("`{}` is a keyword and cannot name {what}", name.name),
            )
            .with_primary(name.span, "keyword")
            .with_help(format!("choose another name, e.g. `{}_`", name.name)),
        );
    }
}

/// The objects a declaration becomes, and their names' limit.
fn check_length(item: &Item, kebab: &str, diags: &mut Diagnostics) {
    let (object, derived) = match item {
        Item::Function(_) => ("Knative Service", kebab.to_string()),
        Item::Workflow(_) => ("workflow ConfigMap", format!("{kebab}-workflow")),
        Item::Event(_) => ("Knative EventType", kebab.to_string()),
        _ => return,
    };
    if derived.len() > K8S_NAME_MAX {
        let name = item.name();
        diags.push(
            Diagnostic::error(
                Code::E0204,
                format!(
                    "{object} name too long: {} characters (limit {K8S_NAME_MAX})",
                    derived.len()
                ),
            )
            .with_primary(name.span, format!("becomes `{derived}`"))
            .with_help(format!(
                "shorten the name by at least {} characters",
                derived.len() - K8S_NAME_MAX
            )),
        );
    }
}
