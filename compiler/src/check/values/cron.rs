//! Five-field cron schedules, as Knative's PingSource accepts them
//! (robfig/cron's standard parser): `minute hour day-of-month month
//! day-of-week`, each field a comma list of `*`, `N`, `A-B`, optionally with
//! `/STEP`; month and weekday names (`JAN`–`DEC`, `SUN`–`SAT`, any case);
//! `?` as `*` in the day fields; and the macros `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
//!
//! Hand-written rather than taken from a crate: the crates on crates.io
//! (`cron`, `croner`) accept a seconds field or other dialects, and none
//! reports the byte offset of the bad part, which the diagnostics need.
//! `@every` and the optional seconds field are rejected on purpose: air
//! schedules are portable 5-field crons.

use super::ValueError;

/// One cron field's name and allowed range.
struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// First value the names map to (JAN = 1, SUN = 0).
    names_base: u32,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [FieldSpec; 5] = [
    FieldSpec {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        names_base: 0,
    },
    FieldSpec {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        names_base: 0,
    },
    FieldSpec {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        names_base: 0,
    },
    FieldSpec {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
        names_base: 1,
    },
    FieldSpec {
        name: "day of week",
        min: 0,
        max: 7,
        names: DAYS,
        names_base: 0,
    },
];

/// The macros PingSource understands.
pub const MACROS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

const FORMAT_HELP: &str =
    "a schedule has 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"";

/// Validate a cron schedule. Returns the first problem found.
pub fn validate(text: &str) -> Result<(), ValueError> {
    let trimmed = text.trim();
    let lead = text.len() - text.trim_start().len();
    if trimmed.is_empty() {
        return Err(ValueError::new(0..text.len(), "empty cron schedule").help(FORMAT_HELP));
    }
    if let Some(rest) = trimmed.strip_prefix('@') {
        let range = lead..lead + trimmed.len();
        if rest.to_ascii_lowercase().starts_with("every") {
            return Err(
                ValueError::new(range, "`@every` is not supported by Knative PingSource")
                    .help("write the interval as a cron, e.g. \"*/5 * * * *\" for every 5 minutes"),
            );
        }
        if trimmed.contains(char::is_whitespace) || rest.is_empty() {
            return Err(ValueError::new(range, "malformed cron macro").help(macro_help()));
        }
        if MACROS.iter().any(|m| m.eq_ignore_ascii_case(trimmed)) {
            return Ok(());
        }
        return Err(
            ValueError::new(range, format!("unknown cron macro `{trimmed}`")).help(macro_help()),
        );
    }
    if trimmed.starts_with("TZ=") || trimmed.starts_with("CRON_TZ=") {
        let end = lead + trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        return Err(
            ValueError::new(lead..end, "time zone prefix in the cron schedule")
                .help("give the zone with `tz \"Area/City\"` after the schedule"),
        );
    }
    let fields = split_fields(text);
    if fields.len() != 5 {
        let range = lead..lead + trimmed.len();
        let msg = if fields.len() == 6 {
            "cron schedule has 6 fields (a seconds field is not supported)".to_string()
        } else {
            format!("cron schedule has {} field(s), expected 5", fields.len())
        };
        return Err(ValueError::new(range, msg).help(FORMAT_HELP));
    }
    for (spec, (start, field)) in FIELDS.iter().zip(fields) {
        validate_field(spec, field, start)?;
    }
    Ok(())
}

fn macro_help() -> String {
    format!("known macros: {}", MACROS.join(", "))
}

/// Whitespace-separated fields with their byte offsets.
fn split_fields(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, &text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

fn validate_field(spec: &FieldSpec, field: &str, offset: usize) -> Result<(), ValueError> {
    let mut pos = offset;
    for item in field.split(',') {
        if item.is_empty() {
            return Err(ValueError::new(
                pos..pos + 1,
                format!("empty entry in the {} field", spec.name),
            )
            .help("remove the extra comma"));
        }
        validate_item(spec, item, pos)?;
        pos += item.len() + 1;
    }
    Ok(())
}

fn validate_item(spec: &FieldSpec, item: &str, offset: usize) -> Result<(), ValueError> {
    let (base, step) = match item.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step {
        let at = offset + base.len() + 1;
        // An empty step points at its `/`.
        let range = if step.is_empty() {
            at - 1..at
        } else {
            at..at + step.len()
        };
        match step.parse::<u32>() {
            Ok(0) => {
                return Err(ValueError::new(range, "cron step must be at least 1"));
            }
            Ok(n) if n > spec.max.max(1) => {
                return Err(ValueError::new(
                    range,
                    format!("step {n} is larger than the {} field's range", spec.name),
                ));
            }
            Ok(_) => {}
            Err(_) => {
                return Err(ValueError::new(
                    range,
                    format!("invalid step `{step}` in the {} field", spec.name),
                )
                .help("a step is a positive number, as in \"*/15\""));
            }
        }
    }
    if base == "*" || (base == "?" && spec.min <= 1 && spec.name.starts_with("day")) {
        return Ok(());
    }
    let (lo, hi) = match base.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (base, None),
    };
    if lo.is_empty() {
        // `-5` or `/5`: point at the character where the value should be.
        return Err(missing(spec, offset..offset + 1));
    }
    let lo_v = value(spec, lo, offset)?;
    if let Some(hi) = hi {
        let hi_at = offset + lo.len() + 1;
        if hi.is_empty() {
            return Err(missing(spec, hi_at - 1..hi_at));
        }
        let hi_v = value(spec, hi, hi_at)?;
        if hi_v < lo_v {
            return Err(ValueError::new(
                offset..offset + base.len(),
                format!("range `{base}` in the {} field runs backwards", spec.name),
            )
            .help(format!("write the smaller value first: `{hi}-{lo}`")));
        }
    }
    Ok(())
}

fn missing(spec: &FieldSpec, range: std::ops::Range<usize>) -> ValueError {
    ValueError::new(range, format!("missing value in the {} field", spec.name))
}

fn value(spec: &FieldSpec, text: &str, offset: usize) -> Result<u32, ValueError> {
    let range = offset..offset + text.len();
    if text.chars().all(|c| c.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(v) if (spec.min..=spec.max).contains(&v) => Ok(v),
            _ => Err(ValueError::new(
                range,
                format!(
                    "{text} is out of range for the {} field ({}-{})",
                    spec.name, spec.min, spec.max
                ),
            )),
        };
    }
    if let Some(i) = spec.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(spec.names_base + i as u32);
    }
    let mut err = ValueError::new(
        range,
        format!("invalid value `{text}` in the {} field", spec.name),
    );
    if !spec.names.is_empty() {
        err = err.help(format!(
            "use {}-{} or one of {}",
            spec.min,
            spec.max,
            spec.names.join(", ")
        ));
    } else {
        err = err.help(format!("use a number from {} to {}", spec.min, spec.max));
    }
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_at(text: &str) -> (std::ops::Range<usize>, String) {
        let e = validate(text).expect_err(text);
        (e.range, e.message)
    }

    #[test]
    fn accepts_common_schedules() {
        for ok in [
            "0 2 * * *",
            "*/5 * * * *",
            "0 9-17 * * MON-FRI",
            "0 0 1 jan,jul *",
            "15,45 */2 1-15/3 * 0",
            "0 0 * * 7",
            "0 12 ? * SUN",
            "  0 2 * * *  ",
            "5/10 * * * *",
            "@daily",
            "@HOURLY",
            "@midnight",
            "0 0 31 DEC SAT",
        ] {
            assert!(validate(ok).is_ok(), "{ok}: {:?}", validate(ok));
        }
    }

    #[test]
    fn rejects_with_exact_offsets() {
        assert_eq!(err_at("60 * * * *").0, 0..2);
        assert_eq!(err_at("0 24 * * *").0, 2..4);
        assert_eq!(err_at("0 2 0 * *").0, 4..5);
        assert_eq!(err_at("0 2 * 13 *").0, 6..8);
        assert_eq!(err_at("0 2 * * 8").0, 8..9);
        assert_eq!(err_at("0 2 * FOO *").0, 6..9);
        assert_eq!(err_at("0 2 * * MON-FOO").0, 12..15);
        assert_eq!(err_at("*/0 * * * *").0, 2..3);
        assert_eq!(err_at("*/x * * * *").0, 2..3);
        assert_eq!(err_at("0 17-9 * * *").0, 2..6);
        assert_eq!(err_at("0,,5 * * * *").0, 2..3);
        assert_eq!(err_at("0 2 * *").0, 0..7);
        assert!(err_at("0 0 2 * * *").1.contains("seconds"));
        assert!(err_at("@every 5m").1.contains("@every"));
        assert!(err_at("@weekdays").1.contains("unknown cron macro"));
        assert_eq!(err_at("").0, 0..0);
        assert!(err_at("TZ=Europe/Berlin 0 2 * * *").1.contains("time zone"));
        assert_eq!(err_at("0 2 * * -1").0, 8..9);
        assert_eq!(err_at("0 2 * * 1-").0, 9..10);
        assert_eq!(err_at("*/ * * * *").0, 1..2);
        assert_eq!(err_at("? 2 * * *").0, 0..1);
    }
}
