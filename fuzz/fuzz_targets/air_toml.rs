//! air.toml: the span-keeping reader (with and without an `[env.NAME]`
//! overlay), then a whole `air check` of a small app under that manifest.
#![no_main]

use air_compiler::source::MemProvider;
use air_compiler::{CompileOptions, Diagnostics, FileId};
use libfuzzer_sys::fuzz_target;

const APP: &str = "param tag: string = \"1\"\n\
    event Ping { data { id: string } }\n\
    function f { image = \"r.example.com/f:\" + params.tag  on Ping }\n\
    workflow w { on Ping  call f { id: ${ .data.id } } }\n";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for (env, strict) in [(None, true), (Some("prod"), true), (Some("prod"), false)] {
        let mut d = Diagnostics::new();
        let _ = air_compiler::manifest::parse_manifest(FileId(0), &text, env, strict, &mut d);
    }
    let provider = MemProvider::single("app", &text, &[("app/app.air", APP)]);
    for env in [None, Some("prod".to_string())] {
        let opts = CompileOptions {
            app_dir: "app".into(),
            env,
        };
        let _ = air_compiler::compile::build(&provider, &opts);
    }
});
