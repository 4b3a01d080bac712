//! `air completions SHELL`: the shell's completion script for `air`,
//! generated from the same argument definitions the binary parses.

use crate::exit;
use clap_complete::Shell;

/// Print a completion script for bash, zsh or fish.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air completions bash > ~/.local/share/bash-completion/completions/air\n  air completions zsh > ~/.zfunc/_air        # with `fpath+=~/.zfunc` before compinit\n  air completions fish > ~/.config/fish/completions/air.fish"
)]
pub struct Args {
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells `air completions` writes scripts for.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

pub fn run(args: Args) -> u8 {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut cmd = crate::command();
    clap_complete::generate(shell, &mut cmd, "air", &mut std::io::stdout());
    exit::OK
}
