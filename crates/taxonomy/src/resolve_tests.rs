//! Tests of the label rules beyond exact aliases (`resolve.rs`): heads, qualifiers and the
//! table of labels each rule maps or leaves unmapped.
use super::qualified_head;
use crate::{bundled, Dimension, Mapping};

fn got(dim: Dimension, label: &str) -> Option<(String, String)> {
    match bundled().map(dim, label) {
        Mapping::Matched { slug, rule, .. } => Some((slug, rule.to_string())),
        Mapping::Mapped { slug } => Some((slug, "alias".into())),
        Mapping::Unmapped { .. } => None,
    }
}

#[test]
fn a_qualified_head_is_the_words_before_the_closing_parenthesis() {
    assert_eq!(
        qualified_head("data:bias (enriched test sets)"),
        Some("data:bias")
    );
    assert_eq!(qualified_head("shift (across sites (two))"), Some("shift"));
    assert_eq!(qualified_head(" leakage (random splits) "), Some("leakage"));
    // Nothing before it, unbalanced, or not at the end: no head.
    assert_eq!(qualified_head("(only a qualifier)"), None);
    assert_eq!(qualified_head("shift across sites)"), None);
    assert_eq!(qualified_head("shift (sites) across time"), None);
    assert_eq!(qualified_head("label noise"), None);
}

#[test]
fn a_field_head_is_a_short_domain_phrase_before_a_colon() {
    use super::field_head;
    use Dimension::*;
    let head = "medical imaging: chest X-rays";
    assert_eq!(field_head(Domain, head), Some("medical imaging"));
    // Causes use the colon for a family prefix; no space, no detail or a sentence: none.
    assert_eq!(field_head(Cause, "evaluation: weak baselines"), None);
    assert_eq!(field_head(Domain, "healthcare:imaging"), None);
    assert_eq!(field_head(Domain, "medical imaging: "), None);
    assert_eq!(
        field_head(
            Domain,
            "we trained a network on scans from seven sites: it failed"
        ),
        None
    );
}

#[test]
fn rules_map_longer_wording() {
    use Dimension::*;
    type Row<'a> = (Dimension, &'a str, Option<(&'a str, &'a str)>);
    let table: &[Row] = &[
        (
            Cause,
            "covariate shift across sites",
            Some(("data/distribution-shift", "contains")),
        ),
        (
            Cause,
            "baselines left untuned and weak",
            Some(("evaluation/weak-baselines", "overlap")),
        ),
        // A qualifier naming one narrower entry of the head's entry decides.
        (
            Domain,
            "molecular modelling (drug discovery)",
            Some(("chemistry/drug-discovery", "contains")),
        ),
        (Domain, "molecular modelling", Some(("chemistry", "alias"))),
        (
            Cause,
            "covarate shfit",
            Some(("data/distribution-shift", "similar")),
        ),
        (
            Cause,
            "dataset artefact",
            Some(("model/shortcut-learning", "similar")),
        ),
        // A near spelling is near word by word: the joined words of "autonomous drones" and
        // "autonomous driving" share a long start.
        (Domain, "Autonomous Drones", None),
        // A word shared with a longer alias is not enough, nor one rare word of an alias
        // ("visual navigation") among words that point nowhere.
        (Domain, "Visual Art Generation", None),
        (Cause, "gremlins in the pipeline", None),
        // Two causes named: ambiguous, so unmapped.
        (Cause, "covariate shift and label noise", None),
        // An ambiguous alias inside a longer label is not enough.
        (Cause, "a data leak of customer records", None),
        (Cause, "other", None),
        // A parenthesis qualifies the name before it: the name decides, whatever the
        // qualifier names ("confounded"; "ill-conditioned loss" is optimisation's alias).
        (
            Cause,
            "data:label_quality (outcomes confounded by treatment)",
            Some(("data/label-quality", "contains")),
        ),
        (
            Cause,
            "model:assumption_violation (ill-conditioned soft-constraint loss)",
            Some(("model/assumption-violation", "contains")),
        ),
        // A head that maps by a looser rule still maps by it, on the head alone.
        (
            Cause,
            "baselines left untuned and weak (matrix factorisation)",
            Some(("evaluation/weak-baselines", "overlap")),
        ),
        // The qualifier alone does not map a head that names nothing known.
        (Cause, "market dynamics (covariate shift)", None),
        // A domain's field before a colon decides, whatever the details name ("large
        // language models" is language technology's alias)…
        (
            Domain,
            "cognitive psychology: large language models and theory of mind",
            Some(("psychology", "contains")),
        ),
        // …unless the label names a narrower entry of the same field…
        (
            Domain,
            "transport: motion planning for self-driving cars",
            Some(("transport/planning", "contains")),
        ),
        // …or the head names two fields (unmapped), or none (the whole label is read).
        (
            Domain,
            "empirical finance / development economics: forecasting from text",
            None,
        ),
        (
            Domain,
            "cloud computing: anomaly detection in serverless functions",
            Some(("engineering/time-series", "contains")),
        ),
        // Phrases as long as each other: the narrower entry; two sub-domains of one
        // field: the field.
        (
            Domain,
            "autonomous vehicle motion planning",
            Some(("transport/planning", "contains")),
        ),
        (
            Domain,
            "malware and intrusion detection tasks",
            Some(("security", "contains")),
        ),
        // A kind of data a domain alias names (`modality`) qualifies the field beside it…
        (
            Domain,
            "financial time series",
            Some(("finance", "contains")),
        ),
        (
            Domain,
            "mental health NLP",
            Some(("healthcare/mental-health", "contains")),
        ),
        (
            Domain,
            "satellite image time series",
            Some(("earth-climate/remote-sensing", "contains")),
        ),
        // …but alone, or with no field beside it, it is the domain it names…
        (
            Domain,
            "time series classification",
            Some(("engineering/time-series", "contains")),
        ),
        // …and a longer alias holding it is no modality: two fields stay two.
        (Domain, "economic time series forecasting", None),
    ];
    let mut wrong = Vec::new();
    for &(dim, label, want) in table {
        let g = got(dim, label);
        let want = want.map(|(s, r)| (s.to_string(), r.to_string()));
        if g != want {
            wrong.push(format!("{label:?}: got {g:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn an_alias_in_another_order_maps_unless_two_entries_share_its_words() {
    use Dimension::*;
    assert_eq!(
        got(Cause, "biased data"),
        Some(("data/bias".into(), "overlap".into()))
    );
    assert_eq!(
        got(Cause, "Validation, Lack of"),
        Some((
            "evaluation/insufficient-validation".into(),
            "overlap".into()
        ))
    );
    // Two entries' phrases of the same words: neither.
    let t = crate::Taxonomy::parse(&crate::BUNDLED_TAXONOMY.replace(
        "aliases = [\"unfairness\",",
        "aliases = [\"training data bias\", \"unfairness\",",
    ))
    .unwrap();
    assert!(matches!(
        t.map(Cause, "data biased training"),
        Mapping::Unmapped { .. }
    ));
    assert_eq!(
        got(Cause, "data biased training"),
        Some(("data/bias".into(), "overlap".into()))
    );
    // Two fields named are two, in any order ("economics and finance" is an alias of finance).
    assert_eq!(got(Domain, "finance / economics"), None);
}

#[test]
fn machine_learning_research_next_to_an_application_field_leaves_the_field_to_decide() {
    use Dimension::*;
    // "deep RL benchmarks" names machine learning research, "continuous control" robotics.
    let qualified = got(Domain, "continuous-control deep RL benchmarks");
    assert!(
        qualified
            .as_ref()
            .is_some_and(|(s, _)| s.starts_with("robotics")),
        "{qualified:?}"
    );
    // Alone it is machine learning research.
    assert_eq!(
        got(Domain, "image classification benchmarks")
            .map(|g| g.0)
            .as_deref(),
        Some("ml-research")
    );
}
