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
