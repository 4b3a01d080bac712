//! The cron syntax of robfig/cron v3 with the options Knative's PingSource
//! uses (`SecondOptional | Minute | Hour | Dom | Month | Dow |
//! Descriptor`): 5 fields, or 6 with seconds first; `*` and `?`; lists
//! `a,b`; ranges `a-b`; steps `*/n`, `a-b/n`, `a/n` (= `a-max/n`);
//! month names `JAN`…`DEC` and day names `SUN`…`SAT` (any case); day of
//! week 0–6 (0 = Sunday; 7 is refused, as robfig does); the descriptors
//! `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight`
//! `@hourly`. Knative refuses `@every`, and so do we.

use super::ScheduleError;

/// One field's allowed values as bits, plus whether it was written as
/// `*`/`?` (robfig's "star bit", which decides how day of month and day
/// of week combine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub bits: u64,
    pub star: bool,
}

impl Field {
    pub fn has(&self, v: u32) -> bool {
        v < 64 && self.bits & (1 << v) != 0
    }

    /// The allowed values in increasing order.
    pub fn values(&self) -> impl Iterator<Item = u32> + '_ {
        (0..64).filter(|v| self.has(*v))
    }

    fn all(min: u32, max: u32) -> Field {
        Field {
            bits: bits(min, max, 1),
            star: true,
        }
    }

    fn one(v: u32) -> Field {
        Field {
            bits: 1 << v,
            star: false,
        }
    }
}

/// A parsed cron specification (time zone apart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub second: Field,
    pub minute: Field,
    pub hour: Field,
    pub dom: Field,
    pub month: Field,
    pub dow: Field,
}

struct Bounds {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const SECOND: Bounds = Bounds {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
};
const MINUTE: Bounds = Bounds {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Bounds = Bounds {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Bounds = Bounds {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
const DOW: Bounds = Bounds {
    name: "day of week",
    min: 0,
    max: 6,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

fn bits(min: u32, max: u32, step: u32) -> u64 {
    let mut b = 0;
    let mut v = min;
    while v <= max && v < 64 {
        b |= 1 << v;
        let Some(next) = v.checked_add(step) else {
            break;
        };
        v = next;
    }
    b
}

pub fn parse(spec: &str) -> Result<Spec, ScheduleError> {
    let bad = |m: String| ScheduleError::Syntax(m);
    if spec.starts_with('@') {
        return descriptor(spec);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    let (second, rest) = match fields.len() {
        5 => (Field::one(0), &fields[..]),
        6 => (field(fields[0], &SECOND)?, &fields[1..]),
        n => {
            return Err(bad(format!(
                "expected 5 fields (or 6 with seconds), found {n}"
            )));
        }
    };
    Ok(Spec {
        second,
        minute: field(rest[0], &MINUTE)?,
        hour: field(rest[1], &HOUR)?,
        dom: field(rest[2], &DOM)?,
        month: field(rest[3], &MONTH)?,
        dow: field(rest[4], &DOW)?,
    })
}

fn descriptor(spec: &str) -> Result<Spec, ScheduleError> {
    let at = |minute, hour, dom: Field, month: Field, dow: Field| Spec {
        second: Field::one(0),
        minute: Field::one(minute),
        hour,
        dom,
        month,
        dow,
    };
    let all_dom = Field::all(1, 31);
    let all_month = Field::all(1, 12);
    let all_dow = Field::all(0, 6);
    Ok(match spec {
        "@yearly" | "@annually" => at(0, Field::one(0), Field::one(1), Field::one(1), all_dow),
        "@monthly" => at(0, Field::one(0), Field::one(1), all_month, all_dow),
        "@weekly" => at(0, Field::one(0), all_dom, all_month, Field::one(0)),
        "@daily" | "@midnight" => at(0, Field::one(0), all_dom, all_month, all_dow),
        "@hourly" => at(0, Field::all(0, 23), all_dom, all_month, all_dow),
        s if s.starts_with("@every") => {
            return Err(ScheduleError::Syntax(
                "Knative's PingSource does not support `@every`".into(),
            ));
        }
        s => return Err(ScheduleError::Syntax(format!("unknown descriptor `{s}`"))),
    })
}

fn field(text: &str, b: &Bounds) -> Result<Field, ScheduleError> {
    let mut out = Field {
        bits: 0,
        star: false,
    };
    for part in text.split(',') {
        let f = range(part, b)?;
        out.bits |= f.bits;
        out.star |= f.star;
    }
    Ok(out)
}

fn range(expr: &str, b: &Bounds) -> Result<Field, ScheduleError> {
    let bad = |m: String| ScheduleError::Syntax(format!("{} `{expr}`: {m}", b.name));
    let (range, step) = match expr.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (expr, None),
    };
    let (start, mut end, mut star) = if range == "*" || range == "?" {
        (b.min, b.max, true)
    } else {
        let (lo, hi) = match range.split_once('-') {
            Some((lo, hi)) => (lo, Some(hi)),
            None => (range, None),
        };
        let lo = value(lo, b).map_err(bad)?;
        let hi = match hi {
            Some(h) => value(h, b).map_err(bad)?,
            None => lo,
        };
        (lo, hi, false)
    };
    let step = match step {
        None => 1,
        Some(s) => {
            let n: u32 = s.parse().map_err(|_| bad(format!("`{s}` is not a step")))?;
            if n == 0 {
                return Err(bad("a step must be positive".into()));
            }
            // `a/n` means `a-max/n`.
            if !star && !range.contains('-') {
                end = b.max;
            }
            if n > 1 {
                star = false;
            }
            n
        }
    };
    if end > b.max {
        return Err(bad(format!("{end} is above {}", b.max)));
    }
    if start > end {
        return Err(bad(format!("{start} is after {end}")));
    }
    Ok(Field {
        bits: bits(start, end, step),
        star,
    })
}

fn value(text: &str, b: &Bounds) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = b.names.iter().position(|n| *n == lower) {
        return Ok(u32::try_from(i).unwrap_or(0) + b.min);
    }
    match text.parse::<u32>() {
        Ok(v) if v < b.min => Err(format!("{v} is below {}", b.min)),
        Ok(v) => Ok(v),
        Err(_) => Err(format!("`{text}` is not a number or a name")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn values(f: super::Field) -> Vec<u32> {
        f.values().collect()
    }

    #[test]
    fn fields() {
        let s = parse("*/15 9-17 * JAN,jul mon-FRI").ok();
        let Some(s) = s else { panic!("must parse") };
        assert_eq!(values(s.minute), vec![0, 15, 30, 45]);
        assert_eq!(values(s.hour), (9..=17).collect::<Vec<_>>());
        assert_eq!(values(s.month), vec![1, 7]);
        assert_eq!(values(s.dow), vec![1, 2, 3, 4, 5]);
        assert!(s.dom.star && !s.dow.star);
        assert_eq!(values(s.second), vec![0]);
        let s = parse("30 5/20 * * * ?").ok();
        let Some(s) = s else { panic!("must parse") };
        assert_eq!(values(s.second), vec![30]);
        assert_eq!(values(s.minute), vec![5, 25, 45]);
        assert!(s.dow.star);
    }

    #[test]
    fn refusals() {
        for bad in [
            "* * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "5-1 * * * *",
            "*/0 * * * *",
            "@every 1h",
            "@often",
            "x * * * *",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
