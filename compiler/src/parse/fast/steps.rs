//! The fast path's steps, blocks and modifiers (rules `block` …
//! `when_mod` of air.pest).

use super::Fast;
use crate::ast::*;

impl Fast<'_, '_> {
    /// `block = { "{" ~ step* ~ "}" }`
    fn block(&mut self) -> Option<Block> {
        self.attempt(|p| {
            let start = p.start();
            if !p.lit(b"{") {
                return None;
            }
            let mut steps = Vec::new();
            while let Some(s) = p.attempt(|p| p.step()) {
                steps.push(s);
            }
            if !p.lit(b"}") {
                return None;
            }
            Some(Block {
                steps,
                span: p.span_from(start),
            })
        })
    }

    /// `step = { label? ~ step_kind ~ modifier* }`
    pub(super) fn step(&mut self) -> Option<Step> {
        let start = self.start();
        let doc = self.doc(start);
        let label = self.attempt(|p| {
            let id = p.ident()?;
            p.lit(b":").then_some(id)
        });
        let kind = self.step_kind()?;
        if label
            .as_ref()
            .is_some_and(|l| KEYWORDS.contains(&l.name.as_str()))
        {
            self.abort = true;
        }
        let mut modifiers = Vec::new();
        while let Some(m) = self.attempt(|p| p.modifier()) {
            modifiers.push(m);
        }
        Some(Step {
            doc,
            label,
            kind,
            modifiers,
            span: self.span_from(start),
        })
    }

    /// `step_kind`: each alternative starts with its own keyword, except
    /// `wait for …` and `wait 5m` (tried in that order).
    fn step_kind(&mut self) -> Option<StepKind> {
        let word = self.peek_word();
        match word {
            "call" => self.attempt(|p| p.call_step()),
            "run" => self.attempt(|p| {
                p.kw("run");
                let workflow = p.ident()?;
                let input = p.attempt(|p| p.body());
                Some(StepKind::Run { workflow, input })
            }),
            "emit" => self.attempt(|p| {
                p.kw("emit");
                let event = p.path()?;
                let data = p.attempt(|p| p.body());
                Some(StepKind::Emit { event, data })
            }),
            "wait" => self.attempt(|p| p.wait_for_step()).or_else(|| {
                self.attempt(|p| {
                    p.kw("wait");
                    let duration = p.duration()?;
                    Some(StepKind::Sleep { duration })
                })
            }),
            "set" => self.attempt(|p| {
                p.kw("set");
                let value = p.value()?;
                Some(StepKind::Set { value })
            }),
            "if" => self.attempt(|p| p.if_step()),
            "switch" => self.attempt(|p| p.switch_step()),
            "parallel" | "race" => {
                let compete = word == "race";
                self.attempt(|p| p.parallel_step(compete))
            }
            "for" => self.attempt(|p| p.for_step()),
            "try" => self.attempt(|p| {
                p.kw("try");
                let body = p.block()?;
                let catch = p.catch()?;
                Some(StepKind::Try { body, catch })
            }),
            "fail" => self.attempt(|p| {
                p.kw("fail");
                let error = p.path()?;
                let detail = p.attempt(|p| p.string());
                Some(StepKind::Fail { error, detail })
            }),
            "return" => self.attempt(|p| {
                p.kw("return");
                let value = p.attempt(|p| p.value());
                Some(StepKind::Return { value })
            }),
            _ => None,
        }
    }

    /// `call_step = { kw_call ~ path ~ (http_method ~ string)? ~ body? }`
    fn call_step(&mut self) -> Option<StepKind> {
        self.kw("call");
        let target = self.path()?;
        let (method, path) = match self.attempt(|p| {
            let method = p.http_method()?;
            Some((method, p.string()?))
        }) {
            Some((m, s)) => (Some(m), Some(s)),
            None => (None, None),
        };
        let body = self.attempt(|p| p.body());
        Some(StepKind::Call {
            target,
            method,
            path,
            body,
        })
    }

    /// `http_method = @{ ("GET" | "POST" | …) ~ !ic }` and its span. The
    /// position is unchanged when it does not match.
    pub(super) fn http_method(&mut self) -> Option<(HttpMethod, crate::span::Span)> {
        let start = self.start();
        let method = match self.peek_word() {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            "HEAD" => HttpMethod::Head,
            "OPTIONS" => HttpMethod::Options,
            _ => return None,
        };
        self.pos = self.ident_end(start);
        Some((method, self.span_from(start)))
    }

    /// `wait_for_step = { kw_wait ~ kw_for ~ (wait_all | wait_any | path)
    /// ~ (kw_correlate ~ correlate ~ ("," ~ correlate)*)? }`
    fn wait_for_step(&mut self) -> Option<StepKind> {
        if !(self.kw("wait") && self.kw("for")) {
            return None;
        }
        let (mode, events) = if let Some(e) = self.attempt(|p| p.event_list("all")) {
            (WaitMode::All, e)
        } else if let Some(e) = self.attempt(|p| p.event_list("any")) {
            (WaitMode::Any, e)
        } else {
            (WaitMode::One, vec![self.path()?])
        };
        let correlate = self
            .attempt(|p| {
                if !p.kw("correlate") {
                    return None;
                }
                let mut all = vec![p.correlate()?];
                while let Some(c) = p.attempt(|p| if p.lit(b",") { p.correlate() } else { None }) {
                    all.push(c);
                }
                Some(all)
            })
            .unwrap_or_default();
        Some(StepKind::WaitFor {
            mode,
            events,
            correlate,
        })
    }

    /// `wait_all` / `wait_any`: `word ( path, … [,] )`.
    fn event_list(&mut self, word: &str) -> Option<Vec<Path>> {
        if !(self.kw(word) && self.lit(b"(")) {
            return None;
        }
        let mut events = vec![self.path()?];
        while let Some(e) = self.attempt(|p| if p.lit(b",") { p.path() } else { None }) {
            events.push(e);
        }
        self.lit(b",");
        self.lit(b")").then_some(events)
    }

    /// `correlate = { ident ~ "=" ~ expr }`
    fn correlate(&mut self) -> Option<Correlate> {
        let start = self.start();
        let field = self.ident()?;
        if !self.lit(b"=") {
            return None;
        }
        let expr = self.expr()?;
        Some(Correlate {
            field,
            expr,
            span: self.span_from(start),
        })
    }

    /// `if_step = { kw_if ~ expr ~ block ~ else_if* ~ (kw_else ~ block)? }`
    fn if_step(&mut self) -> Option<StepKind> {
        self.kw("if");
        let cond = self.expr()?;
        let first = self.block()?;
        let mut branches = vec![(cond, first)];
        while let Some(b) = self.attempt(|p| {
            if !(p.kw("else") && p.kw("if")) {
                return None;
            }
            let cond = p.expr()?;
            Some((cond, p.block()?))
        }) {
            branches.push(b);
        }
        let otherwise = self.attempt(|p| if p.kw("else") { p.block() } else { None });
        Some(StepKind::If {
            branches,
            otherwise,
        })
    }

    /// `switch_step = { kw_switch ~ "{" ~ switch_case* ~ switch_default? ~ "}" }`
    fn switch_step(&mut self) -> Option<StepKind> {
        self.kw("switch");
        if !self.lit(b"{") {
            return None;
        }
        let mut cases = Vec::new();
        while let Some(c) = self.attempt(|p| {
            let start = p.start();
            if !p.kw("case") {
                return None;
            }
            let cond = p.expr()?;
            if !p.lit(b"=>") {
                return None;
            }
            let target = p.target()?;
            Some(SwitchCase {
                cond,
                target,
                span: p.span_from(start),
            })
        }) {
            cases.push(c);
        }
        let default = self.attempt(|p| {
            if !(p.kw("else") && p.lit(b"=>")) {
                return None;
            }
            p.target()
        });
        if !self.lit(b"}") {
            return None;
        }
        Some(StepKind::Switch { cases, default })
    }

    /// `parallel_step` / `race_step`: `{ branch name { … } … }`
    fn parallel_step(&mut self, compete: bool) -> Option<StepKind> {
        self.kw(if compete { "race" } else { "parallel" });
        if !self.lit(b"{") {
            return None;
        }
        let mut branches = Vec::new();
        while let Some(b) = self.attempt(|p| {
            let start = p.start();
            if !p.kw("branch") {
                return None;
            }
            let name = p.decl_name()?;
            let body = p.block()?;
            Some(Branch {
                name,
                body,
                span: p.span_from(start),
            })
        }) {
            branches.push(b);
        }
        if !self.lit(b"}") {
            return None;
        }
        Some(StepKind::Parallel { compete, branches })
    }

    /// `for_step = { kw_for ~ ident ~ ("," ~ ident)? ~ kw_in ~ expr ~
    /// (kw_while ~ expr)? ~ block }`
    fn for_step(&mut self) -> Option<StepKind> {
        self.kw("for");
        let item = self.ident()?;
        let index = self.attempt(|p| if p.lit(b",") { p.ident() } else { None });
        if !self.kw("in") {
            return None;
        }
        let collection = self.expr()?;
        let while_ = self.attempt(|p| if p.kw("while") { p.expr() } else { None });
        let body = self.block()?;
        Some(StepKind::For {
            item,
            index,
            collection,
            while_,
            body,
        })
    }

    /// `catch = { kw_catch ~ catch_error? ~ (kw_as ~ ident)? ~ retry? ~ block }`
    fn catch(&mut self) -> Option<Catch> {
        let start = self.start();
        if !self.kw("catch") {
            return None;
        }
        let error = self.attempt(|p| {
            if matches!(p.peek_word(), "as" | "retry") {
                return None;
            }
            p.path()
        });
        let as_ = self.attempt(|p| if p.kw("as") { p.ident() } else { None });
        let retry = self.attempt(|p| p.retry());
        let body = self.block()?;
        Some(Catch {
            error,
            as_,
            retry,
            body,
            span: self.span_from(start),
        })
    }

    /// `target`: a step label, `end`, `exit` or `continue`.
    fn target(&mut self) -> Option<Target> {
        let ident = self.ident()?;
        Some(match ident.name.as_str() {
            "end" => Target::End(ident.span),
            "exit" => Target::Exit(ident.span),
            "continue" => Target::Continue(ident.span),
            name => {
                if KEYWORDS.contains(&name) {
                    self.abort = true;
                }
                Target::Step(ident)
            }
        })
    }

    /// `modifier = _{ timeout_mod | retry | then_mod | when_mod }`
    fn modifier(&mut self) -> Option<Modifier> {
        match self.peek_word() {
            "timeout" => {
                self.kw("timeout");
                self.duration().map(Modifier::Timeout)
            }
            "retry" => self.retry().map(Modifier::Retry),
            "then" => {
                self.kw("then");
                self.target().map(Modifier::Then)
            }
            "when" => {
                self.kw("when");
                self.expr().map(Modifier::When)
            }
            _ => None,
        }
    }

    /// `retry = { kw_retry ~ attempts ~ (kw_backoff ~ backoff_kind)? ~
    /// duration? ~ (kw_max ~ duration)? ~ (kw_within ~ duration)? }`
    fn retry(&mut self) -> Option<Retry> {
        let start = self.start();
        if !self.kw("retry") {
            return None;
        }
        // `attempts = @{ ASCII_DIGIT+ ~ !ic }`
        let from = self.start();
        let mut end = from;
        while self.at(end).is_ascii_digit() {
            end += 1;
        }
        if end == from || super::is_ic(self.at(end)) {
            return None;
        }
        let Ok(attempts) = self.src.get(from..end)?.parse::<u32>() else {
            self.abort = true;
            return None;
        };
        self.pos = end;
        let attempts_span = crate::span::Span::new(self.file, from, end);
        let backoff = self.attempt(|p| {
            if !p.kw("backoff") {
                return None;
            }
            let kind = match p.peek_word() {
                "constant" => Backoff::Constant,
                "linear" => Backoff::Linear,
                "exponential" => Backoff::Exponential,
                _ => return None,
            };
            let start = p.pos;
            p.pos = p.ident_end(start);
            Some(kind)
        });
        let delay = self.duration();
        let max = self.attempt(|p| if p.kw("max") { p.duration() } else { None });
        let within = self.attempt(|p| if p.kw("within") { p.duration() } else { None });
        Some(Retry {
            attempts,
            attempts_span,
            backoff,
            delay,
            max,
            within,
            span: self.span_from(start),
        })
    }
}
