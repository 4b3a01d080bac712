//! IANA time zone names, checked against the tz database compiled into
//! chrono-tz (the names PingSource's `timezone` accepts).

use super::ValueError;
use chrono_tz::{TZ_VARIANTS, Tz};
use std::str::FromStr;

/// Validate a time zone name (exact, case-sensitive, as Go's
/// `time.LoadLocation` wants it). On failure the help suggests the closest
/// known zone.
pub fn validate(name: &str) -> Result<(), ValueError> {
    if Tz::from_str(name).is_ok() {
        return Ok(());
    }
    let mut err = ValueError::new(0..name.len(), format!("unknown time zone `{name}`"));
    err = match suggest(name) {
        Some(s) => err.help(format!("did you mean `{s}`?")),
        None => err.help("use an IANA zone name such as \"Europe/Berlin\" or \"UTC\""),
    };
    Err(err)
}

/// The closest IANA zone name: an exact case-insensitive match first, then
/// the most similar name.
pub fn suggest(name: &str) -> Option<&'static str> {
    let names = || TZ_VARIANTS.iter().map(|t| t.name());
    if let Some(n) = names().find(|n| n.eq_ignore_ascii_case(name)) {
        return Some(n);
    }
    // Compare the city part too, so "Berlin" suggests "Europe/Berlin".
    let lower = name.to_ascii_lowercase().replace(' ', "_");
    let mut best: Option<(f64, &'static str)> = None;
    for n in names() {
        let ln = n.to_ascii_lowercase();
        let city = ln.rsplit('/').next().unwrap_or(&ln);
        let score = strsim::jaro_winkler(&lower, &ln).max(strsim::jaro_winkler(&lower, city));
        if score >= 0.85 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, n));
        }
    }
    best.map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_zones() {
        assert!(validate("Europe/Berlin").is_ok());
        assert!(validate("UTC").is_ok());
        assert!(validate("America/Argentina/Buenos_Aires").is_ok());
        let e = validate("Europe/Berln").expect_err("typo");
        assert_eq!(e.range, 0..12);
        assert_eq!(e.help.as_deref(), Some("did you mean `Europe/Berlin`?"));
        let e = validate("europe/berlin").expect_err("case");
        assert_eq!(e.help.as_deref(), Some("did you mean `Europe/Berlin`?"));
        assert!(validate("").is_err());
        assert!(validate("Mars/Olympus").is_err());
        assert_eq!(suggest("Berlin"), Some("Europe/Berlin"));
    }
}
