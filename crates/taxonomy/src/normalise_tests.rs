//! Tests of label normalisation (`normalise.rs`): matching, exact aliases, AVID codes,
//! suggestions and cause inference.
use super::*;
use crate::bundled;

/// Exact alias mappings only (the looser rules have their own tests in `resolve`).
fn mapped(dim: Dimension, label: &str) -> Option<String> {
    match bundled().map(dim, label) {
        Mapping::Mapped { slug } => Some(slug),
        Mapping::Matched { .. } | Mapping::Unmapped { .. } => None,
    }
}

#[test]
fn aliases_map_to_slugs() {
    use Dimension::*;
    let table: &[(Dimension, &str, Option<&str>)] = &[
        (Cause, "covariate shift", Some("data/distribution-shift")),
        (Cause, "Covariate Shift", Some("data/distribution-shift")),
        (Cause, "dataset shift", Some("data/distribution-shift")),
        (Cause, "data-set shifts", Some("data/distribution-shift")),
        (Cause, "Domain-Shift", Some("data/distribution-shift")),
        (Cause, "temporal drift", Some("data/distribution-shift")),
        (Cause, "concept drift", Some("data/distribution-shift")),
        (
            Cause,
            "spurious correlation",
            Some("model/shortcut-learning"),
        ),
        (
            Cause,
            "Spurious Correlations",
            Some("model/shortcut-learning"),
        ),
        (Cause, "Clever Hans", Some("model/shortcut-learning")),
        (Cause, "clever-hans", Some("model/shortcut-learning")),
        (Cause, "label noise", Some("data/label-quality")),
        (Cause, "Annotation errors", Some("data/label-quality")),
        (Cause, "data leak", Some("data/leakage")),
        (Cause, "Data Leaks", Some("data/leakage")),
        (Cause, "train/test contamination", Some("data/leakage")),
        (Cause, "train-test contamination", Some("data/leakage")),
        (
            Cause,
            "sim-to-real gap",
            Some("data/simulated-data-quality"),
        ),
        (
            Cause,
            "sim to real gap",
            Some("data/simulated-data-quality"),
        ),
        (Cause, "GPU memory", Some("deployment/hardware-constraints")),
        (Cause, "data/leakage", Some("data/leakage")),
        (Cause, "leakage", Some("data/leakage")),
        (Cause, "Shortcut learning", Some("model/shortcut-learning")),
        (Cause, "weak baselines", Some("evaluation/weak-baselines")),
        (Cause, "data:weak_baselines", None),
        (
            Cause,
            "evaluation:weak_baselines",
            Some("evaluation/weak-baselines"),
        ),
        (Cause, "", None),
        (Cause, "!!!", None),
        // After an AVID code, the words are read (causes: see `avid_codes_decide_causes`).
        (
            Domain,
            "P0201: radiology",
            Some("healthcare/medical-imaging"),
        ),
        (Domain, "radiology", Some("healthcare/medical-imaging")),
        (
            Domain,
            "Medical Imaging",
            Some("healthcare/medical-imaging"),
        ),
        (Domain, "EHR", Some("healthcare/clinical-prediction")),
        (Domain, "drug discovery", Some("chemistry/drug-discovery")),
        (Domain, "self-driving", Some("transport")),
        (Domain, "Self Driving Cars", Some("transport")),
        (Domain, "healthcare", Some("healthcare")),
        (Domain, "health care", Some("healthcare")),
        (Domain, "earth & climate science", Some("earth-climate")),
        (Domain, "NLP", Some("language-technology")),
        (Domain, "basket weaving", None),
        (
            FailureMode,
            "Suboptimal performance",
            Some("suboptimal-performance"),
        ),
        (FailureMode, "safety", Some("safety-reliability")),
    ];
    let mut wrong = Vec::new();
    for &(dim, label, want) in table {
        let got = mapped(dim, label);
        if got.as_deref() != want {
            wrong.push(format!("{dim} {label:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn avid_codes_decide_causes() {
    let t = bundled();
    let by_code = |label: &str| match t.map(Dimension::Cause, label) {
        Mapping::Matched { slug, rule, .. } => {
            assert_eq!(rule, MatchRule::Code);
            Some(slug)
        }
        _ => None,
    };
    assert_eq!(
        by_code("P0201: Resilience/ Stability").as_deref(),
        Some("model/robustness")
    );
    assert_eq!(
        by_code("p0101 something").as_deref(),
        Some("data/distribution-shift")
    );
    // Two entries for the code: unmapped, and both offered.
    let Mapping::Unmapped { suggestions } = t.map(Dimension::Cause, "S0403: Adversarial Example")
    else {
        panic!("S0403 names robustness and security");
    };
    assert_eq!(suggestions, ["model/robustness", "deployment/security"]);
    // A harm, not a cause: unmapped, whatever the words.
    assert!(matches!(
        t.map(Dimension::Cause, "E0301: Toxicity"),
        Mapping::Unmapped { .. }
    ));
    // A garak probe's module decides a cause from AVID's wording, which otherwise names only
    // the scanner and the model.
    let garak = |probe: &str| {
        format!(
            "The model Mistral-Small-24B-Instruct-2501 from Mistral was evaluated by the Garak \
             LLM Vulnerability scanner using the probe `{probe}`."
        )
    };
    assert_eq!(
        by_code(&garak("latentinjection.LatentInjectionReport")).as_deref(),
        Some("deployment/security")
    );
    assert_eq!(
        by_code(&garak("packagehallucination.Python")).as_deref(),
        Some("model/hallucination")
    );
    // A content probe names no cause, and nothing else in the label does.
    assert!(matches!(
        t.map(Dimension::Cause, &garak("lmrc.Bullying")),
        Mapping::Unmapped { .. }
    ));
    // A failure mode is read from the words, and from the code when they name none.
    let mode = |label: &str| match t.map(Dimension::FailureMode, label) {
        Mapping::Matched { slug, rule, .. } => Some((slug, Some(rule))),
        Mapping::Mapped { slug } => Some((slug, None)),
        Mapping::Unmapped { .. } => None,
    };
    assert_eq!(
        mode("E0302: Polarization/ Exclusion"),
        Some(("ethical-societal".into(), Some(MatchRule::Code)))
    );
    assert_eq!(
        mode("P0401: harm to the user's health"),
        Some(("safety-reliability".into(), Some(MatchRule::Code)))
    );
    assert_eq!(
        mode("P0402: physical harm"),
        Some(("safety-reliability".into(), None))
    );
    assert_eq!(mode("P0403: Socioeconomic safety"), None);
    assert_eq!(mode("S0403: Adversarial Example"), None);
}

#[test]
fn unknown_labels_get_close_suggestions() {
    let t = bundled();
    // A near spelling is matched by rule (see `resolve`); its suggestions still lead
    // with the right entry.
    let suggestions = t.suggest(Dimension::Cause, "covariate shfit");
    assert_eq!(
        suggestions.first().map(String::as_str),
        Some("data/distribution-shift")
    );
    let suggestions = t.suggest(Dimension::Cause, "label leakage problems");
    assert!(
        suggestions.contains(&"data/leakage".to_string()),
        "{suggestions:?}"
    );
    let Mapping::Unmapped { suggestions } = t.map(Dimension::Domain, "zzzz qqqq") else {
        panic!("should not map")
    };
    assert!(suggestions.is_empty(), "{suggestions:?}");
}

#[test]
fn infers_causes_with_evidence() {
    let t = bundled();
    let text = "The model relied on spurious correlations with the hospital; under covariate \
                shift at a new site, accuracy fell.";
    let inferred = t.infer_causes(text);
    let slugs: Vec<_> = inferred.iter().map(|i| i.slug.as_str()).collect();
    assert!(slugs.contains(&"model/shortcut-learning"), "{inferred:?}");
    assert!(slugs.contains(&"data/distribution-shift"), "{inferred:?}");
    let shortcut = inferred
        .iter()
        .find(|i| i.slug == "model/shortcut-learning")
        .unwrap();
    assert_eq!(shortcut.evidence, vec!["spurious correlation".to_string()]);
    // One generic word is not evidence enough.
    assert!(t.infer_causes("There was some bias.").is_empty());
    // Ambiguous aliases are labels, not evidence: a privacy breach is no train/test leak.
    assert!(t
        .infer_causes("A data leak exposed customer records.")
        .is_empty());
    assert!(t.infer_causes("").is_empty());
}

#[test]
fn normalisation_is_idempotent_on_words_that_stem_many_times() {
    // Found by the `labels` fuzz target (fuzz/regressions/labels/).
    for s in [
        "tevaludllllllll+rom spuvIousstrongl",
        "lllllllllllllllllllllll",
    ] {
        let once = normalise_label(s);
        assert_eq!(normalise_label(&once), once, "{s:?}");
    }
}

proptest::proptest! {
    #[test]
    fn normalisation_is_idempotent(s in "\\PC{0,40}") {
        let once = normalise_label(&s);
        proptest::prop_assert_eq!(normalise_label(&once), once.clone());
    }

    #[test]
    fn mapping_never_panics(s in "\\PC{0,60}") {
        let t = bundled();
        let _ = t.map(Dimension::Cause, &s);
        let _ = t.infer_causes(&s);
    }
}
