use super::{Schedule, ScheduleError, tick_event};
use crate::route::objects;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

fn utc(s: &str) -> DateTime<Utc> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => panic!("{s}: {e}"),
    }
}

fn schedule(spec: &str, tz: Option<&str>) -> Schedule {
    match Schedule::parse(spec, tz) {
        Ok(s) => s,
        Err(e) => panic!("{spec}: {e}"),
    }
}

/// The next `n` fires after `from`, as RFC 3339 in UTC.
fn fires(s: &Schedule, from: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut t = utc(from);
    for _ in 0..n {
        let Some(next) = s.next_after(t) else { break };
        out.push(next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        t = next;
    }
    out
}

#[test]
fn every_five_minutes_utc() {
    let s = schedule("*/5 * * * *", None);
    assert_eq!(
        fires(&s, "2026-03-01T10:02:30Z", 3),
        [
            "2026-03-01T10:05:00Z",
            "2026-03-01T10:10:00Z",
            "2026-03-01T10:15:00Z"
        ]
    );
    // Strictly after: a fire instant itself is not repeated.
    assert_eq!(
        fires(&s, "2026-03-01T10:05:00Z", 1),
        ["2026-03-01T10:10:00Z"]
    );
}

#[test]
fn time_zone_and_weekdays() {
    // 09:00 Paris on weekdays; 2026-03-06 is a Friday.
    let s = schedule("0 9 * * MON-FRI", Some("Europe/Paris"));
    assert_eq!(
        fires(&s, "2026-03-06T09:00:00Z", 2),
        ["2026-03-09T08:00:00Z", "2026-03-10T08:00:00Z"]
    );
}

#[test]
fn spring_forward_skips_the_missing_hour() {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 never exists.
    let s = schedule("30 2 * * *", Some("America/New_York"));
    assert_eq!(
        fires(&s, "2026-03-07T12:00:00Z", 3),
        [
            "2026-03-09T06:30:00Z",
            "2026-03-10T06:30:00Z",
            "2026-03-11T06:30:00Z"
        ]
    );
}

#[test]
fn fall_back_fires_twice() {
    // New York, 2026-11-01: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    let s = schedule("30 1 * * *", Some("America/New_York"));
    assert_eq!(
        fires(&s, "2026-11-01T00:00:00Z", 3),
        [
            "2026-11-01T05:30:00Z",
            "2026-11-01T06:30:00Z",
            "2026-11-02T06:30:00Z"
        ]
    );
}

#[test]
fn descriptors_seconds_and_day_rules() {
    let daily = schedule("@daily", Some("Asia/Tokyo"));
    assert_eq!(
        fires(&daily, "2026-01-01T00:00:00Z", 1),
        ["2026-01-01T15:00:00Z"]
    );
    let secs = schedule("*/20 * * * * *", None);
    assert_eq!(
        fires(&secs, "2026-01-01T00:00:00.500Z", 2),
        ["2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z"]
    );
    // Both days restricted: the 13th OR a Friday.
    let either = schedule("0 0 13 * FRI", None);
    assert_eq!(
        fires(&either, "2026-02-01T00:00:00Z", 3),
        [
            "2026-02-06T00:00:00Z",
            "2026-02-13T00:00:00Z",
            "2026-02-20T00:00:00Z"
        ]
    );
    // Day of week `*`: the 31st only, in months that have one.
    let d31 = schedule("0 0 31 * *", None);
    assert_eq!(
        fires(&d31, "2026-04-01T00:00:00Z", 1),
        ["2026-05-31T00:00:00Z"]
    );
    let never = schedule("0 0 30 FEB *", None);
    assert_eq!(never.next_after(utc("2026-01-01T00:00:00Z")), None);
    let tz_prefix = schedule("CRON_TZ=Europe/London 0 12 * * *", None);
    assert_eq!(
        fires(&tz_prefix, "2026-07-01T00:00:00Z", 1),
        ["2026-07-01T11:00:00Z"]
    );
}

#[test]
fn refusals() {
    assert_eq!(
        Schedule::parse("* * * * *", Some("Mars/Olympus")).err(),
        Some(ScheduleError::TimeZone("Mars/Olympus".into()))
    );
    assert!(Schedule::parse("@every 1m", None).is_err());
    assert!(Schedule::parse("* * * * *", Some("")).is_ok());
}

#[test]
fn virtual_time() {
    let epoch = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let s = schedule("0 * * * *", None);
    assert_eq!(s.next_fire_ms(epoch, 0), Some(3_600_000));
    assert_eq!(s.next_fire_ms(epoch, 3_600_000), Some(7_200_000));
    assert_eq!(
        s.fires_between(epoch, -1, 3 * 3_600_000, 10),
        vec![0, 3_600_000, 7_200_000, 10_800_000]
    );
    assert_eq!(s.fires_between(epoch, 0, 100 * 3_600_000, 2).len(), 2);
}

#[test]
fn tick_events() {
    let objs = objects::read(&[json!({
        "apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
        "metadata": {"name": "nightly-schedule", "namespace": "shop"},
        "spec": {
            "schedule": "0 3 * * *", "timezone": "Europe/Paris",
            "contentType": "application/json", "data": "{\"kind\": \"nightly\"}",
            "ceOverrides": {"extensions": {"team": "ops"}},
            "sink": {"uri": "http://air-runtime.air-system.svc.cluster.local/workflows/nightly"}
        }
    })]);
    let Ok(objs) = objs else { panic!("{objs:?}") };
    let ping = &objs.ping_sources[0];
    let e = tick_event(ping, "tick-1", utc("2026-01-01T02:00:00Z"));
    assert_eq!(
        serde_json::Value::Object(e),
        json!({
            "specversion": "1.0", "id": "tick-1",
            "source": "/apis/v1/namespaces/shop/pingsources/nightly-schedule",
            "type": "dev.knative.sources.ping", "time": "2026-01-01T02:00:00Z",
            "team": "ops", "datacontenttype": "application/json",
            "data": {"kind": "nightly"}
        })
    );
    let mut text = ping.clone();
    text.content_type = Some("text/plain".into());
    text.data = None;
    text.data_base64 = Some("aGVsbG8=".into());
    let e = tick_event(&text, "t", utc("2026-01-01T02:00:00Z"));
    assert_eq!(e.get("data"), Some(&json!("hello")));
    let mut binary = text.clone();
    binary.data_base64 = Some("/w==".into());
    let e = tick_event(&binary, "t", utc("2026-01-01T02:00:00Z"));
    assert_eq!(e.get("data_base64"), Some(&json!("/w==")));
    assert_eq!(e.get("data"), None);
}

mod properties {
    use super::super::Schedule;
    use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
    use proptest::prelude::*;

    const ZONES: [&str; 5] = [
        "UTC",
        "America/New_York",
        "Europe/Paris",
        "Australia/Lord_Howe",
        "America/Sao_Paulo",
    ];

    fn field(max: u32) -> impl Strategy<Value = String> {
        prop_oneof![
            Just("*".to_string()),
            (0..=max).prop_map(|v| v.to_string()),
            (1..=max.max(1)).prop_map(|s| format!("*/{s}")),
            (0..=max, 0..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            (0..=max, 0..=max).prop_map(|(a, b)| format!("{a},{b}")),
        ]
    }

    fn spec() -> impl Strategy<Value = String> {
        (field(59), field(23), field(30), field(11), field(6)).prop_map(|(mi, h, d, mo, w)| {
            // Day of month and month are 1-based.
            let shift = |f: String| match f.as_str() {
                "*" => f,
                _ if f.starts_with("*/") => f,
                _ => f
                    .split([',', '-'])
                    .map(|n| n.parse::<u32>().map(|v| v + 1).unwrap_or(1).to_string())
                    .collect::<Vec<_>>()
                    .join(if f.contains(',') { "," } else { "-" }),
            };
            format!("{mi} {h} {} {} {w}", shift(d), shift(mo))
        })
    }

    /// Whether `t` (a whole minute) is a fire of `s` by its definition.
    fn fires_at(s: &Schedule, t: DateTime<Utc>) -> bool {
        let l = t.with_timezone(&s.tz);
        let p = &s.spec;
        let (d, w) = (
            p.dom.has(l.day()),
            p.dow.has(l.weekday().num_days_from_sunday()),
        );
        let day = if p.dom.star || p.dow.star {
            d && w
        } else {
            d || w
        };
        p.second.has(l.second())
            && p.minute.has(l.minute())
            && p.hour.has(l.hour())
            && p.month.has(l.month())
            && day
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The next fire is a fire, and no minute between holds one
        /// (checked minute by minute over up to two days).
        #[test]
        fn next_is_the_first_fire(
            spec in spec(),
            zone in prop::sample::select(&ZONES[..]),
            secs in 1_577_836_800i64..1_893_456_000,
        ) {
            let s = Schedule::parse(&spec, Some(zone));
            prop_assert!(s.is_ok(), "{spec}: {:?}", s.err());
            let Ok(s) = s else { return Ok(()) };
            let after = Utc.timestamp_opt(secs, 0).single().unwrap_or_default();
            let Some(next) = s.next_after(after) else { return Ok(()) };
            prop_assert!(next > after);
            prop_assert!(fires_at(&s, next), "{spec} {zone}: {next} is not a fire");
            let mut t = after.with_second(0).unwrap_or(after) + Duration::minutes(1);
            let end = next.min(after + Duration::days(2));
            while t < end {
                prop_assert!(!fires_at(&s, t), "{spec} {zone}: {t} fires before {next}");
                t += Duration::minutes(1);
            }
        }

        #[test]
        fn never_panics(spec in ".{0,40}", tz in prop::option::of("[A-Za-z_/]{0,20}"), secs in any::<i64>()) {
            if let Ok(s) = Schedule::parse(&spec, tz.as_deref())
                && let Some(t) = Utc.timestamp_opt(secs % 8_000_000_000_000, 0).single()
            {
                let _ = s.next_after(t);
            }
        }
    }
}
