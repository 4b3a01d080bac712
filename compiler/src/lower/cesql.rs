//! `where ${ jq }` → a CloudEvents SQL (CESQL v1) expression for a
//! Trigger's `filters`, when the jq program is in the subset both can say.
//!
//! CESQL sees only context attributes (`type`, `source`, `subject`, `id`,
//! `time`, `datacontenttype`, `dataschema`, `specversion`, extensions) —
//! never `.data`. The subset translated:
//!
//! | jq | CESQL |
//! |---|---|
//! | `.source`, `.subject`, `.myext` | `source`, `subject`, `myext` |
//! | `"text"`, `42`, `true`, `false` | `'text'`, `42`, `TRUE`, `FALSE` |
//! | `==` `!=` `<` `<=` `>` `>=` | `=` `!=` `<` `<=` `>` `>=` (guarded, see below) |
//! | `.a == null` / `.a != null` | `NOT EXISTS a` / `EXISTS a` |
//! | `and`, `or`, `( … )`, `… \| not` | `AND`, `OR`, `( … )`, `NOT ( … )` |
//! | `.a \| startswith("x")` / `endswith` / `contains` | `a LIKE 'x%'` / `'%x'` / `'%x%'` |
//!
//! A missing attribute is `null` in jq but an error in CESQL (the Trigger
//! drops the event), so a comparison on an attribute other than `id`,
//! `source`, `specversion` and `type` states what jq yields without it:
//! `.a != "b"` → `(NOT EXISTS a OR a != 'b')` (jq: true), `.a < 3` →
//! `(NOT EXISTS a OR a < 3)` (`null` sorts first), `.a == "b"` →
//! `(EXISTS a AND a = 'b')`, and `LIKE` gets `EXISTS a AND`. CESQL's `OR`
//! and `AND` stop at their left operand when it decides the result.
//! Comparing two attributes that may be missing is refused.
//!
//! Anything else (`.data…`, other functions, arithmetic, fractional
//! numbers, string interpolation) is not expressible: [`translate`] says
//! why, and the caller decides what happens (see docs/build.md).

/// The CESQL form of a jq boolean, or why there is none.
pub fn translate(jq: &str) -> Result<String, String> {
    let tokens = lex(jq)?;
    let mut p = Parser { tokens, pos: 0 };
    let q = p.pipe()?;
    if p.pos != p.tokens.len() {
        return Err(format!("unexpected `{}`", p.tokens[p.pos].text()));
    }
    match q {
        Q::Bool(b) | Q::Chain(b) => Ok(b),
        _ => Err("the expression is not a condition".into()),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Attr(String),
    Str(String),
    Int(String),
    Word(String),
    Op(&'static str),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Attr(a) => format!(".{a}"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Int(n) | Tok::Word(n) => n.clone(),
            Tok::Op(o) => (*o).to_string(),
        }
    }
}

const OPS: &[&str] = &["==", "!=", "<=", ">=", "<", ">", "(", ")", "|"];

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '.' {
            let mut name = String::new();
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                name.push(chars[i]);
                i += 1;
            }
            if name == "data" {
                return Err("CESQL cannot read `.data`, only context attributes".into());
            }
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            {
                return Err(format!("`.{name}` is not a CloudEvents attribute"));
            }
            if i < chars.len() && (chars[i] == '.' || chars[i] == '[') {
                return Err("CloudEvents attributes have no fields".into());
            }
            out.push(Tok::Attr(name));
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".into()),
                    Some('"') => break,
                    Some('\\') => {
                        let e = chars.get(i + 1).copied();
                        match e {
                            Some('"') => s.push('"'),
                            Some('/') => s.push('/'),
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            _ => return Err("unsupported escape in string".into()),
                        }
                        i += 2;
                        continue;
                    }
                    Some(ch) => s.push(*ch),
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let mut n = String::from(c);
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                n.push(chars[i]);
                i += 1;
            }
            if i < chars.len() && (chars[i] == '.' || chars[i] == 'e' || chars[i] == 'E') {
                return Err("CESQL has integers only".into());
            }
            out.push(Tok::Int(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut w = String::new();
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                w.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Word(w));
        } else if let Some(op) = OPS.iter().find(|op| src_at(&chars, i).starts_with(**op)) {
            i += op.len();
            out.push(Tok::Op(op));
        } else {
            return Err(format!("`{c}` is outside the translatable subset"));
        }
    }
    Ok(out)
}

fn src_at(chars: &[char], i: usize) -> String {
    chars[i..chars.len().min(i + 2)].iter().collect()
}

/// A translated operand: a boolean expression or a value.
#[derive(Clone, Debug)]
enum Q {
    /// A condition that is one operand wherever it is placed: a
    /// comparison, a parenthesised group, `NOT ( … )`, `EXISTS a`.
    Bool(String),
    /// Operands joined by AND or OR at the top level. Knative's CESQL
    /// gives AND, OR and XOR one precedence and groups from the right,
    /// so a chain is always parenthesised when it becomes an operand:
    /// the meaning never depends on precedence.
    Chain(String),
    Attr(String),
    Lit(String),
    Null,
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `a | f | g` (lowest precedence, as in jq).
    fn pipe(&mut self) -> Result<Q, String> {
        let mut q = self.or()?;
        while self.eat_op("|") {
            q = self.filter(q)?;
        }
        Ok(q)
    }

    /// The right side of `|` applied to `input`.
    fn filter(&mut self, input: Q) -> Result<Q, String> {
        let Some(Tok::Word(w)) = self.peek().cloned() else {
            return Err(
                "only `not`, `startswith`, `endswith` and `contains` may follow `|`".into(),
            );
        };
        self.pos += 1;
        match (w.as_str(), input) {
            ("not", Q::Bool(b) | Q::Chain(b)) => Ok(Q::Bool(format!("NOT ({b})"))),
            ("startswith" | "endswith" | "contains", Q::Attr(a)) => {
                if !self.eat_op("(") {
                    return Err(format!("`{w}` needs an argument"));
                }
                let Some(Tok::Str(s)) = self.peek().cloned() else {
                    return Err(format!("`{w}` needs a string literal"));
                };
                self.pos += 1;
                if !self.eat_op(")") {
                    return Err(format!("`{w}` takes one argument"));
                }
                if s.contains(['%', '_']) {
                    return Err(format!("`{w}` with `%` or `_` would be a LIKE wildcard"));
                }
                let lit = s;
                let pat = match w.as_str() {
                    "startswith" => format!("{lit}%"),
                    "endswith" => format!("%{lit}"),
                    _ => format!("%{lit}%"),
                };
                let like = format!("{a} LIKE {}", quote(&pat));
                // On a missing attribute jq's `startswith` fails: no match.
                if REQUIRED.contains(&a.as_str()) {
                    Ok(Q::Bool(like))
                } else {
                    Ok(Q::Bool(format!("(EXISTS {a} AND {like})")))
                }
            }
            (w, _) => Err(format!("`{w}` is outside the translatable subset")),
        }
    }

    fn or(&mut self) -> Result<Q, String> {
        let mut parts = vec![self.and()?];
        while self.eat_word("or") {
            parts.push(self.and()?);
        }
        join(parts, "OR")
    }

    fn and(&mut self) -> Result<Q, String> {
        let mut parts = vec![self.cmp()?];
        while self.eat_word("and") {
            parts.push(self.cmp()?);
        }
        join(parts, "AND")
    }

    fn cmp(&mut self) -> Result<Q, String> {
        let lhs = self.atom()?;
        let op = match self.peek() {
            Some(Tok::Op(o)) if ["==", "!=", "<", "<=", ">", ">="].contains(o) => *o,
            _ => return Ok(lhs),
        };
        self.pos += 1;
        let rhs = self.atom()?;
        compare(lhs, op, rhs)
    }

    fn atom(&mut self) -> Result<Q, String> {
        let Some(t) = self.peek().cloned() else {
            return Err("the expression ends too early".into());
        };
        self.pos += 1;
        Ok(match t {
            Tok::Op("(") => {
                let q = self.pipe()?;
                if !self.eat_op(")") {
                    return Err("missing `)`".into());
                }
                match q {
                    Q::Bool(b) | Q::Chain(b) => Q::Bool(format!("({b})")),
                    other => other,
                }
            }
            Tok::Attr(a) => Q::Attr(a),
            Tok::Str(s) => Q::Lit(quote(&s)),
            Tok::Int(n) => Q::Lit(n),
            Tok::Word(w) if w == "true" => Q::Bool("TRUE".into()),
            Tok::Word(w) if w == "false" => Q::Bool("FALSE".into()),
            Tok::Word(w) if w == "null" => Q::Null,
            other => {
                return Err(format!(
                    "`{}` is outside the translatable subset",
                    other.text()
                ));
            }
        })
    }
}

fn join(parts: Vec<Q>, op: &str) -> Result<Q, String> {
    if parts.len() == 1 {
        return Ok(parts.into_iter().next().unwrap_or(Q::Null));
    }
    let mut out = Vec::new();
    for p in parts {
        match p {
            Q::Chain(b) => out.push(format!("({b})")),
            Q::Bool(b) => out.push(b),
            _ => {
                return Err(format!(
                    "both sides of `{}` must be conditions",
                    op.to_lowercase()
                ));
            }
        }
    }
    Ok(Q::Chain(out.join(&format!(" {op} "))))
}

/// Context attributes every CloudEvent has: comparing them needs no
/// `EXISTS` guard.
const REQUIRED: &[&str] = &["id", "source", "specversion", "type"];

fn compare(lhs: Q, op: &str, rhs: Q) -> Result<Q, String> {
    let sql_op = if op == "==" { "=" } else { op };
    let side = |q: &Q| -> Result<String, String> {
        match q {
            Q::Attr(a) => Ok(a.clone()),
            Q::Lit(l) => Ok(l.clone()),
            Q::Bool(b) if b == "TRUE" || b == "FALSE" => Ok(b.clone()),
            Q::Bool(b) | Q::Chain(b) => Ok(format!("({b})")),
            Q::Null => Err("`null` can only be compared with `==` or `!=`".into()),
        }
    };
    let optional = |q: &Q| matches!(q, Q::Attr(a) if !REQUIRED.contains(&a.as_str()));
    match (&lhs, &rhs) {
        (Q::Attr(a), Q::Null) | (Q::Null, Q::Attr(a)) => match op {
            "==" => Ok(Q::Bool(format!("NOT EXISTS {a}"))),
            "!=" => Ok(Q::Bool(format!("EXISTS {a}"))),
            _ => Err("`null` can only be compared with `==` or `!=`".into()),
        },
        (Q::Attr(_), Q::Attr(_)) if optional(&lhs) || optional(&rhs) => {
            Err("comparing two attributes that may be missing has no CESQL form".into())
        }
        (Q::Attr(a), _) | (_, Q::Attr(a)) if optional(&lhs) || optional(&rhs) => {
            // A missing attribute is an error in CESQL (the Trigger then
            // drops the event) but `null` in jq, which sorts below every
            // other value: say what jq says for a missing attribute.
            let cmp = format!("{} {sql_op} {}", side(&lhs)?, side(&rhs)?);
            let attr_left = matches!(lhs, Q::Attr(_));
            if null_compares_true(op, attr_left) {
                Ok(Q::Bool(format!("(NOT EXISTS {a} OR {cmp})")))
            } else {
                Ok(Q::Bool(format!("(EXISTS {a} AND {cmp})")))
            }
        }
        _ => Ok(Q::Bool(format!("{} {sql_op} {}", side(&lhs)?, side(&rhs)?))),
    }
}

/// What jq's `null OP x` (attribute on the left) or `x OP null` yields
/// for a non-null `x`: `null` is unequal to it and sorts below it.
fn null_compares_true(op: &str, attr_left: bool) -> bool {
    match op {
        "!=" => true,
        "<" | "<=" => attr_left,
        ">" | ">=" => !attr_left,
        _ => false,
    }
}

/// A CESQL string literal (`'` escaped as `\'`; backslashes were refused
/// by the lexer).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn translates_the_subset() {
        let ok = [
            (r#".source == "/shop""#, "source = '/shop'"),
            (
                r#".type == "a" and .subject != "b""#,
                "type = 'a' AND (NOT EXISTS subject OR subject != 'b')",
            ),
            (
                r#".a == "x" or .b == "y" and .c == "z""#,
                "(EXISTS a AND a = 'x') OR ((EXISTS b AND b = 'y') AND (EXISTS c AND c = 'z'))",
            ),
            (
                r#"(.a == "x" or .b == "y") | not"#,
                "NOT (((EXISTS a AND a = 'x') OR (EXISTS b AND b = 'y')))",
            ),
            (r#".source | startswith("/shop/")"#, "source LIKE '/shop/%'"),
            (
                r#".subject | contains("gold")"#,
                "(EXISTS subject AND subject LIKE '%gold%')",
            ),
            (".priority >= 3", "(EXISTS priority AND priority >= 3)"),
            (".priority < 3", "(NOT EXISTS priority OR priority < 3)"),
            ("3 < .priority", "(EXISTS priority AND 3 < priority)"),
            ("3 >= .priority", "(NOT EXISTS priority OR 3 >= priority)"),
            (".region != null", "EXISTS region"),
            (
                r#".subject == "it's""#,
                "(EXISTS subject AND subject = 'it\\'s')",
            ),
            (r#".source != "/a""#, "source != '/a'"),
            (
                r#"(.a == "x" or .b == "(") and .source == "s""#,
                "((EXISTS a AND a = 'x') OR (EXISTS b AND b = '(')) AND source = 's'",
            ),
            (".source == .type", "source = type"),
        ];
        for (jq, sql) in ok {
            assert_eq!(translate(jq).as_deref(), Ok(sql), "{jq}");
        }
    }

    #[test]
    fn refuses_what_cesql_cannot_say() {
        for jq in [
            ".data.amount > 100",
            ".amount > 1.5",
            ".Type == \"x\"",
            ".source | test(\"x\")",
            ".a.b == 1",
            ".source",
            ".a + 1 == 2",
            ".subject | contains(\"50%\")",
            ".subject == \"a\\\\b\"",
            ".subject == .source",
            "\"x\\(.a)\" == \"y\"",
        ] {
            assert!(translate(jq).is_err(), "{jq} must not translate");
        }
    }
}
