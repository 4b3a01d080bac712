/// Compiling allocates many small nodes; mimalloc keeps that cheap
/// (docs/performance.md). The `system-alloc` feature leaves it out, so
/// heap profilers that intercept malloc see every allocation.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    air_cli::main()
}
