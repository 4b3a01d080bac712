/// Compiling allocates many small nodes; mimalloc keeps that cheap
/// (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    air_cli::main()
}
