//! The built-in functions every CESQL engine must have (spec §3.5 and the
//! casting functions of the TCK): dispatched by name and arity, arguments
//! cast to the parameter types (§3.7) before the call.

use super::eval::eval;
use super::parse::Expr;
use super::value::{EvalError, Type, Value};
use crate::route::event::Event;

/// A function's parameters: fixed ones, then optionally any number of a
/// repeated type.
struct Signature {
    name: &'static str,
    params: &'static [Type],
    rest: Option<Type>,
}

const S: Type = Type::Str;
const I: Type = Type::Int;
const B: Type = Type::Bool;

const BUILTINS: &[Signature] = &[
    sig("LENGTH", &[S], None),
    sig("CONCAT", &[], Some(S)),
    sig("CONCAT_WS", &[S], Some(S)),
    sig("LOWER", &[S], None),
    sig("UPPER", &[S], None),
    sig("TRIM", &[S], None),
    sig("LEFT", &[S, I], None),
    sig("RIGHT", &[S, I], None),
    sig("SUBSTRING", &[S, I], None),
    sig("SUBSTRING", &[S, I, I], None),
    sig("ABS", &[I], None),
    sig("INT", &[I], None),
    sig("BOOL", &[B], None),
    sig("STRING", &[S], None),
    sig("IS_BOOL", &[S], None),
    sig("IS_INT", &[S], None),
];

const fn sig(name: &'static str, params: &'static [Type], rest: Option<Type>) -> Signature {
    Signature { name, params, rest }
}

impl Signature {
    fn accepts(&self, arity: usize) -> bool {
        if self.rest.is_some() {
            arity >= self.params.len()
        } else {
            arity == self.params.len()
        }
    }

    fn param(&self, i: usize) -> Type {
        self.params
            .get(i)
            .copied()
            .or(self.rest)
            .unwrap_or(Type::Str)
    }
}

pub fn call(name: &str, args: &[Expr], ev: &Event) -> Result<Value, EvalError> {
    let Some(sig) = BUILTINS
        .iter()
        .find(|s| s.name == name && s.accepts(args.len()))
    else {
        return Err(EvalError::MissingFunction {
            name: name.to_string(),
            arity: args.len(),
        });
    };
    let mut values = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        values.push(eval(a, ev)?.cast(sig.param(i))?);
    }
    apply(name, values)
}

fn failed(name: &str, message: &str) -> EvalError {
    EvalError::FunctionEvaluation {
        name: name.to_string(),
        message: message.to_string(),
    }
}

/// The function body, on arguments already cast to its parameter types.
fn apply(name: &str, args: Vec<Value>) -> Result<Value, EvalError> {
    let int = |i: usize| match args.get(i) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    };
    let text = |i: usize| match args.get(i) {
        Some(Value::Str(s)) => s.as_str(),
        _ => "",
    };
    let strings = |from: usize| args.iter().skip(from).map(|v| v.to_string());
    Ok(match name {
        "LENGTH" => Value::Int(char_count(text(0))),
        "CONCAT" => Value::Str(strings(0).collect()),
        "CONCAT_WS" => Value::Str(strings(1).collect::<Vec<_>>().join(text(0))),
        "LOWER" => Value::Str(text(0).to_lowercase()),
        "UPPER" => Value::Str(text(0).to_uppercase()),
        // Unicode White_Space, as the spec asks.
        "TRIM" => Value::Str(text(0).trim().to_string()),
        "LEFT" | "RIGHT" => {
            let (s, n) = (text(0), int(1));
            let Ok(n) = usize::try_from(n) else {
                return Err(failed(name, "the length is negative"));
            };
            let len = s.chars().count();
            let take = n.min(len);
            Value::Str(if name == "LEFT" {
                s.chars().take(take).collect()
            } else {
                s.chars().skip(len - take).collect()
            })
        }
        "SUBSTRING" => {
            let len = (args.len() == 3).then(|| int(2));
            Value::Str(substring(text(0), int(1), len)?)
        }
        "ABS" => match int(0).checked_abs() {
            Some(n) => Value::Int(n),
            None => return Err(EvalError::Math("ABS of -2147483648".into())),
        },
        "INT" | "BOOL" | "STRING" => args.into_iter().next().unwrap_or(Value::Bool(false)),
        "IS_BOOL" => Value::Bool(Value::Str(text(0).into()).cast(Type::Bool).is_ok()),
        "IS_INT" => Value::Bool(Value::Str(text(0).into()).cast(Type::Int).is_ok()),
        _ => {
            return Err(EvalError::MissingFunction {
                name: name.to_string(),
                arity: args.len(),
            });
        }
    })
}

fn char_count(s: &str) -> i32 {
    i32::try_from(s.chars().count()).unwrap_or(i32::MAX)
}

/// `SUBSTRING(s, pos [, len])`: 1-based `pos`, negative from the end,
/// 0 gives the empty string; `pos` beyond either end or a negative `len`
/// is an error.
fn substring(s: &str, pos: i32, len: Option<i32>) -> Result<String, EvalError> {
    let n = char_count(s);
    if pos > n || pos < -n {
        return Err(failed("SUBSTRING", "the position is outside the string"));
    }
    if len.is_some_and(|l| l < 0) {
        return Err(failed("SUBSTRING", "the length is negative"));
    }
    if pos == 0 {
        return Ok(String::new());
    }
    let start = if pos > 0 { pos - 1 } else { n + pos };
    let start = usize::try_from(start).unwrap_or(0);
    let take = len.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(0));
    Ok(s.chars().skip(start).take(take).collect())
}

#[cfg(test)]
mod tests {
    use super::substring;

    #[test]
    fn substring_positions() {
        assert_eq!(substring("abcdef", 1, None).ok().as_deref(), Some("abcdef"));
        assert_eq!(substring("abcdef", 2, Some(3)).ok().as_deref(), Some("bcd"));
        assert_eq!(substring("abcdef", -2, None).ok().as_deref(), Some("ef"));
        assert_eq!(substring("abcdef", -3, Some(2)).ok().as_deref(), Some("de"));
        assert_eq!(substring("abcdef", 0, None).ok().as_deref(), Some(""));
        assert_eq!(substring("abcdef", 5, Some(10)).ok().as_deref(), Some("ef"));
        assert!(substring("abcdef", 7, None).is_err());
        assert!(substring("abcdef", -7, None).is_err());
        assert!(substring("abcdef", 1, Some(-1)).is_err());
    }
}
