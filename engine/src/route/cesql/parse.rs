//! The CESQL parser: tokens → [`Expr`].
//!
//! Precedence follows the grammar Knative's parser is generated from
//! (CESQLParser.g4, ANTLR: earlier alternatives bind tighter), from
//! tightest to loosest:
//!
//! 1. function calls, literals, attributes, `EXISTS a`, `( … )`
//! 2. prefix `NOT` and `-` (on the operand right after them: `NOT a = b`
//!    is `(NOT a) = b`)
//! 3. postfix `[NOT] LIKE 'pattern'` and `[NOT] IN ( … )`
//! 4. `*` `/` `%`, then `+` `-` (left to right)
//! 5. `=` `!=` `<>` `<` `<=` `>` `>=` (left to right)
//! 6. `AND` `OR` `XOR`: one level, grouped from the **right**
//!    (`a AND b OR c` is `a AND (b OR c)`), as the grammar's
//!    `<assoc=right>` says. The compiler always parenthesises mixed chains.

use super::ParseError;
use super::lex::{Tok, Token, lex};
use super::value::Value;

/// Deeper expressions are refused, so evaluating one never exhausts the
/// stack.
pub const MAX_DEPTH: usize = 64;

/// A parsed CESQL expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Lit(Value),
    /// An attribute, lower-cased (identifiers are case-insensitive).
    Attr(String),
    Exists(String),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Like {
        expr: Box<Expr>,
        pattern: String,
        negated: bool,
    },
    In {
        expr: Box<Expr>,
        set: Vec<Expr>,
        negated: bool,
    },
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// A function call, the name upper-cased.
    Call {
        name: String,
        args: Vec<Expr>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Xor,
}

pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let tokens = lex(src)?;
    let end_column = src.chars().count() + 1;
    let mut p = Parser {
        tokens,
        pos: 0,
        end_column,
    };
    if p.tokens.is_empty() {
        return Err(ParseError::new(1, "the expression is empty".into()));
    }
    let (expr, _) = p.logic(0)?;
    if let Some(t) = p.tokens.get(p.pos) {
        let hint = match &t.kind {
            Tok::Int(i) if i.starts_with(['-', '+']) => {
                " (a sign right before digits makes a signed literal: write `a - 1`, with a space)"
            }
            _ => "",
        };
        return Err(ParseError::new(
            t.column,
            format!("unexpected {}{hint}", t.kind.describe()),
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end_column: usize,
}

/// A parsed sub-expression and the depth of its tree.
type Parsed = (Expr, usize);

fn keyword(t: &Tok, kw: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

const KEYWORDS: &[&str] = &[
    "AND", "OR", "XOR", "NOT", "LIKE", "EXISTS", "IN", "TRUE", "FALSE",
];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.kind)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + k).map(|t| &t.kind)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.end_column, |t| t.column)
    }

    fn error<T>(&self, message: String) -> Result<T, ParseError> {
        Err(ParseError::new(self.column(), message))
    }

    fn unexpected<T>(&self, wanted: &str) -> Result<T, ParseError> {
        match self.peek() {
            Some(t) => self.error(format!("expected {wanted}, found {}", t.describe())),
            None => self.error(format!("expected {wanted}, but the expression ends")),
        }
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.peek().is_some_and(|t| keyword(t, kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &Tok, wanted: &str) -> Result<(), ParseError> {
        if self.peek() == Some(tok) {
            self.pos += 1;
            Ok(())
        } else {
            self.unexpected(wanted)
        }
    }

    fn check_depth(&self, depth: usize) -> Result<usize, ParseError> {
        if depth > MAX_DEPTH {
            self.error(format!(
                "the expression nests deeper than {MAX_DEPTH} levels"
            ))
        } else {
            Ok(depth)
        }
    }

    /// `AND` / `OR` / `XOR` chains, folded from the right.
    fn logic(&mut self, depth: usize) -> Result<Parsed, ParseError> {
        let mut operands = vec![self.comparison(depth)?];
        let mut ops = Vec::new();
        loop {
            let op = match self.peek() {
                Some(t) if keyword(t, "AND") => BinOp::And,
                Some(t) if keyword(t, "OR") => BinOp::Or,
                Some(t) if keyword(t, "XOR") => BinOp::Xor,
                _ => break,
            };
            self.pos += 1;
            ops.push(op);
            operands.push(self.comparison(depth)?);
        }
        let mut acc = operands
            .pop()
            .ok_or_else(|| ParseError::new(self.column(), "empty expression".into()))?;
        while let (Some(op), Some(left)) = (ops.pop(), operands.pop()) {
            acc = self.binary(op, left, acc)?;
        }
        Ok(acc)
    }

    fn binary(&self, op: BinOp, left: Parsed, right: Parsed) -> Result<Parsed, ParseError> {
        let depth = self.check_depth(1 + left.1.max(right.1))?;
        Ok((
            Expr::Binary {
                op,
                left: Box::new(left.0),
                right: Box::new(right.0),
            },
            depth,
        ))
    }

    /// A left-associative level: `next` operands joined by `ops`.
    fn left_assoc(
        &mut self,
        depth: usize,
        ops: &[(&str, BinOp)],
        next: fn(&mut Self, usize) -> Result<Parsed, ParseError>,
    ) -> Result<Parsed, ParseError> {
        let mut acc = next(self, depth)?;
        while let Some(Tok::Op(o)) = self.peek() {
            let Some((_, op)) = ops.iter().find(|(s, _)| s == o) else {
                break;
            };
            let op = *op;
            self.pos += 1;
            let right = next(self, depth)?;
            acc = self.binary(op, acc, right)?;
        }
        Ok(acc)
    }

    fn comparison(&mut self, depth: usize) -> Result<Parsed, ParseError> {
        const OPS: &[(&str, BinOp)] = &[
            ("=", BinOp::Eq),
            ("!=", BinOp::Ne),
            ("<>", BinOp::Ne),
            ("<", BinOp::Lt),
            ("<=", BinOp::Le),
            (">", BinOp::Gt),
            (">=", BinOp::Ge),
        ];
        self.left_assoc(depth, OPS, Self::additive)
    }

    fn additive(&mut self, depth: usize) -> Result<Parsed, ParseError> {
        const OPS: &[(&str, BinOp)] = &[("+", BinOp::Add), ("-", BinOp::Sub)];
        self.left_assoc(depth, OPS, Self::multiplicative)
    }

    fn multiplicative(&mut self, depth: usize) -> Result<Parsed, ParseError> {
        const OPS: &[(&str, BinOp)] = &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)];
        self.left_assoc(depth, OPS, Self::postfix)
    }

    /// `x [NOT] LIKE 'p'` and `x [NOT] IN (…)`, any number, left to right.
    fn postfix(&mut self, depth: usize) -> Result<Parsed, ParseError> {
        let mut acc = self.unary(depth)?;
        loop {
            let negated = self.peek().is_some_and(|t| keyword(t, "NOT"))
                && self
                    .peek_at(1)
                    .is_some_and(|t| keyword(t, "LIKE") || keyword(t, "IN"));
            if negated {
                self.pos += 1;
            }
            if self.eat_keyword("LIKE") {
                let Some(Tok::Str(pattern)) = self.peek().cloned() else {
                    return self.unexpected(
                        "a string literal after LIKE (the pattern cannot be computed)",
                    );
                };
                self.pos += 1;
                let d = self.check_depth(acc.1 + 1)?;
                acc = (
                    Expr::Like {
                        expr: Box::new(acc.0),
                        pattern,
                        negated,
                    },
                    d,
                );
            } else if self.eat_keyword("IN") {
                self.expect(&Tok::LParen, "`(` and the set after IN")?;
                let (set, set_depth) = self.list(depth, false)?;
                let d = self.check_depth(1 + acc.1.max(set_depth))?;
                acc = (
                    Expr::In {
                        expr: Box::new(acc.0),
                        set,
                        negated,
                    },
                    d,
                );
            } else {
                return Ok(acc);
            }
        }
    }

    /// Comma-separated expressions up to `)` (the `(` already read).
    fn list(&mut self, depth: usize, may_be_empty: bool) -> Result<(Vec<Expr>, usize), ParseError> {
        let mut items = Vec::new();
        let mut max = 0;
        if may_be_empty && self.peek() == Some(&Tok::RParen) {
            self.pos += 1;
            return Ok((items, 0));
        }
        loop {
            let (e, d) = self.logic(self.check_depth(depth + 1)?)?;
            items.push(e);
            max = max.max(d);
            match self.peek() {
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::RParen) => {
                    self.pos += 1;
                    return Ok((items, max));
                }
                _ => return self.unexpected("`,` or `)`"),
            }
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Parsed, ParseError> {
        let depth = self.check_depth(depth + 1)?;
        if self.eat_keyword("NOT") {
            let (e, d) = self.unary(depth)?;
            return Ok((Expr::Not(Box::new(e)), self.check_depth(d + 1)?));
        }
        if self.peek() == Some(&Tok::Op("-")) {
            self.pos += 1;
            let (e, d) = self.unary(depth)?;
            return Ok((Expr::Neg(Box::new(e)), self.check_depth(d + 1)?));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Parsed, ParseError> {
        let Some(tok) = self.peek().cloned() else {
            return self.unexpected("a value");
        };
        let column = self.column();
        self.pos += 1;
        let call = self.peek() == Some(&Tok::LParen);
        match tok {
            Tok::LParen => {
                let (e, d) = self.logic(depth)?;
                self.expect(&Tok::RParen, "`)`")?;
                Ok((e, d))
            }
            Tok::Int(text) => match text.parse::<i32>() {
                Ok(i) => Ok((Expr::Lit(Value::Int(i)), 1)),
                Err(_) => Err(ParseError::new(
                    column,
                    format!("`{text}` is not a 32-bit integer"),
                )),
            },
            Tok::Str(s) => Ok((Expr::Lit(Value::Str(s)), 1)),
            Tok::FunctionName(name) | Tok::Word(name) if call && !is_keyword(&name) => {
                if !name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                    return Err(ParseError::new(
                        column,
                        format!("`{name}` is not a function name (letters and `_`)"),
                    ));
                }
                self.pos += 1;
                let (args, d) = self.list(depth, true)?;
                let d = self.check_depth(d + 1)?;
                Ok((
                    Expr::Call {
                        name: name.to_ascii_uppercase(),
                        args,
                    },
                    d,
                ))
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("TRUE") => Ok((Expr::Lit(Value::Bool(true)), 1)),
            Tok::Word(w) if w.eq_ignore_ascii_case("FALSE") => {
                Ok((Expr::Lit(Value::Bool(false)), 1))
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("EXISTS") => match self.peek().cloned() {
                Some(Tok::Word(a)) if !is_keyword(&a) => {
                    self.pos += 1;
                    Ok((Expr::Exists(a.to_ascii_lowercase()), 1))
                }
                _ => self.unexpected("an attribute name after EXISTS"),
            },
            Tok::Word(w) if is_keyword(&w) => Err(ParseError::new(
                column,
                format!("expected a value, found the keyword `{w}`"),
            )),
            Tok::Word(w) => Ok((Expr::Attr(w.to_ascii_lowercase()), 1)),
            other => Err(ParseError::new(
                column,
                format!("expected a value, found {}", other.describe()),
            )),
        }
    }
}

fn is_keyword(w: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::{BinOp, Expr, parse};
    use crate::route::cesql::value::Value;

    fn attr(a: &str) -> Box<Expr> {
        Box::new(Expr::Attr(a.into()))
    }

    #[test]
    fn logic_groups_from_the_right() {
        let e = parse("a AND b OR c").ok();
        let want = Expr::Binary {
            op: BinOp::And,
            left: attr("a"),
            right: Box::new(Expr::Binary {
                op: BinOp::Or,
                left: attr("b"),
                right: attr("c"),
            }),
        };
        assert_eq!(e, Some(want));
    }

    #[test]
    fn not_binds_to_the_next_operand() {
        let e = parse("NOT a = b").ok();
        let want = Expr::Binary {
            op: BinOp::Eq,
            left: Box::new(Expr::Not(attr("a"))),
            right: attr("b"),
        };
        assert_eq!(e, Some(want));
    }

    #[test]
    fn arithmetic_precedence() {
        let e = parse("1 + 2 * 3 = 7").ok();
        let want = Expr::Binary {
            op: BinOp::Eq,
            left: Box::new(Expr::Binary {
                op: BinOp::Add,
                left: Box::new(Expr::Lit(Value::Int(1))),
                right: Box::new(Expr::Binary {
                    op: BinOp::Mul,
                    left: Box::new(Expr::Lit(Value::Int(2))),
                    right: Box::new(Expr::Lit(Value::Int(3))),
                }),
            }),
            right: Box::new(Expr::Lit(Value::Int(7))),
        };
        assert_eq!(e, Some(want));
    }

    #[test]
    fn keywords_and_names_are_case_insensitive() {
        assert_eq!(
            parse("exists Subject").ok(),
            Some(Expr::Exists("subject".into()))
        );
        assert_eq!(
            parse("lower(A)").ok(),
            Some(Expr::Call {
                name: "LOWER".into(),
                args: vec![Expr::Attr("a".into())]
            })
        );
    }

    #[test]
    fn parse_errors_name_the_column() {
        for (src, column) in [
            ("a = ", 5),
            ("a LIKE b", 8),
            ("5 -1", 3),
            ("(a = 'b'", 9),
            ("a IN ()", 7),
            ("EXISTS 'a'", 8),
            ("a = 2147483648", 5),
            ("AND", 1),
            ("", 1),
        ] {
            let e = parse(src).err();
            assert_eq!(e.as_ref().map(|e| e.column), Some(column), "{src}: {e:?}");
        }
    }

    #[test]
    fn nesting_is_capped() {
        let deep = format!("{}a{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).is_err());
        let long = vec!["a"; 500].join(" AND ");
        assert!(parse(&long).is_err());
        let nots = format!("{}TRUE", "NOT ".repeat(500));
        assert!(parse(&nots).is_err());
        let ok = vec!["a"; 60].join(" AND ");
        let nested = format!("{}a{}", "(".repeat(60), ")".repeat(60));
        assert!(parse(&nested).is_ok());
        assert!(parse(&ok).is_ok());
    }
}
