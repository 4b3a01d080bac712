//! Kubernetes resource quantities (`k8s.io/apimachinery` `resource.Quantity`):
//!
//! ```text
//! quantity  ::= sign? number suffix
//! number    ::= digits | digits "." digits? | "." digits
//! suffix    ::= "" | binarySI | decimalSI | ("e" | "E") sign? digits
//! binarySI  ::= Ki | Mi | Gi | Ti | Pi | Ei
//! decimalSI ::= m | k | M | G | T | P | E
//! ```
//!
//! Resource requests and limits must not be negative, so a sign other than
//! `+` is refused here too.

use super::ValueError;

/// A parsed quantity: its value in base units (cores, bytes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    pub value: f64,
}

const BINARY: &[(&str, i32)] = &[
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];
const DECIMAL: &[(&str, i32)] = &[
    ("m", -3),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

/// Parse a quantity such as `500m`, `0.5`, `256Mi`, `1e9`, `128M`.
pub fn parse(text: &str) -> Result<Quantity, ValueError> {
    if text.is_empty() {
        return Err(ValueError::new(0..0, "empty quantity").help(HELP));
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    if bytes[0] == b'-' {
        return Err(ValueError::new(0..1, "negative quantity")
            .help("requests and limits must be zero or more"));
    }
    if bytes[0] == b'+' {
        i = 1;
    }
    let num_start = i;
    let mut seen_digit = false;
    let mut seen_dot = false;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_dot => seen_dot = true,
            b'.' => {
                return Err(
                    ValueError::new(i..i + 1, "a quantity has at most one decimal point")
                        .help(HELP),
                );
            }
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        let end = next_char_end(text, num_start);
        return Err(ValueError::new(
            num_start..end,
            format!("`{text}` does not start with a number"),
        )
        .help(HELP));
    }
    let number: f64 = text[num_start..i]
        .parse()
        .map_err(|_| ValueError::new(num_start..i, "malformed number").help(HELP))?;
    let suffix = &text[i..];
    let scale = suffix_scale(suffix, i, text)?;
    Ok(Quantity {
        value: number * scale,
    })
}

/// The end of the character starting at byte `at` (for one-character spans).
fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .map(|c| at + c.len_utf8())
        .unwrap_or(text.len())
}

const HELP: &str = "write a number with an optional suffix: \"500m\" or \"0.5\" (cpu), \"256Mi\", \"1Gi\", \"128M\" or \"1e9\" (memory)";

fn suffix_scale(suffix: &str, at: usize, text: &str) -> Result<f64, ValueError> {
    if suffix.is_empty() {
        return Ok(1.0);
    }
    if let Some((_, p)) = BINARY.iter().find(|(s, _)| *s == suffix) {
        return Ok(2f64.powi(*p));
    }
    if let Some((_, p)) = DECIMAL.iter().find(|(s, _)| *s == suffix) {
        return Ok(10f64.powi(*p));
    }
    if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let e: i32 = exp.parse().unwrap_or(i32::MAX);
            if e.abs() > 300 {
                return Err(ValueError::new(at..text.len(), "exponent out of range"));
            }
            return Ok(10f64.powi(e));
        }
        return Err(
            ValueError::new(at..text.len(), format!("malformed exponent `{suffix}`")).help(HELP),
        );
    }
    let range = at..text.len();
    let mut err = ValueError::new(range, format!("unknown quantity suffix `{suffix}`"));
    let upper = suffix.to_ascii_uppercase();
    let hint = match upper.as_str() {
        "KB" | "MB" | "GB" | "TB" | "PB" | "EB" => {
            let d = &suffix[..1].to_ascii_uppercase().replace('K', "k");
            Some(format!(
                "Kubernetes writes `{d}` for 10^n bytes or `{}i` for 2^n bytes (\"{}{d}\" or \"{}{}i\")",
                &upper[..1],
                &text[..at],
                &text[..at],
                &upper[..1]
            ))
        }
        "KIB" | "MIB" | "GIB" | "TIB" | "PIB" | "EIB" => {
            let b = format!("{}i", &upper[..1]);
            Some(format!("write `{b}` (\"{}{b}\")", &text[..at]))
        }
        "K" | "KI" if suffix != "k" && suffix != "Ki" => {
            Some("the suffixes are `k` (10^3) and `Ki` (2^10)".to_string())
        }
        _ => None,
    };
    err = err.help(hint.unwrap_or_else(|| {
        "known suffixes: m, k, M, G, T, P, E (powers of 10), Ki, Mi, Gi, Ti, Pi, Ei (powers of 2), e<N>".to_string()
    }));
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> f64 {
        parse(t).expect(t).value
    }

    #[test]
    fn accepts_kubernetes_quantities() {
        assert_eq!(v("500m"), 0.5);
        assert_eq!(v("1"), 1.0);
        assert_eq!(v("0.5"), 0.5);
        assert_eq!(v(".5"), 0.5);
        assert_eq!(v("2."), 2.0);
        assert_eq!(v("256Mi"), 256.0 * 1024.0 * 1024.0);
        assert_eq!(v("1Gi"), 1024.0 * 1024.0 * 1024.0);
        assert_eq!(v("1e9"), 1e9);
        assert_eq!(v("1E3"), 1e3);
        assert_eq!(v("128M"), 128e6);
        assert_eq!(v("+1k"), 1e3);
        assert_eq!(v("0"), 0.0);
        assert_eq!(v("1e-3"), 1e-3);
    }

    #[test]
    fn rejects_with_offsets() {
        let e = parse("256MB").expect_err("MB");
        assert_eq!(e.range, 3..5);
        assert!(e.help.as_deref().unwrap_or("").contains("Mi"), "{e:?}");
        let e = parse("1.5.2").expect_err("two dots");
        assert_eq!(e.range, 3..4);
        let e = parse("-1").expect_err("neg");
        assert_eq!(e.range, 0..1);
        assert_eq!(parse("abc").expect_err("abc").range, 0..1);
        assert_eq!(parse("").expect_err("empty").range, 0..0);
        assert_eq!(parse("1e").expect_err("e").range, 1..2);
        assert_eq!(parse("1ki").expect_err("ki").range, 1..3);
        assert_eq!(parse("1 Gi").expect_err("space").range, 1..4);
        assert_eq!(parse("1GiB").expect_err("GiB").range, 1..4);
        assert_eq!(parse(".").expect_err("dot").range, 0..1);
        assert_eq!(parse("é").expect_err("utf8").range, 0..2);
    }
}
