//! The fast path's `test` blocks (rules `test_decl` … `allow_stmt` of
//! air.pest), mirroring `parse/test_blocks.rs`.

use super::{Fast, is_ic};
use crate::ast::*;

impl Fast<'_, '_> {
    /// `test_decl = { kw_test ~ string ~ "{" ~ test_stmt* ~ "}" }`
    pub(super) fn test_decl(&mut self, start: usize) -> Option<TestDecl> {
        let doc = self.doc(start);
        if !self.kw("test") {
            return None;
        }
        let name = self.string()?;
        if !self.lit(b"{") {
            return None;
        }
        let mut stmts = Vec::new();
        while let Some(s) = self.attempt(|p| p.test_stmt()) {
            stmts.push(s);
        }
        if !self.lit(b"}") {
            return None;
        }
        Some(TestDecl {
            doc,
            name,
            stmts,
            span: self.span_from(start),
        })
    }

    /// `test_stmt`: each alternative starts with its own keyword.
    fn test_stmt(&mut self) -> Option<TestStmt> {
        let start = self.start();
        let doc = self.doc(start);
        let word = self.peek_word();
        if !self.kw(word) {
            return None;
        }
        let kind = match word {
            "send" => {
                let event = self.path()?;
                let data = self.attempt(|p| p.value());
                let with = self.attempt(|p| {
                    if !p.kw("with") {
                        return None;
                    }
                    let at = p.start();
                    if p.at(at) != b'{' {
                        return None;
                    }
                    p.body()
                });
                let after = self.attempt(|p| p.after_clause());
                TestStmtKind::Send {
                    event,
                    data,
                    with,
                    after,
                }
            }
            "start" => TestStmtKind::Start {
                workflow: self.ident()?,
                input: self.attempt(|p| p.value()),
            },
            "tick" => TestStmtKind::Tick {
                workflow: self.ident()?,
            },
            "advance" => TestStmtKind::Advance {
                by: self.duration()?,
            },
            "mock" => {
                let call = self.call_pattern()?;
                let predicate = self.attempt(|p| if p.kw("where") { p.expr() } else { None });
                if !self.lit(b"=>") {
                    return None;
                }
                let mut responses = vec![self.response()?];
                while let Some(r) = self.attempt(|p| if p.kw("then") { p.response() } else { None })
                {
                    responses.push(r);
                }
                TestStmtKind::Mock {
                    call,
                    predicate,
                    responses,
                }
            }
            "expect" => self.expectation()?,
            "allow" => {
                if !self.kw("emit") {
                    return None;
                }
                TestStmtKind::AllowEmit {
                    event: self.path()?,
                }
            }
            _ => return None,
        };
        Some(TestStmt {
            doc,
            kind,
            span: self.span_from(start),
        })
    }

    /// What follows `expect`.
    fn expectation(&mut self) -> Option<TestStmtKind> {
        match self.peek_word() {
            "no" => {
                self.kw("no");
                if let Some(matcher) = self.attempt(|p| p.emit_match()) {
                    return Some(TestStmtKind::ExpectEmit {
                        no: true,
                        matcher,
                        times: None,
                    });
                }
                Some(TestStmtKind::ExpectCall {
                    no: true,
                    matcher: self.call_match()?,
                    times: None,
                })
            }
            "emit" => Some(TestStmtKind::ExpectEmit {
                no: false,
                matcher: self.emit_match()?,
                times: self.attempt(|p| p.times()),
            }),
            "call" => Some(TestStmtKind::ExpectCall {
                no: false,
                matcher: self.call_match()?,
                times: self.attempt(|p| p.times()),
            }),
            "workflow" => {
                self.kw("workflow");
                let workflow = self.ident()?;
                let word = self.peek_word();
                if !self.kw(word) {
                    return None;
                }
                let outcome = match word {
                    "completes" => Outcome::Completes(self.attempt(|p| p.value())),
                    "fails" => {
                        let error = self.path()?;
                        let status =
                            self.attempt(|p| if p.kw("status") { p.status() } else { None });
                        Outcome::Fails { error, status }
                    }
                    "context" => Outcome::Context(self.value()?),
                    _ => return None,
                };
                Some(TestStmtKind::ExpectWorkflow { workflow, outcome })
            }
            "order" => {
                self.kw("order");
                if !self.lit(b"{") {
                    return None;
                }
                let mut items = Vec::new();
                loop {
                    if let Some(m) = self.attempt(|p| p.emit_match()) {
                        items.push(OrderItem::Emit(m));
                    } else if let Some(m) = self.attempt(|p| p.call_match()) {
                        items.push(OrderItem::Call(m));
                    } else {
                        break;
                    }
                }
                if !self.lit(b"}") {
                    return None;
                }
                Some(TestStmtKind::ExpectOrder { items })
            }
            _ => None,
        }
    }

    /// `call_pattern = { kw_call ~ path ~ (http_method ~ string)? }`
    fn call_pattern(&mut self) -> Option<CallPattern> {
        let start = self.start();
        if !self.kw("call") {
            return None;
        }
        let target = self.path()?;
        let (method, path) = match self.attempt(|p| {
            let (method, span) = p.http_method()?;
            Some(((method, span), p.string()?))
        }) {
            Some((m, s)) => (Some(m), Some(s)),
            None => (None, None),
        };
        Some(CallPattern {
            target,
            method,
            path,
            span: self.span_from(start),
        })
    }

    /// `emit_match = { kw_emit ~ path ~ value? }`
    fn emit_match(&mut self) -> Option<EmitMatch> {
        let start = self.start();
        if !self.kw("emit") {
            return None;
        }
        let event = self.path()?;
        let matcher = self.attempt(|p| p.value());
        Some(EmitMatch {
            event,
            matcher,
            span: self.span_from(start),
        })
    }

    /// `call_match = { call_pattern ~ value? }`
    fn call_match(&mut self) -> Option<CallMatch> {
        let start = self.start();
        let call = self.call_pattern()?;
        let matcher = self.attempt(|p| p.value());
        Some(CallMatch {
            call,
            matcher,
            span: self.span_from(start),
        })
    }

    /// `response = { (status ~ value? | value) ~ after_clause? }`
    fn response(&mut self) -> Option<MockResponse> {
        let start = self.start();
        let (status, body) = match self.status() {
            Some(s) => (Some(s), self.attempt(|p| p.value())),
            None => (None, Some(self.value()?)),
        };
        let after = self.attempt(|p| p.after_clause());
        Some(MockResponse {
            status,
            body,
            after,
            span: self.span_from(start),
        })
    }

    /// `after_clause = { kw_after ~ duration }`
    fn after_clause(&mut self) -> Option<Duration> {
        if !self.kw("after") {
            return None;
        }
        self.duration()
    }

    /// `times = { kw_times ~ count }`
    fn times(&mut self) -> Option<Count> {
        if !self.kw("times") {
            return None;
        }
        self.digits(false)
    }

    /// `status = @{ ASCII_DIGIT+ ~ !(ic | ".") }`
    fn status(&mut self) -> Option<Count> {
        self.digits(true)
    }

    /// Digits not followed by an identifier character (nor `.` when
    /// `no_dot`), as a `u32`; a larger number is left to pest (E0108).
    /// The position is unchanged when they do not match.
    fn digits(&mut self, no_dot: bool) -> Option<Count> {
        let save = self.pos;
        let start = self.start();
        let mut i = start;
        while self.at(i).is_ascii_digit() {
            i += 1;
        }
        if i == start || is_ic(self.at(i)) || (no_dot && self.at(i) == b'.') {
            self.pos = save;
            return None;
        }
        let Some(value) = self.src.get(start..i).and_then(|t| t.parse::<u32>().ok()) else {
            self.abort = true;
            return None;
        };
        self.pos = i;
        Some(Count {
            value,
            span: crate::span::Span::new(self.file, start, i),
        })
    }
}
