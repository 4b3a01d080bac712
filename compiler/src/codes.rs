//! The registry of diagnostic codes: every code is a variant of [`Code`],
//! declared once below with its title, so a misspelt or unregistered code
//! does not compile. Its printed and serialized form is the code itself
//! (`E0201`), the name of its page `docs/diagnostics/<CODE>.md` (a test
//! checks that every code has one; `air explain` embeds them).
//!
//! Codes are stable and never reused: E01xx syntax, E02xx names, imports
//! and params, E03xx types and values, E04xx graphs, E05xx target limits
//! (Knative, Serverless Workflow), W0xxx warnings and notes. A code no
//! check reports any more stays, marked `retired`, so its number is never
//! given to something else. A code marked `guard` comes from a defensive
//! check that no fixture can reach: an earlier check reports the same
//! problem under another code first, or only a syntax tree built without
//! the parser or a file of 4 GiB gets there; unit tests cover these. Every
//! other code is reported by at least one fixture under tests/fixtures
//! (tests/tests/codes.rs checks both ways).
//!
//! This module is a leaf: every stage imports it, it imports no stage.

use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// Declares [`Code`] from `CODE => "title" [retired | guard],` lines.
macro_rules! codes {
    ($( $code:ident => $title:literal $($mark:ident)?, )*) => {
        /// A registered diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $( #[doc = $title] $code, )*
        }

        impl Code {
            /// Every registered code, retired ones included, in code order.
            pub const ALL: &'static [Code] = &[$( Code::$code, )*];

            /// The code as printed: `E0201`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$code => stringify!($code), )*
                }
            }

            /// One line: what the code reports.
            pub const fn title(self) -> &'static str {
                match self {
                    $( Code::$code => $title, )*
                }
            }

            /// Whether no check reports this code any more (kept so its
            /// number is never reused).
            pub const fn is_retired(self) -> bool {
                match self {
                    $( Code::$code => codes!(@is retired $($mark)?), )*
                }
            }

            /// Whether only a defensive check reports this code, one that
            /// source text cannot reach (see the module's documentation).
            pub const fn is_guard(self) -> bool {
                match self {
                    $( Code::$code => codes!(@is guard $($mark)?), )*
                }
            }
        }
    };
    (@is $want:ident) => { false };
    (@is retired retired) => { true };
    (@is guard guard) => { true };
    (@is $want:ident $mark:ident) => { false };
}

codes! {
    // Syntax (`parse`).
    E0100 => "syntax error: unexpected token",
    E0101 => "unterminated string",
    E0102 => "unterminated block comment",
    E0103 => "unterminated runtime expression `${`",
    E0104 => "invalid escape in a string",
    E0105 => "nesting too deep",
    E0106 => "keyword used as a name",
    E0107 => "duration too large",
    E0108 => "number out of range",
    E0109 => "closing bracket without an opening one",
    E0110 => "unclosed bracket",
    // guard: only a file of 4 GiB or more.
    E0111 => "file too large" guard,
    E0112 => "number out of range",
    // Names, imports, air.toml and params (`resolve`, `manifest`; E0232–E0233 from `check/steps`).
    E0200 => "app folder without air.toml",
    E0201 => "unknown name",
    E0202 => "duplicate declaration",
    E0203 => "two declarations derive the same Kubernetes name",
    E0204 => "derived Kubernetes name too long",
    // guard: the parser reports a keyword used as a name first (E0106).
    E0205 => "keyword used as a name" guard,
    E0206 => "unknown import alias",
    E0207 => "name not found in the imported app",
    E0208 => "declaration kind cannot be imported",
    E0209 => "import path leaves the repository",
    E0210 => "imported app folder not found",
    E0211 => "import cycle",
    E0212 => "duplicate step label or branch name",
    E0213 => "unknown setting",
    E0214 => "required setting missing",
    E0215 => "secret(..) outside secret_env",
    E0216 => "setting given twice",
    E0217 => "function triggered by something other than an event",
    E0218 => "setting written in the wrong form",
    E0219 => "app folder could not be read",
    E0220 => "air.toml is not valid TOML",
    E0221 => "unknown key in air.toml",
    E0222 => "air.toml value of the wrong type",
    E0223 => "required air.toml key missing",
    E0224 => "invalid air.toml value",
    E0225 => "unknown environment",
    E0226 => "param without a value",
    E0227 => "param value of the wrong type",
    E0228 => "param default is not a compile-time value",
    E0229 => "two tests of one app have the same name",
    E0230 => "a test's `call` has the wrong form for its target (method and path on a function, or none on a service)",
    E0231 => "`tick` of a workflow without a schedule",
    E0232 => "variable named like a workflow runtime argument (`context`, `workflow`, …)",
    E0233 => "a step modifier is given twice",
    // Types and values (`check`).
    E0301 => "invalid cron schedule",
    E0302 => "unknown time zone",
    E0303 => "duration must be greater than zero",
    E0304 => "invalid resource quantity",
    E0305 => "scale.min is greater than scale.max",
    E0306 => "malformed image reference",
    E0307 => "port out of range",
    E0308 => "invalid environment variable name",
    E0309 => "invalid Secret name or key",
    E0310 => "setting has a value of the wrong kind",
    E0311 => "jq syntax error",
    E0312 => "resource limit below its request",
    E0313 => "HTTP status outside 100–599",
    E0314 => "runtime expression inside test data",
    E0315 => "invalid CloudEvents attribute in `send … with`",
    E0320 => "unknown field in data",
    E0321 => "missing required field",
    E0322 => "value does not match the declared type",
    E0323 => "value not in the enum",
    // Graphs (`graph`; E0405 from `check/steps`).
    E0401 => "jump to an unknown step",
    E0402 => "jump to a step in another block",
    E0403 => "cycle with no path to the end of the workflow",
    E0404 => "workflows `run` each other in a cycle",
    E0405 => "`return` inside a `parallel` or `race` branch",
    E0406 => "a step nested in a fork branch's `if`, `for` or `try` adds to `$context`",
    E0407 => "`$context.<name>` read inside the fork that sets it",
    // Target limits: Knative and Serverless Workflow (`check/settings`; E055x from `lower/sw`, E057x from `lower`).
    E0501 => "port reserved by Knative",
    E0502 => "environment variable reserved by Knative",
    E0503 => "function timeout above Knative's maximum",
    E0504 => "scale.concurrency out of range",
    E0505 => "scale.target below 0.01",
    E0506 => "function name too long for Knative's derived names",
    E0507 => "more than one port",
    // guard: resolve reports unknown names (E0201) and params without a
    // value (E0226) first.
    E0550 => "reference cannot be lowered: the declaration or param it names is missing" guard,
    E0551 => "GET/DELETE query parameter is not a scalar value",
    // guard: the grammar admits only an object or `${ }` after `run wf`.
    E0552 => "`run` input must be an object or a runtime expression" guard,
    // guard: resolve reports `secret(…)` outside `secret_env` (E0215) first.
    E0553 => "`secret(…)` used in a workflow step" guard,
    E0554 => "concatenation of a value not known at compile time",
    E0555 => "workflow version is not a semantic version",
    E0556 => "a `call` path's URI-template variable has no value in the step's object",
    E0575 => "two emitted objects of one kind get the same name",
    E0576 => "a function's `where` filter cannot be expressed as a Trigger filter",
    // Retired (never reused): the same limit is E0503, which the checks
    // report before lowering, so this one could never be seen.
    E0577 => "(retired: reported as E0503) function timeout above Knative's maximum revision timeout" retired,
    // Warnings and notes of `resolve`.
    W0201 => "unused declaration",
    W0202 => "air.toml sets a param no `param` declares",
    // Warnings of `check`.
    W0301 => "image without a tag",
    W0302 => "image tagged `latest`",
    W0303 => "jq path into event data names an unknown field",
    W0304 => "`catch E` around steps that can never raise `E`",
    W0305 => "`retry … max d` bounds the whole retrying, not each delay (write `within d`)",
    // Warnings and notes of `graph`.
    W0401 => "unreachable step",
    W0402 => "unreachable step after `return` or `fail`",
    W0403 => "event loop",
    W0404 => "event consumed but never produced",
    W0405 => "event produced but never consumed (note)",
    // Notes of `lower`.
    W0501 => "a workflow's `where` filter runs in the engine (its Trigger filters on the type only)",
}

impl Code {
    /// The code named `name` (case-insensitive), if registered.
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(name))
    }
}

/// Codes order as their printed form, so sorting diagnostics by code is
/// the same whatever order the variants are declared in.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// JSON output, status and the language server carry the code as its
/// string (`"E0201"`), as before codes were typed.
impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_sorted_unique_and_well_formed() {
        for w in Code::ALL.windows(2) {
            assert!(
                w[0].as_str() < w[1].as_str(),
                "{} and {} out of order or registered twice",
                w[0],
                w[1]
            );
        }
        for c in Code::ALL {
            let s = c.as_str();
            let ok = s.len() == 5
                && (s.starts_with('E') || s.starts_with('W'))
                && s[1..].chars().all(|d| d.is_ascii_digit());
            assert!(ok, "malformed code {s}");
            assert!(!c.title().is_empty(), "{s} without a title");
        }
    }

    #[test]
    fn parse_is_case_insensitive_and_serializes_as_the_string() {
        assert_eq!(Code::parse("e0201"), Some(Code::E0201));
        assert_eq!(Code::parse("E9999"), None);
        assert_eq!(Code::E0201.to_string(), Code::E0201.as_str());
        assert_eq!(
            serde_json::to_value(Code::W0401).ok(),
            Some(serde_json::Value::String(Code::W0401.as_str().to_string()))
        );
        assert!(Code::E0577.is_retired() && !Code::E0503.is_retired());
        assert!(Code::E0205.is_guard() && !Code::E0205.is_retired());
        assert!(!Code::E0577.is_guard() && !Code::E0106.is_guard());
    }
}
