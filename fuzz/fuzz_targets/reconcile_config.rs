//! The `air reconcile` TOML file (`--config`), with its durations.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match air_reconciler::config::parse(text) {
        Ok(config) => {
            let _ = format!("{config:?}");
        }
        Err(errors) => {
            let _ = errors.to_string();
        }
    }
    let _ = air_reconciler::config::parse_duration(text);
});
