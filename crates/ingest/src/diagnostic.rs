//! Diagnostics: one problem in one input, located by file, line or record, and field.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where in a file a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "n")]
pub enum Location {
    /// The whole file.
    Whole,
    /// A line of a text file (1-based).
    Line(usize),
    /// A record of a JSON array (1-based).
    Record(usize),
    /// A JSON Lines record, by its line (1-based).
    JsonLine(usize),
    /// A CSV data row, by its line in the file (1-based, the header is line 1).
    Row(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Whole => Ok(()),
            Location::Line(n) => write!(f, ":{n}"),
            Location::Record(n) => write!(f, ": record {n}"),
            Location::JsonLine(n) => write!(f, ":{n} (record on line {n})"),
            Location::Row(n) => write!(f, ":{n} (row on line {n})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub location: Location,
    /// The 1-based line, where known (also for JSON Lines and CSV rows).
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        file: impl Into<String>,
        location: Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let line = match location {
            Location::Line(n) | Location::JsonLine(n) | Location::Row(n) => Some(n),
            Location::Whole | Location::Record(_) => None,
        };
        Diagnostic {
            severity,
            file: file.into(),
            location,
            line,
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    pub fn error(
        file: impl Into<String>,
        location: Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Error, file, location, field, message)
    }

    pub fn warning(
        file: impl Into<String>,
        location: Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Warning, file, location, field, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}{}", self.file, self.location)?;
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}
