//! The registry of diagnostic codes. Each stage lists its own codes in a
//! `CODES` table next to the code that reports them; this module joins the
//! tables. Codes are stable and never reused: E01xx syntax, E02xx names,
//! imports and params, E03xx types and values, E04xx graphs, E05xx target
//! limits (Knative, Serverless Workflow), W0xxx warnings and notes.
//! Every code has `docs/diagnostics/<CODE>.md` (a test checks it).

/// One registered code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    /// One line: what the code reports.
    pub title: &'static str,
}

/// Every registered code, from every stage.
pub fn all() -> Vec<CodeInfo> {
    let mut all: Vec<CodeInfo> = [
        crate::parse::CODES,
        crate::resolve::CODES,
        crate::check::CODES,
        crate::graph::CODES,
        crate::lower::CODES,
        crate::lower::sw::CODES,
    ]
    .concat();
    all.sort_by_key(|c| c.code);
    all
}

/// Look up one code (case-insensitive).
pub fn find(code: &str) -> Option<CodeInfo> {
    all()
        .into_iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_and_well_formed() {
        let all = super::all();
        for w in all.windows(2) {
            assert_ne!(w[0].code, w[1].code, "code registered twice");
        }
        for c in &all {
            let ok = c.code.len() == 5
                && (c.code.starts_with('E') || c.code.starts_with('W'))
                && c.code[1..].chars().all(|d| d.is_ascii_digit());
            assert!(ok, "malformed code {}", c.code);
        }
    }
}
