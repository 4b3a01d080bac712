//! Between the compiler's byte offsets and the protocol's positions
//! (line + UTF-16 code unit, the encoding every client supports), and
//! between `file://` URIs and paths.

use lsp_types::{Position, Range, Uri};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Line starts of one text, for offset ↔ position conversions.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The position of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character: usize = self
            .text
            .get(start..offset)
            .map(|s| s.chars().map(char::len_utf16).sum())
            .unwrap_or(0);
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a position: past the end of a line means its
    /// end, past the last line the end of the text, and a position inside
    /// a surrogate pair the character's start.
    pub fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let line_end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let line = self.text.get(start..line_end).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units + c.len_utf16() > pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        line_end
    }
}

/// Line indexes of several texts, each built once: a request that places
/// many spans (diagnostics, references) would otherwise scan a file per span.
#[derive(Default)]
pub struct LineCache<'t> {
    /// By the address of the text (texts are not moved while borrowed).
    by_text: HashMap<usize, LineIndex<'t>>,
}

impl<'t> LineCache<'t> {
    pub fn range(&mut self, text: &'t str, start: usize, end: usize) -> Range {
        self.by_text
            .entry(text.as_ptr() as usize)
            .or_insert_with(|| LineIndex::new(text))
            .range(start, end)
    }
}

/// The path of a `file://` URI (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path` names another machine: only the local form.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file://` URI of an absolute path (reserved bytes percent-encoded).
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "ab\n€x😀y\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(0), Position::new(0, 0));
        assert_eq!(idx.position(3), Position::new(1, 0));
        // '€' is 3 bytes, 1 unit; '😀' is 4 bytes, 2 units.
        assert_eq!(idx.position(7), Position::new(1, 2));
        assert_eq!(idx.position(11), Position::new(1, 4));
        for offset in [0, 2, 3, 6, 7, 11, 12, 13] {
            assert_eq!(idx.offset(idx.position(offset)), offset);
        }
        assert_eq!(idx.offset(Position::new(0, 99)), 2);
        assert_eq!(idx.offset(Position::new(9, 0)), text.len());
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/my app/ä.air");
        let uri = path_to_uri(p);
        assert_eq!(
            uri.as_ref().map(|u| u.as_str()),
            Some("file:///tmp/my%20app/%C3%A4.air")
        );
        assert_eq!(uri.and_then(|u| uri_to_path(&u)).as_deref(), Some(p));
        let other = Uri::from_str("untitled:Untitled-1").ok();
        assert_eq!(other.and_then(|u| uri_to_path(&u)), None);
    }
}
