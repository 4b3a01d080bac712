//! One `.air` file through everything `air check` runs: parse, resolve,
//! check, and the lowering's diagnostics. Must never panic.
#![no_main]

use air_compiler::CompileOptions;
use air_compiler::source::MemProvider;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let provider = MemProvider::single(
        "app",
        "[app]\nname = \"fuzz\"\nnamespace = \"fuzz\"\n",
        &[("app/app.air", &text)],
    );
    let opts = CompileOptions {
        app_dir: "app".into(),
        env: None,
    };
    let c = air_compiler::compile::check(&provider, &opts);
    // Rendering reads every span back from the sources.
    for d in c.diagnostics.iter() {
        for l in &d.labels {
            let _ = c.sources.line_col(l.span);
            let _ = c.sources.snippet(l.span);
        }
    }
});
