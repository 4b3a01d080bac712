//! Kubernetes and Knative naming rules: DNS-1123 labels and subdomains,
//! DNS-1035 labels (Knative Service names), Secret keys and environment
//! variable names.

use super::ValueError;

/// Environment variables Knative sets in every container; a user value
/// would be rejected by the Serving webhook.
pub(crate) const RESERVED_ENV: &[&str] = &["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"];

/// Container ports the Knative queue-proxy and its sidecars listen on.
pub(crate) const RESERVED_PORTS: &[u16] = &[8008, 8012, 8013, 8022, 9090, 9091];

/// Longest Knative Service name that leaves room for the names Serving
/// derives from it (`<name>-00001-deployment`, `<name>-00001-private`), so
/// each stays within a 63-character label (see specs/knative/NOTES.md).
pub(crate) const KSVC_NAME_MAX: usize = 49;

// The label rules live in `crate::naming`, below both the checks and
// air.toml's reader, so there is one DNS-1123 label check.
pub(crate) use crate::naming::dns1035_label;
pub use crate::naming::dns1123_label;
use crate::naming::label_chars;

/// A DNS-1123 subdomain (Secret and ConfigMap names): dot-separated
/// labels, at most 253 characters.
pub fn dns1123_subdomain(s: &str) -> Result<(), ValueError> {
    if s.is_empty() {
        return Err(ValueError::new(0..0, "empty name"));
    }
    if s.len() > 253 {
        return Err(ValueError::new(
            0..s.len(),
            "name is longer than 253 characters",
        ));
    }
    let mut at: usize = 0;
    for part in s.split('.') {
        if part.is_empty() {
            return Err(ValueError::new(
                // The dot(s) around the empty part; a trailing dot has
                // nothing after it.
                at.saturating_sub(1)..(at + 1).min(s.len()),
                "empty part between dots",
            ));
        }
        label_chars(part, at, false)?;
        at += part.len() + 1;
    }
    Ok(())
}

/// A key in a Secret or ConfigMap: `[-._a-zA-Z0-9]+`, at most 253.
pub(crate) fn secret_key(s: &str) -> Result<(), ValueError> {
    if s.is_empty() {
        return Err(ValueError::new(0..0, "empty key"));
    }
    if s.len() > 253 {
        return Err(ValueError::new(
            0..s.len(),
            "key is longer than 253 characters",
        ));
    }
    if let Some((i, c)) = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(ValueError::new(
            i..i + c.len_utf8(),
            format!("invalid character `{c}` in a Secret key"),
        )
        .help("keys use letters, digits, `-`, `.` and `_`"));
    }
    if s == "." || s == ".." {
        return Err(ValueError::new(
            0..s.len(),
            format!("`{s}` is not a valid key"),
        ));
    }
    Ok(())
}

/// An environment variable name: a C identifier `[A-Za-z_][A-Za-z0-9_]*`
/// (portable across shells and language runtimes).
pub(crate) fn env_var_name(s: &str) -> Result<(), ValueError> {
    if s.is_empty() {
        return Err(ValueError::new(0..0, "empty environment variable name"));
    }
    for (i, c) in s.char_indices() {
        let ok = c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit());
        if !ok {
            let mut suggestion: String = s
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            if suggestion.starts_with(|c: char| c.is_ascii_digit()) {
                suggestion.insert(0, '_');
            }
            return Err(ValueError::new(
                i..i + c.len_utf8(),
                format!("invalid character `{c}` in environment variable name"),
            )
            .help(format!(
                "names are letters, digits and `_`, not starting with a digit, e.g. `{suggestion}`"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert!(dns1123_label("resize-creds").is_ok());
        assert!(dns1123_label("1abc").is_ok());
        assert!(dns1035_label("1abc").is_err());
        assert_eq!(dns1123_label("Resize").expect_err("upper").range, 0..1);
        assert_eq!(dns1123_label("a_b").expect_err("underscore").range, 1..2);
        assert_eq!(dns1123_label("-a").expect_err("dash").range, 0..1);
        assert_eq!(dns1123_label("a-").expect_err("dash").range, 1..2);
        assert!(dns1123_label(&"a".repeat(63)).is_ok());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
        assert!(dns1123_label("").is_err());
    }

    #[test]
    fn subdomains_and_keys() {
        assert!(dns1123_subdomain("db.creds-1").is_ok());
        assert_eq!(dns1123_subdomain("a..b").expect_err("dots").range, 1..3);
        // A trailing dot: the range ends with the text (found by proptest).
        assert_eq!(dns1123_subdomain("a.").expect_err("trailing").range, 1..2);
        assert_eq!(dns1123_subdomain("a.B").expect_err("upper").range, 2..3);
        assert!(secret_key("api-key.json_1").is_ok());
        assert_eq!(secret_key("a/b").expect_err("slash").range, 1..2);
        assert!(secret_key("..").is_err());
        assert!(secret_key("").is_err());
    }

    #[test]
    fn env_names() {
        assert!(env_var_name("LOG_LEVEL").is_ok());
        assert!(env_var_name("_x1").is_ok());
        assert_eq!(env_var_name("1X").expect_err("digit").range, 0..1);
        let e = env_var_name("log-level").expect_err("dash");
        assert_eq!(e.range, 3..4);
        assert!(e.help.as_deref().unwrap_or("").contains("LOG_LEVEL"));
        assert!(
            env_var_name("1ST")
                .expect_err("digit")
                .help
                .unwrap_or_default()
                .contains("`_1ST`")
        );
        let e = dns1123_subdomain("Resize_Creds").expect_err("upper");
        assert_eq!(e.help.as_deref(), Some("write `resize-creds`"));
        assert_eq!(env_var_name("ÄB").expect_err("utf8").range, 0..2);
    }
}
