//! Cross-domain clusters of cases that share a root-cause mechanism, and "this failure
//! elsewhere": a case's nearest counterparts in other fields.
//!
//! Pure computation: cases and the taxonomy in, clusters out. No IO, deterministic for a given
//! input. ARCHITECTURE.md (its `crates/cluster` section) explains the choices and the figures.
//!
//! # Method
//!
//! 1. **Vectors** (`vector`, `spread`). Each case becomes a sparse unit vector in two parts.
//!    The *text part* is TF-IDF over "Why it failed", the lessons, the tags (×1.5) and the title
//!    (×0.5): lowercased, NLTK English stop words and a few report words removed, Snowball
//!    stemmed; sublinear tf `1 + ln tf`; idf `ln(N / df)`, times a *domain spread* factor (a
//!    word confined to one top-level domain counts a quarter, one spread over four or more in
//!    full) and ×2 for words of the taxonomy's cause names and aliases; terms of one case only
//!    dropped; the 64 heaviest kept. The *cause part* holds pseudo-terms: `cause:<slug>` for
//!    the n-th confirmed cause at weight `1 / (n + 1)` (inferred causes half that) and
//!    `family:<family>` at half its cause's weight. Each part is L2-normalised and they are
//!    joined so that cosine similarity = 0.6 × cause similarity + 0.4 × text similarity.
//! 2. **Clusters** (`group`). Average-linkage hierarchical clustering ([`kodama`]) over cosine
//!    distance, cut where the mean similarity between two groups falls below 0.4. A corpus
//!    larger than 2,000 cases is sampled (the cases with the smallest hash of their id, so the
//!    sample is stable), the sample is clustered, and every other case joins the group whose
//!    centroid it is most similar to if that similarity (its mean similarity to the group's
//!    members) reaches the same 0.4; the rest go round again, at most four times, then stay
//!    alone. No all-pairs matrix is built over more than 2,000 cases.
//! 3. **Labels** (`label`): see [`Cluster`].
//! 4. **Look-ups** ([`Clustering`]): a case's cluster, the clusters to show, and a case's
//!    nearest cases in other top-level domains by the same vectors.
//!
//! Cases are not blocked by primary cause before clustering: reports of one mechanism often
//! list the same causes in another order, and blocking split them (see ARCHITECTURE.md). The
//! cause labels still dominate similarity, so clusters are groups of cases with like cause
//! profiles, and each is named after the cause its members carry with the most weight.
//!
//! # Thresholds
//!
//! Every number is a field of [`Params`] or a named constant, explained where it is defined.

mod clustering;
mod group;
mod label;
pub mod mechanism;
mod sparse;
mod spread;
#[cfg(test)]
mod testing;
mod text;
mod vector;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use notbetter_taxonomy::{Case, Taxonomy};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use clustering::Clustering;
pub use group::stable_key;

/// A group of cases that share a root-cause mechanism.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Stable id: the cause slug with `/` as `.`, a `.`, and the smallest member id
    /// (`model.shortcut-learning.arct-bert-spurious-cues`). Adding a case to another cluster
    /// does not change it.
    pub id: String,
    /// The cause's name and the most distinctive terms: "shortcut learning: hospital, site".
    pub label: String,
    /// The cause slug the members carry with the most weight (see [`Params::cause_decay`]).
    /// On the bundled cases every member has it confirmed; that is measured, not enforced.
    pub cause: String,
    /// Display words of the terms most typical of this cluster against the corpus, most
    /// typical first (the label shows the first few).
    pub terms: Vec<String>,
    /// Member case ids, sorted.
    pub members: Vec<String>,
    /// Top-level domain slugs the members come from, sorted.
    pub domains: Vec<String>,
    /// How many members come from each top-level domain (a member in two domains counts in
    /// both), for the cluster map.
    pub domain_counts: std::collections::BTreeMap<String, usize>,
    /// One line on the shared mechanism: cause, fields, the taxonomy's description, and the
    /// secondary causes most members share.
    pub mechanism: String,
    /// Lesson sentences gathered from the members, the most central first.
    pub lessons: Vec<SharedLesson>,
}

/// A lesson sentence from one member of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedLesson {
    pub case_id: String,
    pub text: String,
}

/// The knobs of clustering. The defaults are the documented choices; tests may change them.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Share of cosine similarity that comes from the cause labels (the rest from the text).
    pub cause_share: f32,
    /// The n-th cause label (0-based) of a case weighs `(n + 1) ^ -cause_decay`.
    pub cause_decay: f32,
    /// A cause adds its family pseudo-term at this share of its weight.
    pub family_share: f32,
    /// Words of the taxonomy's cause names and aliases weigh this many times more.
    pub lexicon_boost: f32,
    /// Two groups merge while their mean pairwise cosine similarity is at least this.
    pub cut_similarity: f32,
    /// Terms kept per case vector.
    pub max_terms: usize,
    /// Largest number of cases clustered with an all-pairs matrix; more are sampled.
    pub max_block: usize,
    /// Distinctive terms shown in a label.
    pub label_terms: usize,
    /// Distinctive terms kept in [`Cluster::terms`].
    pub cluster_terms: usize,
    /// Lesson sentences kept per cluster.
    pub max_lessons: usize,
}

impl Default for Params {
    /// Chosen on the bundled cases and the evaluation pairs (`tests/evaluation.rs`), from the
    /// middle of the range where the figures do not move, not from their best point:
    ///
    /// - `cause_share` 0.6: labels are what the reports agree on; text similarity between
    ///   cases of different fields is weak and overlapping (0.03–0.42 for the evaluation pairs
    ///   that share a mechanism, 0.01–0.17 for those that do not), so it refines the grouping
    ///   but cannot lead it.
    /// - `cause_decay` 1: causes weigh 1, 1/2, 1/3 by position. Steeper (1.5) makes clusters
    ///   one per primary cause and splits reports that list the same causes in another order;
    ///   flatter (0.5) weighs secondary causes nearly as much as the primary, so cases with one
    ///   primary but different secondaries drift apart.
    /// - `family_share` 0.5: a shared family (`model`, `data`) makes two causes a little alike.
    /// - `lexicon_boost` 2: 3 gives the same figures; 1 loses one evaluation pair.
    /// - `cut_similarity` 0.4: recall and precision hold from 0.30 to 0.45; above 0.45
    ///   clusters shatter into singletons, below 0.3 unrelated causes start to merge.
    /// - `max_terms` 64: a bundled case's text holds 50–110 distinct words (median about 70),
    ///   fewer once words of a single case are dropped, so the cut only trims the lightest
    ///   terms of long reports, and the fixed bound keeps dot products short at any length.
    /// - `max_block` 2,000: an all-pairs matrix of 2M entries, a fraction of a second; at 100k
    ///   cases one sample round and one assignment pass take a few seconds on 2 cores.
    /// - 4 label terms, 8 cluster terms, 8 lessons: what a row and a cluster page can show.
    fn default() -> Self {
        Params {
            cause_share: 0.6,
            cause_decay: 1.0,
            family_share: 0.5,
            lexicon_boost: 2.0,
            cut_similarity: 0.4,
            max_terms: 64,
            max_block: 2000,
            label_terms: 4,
            cluster_terms: 8,
            max_lessons: 8,
        }
    }
}

/// Clusters `cases` with the default parameters.
pub fn cluster(cases: &[Case], taxonomy: &Taxonomy) -> Clustering {
    cluster_with(cases, taxonomy, &Params::default())
}

/// Clusters `cases`. Case ids are taken to be unique; a repeated id keeps its first case.
pub fn cluster_with(cases: &[Case], taxonomy: &Taxonomy, params: &Params) -> Clustering {
    let mut seen = HashSet::new();
    let unique: Vec<bool> = cases.iter().map(|c| seen.insert(c.id.as_str())).collect();
    let cases: Cow<'_, [Case]> = if unique.iter().all(|&u| u) {
        Cow::Borrowed(cases)
    } else {
        Cow::Owned(
            cases
                .iter()
                .zip(&unique)
                .filter(|(_, &u)| u)
                .map(|(c, _)| c.clone())
                .collect(),
        )
    };
    let corpus = vector::Corpus::build(&cases, taxonomy, params);

    let mut clustered = Vec::new();
    let mut unclustered = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if vector::cause_terms(case, params).is_empty() {
            unclustered.push(case.id.clone());
        } else {
            clustered.push(i);
        }
    }
    let keys: Vec<u64> = cases.iter().map(|c| group::stable_key(&c.id)).collect();
    let groups = group::cluster_cases(
        &clustered,
        &corpus.vectors,
        &keys,
        corpus.terms.len(),
        params,
    );

    let cx = label::Context {
        cases: &cases,
        corpus: &corpus,
        taxonomy,
        params,
    };
    let mut clusters: Vec<Cluster> = groups
        .par_iter()
        .map_init(text::Tokenizer::default, |tok, members| {
            label::describe(&cx, tok, members)
        })
        .collect();
    clusters.sort_by(|a, b| a.id.cmp(&b.id));

    let by_case: HashMap<String, usize> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut cluster_of = vec![None; cases.len()];
    for (ci, c) in clusters.iter().enumerate() {
        for m in &c.members {
            cluster_of[by_case[m]] = Some(ci);
        }
    }
    let mut domain_ids: HashMap<String, u16> = HashMap::new();
    let entries = cases
        .iter()
        .map(|c| {
            let mut domains: Vec<u16> = label::top_domains(c)
                .into_iter()
                .map(|d| {
                    let next = domain_ids.len() as u16;
                    *domain_ids.entry(d).or_insert(next)
                })
                .collect();
            domains.sort_unstable();
            clustering::CaseEntry {
                id: c.id.clone(),
                domains,
            }
        })
        .collect();
    Clustering {
        clusters,
        unclustered,
        cases: entries,
        dims: corpus.terms.len(),
        vectors: corpus.vectors,
        by_case,
        cluster_of,
        mechanisms: mechanism::Mechanisms::default(),
        nearest: Default::default(),
    }
}
