//! The fast path: a hand-written recursive-descent parser for the grammar
//! in grammar/air.pest, used before pest on every file.
//!
//! Why: pest spends most of its time on generic machinery (pair queues,
//! per-rule bookkeeping, a `memcmp` per keyword attempt); parsing large
//! repositories should cost a fraction of checking them.
//!
//! Contract (tested in `parse/tests.rs` and by property tests against
//! pest): when this parser returns a file, pest would have parsed the same
//! text, and the builders would have produced the same tree and no
//! diagnostic. Each function mirrors one grammar rule with PEG semantics:
//! ordered choice, greedy repetition that never gives back, optional parts
//! that restore the position when they fail. Whenever the builders would
//! report something (a keyword as a name, a bad escape, an overflowing
//! duration or retry count) or the text does not parse, it gives up and
//! pest runs instead, so error messages keep coming from one place.
//!
//! Comments are already blanked by the pre-scanner: whitespace is only
//! spaces, tabs and line breaks.

mod steps;
mod test_blocks;
mod values;

use super::literal;
use crate::ast::*;
use crate::span::{FileId, Span};
use foldhash::HashMap;

/// Nesting of rules beyond which the fast path leaves the file to pest
/// (which has the pre-scanner's depth limit and its own diagnostics).
const MAX_RECURSION: usize = 400;

/// Declarations and test blocks of a file, in source order each.
pub(super) type Parsed = (Vec<Item>, Vec<TestDecl>);

/// Parse `src` (the whole sanitized file) into items and tests, taking
/// attached doc comments out of `docs`. `None` when the file must go
/// through pest; then `docs` is as it was.
pub(super) fn parse(file: FileId, src: &str, docs: &mut HashMap<usize, Doc>) -> Option<Parsed> {
    let mut doc_keys: Vec<usize> = docs.keys().copied().collect();
    doc_keys.sort_unstable();
    let mut p = Fast {
        file,
        doc_keys,
        src,
        b: src.as_bytes(),
        pos: 0,
        depth: 0,
        abort: false,
        docs,
        taken: Vec::new(),
    };
    let items = p.file();
    match items {
        Some(items) if !p.abort => Some(items),
        _ => {
            for (k, d) in p.taken.drain(..) {
                p.docs.insert(k, d);
            }
            None
        }
    }
}

pub(super) struct Fast<'a, 't> {
    file: FileId,
    /// The keys of `docs`, sorted: most nodes have no doc, and a binary
    /// search is cheaper than hashing.
    doc_keys: Vec<usize>,
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
    /// Set when the builders would have reported a diagnostic: the result
    /// is thrown away whatever else matches.
    abort: bool,
    docs: &'t mut HashMap<usize, Doc>,
    /// Docs taken out of `docs`, to put back if the fast path gives up.
    taken: Vec<(usize, Doc)>,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// `ic` in the grammar: a character that continues an identifier.
fn is_ic(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Fast<'a, '_> {
    // ------------------------------------------------------------ tokens

    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn ws(&mut self) {
        while self.pos < self.b.len() && is_ws(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    /// A span from `start` to the current position, trailing blanks
    /// excluded (as the builders trim pest's pairs).
    fn span_from(&self, start: usize) -> Span {
        let mut end = self.pos;
        while end > start && is_ws(self.b[end - 1]) {
            end -= 1;
        }
        Span::new(self.file, start, end)
    }

    /// Skip blanks and return where the next token starts.
    fn start(&mut self) -> usize {
        self.ws();
        self.pos
    }

    /// A literal token (after blanks). The position is unchanged on failure.
    fn lit(&mut self, s: &[u8]) -> bool {
        let save = self.pos;
        self.ws();
        if self.b[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// `kw_…`: the word, not followed by an identifier character.
    fn kw(&mut self, word: &str) -> bool {
        let save = self.pos;
        self.ws();
        let w = word.as_bytes();
        if self.b[self.pos..].starts_with(w) && !is_ic(self.at(self.pos + w.len())) {
            self.pos += w.len();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// The identifier at the next token, without consuming it.
    fn peek_word(&mut self) -> &'a str {
        self.ws();
        let end = self.ident_end(self.pos);
        self.src.get(self.pos..end).unwrap_or("")
    }

    fn ident_end(&self, start: usize) -> usize {
        if !(self.at(start).is_ascii_alphabetic() || self.at(start) == b'_') {
            return start;
        }
        let mut i = start + 1;
        while is_ic(self.at(i)) {
            i += 1;
        }
        i
    }

    /// `ident` (atomic, after blanks).
    fn ident(&mut self) -> Option<Ident> {
        let save = self.pos;
        self.ws();
        let start = self.pos;
        let end = self.ident_end(start);
        if end == start {
            self.pos = save;
            return None;
        }
        self.pos = end;
        Some(Ident {
            name: self.src.get(start..end)?.to_string(),
            span: Span::new(self.file, start, end),
        })
    }

    /// A declared name: a keyword here is a diagnostic, so pest decides.
    fn decl_name(&mut self) -> Option<Ident> {
        let id = self.ident()?;
        if KEYWORDS.contains(&id.name.as_str()) {
            self.abort = true;
        }
        Some(id)
    }

    /// `path = ${ ident ~ ("." ~ ident)? }`: no blanks inside.
    fn path(&mut self) -> Option<Path> {
        let first = self.ident()?;
        let start = first.span.start as usize;
        if self.at(self.pos) == b'.' {
            let end = self.ident_end(self.pos + 1);
            if end > self.pos + 1 {
                let name = Ident {
                    name: self.src.get(self.pos + 1..end)?.to_string(),
                    span: Span::new(self.file, self.pos + 1, end),
                };
                self.pos = end;
                return Some(Path {
                    alias: Some(first),
                    name,
                    span: Span::new(self.file, start, end),
                });
            }
        }
        Some(Path {
            span: first.span,
            alias: None,
            name: first,
        })
    }

    fn doc(&mut self, start: usize) -> Option<Doc> {
        self.doc_keys.binary_search(&start).ok()?;
        let d = self.docs.remove(&start)?;
        self.taken.push((start, d.clone()));
        Some(d)
    }

    /// Run `f`; on failure put the position back, and the doc comments
    /// taken by the nodes that did not make it.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth >= MAX_RECURSION {
            self.abort = true;
            return None;
        }
        let save = self.pos;
        let mark = self.taken.len();
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        if r.is_none() {
            self.pos = save;
            while self.taken.len() > mark {
                if let Some((k, d)) = self.taken.pop() {
                    self.docs.insert(k, d);
                }
            }
        }
        r
    }

    // ------------------------------------------------------------ file

    fn file(&mut self) -> Option<Parsed> {
        let mut items = Vec::new();
        let mut tests = Vec::new();
        loop {
            let start = self.start();
            if self.pos >= self.b.len() {
                return Some((items, tests));
            }
            if self.peek_word() == "test" {
                tests.push(self.test_decl(start)?);
            } else {
                items.push(self.item()?);
            }
            if self.abort {
                return None;
            }
        }
    }

    fn item(&mut self) -> Option<Item> {
        let start = self.start();
        match self.peek_word() {
            "type" => self.type_decl(start).map(Item::Type),
            "event" | "extern" => self.event_decl(start).map(Item::Event),
            "error" => self.error_decl(start).map(Item::Error),
            "param" => self.param_decl(start).map(Item::Param),
            "function" => {
                let (doc, name, members, span) = self.settings_decl(start, "function")?;
                Some(Item::Function(FunctionDecl {
                    doc,
                    name,
                    members,
                    span,
                }))
            }
            "service" => {
                let (doc, name, members, span) = self.settings_decl(start, "service")?;
                Some(Item::Service(ServiceDecl {
                    doc,
                    name,
                    members,
                    span,
                }))
            }
            "workflow" => self.workflow_decl(start).map(Item::Workflow),
            "import" => self.import_decl(start).map(Item::Import),
            _ => None,
        }
    }

    fn type_decl(&mut self, start: usize) -> Option<TypeDecl> {
        let doc = self.doc(start);
        if !self.kw("type") {
            return None;
        }
        let name = self.decl_name()?;
        let body = if let Some(f) = self.attempt(|p| p.fields()) {
            TypeBody::Struct(f)
        } else if self.lit(b"=") {
            TypeBody::Alias(self.type_expr()?)
        } else {
            return None;
        };
        Some(TypeDecl {
            doc,
            name,
            body,
            span: self.span_from(start),
        })
    }

    fn event_decl(&mut self, start: usize) -> Option<EventDecl> {
        let doc = self.doc(start);
        let is_extern = self.kw("extern");
        if !self.kw("event") {
            return None;
        }
        let name = self.decl_name()?;
        if !self.lit(b"{") {
            return None;
        }
        let mut members = Vec::new();
        loop {
            if let Some(f) = self.attempt(|p| if p.kw("data") { p.fields() } else { None }) {
                members.push(EventMember::Data(f));
            } else if let Some(a) = self.attempt(|p| p.assign()) {
                members.push(EventMember::Assign(a));
            } else {
                break;
            }
        }
        if !self.lit(b"}") {
            return None;
        }
        Some(EventDecl {
            doc,
            is_extern,
            name,
            members,
            span: self.span_from(start),
        })
    }

    fn error_decl(&mut self, start: usize) -> Option<ErrorDecl> {
        let doc = self.doc(start);
        if !self.kw("error") {
            return None;
        }
        let name = self.decl_name()?;
        if !self.lit(b"{") {
            return None;
        }
        let mut members = Vec::new();
        while let Some(a) = self.attempt(|p| p.assign()) {
            members.push(a);
        }
        if !self.lit(b"}") {
            return None;
        }
        Some(ErrorDecl {
            doc,
            name,
            members,
            span: self.span_from(start),
        })
    }

    fn param_decl(&mut self, start: usize) -> Option<ParamDecl> {
        let doc = self.doc(start);
        if !self.kw("param") {
            return None;
        }
        let name = self.decl_name()?;
        if !self.lit(b":") {
            return None;
        }
        let ty = self.type_expr()?;
        let default = self.attempt(|p| if p.lit(b"=") { p.value() } else { None });
        Some(ParamDecl {
            doc,
            name,
            ty,
            default,
            span: self.span_from(start),
        })
    }

    fn import_decl(&mut self, start: usize) -> Option<ImportDecl> {
        if !self.kw("import") {
            return None;
        }
        let path = self.string()?;
        if !self.kw("as") {
            return None;
        }
        let alias = self.decl_name()?;
        Some(ImportDecl {
            path,
            alias,
            span: self.span_from(start),
        })
    }

    /// `function` and `service`: a name and `member*` in braces.
    fn settings_decl(
        &mut self,
        start: usize,
        word: &str,
    ) -> Option<(Option<Doc>, Ident, Vec<Member>, Span)> {
        let doc = self.doc(start);
        if !self.kw(word) {
            return None;
        }
        let name = self.decl_name()?;
        if !self.lit(b"{") {
            return None;
        }
        let mut members = Vec::new();
        while let Some(m) = self.attempt(|p| p.member()) {
            members.push(m);
        }
        if !self.lit(b"}") {
            return None;
        }
        Some((doc, name, members, self.span_from(start)))
    }

    fn workflow_decl(&mut self, start: usize) -> Option<WorkflowDecl> {
        let doc = self.doc(start);
        if !self.kw("workflow") {
            return None;
        }
        let name = self.decl_name()?;
        let open = self.start();
        if !self.lit(b"{") {
            return None;
        }
        let mut members = Vec::new();
        let mut steps = Vec::new();
        let mut order = Vec::new();
        loop {
            if let Some(s) = self.attempt(|p| p.step()) {
                steps.push(s);
                order.push(false);
            } else if let Some(m) = self.attempt(|p| p.member()) {
                members.push(m);
                order.push(true);
            } else {
                break;
            }
        }
        if !self.lit(b"}") {
            return None;
        }
        let span = self.span_from(start);
        Some(WorkflowDecl {
            doc,
            name,
            members,
            body: Block {
                steps,
                span: Span::new(self.file, open, span.end as usize),
            },
            order,
            span,
        })
    }

    // ------------------------------------------------------------ settings

    /// `member = trigger | input_member | assign | block_setting`
    fn member(&mut self) -> Option<Member> {
        if let Some(t) = self.attempt(|p| p.trigger()) {
            return Some(Member::On(t));
        }
        if let Some(m) = self.attempt(|p| {
            let start = p.start();
            if !p.kw("input") {
                return None;
            }
            let ty = p.type_expr()?;
            Some(Member::Input(ty, p.span_from(start)))
        }) {
            return Some(m);
        }
        if let Some(a) = self.attempt(|p| p.assign()) {
            return Some(Member::Assign(a));
        }
        self.attempt(|p| p.block_setting()).map(Member::Block)
    }

    fn trigger(&mut self) -> Option<Trigger> {
        let start = self.start();
        if !self.kw("on") {
            return None;
        }
        let kind = if let Some(k) = self.attempt(|p| {
            if !p.kw("schedule") {
                return None;
            }
            let cron = p.string()?;
            let tz = p.attempt(|p| if p.kw("tz") { p.string() } else { None });
            Some(TriggerKind::Schedule { cron, tz })
        }) {
            k
        } else if self.kw("http") {
            TriggerKind::Http
        } else {
            // `!(kw_schedule | kw_http) ~ path ~ (kw_where ~ expr)?`
            let w = self.peek_word();
            if w == "schedule" || w == "http" {
                return None;
            }
            let event = self.path()?;
            let filter = self.attempt(|p| if p.kw("where") { p.expr() } else { None });
            TriggerKind::Event { event, filter }
        };
        Some(Trigger {
            kind,
            span: self.span_from(start),
        })
    }

    pub(super) fn assign(&mut self) -> Option<Assign> {
        let start = self.start();
        let key = self.ident()?;
        if !self.lit(b"=") {
            return None;
        }
        let doc = self.doc(start);
        let value = self.value()?;
        Some(Assign {
            doc,
            key,
            value,
            span: self.span_from(start),
        })
    }

    fn block_setting(&mut self) -> Option<BlockSetting> {
        let start = self.start();
        if matches!(
            self.peek_word(),
            "set" | "parallel" | "race" | "switch" | "try" | "if" | "for" | "return"
        ) {
            return None;
        }
        let key = self.ident()?;
        if !self.lit(b"{") {
            return None;
        }
        let doc = self.doc(start);
        let mut entries = Vec::new();
        while let Some(e) = self.attempt(|p| p.entry()) {
            entries.push(e);
            self.lit(b",");
        }
        if !self.lit(b"}") {
            return None;
        }
        Some(BlockSetting {
            doc,
            key,
            entries,
            span: self.span_from(start),
        })
    }

    // ------------------------------------------------------------ types

    /// `fields = { "{" ~ (field ~ ","?)* ~ "}" }`
    fn fields(&mut self) -> Option<Fields> {
        let start = self.start();
        if !self.lit(b"{") {
            return None;
        }
        let mut fields = Vec::new();
        while let Some(f) = self.attempt(|p| p.field()) {
            fields.push(f);
            self.lit(b",");
        }
        if !self.lit(b"}") {
            return None;
        }
        Some(Fields {
            fields,
            span: self.span_from(start),
        })
    }

    fn field(&mut self) -> Option<Field> {
        let start = self.start();
        let name = self.ident()?;
        let optional = self.lit(b"?");
        if !self.lit(b":") {
            return None;
        }
        let doc = self.doc(start);
        let ty = self.type_expr()?;
        Some(Field {
            doc,
            name,
            optional,
            ty,
            span: self.span_from(start),
        })
    }

    /// `type_expr = { list_type | map_type | enum_type | primitive | path }`
    fn type_expr(&mut self) -> Option<TypeExpr> {
        let start = self.start();
        let kind = match self.at(self.pos) {
            b'[' => self.attempt(|p| {
                p.pos += 1;
                let inner = p.type_expr()?;
                p.lit(b"]").then(|| TypeExprKind::List(Box::new(inner)))
            })?,
            b'"' => {
                let mut strs = vec![self.string()?];
                while let Some(s) = self.attempt(|p| if p.lit(b"|") { p.string() } else { None }) {
                    strs.push(s);
                }
                TypeExprKind::Enum(strs)
            }
            _ => {
                if let Some(k) = self.attempt(|p| {
                    if !(p.kw("map") && p.lit(b"<")) {
                        return None;
                    }
                    let inner = p.type_expr()?;
                    p.lit(b">").then(|| TypeExprKind::Map(Box::new(inner)))
                }) {
                    k
                } else {
                    let prim = match self.peek_word() {
                        "string" => Some(Primitive::String),
                        "number" => Some(Primitive::Number),
                        "integer" => Some(Primitive::Integer),
                        "boolean" => Some(Primitive::Boolean),
                        "any" => Some(Primitive::Any),
                        _ => None,
                    };
                    match prim {
                        Some(prim) => {
                            self.pos += prim.as_str().len();
                            TypeExprKind::Primitive(prim)
                        }
                        None => TypeExprKind::Named(self.path()?),
                    }
                }
            }
        };
        Some(TypeExpr {
            kind,
            span: self.span_from(start),
        })
    }

    // ------------------------------------------------------------ literals

    /// `string`: one line, escapes decoded (a bad escape → pest decides).
    fn string(&mut self) -> Option<StrLit> {
        let start = self.start();
        if self.at(start) != b'"' {
            return None;
        }
        let mut i = start + 1;
        loop {
            match self.at(i) {
                b'"' => break,
                b'\n' => return None,
                0 if i >= self.b.len() => return None,
                b'\\' => {
                    if self.at(i + 1) == b'\n' || i + 1 >= self.b.len() {
                        return None;
                    }
                    i += 1 + self.char_len(i + 1);
                }
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        self.strlit(start, i + 1, false)
    }

    /// `block_string`: `"""` … `"""`, dedented.
    fn block_string(&mut self) -> Option<StrLit> {
        let start = self.start();
        if !self.b[start..].starts_with(b"\"\"\"") {
            return None;
        }
        let mut i = start + 3;
        loop {
            if self.b[i..].starts_with(b"\"\"\"") {
                break;
            }
            match self.at(i) {
                0 if i >= self.b.len() => return None,
                b'\\' => {
                    if i + 1 >= self.b.len() {
                        return None;
                    }
                    i += 1 + self.char_len(i + 1);
                }
                _ => i += 1,
            }
        }
        self.pos = i + 3;
        self.strlit(start, i + 3, true)
    }

    /// Length in bytes of the character at `i` (for `ANY` after `\`).
    fn char_len(&self, i: usize) -> usize {
        self.src
            .get(i..)
            .and_then(|t| t.chars().next())
            .map_or(1, char::len_utf8)
    }

    fn strlit(&mut self, start: usize, end: usize, block: bool) -> Option<StrLit> {
        let q = if block { 3 } else { 1 };
        let raw = self.src.get(start + q..end - q)?;
        if raw.contains('\\') && !literal::check_escapes(raw).is_empty() {
            self.abort = true;
            return None;
        }
        let value = if block {
            literal::unescape(&literal::dedent(raw))
        } else {
            literal::unescape(raw)
        };
        Some(StrLit {
            value,
            block,
            span: Span::new(self.file, start, end),
        })
    }
}
