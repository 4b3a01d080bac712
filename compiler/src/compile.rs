//! The driver: runs the stages in order and stops between stages when a
//! stage reported errors.

use crate::diagnostic::Diagnostics;
use crate::emit::{BuildOutput, Stream};
use crate::model::Program;
use crate::source::{SourceMap, SourceProvider};

// The options live with the sources they select from (resolve reads them
// too, and sits below this driver); re-exported where callers find them.
pub use crate::source::CompileOptions;

/// Everything a compilation produced. `sources` is always filled with what
/// was read, so diagnostics can be rendered.
#[derive(Debug, Default)]
pub struct Compilation {
    pub sources: SourceMap,
    pub program: Option<Program>,
    pub diagnostics: Diagnostics,
    /// Set by [`build`] when there were no errors.
    pub output: Option<BuildOutput>,
    /// Set by [`build_stream`] when there were no errors.
    pub stream: Option<Stream>,
}

/// parse + resolve + check + lower: every diagnostic [`build`] reports,
/// without emitting anything (`air check`). An app that checks cleanly
/// builds.
pub fn check(provider: &dyn SourceProvider, opts: &CompileOptions) -> Compilation {
    let mut c = front(provider, opts);
    if !c.diagnostics.has_errors()
        && let Some(program) = &c.program
    {
        // Lowering reports what the targets cannot carry (E055x, E057x,
        // W0501); its objects are dropped.
        crate::lower::diagnose(
            program,
            &c.sources,
            provider.workflow_memo(),
            &mut c.diagnostics,
        );
    }
    c.diagnostics.sort();
    c
}

/// parse + resolve + check + lower + emit. `output` is `None` when any
/// error was reported: nothing of a broken app is ever emitted.
pub fn build(provider: &dyn SourceProvider, opts: &CompileOptions) -> Compilation {
    let mut c = front(provider, opts);
    if let Some(lowered) = lower_clean(&mut c, crate::lower::lower_text) {
        c.output = Some(crate::emit::emit_text(lowered));
    }
    c.diagnostics.sort();
    c
}

/// [`build`] for `air build --stdout`: only the stream of objects, which
/// is all that is kept of the lowering (no files, no catalog; each
/// workflow document only inside its ConfigMap), in a fraction of
/// [`build`]'s memory. Same diagnostics, same bytes as
/// [`BuildOutput::stream`].
pub fn build_stream(provider: &dyn SourceProvider, opts: &CompileOptions) -> Compilation {
    let mut c = front(provider, opts);
    if let Some(lowered) = lower_clean(&mut c, crate::lower::lower_stream) {
        c.stream = Some(Stream::new(lowered));
    }
    c.diagnostics.sort();
    c
}

/// Lower `c`'s program with `lower` if the front end reported no error,
/// and keep the result if the lowering reported none either.
fn lower_clean(
    c: &mut Compilation,
    lower: fn(
        &crate::model::Program,
        &SourceMap,
        &mut Diagnostics,
    ) -> Option<crate::lower::LoweredText>,
) -> Option<crate::lower::LoweredText> {
    if c.diagnostics.has_errors() {
        return None;
    }
    let lowered = lower(c.program.as_ref()?, &c.sources, &mut c.diagnostics);
    if c.diagnostics.has_errors() {
        return None;
    }
    lowered
}

/// parse + resolve + check, then the root app's `test` blocks as a test
/// bundle: JSON in the shape of `air_engine::plan::TestBundle`, names
/// resolved to what `build` emits for the same options (`--env`
/// included). The bundle is `None` when any error was reported.
pub fn test_bundle(
    provider: &dyn SourceProvider,
    opts: &CompileOptions,
) -> (Compilation, Option<serde_json::Value>) {
    let mut c = check(provider, opts);
    let mut bundle = None;
    if !c.diagnostics.has_errors()
        && let Some(program) = &c.program
    {
        bundle = crate::lower::testplan::test_bundle(program, &c.sources, &mut c.diagnostics);
        c.diagnostics.sort();
    }
    (c, bundle)
}

/// parse + resolve + check: the program, unless resolution failed, and
/// the front end's diagnostics, for callers that lower the program
/// themselves (`air diff`, `air apply`, the reconciler).
pub fn front(provider: &dyn SourceProvider, opts: &CompileOptions) -> Compilation {
    let mut c = Compilation::default();
    c.program = crate::resolve::resolve(provider, opts, &mut c.sources, &mut c.diagnostics);
    if let Some(program) = &c.program
        && !c.diagnostics.has_errors()
    {
        crate::check::check(
            program,
            &c.sources,
            provider.workflow_memo(),
            &mut c.diagnostics,
        );
    }
    c.diagnostics.sort();
    c
}
