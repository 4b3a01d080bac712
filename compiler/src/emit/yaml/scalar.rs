//! Scalars: how one string is written (plain, single-quoted,
//! double-quoted or as a literal block). Every string of every emitted
//! document passes through here, so each is classified in one pass over
//! its bytes with a lookup table.

/// What one pass over a string found.
#[derive(Default)]
struct Scan {
    newline: bool,
    /// A character that needs escaping outside a block: a control other
    /// than newline and tab, DEL, C1 controls, U+2028/U+2029, U+FEFF.
    other_escape: bool,
    tab: bool,
    /// A byte that forbids the plain style wherever it stands (flow
    /// indicators), `: ` or ` #`.
    breaks_plain: bool,
    quote: bool,
}

const ORDINARY: u8 = 0;
/// May start a character of [`needs_escape`]: ASCII controls, DEL, and
/// the lead bytes of U+0080–U+009F (0xC2), U+2028/U+2029 (0xE2) and
/// U+FEFF (0xEF). The string is valid UTF-8, so these lead bytes are
/// never continuation bytes.
const SUSPECT: u8 = 1;
/// `{ } [ ] , : # '`: decided with their neighbours.
const PUNCT: u8 = 2;

const CLASS: [u8; 256] = {
    let mut t = [ORDINARY; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = SUSPECT;
        i += 1;
    }
    t[0x7f] = SUSPECT;
    t[0xc2] = SUSPECT;
    t[0xe2] = SUSPECT;
    t[0xef] = SUSPECT;
    let punct = b"{}[],:#'";
    let mut j = 0;
    while j < punct.len() {
        t[punct[j] as usize] = PUNCT;
        j += 1;
    }
    t
};

fn scan(s: &str) -> Scan {
    let b = s.as_bytes();
    let mut r = Scan::default();
    for (i, &c) in b.iter().enumerate() {
        match CLASS[usize::from(c)] {
            ORDINARY => {}
            SUSPECT => {
                let next = b.get(i + 1).copied().unwrap_or(0);
                let after = b.get(i + 2).copied().unwrap_or(0);
                match c {
                    b'\n' => r.newline = true,
                    b'\t' => r.tab = true,
                    _ => r.other_escape |= suspect_escapes(c, next, after),
                }
            }
            _ => match c {
                b'\'' => r.quote = true,
                b':' => r.breaks_plain |= b.get(i + 1) == Some(&b' '),
                b'#' => r.breaks_plain |= i > 0 && b[i - 1] == b' ',
                _ => r.breaks_plain = true,
            },
        }
    }
    r
}

/// ` value` for a string after `key:` or `-` at `indent`: a literal block
/// (continuing on the following lines at `indent + 2`) when the string
/// has several lines, else a one-line scalar.
pub(super) fn write_string(out: &mut String, s: &str, indent: usize) {
    if is_word(s) {
        out.push_str(s);
        return;
    }
    // Multi-line strings are long (a ConfigMap holds a whole workflow
    // document): for them only the characters a block cannot hold matter,
    // and those are looked for eight bytes at a time.
    if memchr::memchr(b'\n', s.as_bytes()).is_some()
        && block_first_line_ok(s)
        && !has_block_escape(s.as_bytes())
    {
        write_block(out, s, indent + 2);
    } else {
        push_scanned(out, s, &scan(s));
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// [`Scan::other_escape`] of a whole string. Eight bytes at a time are
/// skipped when none is a control, DEL or non-ASCII (the usual case:
/// bit tricks that can only err towards looking closer); other chunks go
/// through [`scan`]'s byte rules.
fn has_block_escape(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let y = x ^ (ONES * 0x7f);
        let del = y.wrapping_sub(ONES) & !y & HIGH;
        if below_space | del | (x & HIGH) != 0 {
            // A sequence may run past the chunk: scan from here to the
            // chunk's end with the byte rules, seeing the bytes after it.
            let end = (i + 8).min(b.len());
            if escape_between(b, i, end) {
                return true;
            }
        }
        i += 8;
    }
    escape_between(b, i, b.len())
}

/// Whether a character starting at `start..end` of `b` needs escaping in
/// a block.
fn escape_between(b: &[u8], start: usize, end: usize) -> bool {
    (start..end).any(|i| {
        let c = b.get(i).copied().unwrap_or(0);
        CLASS[usize::from(c)] == SUSPECT && c != b'\n' && c != b'\t' && {
            let next = b.get(i + 1).copied().unwrap_or(0);
            let after = b.get(i + 2).copied().unwrap_or(0);
            suspect_escapes(c, next, after)
        }
    })
}

/// Whether the [`SUSPECT`] byte `c` (not newline or tab), followed by
/// `next` and `after`, starts a character that needs escaping.
fn suspect_escapes(c: u8, next: u8, after: u8) -> bool {
    match c {
        0xc2 => (0x80..=0x9f).contains(&next),
        0xe2 => next == 0x80 && (after == 0xa8 || after == 0xa9),
        0xef => next == 0xbb && after == 0xbf,
        _ => true,
    }
}

/// A literal block round-trips exactly when it has no control characters
/// other than tab and newline, some text, and a first line that does not
/// start with a space or tab (which would need an indentation indicator).
fn block_first_line_ok(s: &str) -> bool {
    let first_text = s.trim_start_matches('\n');
    !first_text.is_empty() && !first_text.starts_with([' ', '\t'])
}

fn write_block(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    // Every line is copied whole; only the indentation is added.
    out.reserve(body.len());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body.as_bytes()).chain([body.len()]) {
        let line = body.get(start..end).unwrap_or_default();
        if !line.is_empty() {
            super::pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
        start = end + 1;
    }
    // `|+` keeps the trailing newlines beyond the first as empty lines.
    for _ in 1..trailing {
        out.push('\n');
    }
    // The caller adds the newline that ends the entry; a block already
    // ended its last line, so undo that one.
    out.pop();
}

/// A string as a one-line scalar: plain, single-quoted or double-quoted.
pub fn scalar_string(s: &str) -> String {
    let mut out = String::new();
    push_scalar_string(&mut out, s);
    out
}

/// [`scalar_string`], appended to `out`.
pub(super) fn push_scalar_string(out: &mut String, s: &str) {
    if is_word(s) {
        out.push_str(s);
    } else {
        push_scanned(out, s, &scan(s));
    }
}

/// Letters, digits, `_`, `-`, `.` and `/`: the bytes of most keys and
/// names, which are plain wherever they stand.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/');
        c += 1;
    }
    t
};

/// The common case decided in one tight loop: a string longer than any
/// reserved word, starting with a letter and made of [`WORD`] bytes is
/// plain (no indicator, number, escape or `: `/` #` can be in it).
fn is_word(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 5
        && b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.iter().all(|&c| WORD[usize::from(c)])
}

fn push_scanned(out: &mut String, s: &str, r: &Scan) {
    if r.newline || r.tab || r.other_escape {
        // A JSON string literal is a valid YAML double-quoted scalar.
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}")));
    } else if !r.breaks_plain && plain_ends_ok(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        if r.quote {
            out.push_str(&s.replace('\'', "''"));
        } else {
            out.push_str(s);
        }
        out.push('\'');
    }
}

/// Words that YAML 1.1 or 1.2 resolves to something other than a string.
const RESERVED: &[&str] = &[
    "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "=",
];

/// The plain style's rules on the whole string and its ends (the bytes in
/// between were checked by [`scan`]).
fn plain_ends_ok(s: &str) -> bool {
    // Reserved words are short; `.inf` and `.nan` start with `.` and are
    // refused below with every other leading `.`.
    if s.len() <= 5 && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        return false;
    }
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || last == b':' {
        return false;
    }
    // Indicators at the start, and anything that might read as a number,
    // date or sexagesimal (YAML 1.1): quote whatever starts like one.
    match first {
        b'-' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!'
        | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => false,
        b'0'..=b'9' => false,
        b'+' | b'.' => b.len() == 1,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Characters YAML cannot hold in plain or single-quoted scalars.
    fn needs_escape(c: char) -> bool {
        (c as u32) < 0x20
            || c == '\u{7f}'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || c == '\u{2028}'
            || c == '\u{2029}'
            || c == '\u{feff}'
    }

    #[test]
    fn byte_scan_finds_exactly_the_escaped_characters() {
        let specials = [
            '\u{0}', '\t', '\n', '\u{1f}', ' ', '~', '\u{7f}', '\u{80}', '\u{9f}', '\u{a0}', 'é',
            '\u{2027}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{feff}', '\u{fefe}', '\u{ff00}',
            '€', '😀',
        ];
        for c in specials
            .into_iter()
            .chain((0u32..0x3000).filter_map(char::from_u32))
        {
            let r = scan(&format!("a{c}b"));
            let any = r.newline || r.tab || r.other_escape;
            assert_eq!(any, needs_escape(c), "{c:?}");
            let in_block = needs_escape(c) && c != '\n' && c != '\t';
            assert_eq!(r.other_escape, in_block, "{c:?} in a block");
            // The word-at-a-time check, with the character at every
            // offset of a chunk and across chunk ends.
            for pad in 0..12 {
                let text = format!("\n{}{c}{}", "x".repeat(pad), "y".repeat(pad % 5));
                assert_eq!(
                    has_block_escape(text.as_bytes()),
                    in_block,
                    "{c:?} at {pad}"
                );
            }
        }
    }

    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "null",
            "~",
            "1.0.3",
            "42",
            "-1",
            "0x1f",
            "1e3",
            ".5",
            "2024-01-01",
            "a: b",
            "x #y",
            "- a",
            "*ref",
            "&a",
            "!tag",
            "",
            " lead",
            "trail ",
            "end:",
            "{a}",
            "[a]",
            "a,b",
            "@x",
            "`x",
            "%x",
            ".inf",
            "+1",
        ] {
            assert!(scalar_string(s).starts_with('\''), "{s} must be quoted");
        }
        for s in [
            "abc",
            "order-created",
            "http://x.y/z",
            "a:b",
            "Europe/Berlin",
            "café",
            "a#b",
            "+",
            ".",
        ] {
            assert_eq!(scalar_string(s), s);
        }
        for word in [
            "metadata",
            "air.dev/workflow",
            "apiVersion",
            "x-1.2_3/y",
            "falsey",
        ] {
            assert!(is_word(word), "{word}");
            assert!(plain_ends_ok(word) && !scan(word).breaks_plain, "{word}");
        }
        for not_word in [
            "false", "Yes", "1.0.3x", "-abcdef", ".abcdef", "a b c d", "abcdé",
        ] {
            assert!(!is_word(not_word), "{not_word}");
        }
        assert_eq!(scalar_string("it's"), "it's");
        assert_eq!(scalar_string("'q'"), "'''q'''");
        assert_eq!(scalar_string("a\u{7}b"), "\"a\\u0007b\"");
        assert_eq!(scalar_string("a\tb"), "\"a\\tb\"");
    }
}
