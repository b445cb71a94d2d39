//! Fuzz target: the CSV, JSON and JSON Lines readers, then the Checker on every record.
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use notbetter_ingest::{parse_text, Checker, Format};
use notbetter_taxonomy::{bundled, Source, Taxonomy};

fn taxonomy() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(bundled)
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the format; the rest is the file.
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (name, format) = match selector % 3 {
        0 => ("fuzz.csv", Format::Csv),
        1 => ("fuzz.json", Format::Json),
        _ => ("fuzz.jsonl", Format::JsonLines),
    };
    let taxonomy = taxonomy();
    let mut diagnostics = Vec::new();
    let records = parse_text(name, text, format, &mut diagnostics);
    let mut checker = Checker::new(taxonomy, Source::Curated, HashMap::new());
    for record in &records {
        let _ = record.origin();
        let _ = checker.check(record, &mut diagnostics);
    }
    for d in &diagnostics {
        let _ = d.to_string();
    }
});
