//! pest pairs → AST: `test "…" { … }` blocks and their statements.

use super::build::{Builder, P};
use super::grammar::Rule;
use super::steps::{is_keyword, method_of};
use crate::ast::*;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

impl Builder<'_> {
    pub fn test_decl(&mut self, p: P) -> Option<TestDecl> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut name = None;
        let mut stmts = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => name = Some(self.strlit(&c)),
                Rule::kw_test => {}
                _ => stmts.extend(self.test_stmt(c)),
            }
        }
        Some(TestDecl {
            doc,
            name: name?,
            stmts,
            span,
        })
    }

    fn test_stmt(&mut self, p: P) -> Option<TestStmt> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let rule = p.as_rule();
        let mut parts = p.into_inner().filter(|c| !is_test_keyword(c.as_rule()));
        let kind = match rule {
            Rule::send_stmt => {
                let event = self.path(&parts.next()?)?;
                let mut data = None;
                let mut with = None;
                let mut after = None;
                for c in parts {
                    match c.as_rule() {
                        Rule::value => data = self.value(c),
                        Rule::send_with => {
                            let o = c.into_inner().find(|x| x.as_rule() == Rule::object)?;
                            with = self.term(o);
                        }
                        Rule::after_clause => after = self.after(c),
                        _ => {}
                    }
                }
                TestStmtKind::Send {
                    event,
                    data,
                    with,
                    after,
                }
            }
            Rule::start_stmt => TestStmtKind::Start {
                workflow: self.ident(&parts.next()?),
                input: parts.next().and_then(|v| self.value(v)),
            },
            Rule::tick_stmt => TestStmtKind::Tick {
                workflow: self.ident(&parts.next()?),
            },
            Rule::advance_stmt => TestStmtKind::Advance {
                by: self.duration(&parts.next()?),
            },
            Rule::mock_stmt => {
                let call = self.call_pattern(parts.next()?)?;
                let mut predicate = None;
                let mut responses = Vec::new();
                for c in parts {
                    match c.as_rule() {
                        Rule::expr => predicate = Some(self.expr(&c)),
                        Rule::response => responses.extend(self.response(c)),
                        _ => {}
                    }
                }
                TestStmtKind::Mock {
                    call,
                    predicate,
                    responses,
                }
            }
            Rule::expect_stmt => self.expect(parts.next()?)?,
            Rule::allow_stmt => TestStmtKind::AllowEmit {
                event: self.path(&parts.next()?)?,
            },
            _ => return None,
        };
        Some(TestStmt { doc, kind, span })
    }

    fn expect(&mut self, p: P) -> Option<TestStmtKind> {
        let rule = p.as_rule();
        let mut parts = p.into_inner().filter(|c| !is_test_keyword(c.as_rule()));
        Some(match rule {
            Rule::expect_no => {
                let m = parts.next()?;
                match m.as_rule() {
                    Rule::emit_match => TestStmtKind::ExpectEmit {
                        no: true,
                        matcher: self.emit_match(m)?,
                        times: None,
                    },
                    _ => TestStmtKind::ExpectCall {
                        no: true,
                        matcher: self.call_match(m)?,
                        times: None,
                    },
                }
            }
            Rule::expect_emit => TestStmtKind::ExpectEmit {
                no: false,
                matcher: self.emit_match(parts.next()?)?,
                times: parts.next().and_then(|t| self.times(t)),
            },
            Rule::expect_call => TestStmtKind::ExpectCall {
                no: false,
                matcher: self.call_match(parts.next()?)?,
                times: parts.next().and_then(|t| self.times(t)),
            },
            Rule::expect_workflow => {
                let workflow = self.ident(&parts.next()?);
                let o = parts.next()?;
                let orule = o.as_rule();
                let mut inner = o.into_inner().filter(|c| !is_test_keyword(c.as_rule()));
                let outcome = match orule {
                    Rule::wf_completes => {
                        Outcome::Completes(inner.next().and_then(|v| self.value(v)))
                    }
                    Rule::wf_fails => {
                        let error = self.path(&inner.next()?)?;
                        let status = inner.next().map(|s| self.count(&s));
                        Outcome::Fails { error, status }
                    }
                    _ => Outcome::Context(self.value(inner.next()?)?),
                };
                TestStmtKind::ExpectWorkflow { workflow, outcome }
            }
            Rule::expect_order => {
                let mut items = Vec::new();
                for c in parts {
                    match c.as_rule() {
                        Rule::emit_match => items.extend(self.emit_match(c).map(OrderItem::Emit)),
                        Rule::call_match => items.extend(self.call_match(c).map(OrderItem::Call)),
                        _ => {}
                    }
                }
                TestStmtKind::ExpectOrder { items }
            }
            _ => return None,
        })
    }

    fn call_pattern(&mut self, p: P) -> Option<CallPattern> {
        let span = self.span(&p);
        let mut target = None;
        let mut method = None;
        let mut path = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::path => target = self.path(&c),
                Rule::http_method => method = Some((method_of(c.as_str()), self.span(&c))),
                Rule::string => path = Some(self.strlit(&c)),
                _ => {}
            }
        }
        Some(CallPattern {
            target: target?,
            method,
            path,
            span,
        })
    }

    fn emit_match(&mut self, p: P) -> Option<EmitMatch> {
        let span = self.span(&p);
        let mut parts = p.into_inner().filter(|c| !is_test_keyword(c.as_rule()));
        let event = self.path(&parts.next()?)?;
        let matcher = parts.next().and_then(|v| self.value(v));
        Some(EmitMatch {
            event,
            matcher,
            span,
        })
    }

    fn call_match(&mut self, p: P) -> Option<CallMatch> {
        let span = self.span(&p);
        let mut parts = p.into_inner();
        let call = self.call_pattern(parts.next()?)?;
        let matcher = parts.next().and_then(|v| self.value(v));
        Some(CallMatch {
            call,
            matcher,
            span,
        })
    }

    fn response(&mut self, p: P) -> Option<MockResponse> {
        let span = self.span(&p);
        let mut status = None;
        let mut body = None;
        let mut after = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::status => status = Some(self.count(&c)),
                Rule::value => body = self.value(c),
                Rule::after_clause => after = self.after(c),
                _ => {}
            }
        }
        Some(MockResponse {
            status,
            body,
            after,
            span,
        })
    }

    fn after(&mut self, p: P) -> Option<Duration> {
        let d = p.into_inner().find(|c| c.as_rule() == Rule::duration)?;
        Some(self.duration(&d))
    }

    fn times(&mut self, p: P) -> Option<Count> {
        let c = p.into_inner().find(|c| c.as_rule() == Rule::count)?;
        Some(self.count(&c))
    }

    /// Digits as a `u32` (a larger number is reported, as retry counts are).
    fn count(&mut self, p: &P) -> Count {
        let span = self.span(p);
        let value = p.as_str().parse::<u32>().unwrap_or_else(|_| {
            self.diags.push(
                Diagnostic::error(Code::E0108, "number out of range")
                    .with_primary(span, "too large")
                    .with_help(format!("at most {}", u32::MAX)),
            );
            u32::MAX
        });
        Count { value, span }
    }
}

/// Keyword pairs of test blocks (and the shared ones they use).
fn is_test_keyword(rule: Rule) -> bool {
    use Rule::*;
    is_keyword(rule)
        || matches!(
            rule,
            kw_test
                | kw_send
                | kw_with
                | kw_after
                | kw_start
                | kw_tick
                | kw_advance
                | kw_mock
                | kw_expect
                | kw_no
                | kw_times
                | kw_completes
                | kw_fails
                | kw_status
                | kw_context
                | kw_order
                | kw_allow
        )
}
