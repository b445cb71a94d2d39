//! The curated cases embedded in the binary, so a first run shows real content from any
//! working directory.

use include_dir::{include_dir, Dir};

static CASES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/data/cases");

/// (name, text) of every bundled case file, sorted by name.
pub fn case_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = CASES
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "md"))
        .filter_map(|f| {
            Some((
                format!("data/cases/{}", f.path().display()),
                f.contents_utf8()?.to_string(),
            ))
        })
        .collect();
    files.sort();
    files
}
