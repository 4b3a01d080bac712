//! System tools some tests need (Graphviz, Chromium, kubectl, …): one rule
//! everywhere. Present → the test runs. Missing under `CI=true` → the test
//! fails (.ci/run installs them, so a missing tool there is a broken CI).
//! Missing elsewhere → the test prints `SKIPPED: …` and passes, so a fresh
//! clone passes README's test command on a machine without them.

/// Whether `program` is an executable file on `PATH`. Missing outside CI
/// prints the reason and returns false.
pub fn require(program: &str, package: &str) -> bool {
    if on_path(program) {
        return true;
    }
    missing(&format!(
        "`{program}` is not installed (Debian package {package})"
    ))
}

fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Report a missing tool: a failure under `CI=true`, a printed skip elsewhere.
pub fn missing(reason: &str) -> bool {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{reason}; required when CI=true (.ci/run installs it)");
    }
    eprintln!("SKIPPED: {reason}");
    false
}
