//! The `notbetter` binary: parses the command line and wires the crates together.

mod bundled;
mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// Exit codes, as documented in the README.
pub const EXIT_OK: u8 = 0;
/// The input (files, a query, a label) had errors.
pub const EXIT_INPUT: u8 = 1;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if !matches!(
        cli.command,
        cli::Command::Serve { .. } | cli::Command::Bench { .. }
    ) {
        quit_on_closed_pipe();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NOTBETTER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(cli.log_default())),
        )
        .with_writer(std::io::stderr)
        .init();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// A one-shot command whose reader goes away (`notbetter search … | head`) stops quietly, as
/// Unix tools do, instead of panicking in `println!` with "failed printing to stdout". Rust
/// ignores SIGPIPE so that writes return `BrokenPipe`; this puts the default action back. Not
/// for the long-running server and benchmark, whose sockets must see a closed peer as an
/// error, not a signal. Stopping at any point is safe: a store write is one transaction, and
/// the index is rebuilt from the store when it is behind.
fn quit_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
