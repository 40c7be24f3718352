//! The `lambdasim` command: a thin wrapper that maps one `Result` to an exit status
//! (0 success, 2 invalid input, 1 any other failure; 130 and 143 when interrupted by
//! SIGINT and SIGTERM).

fn main() -> std::process::ExitCode {
    lambdasim::command_line()
}
