//! Exit codes, the same for every subcommand (like `diff` and `cargo`):
//! 0 clean (warnings allowed), 1 findings (errors, warnings under
//! `--deny-warnings`, files `fmt --check` would change, diff changes),
//! 2 could not run (bad arguments, unreadable path, I/O).

pub const OK: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const ERROR: u8 = 2;
