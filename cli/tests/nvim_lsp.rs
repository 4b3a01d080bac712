//! A real editor on `air lsp`: headless Neovim (Debian package `neovim`)
//! with its built-in LSP client configured by editors/nvim/air.lua, on a
//! copy of the order example with a typo. It must show the diagnostic
//! `air check` gives and answer a hover on it. SKIPPED without `nvim`
//! outside CI; a failure under CI=true (.ci/run installs it).

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

#[test]
fn neovim_shows_a_diagnostic_and_a_hover() {
    if !air_tests::tools::require("nvim", "neovim") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    std::fs::create_dir(root.join(".git")).expect(".git");
    let app = root.join("shop");
    std::fs::create_dir(&app).expect("app");
    let example = repo().join("examples/order-fulfilment");
    for e in std::fs::read_dir(&example).expect("example") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), app.join(e.file_name())).expect("copy");
    }
    let fulfil = app.join("fulfil.air");
    let text = std::fs::read_to_string(&fulfil).expect("read");
    std::fs::write(&fulfil, text.replace("on OrderCreated", "on OrderCreatd")).expect("write");
    let out = root.join("nvim-out.txt");
    let status = Command::new("nvim")
        .current_dir(&app)
        .env("AIR_NVIM_OUT", &out)
        .args(["--headless", "-n", "-i", "NONE", "--clean", "--cmd"])
        .arg(format!("let g:air_path='{}'", env!("CARGO_BIN_EXE_air")))
        .arg("-c")
        .arg(format!(
            "luafile {}",
            repo().join("editors/nvim/air.lua").display()
        ))
        .args(["-c", "edit fulfil.air", "-c"])
        .arg(format!(
            "luafile {}",
            repo().join("cli/tests/nvim_support/probe.lua").display()
        ))
        .status()
        .expect("run nvim");
    assert!(status.success(), "nvim exited with {status}");
    let report = std::fs::read_to_string(&out).expect("nvim wrote its report");
    assert!(
        report.contains(
            "diagnostic E0201 3:6 unknown event `OrderCreatd` | no event of this name | help: did you mean `OrderCreated`?"
        ),
        "{report}"
    );
    assert!(
        report.contains("hover **E0201**: unknown name."),
        "{report}"
    );
}
