//! Go to definition, find references and rename, from the index.

use super::analysis::Snapshot;
use super::convert::{LineCache, LineIndex, path_to_uri};
use super::index::{Key, Occurrence, is_ident_char};
use lsp_types::{Location, Position, Range, TextEdit, Uri, WorkspaceEdit};
use std::collections::HashMap;
use std::path::Path;

/// The occurrence under the cursor.
pub fn occurrence_at<'s>(snap: &'s Snapshot, file: &Path, pos: Position) -> Option<&'s Occurrence> {
    let rel = snap.rel(file)?;
    let offset = LineIndex::new(snap.text(&rel)?).offset(pos);
    snap.index().at(&rel, offset)
}

fn location<'s>(snap: &'s Snapshot, o: &Occurrence, lines: &mut LineCache<'s>) -> Option<Location> {
    Some(Location::new(
        path_to_uri(&snap.abs(&o.file))?,
        cached_range(snap, o, lines)?,
    ))
}

fn cached_range<'s>(
    snap: &'s Snapshot,
    o: &Occurrence,
    lines: &mut LineCache<'s>,
) -> Option<Range> {
    Some(lines.range(snap.text(&o.file)?, o.start, o.end))
}

/// The protocol range of an occurrence (from the text it was found in).
pub fn range(snap: &Snapshot, o: &Occurrence) -> Option<Range> {
    cached_range(snap, o, &mut LineCache::default())
}

pub fn definition(snap: &Snapshot, file: &Path, pos: Position) -> Option<Location> {
    let o = occurrence_at(snap, file, pos)?;
    location(
        snap,
        snap.index().definition(&o.key)?,
        &mut LineCache::default(),
    )
}

pub fn references(snap: &Snapshot, file: &Path, pos: Position, with_decl: bool) -> Vec<Location> {
    let Some(o) = occurrence_at(snap, file, pos) else {
        return Vec::new();
    };
    let mut lines = LineCache::default();
    snap.index()
        .all(&o.key)
        .filter(|r| with_decl || !r.is_def)
        .filter_map(|r| location(snap, r, &mut lines))
        .collect()
}

/// The range of the name a rename would change, when there is one.
pub fn prepare_rename(snap: &Snapshot, file: &Path, pos: Position) -> Option<Range> {
    let o = occurrence_at(snap, file, pos)?;
    snap.index().definition(&o.key)?;
    range(snap, o)
}

/// Why a rename cannot be done.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenameError {
    #[error("nothing to rename here")]
    NothingHere,
    #[error("`{0}` is not a name: use letters, digits and `_`, starting with a letter")]
    NotAName(String),
    #[error("`{0}` is a keyword")]
    Keyword(String),
    #[error("`{0}` is declared already")]
    Taken(String),
}

pub fn rename(
    snap: &Snapshot,
    file: &Path,
    pos: Position,
    new_name: &str,
) -> Result<WorkspaceEdit, RenameError> {
    let o = occurrence_at(snap, file, pos).ok_or(RenameError::NothingHere)?;
    snap.index()
        .definition(&o.key)
        .ok_or(RenameError::NothingHere)?;
    let valid = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && new_name.chars().all(is_ident_char);
    if !valid {
        return Err(RenameError::NotAName(new_name.to_string()));
    }
    if air_compiler::ast::KEYWORDS.contains(&new_name) {
        return Err(RenameError::Keyword(new_name.to_string()));
    }
    let renamed = match &o.key {
        Key::Decl { app, kind, .. } => Key::Decl {
            app: *app,
            kind: *kind,
            name: new_name.to_string(),
        },
        Key::Label { app, workflow, .. } => Key::Label {
            app: *app,
            workflow: workflow.clone(),
            name: new_name.to_string(),
        },
    };
    if snap.index().definition(&renamed).is_some() {
        return Err(RenameError::Taken(new_name.to_string()));
    }
    // The protocol's type; `Uri` hashes its text, which never changes.
    #[allow(clippy::mutable_key_type)]
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    let mut lines = LineCache::default();
    for r in snap.index().all(&o.key) {
        if let (Some(uri), Some(range)) = (
            path_to_uri(&snap.abs(&r.file)),
            cached_range(snap, r, &mut lines),
        ) {
            changes
                .entry(uri)
                .or_default()
                .push(TextEdit::new(range, new_name.to_string()));
        }
    }
    Ok(WorkspaceEdit::new(changes))
}
