//! Every place a name is used: field and param types, triggers, steps
//! (`call`, `run`, `emit`, `wait for`, `fail`, `catch`), `params.x` in
//! values, and `alias.Name`. Also the settings of each declaration, step
//! labels, and `secret(..)` placement. Records what is used, for the
//! unused-declaration warnings.

mod test_blocks;

use super::settings::{self, check_assigns, check_members};
use super::symbols::check_keyword;
use crate::ast::{
    Block, EventMember, Fields, Ident, Item, Member, Path, StepKind, TriggerKind, TypeBody,
    TypeExpr, TypeExprKind, Value, ValueKind, WorkflowDecl,
};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics, suggest};
use crate::model::{AppUnit, DeclKind, Program};
use crate::naming::{StepNames, child_blocks};
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Built-in error types `catch` can name without declaring them.
pub const BUILTIN_ERRORS: &[&str] = &[
    "timeout",
    "communication",
    "validation",
    "runtime",
    "expression",
    "authentication",
    "authorization",
    "configuration",
];

/// Kinds another app may reference as `alias.Name`.
const IMPORTABLE: &[DeclKind] = &[
    DeclKind::Type,
    DeclKind::Event,
    DeclKind::Error,
    DeclKind::Service,
];

/// (app index, kind, name) of every declaration referenced somewhere.
pub type Used = BTreeSet<(usize, DeclKind, String)>;

struct Walker<'p, 'd> {
    program: &'p Program,
    app: usize,
    diags: &'d mut Diagnostics,
    used: Used,
}

/// Resolve every reference of every app; returns what was used.
pub fn check_program(program: &Program, diags: &mut Diagnostics) -> Used {
    let mut w = Walker {
        program,
        app: 0,
        diags,
        used: Used::new(),
    };
    for (i, app) in program.apps.iter().enumerate() {
        w.app = i;
        for item in app.items() {
            w.item(item);
        }
    }
    let used = w.used;
    test_blocks::check_tests(program, diags);
    used
}

impl Walker<'_, '_> {
    fn unit(&self) -> &AppUnit {
        &self.program.apps[self.app]
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Type(t) => match &t.body {
                TypeBody::Struct(f) => self.fields(f),
                TypeBody::Alias(ty) => self.ty(ty),
            },
            Item::Event(e) => {
                let mut data: Option<Span> = None;
                for m in &e.members {
                    match m {
                        EventMember::Assign(a) => self.value(&a.value, false),
                        EventMember::Data(f) => {
                            if let Some(first) = data.replace(f.span) {
                                settings::twice("data", f.span, first, self.diags);
                            }
                            self.fields(f);
                        }
                    }
                }
                let assigns = e.members.iter().filter_map(|m| match m {
                    EventMember::Assign(a) => Some(a),
                    EventMember::Data(_) => None,
                });
                check_assigns("event", &["type", "source"], assigns, self.diags);
            }
            Item::Error(e) => {
                for a in &e.members {
                    self.value(&a.value, false);
                }
                check_assigns(
                    "error",
                    &["type", "status", "title", "detail"],
                    &e.members,
                    self.diags,
                );
            }
            Item::Param(p) => {
                self.ty(&p.ty);
                if let Some(v) = &p.default {
                    self.value(v, false);
                }
            }
            Item::Function(f) => {
                check_members(&settings::FUNCTION, &f.name, &f.members, self.diags);
                self.members(&f.members);
            }
            Item::Service(s) => {
                check_members(&settings::SERVICE, &s.name, &s.members, self.diags);
                self.members(&s.members);
            }
            Item::Workflow(wf) => {
                check_members(&settings::WORKFLOW, &wf.name, &wf.members, self.diags);
                self.members(&wf.members);
                let mut labels = BTreeMap::new();
                self.block(&wf.body, &mut labels);
                self.generated_name_clashes(wf, &labels);
            }
            Item::Import(_) => {}
        }
    }

    fn members(&mut self, members: &[Member]) {
        for m in members {
            match m {
                Member::Assign(a) => self.value(&a.value, false),
                Member::Block(b) => {
                    let secret_ok = b.key.name == "secret_env";
                    for e in &b.entries {
                        self.value(&e.value, secret_ok);
                    }
                }
                Member::On(t) => {
                    if let TriggerKind::Event { event, .. } = &t.kind {
                        self.path(event, &[DeclKind::Event], "event", &[]);
                    }
                }
                Member::Input(ty, _) => self.ty(ty),
            }
        }
    }

    fn fields(&mut self, f: &Fields) {
        for field in &f.fields {
            self.ty(&field.ty);
        }
    }

    fn ty(&mut self, ty: &TypeExpr) {
        match &ty.kind {
            TypeExprKind::Named(p) => {
                self.path(p, &[DeclKind::Type], "type", &[]);
            }
            TypeExprKind::List(inner) | TypeExprKind::Map(inner) => self.ty(inner),
            TypeExprKind::Primitive(_) | TypeExprKind::Enum(_) => {}
        }
    }

    /// `secret_ok`: the value is directly an entry of `secret_env { }`.
    fn value(&mut self, v: &Value, secret_ok: bool) {
        match &v.kind {
            ValueKind::Param(name) => self.param(name),
            ValueKind::Secret { .. } if !secret_ok => self.diags.push(
                Diagnostic::error(Code::E0215, "`secret(..)` can only be used in `secret_env`")
                    .with_primary(v.span, "a Secret reference here would be sent in clear text")
                    .with_help("move it to the function's `secret_env { NAME: secret(\"secret-name\", \"key\") }`"),
            ),
            ValueKind::List(items) | ValueKind::Concat(items) => {
                for i in items {
                    self.value(i, false);
                }
            }
            ValueKind::Object(entries) => {
                for e in entries {
                    self.value(&e.value, false);
                }
            }
            _ => {}
        }
    }

    fn param(&mut self, name: &Ident) {
        let unit = self.unit();
        if unit.symbols.contains(DeclKind::Param, &name.name) {
            self.used
                .insert((self.app, DeclKind::Param, name.name.clone()));
            return;
        }
        let candidates = names_of(unit, &[DeclKind::Param]);
        let mut d = Diagnostic::error(Code::E0201, format!("unknown param `{}`", name.name))
            .with_primary(name.span, "no `param` of this name")
            .with_suggestion(suggest(&name.name, candidates.iter().map(String::as_str)));
        if d.help.is_none() {
            d = d.with_help(format!(
                "declare it: `param {}: string = \"…\"` (its value comes from air.toml [params])",
                name.name
            ));
        }
        self.diags.push(d);
    }

    fn block(&mut self, block: &Block, labels: &mut BTreeMap<String, Span>) {
        for step in &block.steps {
            if let Some(l) = &step.label {
                check_keyword(l, "step", self.diags);
                if let Some(first) = labels.get(&l.name) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::E0212,
                            format!("step label `{}` is used twice in this workflow", l.name),
                        )
                        .with_primary(l.span, "used again here")
                        .with_secondary(*first, "first used here")
                        .with_help("a label names the step's result (`$context.<label>`), so it must be unique in the workflow"),
                    );
                } else {
                    labels.insert(l.name.clone(), l.span);
                }
            }
            self.step(&step.kind, labels);
        }
    }

    fn step(&mut self, kind: &StepKind, labels: &mut BTreeMap<String, Span>) {
        match kind {
            StepKind::Call { target, body, .. } => {
                self.path(
                    target,
                    &[DeclKind::Function, DeclKind::Service],
                    "function or service",
                    &[],
                );
                self.opt_value(body);
            }
            StepKind::Run { workflow, input } => {
                let p = Path {
                    alias: None,
                    name: workflow.clone(),
                    span: workflow.span,
                };
                self.path(&p, &[DeclKind::Workflow], "workflow", &[]);
                self.opt_value(input);
            }
            StepKind::Emit { event, data } => {
                self.path(event, &[DeclKind::Event], "event", &[]);
                self.opt_value(data);
            }
            StepKind::Sleep { .. } | StepKind::Switch { .. } => {}
            StepKind::WaitFor { events, .. } => {
                for e in events {
                    self.path(e, &[DeclKind::Event], "event", &[]);
                }
            }
            StepKind::Set { value } => self.value(value, false),
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    self.block(b, labels);
                }
                if let Some(b) = otherwise {
                    self.block(b, labels);
                }
            }
            StepKind::Parallel { branches, .. } => {
                let mut names: BTreeMap<&str, Span> = BTreeMap::new();
                for b in branches {
                    check_keyword(&b.name, "branch", self.diags);
                    if let Some(first) = names.insert(b.name.name.as_str(), b.name.span) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::E0212,
                                format!("branch `{}` appears twice", b.name.name),
                            )
                            .with_primary(b.name.span, "used again here")
                            .with_secondary(first, "first used here")
                            .with_help(
                                "branch names key the branches' results, so they must differ",
                            ),
                        );
                    }
                    self.block(&b.body, labels);
                }
            }
            StepKind::For { body, .. } => self.block(body, labels),
            StepKind::Try { body, catch } => {
                self.block(body, labels);
                if let Some(e) = &catch.error {
                    self.path(e, &[DeclKind::Error], "error", BUILTIN_ERRORS);
                }
                self.block(&catch.body, labels);
            }
            StepKind::Fail { error, .. } => {
                self.path(error, &[DeclKind::Error], "error", &[]);
            }
            StepKind::Return { value } => self.opt_value(value),
        }
    }

    /// A label equal to the generated name of an unlabelled step
    /// (`call_inventory_1`) would give two tasks one name.
    fn generated_name_clashes(&mut self, wf: &WorkflowDecl, labels: &BTreeMap<String, Span>) {
        // Generated names end in `_<n>`; without such a label there is
        // nothing to compare, and numbering the steps is skipped.
        if !labels.keys().any(|l| looks_generated(l)) {
            return;
        }
        let names = StepNames::of(wf);
        let mut stack = vec![&wf.body];
        while let Some(block) = stack.pop() {
            for step in &block.steps {
                if step.label.is_none() {
                    let generated = names.get(step);
                    if let Some(label) = labels.get(&generated) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::E0212,
                                format!("step label `{generated}` is also the generated name of an unlabelled step"),
                            )
                            .with_primary(*label, "this label")
                            .with_secondary(step.span, format!("this step is named `{generated}`"))
                            .with_help("rename the label, or label the other step"),
                        );
                    }
                }
                stack.extend(child_blocks(&step.kind));
            }
        }
    }

    fn opt_value(&mut self, v: &Option<Value>) {
        if let Some(v) = v {
            self.value(v, false);
        }
    }

    /// Resolve `Name` or `alias.Name` among `kinds`; `builtins` are bare
    /// names that need no declaration. Reports and returns false if unknown.
    fn path(&mut self, p: &Path, kinds: &[DeclKind], what: &str, builtins: &[&str]) -> bool {
        match &p.alias {
            Some(alias) => self.aliased(p, alias, kinds, what),
            None => self.local(p, kinds, what, builtins),
        }
    }

    fn local(&mut self, p: &Path, kinds: &[DeclKind], what: &str, builtins: &[&str]) -> bool {
        let name = &p.name.name;
        let unit = self.unit();
        for &k in kinds {
            if unit.symbols.contains(k, name) {
                self.used.insert((self.app, k, name.clone()));
                return true;
            }
        }
        if builtins.contains(&name.as_str()) {
            return true;
        }
        let mut candidates = names_of(unit, kinds);
        candidates.extend(builtins.iter().map(|b| b.to_string()));
        let mut d = Diagnostic::error(Code::E0201, format!("unknown {what} `{name}`"))
            .with_primary(p.name.span, format!("no {what} of this name"))
            .with_suggestion(suggest(name, candidates.iter().map(String::as_str)));
        if d.help.is_none() {
            d = match other_kind(unit, name, kinds) {
                Some(k) => d.with_help(format!("`{name}` is {}, not {}", a(k.as_str()), a(what))),
                None => match self.in_imports(name, kinds) {
                    Some(alias) => d.with_help(format!(
                        "`{name}` is declared in the app imported as `{alias}`: write `{alias}.{name}`"
                    )),
                    None if !builtins.is_empty() => d.with_note(format!(
                        "built-in errors: {}",
                        builtins.join(", ")
                    )),
                    None => d,
                },
            };
        }
        self.diags.push(d);
        false
    }

    fn aliased(&mut self, p: &Path, alias: &Ident, kinds: &[DeclKind], what: &str) -> bool {
        let unit = self.unit();
        let Some(&target) = unit.imports.get(&alias.name) else {
            // An import that failed to load was reported already; only a
            // never-declared alias is reported here.
            if unit.symbols.contains(DeclKind::Import, &alias.name) {
                return false;
            }
            let aliases: Vec<&str> = unit.imports.keys().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                Code::E0206,
                format!("unknown import alias `{}`", alias.name),
            )
            .with_primary(alias.span, "no `import … as` of this name")
            .with_suggestion(suggest(&alias.name, aliases.iter().copied()));
            if d.help.is_none() {
                d = d.with_help(format!(
                    "import the app first: `import \"../other-app\" as {}`",
                    alias.name
                ));
            }
            self.diags.push(d);
            return false;
        };
        let Some(other) = self.program.apps.get(target) else {
            return false;
        };
        let name = &p.name.name;
        for &k in kinds {
            if other.symbols.contains(k, name) {
                if !IMPORTABLE.contains(&k) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::E0208,
                            format!("{} `{}` cannot be used from another app", k.as_str(), p.display()),
                        )
                        .with_primary(p.span, format!("a {} of `{}`", k.as_str(), alias.name))
                        .with_help("only types, events, errors and services can be imported; functions, workflows and params belong to their app"),
                    );
                    return false;
                }
                self.used.insert((target, k, name.clone()));
                return true;
            }
        }
        let importable: Vec<DeclKind> = kinds
            .iter()
            .copied()
            .filter(|k| IMPORTABLE.contains(k))
            .collect();
        let candidates = names_of(other, &importable);
        let mut d = Diagnostic::error(
            Code::E0207,
            format!(
                "the app imported as `{}` has no {what} `{name}`",
                alias.name
            ),
        )
        .with_primary(
            p.name.span,
            format!("not declared in `{}`", display_dir(&other.dir)),
        )
        .with_suggestion(suggest(name, candidates.iter().map(String::as_str)));
        if d.help.is_none()
            && let Some(k) = other_kind(other, name, kinds)
        {
            d = d.with_help(format!(
                "`{name}` there is {}, not {}",
                a(k.as_str()),
                a(what)
            ));
        }
        self.diags.push(d);
        false
    }

    /// The alias of an imported app declaring `name` as one of `kinds`.
    fn in_imports(&self, name: &str, kinds: &[DeclKind]) -> Option<String> {
        let unit = self.unit();
        unit.imports.iter().find_map(|(alias, &i)| {
            let other = self.program.apps.get(i)?;
            kinds
                .iter()
                .filter(|k| IMPORTABLE.contains(k))
                .any(|&k| other.symbols.contains(k, name))
                .then(|| alias.clone())
        })
    }
}

/// Names declared with one of `kinds`.
fn names_of(unit: &AppUnit, kinds: &[DeclKind]) -> Vec<String> {
    unit.symbols
        .keys()
        .filter(|(k, _)| kinds.contains(k))
        .map(|(_, n)| n.to_string())
        .collect()
}

/// Another kind `name` is declared as (for "X is an event, not a type").
fn other_kind(unit: &AppUnit, name: &str, kinds: &[DeclKind]) -> Option<DeclKind> {
    unit.symbols
        .keys()
        .find(|(k, n)| *n == name && !kinds.contains(k) && *k != DeclKind::Import)
        .map(|(k, _)| k)
}

/// "an event", "a type".
fn a(word: &str) -> String {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {word}"),
        _ => format!("a {word}"),
    }
}

fn display_dir(dir: &str) -> &str {
    if dir.is_empty() { "." } else { dir }
}

/// Warn about functions, services, types, errors and params of the root
/// app that nothing uses.
pub fn report_unused(app: &AppUnit, index: usize, used: &Used, diags: &mut Diagnostics) {
    for item in app.items() {
        let kind = DeclKind::of(item);
        let name = item.name();
        let help = match item {
            Item::Function(f) => {
                let triggered = f.members.iter().any(|m| matches!(m, Member::On(_)));
                if triggered {
                    continue;
                }
                format!(
                    "call it from a workflow (`call {}`) or subscribe it to an event (`on EventName`), or remove it",
                    name.name
                )
            }
            Item::Service(_) => format!(
                "call it from a workflow (`call {} GET \"/path\"`), or remove it",
                name.name
            ),
            Item::Type(_) => "use it as a field, param or input type, or remove it".to_string(),
            Item::Error(_) => format!(
                "raise it with `fail {}` or handle it with `catch {}`, or remove it",
                name.name, name.name
            ),
            Item::Param(_) => format!("use it as `params.{}`, or remove it", name.name),
            _ => continue,
        };
        // A duplicate (already an error) is not separately "unused".
        let Some(id) = app.symbols.get(kind, &name.name) else {
            continue;
        };
        if app.item(id).map(|i| i.span()) != Some(item.span()) {
            continue;
        }
        if used.contains(&(index, kind, name.name.clone())) {
            continue;
        }
        diags.push(
            Diagnostic::warning(
                Code::W0201,
                format!("{} `{}` is never used", kind.as_str(), name.name),
            )
            .with_primary(name.span, "declared here")
            .with_help(help),
        );
    }
}

/// Whether `label` has the shape of a generated step name: `<base>_<n>`.
fn looks_generated(label: &str) -> bool {
    label.rsplit_once('_').is_some_and(|(base, n)| {
        !base.is_empty() && !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())
    })
}
