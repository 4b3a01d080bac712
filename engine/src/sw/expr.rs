//! Runtime expressions: jq programs run with jaq.
//!
//! Compiled filters are cached per (program text, variable names). A
//! program sees only the variables it names (`$context`, `$input`, …): the
//! text is scanned for `$name` before compiling, so large arguments such as
//! `$workflow.definition` are converted to jaq values only when used. A
//! [`Var`] converts its value once and keeps the jaq form: a run's
//! `$workflow` (the whole document inside) is read by every expression on
//! the workflow input (`$workflow.input | (…)`), so converting it per
//! evaluation took a quarter of a run's time.
//!
//! Non-deterministic or process-level jq builtins (`env`, `halt`, `input`,
//! `localtime`, `debug`, …) are left out: a test must give the same result
//! every time, and no expression may end the process. `now` is the virtual
//! clock: programs that use it get `def now: $__now;` in front, and the
//! caller provides `__now` (seconds) among the arguments.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;
use serde::Deserialize;
use serde_json::{Map, Number, Value};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

mod prelude;
use prelude::Prelude;

type Filter = jaq_core::Filter<data::JustLut<Val>>;
/// A program and the variables it was compiled with.
type CacheKey = (String, Vec<Rc<str>>);

/// Builtins a test engine must not offer (real clock, environment, process
/// exit, stdin, local time zone, stderr).
const FORBIDDEN: &[&str] = &[
    "now",
    "env",
    "halt",
    "halt_error",
    "input",
    "inputs",
    "localtime",
    "strflocaltime",
    "debug",
    "debug_empty",
    "stderr",
    "stderr_empty",
    "input_filename",
];

/// Why an expression failed; becomes the standard `expression` error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    #[error("cannot compile `{program}`: {message}")]
    Compile { program: String, message: String },
    #[error("`{program}` failed: {message}")]
    Run { program: String, message: String },
}

/// A variable's value and, once an expression has used it, its jaq form.
/// Clones share both, so a value that outlives one evaluation (a run's
/// `$workflow`, `$runtime`) is converted once.
#[derive(Debug, Clone, Default)]
pub struct Var {
    json: Rc<Value>,
    jaq: Rc<OnceCell<Val>>,
}

impl Var {
    pub fn new(json: Value) -> Self {
        Var {
            json: Rc::new(json),
            jaq: Rc::default(),
        }
    }

    /// The value, as given.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The value, moved out when no clone shares it.
    pub fn into_json(self) -> Value {
        Rc::try_unwrap(self.json).unwrap_or_else(|shared| (*shared).clone())
    }

    /// The jaq form, converted at the first call.
    fn jaq(&self) -> Val {
        self.jaq.get_or_init(|| to_val(&self.json)).clone()
    }
}

/// The named arguments of one evaluation (`$context`, `$input`, loop
/// variables, `catch.as`, …), without the `$`.
#[derive(Debug, Clone, Default)]
pub struct Args {
    entries: Vec<(Rc<str>, Var)>,
}

impl Args {
    /// Set (or replace) one variable.
    pub fn set(&mut self, name: &str, value: Value) {
        self.set_var(name, Var::new(value));
    }

    /// Set (or replace) one variable with a shared value (see [`Var`]).
    pub fn set_var(&mut self, name: &str, value: Var) {
        if let Some(slot) = self.entries.iter_mut().find(|(n, _)| &**n == name) {
            slot.1 = value;
        } else {
            self.entries.push((Rc::from(name), value));
        }
    }

    /// Add (or replace with) every variable of `other`.
    pub fn extend(&mut self, other: &Args) {
        for (name, value) in &other.entries {
            self.set_var(name, value.clone());
        }
    }

    /// The variables whose `$name` occurs in `program`, in a stable order.
    fn used_by<'a>(&'a self, program: &str) -> Vec<&'a (Rc<str>, Var)> {
        let mut used: Vec<_> = self
            .entries
            .iter()
            .filter(|(name, _)| mentions(program, name))
            .collect();
        used.sort_by(|a, b| a.0.cmp(&b.0));
        used
    }
}

/// Whether `program` mentions `$name` as a whole identifier.
fn mentions(program: &str, name: &str) -> bool {
    mentions_needle(program, &format!("${name}"))
}

fn mentions_needle(program: &str, needle: &str) -> bool {
    program.match_indices(needle).any(|(at, _)| {
        let next = program[at + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Whether any string inside `value` (a task definition) mentions `$name`:
/// when none does, no expression of it can read the variable, and the
/// caller need not build it.
pub fn mentioned_in(value: &Value, name: &str) -> bool {
    fn walk(value: &Value, needle: &str) -> bool {
        match value {
            Value::String(s) => mentions_needle(s, needle),
            Value::Array(items) => items.iter().any(|v| walk(v, needle)),
            Value::Object(map) => map.values().any(|v| walk(v, needle)),
            _ => false,
        }
    }
    walk(value, &format!("${name}"))
}

/// Whether `program` may call `now` (a word match; a false positive only
/// costs the unused definition).
fn mentions_now(program: &str) -> bool {
    program.match_indices("now").any(|(at, _)| {
        let before = program[..at].chars().next_back();
        let after = program[at + 3..].chars().next();
        let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Most compiled filters the cache of one thread keeps; when full it
/// starts again empty. A filter with the definitions it reaches
/// ([`prelude`]) takes 10–20 KB, so this bounds the cache near 150 MB; the
/// generated 1,000-workflow app has about 1,010 distinct programs.
const CACHE_LIMIT: usize = 8_192;

type Cache = Rc<RefCell<HashMap<CacheKey, Rc<Filter>>>>;

thread_local! {
    /// Filters compiled on this thread, shared by every [`Jq`] on it: each
    /// test of `air test` runs on a fresh engine, and most of its programs
    /// were compiled for the tests before.
    static CACHE: Cache = Cache::default();
}

thread_local! {
    /// jq's standard definitions, parsed once per thread (each crate
    /// parses its definitions' source at every call); each program is
    /// compiled with those it reaches only.
    static PRELUDE: Prelude = Prelude::new(FORBIDDEN);
}

/// Compiles and runs jq programs; caches compiled filters (per thread, see
/// [`CACHE`]).
pub struct Jq {
    cache: Cache,
}

impl Default for Jq {
    fn default() -> Self {
        Jq {
            cache: CACHE.with(Rc::clone),
        }
    }
}

impl Jq {
    /// Run `program` on `input`; the first output is the result (none →
    /// `null`, as jq's `first` would leave nothing to take).
    pub fn eval(&self, program: &str, input: &Value, vars: &Args) -> Result<Value, ExprError> {
        let wrapped;
        let program = if mentions_now(program) {
            wrapped = format!("def now: $__now; {program}");
            wrapped.as_str()
        } else {
            program
        };
        let used = vars.used_by(program);
        let names: Vec<Rc<str>> = used.iter().map(|(n, _)| n.clone()).collect();
        let filter = self.compiled(program, &names)?;
        let values: Vec<Val> = used.iter().map(|(_, v)| v.jaq()).collect();
        let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new(values));
        let mut out = filter.id.run((ctx, to_val(input)));
        match out.next() {
            None => Ok(Value::Null),
            Some(Ok(v)) => Ok(from_val(&v)),
            Some(Err(exn)) => Err(ExprError::Run {
                program: program.to_string(),
                message: match exn.get_err() {
                    Ok(err) => err.to_string(),
                    Err(_) => "the program stopped".to_string(),
                },
            }),
        }
    }

    fn compiled(&self, program: &str, names: &[Rc<str>]) -> Result<Rc<Filter>, ExprError> {
        let key = (program.to_string(), names.to_vec());
        if let Some(f) = self.cache.borrow().get(&key) {
            return Ok(f.clone());
        }
        let filter = Rc::new(compile(program, names)?);
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, filter.clone());
        Ok(filter)
    }
}

fn compile(program: &str, names: &[Rc<str>]) -> Result<Filter, ExprError> {
    let fail = |message: String| ExprError::Compile {
        program: program.to_string(),
        message,
    };
    let defs = PRELUDE.with(|p| p.for_program(program));
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
        .filter(|(name, _, _)| !FORBIDDEN.contains(name));
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let modules = loader
        .load(
            &arena,
            File {
                code: program,
                path: (),
            },
        )
        .map_err(|errs| fail(format!("syntax error ({} problem(s))", errs.len())))?;
    let globals: Vec<String> = names.iter().map(|n| format!("${n}")).collect();
    Compiler::default()
        .with_funs(funs)
        .with_global_vars(globals.iter().map(String::as_str))
        .compile(modules)
        .map_err(|errs| {
            let undefined: Vec<String> = errs
                .iter()
                .flat_map(|(_, es)| es.iter().map(|(name, _)| name.to_string()))
                .collect();
            fail(format!("undefined: {}", undefined.join(", ")))
        })
}

/// serde_json → jaq (through serde; cannot fail for a `Value`).
pub fn to_val(v: &Value) -> Val {
    Val::deserialize(v).unwrap_or(Val::Null)
}

/// jaq → serde_json. Byte strings become (lossy) text; numbers keep integers
/// as integers; NaN and infinities become `null`, as in jq's output.
pub fn from_val(v: &Val) -> Value {
    match v {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => num_to_json(n),
        Val::BStr(b) | Val::TStr(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        Val::Arr(items) => Value::Array(items.iter().map(from_val).collect()),
        Val::Obj(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter() {
                let key = match k {
                    Val::BStr(b) | Val::TStr(b) => String::from_utf8_lossy(b).into_owned(),
                    other => from_val(other).to_string(),
                };
                out.insert(key, from_val(v));
            }
            Value::Object(out)
        }
    }
}

fn num_to_json(n: &jaq_json::Num) -> Value {
    use jaq_json::Num;
    match n {
        Num::Int(i) => Value::Number(Number::from(*i as i64)),
        Num::Float(f) => Number::from_f64(*f).map_or(Value::Null, |n| {
            // jq prints 2.0 as 2: keep integral floats integral.
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Value::Number(Number::from(*f as i64))
            } else {
                Value::Number(n)
            }
        }),
        other => serde_json::from_str::<Value>(&other.to_string())
            .ok()
            .filter(Value::is_number)
            .unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evaluates_with_variables_and_caches() {
        let jq = Jq::default();
        let mut vars = Args::default();
        vars.set("input", json!(1));
        vars.set("inputs2", json!(5));
        let before = jq.cache.borrow().len();
        let out = jq.eval("{ ids: [ $input, .id ] }", &json!({"id": 2}), &vars);
        assert_eq!(out, Ok(json!({"ids": [1, 2]})));
        assert_eq!(jq.cache.borrow().len(), before + 1);
        let again = jq.eval("{ ids: [ $input, .id ] }", &json!({"id": 3}), &vars);
        assert_eq!(again, Ok(json!({"ids": [1, 3]})));
        assert_eq!(jq.cache.borrow().len(), before + 1);
        // Another engine on this thread finds the filter compiled.
        let other = Jq::default();
        let third = other.eval("{ ids: [ $input, .id ] }", &json!({"id": 4}), &vars);
        assert_eq!(third, Ok(json!({"ids": [1, 4]})));
        assert_eq!(other.cache.borrow().len(), before + 1);
    }

    #[test]
    fn errors_are_typed_and_forbidden_builtins_absent() {
        let jq = Jq::default();
        let vars = Args::default();
        assert!(matches!(
            jq.eval(".a +", &json!({}), &vars),
            Err(ExprError::Compile { .. })
        ));
        assert!(matches!(
            jq.eval("env", &json!({}), &vars),
            Err(ExprError::Compile { .. })
        ));
        assert!(matches!(
            jq.eval("halt", &json!({}), &vars),
            Err(ExprError::Compile { .. })
        ));
        assert!(matches!(
            jq.eval("error(\"x\")", &json!({}), &vars),
            Err(ExprError::Run { .. })
        ));
        assert!(matches!(
            jq.eval("$nope", &json!({}), &vars),
            Err(ExprError::Compile { .. })
        ));
    }

    #[test]
    fn numbers_and_strings_round_trip() {
        let jq = Jq::default();
        let vars = Args::default();
        assert_eq!(jq.eval(". * 2", &json!(3), &vars), Ok(json!(6)));
        assert_eq!(jq.eval(". / 4", &json!(2), &vars), Ok(json!(0.5)));
        assert_eq!(
            jq.eval("\"Hello \\(.n)!\"", &json!({"n": "Doe"}), &vars),
            Ok(json!("Hello Doe!"))
        );
        assert_eq!(jq.eval("empty", &json!(1), &vars), Ok(Value::Null));
        let mut at = Args::default();
        at.set("__now", json!(86_400.5));
        assert_eq!(
            jq.eval("now | floor | strftime(\"%Y-%m-%d\")", &json!(null), &at),
            Ok(json!("1970-01-02"))
        );
        assert_eq!(jq.eval(".known", &json!({"known": 1}), &at), Ok(json!(1)));
        assert!(mentions("$a + 1", "a"));
        assert!(!mentions("$ab", "a"));
    }
}
