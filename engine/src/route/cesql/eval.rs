//! Evaluating a parsed expression against one event, in the spec's
//! "fail fast" mode (§4.1) — the mode of Knative's evaluator: the first
//! error ends the evaluation. Operands are evaluated left to right; `AND`
//! and `OR` short-circuit (§3.4.2), so `NOT EXISTS a OR a = 'x'` never
//! reads a missing `a`.

use super::functions;
use super::parse::{BinOp, Expr};
use super::value::{EvalError, Type, Value};
use crate::route::event::{self, Event};

pub fn eval(expr: &Expr, ev: &Event) -> Result<Value, EvalError> {
    match expr {
        Expr::Lit(v) => Ok(v.clone()),
        Expr::Attr(name) => {
            event::attribute(ev, name).ok_or_else(|| EvalError::MissingAttribute(name.clone()))
        }
        Expr::Exists(name) => Ok(Value::Bool(event::exists(ev, name))),
        Expr::Not(e) => Ok(Value::Bool(!eval(e, ev)?.into_bool()?)),
        Expr::Neg(e) => Ok(Value::Int(eval(e, ev)?.into_int()?.wrapping_neg())),
        Expr::Like {
            expr,
            pattern,
            negated,
        } => {
            let s = eval(expr, ev)?.into_string();
            Ok(Value::Bool(like(&s, pattern) != *negated))
        }
        Expr::In { expr, set, negated } => {
            let left = eval(expr, ev)?;
            let mut found = false;
            for item in set {
                // The left operand's type is the target of every cast.
                if eval(item, ev)?.cast(left.ty())? == left {
                    found = true;
                    break;
                }
            }
            Ok(Value::Bool(found != *negated))
        }
        Expr::Binary { op, left, right } => binary(*op, left, right, ev),
        Expr::Call { name, args } => functions::call(name, args, ev),
    }
}

fn binary(op: BinOp, left: &Expr, right: &Expr, ev: &Event) -> Result<Value, EvalError> {
    match op {
        BinOp::And | BinOp::Or | BinOp::Xor => {
            let l = eval(left, ev)?.into_bool()?;
            match (op, l) {
                (BinOp::And, false) => return Ok(Value::Bool(false)),
                (BinOp::Or, true) => return Ok(Value::Bool(true)),
                _ => {}
            }
            let r = eval(right, ev)?.into_bool()?;
            Ok(Value::Bool(if op == BinOp::Xor { l != r } else { r }))
        }
        BinOp::Eq | BinOp::Ne => {
            let l = eval(left, ev)?;
            let r = eval(right, ev)?;
            // `=` is ambiguous (§3.7): the right operand's type decides.
            let l = l.cast(r.ty())?;
            Ok(Value::Bool((l == r) == (op == BinOp::Eq)))
        }
        _ => {
            let l = eval(left, ev)?.into_int()?;
            let r = eval(right, ev)?.into_int()?;
            integer(op, l, r)
        }
    }
}

fn integer(op: BinOp, l: i32, r: i32) -> Result<Value, EvalError> {
    let zero = || EvalError::Math("division by zero".into());
    Ok(match op {
        BinOp::Lt => Value::Bool(l < r),
        BinOp::Le => Value::Bool(l <= r),
        BinOp::Gt => Value::Bool(l > r),
        BinOp::Ge => Value::Bool(l >= r),
        BinOp::Mul => Value::Int(l.wrapping_mul(r)),
        BinOp::Add => Value::Int(l.wrapping_add(r)),
        BinOp::Sub => Value::Int(l.wrapping_sub(r)),
        // Truncated division: the remainder has the dividend's sign.
        BinOp::Div if r == 0 => return Err(zero()),
        BinOp::Div => Value::Int(l.wrapping_div(r)),
        BinOp::Rem if r == 0 => return Err(zero()),
        BinOp::Rem => Value::Int(l.wrapping_rem(r)),
        BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Eq | BinOp::Ne => {
            return Err(EvalError::Cast {
                value: l.to_string(),
                to: Type::Bool,
            });
        }
    })
}

/// One element of a LIKE pattern.
#[derive(Clone, Copy, PartialEq)]
enum Pat {
    /// `%`: any run of characters.
    Many,
    /// `_`: exactly one character.
    One,
    Char(char),
}

/// `text LIKE pattern` (§3.4.3): `%` and `_` are wildcards, `\%` and `\_`
/// match themselves; a backslash before anything else is an ordinary
/// character. Case-sensitive.
pub fn like(text: &str, pattern: &str) -> bool {
    let mut pat = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        pat.push(match c {
            '\\' if matches!(chars.peek(), Some('%' | '_')) => {
                Pat::Char(chars.next().unwrap_or('\\'))
            }
            '%' => Pat::Many,
            '_' => Pat::One,
            c => Pat::Char(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // Greedy matching with one back-tracking point (the last `%`):
    // linear in practice, quadratic at worst, never exponential.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some(Pat::One) => {
                t += 1;
                p += 1;
            }
            Some(Pat::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Pat::Many) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|x| *x == Pat::Many)
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_wildcards_and_escapes() {
        assert!(like("abc", "a%"));
        assert!(like("abc", "%c"));
        assert!(like("abc", "%b%"));
        assert!(like("abc", "a_c"));
        assert!(!like("abc", "a_"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("a%c", r"a\%c"));
        assert!(!like("abc", r"a\%c"));
        assert!(like(r"a\c", r"a\c"));
        assert!(like("a_c", r"a\_c"));
        assert!(!like("abc", r"a\_c"));
        assert!(!like("ABC", "abc"));
        assert!(like("aaa", "%a%a%a%"));
        assert!(!like("aa", "%a%a%a%"));
        assert!(like("ünï", "_n_"));
    }
}
