//! Clustering a large synthetic corpus: prints the time taken (never asserted) and checks that
//! every case ends in exactly one cluster.
//!
//! The size is `NOTBETTER_CLUSTER_SCALE` (default 5,000, so a debug test run stays quick); the
//! 100k figure in ARCHITECTURE.md comes from
//! `NOTBETTER_CLUSTER_SCALE=100000 cargo test --release -p notbetter-cluster --test scale -- --nocapture`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use notbetter_cluster::cluster;
use notbetter_ingest::ingest_paths;
use notbetter_taxonomy::{Case, Source};

/// A small deterministic generator (SplitMix64), so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn sentences(text: &str) -> Vec<&str> {
    text.split_inclusive(". ").collect()
}

/// `n` cases made from the bundled ones: each keeps a real case's labels and tags and mixes its
/// sentences with one sentence of another case, so the vocabulary and the label mix are real
/// while the texts differ. One in four lists its causes in another order and one in eight
/// takes a cause of the other case, so there are many more cause profiles than in the bundle.
fn synthetic(base: &[Case], n: usize) -> Vec<Case> {
    let mut rng = Rng(7);
    (0..n)
        .map(|k| {
            let mut case = base[rng.below(base.len())].clone();
            let other = &base[rng.below(base.len())];
            for (field, donor) in [
                (&mut case.investigation, &other.investigation),
                (&mut case.lessons, &other.lessons),
            ] {
                let mut parts = sentences(field);
                let extra = sentences(donor);
                if !extra.is_empty() {
                    parts.insert(rng.below(parts.len() + 1), extra[rng.below(extra.len())]);
                }
                if parts.len() > 2 {
                    parts.remove(rng.below(parts.len()));
                }
                *field = parts.concat();
            }
            if rng.below(4) == 0 && case.causes.len() > 1 {
                let by = rng.below(case.causes.len());
                case.causes.rotate_left(by);
            }
            if rng.below(8) == 0 {
                if let Some(cause) = other.causes.first() {
                    if !case.causes.contains(cause) {
                        case.causes.push(cause.clone());
                    }
                }
            }
            case.id = format!("synthetic-{k:06}");
            case
        })
        .collect()
}

#[test]
fn clusters_a_large_synthetic_corpus() {
    let n: usize = std::env::var("NOTBETTER_CLUSTER_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/cases");
    let taxonomy = notbetter_taxonomy::bundled();
    let batch = ingest_paths(&[dir], &taxonomy, &Source::Curated, &HashMap::new());
    let base: Vec<Case> = batch.cases.into_iter().map(|p| p.case).collect();
    let cases = synthetic(&base, n);

    let start = Instant::now();
    let clustering = cluster(&cases, &taxonomy);
    let elapsed = start.elapsed();
    let sizes: Vec<usize> = clustering
        .clusters
        .iter()
        .map(|c| c.members.len())
        .collect();
    println!(
        "clustered {n} cases in {:.2} s: {} clusters ({} singletons, largest {}), {} shown",
        elapsed.as_secs_f64(),
        sizes.len(),
        sizes.iter().filter(|&&s| s == 1).count(),
        sizes.iter().max().unwrap_or(&0),
        clustering.shown().len(),
    );
    let start = Instant::now();
    let near = clustering.nearest_elsewhere("synthetic-000000", 5);
    println!(
        "nearest elsewhere in {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(near.len(), 5);

    let catalogue = notbetter_cluster::mechanism::Catalogue::bundled(&taxonomy).unwrap();
    let start = Instant::now();
    let mechanisms = notbetter_cluster::mechanism::assign(
        &cases,
        &catalogue,
        &notbetter_cluster::mechanism::MechanismParams::default(),
    );
    println!(
        "assigned mechanisms to {} of {n} cases in {:.2} s",
        mechanisms.of.len(),
        start.elapsed().as_secs_f64()
    );

    let mut seen = HashSet::new();
    for c in &clustering.clusters {
        for m in &c.members {
            assert!(seen.insert(m.as_str()), "{m} is in two clusters");
        }
    }
    assert_eq!(seen.len() + clustering.unclustered.len(), n);
}
