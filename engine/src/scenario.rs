//! Running an app's tests: each [`TestPlan`] in a fresh [`world::World`]
//! (engine, broker, schedules, mocks, virtual clock), then its
//! expectations ([`expect`]); results as [`report::TestResult`]s.

pub mod expect;
pub mod host;
pub mod matching;
pub mod report;
pub mod timeline;
pub mod wiring;
pub mod world;

use crate::plan::{TestBundle, TestPlan};
use expect::{Checker, StepIndex, TaskIndex};
use report::{Failure, TestResult};
use wiring::Wiring;
use world::World;

/// Run the tests of `bundle` whose name contains `filter` (all when
/// `None`), in order, against the app's compiled objects.
pub fn run_tests(wiring: &Wiring, bundle: &TestBundle, filter: Option<&str>) -> Vec<TestResult> {
    bundle
        .tests
        .iter()
        .filter(|t| filter.is_none_or(|f| t.name.contains(f)))
        .map(|t| run_test(wiring, &bundle.steps, t))
        .collect()
}

/// One test, start to end.
pub fn run_test(wiring: &Wiring, steps: &StepIndex, plan: &TestPlan) -> TestResult {
    let location = format!("{}:{}", plan.file, plan.line);
    let mut world = match World::new(wiring) {
        Ok(w) => w,
        Err(e) => {
            return TestResult {
                name: plan.name.clone(),
                location: location.clone(),
                failures: vec![Failure {
                    location,
                    message: format!("the compiled app cannot be loaded: {e}"),
                    step: None,
                }],
                trace: Vec::new(),
                virtual_ms: 0,
            };
        }
    };
    for step in &plan.steps {
        world.step(step);
    }
    world.settle();
    let runs = world.engine.runs();
    let mut failures: Vec<Failure> = world
        .problems
        .iter()
        .map(|(line, message)| Failure {
            location: format!("{}:{line}", plan.file),
            message: message.clone(),
            step: None,
        })
        .collect();
    let tasks = TaskIndex::new(world.engine.trace());
    failures.extend(Checker::new(plan, steps, &world.host, &runs, &tasks).check());
    let trace = timeline::merge(&world.notes, world.engine.trace());
    TestResult {
        name: plan.name.clone(),
        location,
        failures,
        trace,
        virtual_ms: world.engine.now_ms(),
    }
}
