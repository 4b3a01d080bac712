//! The one span-keeping TOML reader: air.toml ([`crate::manifest`]) and the
//! reconciler's configuration read their documents through it, so both
//! point every problem at the key or value that causes it, and both suggest
//! keys the same way.
//!
//! The reader finds the problems; each caller words them through
//! [`TomlReader`] — as compiler diagnostics with spans (air.toml), or as
//! lines of the reconciler's configuration errors — and keeps positions
//! as it likes ([`TomlReader::Pos`]: a span in a file, an offset).

use crate::diagnostic::suggest;
use std::ops::Range;

pub use toml::Spanned;
pub use toml::de::{DeTable, DeValue};

/// One syntax error: where (an empty range at 0 when the parser gives
/// none) and what, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Range<usize>,
    pub message: String,
}

/// Parse `text`, recovering as far as the parser can: the document, or
/// every syntax error in it.
pub fn parse(text: &str) -> Result<Spanned<DeTable<'_>>, Vec<SyntaxError>> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if errors.is_empty() {
        return Ok(doc);
    }
    Err(errors
        .into_iter()
        .map(|e| SyntaxError {
            span: e.span().unwrap_or(0..0),
            message: e.message().trim().to_string(),
        })
        .collect())
}

/// The TOML type a key must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Table,
    String,
    Boolean,
}

/// A reader of one document: the caller words the problems and keeps the
/// positions; the provided methods read values and find the problems.
pub trait TomlReader {
    /// A position as the caller keeps it.
    type Pos: Copy;

    /// The position of a span of the document.
    fn pos(&self, span: Range<usize>) -> Self::Pos;

    /// `{prefix}{key}` is not one of `allowed`; `suggestion` is the
    /// closest of them, if one is close.
    fn unknown_key(
        &mut self,
        prefix: &str,
        key: &str,
        at: Self::Pos,
        allowed: &[&str],
        suggestion: Option<&str>,
    );

    /// `{prefix}{key}` holds `found` where `expected` belongs.
    fn wrong_type(
        &mut self,
        prefix: &str,
        key: &str,
        expected: Expected,
        found: &DeValue<'_>,
        at: Self::Pos,
    );

    /// Every key of `t` must be one of `allowed`.
    fn known_keys(&mut self, t: &DeTable<'_>, allowed: &[&str], prefix: &str) {
        for key in t.keys() {
            let k: &str = key.get_ref().as_ref();
            if !allowed.contains(&k) {
                let at = self.pos(key.span());
                let suggestion = suggest(k, allowed.iter().copied());
                self.unknown_key(prefix, k, at, allowed, suggestion);
            }
        }
    }

    /// The table under `key`, if there is one (a problem if `key` holds
    /// something else).
    fn table_at<'a, 'i>(
        &mut self,
        t: &'a DeTable<'i>,
        prefix: &str,
        key: &str,
    ) -> Option<&'a DeTable<'i>> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Table(inner) => Some(inner),
            other => {
                let at = self.pos(v.span());
                self.wrong_type(prefix, key, Expected::Table, other, at);
                None
            }
        }
    }

    /// The string under `key` and its position.
    fn string(&mut self, t: &DeTable<'_>, prefix: &str, key: &str) -> Option<(String, Self::Pos)> {
        let v = t.get(key)?;
        let at = self.pos(v.span());
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), at)),
            other => {
                self.wrong_type(prefix, key, Expected::String, other, at);
                None
            }
        }
    }

    /// The boolean under `key`.
    fn boolean(&mut self, t: &DeTable<'_>, prefix: &str, key: &str) -> Option<bool> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let at = self.pos(v.span());
                self.wrong_type(prefix, key, Expected::Boolean, other, at);
                None
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Problems as text, positions as offsets.
    #[derive(Default)]
    struct Lines(Vec<String>);

    impl TomlReader for Lines {
        type Pos = usize;
        fn pos(&self, span: Range<usize>) -> usize {
            span.start
        }
        fn unknown_key(
            &mut self,
            prefix: &str,
            key: &str,
            at: usize,
            _: &[&str],
            suggestion: Option<&str>,
        ) {
            self.0
                .push(format!("{at}: unknown {prefix}{key} ({suggestion:?})"));
        }
        fn wrong_type(
            &mut self,
            prefix: &str,
            key: &str,
            expected: Expected,
            found: &DeValue<'_>,
            at: usize,
        ) {
            self.0.push(format!(
                "{at}: {prefix}{key} {expected:?}, not {}",
                found.type_str()
            ));
        }
    }

    #[test]
    fn values_keys_and_problems_with_positions() {
        let text = "nmae = \"x\"\nflag = true\n[t]\ns = \"v\"\nb = 1\n";
        let doc = parse(text).unwrap();
        let root = doc.get_ref();
        let mut r = Lines::default();
        r.known_keys(root, &["name", "flag", "t"], "");
        assert_eq!(r.boolean(root, "", "flag"), Some(true));
        let t = r.table_at(root, "", "t").unwrap();
        assert_eq!(r.string(t, "t.", "s"), Some(("v".to_string(), 31)));
        assert_eq!(r.boolean(t, "t.", "b"), None);
        assert_eq!(r.string(t, "t.", "absent"), None);
        assert!(r.table_at(root, "", "flag").is_none());
        assert_eq!(
            r.0,
            [
                "0: unknown nmae (Some(\"name\"))",
                "39: t.b Boolean, not integer",
                "18: flag Table, not boolean",
            ]
        );
    }

    #[test]
    fn syntax_errors_have_spans_and_trimmed_messages() {
        let errors = parse("a = \n[b\n").unwrap_err();
        assert!(!errors.is_empty());
        assert!(
            errors
                .iter()
                .all(|e| e.message == e.message.trim() && e.span.end <= 8)
        );
    }
}
