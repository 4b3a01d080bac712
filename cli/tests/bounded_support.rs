//! Running the `air` binary in a test with a bound on its time: a hang
//! fails the test (naming what hung) instead of stalling the suite.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `cmd` to its end, its output captured; kill it and fail the test
/// if it runs longer than `limit`.
pub fn run_bounded(mut cmd: Command, limit: Duration, what: &str) -> Output {
    let mut child = cmd
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run air");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}
