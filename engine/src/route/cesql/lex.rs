//! The CESQL lexer. It mirrors the ANTLR lexer of the specification
//! (CESQLLexer.g4), which Knative's parser (cloudevents/sdk-go `sql/v2`)
//! is generated from: the longest token wins, so `-1` right after an
//! operand is a signed literal (and `5 -1` a syntax error, as in the
//! cluster), and a quote may be escaped with a backslash or doubled.

use super::ParseError;

/// One token and the 1-based column (in characters) where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    LParen,
    RParen,
    Comma,
    /// `* / % + - = != <> < <= > >=`
    Op(&'static str),
    /// An integer literal, sign included, not yet range-checked.
    Int(String),
    /// A string literal, quotes removed and escapes applied.
    Str(String),
    /// A run of letters and digits: a keyword, an attribute or a function
    /// name.
    Word(String),
    /// Letters and underscores (`CONCAT_WS`): only a function name.
    FunctionName(String),
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Op(o) => format!("`{o}`"),
            Tok::Int(i) => format!("`{i}`"),
            Tok::Str(s) => format!("the string '{s}'"),
            Tok::Word(w) | Tok::FunctionName(w) => format!("`{w}`"),
        }
    }
}

/// Two-character operators first: the longest match wins.
const OPS: &[&str] = &[
    "!=", "<>", "<=", ">=", "<", ">", "=", "*", "/", "%", "+", "-",
];

pub fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let at = |kind| Token { kind, column };
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            i += 1;
        } else if c == '(' {
            out.push(at(Tok::LParen));
            i += 1;
        } else if c == ')' {
            out.push(at(Tok::RParen));
            i += 1;
        } else if c == ',' {
            out.push(at(Tok::Comma));
            i += 1;
        } else if c == '\'' || c == '"' {
            let (s, next) = string(&chars, i)?;
            out.push(at(Tok::Str(s)));
            i = next;
        } else if (c == '+' || c == '-') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            let end = run(&chars, i + 1, |c| c.is_ascii_digit());
            out.push(at(Tok::Int(chars[i..end].iter().collect())));
            i = end;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let end = run(&chars, i, |c| c.is_ascii_alphanumeric() || c == '_');
            let word: String = chars[i..end].iter().collect();
            out.push(at(word_token(word, column)?));
            i = end;
        } else if let Some(op) = OPS.iter().find(|op| {
            op.chars()
                .enumerate()
                .all(|(k, o)| chars.get(i + k) == Some(&o))
        }) {
            out.push(at(Tok::Op(op)));
            i += op.chars().count();
        } else {
            return Err(ParseError::new(
                column,
                format!("unexpected character `{c}`"),
            ));
        }
    }
    Ok(out)
}

/// The end of the run of characters satisfying `ok` from `start`.
fn run(chars: &[char], start: usize, ok: impl Fn(char) -> bool) -> usize {
    let mut end = start;
    while end < chars.len() && ok(chars[end]) {
        end += 1;
    }
    end
}

fn word_token(word: String, column: usize) -> Result<Tok, ParseError> {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return Ok(Tok::Int(word));
    }
    if !word.contains('_') {
        return Ok(Tok::Word(word));
    }
    // Only function names hold `_`, and they have no digits.
    if word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
    {
        Ok(Tok::FunctionName(word))
    } else {
        Err(ParseError::new(
            column,
            format!(
                "`{word}` is neither an attribute name (letters and digits) nor a function name (letters and `_`)"
            ),
        ))
    }
}

/// A string literal from the quote at `start`: its value and the index
/// after the closing quote. Like sdk-go, only the escaped delimiter
/// (`\'` in '…', `\"` in "…") is unescaped; any other backslash pair and a
/// doubled delimiter are kept as written.
fn string(chars: &[char], start: usize) -> Result<(String, usize), ParseError> {
    let quote = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(ParseError::new(
                    start + 1,
                    format!("unterminated string: no closing {quote}"),
                ));
            }
            Some('\\') => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err(ParseError::new(
                        start + 1,
                        format!("unterminated string: no closing {quote}"),
                    ));
                };
                if next != quote {
                    s.push('\\');
                }
                s.push(next);
                i += 2;
            }
            Some(&c) if c == quote => {
                if chars.get(i + 1) == Some(&quote) {
                    s.push(quote);
                    s.push(quote);
                    i += 2;
                } else {
                    return Ok((s, i + 1));
                }
            }
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Tok, lex};

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src)
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn signed_literals_win_over_minus() {
        assert_eq!(
            kinds("5 -1"),
            vec![Tok::Int("5".into()), Tok::Int("-1".into())]
        );
        assert_eq!(
            kinds("5 - 1"),
            vec![Tok::Int("5".into()), Tok::Op("-"), Tok::Int("1".into())]
        );
    }

    #[test]
    fn strings_unescape_only_their_delimiter() {
        assert_eq!(kinds(r"'a\'b'"), vec![Tok::Str("a'b".into())]);
        assert_eq!(kinds(r#""a\"b""#), vec![Tok::Str("a\"b".into())]);
        assert_eq!(kinds(r"'a\%b'"), vec![Tok::Str(r"a\%b".into())]);
        assert_eq!(kinds("'it''s'"), vec![Tok::Str("it''s".into())]);
        assert_eq!(kinds("''"), vec![Tok::Str(String::new())]);
    }

    #[test]
    fn errors_carry_the_column() {
        let e = lex("a = 'x").err();
        assert_eq!(e.map(|e| e.column), Some(5));
        let e = lex("a # b").err();
        assert_eq!(e.map(|e| e.column), Some(3));
        let e = lex("a_1 = 2").err();
        assert_eq!(e.map(|e| e.column), Some(1));
    }

    #[test]
    fn two_character_operators() {
        assert_eq!(
            kinds("a<>b<=c"),
            vec![
                Tok::Word("a".into()),
                Tok::Op("<>"),
                Tok::Word("b".into()),
                Tok::Op("<="),
                Tok::Word("c".into())
            ]
        );
    }
}
