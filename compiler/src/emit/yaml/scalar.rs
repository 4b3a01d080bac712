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
/// May start a character of `needs_escape`: ASCII controls, DEL, and
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
    if memchr::memchr(b'\n', s.as_bytes()).is_some()
        && block_first_line_ok(s)
        && try_write_block(out, s, indent + 2)
    {
        return;
    }
    push_scanned(out, s, &scan(s));
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of every byte of `x` that is zero, exactly (no carries
/// between bytes: the low seven bits plus 0x7f stay below 0x100).
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x) & HIGH
}

/// The high bit of every byte of `x` below 0x20, exactly.
fn control_bytes(x: u64) -> u64 {
    !(((x & LOW7) + ONES * 0x60) | x) & HIGH
}

/// The high bit of every byte of `x` that is DEL (0x7f) or above 0x7f,
/// exactly (the low seven bits plus one carry into the high bit only
/// when they are all ones).
fn high_or_del_bytes(x: u64) -> u64 {
    (((x & LOW7) + ONES) | x) & HIGH
}

/// Multi-line strings are long (a ConfigMap holds a whole workflow
/// document), so they are written as a literal block in one pass, eight
/// bytes at a time: newlines found in a word end lines, and a word with a
/// control other than newline or tab, DEL or a non-ASCII byte is looked at
/// closer with [`scan`]'s byte rules. When a character the block cannot
/// hold turns up, `out` is put back as it was and `false` returned.
fn try_write_block(out: &mut String, s: &str, indent: usize) -> bool {
    let mark = out.len();
    let all = s.as_bytes();
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    // Lines are copied whole; only the indentation is added.
    out.reserve(body.len() + body.len() / 4);
    let b = body.as_bytes();
    let mut line_start = 0;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Most words are printable ASCII: no control (so no newline
        // either), no DEL, no byte above 0x7f. Those cost a few
        // operations; the others are looked at closer.
        let control = control_bytes(x);
        let high_or_del = high_or_del_bytes(x);
        if control | high_or_del != 0 {
            let newlines = zero_bytes(x ^ (ONES * u64::from(b'\n')));
            let tabs = zero_bytes(x ^ (ONES * u64::from(b'\t')));
            // A sequence may run past the word: the byte rules see the
            // bytes after it.
            if (control & !newlines & !tabs) | high_or_del != 0 && escape_between(all, i, i + 8) {
                out.truncate(mark);
                return false;
            }
            let mut m = newlines;
            while m != 0 {
                let end = i + (m.trailing_zeros() / 8) as usize;
                push_line(out, body, line_start, end, indent);
                line_start = end + 1;
                m &= m - 1;
            }
        }
        i += 8;
    }
    if escape_between(all, i, b.len()) {
        out.truncate(mark);
        return false;
    }
    for end in (i..b.len()).filter(|&j| b.get(j) == Some(&b'\n')) {
        push_line(out, body, line_start, end, indent);
        line_start = end + 1;
    }
    push_line(out, body, line_start, b.len(), indent);
    // `|+` keeps the trailing newlines beyond the first as empty lines.
    for _ in 1..trailing {
        out.push('\n');
    }
    // The caller adds the newline that ends the entry; a block already
    // ended its last line, so undo that one.
    out.pop();
    true
}

/// Line `start..end` of a block's body at `indent` (empty lines carry no
/// indentation), with its newline.
fn push_line(out: &mut String, body: &str, start: usize, end: usize, indent: usize) {
    let line = body.get(start..end).unwrap_or_default();
    if !line.is_empty() {
        super::pad(out, indent);
        out.push_str(line);
    }
    out.push('\n');
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

/// The common case decided in one tight loop: a string starting with a
/// letter and made of [`WORD`] bytes is plain (no indicator, number,
/// escape or `: `/` #` can be in it) unless it is a reserved word, which
/// is short. Most keys (`do`, `set`, `as`, `name`) are such words.
fn is_word(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.iter().all(|&c| WORD[usize::from(c)])
        && (b.len() > 5 || !is_reserved(s))
}

/// [`RESERVED`] (any case) for the words [`is_word`] lets through.
fn is_reserved(s: &str) -> bool {
    RESERVED
        .iter()
        .any(|r| r.len() == s.len() && r.eq_ignore_ascii_case(s))
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
    if s.len() <= 5 && is_reserved(s) {
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
                let mut out = String::from("k:");
                assert_eq!(
                    try_write_block(&mut out, &text, 2),
                    !in_block,
                    "{c:?} at {pad}"
                );
                if in_block {
                    assert_eq!(out, "k:", "{c:?} at {pad}: put back");
                }
            }
        }
    }

    #[test]
    fn blocks_split_lines_at_every_offset() {
        let words = ["a", "", "bcdefghij", "k\tl", "mnopqrstuvwxyz0123", "é€"];
        for n in 1..40 {
            let lines: Vec<&str> = (0..n).map(|i| words[(i * 7 + n) % words.len()]).collect();
            for trailing in ["", "\n", "\n\n\n"] {
                let text = format!("x{}{trailing}", lines.join("\n"));
                let mut out = String::new();
                assert!(try_write_block(&mut out, &text, 4));
                let body = text.trim_end_matches('\n');
                let mut want = String::from(match text.len() - body.len() {
                    0 => "|-\n",
                    1 => "|\n",
                    _ => "|+\n",
                });
                for line in body.split('\n') {
                    if !line.is_empty() {
                        want.push_str("    ");
                        want.push_str(line);
                    }
                    want.push('\n');
                }
                for _ in 1..text.len() - body.len() {
                    want.push('\n');
                }
                want.pop();
                assert_eq!(out, want, "{text:?}");
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
        for word in ["do", "as", "set", "n1", "nan", "Nulls", "a"] {
            assert!(is_word(word), "{word}");
            assert_eq!(scalar_string(word), word);
        }
        for not_word in [
            "false", "Yes", "1.0.3x", "-abcdef", ".abcdef", "a b c d", "abcdé", "y", "N", "oN",
            "NULL", "off",
        ] {
            assert!(!is_word(not_word), "{not_word}");
        }
        assert_eq!(scalar_string("it's"), "it's");
        assert_eq!(scalar_string("'q'"), "'''q'''");
        assert_eq!(scalar_string("a\u{7}b"), "\"a\\u0007b\"");
        assert_eq!(scalar_string("a\tb"), "\"a\\tb\"");
    }
}
