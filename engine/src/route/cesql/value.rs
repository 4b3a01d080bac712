//! CESQL values, their types, the casts between them (spec §3.1, §3.7)
//! and the evaluation errors (§3.3).

use std::fmt;

/// A CESQL value: the three primitive types of the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    /// A 32-bit signed integer; arithmetic wraps as Go's `int32` does in
    /// the Knative broker.
    Int(i32),
    Str(String),
}

/// The type of a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Int,
    Str,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Bool => "Boolean",
            Type::Int => "Integer",
            Type::Str => "String",
        })
    }
}

/// Why an evaluation failed: the error types of spec §3.3 that can arise
/// at run time. Knative evaluates in "fail fast" mode and a filter whose
/// evaluation fails does not match.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// Division or remainder by zero, `ABS` of the smallest integer.
    #[error("math error: {0}")]
    Math(String),
    /// An implicit or explicit cast that has no result.
    #[error("cannot cast {value} to {to}")]
    Cast { value: String, to: Type },
    /// The expression reads an attribute the event does not carry.
    #[error("the event has no attribute `{0}`")]
    MissingAttribute(String),
    /// No built-in function with that name takes that many arguments.
    #[error("no function {name} takes {arity} argument(s)")]
    MissingFunction { name: String, arity: usize },
    /// A built-in function refused its arguments.
    #[error("{name}: {message}")]
    FunctionEvaluation { name: String, message: String },
}

impl Value {
    pub fn ty(&self) -> Type {
        match self {
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Str(_) => Type::Str,
        }
    }

    /// The cast of §3.7 (the same one `INT`, `BOOL` and `STRING` apply).
    pub fn cast(self, to: Type) -> Result<Value, EvalError> {
        match (self, to) {
            (v, t) if v.ty() == t => Ok(v),
            (Value::Int(i), Type::Bool) => Ok(Value::Bool(i != 0)),
            (Value::Bool(b), Type::Int) => Ok(Value::Int(i32::from(b))),
            (v @ (Value::Int(_) | Value::Bool(_)), Type::Str) => Ok(Value::Str(v.to_string())),
            (Value::Str(s), Type::Int) => match s.parse::<i32>() {
                Ok(i) => Ok(Value::Int(i)),
                Err(_) => Err(EvalError::Cast { value: s, to }),
            },
            (Value::Str(s), Type::Bool) => match s.to_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(EvalError::Cast { value: s, to }),
            },
            (v, to) => Err(EvalError::Cast {
                value: v.to_string(),
                to,
            }),
        }
    }

    pub fn into_bool(self) -> Result<bool, EvalError> {
        match self.cast(Type::Bool)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::Cast {
                value: other.to_string(),
                to: Type::Bool,
            }),
        }
    }

    pub fn into_int(self) -> Result<i32, EvalError> {
        match self.cast(Type::Int)? {
            Value::Int(i) => Ok(i),
            other => Err(EvalError::Cast {
                value: other.to_string(),
                to: Type::Int,
            }),
        }
    }

    pub fn into_string(self) -> String {
        match self {
            Value::Str(s) => s,
            other => other.to_string(),
        }
    }
}

/// The String form of a value (§3.7: base 10, `true` / `false`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EvalError, Type, Value};

    #[test]
    fn casts_follow_the_table_of_the_spec() {
        let s = |x: &str| Value::Str(x.into());
        assert_eq!(s("+12").cast(Type::Int), Ok(Value::Int(12)));
        assert_eq!(s("-12").cast(Type::Int), Ok(Value::Int(-12)));
        assert!(matches!(
            s("12a").cast(Type::Int),
            Err(EvalError::Cast { .. })
        ));
        assert!(matches!(
            s("2147483648").cast(Type::Int),
            Err(EvalError::Cast { .. })
        ));
        assert_eq!(s("TrUe").cast(Type::Bool), Ok(Value::Bool(true)));
        assert!(matches!(
            s("yes").cast(Type::Bool),
            Err(EvalError::Cast { .. })
        ));
        assert_eq!(Value::Int(-3).cast(Type::Str), Ok(s("-3")));
        assert_eq!(Value::Int(-3).cast(Type::Bool), Ok(Value::Bool(true)));
        assert_eq!(Value::Int(0).cast(Type::Bool), Ok(Value::Bool(false)));
        assert_eq!(Value::Bool(true).cast(Type::Int), Ok(Value::Int(1)));
        assert_eq!(Value::Bool(false).cast(Type::Str), Ok(s("false")));
    }
}
