//! The fast path's values: terms, objects, lists, durations, numbers and
//! `${ … }` expressions (rules `value` … `jq_paren_run` of air.pest).

use super::{Fast, MAX_RECURSION, is_ic};
use crate::ast::*;
use crate::parse::literal;
use crate::span::Span;

impl Fast<'_, '_> {
    /// `value = { term ~ ("+" ~ term)* }`: one term is the value itself.
    pub(super) fn value(&mut self) -> Option<Value> {
        let start = self.start();
        let first = self.term()?;
        let Some(second) = self.attempt(|p| if p.lit(b"+") { p.term() } else { None }) else {
            return Some(first);
        };
        let mut terms = vec![first, second];
        while let Some(t) = self.attempt(|p| if p.lit(b"+") { p.term() } else { None }) {
            terms.push(t);
        }
        Some(Value {
            kind: ValueKind::Concat(terms),
            span: self.span_from(start),
        })
    }

    /// `term`: the alternatives that can start with the next character, in
    /// the grammar's order.
    fn term(&mut self) -> Option<Value> {
        let start = self.start();
        let kind = match self.at(start) {
            b'"' => match self.attempt(|p| p.block_string()) {
                Some(s) => ValueKind::Str(s),
                None => ValueKind::Str(self.string()?),
            },
            b'$' => ValueKind::Expr(self.expr()?),
            b'{' => ValueKind::Object(self.object()?),
            b'0'..=b'9' => match self.duration() {
                Some(d) => ValueKind::Duration(d),
                None => ValueKind::Number(self.number()?),
            },
            b'-' => ValueKind::Number(self.number()?),
            b'p' => ValueKind::Param(self.param_ref()?),
            b'[' => ValueKind::List(self.list()?),
            b't' | b'f' | b'n' => match self.peek_word() {
                "true" => ValueKind::Bool(true),
                "false" => ValueKind::Bool(false),
                "null" => ValueKind::Null,
                _ => return None,
            },
            b's' => {
                let (name, key) = self.secret()?;
                ValueKind::Secret { name, key }
            }
            _ => return None,
        };
        if matches!(kind, ValueKind::Bool(_) | ValueKind::Null) {
            self.pos = self.ident_end(start);
        }
        Some(Value {
            kind,
            span: self.span_from(start),
        })
    }

    /// `body = _{ object | expr }` after `call`, `run` and `emit`.
    pub(super) fn body(&mut self) -> Option<Value> {
        let start = self.start();
        let kind = match self.at(start) {
            b'{' => ValueKind::Object(self.object()?),
            b'$' => ValueKind::Expr(self.expr()?),
            _ => return None,
        };
        Some(Value {
            kind,
            span: self.span_from(start),
        })
    }

    /// `object = { "{" ~ (entry ~ ","?)* ~ "}" }`
    fn object(&mut self) -> Option<Vec<ObjectEntry>> {
        self.attempt(|p| {
            if !p.lit(b"{") {
                return None;
            }
            let mut entries = Vec::new();
            while let Some(e) = p.attempt(|p| p.entry()) {
                entries.push(e);
                p.lit(b",");
            }
            p.lit(b"}").then_some(entries)
        })
    }

    /// `entry = { (ident | string) ~ ":" ~ value }`
    pub(super) fn entry(&mut self) -> Option<ObjectEntry> {
        let start = self.start();
        let key = if self.at(start) == b'"' {
            let s = self.string()?;
            ObjectKey {
                name: s.value,
                quoted: true,
                span: s.span,
            }
        } else {
            let id = self.ident()?;
            ObjectKey {
                name: id.name,
                quoted: false,
                span: id.span,
            }
        };
        if !self.lit(b":") {
            return None;
        }
        let doc = self.doc(start);
        let value = self.value()?;
        Some(ObjectEntry {
            doc,
            key,
            value,
            span: self.span_from(start),
        })
    }

    /// `list = { "[" ~ (value ~ ("," ~ value)* ~ ","?)? ~ "]" }`
    fn list(&mut self) -> Option<Vec<Value>> {
        self.attempt(|p| {
            if !p.lit(b"[") {
                return None;
            }
            let mut values = Vec::new();
            if let Some(v) = p.attempt(|p| p.value()) {
                values.push(v);
                while let Some(v) = p.attempt(|p| if p.lit(b",") { p.value() } else { None }) {
                    values.push(v);
                }
                p.lit(b",");
            }
            p.lit(b"]").then_some(values)
        })
    }

    /// `param_ref = ${ "params" ~ "." ~ ident }`: no blanks inside.
    fn param_ref(&mut self) -> Option<Ident> {
        let start = self.start();
        if !self.b[start..].starts_with(b"params.") {
            return None;
        }
        let from = start + 7;
        let end = self.ident_end(from);
        if end == from {
            return None;
        }
        self.pos = end;
        Some(Ident {
            name: self.src.get(from..end)?.to_string(),
            span: Span::new(self.file, from, end),
        })
    }

    /// `secret = { kw_secret ~ "(" ~ string ~ "," ~ string ~ ")" }`
    fn secret(&mut self) -> Option<(StrLit, StrLit)> {
        self.attempt(|p| {
            if !(p.kw("secret") && p.lit(b"(")) {
                return None;
            }
            let name = p.string()?;
            if !p.lit(b",") {
                return None;
            }
            let key = p.string()?;
            p.lit(b")").then_some((name, key))
        })
    }

    /// `duration = @{ (ASCII_DIGIT+ ~ unit)+ ~ !ic }`. The position is
    /// unchanged when it does not match.
    pub(super) fn duration(&mut self) -> Option<Duration> {
        let save = self.pos;
        let start = self.start();
        let mut i = start;
        let mut groups = 0;
        loop {
            let group = i;
            while self.at(i).is_ascii_digit() {
                i += 1;
            }
            if i == group {
                break;
            }
            let unit = if self.b[i..].starts_with(b"ms") {
                2
            } else if matches!(self.at(i), b's' | b'm' | b'h' | b'd') {
                1
            } else {
                0
            };
            if unit == 0 {
                i = group;
                break;
            }
            i += unit;
            groups += 1;
        }
        if groups == 0 || is_ic(self.at(i)) {
            self.pos = save;
            return None;
        }
        let text = self.src.get(start..i)?.to_string();
        let Some(millis) = literal::duration_millis(&text) else {
            self.abort = true;
            return None;
        };
        self.pos = i;
        Some(Duration {
            millis,
            text,
            span: Span::new(self.file, start, i),
        })
    }

    /// `number = @{ "-"? ~ DIGIT+ ~ ("." ~ DIGIT+)? ~ (^"e" ~ ("+" | "-")? ~ DIGIT+)? ~ !ic }`
    fn number(&mut self) -> Option<Number> {
        let start = self.start();
        let digits = |p: &Self, mut i: usize| {
            let from = i;
            while p.at(i).is_ascii_digit() {
                i += 1;
            }
            (i > from).then_some(i)
        };
        let mut i = start + usize::from(self.at(start) == b'-');
        i = digits(self, i)?;
        if self.at(i) == b'.'
            && let Some(e) = digits(self, i + 1)
        {
            i = e;
        }
        if matches!(self.at(i), b'e' | b'E') {
            let sign = usize::from(matches!(self.at(i + 1), b'+' | b'-'));
            if let Some(e) = digits(self, i + 1 + sign) {
                i = e;
            }
        }
        if is_ic(self.at(i)) {
            return None;
        }
        let text = self.src.get(start..i)?;
        if literal::number_out_of_range(text).is_some() {
            // pest's builder reports it (E0112).
            self.abort = true;
            return None;
        }
        self.pos = i;
        Some(Number {
            text: text.to_string(),
        })
    }

    /// `expr = @{ "${" ~ jq_code ~ "}" }`
    pub(super) fn expr(&mut self) -> Option<Expr> {
        let start = self.start();
        if !self.b[start..].starts_with(b"${") {
            return None;
        }
        let end = self.jq_code(start + 2, 0);
        if self.at(end) != b'}' || end >= self.b.len() {
            return None;
        }
        self.pos = end + 1;
        Some(Expr {
            source: self.src.get(start + 2..end)?.to_string(),
            inner_start: (start + 2) as u32,
            span: Span::new(self.file, start, end + 1),
        })
    }

    /// `jq_code`: where it ends (it always matches, possibly empty).
    fn jq_code(&mut self, i: usize, depth: usize) -> usize {
        self.jq_nested(i, b'{', b'}', depth)
    }

    /// `jq_code` and `jq_interp` are one shape: runs of ordinary text,
    /// jq strings, and balanced `open … close` groups.
    fn jq_nested(&mut self, mut i: usize, open: u8, close: u8, depth: usize) -> usize {
        if depth > MAX_RECURSION {
            self.abort = true;
            return i;
        }
        let len = self.b.len();
        loop {
            while i < len && ![open, close, b'"'].contains(&self.b[i]) {
                i += 1;
            }
            if i >= len {
                return i;
            }
            if self.b[i] == b'"' {
                match self.jq_str(i, depth + 1) {
                    Some(e) => i = e,
                    None => return i,
                }
            } else if self.b[i] == open {
                let e = self.jq_nested(i + 1, open, close, depth + 1);
                if e < len && self.b[e] == close {
                    i = e + 1;
                } else {
                    return i;
                }
            } else {
                return i;
            }
        }
    }

    /// `jq_str`: a jq string starting at `i` (a `"`); where it ends.
    fn jq_str(&mut self, mut i: usize, depth: usize) -> Option<usize> {
        if depth > MAX_RECURSION {
            self.abort = true;
            return None;
        }
        let len = self.b.len();
        i += 1;
        loop {
            while i < len && !matches!(self.b[i], b'"' | b'\\') {
                i += 1;
            }
            if i >= len {
                return None;
            }
            if self.b[i] == b'"' {
                return Some(i + 1);
            }
            // `"\\(" ~ jq_interp ~ ")" | "\\" ~ ANY`
            if self.at(i + 1) == b'(' {
                let e = self.jq_nested(i + 2, b'(', b')', depth + 1);
                if e < len && self.b[e] == b')' {
                    i = e + 1;
                    continue;
                }
            }
            if i + 1 >= len {
                return None;
            }
            i += 1 + self.char_len(i + 1);
        }
    }
}
