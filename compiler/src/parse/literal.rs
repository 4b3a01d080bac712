//! Literal text → values: string escapes, `"""` indentation, durations.

/// A problem inside a literal, as a byte range relative to the literal's
/// text and a message.
#[derive(Debug, PartialEq)]
pub struct LiteralError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// Check the escapes of a string's content (the text between the quotes).
pub fn check_escapes(raw: &str) -> Vec<LiteralError> {
    let mut errors = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let next = raw[i + 1..].chars().next();
        match next {
            Some('"' | '\\' | 'n' | 't' | 'r') => i += 2,
            Some('u') => {
                let len = unicode_escape_len(&raw[i..]);
                match len {
                    Ok(n) => i += n,
                    Err(n) => {
                        errors.push(LiteralError {
                            start: i,
                            end: i + n,
                            message: "invalid unicode escape: write `\\u{…}` with 1 to 6 hex digits of a valid code point"
                                .into(),
                        });
                        i += n;
                    }
                }
            }
            Some(c) => {
                errors.push(LiteralError {
                    start: i,
                    end: i + 1 + c.len_utf8(),
                    message: format!("unknown escape `\\{c}`"),
                });
                i += 1 + c.len_utf8();
            }
            None => {
                errors.push(LiteralError {
                    start: i,
                    end: i + 1,
                    message: "a `\\` must be followed by an escape character".into(),
                });
                i += 1;
            }
        }
    }
    errors
}

/// Length of a valid `\u{…}` escape at the start of `s`, or the length of
/// the malformed part.
fn unicode_escape_len(s: &str) -> Result<usize, usize> {
    let b = s.as_bytes();
    if b.get(2) != Some(&b'{') {
        return Err(2);
    }
    let close = match s[3..].find('}') {
        Some(c) => 3 + c,
        None => return Err(3),
    };
    let hex = &s[3..close];
    let ok = (1..=6).contains(&hex.len())
        && hex.bytes().all(|c| c.is_ascii_hexdigit())
        && u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .is_some();
    if ok { Ok(close + 1) } else { Err(close + 1) }
}

/// Decode escapes. Invalid escapes (already reported by [`check_escapes`])
/// are kept as written.
pub fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let next = after[1..].chars().next();
        let (text, used): (Option<char>, usize) = match next {
            Some('"') => (Some('"'), 2),
            Some('\\') => (Some('\\'), 2),
            Some('n') => (Some('\n'), 2),
            Some('t') => (Some('\t'), 2),
            Some('r') => (Some('\r'), 2),
            Some('u') => match unicode_escape_len(after) {
                Ok(n) => (
                    u32::from_str_radix(&after[3..n - 1], 16)
                        .ok()
                        .and_then(char::from_u32),
                    n,
                ),
                Err(n) => (None, n),
            },
            Some(c) => (None, 1 + c.len_utf8()),
            None => (None, 1),
        };
        match text {
            Some(c) => out.push(c),
            None => out.push_str(&after[..used.min(after.len())]),
        }
        rest = &after[used.min(after.len())..];
    }
    out.push_str(rest);
    out
}

/// The content of a `"""` block with its common indentation removed: a
/// first line that is blank (the rest of the opening line) and a last
/// line that is blank (the closing delimiter's indentation) are dropped,
/// the smallest indentation of the non-blank lines is removed from every
/// line, blank lines become empty and lines are joined with `\n`.
pub fn dedent(raw: &str) -> String {
    let mut lines: Vec<&str> = raw
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if lines.len() > 1 && lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    if lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                l.get(indent..).unwrap_or("")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a number literal cannot be kept as written, or `None` when it can.
/// Numbers become JSON numbers: integers must fit in 64 bits, others in a
/// 64-bit float without overflowing to infinity or vanishing to zero
/// (such values used to change silently into strings, null or 0).
pub fn number_out_of_range(text: &str) -> Option<&'static str> {
    let integer = !text.contains(['.', 'e', 'E']);
    if integer {
        return match text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok() {
            true => None,
            false => Some("integer does not fit in 64 bits"),
        };
    }
    let f: f64 = text.parse().ok()?;
    if f.is_infinite() {
        return Some("too large for a 64-bit float");
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    if f == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return Some("too small for a 64-bit float: it would become 0");
    }
    None
}

/// Milliseconds of a duration literal such as `1h30m` or `250ms`. `None`
/// when it does not fit in 64 bits (the caller reports it; the value
/// saturates).
pub fn duration_millis(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let mut total: u64 = 0;
    let mut i = 0;
    let mut overflow = false;
    while i < b.len() {
        let mut n: u64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            match n
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b[i] - b'0')))
            {
                Some(v) => n = v,
                None => {
                    overflow = true;
                    n = u64::MAX;
                }
            }
            i += 1;
        }
        let unit: u64 = if b.get(i..i + 2) == Some(b"ms") {
            i += 2;
            1
        } else {
            let u = match b.get(i) {
                Some(b's') => 1_000,
                Some(b'm') => 60_000,
                Some(b'h') => 3_600_000,
                Some(b'd') => 86_400_000,
                _ => 1,
            };
            i += 1;
            u
        };
        match n.checked_mul(unit).and_then(|v| total.checked_add(v)) {
            Some(v) => total = v,
            None => {
                overflow = true;
                total = u64::MAX;
            }
        }
    }
    if overflow { None } else { Some(total) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode() {
        assert_eq!(
            unescape(r#"a\"b\\c\nd\te\r\u{1F600}\u{41}"#),
            "a\"b\\c\nd\te\r😀A"
        );
        assert!(check_escapes(r#"a\"b\\c\nd\te\r\u{1F600}"#).is_empty());
    }

    #[test]
    fn bad_escapes_are_located() {
        let e = check_escapes(r"ab\qc");
        assert_eq!((e[0].start, e[0].end), (2, 4));
        let e = check_escapes(r"\u{110000} \u{zz} \u12");
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].start, e[0].end), (0, 10));
        assert_eq!(unescape(r"x\qy"), r"x\qy");
    }

    #[test]
    fn dedent_removes_common_indentation() {
        let raw = "\n    first\n      second\n\n    third\n  ";
        assert_eq!(dedent(raw), "first\n  second\n\nthird");
        assert_eq!(dedent("one line"), "one line");
        assert_eq!(dedent("\r\n  a\r\n  b\r\n"), "a\nb");
    }

    #[test]
    fn durations() {
        assert_eq!(duration_millis("250ms"), Some(250));
        assert_eq!(duration_millis("30s"), Some(30_000));
        assert_eq!(duration_millis("5m"), Some(300_000));
        assert_eq!(duration_millis("2h"), Some(7_200_000));
        assert_eq!(duration_millis("1d"), Some(86_400_000));
        assert_eq!(duration_millis("1h30m"), Some(5_400_000));
        assert_eq!(duration_millis("1m500ms"), Some(60_500));
        assert_eq!(duration_millis("99999999999999999999d"), None);
        assert_eq!(duration_millis("999999999999999d"), None);
    }
}
