//! `air fmt` on a hostile checkout: planted temporary symlinks, links out
//! of the folder and back into it, symlinked sources, file modes, FIFOs.
//! Each test builds the attack in a fresh folder and runs the real binary.

use crate::bounded_support;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use bounded_support::run_bounded;
use std::process::{Command, Output};
use std::time::Duration;

const UNFORMATTED: &str = "workflow   hello {\n      on http\n  return {ok:true}\n}\n";

fn formatted() -> String {
    air_compiler::fmt::format_source(UNFORMATTED).expect("sample parses")
}

/// Run `air fmt` on `args`; killed if it runs past a generous bound, so a
/// hang fails the test instead of stalling the suite.
fn fmt(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_air"));
    cmd.arg("fmt").args(args).current_dir(dir);
    run_bounded(cmd, Duration::from_secs(60), "air fmt")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_planted_temporary_symlink_is_never_written_through() {
    let tmp = tempfile::tempdir().expect("tmp");
    let victim = tmp.path().join("victim");
    write(&victim, "precious\n");
    let app = tmp.path().join("app");
    write(&app.join("a.air"), UNFORMATTED);
    // The old temporary name, and the new prefix, both planted.
    symlink(&victim, app.join("a.air.fmt-tmp")).expect("link");
    symlink(&victim, app.join(".a.air.fmt-tmp")).expect("link");
    let o = fmt(tmp.path(), &["app"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&victim), "precious\n");
    let meta = std::fs::symlink_metadata(app.join("a.air")).expect("meta");
    assert!(meta.is_file(), "a.air must stay a regular file");
    assert_eq!(read(&app.join("a.air")), formatted());
}

#[test]
fn folder_links_out_of_the_tree_are_not_followed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let outside = tmp.path().join("outside");
    write(&outside.join("x.air"), UNFORMATTED);
    let app = tmp.path().join("app");
    write(&app.join("a.air"), UNFORMATTED);
    symlink(&outside, app.join("out")).expect("link");
    symlink(outside.join("x.air"), app.join("far.air")).expect("link");
    let o = fmt(tmp.path(), &["app"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&outside.join("x.air")), UNFORMATTED);
    assert_eq!(read(&app.join("a.air")), formatted());
    let e = stderr(&o);
    assert!(e.contains("app/out: symlink to a path outside"), "{e}");
    assert!(e.contains("app/far.air: symlink to a path outside"), "{e}");
}

#[test]
fn a_symlinked_source_stays_a_symlink_and_its_target_is_formatted() {
    let tmp = tempfile::tempdir().expect("tmp");
    let app = tmp.path().join("app");
    write(&app.join("real/b.air"), UNFORMATTED);
    symlink("real/b.air", app.join("link.air")).expect("link");
    let o = fmt(tmp.path(), &["app/link.air"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta = std::fs::symlink_metadata(app.join("link.air")).expect("meta");
    assert!(
        meta.file_type().is_symlink(),
        "link.air must stay a symlink"
    );
    assert_eq!(read(&app.join("real/b.air")), formatted());
}

#[test]
fn file_modes_are_kept() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("a.air");
    write(&file, UNFORMATTED);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let o = fmt(tmp.path(), &["."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&file), formatted());
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_fifo_named_air_is_skipped() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(&tmp.path().join("a.air"), UNFORMATTED);
    let made = Command::new("mkfifo")
        .arg(tmp.path().join("pipe.air"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let o = fmt(tmp.path(), &["."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("pipe.air: not a regular file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(&tmp.path().join("a.air")), formatted());
}

#[test]
fn links_back_into_the_tree_and_loops_end() {
    let tmp = tempfile::tempdir().expect("tmp");
    let app = tmp.path().join("app");
    write(&app.join("sub/a.air"), UNFORMATTED);
    symlink("..", app.join("sub/up")).expect("link");
    symlink("../sub", app.join("sub/again")).expect("link");
    symlink("self.air", app.join("self.air")).expect("link");
    let o = fmt(tmp.path(), &["app", "--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(out, "would reformat app/sub/a.air\n");
    assert!(
        stderr(&o).contains("self.air: symlink loop"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_byte_order_mark_is_accepted_and_dropped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("a.air");
    write(&file, &format!("\u{feff}{UNFORMATTED}"));
    let o = fmt(tmp.path(), &["."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&file), formatted());
}
