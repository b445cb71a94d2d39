//! The synthetic corpus's words: a seeded random stream, a Zipf sampler (Vose's alias method),
//! and a fixed vocabulary of function words, real domain words and pseudo-words.
//!
//! The vocabulary does not depend on the corpus seed, so the benchmark can pick its query terms
//! by frequency rank: rank 0 is the most frequent word.

use std::collections::HashSet;

use notbetter_taxonomy::Taxonomy;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded random stream (ChaCha8, whose output is fixed by its specification).
pub struct Rng(ChaCha8Rng);

impl Rng {
    /// The stream `stream` of `seed`: every case gets its own, so cases can be made in any
    /// order, on any thread, with the same result.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        r.set_stream(stream);
        Rng(r)
    }

    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Samples ranks 0..n with given weights in constant time (Vose's alias method).
pub struct Zipf {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Zipf {
    /// Zipf–Mandelbrot weights `1 / (rank + 1 + q)^s`.
    pub fn new(n: usize, s: f64, q: f64) -> Zipf {
        let weights: Vec<f64> = (0..n).map(|r| 1.0 / (r as f64 + 1.0 + q).powf(s)).collect();
        Zipf::from_weights(&weights)
    }

    pub fn from_weights(weights: &[f64]) -> Zipf {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Zipf { prob, alias }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len());
        if rng.f64() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// The most frequent words of English reports, most frequent first.
const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "in", "a", "was", "for", "on", "that", "with", "as", "by", "is",
    "were", "from", "at", "which", "this", "it", "be", "not", "an", "or", "are", "its", "but",
    "had", "has", "have", "after", "than", "when", "their", "more", "into", "only", "also",
    "between", "over", "both", "all", "other", "no", "these", "while", "because", "before", "each",
    "most", "did", "under", "could", "would", "been", "there", "so", "then", "where", "they",
    "one", "two", "three", "same", "such", "new", "used", "across",
];

/// Common content words of deep-learning failure reports, most frequent first.
const GENERAL_WORDS: &[&str] = &[
    "model",
    "data",
    "training",
    "accuracy",
    "dataset",
    "performance",
    "validation",
    "test",
    "network",
    "learning",
    "deep",
    "neural",
    "results",
    "prediction",
    "evaluation",
    "baseline",
    "features",
    "samples",
    "labels",
    "deployment",
    "error",
    "study",
    "method",
    "approach",
    "clinical",
    "images",
    "benchmark",
    "reported",
    "observed",
    "expected",
    "external",
    "cohort",
    "hospital",
    "sensor",
    "signal",
    "classifier",
    "trained",
    "predictions",
    "paper",
    "authors",
    "system",
    "set",
    "split",
    "metric",
    "score",
    "auc",
    "precision",
    "recall",
    "noise",
    "shift",
    "bias",
    "site",
    "patients",
    "users",
    "real",
    "world",
    "production",
    "simulation",
    "physics",
    "experiment",
    "experiments",
    "pipeline",
    "architecture",
    "transformer",
    "convolutional",
    "recurrent",
    "language",
    "vision",
    "segmentation",
    "detection",
    "regression",
    "forecast",
    "forecasting",
    "generalisation",
    "generalization",
    "robust",
    "robustness",
    "failure",
    "failed",
    "fails",
    "worse",
    "better",
    "improvement",
    "claimed",
    "promised",
    "literature",
    "replication",
    "reproduce",
    "reproduction",
    "code",
    "release",
    "annotation",
    "annotators",
    "imbalance",
    "minority",
    "subgroup",
    "population",
    "distribution",
    "domain",
    "target",
    "source",
    "transfer",
    "pretrained",
    "fine",
    "tuned",
    "tuning",
    "hyperparameters",
    "epochs",
    "loss",
    "objective",
    "optimisation",
    "gradient",
    "compute",
    "gpu",
    "latency",
    "memory",
    "hardware",
    "device",
    "edge",
    "cloud",
    "monitoring",
    "drift",
    "feedback",
    "workflow",
    "clinicians",
    "engineers",
    "operators",
    "review",
    "audit",
    "regulator",
    "investigation",
    "analysis",
    "ablation",
    "saliency",
    "attention",
    "explanation",
    "spurious",
    "correlation",
    "confounder",
    "leakage",
    "duplicates",
    "overlap",
    "temporal",
    "prospective",
    "retrospective",
    "trial",
    "randomised",
    "controlled",
    "sensitivity",
    "specificity",
    "calibration",
    "uncertainty",
    "ensemble",
    "simple",
    "logistic",
    "linear",
    "gradient-boosted",
    "trees",
    "heuristic",
    "rule",
    "expert",
    "human",
    "level",
    "outperformed",
    "matched",
    "dropped",
    "fell",
    "rose",
    "percent",
    "points",
    "margin",
    "variance",
    "seeds",
    "random",
    "sample",
    "size",
    "small",
    "large",
    "scale",
    "years",
    "months",
    "weeks",
    "days",
    "later",
    "earlier",
    "initial",
    "final",
    "finally",
    "however",
    "although",
    "instead",
    "because",
    "therefore",
    "lesson",
    "lessons",
    "check",
    "checks",
    "protocol",
    "guideline",
    "documentation",
];

/// How many words the vocabulary holds: enough for a long, thin tail as in real text.
pub const VOCABULARY: usize = 50_000;
/// Pseudo-words placed among the real words of middle frequency.
const MIDDLE_PSEUDO: usize = 1_500;
/// The vocabulary's own seed: the words are the same whatever the corpus seed.
const VOCAB_SEED: u64 = 0x4e6f_7442_6574_7465;

/// The ranked vocabulary and its Zipf sampler.
pub struct Vocab {
    words: Vec<String>,
    zipf: Zipf,
    /// Ranks below this are function words.
    pub function_words: usize,
    /// Ranks from `function_words` below this are [`GENERAL_WORDS`], in order.
    pub general_end: usize,
}

impl Vocab {
    pub fn new(taxonomy: &Taxonomy) -> Vocab {
        let mut seen: HashSet<String> = HashSet::new();
        let mut words: Vec<String> = Vec::with_capacity(VOCABULARY);
        for w in FUNCTION_WORDS.iter().chain(GENERAL_WORDS) {
            if seen.insert(w.to_string()) {
                words.push(w.to_string());
            }
        }
        let function_words = FUNCTION_WORDS.len();
        let general_end = words.len();
        let mut middle: Vec<String> = Vec::new();
        for e in taxonomy.entries() {
            for text in std::iter::once(&e.name).chain(&e.aliases) {
                for w in text.split(|c: char| !c.is_ascii_alphanumeric()) {
                    let w = w.to_ascii_lowercase();
                    if w.len() >= 3
                        && w.bytes().all(|b| b.is_ascii_lowercase())
                        && seen.insert(w.clone())
                    {
                        middle.push(w);
                    }
                }
            }
        }
        let mut rng = Rng::new(VOCAB_SEED, 0);
        let mut pseudo = Vec::new();
        while words.len() + middle.len() + pseudo.len() < VOCABULARY {
            let w = pseudo_word(&mut rng);
            if seen.insert(w.clone()) {
                pseudo.push(w);
            }
        }
        let rest = pseudo.split_off(MIDDLE_PSEUDO.min(pseudo.len()));
        middle.extend(pseudo);
        shuffle(&mut middle, &mut rng);
        words.extend(middle);
        words.extend(rest);
        Vocab {
            zipf: Zipf::new(words.len(), 1.0, 2.7),
            words,
            function_words,
            general_end,
        }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The word of a frequency rank (0 is the most frequent).
    pub fn word(&self, rank: usize) -> &str {
        &self.words[rank]
    }

    /// A word drawn by frequency.
    pub fn sample(&self, rng: &mut Rng) -> &str {
        &self.words[self.zipf.sample(rng)]
    }

    /// A word drawn by frequency, skipping function words.
    pub fn content(&self, rng: &mut Rng) -> &str {
        loop {
            let r = self.zipf.sample(rng);
            if r >= self.function_words {
                return &self.words[r];
            }
        }
    }
}

/// Fisher–Yates.
pub fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
}

/// A pronounceable non-word: two or three consonant-vowel syllables and a closing consonant.
fn pseudo_word(rng: &mut Rng) -> String {
    const ONSETS: &[&str] = &[
        "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "cr",
        "dr", "gr", "pr", "tr", "st", "pl", "cl", "sk", "sp", "th", "ch",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "a", "o", "e", "ai", "ou", "ea"];
    const CODAS: &[&str] = &[
        "n", "r", "l", "t", "m", "k", "x", "nd", "rt", "st", "ng", "p", "d", "g", "b", "z",
    ];
    let syllables = if rng.chance(0.55) { 2 } else { 3 };
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(rng.pick::<&str>(ONSETS));
        w.push_str(rng.pick::<&str>(VOWELS));
    }
    w.push_str(rng.pick::<&str>(CODAS));
    w
}
