//! PingSource schedules: when a PingSource ticks, on a virtual clock.
//!
//! Knative's PingSource adapter hands `CRON_TZ=<timezone> <schedule>` to
//! robfig/cron v3 (seconds optional, descriptors allowed, `@every`
//! refused by the webhook); [`cron`] parses that syntax. Finding the next
//! fire follows robfig's `SpecSchedule.Next`: walk forward in real time
//! from the next whole second, reading the wall clock of the time zone,
//! until month, day, hour, minute and second all match. So across a
//! daylight-saving change a wall-clock time that does not exist is
//! skipped and one that happens twice fires twice, as in the cluster; a
//! schedule that cannot fire within five years never fires. Day of month
//! and day of week combine with AND when either is `*` (or `?`), with OR
//! otherwise (robfig's rule).
//!
//! Without a time zone the adapter uses its own, which is UTC in
//! Knative's images; so do we.
//!
//! Virtual time is milliseconds since an epoch the caller chooses (a
//! `DateTime<Utc>`), as the workflow interpreter counts it.

mod cron;
mod tick;

pub use cron::{Field, Spec};
pub use tick::{PING_EVENT_TYPE, ping_event_source, tick_event};

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Why a schedule or time zone is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0}")]
    Syntax(String),
    #[error("unknown time zone `{0}`")]
    TimeZone(String),
}

/// A cron schedule in a time zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub spec: Spec,
    pub tz: Tz,
}

/// How far ahead a fire is looked for (robfig's limit).
const YEARS: i32 = 5;

impl Schedule {
    /// Parses a PingSource's `schedule` and `timezone` as the adapter
    /// combines them (`CRON_TZ=<timezone> <schedule>`; the schedule may
    /// itself start with `CRON_TZ=` or `TZ=` when there is no timezone).
    pub fn parse(schedule: &str, timezone: Option<&str>) -> Result<Schedule, ScheduleError> {
        let full = match timezone {
            Some(tz) => format!("CRON_TZ={tz} {schedule}"),
            None => schedule.to_string(),
        };
        let full = full.trim();
        let (tz, rest) = if full.starts_with("TZ=") || full.starts_with("CRON_TZ=") {
            let (head, rest) = full.split_once(char::is_whitespace).unwrap_or((full, ""));
            let name = head.split_once('=').map_or("", |(_, n)| n);
            (zone(name)?, rest.trim())
        } else {
            (Tz::UTC, full)
        };
        Ok(Schedule {
            spec: cron::parse(rest)?,
            tz,
        })
    }

    /// The first fire strictly after `after` (fires are on whole seconds),
    /// or none within five years.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after
            .with_nanosecond(0)?
            .checked_add_signed(Duration::seconds(1))?;
        let limit_year = start.with_timezone(&self.tz).year() + YEARS;
        let s = &self.spec;
        let mut t = start;
        loop {
            let l = t.with_timezone(&self.tz);
            if l.year() > limit_year {
                return None;
            }
            let next = if !s.month.has(l.month()) {
                let (y, m) = if l.month() == 12 {
                    (l.year() + 1, 1)
                } else {
                    (l.year(), l.month() + 1)
                };
                self.local_midnight(NaiveDate::from_ymd_opt(y, m, 1)?, t)
            } else if !self.day_matches(l.day(), l.weekday().num_days_from_sunday()) {
                self.local_midnight(l.date_naive().succ_opt()?, t)
            } else if !s.hour.has(l.hour()) {
                t.checked_add_signed(Duration::seconds(i64::from(
                    3600 - l.minute() * 60 - l.second(),
                )))?
            } else if !s.minute.has(l.minute()) {
                t.checked_add_signed(Duration::seconds(i64::from(60 - l.second())))?
            } else if !s.second.has(l.second()) {
                t.checked_add_signed(Duration::seconds(1))?
            } else {
                return Some(t);
            };
            // Always move forward, whatever a time zone's rules do.
            t = next.max(t.checked_add_signed(Duration::seconds(1))?);
        }
    }

    /// robfig's day rule.
    fn day_matches(&self, dom: u32, dow: u32) -> bool {
        let (d, w) = (self.spec.dom.has(dom), self.spec.dow.has(dow));
        if self.spec.dom.star || self.spec.dow.star {
            d && w
        } else {
            d || w
        }
    }

    /// The instant local midnight of `date` starts (the earlier one when
    /// it happens twice; the end of the gap when a DST change skips it).
    fn local_midnight(&self, date: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
        let Some(naive) = date.and_hms_opt(0, 0, 0) else {
            return now;
        };
        match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => {
                // In a gap: the wall clock at the current offset reads
                // midnight exactly when the clock jumps past it.
                let offset = now.with_timezone(&self.tz).offset().fix().local_minus_utc();
                Utc.from_utc_datetime(&naive)
                    .checked_sub_signed(Duration::seconds(i64::from(offset)))
                    .unwrap_or(now)
            }
        }
    }

    /// The next fire after virtual time `after_ms`, in virtual time.
    pub fn next_fire_ms(&self, epoch: DateTime<Utc>, after_ms: i64) -> Option<i64> {
        let after = epoch.checked_add_signed(Duration::milliseconds(after_ms))?;
        let next = self.next_after(after)?;
        Some((next - epoch).num_milliseconds())
    }

    /// The fires in `(after_ms, until_ms]`, in virtual time, at most `limit`.
    pub fn fires_between(
        &self,
        epoch: DateTime<Utc>,
        after_ms: i64,
        until_ms: i64,
        limit: usize,
    ) -> Vec<i64> {
        let mut out = Vec::new();
        let mut at = after_ms;
        while out.len() < limit {
            match self.next_fire_ms(epoch, at) {
                Some(next) if next <= until_ms => {
                    out.push(next);
                    at = next;
                }
                _ => break,
            }
        }
        out
    }
}

use chrono::Offset;

/// An IANA zone as Go's `time.LoadLocation` reads it: empty or `UTC` is
/// UTC, `Local` the adapter's zone (UTC).
fn zone(name: &str) -> Result<Tz, ScheduleError> {
    match name {
        "" | "UTC" | "Local" => Ok(Tz::UTC),
        n => n
            .parse::<Tz>()
            .map_err(|_| ScheduleError::TimeZone(n.to_string())),
    }
}

#[cfg(test)]
mod tests;
