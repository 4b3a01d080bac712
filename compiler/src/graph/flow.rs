//! Checks over one workflow's control-flow graph: bad jumps, unreachable
//! steps, code after `return`/`fail`, cycles that never finish.

use super::analysis::{stuck_cycles, unreachable_steps};
use super::cfg::{BadJump, Cfg};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, suggest};
use petgraph::graph::NodeIndex;

/// Every finding for one workflow, sorted by position.
pub fn check_cfg(cfg: &Cfg) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for bad in &cfg.bad_jumps {
        out.push(bad_jump(cfg, bad));
    }
    unreachable(cfg, &mut out);
    for cycle in stuck_cycles(cfg) {
        out.push(stuck(cfg, &cycle));
    }
    out.sort_by_key(|d| (d.primary_span(), d.code));
    out
}

fn bad_jump(cfg: &Cfg, bad: &BadJump) -> Diagnostic {
    let name = &bad.target.name;
    let from = &cfg.graph[bad.from];
    let here = cfg
        .blocks
        .get(from.block)
        .map(|b| b.place.clone())
        .unwrap_or_default();
    match bad.found {
        Some(n) => {
            let there = cfg
                .blocks
                .get(cfg.graph[n].block)
                .map(|b| b.place.clone())
                .unwrap_or_default();
            Diagnostic::error(
                Code::E0402,
                format!("cannot jump to `{name}`: it is in {there}, not in {here}"),
            )
            .with_primary(bad.target.span, "target outside this block")
            .with_secondary(cfg.graph[n].span, format!("`{name}` is in {there}"))
            .with_help(
                "`then` and `switch` cases may target a step of their own block, or `end`, `exit` or `continue`",
            )
        }
        None => {
            let d = Diagnostic::error(Code::E0401, format!("no step named `{name}` in {here}"))
                .with_primary(bad.target.span, "unknown step");
            let suggestion = suggest(name, bad.candidates.iter().map(String::as_str));
            match suggestion {
                Some(s) => d.with_suggestion(Some(s)),
                None => d.with_help(
                    "a jump targets a step label of the same block, or `end`, `exit` or `continue`",
                ),
            }
        }
    }
}

/// W0402 for the first step after an unconditional `return`/`fail` that
/// nothing reaches; W0401 for other unreachable steps (the first of each
/// run of unreachable siblings, never inside an unreachable step).
fn unreachable(cfg: &Cfg, out: &mut Vec<Diagnostic>) {
    let dead = unreachable_steps(cfg);
    for block in &cfg.blocks {
        let mut prev: Option<NodeIndex> = None;
        for &n in &block.steps {
            let is_dead = dead.contains(&n);
            let inside_dead = block.parent.is_some_and(|p| dead.contains(&p));
            if is_dead && !inside_dead && !prev.is_some_and(|p| dead.contains(&p)) {
                let node = &cfg.graph[n];
                let after_stop = prev.filter(|&p| cfg.graph[p].stops);
                out.push(match after_stop {
                    Some(p) => {
                        let stop = &cfg.graph[p];
                        let what = if stop.keyword == "return" {
                            "the workflow returns here"
                        } else {
                            "the error is raised here"
                        };
                        Diagnostic::warning(
                            Code::W0402,
                            format!("unreachable step after `{}`", stop.keyword),
                        )
                        .with_primary(node.span, format!("`{}` never runs", node.name))
                        .with_secondary(stop.span, what)
                        .with_help("remove the dead steps, or make the `return`/`fail` conditional")
                    }
                    None => Diagnostic::warning(
                        Code::W0401,
                        format!("step `{}` is unreachable", node.name),
                    )
                    .with_primary(
                        node.span,
                        "no path from the start of the workflow leads here",
                    )
                    .with_help(format!(
                        "the step before it never continues here and no `then`/`case` targets `{}`",
                        node.name
                    )),
                });
            }
            prev = Some(n);
        }
    }
}

fn stuck(cfg: &Cfg, cycle: &[NodeIndex]) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|&n| cfg.graph[n].name.as_str()).collect();
    let walk = names.join(" → ");
    let Some(&first) = cycle.first() else {
        return Diagnostic::error(Code::E0403, "a cycle never finishes");
    };
    let mut d = Diagnostic::error(
        Code::E0403,
        format!(
            "workflow `{}` can never finish once it enters the cycle {walk}",
            cfg.workflow
        ),
    )
    .with_primary(cfg.graph[first].span, "this cycle has no way out");
    for pair in cycle.windows(2).skip(1) {
        let (a, b) = (pair[0], pair[1]);
        d = d.with_secondary(
            cfg.graph[a].span,
            format!("goes on to `{}`", cfg.graph[b].name),
        );
    }
    d.with_help("give the cycle an exit: a `switch` case or `when` that leaves it, `then end`, or a `return`")
}
