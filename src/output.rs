//! Shared output helpers: diagnostics and progress bars.

use indicatif::{ProgressBar, ProgressStyle};
use notbetter_kb::Diagnostic;
use serde::Serialize;

/// A diagnostic as printed by `--json` outputs.
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: &'a str,
    pub line: Option<usize>,
    pub location: String,
    pub field: Option<&'a str>,
    pub message: &'a str,
    pub text: String,
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonDiagnostic {
            file: &d.file,
            line: d.line,
            location: format!("{}{}", d.file, d.location),
            field: d.field.as_deref(),
            message: &d.message,
            text: d.to_string(),
        }
    }
}

/// A progress bar on a terminal; hidden otherwise (indicatif hides it when stderr is not a
/// terminal).
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Prints pretty JSON to stdout. A closed pipe (`notbetter search --json | head`) ends the
/// output quietly instead of panicking.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
