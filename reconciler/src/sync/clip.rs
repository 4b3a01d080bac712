//! Bounded echoes. Text from outside — an API server's or a forge's error
//! body (a proxy may answer with a 24 KB HTML page), a value from a
//! repository (megabytes in one string) — is cut before it is printed or
//! stored, with a count of what was cut so nothing is hidden silently.

use std::borrow::Cow;

/// The longest error message echoed as is.
pub(crate) const MAX_MESSAGE: usize = 1024;

/// The longest value (in a diff or a plan) echoed as is.
pub const MAX_VALUE: usize = 2048;

/// `text`, or its first `max` bytes (at a character boundary) followed by
/// "… (N more bytes)".
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!(
        "{}… ({} more bytes)",
        &text[..cut],
        text.len() - cut
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_says_what_was_cut() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcdef", 4), "abcd… (2 more bytes)");
        // Never inside a character: "é" is two bytes.
        assert_eq!(clip("aé", 2), "a… (2 more bytes)");
    }
}
