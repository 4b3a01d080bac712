//! The syntax tree of `test "…" { … }` blocks (kept in
//! [`super::File::tests`], apart from the declarations).

use super::{Doc, Duration, Expr, HttpMethod, Ident, Path, StrLit, Value};
use crate::span::Span;

/// `test "name" { statements }`: run by `air test`, never built.
#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    pub doc: Option<Doc>,
    pub name: StrLit,
    pub stmts: Vec<TestStmt>,
    pub span: Span,
}

/// One statement of a test.
#[derive(Clone, Debug, PartialEq)]
pub struct TestStmt {
    pub doc: Option<Doc>,
    pub kind: TestStmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestStmtKind {
    /// `send Event [data] [with { attributes }] [after 5m]`
    Send {
        event: Path,
        data: Option<Value>,
        with: Option<Value>,
        after: Option<Duration>,
    },
    /// `start workflow [input]`
    Start {
        workflow: Ident,
        input: Option<Value>,
    },
    /// `tick workflow`: fire its schedule.
    Tick { workflow: Ident },
    /// `advance 2d`: let virtual time pass.
    Advance { by: Duration },
    /// `mock call target [METHOD "path"] [where ${ … }] => response [then response]…`
    Mock {
        call: CallPattern,
        predicate: Option<Expr>,
        responses: Vec<MockResponse>,
    },
    /// `expect [no] emit Event [data | ${ … }] [times N]`
    ExpectEmit {
        no: bool,
        matcher: EmitMatch,
        times: Option<Count>,
    },
    /// `expect [no] call target [METHOD "path"] [body | ${ … }] [times N]`
    ExpectCall {
        no: bool,
        matcher: CallMatch,
        times: Option<Count>,
    },
    /// `expect workflow name completes … | fails … | context …`
    ExpectWorkflow { workflow: Ident, outcome: Outcome },
    /// `expect order { emit … call … }`
    ExpectOrder { items: Vec<OrderItem> },
    /// `allow emit Event`
    AllowEmit { event: Path },
}

impl TestStmtKind {
    /// The words that start the statement (for messages).
    pub fn keyword(&self) -> &'static str {
        match self {
            TestStmtKind::Send { .. } => "send",
            TestStmtKind::Start { .. } => "start",
            TestStmtKind::Tick { .. } => "tick",
            TestStmtKind::Advance { .. } => "advance",
            TestStmtKind::Mock { .. } => "mock",
            TestStmtKind::ExpectEmit { .. } => "expect emit",
            TestStmtKind::ExpectCall { .. } => "expect call",
            TestStmtKind::ExpectWorkflow { .. } => "expect workflow",
            TestStmtKind::ExpectOrder { .. } => "expect order",
            TestStmtKind::AllowEmit { .. } => "allow emit",
        }
    }
}

/// `call target [METHOD "path"]` in a test.
#[derive(Clone, Debug, PartialEq)]
pub struct CallPattern {
    pub target: Path,
    pub method: Option<(HttpMethod, Span)>,
    pub path: Option<StrLit>,
    pub span: Span,
}

/// `emit Event [data | ${ predicate }]`
#[derive(Clone, Debug, PartialEq)]
pub struct EmitMatch {
    pub event: Path,
    /// A literal (the data must contain it) or `${ … }` (jq on the event).
    pub matcher: Option<Value>,
    pub span: Span,
}

/// `call target [METHOD "path"] [body | ${ predicate }]`
#[derive(Clone, Debug, PartialEq)]
pub struct CallMatch {
    pub call: CallPattern,
    pub matcher: Option<Value>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OrderItem {
    Emit(EmitMatch),
    Call(CallMatch),
}

/// `[STATUS] [VALUE] [after DURATION]` (at least one of the first two).
#[derive(Clone, Debug, PartialEq)]
pub struct MockResponse {
    pub status: Option<Count>,
    pub body: Option<Value>,
    pub after: Option<Duration>,
    pub span: Span,
}

/// A bare non-negative integer (`times 2`, a status).
#[derive(Clone, Debug, PartialEq)]
pub struct Count {
    pub value: u32,
    pub span: Span,
}

/// What `expect workflow` expects of every run.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `completes [output | ${ predicate }]`
    Completes(Option<Value>),
    /// `fails Error [status N]`
    Fails { error: Path, status: Option<Count> },
    /// `context value | ${ predicate }`
    Context(Value),
}
