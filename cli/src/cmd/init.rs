//! `air init`: scaffold a working app from a template (cli/templates/*,
//! embedded at build time). Writes nothing when any file it would write
//! exists already.

use crate::cmd::fail;
use crate::exit;
use std::path::{Path, PathBuf};

/// Create a new app: air.toml, an event, a function, a workflow and a test.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air init shop                      # a new folder `shop`\n  air init . --template schedule     # here, from the `schedule` template\n  air init --list"
)]
pub struct Args {
    /// The folder to create the app in (created when missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Which template to start from (`air init --list` shows them).
    #[arg(long, short, default_value = "event")]
    pub template: String,
    /// The app's name (default: the folder's name, in kebab-case).
    #[arg(long)]
    pub name: Option<String>,
    /// List the templates.
    #[arg(long)]
    pub list: bool,
}

/// One template: its files as (path, text with `{{name}}` placeholders).
pub struct Template {
    pub name: &'static str,
    pub summary: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

macro_rules! files {
    ($dir:literal: $($file:literal),*) => {
        &[$(($file, include_str!(concat!("../../templates/", $dir, "/", $file)))),*]
    };
}

pub const TEMPLATES: &[Template] = &[
    Template {
        name: "event",
        summary: "an event starts a workflow that calls a function and emits an event",
        files: files!("event": "air.toml", "events.air", "functions.air", "workflow.air", "tests.air", "README.md"),
    },
    Template {
        name: "schedule",
        summary: "a cron schedule starts a workflow that calls a function and emits an event",
        files: files!("schedule": "air.toml", "events.air", "functions.air", "workflow.air", "tests.air", "README.md"),
    },
];

/// Why an app could not be scaffolded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InitError {
    #[error("no template `{0}`; `air init --list` shows them")]
    UnknownTemplate(String),
    #[error(
        "`{0}` is not a usable app name: lowercase letters, digits and `-`, starting with a letter, at most 63 characters (use --name)"
    )]
    BadName(String),
    #[error("refusing to overwrite {0}")]
    Exists(String),
    #[error("{0}")]
    Io(String),
}

pub fn run(args: Args) -> u8 {
    if args.list {
        for t in TEMPLATES {
            println!("{:<10} {}", t.name, t.summary);
        }
        return exit::OK;
    }
    match init(&args.dir, &args.template, args.name.as_deref()) {
        Ok(written) => {
            for f in &written {
                eprintln!("created {}", f.display());
            }
            eprintln!(
                "next: `air check {0}`, `air test {0}`, `air build {0}`",
                args.dir.display()
            );
            exit::OK
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// Write template `template` into `dir`; the files written.
pub fn init(dir: &Path, template: &str, name: Option<&str>) -> Result<Vec<PathBuf>, InitError> {
    let t = TEMPLATES
        .iter()
        .find(|t| t.name == template)
        .ok_or_else(|| InitError::UnknownTemplate(template.to_string()))?;
    let name = match name {
        Some(n) => n.to_string(),
        None => default_name(dir),
    };
    if !air_compiler::manifest::is_dns_label(&name)
        || !name.starts_with(|c: char| c.is_ascii_lowercase())
    {
        return Err(InitError::BadName(name));
    }
    let targets: Vec<PathBuf> = t.files.iter().map(|(f, _)| dir.join(f)).collect();
    let existing: Vec<String> = targets
        .iter()
        .filter(|p| p.exists())
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if !existing.is_empty() {
        return Err(InitError::Exists(existing.join(", ")));
    }
    std::fs::create_dir_all(dir).map_err(|e| InitError::Io(format!("{}: {e}", dir.display())))?;
    for ((_, text), path) in t.files.iter().zip(&targets) {
        // `create_new`: a file that appeared meanwhile is still not overwritten.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| InitError::Io(format!("{}: {e}", path.display())))?;
        std::io::Write::write_all(&mut f, text.replace("{{name}}", &name).as_bytes())
            .map_err(|e| InitError::Io(format!("{}: {e}", path.display())))?;
    }
    Ok(targets)
}

/// The folder's name in kebab-case (`My Shop` → `my-shop`).
fn default_name(dir: &Path) -> String {
    let base = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let words: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    air_compiler::model::kebab_case(&words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_and_names_the_files() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("My Shop");
        let written = init(&dir, "event", None)?;
        assert_eq!(written.len(), TEMPLATES[0].files.len());
        let toml = std::fs::read_to_string(dir.join("air.toml"))?;
        assert!(toml.contains("name = \"my-shop\""), "{toml}");
        std::fs::write(dir.join("workflow.air"), "mine")?;
        let again = init(&dir, "event", None);
        assert!(matches!(again, Err(InitError::Exists(_))), "{again:?}");
        assert_eq!(std::fs::read_to_string(dir.join("workflow.air"))?, "mine");
        assert_eq!(
            init(&dir, "nope", None),
            Err(InitError::UnknownTemplate("nope".into()))
        );
        assert_eq!(
            init(&tmp.path().join("x"), "event", Some("Bad_Name")),
            Err(InitError::BadName("Bad_Name".into()))
        );
        Ok(())
    }
}
