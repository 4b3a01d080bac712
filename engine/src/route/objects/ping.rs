//! PingSources: schedule, time zone, payload, extensions, sink.

use super::{Ctx, Destination, Meta, ObjectError, opt_str, string_map};
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Knative's default schedule (`ping_defaults.go`): every minute.
pub const DEFAULT_SCHEDULE: &str = "* * * * *";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PingSource {
    pub meta: Meta,
    /// The cron expression as written (Knative's default when absent).
    pub schedule: String,
    /// An IANA time zone; none means the adapter's zone (UTC here).
    pub timezone: Option<String>,
    /// `data`: the payload as text.
    pub data: Option<String>,
    /// `dataBase64`: the payload, base64 (checked to decode).
    pub data_base64: Option<String>,
    pub content_type: Option<String>,
    /// `ceOverrides.extensions`: extension attributes of every tick.
    pub extensions: BTreeMap<String, String>,
    pub sink: Destination,
}

pub(super) fn read(ctx: Ctx, obj: &Map<String, Value>) -> Result<PingSource, ObjectError> {
    let Some(spec) = obj.get("spec").and_then(Value::as_object) else {
        return Err(ctx.error("no `spec`".into()));
    };
    let text = |k: &str| -> Result<Option<String>, ObjectError> {
        opt_str(spec.get(k), &format!("spec.{k}"))
            .map(|s| s.filter(|s| !s.is_empty()))
            .map_err(|e| ctx.error(e))
    };
    let schedule = text("schedule")?.unwrap_or_else(|| DEFAULT_SCHEDULE.to_string());
    let timezone = text("timezone")?;
    let data = text("data")?;
    let data_base64 = text("dataBase64")?;
    let content_type = text("contentType")?;
    if data.is_some() && data_base64.is_some() {
        return Err(ctx.error("sets both `spec.data` and `spec.dataBase64`".into()));
    }
    if let Some(b) = &data_base64
        && let Err(e) = base64::engine::general_purpose::STANDARD.decode(b)
    {
        return Err(ctx.error(format!("`spec.dataBase64` is not base64: {e}")));
    }
    let extensions = string_map(
        spec.get("ceOverrides").and_then(|o| o.get("extensions")),
        "spec.ceOverrides.extensions",
    )
    .map_err(|e| ctx.error(e))?;
    // Checked here so a bad schedule names its object.
    crate::route::schedule::Schedule::parse(&schedule, timezone.as_deref())
        .map_err(|e| ctx.error(format!("`spec.schedule`: {e}")))?;
    let sink = Destination::read(spec.get("sink"), "spec.sink", &ctx.meta.namespace)
        .map_err(|e| ctx.error(e))?;
    Ok(PingSource {
        meta: ctx.meta,
        schedule,
        timezone,
        data,
        data_base64,
        content_type,
        extensions,
        sink,
    })
}
