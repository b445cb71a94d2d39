//! Fuzz target: label normalisation (idempotent), mapping onto the taxonomy, suggestions and
//! cause inference from free text.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use notbetter_taxonomy::{bundled, normalise_label, Dimension, Mapping, Taxonomy};

fn taxonomy() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(bundled)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let taxonomy = taxonomy();
    let once = normalise_label(text);
    let twice = normalise_label(&once);
    assert_eq!(once, twice, "normalise_label is not idempotent on {text:?}");
    for dim in [Dimension::Domain, Dimension::Cause, Dimension::FailureMode] {
        let mapping = taxonomy.map(dim, text);
        match &mapping {
            Mapping::Mapped { slug } => {
                assert!(
                    taxonomy.get(dim, slug).is_some(),
                    "mapped to unknown {slug}"
                );
                // Mapping depends only on the normalised form.
                assert_eq!(taxonomy.map(dim, &once), mapping, "{text:?} vs {once:?}");
            }
            Mapping::Matched {
                slug, confidence, ..
            } => {
                assert!(
                    taxonomy.get(dim, slug).is_some(),
                    "matched to unknown {slug}"
                );
                assert!(*confidence >= notbetter_taxonomy::MIN_CONFIDENCE && *confidence <= 100);
                assert_eq!(taxonomy.map(dim, &once), mapping, "{text:?} vs {once:?}");
            }
            Mapping::Unmapped { suggestions } => {
                assert!(suggestions.len() <= 3);
                for s in suggestions {
                    assert!(taxonomy.get(dim, s).is_some(), "suggested unknown {s}");
                }
            }
        }
    }
    for inference in taxonomy.infer_causes(text) {
        assert!(taxonomy.get(Dimension::Cause, &inference.slug).is_some());
        assert!(!inference.evidence.is_empty());
    }
});
