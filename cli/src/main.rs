fn main() -> std::process::ExitCode {
    air_cli::main()
}
