//! Integration tests: the real `notbetter` binary on real files, a real SQLite database, a real
//! tantivy index and, for the web, a real HTTP server.

mod cli;
mod content;
mod eval;
mod hostile;
mod interop;
mod live;
mod nodes;
mod reading;
mod reliability;
mod source_files;
mod util;
