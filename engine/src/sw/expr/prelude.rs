//! jq's standard definitions (jaq's `def`s written in jq: `map`, `select`,
//! `tostring`, `@base64`, …), parsed once per thread, and the part of them
//! one program can reach.
//!
//! jaq compiles every definition it is given into every filter: about
//! 110 KB and most of the compile time of a one-line program. Each program
//! gets only the definitions whose names it mentions, and the definitions
//! those mention, transitively. Names are found by words, not by parsing:
//! a word that is not a call (a key, a string) only adds a definition, so
//! the set can be too large but never too small (every call of a
//! definition spells its name, as a word of the program or of the body of
//! a definition that is kept; jaq's compiler calls none by name itself
//! but `!empty`, which the loader defines).

use jaq_core::load::parse::Def;
use std::collections::HashMap;

/// The definitions, with those each one's body mentions.
pub struct Prelude {
    defs: Vec<Def>,
    /// For each definition, the indices of the definitions named by a
    /// word of its body (its debug form).
    mentions: Vec<Vec<usize>>,
    /// The indices of the definitions of a name (one per arity).
    by_name: HashMap<&'static str, Vec<usize>>,
}

impl Prelude {
    /// jaq's core, std and JSON definitions, but those named in `forbidden`.
    pub fn new(forbidden: &[&str]) -> Self {
        let defs: Vec<Def> = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs())
            .filter(|def| !forbidden.contains(&def.name))
            .collect();
        let mut by_name: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, d) in defs.iter().enumerate() {
            by_name.entry(d.name).or_default().push(i);
        }
        let mentions = defs
            .iter()
            .map(|d| {
                words(&format!("{:?}", d.body))
                    .filter_map(|w| by_name.get(w))
                    .flatten()
                    .copied()
                    .collect()
            })
            .collect();
        Prelude {
            defs,
            mentions,
            by_name,
        }
    }

    /// The definitions `program` can reach, in their original order (a
    /// definition sees only those before it).
    pub fn for_program(&self, program: &str) -> Vec<Def> {
        let mut keep = vec![false; self.defs.len()];
        let mut todo: Vec<usize> = words(program)
            .filter_map(|w| self.by_name.get(w))
            .flatten()
            .copied()
            .collect();
        while let Some(i) = todo.pop() {
            if keep.get(i).copied().unwrap_or(true) {
                continue;
            }
            keep[i] = true;
            todo.extend(self.mentions.get(i).into_iter().flatten());
        }
        self.defs
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(d, _)| d.clone())
            .collect()
    }

    /// Every definition's name and arity.
    #[cfg(test)]
    pub fn signatures(&self) -> Vec<(&'static str, usize)> {
        self.defs.iter().map(|d| (d.name, d.args.len())).collect()
    }
}

/// The words of `text`: runs of letters, digits, `_` and `@` (jq names,
/// formats such as `@base64`).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::{Args, FORBIDDEN, Jq, compile};
    use super::*;
    use serde_json::json;

    /// A program that calls each definition (with `.` for every
    /// argument) compiles with only what it reaches: no definition is
    /// missing from any closure.
    #[test]
    fn every_definition_compiles_with_what_it_reaches() {
        let prelude = Prelude::new(FORBIDDEN);
        let signatures = prelude.signatures();
        assert!(signatures.len() > 80, "{}", signatures.len());
        for (name, arity) in signatures {
            let program = match arity {
                0 => name.to_string(),
                n => format!("{name}({})", vec!["."; n].join("; ")),
            };
            let kept = prelude.for_program(&program).len();
            assert!(kept >= 1, "`{program}` keeps nothing");
            if let Err(e) = compile(&program, &[]) {
                panic!("`{program}` ({kept} definitions kept): {e}");
            }
        }
    }

    #[test]
    fn a_program_gets_only_what_it_mentions() {
        let prelude = Prelude::new(FORBIDDEN);
        assert!(prelude.for_program(". + 1 | .a").is_empty());
        let names = |p: &str| -> Vec<&'static str> {
            prelude.for_program(p).iter().map(|d| d.name).collect()
        };
        let kept = names("map(select(.x)) | @base64");
        for name in ["map", "select", "@base64", "tostring"] {
            assert!(kept.contains(&name), "{name} missing from {kept:?}");
        }
        assert!(!kept.contains(&"@sh"), "{kept:?}");
        assert!(!kept.contains(&"paths"), "{kept:?}");
    }

    /// Programs through the whole standard library give jq's answers.
    #[test]
    fn pruned_programs_give_jq_answers() {
        let jq = Jq::default();
        let args = Args::default();
        let cases = [
            (
                "[.[] | select(. > 1)] | map(. * 2)",
                json!([1, 2, 3]),
                json!([4, 6]),
            ),
            (
                "to_entries | from_entries",
                json!({"a": 1}),
                json!({"a": 1}),
            ),
            ("[paths]", json!({"a": [1]}), json!([["a"], ["a", 0]])),
            ("@base64 | @base64d", json!("hi"), json!("hi")),
            ("[limit(2; range(10))]", json!(null), json!([0, 1])),
            (
                "[.[] | tostring] | join(\",\")",
                json!([1, "a"]),
                json!("1,a"),
            ),
            ("any(. > 2)", json!([1, 3]), json!(true)),
            ("[recurse] | length", json!({"a": {"b": 1}}), json!(3)),
            ("ascii_downcase | test(\"^ab\")", json!("ABC"), json!(true)),
            (
                "with_entries(.value += 1)",
                json!({"a": 1}),
                json!({"a": 2}),
            ),
        ];
        for (program, input, expected) in cases {
            assert_eq!(jq.eval(program, &input, &args), Ok(expected), "{program}");
        }
    }
}
