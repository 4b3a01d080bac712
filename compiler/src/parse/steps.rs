//! pest pairs → AST: steps, blocks and modifiers.

use super::build::{Builder, P};
use super::grammar::Rule;
use crate::ast::*;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

impl Builder<'_> {
    pub fn block(&mut self, p: P) -> Block {
        let span = self.span(&p);
        let steps = p.into_inner().filter_map(|s| self.step(s)).collect();
        Block { steps, span }
    }

    pub fn step(&mut self, p: P) -> Option<Step> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut label = None;
        let mut kind = None;
        let mut modifiers = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::label => {
                    let id = c.into_inner().next()?;
                    label = Some(self.decl_name(&id, "step label"));
                }
                Rule::timeout_mod | Rule::retry | Rule::then_mod | Rule::when_mod => {
                    modifiers.extend(self.modifier(c));
                }
                _ => kind = self.step_kind(c),
            }
        }
        Some(Step {
            doc,
            label,
            kind: kind?,
            modifiers,
            span,
        })
    }

    fn step_kind(&mut self, p: P) -> Option<StepKind> {
        let rule = p.as_rule();
        let mut parts = p.into_inner().filter(|c| !is_keyword(c.as_rule()));
        Some(match rule {
            Rule::call_step => {
                let target = self.path(&parts.next()?)?;
                let mut method = None;
                let mut path = None;
                let mut body = None;
                for c in parts {
                    match c.as_rule() {
                        Rule::http_method => method = Some((method_of(c.as_str()), self.span(&c))),
                        Rule::string => path = Some(self.strlit(&c)),
                        _ => body = self.term(c),
                    }
                }
                StepKind::Call {
                    target,
                    method,
                    path,
                    body,
                }
            }
            Rule::run_step => {
                let workflow = self.ident(&parts.next()?);
                let input = parts.next().and_then(|c| self.term(c));
                StepKind::Run { workflow, input }
            }
            Rule::emit_step => {
                let event = self.path(&parts.next()?)?;
                let data = parts.next().and_then(|c| self.term(c));
                StepKind::Emit { event, data }
            }
            Rule::sleep_step => StepKind::Sleep {
                duration: self.duration(&parts.next()?),
            },
            Rule::wait_for_step => {
                let mut mode = WaitMode::One;
                let mut events = Vec::new();
                let mut correlate = Vec::new();
                for c in parts {
                    match c.as_rule() {
                        Rule::path => events.extend(self.path(&c)),
                        Rule::wait_all | Rule::wait_any => {
                            mode = if c.as_rule() == Rule::wait_all {
                                WaitMode::All
                            } else {
                                WaitMode::Any
                            };
                            for e in c.into_inner().filter(|e| e.as_rule() == Rule::path) {
                                events.extend(self.path(&e));
                            }
                        }
                        Rule::correlate => {
                            let span = self.span(&c);
                            let mut it = c.into_inner();
                            let field = self.ident(&it.next()?);
                            let expr = self.expr(&it.next()?);
                            correlate.push(Correlate { field, expr, span });
                        }
                        _ => {}
                    }
                }
                StepKind::WaitFor {
                    mode,
                    events,
                    correlate,
                }
            }
            Rule::set_step => StepKind::Set {
                value: self.value(parts.next()?)?,
            },
            Rule::if_step => {
                // kw_else is filtered out: a block after the first branch
                // that is not part of an `else if` is the `else` block.
                let cond = self.expr(&parts.next()?);
                let first = self.block(parts.next()?);
                let mut branches = vec![(cond, first)];
                let mut otherwise = None;
                for c in parts {
                    match c.as_rule() {
                        Rule::else_if => {
                            let mut it = c.into_inner().filter(|x| !is_keyword(x.as_rule()));
                            let cond = self.expr(&it.next()?);
                            let body = self.block(it.next()?);
                            branches.push((cond, body));
                        }
                        Rule::block => otherwise = Some(self.block(c)),
                        _ => {}
                    }
                }
                StepKind::If {
                    branches,
                    otherwise,
                }
            }
            Rule::switch_step => {
                let mut cases = Vec::new();
                let mut default = None;
                for c in parts {
                    let span = self.span(&c);
                    let rule = c.as_rule();
                    let mut it = c.into_inner().filter(|x| !is_keyword(x.as_rule()));
                    match rule {
                        Rule::switch_case => {
                            let cond = self.expr(&it.next()?);
                            let target = self.target(&it.next()?)?;
                            cases.push(SwitchCase { cond, target, span });
                        }
                        Rule::switch_default => default = self.target(&it.next()?),
                        _ => {}
                    }
                }
                StepKind::Switch { cases, default }
            }
            Rule::parallel_step | Rule::race_step => {
                let mut branches = Vec::new();
                for b in parts {
                    let span = self.span(&b);
                    let mut it = b.into_inner().filter(|x| !is_keyword(x.as_rule()));
                    let name = self.decl_name(&it.next()?, "branch name");
                    let body = self.block(it.next()?);
                    branches.push(Branch { name, body, span });
                }
                StepKind::Parallel {
                    compete: rule == Rule::race_step,
                    branches,
                }
            }
            Rule::for_step => {
                let item = self.ident(&parts.next()?);
                let mut index = None;
                let mut exprs = Vec::new();
                let mut body = None;
                for c in parts {
                    match c.as_rule() {
                        Rule::ident => index = Some(self.ident(&c)),
                        Rule::expr => exprs.push(self.expr(&c)),
                        Rule::block => body = Some(self.block(c)),
                        _ => {}
                    }
                }
                let mut exprs = exprs.into_iter();
                StepKind::For {
                    item,
                    index,
                    collection: exprs.next()?,
                    while_: exprs.next(),
                    body: body?,
                }
            }
            Rule::try_step => {
                let body = self.block(parts.next()?);
                let catch = self.catch(parts.next()?)?;
                StepKind::Try { body, catch }
            }
            Rule::fail_step => {
                let error = self.path(&parts.next()?)?;
                let detail = parts.next().map(|s| self.strlit(&s));
                StepKind::Fail { error, detail }
            }
            Rule::return_step => StepKind::Return {
                value: parts.next().and_then(|v| self.value(v)),
            },
            _ => return None,
        })
    }

    fn catch(&mut self, p: P) -> Option<Catch> {
        let span = self.span(&p);
        let mut error = None;
        let mut as_ = None;
        let mut retry = None;
        let mut body = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::catch_error => {
                    let path = c.into_inner().find(|x| x.as_rule() == Rule::path)?;
                    error = self.path(&path);
                }
                Rule::ident => as_ = Some(self.ident(&c)),
                Rule::retry => retry = self.retry(c),
                Rule::block => body = Some(self.block(c)),
                _ => {}
            }
        }
        Some(Catch {
            error,
            as_,
            retry,
            body: body?,
            span,
        })
    }

    /// `end`, `exit`, `continue` or a step label.
    fn target(&mut self, p: &P) -> Option<Target> {
        let ident = self.ident(p);
        Some(match ident.name.as_str() {
            "end" => Target::End(ident.span),
            "exit" => Target::Exit(ident.span),
            "continue" => Target::Continue(ident.span),
            name if KEYWORDS.contains(&name) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::E0106,
                        format!("`{name}` is a keyword, not a step label"),
                    )
                    .with_primary(ident.span, "not a jump target")
                    .with_help("jump to a step label, `end`, `exit` or `continue`"),
                );
                Target::Step(ident)
            }
            _ => Target::Step(ident),
        })
    }

    fn modifier(&mut self, p: P) -> Option<Modifier> {
        let rule = p.as_rule();
        if rule == Rule::retry {
            return self.retry(p).map(Modifier::Retry);
        }
        let c = p.into_inner().find(|c| !is_keyword(c.as_rule()))?;
        Some(match rule {
            Rule::timeout_mod => Modifier::Timeout(self.duration(&c)),
            Rule::then_mod => Modifier::Then(self.target(&c)?),
            Rule::when_mod => Modifier::When(self.expr(&c)),
            _ => return None,
        })
    }

    fn retry(&mut self, p: P) -> Option<Retry> {
        let span = self.span(&p);
        let mut attempts = None;
        let mut backoff = None;
        let mut delay = None;
        let mut max = None;
        let mut within = None;
        let mut after_max = false;
        let mut after_within = false;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::attempts => {
                    let s = self.span(&c);
                    let n = c.as_str().parse::<u32>().unwrap_or_else(|_| {
                        self.diags.push(
                            Diagnostic::error(Code::E0108, "retry count out of range")
                                .with_primary(s, "too large")
                                .with_help(format!("at most {} attempts", u32::MAX)),
                        );
                        u32::MAX
                    });
                    attempts = Some((n, s));
                }
                Rule::backoff_kind => {
                    backoff = Some(match c.as_str() {
                        "constant" => Backoff::Constant,
                        "linear" => Backoff::Linear,
                        _ => Backoff::Exponential,
                    })
                }
                Rule::kw_max => after_max = true,
                Rule::kw_within => after_within = true,
                Rule::duration if after_within => within = Some(self.duration(&c)),
                Rule::duration if after_max => max = Some(self.duration(&c)),
                Rule::duration => delay = Some(self.duration(&c)),
                _ => {}
            }
        }
        let (attempts, attempts_span) = attempts?;
        Some(Retry {
            attempts,
            attempts_span,
            backoff,
            delay,
            max,
            within,
            span,
        })
    }
}

pub(super) fn method_of(s: &str) -> HttpMethod {
    match s {
        "GET" => HttpMethod::Get,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        "HEAD" => HttpMethod::Head,
        "OPTIONS" => HttpMethod::Options,
        _ => HttpMethod::Post,
    }
}

/// Keyword pairs carry no data the builders need (except where matched
/// explicitly, such as `extern` and `max`).
pub(super) fn is_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        kw_type
            | kw_event
            | kw_extern
            | kw_error
            | kw_param
            | kw_function
            | kw_service
            | kw_workflow
            | kw_import
            | kw_as
            | kw_on
            | kw_where
            | kw_schedule
            | kw_tz
            | kw_http
            | kw_input
            | kw_data
            | kw_map
            | kw_secret
            | kw_call
            | kw_run
            | kw_emit
            | kw_wait
            | kw_for
            | kw_all
            | kw_any
            | kw_correlate
            | kw_set
            | kw_if
            | kw_else
            | kw_switch
            | kw_case
            | kw_parallel
            | kw_race
            | kw_branch
            | kw_in
            | kw_while
            | kw_try
            | kw_catch
            | kw_retry
            | kw_backoff
            | kw_max
            | kw_within
            | kw_fail
            | kw_return
            | kw_then
            | kw_when
            | kw_timeout
    )
}
