//! Hand-built cases for the unit tests.

use notbetter_taxonomy::Case;

/// A case with the given id, domain and cause slugs (all confirmed), "Why it failed" text,
/// lessons and tags; everything else empty.
pub(crate) fn case(
    id: &str,
    domains: &[&str],
    causes: &[&str],
    investigation: &str,
    lessons: &str,
    tags: &[&str],
) -> Case {
    Case::builder(id)
        .domains(domains)
        .causes(causes)
        .investigation(investigation)
        .lessons(lessons)
        .tags(tags)
        .build()
}

/// Six cases: three shortcut cases from three fields, two leakage cases, one weak baseline.
pub(crate) fn corpus() -> Vec<Case> {
    vec![
        case(
            "cxr-hospital",
            &["healthcare/medical-imaging"],
            &["model/shortcut-learning", "data/confounding"],
            "The network recognised the hospital from scanner markers instead of the disease. \
             The marker artefact lined up with the label.",
            "Check which image evidence the model relies on. Test at a new hospital.",
            &["chest x-ray", "hospital"],
        ),
        case(
            "nli-overlap",
            &["language-technology/nlu"],
            &["model/shortcut-learning"],
            "The model learned word overlap, an annotation artefact that lined up with the label, \
             instead of meaning.",
            "Build challenge sets that break the artefact.",
            &["nli", "artefact"],
        ),
        case(
            "music-horse",
            &["ml-research"],
            &["model/shortcut-learning", "data/confounding"],
            "A recording artefact of the dataset lined up with the genre label; the systems \
             learned the artefact, not the music.",
            "Intervene on the recordings to see what the system relies on.",
            &["music", "artefact"],
        ),
        case(
            "eeg-subject",
            &["neuroscience"],
            &["data/leakage"],
            "Segments of one subject fell on both sides of the split, so the network recognised \
             the subject and the test score was inflated.",
            "Split by subject. Never let one subject reach both training and test.",
            &["eeg", "data splits"],
        ),
        case(
            "ppi-protein",
            &["biology/protein"],
            &["data/leakage"],
            "Random pair splits put the same protein in training and test, so the score was \
             inflated by recognising proteins seen in training.",
            "Split by protein so the test holds unseen proteins.",
            &["protein", "data splits"],
        ),
        case(
            "recsys-baseline",
            &["recommender-systems"],
            &["evaluation/weak-baselines"],
            "The neural recommender was compared with an untuned baseline; a tuned simple \
             baseline did as well.",
            "Tune the baselines as carefully as the new model.",
            &["recommender", "baselines"],
        ),
    ]
}
