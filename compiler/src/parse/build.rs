//! pest pairs → AST: declarations, settings, types and values. Steps are
//! in `steps.rs`.
//!
//! The grammar guarantees the shape of every pair; builders still return
//! `Option` instead of indexing, so a grammar/builder mismatch drops a node
//! rather than panicking.

use super::grammar::Rule;
use super::literal;
use crate::ast::{self, *};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use foldhash::HashMap;
use pest::iterators::Pair;

pub(super) type P<'i> = Pair<'i, Rule>;

const WS: [char; 4] = [' ', '\t', '\r', '\n'];

pub(super) struct Builder<'t> {
    pub file: FileId,
    /// Offset of the parsed text in the file (re-parses of one declaration).
    pub base: usize,
    /// Doc comments by the offset of the token they precede.
    pub docs: &'t mut HashMap<usize, Doc>,
    pub diags: &'t mut Vec<Diagnostic>,
}

impl Builder<'_> {
    /// The pair's span without the trailing whitespace pest includes when a
    /// rule ends in an optional part (comments are blanked, so trimming
    /// whitespace also trims them).
    pub fn span(&self, p: &P) -> Span {
        let s = p.as_str();
        let start = self.base + p.as_span().start();
        Span::new(self.file, start, start + s.trim_end_matches(WS).len())
    }

    pub fn doc(&mut self, span: Span) -> Option<Doc> {
        self.docs.remove(&(span.start as usize))
    }

    pub fn ident(&self, p: &P) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(p),
        }
    }

    /// A name being declared (declaration, label): keywords are refused.
    pub fn decl_name(&mut self, p: &P, what: &str) -> Ident {
        let id = self.ident(p);
        if KEYWORDS.contains(&id.name.as_str()) {
            self.diags.push(
                Diagnostic::error(
                    Code::E0106,
                    format!("`{}` is a keyword and cannot be used as a {what}", id.name),
                )
                .with_primary(id.span, "keyword used as a name")
                .with_help(format!("choose another name, such as `{}_`", id.name)),
            );
        }
        id
    }

    // ------------------------------------------------------------ items

    pub fn item(&mut self, p: P) -> Option<Item> {
        match p.as_rule() {
            Rule::type_decl => self.type_decl(p).map(Item::Type),
            Rule::event_decl => self.event_decl(p).map(Item::Event),
            Rule::error_decl => self.error_decl(p).map(Item::Error),
            Rule::param_decl => self.param_decl(p).map(Item::Param),
            Rule::function_decl => {
                let (doc, name, members, span) = self.settings_decl(p, "function name")?;
                Some(Item::Function(FunctionDecl {
                    doc,
                    name,
                    members,
                    span,
                }))
            }
            Rule::service_decl => {
                let (doc, name, members, span) = self.settings_decl(p, "service name")?;
                Some(Item::Service(ServiceDecl {
                    doc,
                    name,
                    members,
                    span,
                }))
            }
            Rule::workflow_decl => self.workflow_decl(p).map(Item::Workflow),
            Rule::import_decl => self.import_decl(p).map(Item::Import),
            _ => None,
        }
    }

    fn type_decl(&mut self, p: P) -> Option<TypeDecl> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut name = None;
        let mut body = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.decl_name(&c, "type name")),
                Rule::fields => body = Some(TypeBody::Struct(self.fields(c))),
                Rule::type_expr => body = Some(TypeBody::Alias(self.type_expr(c)?)),
                _ => {}
            }
        }
        Some(TypeDecl {
            doc,
            name: name?,
            body: body?,
            span,
        })
    }

    fn event_decl(&mut self, p: P) -> Option<EventDecl> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut is_extern = false;
        let mut name = None;
        let mut members = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::kw_extern => is_extern = true,
                Rule::ident => name = Some(self.decl_name(&c, "event name")),
                Rule::data_fields => {
                    let f = c.into_inner().find(|x| x.as_rule() == Rule::fields)?;
                    members.push(EventMember::Data(self.fields(f)));
                }
                Rule::assign => members.push(EventMember::Assign(self.assign(c)?)),
                _ => {}
            }
        }
        Some(EventDecl {
            doc,
            is_extern,
            name: name?,
            members,
            span,
        })
    }

    fn error_decl(&mut self, p: P) -> Option<ErrorDecl> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut name = None;
        let mut members = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.decl_name(&c, "error name")),
                Rule::assign => members.extend(self.assign(c)),
                _ => {}
            }
        }
        Some(ErrorDecl {
            doc,
            name: name?,
            members,
            span,
        })
    }

    fn param_decl(&mut self, p: P) -> Option<ParamDecl> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut name = None;
        let mut ty = None;
        let mut default = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.decl_name(&c, "param name")),
                Rule::type_expr => ty = self.type_expr(c),
                Rule::value => default = self.value(c),
                _ => {}
            }
        }
        Some(ParamDecl {
            doc,
            name: name?,
            ty: ty?,
            default,
            span,
        })
    }

    fn import_decl(&mut self, p: P) -> Option<ImportDecl> {
        let span = self.span(&p);
        let mut path = None;
        let mut alias = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => path = Some(self.strlit(&c)),
                Rule::ident => alias = Some(self.decl_name(&c, "import alias")),
                _ => {}
            }
        }
        Some(ImportDecl {
            path: path?,
            alias: alias?,
            span,
        })
    }

    /// `function` and `service`: a name and generic settings.
    fn settings_decl(
        &mut self,
        p: P,
        what: &str,
    ) -> Option<(Option<Doc>, Ident, Vec<Member>, Span)> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut name = None;
        let mut members = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.decl_name(&c, what)),
                _ => members.extend(self.member(c)),
            }
        }
        Some((doc, name?, members, span))
    }

    fn workflow_decl(&mut self, p: P) -> Option<WorkflowDecl> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let text = p.as_str();
        let mut name = None;
        let mut members = Vec::new();
        let mut steps = Vec::new();
        let mut order = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.decl_name(&c, "workflow name")),
                Rule::step => {
                    if let Some(s) = self.step(c) {
                        steps.push(s);
                        order.push(false);
                    }
                }
                _ => {
                    if let Some(m) = self.member(c) {
                        members.push(m);
                        order.push(true);
                    }
                }
            }
        }
        let name: Ident = name?;
        // The body block is the workflow's `{ … }`.
        let after_name = (name.span.end - span.start) as usize;
        let open = text
            .get(after_name..)
            .and_then(|t| t.find('{'))
            .map_or(span.start, |i| span.start + (after_name + i) as u32);
        Some(WorkflowDecl {
            doc,
            name,
            members,
            body: Block {
                steps,
                span: Span {
                    start: open,
                    ..span
                },
            },
            order,
            span,
        })
    }

    // ------------------------------------------------------------ settings

    pub fn member(&mut self, p: P) -> Option<Member> {
        match p.as_rule() {
            Rule::trigger => self.trigger(p).map(Member::On),
            Rule::input_member => {
                let span = self.span(&p);
                let ty = p.into_inner().find(|c| c.as_rule() == Rule::type_expr)?;
                Some(Member::Input(self.type_expr(ty)?, span))
            }
            Rule::assign => self.assign(p).map(Member::Assign),
            Rule::block_setting => {
                let span = self.span(&p);
                let doc = self.doc(span);
                let mut key = None;
                let mut entries = Vec::new();
                for c in p.into_inner() {
                    match c.as_rule() {
                        Rule::ident => key = Some(self.ident(&c)),
                        Rule::entry => entries.extend(self.entry(c)),
                        _ => {}
                    }
                }
                Some(Member::Block(BlockSetting {
                    doc,
                    key: key?,
                    entries,
                    span,
                }))
            }
            _ => None,
        }
    }

    fn trigger(&mut self, p: P) -> Option<Trigger> {
        let span = self.span(&p);
        let c = p.into_inner().find(|c| c.as_rule() != Rule::kw_on)?;
        let kind = match c.as_rule() {
            Rule::on_http => TriggerKind::Http,
            Rule::on_schedule => {
                let mut strs = c.into_inner().filter(|x| x.as_rule() == Rule::string);
                let cron = self.strlit(&strs.next()?);
                let tz = strs.next().map(|s| self.strlit(&s));
                TriggerKind::Schedule { cron, tz }
            }
            Rule::on_event => {
                let mut event = None;
                let mut filter = None;
                for x in c.into_inner() {
                    match x.as_rule() {
                        Rule::path => event = Some(self.path(&x)?),
                        Rule::expr => filter = Some(self.expr(&x)),
                        _ => {}
                    }
                }
                TriggerKind::Event {
                    event: event?,
                    filter,
                }
            }
            _ => return None,
        };
        Some(Trigger { kind, span })
    }

    pub fn assign(&mut self, p: P) -> Option<Assign> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut it = p.into_inner();
        let key = self.ident(&it.next()?);
        let value = self.value(it.next()?)?;
        Some(Assign {
            doc,
            key,
            value,
            span,
        })
    }

    // ------------------------------------------------------------ types

    fn fields(&mut self, p: P) -> Fields {
        let span = self.span(&p);
        let fields = p.into_inner().filter_map(|f| self.field(f)).collect();
        Fields { fields, span }
    }

    fn field(&mut self, p: P) -> Option<Field> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let text = p.as_str();
        let mut name = None;
        let mut optional = false;
        let mut ty = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => {
                    let id = self.ident(&c);
                    // `name ?:` — the `?` is the first non-space after the name.
                    let after = (id.span.end - span.start) as usize;
                    optional = text
                        .get(after..)
                        .is_some_and(|t| t.trim_start().starts_with('?'));
                    name = Some(id);
                }
                Rule::type_expr => ty = self.type_expr(c),
                _ => {}
            }
        }
        Some(Field {
            doc,
            name: name?,
            optional,
            ty: ty?,
            span,
        })
    }

    pub fn type_expr(&mut self, p: P) -> Option<TypeExpr> {
        let span = self.span(&p);
        let c = p.into_inner().next()?;
        let kind = match c.as_rule() {
            Rule::primitive => TypeExprKind::Primitive(match c.as_str() {
                "string" => Primitive::String,
                "number" => Primitive::Number,
                "integer" => Primitive::Integer,
                "boolean" => Primitive::Boolean,
                _ => Primitive::Any,
            }),
            Rule::list_type => {
                let t = c.into_inner().next()?;
                TypeExprKind::List(Box::new(self.type_expr(t)?))
            }
            Rule::map_type => {
                let t = c.into_inner().find(|x| x.as_rule() == Rule::type_expr)?;
                TypeExprKind::Map(Box::new(self.type_expr(t)?))
            }
            Rule::enum_type => {
                TypeExprKind::Enum(c.into_inner().map(|s| self.strlit(&s)).collect())
            }
            Rule::path => TypeExprKind::Named(self.path(&c)?),
            _ => return None,
        };
        Some(TypeExpr { kind, span })
    }

    pub fn path(&self, p: &P) -> Option<ast::Path> {
        let span = self.span(p);
        let mut it = p.clone().into_inner();
        let first = self.ident(&it.next()?);
        Some(match it.next() {
            Some(second) => ast::Path {
                alias: Some(first),
                name: self.ident(&second),
                span,
            },
            None => ast::Path {
                alias: None,
                name: first,
                span,
            },
        })
    }

    // ------------------------------------------------------------ values

    pub fn value(&mut self, p: P) -> Option<Value> {
        let span = self.span(&p);
        let mut terms: Vec<Value> = Vec::new();
        for c in p.into_inner() {
            terms.extend(self.term(c));
        }
        if terms.len() == 1 {
            return terms.pop();
        }
        Some(Value {
            kind: ValueKind::Concat(terms),
            span,
        })
    }

    pub fn term(&mut self, p: P) -> Option<Value> {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::object => {
                ValueKind::Object(p.into_inner().filter_map(|e| self.entry(e)).collect())
            }
            Rule::list => ValueKind::List(p.into_inner().filter_map(|v| self.value(v)).collect()),
            Rule::expr => ValueKind::Expr(self.expr(&p)),
            Rule::string | Rule::block_string => ValueKind::Str(self.strlit(&p)),
            Rule::duration => ValueKind::Duration(self.duration(&p)),
            Rule::number => ValueKind::Number(self.number(&p)),
            Rule::boolean => ValueKind::Bool(p.as_str() == "true"),
            Rule::null => ValueKind::Null,
            Rule::param_ref => {
                let id = p.into_inner().find(|c| c.as_rule() == Rule::ident)?;
                ValueKind::Param(self.ident(&id))
            }
            Rule::secret => {
                let mut strs = p.into_inner().filter(|c| c.as_rule() == Rule::string);
                let name = self.strlit(&strs.next()?);
                let key = self.strlit(&strs.next()?);
                ValueKind::Secret { name, key }
            }
            _ => return None,
        };
        Some(Value { kind, span })
    }

    pub fn entry(&mut self, p: P) -> Option<ObjectEntry> {
        let span = self.span(&p);
        let doc = self.doc(span);
        let mut it = p.into_inner();
        let k = it.next()?;
        let key = match k.as_rule() {
            Rule::string => {
                let s = self.strlit(&k);
                ObjectKey {
                    name: s.value,
                    quoted: true,
                    span: s.span,
                }
            }
            _ => ObjectKey {
                name: k.as_str().to_string(),
                quoted: false,
                span: self.span(&k),
            },
        };
        let value = self.value(it.next()?)?;
        Some(ObjectEntry {
            doc,
            key,
            value,
            span,
        })
    }

    pub fn expr(&self, p: &P) -> Expr {
        let text = p.as_str();
        let span = self.span(p);
        Expr {
            source: text
                .get(2..text.len().saturating_sub(1))
                .unwrap_or("")
                .to_string(),
            inner_start: span.start + 2,
            span,
        }
    }

    pub fn strlit(&mut self, p: &P) -> StrLit {
        let text = p.as_str();
        let span = self.span(p);
        let block = p.as_rule() == Rule::block_string;
        let q = if block { 3 } else { 1 };
        let raw = text.get(q..text.len().saturating_sub(q)).unwrap_or("");
        for e in literal::check_escapes(raw) {
            let at = span.start as usize + q;
            self.diags.push(
                Diagnostic::error(Code::E0104, e.message)
                    .with_primary(Span::new(self.file, at + e.start, at + e.end), "here")
                    .with_help(
                        "valid escapes are \\\" \\\\ \\n \\t \\r and \\u{…} (1 to 6 hex digits)",
                    ),
            );
        }
        let value = if block {
            literal::unescape(&literal::dedent(raw))
        } else {
            literal::unescape(raw)
        };
        StrLit { value, block, span }
    }

    pub fn number(&mut self, p: &P) -> Number {
        let text = p.as_str();
        if let Some(why) = literal::number_out_of_range(text) {
            self.diags.push(
                Diagnostic::error(Code::E0112, format!("number `{text}` is out of range"))
                    .with_primary(self.span(p), why)
                    .with_help("write a number a 64-bit integer or float holds, or a string"),
            );
        }
        Number {
            text: text.to_string(),
        }
    }

    pub fn duration(&mut self, p: &P) -> ast::Duration {
        let span = self.span(p);
        let text = p.as_str().to_string();
        let millis = literal::duration_millis(&text).unwrap_or_else(|| {
            self.diags.push(
                Diagnostic::error(Code::E0107, format!("duration `{text}` is too large"))
                    .with_primary(span, "does not fit in 64 bits of milliseconds")
                    .with_help("use a shorter duration"),
            );
            u64::MAX
        });
        ast::Duration { millis, text, span }
    }
}
