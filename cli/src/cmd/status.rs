//! `air status` (being built: see the issue tracker).

use std::path::PathBuf;

/// Not available yet.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments.
    pub rest: Vec<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let _ = args;
    crate::cmd::fail("`air status` is not implemented yet")
}
