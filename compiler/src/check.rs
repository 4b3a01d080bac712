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

pub(crate) mod consts;
pub(crate) mod jq;
pub(crate) mod settings;
pub(crate) mod steps;
pub(crate) mod test_blocks;
pub(crate) mod types;
pub mod values;
pub(crate) mod walk;

#[cfg(test)]
mod tests;

use crate::diagnostic::Diagnostics;
use crate::memo::WorkflowMemo;
use crate::model::{AppUnit, Program};
use crate::source::SourceMap;

pub use consts::eval_const;

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
