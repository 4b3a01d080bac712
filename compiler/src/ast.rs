//! The syntax tree of `.air` files. Every node carries the [`Span`] of the
//! text it came from. The tree keeps the order of the source (so `air fmt`
//! can print it back) and stays close to the surface syntax; meaning is
//! given by later stages (resolve, check, lower).
//!
//! Node types derive `PartialEq`: tests compare trees "spans aside" by
//! formatting them with `{:?}` and cutting the spans out of the text
//! (`strip_spans` in tests/tests/fmt.rs), or by comparing the formatter's
//! output.

use crate::span::{FileId, Span};

mod test_blocks;

pub use test_blocks::*;

/// One parsed `.air` file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Item>,
    /// `test "…" { … }` blocks, in source order. Kept apart from `items`:
    /// tests are no declarations (nothing can refer to them, and they
    /// never reach the build); only `air test`, `check` and `fmt` read them.
    pub tests: Vec<TestDecl>,
    /// Ordinary (non-doc) comments, in source order, for the formatter.
    pub comments: Vec<Comment>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The comment's full text including `//` or `/* */`.
    pub text: String,
    pub span: Span,
}

/// `/// text` lines preceding a declaration, field or step, joined with
/// '\n', the leading `///` and one following space removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A reference to a declaration: `Name` or `alias.Name` (an import).
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub alias: Option<Ident>,
    pub name: Ident,
    pub span: Span,
}

impl Path {
    /// `Name` or `alias.Name`, as written.
    pub fn display(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{}", a.name, self.name.name),
            None => self.name.name.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Type(TypeDecl),
    Event(EventDecl),
    Error(ErrorDecl),
    Param(ParamDecl),
    Function(FunctionDecl),
    Service(ServiceDecl),
    Workflow(WorkflowDecl),
    Import(ImportDecl),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Type(d) => d.span,
            Item::Event(d) => d.span,
            Item::Error(d) => d.span,
            Item::Param(d) => d.span,
            Item::Function(d) => d.span,
            Item::Service(d) => d.span,
            Item::Workflow(d) => d.span,
            Item::Import(d) => d.span,
        }
    }

    /// The declared name (the alias for an import).
    pub fn name(&self) -> &Ident {
        match self {
            Item::Type(d) => &d.name,
            Item::Event(d) => &d.name,
            Item::Error(d) => &d.name,
            Item::Param(d) => &d.name,
            Item::Function(d) => &d.name,
            Item::Service(d) => &d.name,
            Item::Workflow(d) => &d.name,
            Item::Import(d) => &d.alias,
        }
    }
}

// ---------------------------------------------------------------- types

/// `type Name { fields }` or `type Name = TypeExpr` (e.g. an enum).
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub body: TypeBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeBody {
    Struct(Fields),
    Alias(TypeExpr),
}

/// `{ field: T  other?: U }`: the braces' span and the fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Fields {
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub optional: bool,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Primitive {
    String,
    Number,
    Integer,
    Boolean,
    Any,
}

impl Primitive {
    pub fn as_str(self) -> &'static str {
        match self {
            Primitive::String => "string",
            Primitive::Number => "number",
            Primitive::Integer => "integer",
            Primitive::Boolean => "boolean",
            Primitive::Any => "any",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    Primitive(Primitive),
    /// `[T]`
    List(Box<TypeExpr>),
    /// `map<T>` (string keys)
    Map(Box<TypeExpr>),
    /// A named `type` (possibly `alias.Name`).
    Named(Path),
    /// `"a" | "b"`: an enum of strings (at least one).
    Enum(Vec<StrLit>),
}

// ---------------------------------------------------------------- events, errors, params

/// `event Name { type = "…"  source = "…"  data { … } }`, optionally `extern`.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub doc: Option<Doc>,
    pub is_extern: bool,
    pub name: Ident,
    pub members: Vec<EventMember>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventMember {
    /// `type = "…"`, `source = "…"` (any key; checked later).
    Assign(Assign),
    /// `data { fields }`
    Data(Fields),
}

/// `error Name { status = 402  title = "…"  type = "…" }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub members: Vec<Assign>,
    pub span: Span,
}

/// `param name: T [= default]`
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Value>,
    pub span: Span,
}

/// `import "path" as alias`
#[derive(Clone, Debug, PartialEq)]
pub struct ImportDecl {
    pub path: StrLit,
    pub alias: Ident,
    pub span: Span,
}

// ---------------------------------------------------------------- functions, services

/// `function name { settings }`
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub members: Vec<Member>,
    pub span: Span,
}

/// `service name { settings }`
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub members: Vec<Member>,
    pub span: Span,
}

/// A setting inside a function, service or workflow body. The grammar
/// accepts any key; the checker knows which keys each declaration allows.
#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    /// `key = value`
    Assign(Assign),
    /// `key { k: v  … }` (env, secret_env, scale, resources, limits, headers, tags)
    Block(BlockSetting),
    /// `on …` (a trigger)
    On(Trigger),
    /// `input T` (workflows)
    Input(TypeExpr, Span),
}

impl Member {
    pub fn span(&self) -> Span {
        match self {
            Member::Assign(a) => a.span,
            Member::Block(b) => b.span,
            Member::On(t) => t.span,
            Member::Input(_, s) => *s,
        }
    }
}

/// `key = value`
#[derive(Clone, Debug, PartialEq)]
pub struct Assign {
    pub doc: Option<Doc>,
    pub key: Ident,
    pub value: Value,
    pub span: Span,
}

/// `key { entries }`
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSetting {
    pub doc: Option<Doc>,
    pub key: Ident,
    pub entries: Vec<ObjectEntry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TriggerKind {
    /// `on Event [where ${ … }]`
    Event { event: Path, filter: Option<Expr> },
    /// `on schedule "cron" [tz "Area/City"]`
    Schedule { cron: StrLit, tz: Option<StrLit> },
    /// `on http`
    Http,
}

// ---------------------------------------------------------------- workflows

/// `workflow name { settings and steps }`
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    /// Settings and triggers, in source order.
    pub members: Vec<Member>,
    /// The top-level steps, in source order.
    pub body: Block,
    /// Source order of members and steps, for the formatter: `true` = the
    /// next member, `false` = the next step. Empty means "members first".
    pub order: Vec<bool>,
    pub span: Span,
}

/// A sequence of steps (`{ … }` of if/for/try/branch, or a workflow body).
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub steps: Vec<Step>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub doc: Option<Doc>,
    /// `label:` before the step.
    pub label: Option<Ident>,
    pub kind: StepKind,
    pub modifiers: Vec<Modifier>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// `call fn [body]` or `call svc METHOD "/path" [body]`
    Call {
        target: Path,
        method: Option<(HttpMethod, Span)>,
        path: Option<StrLit>,
        body: Option<Value>,
    },
    /// `run wf [input]`
    Run {
        workflow: Ident,
        input: Option<Value>,
    },
    /// `emit Event [data]`
    Emit { event: Path, data: Option<Value> },
    /// `wait 5m`
    Sleep { duration: Duration },
    /// `wait for E | all(E1, E2) | any(E1, E2) [correlate f = ${…}, …]`
    WaitFor {
        mode: WaitMode,
        events: Vec<Path>,
        correlate: Vec<Correlate>,
    },
    /// `set { … }` or `set ${ … }`
    Set { value: Value },
    /// `if ${…} { … } else if ${…} { … } else { … }`
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    /// `switch { case ${…} => target  else => target }`
    Switch {
        cases: Vec<SwitchCase>,
        default: Option<Target>,
    },
    /// `parallel { branch a { … } … }` (compete = false) or `race { … }` (true)
    Parallel {
        compete: bool,
        branches: Vec<Branch>,
    },
    /// `for x[, i] in ${…} [while ${…}] { … }`
    For {
        item: Ident,
        index: Option<Ident>,
        collection: Expr,
        while_: Option<Expr>,
        body: Block,
    },
    /// `try { … } catch [Error] [as e] [retry …] { … }`
    Try { body: Block, catch: Catch },
    /// `fail Error ["detail"]`
    Fail { error: Path, detail: Option<StrLit> },
    /// `return [value]`
    Return { value: Option<Value> },
}

impl StepKind {
    /// The keyword that starts the step (for generated names and messages).
    pub fn keyword(&self) -> &'static str {
        match self {
            StepKind::Call { .. } => "call",
            StepKind::Run { .. } => "run",
            StepKind::Emit { .. } => "emit",
            StepKind::Sleep { .. } | StepKind::WaitFor { .. } => "wait",
            StepKind::Set { .. } => "set",
            StepKind::If { .. } => "if",
            StepKind::Switch { .. } => "switch",
            StepKind::Parallel { compete: false, .. } => "parallel",
            StepKind::Parallel { compete: true, .. } => "race",
            StepKind::For { .. } => "for",
            StepKind::Try { .. } => "try",
            StepKind::Fail { .. } => "fail",
            StepKind::Return { .. } => "return",
        }
    }
}

impl Step {
    /// Whether the step adds to `$context` where it stands: a label, an
    /// unlabelled `set`, or a fork with such a step directly in a branch
    /// (the fork merges its branches' additions).
    pub fn adds_to_context(&self) -> bool {
        self.label.is_some()
            || match &self.kind {
                StepKind::Set { .. } => true,
                StepKind::Parallel { branches, .. } => branches
                    .iter()
                    .any(|b| b.body.steps.iter().any(Step::adds_to_context)),
                _ => false,
            }
    }

    /// The `$context` keys the step itself sets: its label, or the keys of
    /// an unlabelled `set` of an object.
    pub fn context_keys(&self) -> Vec<&str> {
        if let Some(l) = &self.label {
            return vec![l.name.as_str()];
        }
        match &self.kind {
            StepKind::Set { value } => match &value.kind {
                ValueKind::Object(entries) => entries.iter().map(|e| e.key.name.as_str()).collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitMode {
    One,
    All,
    Any,
}

/// `correlate field = ${ … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Correlate {
    pub field: Ident,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SwitchCase {
    pub cond: Expr,
    pub target: Target,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    pub name: Ident,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Catch {
    /// The error caught: a declared error, or a built-in name (`timeout`,
    /// `communication`, …) as a bare identifier. `None` catches anything.
    pub error: Option<Path>,
    /// `as e`: the caught error is `$e` in the handler.
    pub as_: Option<Ident>,
    pub retry: Option<Retry>,
    pub body: Block,
    pub span: Span,
}

/// Where control goes: a step label in the same block, or a flow directive.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Step(Ident),
    End(Span),
    Exit(Span),
    Continue(Span),
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Step(i) => i.span,
            Target::End(s) | Target::Exit(s) | Target::Continue(s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Modifier {
    Timeout(Duration),
    Retry(Retry),
    Then(Target),
    When(Expr),
}

impl Modifier {
    pub fn span(&self) -> Span {
        match self {
            Modifier::Timeout(d) => d.span,
            Modifier::Retry(r) => r.span,
            Modifier::Then(t) => t.span(),
            Modifier::When(e) => e.span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    Constant,
    Linear,
    Exponential,
}

/// `retry N [backoff constant|linear|exponential] [delay] [max d]`
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    pub attempts: u32,
    pub attempts_span: Span,
    pub backoff: Option<Backoff>,
    pub delay: Option<Duration>,
    /// `max d`: reads as a cap on each delay, which Serverless Workflow
    /// cannot express; compiled as `within` (W0305).
    pub max: Option<Duration>,
    /// `within d`: how long the retrying may take in all.
    pub within: Option<Duration>,
    pub span: Span,
}

// ---------------------------------------------------------------- values

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Str(StrLit),
    /// Kept as written (`42`, `-3.5`, `1e9`) so no precision is lost; see
    /// [`Number`].
    Number(Number),
    Bool(bool),
    Null,
    Duration(Duration),
    List(Vec<Value>),
    Object(Vec<ObjectEntry>),
    Expr(Expr),
    /// `params.name`
    Param(Ident),
    /// `secret("name", "key")`
    Secret {
        name: StrLit,
        key: StrLit,
    },
    /// `a + b + …`: compile-time string concatenation (two or more parts).
    Concat(Vec<Value>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub text: String,
}

impl Number {
    /// The value as an integer, when it is written as one and fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.text.parse().ok()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.text.parse().ok()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectEntry {
    pub doc: Option<Doc>,
    pub key: ObjectKey,
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectKey {
    pub name: String,
    /// Written as a quoted string (`"any key": v`) rather than an identifier.
    pub quoted: bool,
    pub span: Span,
}

/// A string literal, escapes already decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    /// Written as a `"""` block.
    pub block: bool,
    pub span: Span,
}

/// `${ jq }`: `span` covers `${ … }`, `source` is the text between the
/// braces and starts at byte `inner_start` of the file (so a jq error at
/// offset k inside it is at `inner_start + k`).
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub source: String,
    pub inner_start: u32,
    pub span: Span,
}

impl Expr {
    /// Every `$context.<name>` written in the expression, with the span of
    /// `<name>` (the step results and context variables it reads).
    pub fn context_reads(&self) -> Vec<(Span, &str)> {
        const PREFIX: &str = "$context.";
        let mut out = Vec::new();
        for (at, _) in self.source.match_indices(PREFIX) {
            let start = at + PREFIX.len();
            let rest = self.source.get(start..).unwrap_or("");
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if len == 0 {
                continue;
            }
            let offset = self.inner_start as usize + start;
            out.push((
                Span::new(self.span.file, offset, offset + len),
                &rest[..len],
            ));
        }
        out
    }
}

/// `1h30m`, `250ms`, …
#[derive(Clone, Debug, PartialEq)]
pub struct Duration {
    pub millis: u64,
    pub text: String,
    pub span: Span,
}

impl Duration {
    /// ISO 8601, as Serverless Workflow and Knative want it: `PT1H30M`,
    /// `P2D`, `PT0.25S`.
    pub fn iso8601(&self) -> String {
        iso8601(self.millis)
    }
}

/// Milliseconds as an ISO 8601 duration (days, hours, minutes, seconds).
pub fn iso8601(millis: u64) -> String {
    let days = millis / 86_400_000;
    let mut rest = millis % 86_400_000;
    let hours = rest / 3_600_000;
    rest %= 3_600_000;
    let minutes = rest / 60_000;
    rest %= 60_000;
    let secs = rest / 1000;
    let ms = rest % 1000;
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if hours + minutes + secs + ms > 0 || days == 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if minutes > 0 {
            out.push_str(&format!("{minutes}M"));
        }
        if ms > 0 {
            let frac = format!("{ms:03}");
            out.push_str(&format!("{secs}.{}S", frac.trim_end_matches('0')));
        } else if secs > 0 || (hours == 0 && minutes == 0) {
            out.push_str(&format!("{secs}S"));
        }
    }
    out
}

/// Words with a meaning of their own: not usable as identifiers.
pub const KEYWORDS: &[&str] = &[
    "type",
    "event",
    "extern",
    "error",
    "param",
    "function",
    "service",
    "workflow",
    "import",
    "as",
    "on",
    "where",
    "schedule",
    "tz",
    "http",
    "input",
    "data",
    "call",
    "run",
    "emit",
    "wait",
    "for",
    "all",
    "any",
    "correlate",
    "set",
    "if",
    "else",
    "switch",
    "case",
    "parallel",
    "race",
    "branch",
    "in",
    "while",
    "try",
    "catch",
    "retry",
    "backoff",
    "max",
    "fail",
    "return",
    "then",
    "when",
    "timeout",
    "end",
    "exit",
    "continue",
    "true",
    "false",
    "null",
    "params",
    "secret",
    "map",
    "string",
    "number",
    "integer",
    "boolean",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_iso8601() {
        assert_eq!(iso8601(90 * 60_000), "PT1H30M");
        assert_eq!(iso8601(2 * 86_400_000), "P2D");
        assert_eq!(iso8601(250), "PT0.25S");
        assert_eq!(iso8601(0), "PT0S");
        assert_eq!(iso8601(30_000), "PT30S");
        assert_eq!(iso8601(86_400_000 + 1000), "P1DT1S");
    }
}
