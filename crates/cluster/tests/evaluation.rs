//! The evaluation of clustering on the bundled cases: pair recall over cross-domain pairs that
//! share a mechanism, and negative precision over pairs that share none.
//!
//! The pairs were chosen by reading the cases, not by running the clustering: a positive pair
//! is two cases from disjoint sets of top-level domains whose "Why it failed" describes one
//! mechanism; a negative pair is two cases whose mechanisms differ (often from the same field,
//! so that grouping by field alone would fail).

use std::collections::HashMap;
use std::path::PathBuf;

use notbetter_cluster::{cluster, Clustering};
use notbetter_ingest::ingest_paths;
use notbetter_taxonomy::{Case, Source};

/// Cross-domain pairs that share one mechanism.
const POSITIVE: &[(&str, &str)] = &[
    // Shortcuts: a nuisance signal of how the data were gathered predicts the label.
    // Image source (hospital) vs crowd-workers' writing habits: both artefacts line up with the label.
    (
        "covid-radiograph-shortcuts",
        "nli-annotation-artifacts-hypothesis-only",
    ),
    // Source of the images vs recording characteristics confounded with genre ("horses").
    (
        "covid-radiograph-shortcuts",
        "music-genre-recognition-horse-systems",
    ),
    // Lexical-overlap heuristics vs recording confounds: benchmark accuracy without competence.
    (
        "nli-bert-syntactic-heuristics-hans",
        "music-genre-recognition-horse-systems",
    ),
    // Hospital identity vs silence duration: a nuisance feature separates the classes.
    (
        "pneumonia-cxr-cross-hospital-generalization",
        "asvspoof-silence-shortcut",
    ),
    // Surgical ink marks vs cue words like "not": incidental marks predict the label.
    (
        "melanoma-cnn-surgical-skin-markings",
        "arct-bert-spurious-cues",
    ),
    // Patient and scanner signatures vs camera-trap backgrounds: site cues, hidden by random splits.
    (
        "hip-fracture-cnn-confounders",
        "camera-trap-new-location-generalization",
    ),
    // Weak baselines: a simple, well-tuned method does as well as the deep model.
    // Untuned recommender baselines vs autoregressive baselines for long-horizon forecasting.
    (
        "neural-recommenders-reproducibility-baselines",
        "transformers-lose-to-linear-time-series-forecasting",
    ),
    // ML PDE solvers against weak numerical methods vs GNNs against molecular descriptors.
    (
        "ml-pde-solvers-weak-baselines",
        "gnn-vs-descriptors-molecular-properties",
    ),
    // Untuned matrix factorisation vs Coulomb stress: a weak baseline flattered the deep model.
    (
        "ncf-vs-matrix-factorization-revisited",
        "aftershock-deep-learning-one-neuron",
    ),
    // Unextended BKT vs un-windowed classical learners: the baseline lacked what made depth win.
    (
        "deep-knowledge-tracing-vs-bkt",
        "gbrt-beats-deep-forecasting",
    ),
    // Robust04 weak baselines vs single-cell foundation models never tested against logistic regression.
    (
        "neural-ranking-weak-baselines-robust04",
        "scrna-foundation-models-vs-logistic-regression",
    ),
    // Statistical forecasting methods vs linear models of brain data: no strong baseline was run.
    (
        "ml-vs-statistical-forecasting-m3",
        "ukbiobank-brain-linear-vs-deep-scaling",
    ),
    // Leakage: test information reaches training.
    // The same protein vs the same person on both sides of a random split.
    ("ppi-prediction-data-leakage", "eeg-segment-leakage"),
    // Slices of one subject vs segments of one bearing recording in training and test.
    (
        "alzheimer-cnn-data-leakage-review",
        "bearing-fault-diagnosis-leakage",
    ),
    // Tuning and error estimation on the same folds vs the test set used to choose models.
    (
        "civil-war-random-forest-cross-validation",
        "alzheimer-cnn-data-leakage-review",
    ),
    // Pretraining data contains the benchmark vs contains the future being forecast.
    (
        "gsm8k-contamination-gsm1k",
        "pretrained-lm-lookahead-bias-forecasting",
    ),
    // Random splits put near neighbours in training: spatial tiles vs near-duplicate compounds.
    (
        "cnn-tree-species-spatial-autocorrelation",
        "superconductor-extrapolation-loco-cv",
    ),
    // Simulation to reality.
    // Simulated galaxy images lack observational effects vs simulators approximate contact.
    (
        "galaxy-merger-cnn-observational-realism",
        "robot-simulators-reality-gap-manipulation",
    ),
    // Agents exploit wall sliding vs models learn one simulation code's subgrid physics.
    (
        "habitat-sim2real-navigation-predictivity",
        "one-galaxy-cosmology-cross-simulation-robustness",
    ),
    // Drift: the link between inputs and target changes over time and a static model decays.
    (
        "android-malware-concept-drift-evaluation",
        "google-flu-trends-overestimation",
    ),
    // Surface features decide: game strings fool antivirus, content-free adverbs fool graders.
    (
        "cylance-antivirus-game-string-bypass",
        "short-answer-grading-adjective-adverb-attack",
    ),
];

/// Pairs that share no mechanism.
const NEGATIVE: &[(&str, &str)] = &[
    // Medical imaging: a learned shortcut vs a clinic workflow that could not use the tool.
    (
        "covid-radiograph-shortcuts",
        "diabetic-retinopathy-thailand-clinic-deployment",
    ),
    // PDEs: PINN training fails to converge vs solvers compared against weak numerics.
    ("pinn-gradient-pathologies", "ml-pde-solvers-weak-baselines"),
    // LLMs: benchmark contamination vs invented case law.
    (
        "gsm8k-contamination-gsm1k",
        "llm-legal-hallucinations-federal-cases",
    ),
    // Driving perception: driver over-reliance vs adversarial stickers.
    (
        "tesla-autopilot-mountain-view-crash",
        "stop-sign-physical-adversarial-stickers",
    ),
    // Untuned recommender baselines vs an ad-delivery objective that skews audiences.
    (
        "neural-recommenders-reproducibility-baselines",
        "facebook-ad-delivery-skew",
    ),
    // Neuroscience: subject leakage vs grid cells that appear only under narrow choices.
    ("eeg-segment-leakage", "grid-cells-deep-path-integration"),
    // Proteins: split leakage vs a structure model blind to point mutations.
    (
        "ppi-prediction-data-leakage",
        "alphafold2-missense-mutations",
    ),
    // Clinical prediction: a cost proxy for need vs a sepsis model failing on new patients.
    (
        "health-risk-algorithm-cost-proxy-racial-bias",
        "epic-sepsis-model-external-validation",
    ),
    // Finance: a housing market that shifted vs trees matching deep nets on credit data.
    (
        "zillow-offers-home-price-algorithm",
        "deep-learning-credit-scoring-xgboost",
    ),
    // Education: an early-warning system nobody could act on vs deep vs logistic tracing.
    (
        "wisconsin-dropout-early-warning-system",
        "knowledge-tracing-logistic-regression-vs-dkt",
    ),
    // Physics: PINN optimisation failures vs merger labels defined differently in simulation.
    (
        "pinn-failure-modes",
        "galaxy-merger-cnn-simulation-vs-observation",
    ),
    // Pedestrians: a safety driver and disabled braking vs constant velocity beating deep nets.
    (
        "uber-atg-tempe-pedestrian-fatality",
        "constant-velocity-pedestrian-prediction",
    ),
    // Materials: graph networks ignoring periodicity vs a database version that moved.
    ("crystal-gnn-periodicity", "materials-project-version-shift"),
    // Law: invented citations vs judgements that leak their own outcome.
    (
        "llm-legal-hallucinations-federal-cases",
        "court-decision-prediction-identification-not-forecasting",
    ),
    // Across fields, unrelated: a shortcut vs weak numerical baselines.
    (
        "covid-radiograph-shortcuts",
        "ml-pde-solvers-weak-baselines",
    ),
    // Across fields, unrelated: contamination vs the sim-to-real gap.
    (
        "gsm8k-contamination-gsm1k",
        "robot-simulators-reality-gap-manipulation",
    ),
    // Across fields, unrelated: biased historical labels vs forecasting baselines.
    (
        "amazon-recruiting-tool-gender-bias",
        "transformers-lose-to-linear-time-series-forecasting",
    ),
    // Across fields, unrelated: search behaviour drifting vs syntactic heuristics.
    (
        "google-flu-trends-overestimation",
        "nli-bert-syntactic-heuristics-hans",
    ),
];

fn bundled_cases() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/cases");
    let taxonomy = notbetter_taxonomy::bundled();
    let batch = ingest_paths(&[dir], &taxonomy, &Source::Curated, &HashMap::new());
    assert!(batch.errors().next().is_none(), "bundled cases have errors");
    batch.cases.into_iter().map(|p| p.case).collect()
}

fn same_cluster(c: &Clustering, a: &str, b: &str) -> bool {
    let (ca, cb) = (c.cluster_of(a), c.cluster_of(b));
    ca.is_some() && ca.map(|x| &x.id) == cb.map(|x| &x.id)
}

#[test]
fn pair_recall_and_negative_precision_on_bundled_cases() {
    let cases = bundled_cases();
    let taxonomy = notbetter_taxonomy::bundled();
    let by_id: HashMap<&str, &Case> = cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let top = |id: &str| -> Vec<String> {
        let case = by_id.get(id).unwrap_or_else(|| panic!("no case `{id}`"));
        let mut d: Vec<String> = case
            .domains
            .iter()
            .filter_map(|l| l.slug())
            .map(|s| s.split('/').next().unwrap_or(s).to_string())
            .collect();
        d.sort();
        d.dedup();
        d
    };
    assert!(POSITIVE.len() >= 15 && NEGATIVE.len() >= 15);
    for (a, b) in POSITIVE {
        let (da, db) = (top(a), top(b));
        assert!(
            !da.iter().any(|d| db.contains(d)),
            "{a} and {b} share a domain"
        );
    }
    for (a, b) in NEGATIVE {
        top(a);
        top(b);
    }

    let clustering = cluster(&cases, &taxonomy);
    let mut hits = 0;
    for (a, b) in POSITIVE {
        let together = same_cluster(&clustering, a, b);
        hits += usize::from(together);
        if !together {
            println!(
                "apart:    {a} [{}] / {b} [{}]",
                clustering.cluster_of(a).map_or("-", |c| &c.label),
                clustering.cluster_of(b).map_or("-", |c| &c.label)
            );
        }
    }
    let mut apart = 0;
    for (a, b) in NEGATIVE {
        let together = same_cluster(&clustering, a, b);
        apart += usize::from(!together);
        if together {
            println!(
                "together: {a} / {b} [{}]",
                clustering.cluster_of(a).unwrap().label
            );
        }
    }
    let recall = hits as f64 / POSITIVE.len() as f64;
    let precision = apart as f64 / NEGATIVE.len() as f64;
    println!(
        "pair recall {recall:.3} ({hits}/{}), negative precision {precision:.3} ({apart}/{})",
        POSITIVE.len(),
        NEGATIVE.len()
    );
    // Clusters are not built per cause, so report how many members carry their cluster's
    // cause among their confirmed labels.
    let carrying = clustering
        .clusters
        .iter()
        .flat_map(|c| c.members.iter().map(move |m| (c, m)))
        .filter(|(c, m)| {
            by_id[m.as_str()]
                .slugs(
                    notbetter_taxonomy::Dimension::Cause,
                    notbetter_taxonomy::LabelState::Confirmed,
                )
                .any(|s| s == c.cause)
        })
        .count();
    println!(
        "{} clusters, {} shown; {carrying} of {} clustered cases carry their cluster's cause",
        clustering.clusters.len(),
        clustering.shown().len(),
        cases.len() - clustering.unclustered.len()
    );
    for c in clustering.shown() {
        println!(
            "  {:2} fields, {:2} cases  {}",
            c.domains.len(),
            c.members.len(),
            c.label
        );
    }
    assert!(recall >= 0.8, "pair recall {recall:.3} < 0.8");
    assert!(precision >= 0.9, "negative precision {precision:.3} < 0.9");
}
