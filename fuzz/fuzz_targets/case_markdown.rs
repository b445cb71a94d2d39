//! Fuzz target: the `+++` front-matter and `##`-section Markdown case parser, then the Checker.
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
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let taxonomy = taxonomy();
    let mut diagnostics = Vec::new();
    let records = parse_text("fuzz.md", text, Format::Markdown, &mut diagnostics);
    let mut checker = Checker::new(taxonomy, Source::Contributed, HashMap::new());
    for record in &records {
        if let Some(case) = checker.check(record, &mut diagnostics) {
            // A checked case has a valid id and labels that exist in the taxonomy.
            assert!(
                !case.id.is_empty() && case.id.len() <= 100,
                "bad id {:?}",
                case.id
            );
            for label in case
                .causes
                .iter()
                .chain(&case.domains)
                .chain(&case.failure_modes)
            {
                let _ = label.slug();
            }
        }
    }
    for d in &diagnostics {
        let _ = d.to_string();
    }
});
