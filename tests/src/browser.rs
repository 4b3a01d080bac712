//! Headless Chromium for the tests that need a real browser (the Mermaid
//! check of `air diff --format markdown`, the controller's dashboard).

use std::path::Path;
use std::process::Command;

/// The Chromium binary on this machine, if any.
pub fn chromium() -> Result<String, String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
        .ok_or_else(|| "chromium not found: apt-get install -y chromium".to_string())
}

/// `chromium --headless … --dump-dom`, with the flags that keep it quiet
/// on a machine without network (no background connections, no sync) and
/// a fresh profile in `profile`; add the page (file or URL) and run.
pub fn dump_dom(chromium: &str, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg("--dump-dom");
    cmd
}
