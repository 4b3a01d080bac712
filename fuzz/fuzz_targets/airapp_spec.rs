//! An `AirApp` as the controller reads it from the cluster (JSON; YAML as
//! people write it), then its spec validated through the TOML reader.
#![no_main]

use air_reconciler::airapp::{AirApp, AirAppSpec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let app: Option<AirApp> = serde_json::from_slice(data)
        .ok()
        .or_else(|| serde_norway::from_slice(data).ok());
    if let Some(app) = app {
        let name = app.metadata.name.clone().unwrap_or_default();
        let _ = app.spec.to_app_config(&name, "air-system");
    }
    let spec: Option<AirAppSpec> = serde_json::from_slice(data)
        .ok()
        .or_else(|| serde_norway::from_slice(data).ok());
    if let Some(spec) = spec {
        let _ = spec.to_app_config("app", "air-system");
    }
});
