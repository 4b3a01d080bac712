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
