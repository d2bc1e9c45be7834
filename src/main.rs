fn main() -> std::process::ExitCode {
    ampflux::cli::main()
}
