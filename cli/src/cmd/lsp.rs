//! `air lsp`: a Language Server Protocol server over stdio, for editors.
//!
//! Synchronous (lsp-server + lsp-types): one loop reads messages, keeps
//! the open buffers, and compiles an app again only when one of its files
//! changed and something asks (a request, or the debounce timer for
//! diagnostics). See docs/editors.md for editor set-ups.

mod analysis;
mod complete;
mod context;
mod convert;
mod diagnostics;
mod hover;
mod index;
mod navigate;
mod outline;
mod overlay;
mod server;

use crate::cmd::fail;
use crate::exit;

/// Run the language server on stdin/stdout (started by an editor).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air lsp          # editors start it; it speaks JSON-RPC on stdin/stdout\n\nSee docs/editors.md for VS Code, Neovim and Helix."
)]
pub struct Args {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: Args) -> u8 {
    match server::serve_stdio() {
        Ok(()) => exit::OK,
        Err(e) => fail(&e.to_string()),
    }
}
