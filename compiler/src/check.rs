//! Stage 3: types, jq, values, Knative limits and graphs.
//!
//! Sub-modules:
//! - [`values`]: pure validators on strings (cron, time zones, quantities,
//!   image references, Kubernetes names), reusable by any stage;
//! - [`consts`]: compile-time evaluation of values (`params.x`, `+`);
//! - [`settings`]: function and workflow settings against Knative's and
//!   Serverless Workflow's limits;
//! - [`jq`]: jq syntax of every `${ }` and `.data.x` paths against the
//!   start event's schema;
//! - [`types`]: literal data against declared types (`emit`, `run`,
//!   `call`, param values);
//! - [`test_blocks`]: values in `test` blocks (`send` data types, jq
//!   predicates, HTTP statuses, literal data).
//!
//! Every check skips silently when a name does not resolve: resolution
//! has reported it already.

pub mod consts;
pub mod jq;
pub mod settings;
pub mod steps;
pub mod test_blocks;
pub mod types;
pub mod values;
pub(crate) mod walk;

#[cfg(test)]
mod tests;

use crate::codes::CodeInfo;
use crate::diagnostic::Diagnostics;
use crate::memo::WorkflowMemo;
use crate::model::{AppUnit, Program};
use crate::source::SourceMap;

pub use consts::eval_const;

pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "E0232",
        title: "variable named like a workflow runtime argument (`context`, `workflow`, …)",
    },
    CodeInfo {
        code: "E0233",
        title: "a step modifier is given twice",
    },
    CodeInfo {
        code: "E0405",
        title: "`return` inside a `parallel` or `race` branch",
    },
    CodeInfo {
        code: "E0406",
        title: "a step nested in a fork branch's `if`, `for` or `try` adds to `$context`",
    },
    CodeInfo {
        code: "E0407",
        title: "`$context.<name>` read inside the fork that sets it",
    },
    CodeInfo {
        code: "W0305",
        title: "`retry … max d` bounds the whole retrying, not each delay (write `within d`)",
    },
    CodeInfo {
        code: "W0304",
        title: "`catch E` around steps that can never raise `E`",
    },
    CodeInfo {
        code: "E0301",
        title: "invalid cron schedule",
    },
    CodeInfo {
        code: "E0302",
        title: "unknown time zone",
    },
    CodeInfo {
        code: "E0303",
        title: "duration must be greater than zero",
    },
    CodeInfo {
        code: "E0304",
        title: "invalid resource quantity",
    },
    CodeInfo {
        code: "E0305",
        title: "scale.min is greater than scale.max",
    },
    CodeInfo {
        code: "E0306",
        title: "malformed image reference",
    },
    CodeInfo {
        code: "E0307",
        title: "port out of range",
    },
    CodeInfo {
        code: "E0308",
        title: "invalid environment variable name",
    },
    CodeInfo {
        code: "E0309",
        title: "invalid Secret name or key",
    },
    CodeInfo {
        code: "E0310",
        title: "setting has a value of the wrong kind",
    },
    CodeInfo {
        code: "E0311",
        title: "jq syntax error",
    },
    CodeInfo {
        code: "E0312",
        title: "resource limit below its request",
    },
    CodeInfo {
        code: test_blocks::E_STATUS_RANGE,
        title: "HTTP status outside 100–599",
    },
    CodeInfo {
        code: test_blocks::E_NOT_LITERAL,
        title: "runtime expression inside test data",
    },
    CodeInfo {
        code: test_blocks::E_CE_ATTRIBUTE,
        title: "invalid CloudEvents attribute in `send … with`",
    },
    CodeInfo {
        code: "E0320",
        title: "unknown field in data",
    },
    CodeInfo {
        code: "E0321",
        title: "missing required field",
    },
    CodeInfo {
        code: "E0322",
        title: "value does not match the declared type",
    },
    CodeInfo {
        code: "E0323",
        title: "value not in the enum",
    },
    CodeInfo {
        code: "E0501",
        title: "port reserved by Knative",
    },
    CodeInfo {
        code: "E0502",
        title: "environment variable reserved by Knative",
    },
    CodeInfo {
        code: "E0503",
        title: "function timeout above Knative's maximum",
    },
    CodeInfo {
        code: "E0504",
        title: "scale.concurrency out of range",
    },
    CodeInfo {
        code: "E0505",
        title: "scale.target below 0.01",
    },
    CodeInfo {
        code: "E0506",
        title: "function name too long for Knative's derived names",
    },
    CodeInfo {
        code: "E0507",
        title: "more than one port",
    },
    CodeInfo {
        code: "W0301",
        title: "image without a tag",
    },
    CodeInfo {
        code: "W0302",
        title: "image tagged `latest`",
    },
    CodeInfo {
        code: "W0303",
        title: "jq path into event data names an unknown field",
    },
];

/// Run every check over a resolved program.
///
/// `memo` keeps per-workflow results between compilations (the language
/// server's; see [`crate::memo`]).
pub fn check(
    program: &Program,
    sources: &SourceMap,
    memo: Option<&WorkflowMemo>,
    diags: &mut Diagnostics,
) {
    // Only the root app is checked: imported apps contribute declarations
    // (types, events, errors, services) and are checked when compiled on
    // their own.
    //
    // The checks of values and the workflow graphs are independent: they
    // run side by side, and their findings are recorded in this order.
    let work = program.root().map_or(0, AppUnit::workflow_bytes);
    let (values, graphs) = crate::par::join(
        work,
        || {
            let mut found = Diagnostics::new();
            if program.root().is_some() {
                let cx = walk::Cx {
                    program,
                    app: 0,
                    sources,
                };
                settings::check_app(&cx, &mut found);
                jq::check_app(&cx, &mut found);
                types::check_app(&cx, &mut found);
                test_blocks::check_app(&cx, &mut found);
                steps::check_app(&cx, &mut found);
            }
            found
        },
        || {
            let mut found = Diagnostics::new();
            crate::graph::check_graphs(program, sources, memo, &mut found);
            found
        },
    );
    diags.extend(values.into_vec());
    diags.extend(graphs.into_vec());
}
