//! The bundled content: strict validation of every case in `data/cases`, and the coverage
//! figures the knowledge base promises. The figures are printed so the next reader sees how the
//! content stands (`cargo test content -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use notbetter_taxonomy::{Dimension, LabelState, Source};

use crate::util::repo;

#[test]
fn bundled_cases_pass_strict_validation_and_meet_coverage() {
    let taxonomy = notbetter_taxonomy::bundled();
    let dir = repo().join("data/cases");
    let mut batch =
        notbetter_ingest::ingest_paths(&[dir], &taxonomy, &Source::Curated, &HashMap::new());
    batch.make_strict();
    let problems: Vec<String> = batch.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );

    let cases: Vec<_> = batch.cases.iter().map(|p| &p.case).collect();
    for c in &cases {
        assert!(!c.incomplete, "{} is incomplete", c.id);
        for dim in Dimension::ALL {
            assert!(
                c.labels(dim)
                    .iter()
                    .all(|l| l.state == LabelState::Confirmed),
                "{}: every label maps to the taxonomy",
                c.id
            );
        }
        assert!(!c.references.is_empty(), "{} has no reference", c.id);
        assert!(
            !c.domains.is_empty() && !c.causes.is_empty(),
            "{} lacks labels",
            c.id
        );
    }

    // Cases per top-level domain, and the top-level domains each cause occurs in.
    let mut per_domain: BTreeMap<&str, usize> = BTreeMap::new();
    let mut cause_domains: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut families: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        let tops: BTreeSet<&str> = c
            .slugs(Dimension::Domain, LabelState::Confirmed)
            .map(|d| d.split('/').next().unwrap())
            .collect();
        for t in &tops {
            *per_domain.entry(t).or_default() += 1;
        }
        for cause in c.slugs(Dimension::Cause, LabelState::Confirmed) {
            cause_domains
                .entry(cause)
                .or_default()
                .extend(tops.iter().copied());
            *families
                .entry(cause.split('/').next().unwrap())
                .or_default() += 1;
        }
    }
    let group = |names: &[&str]| -> usize {
        cases
            .iter()
            .filter(|c| {
                c.slugs(Dimension::Domain, LabelState::Confirmed)
                    .any(|d| names.contains(&d.split('/').next().unwrap()))
            })
            .count()
    };
    let groups: Vec<(&str, usize)> = vec![
        ("healthcare", group(&["healthcare"])),
        ("biology", group(&["biology"])),
        ("chemistry or materials", group(&["chemistry", "materials"])),
        ("physics", group(&["physics"])),
        ("earth and climate", group(&["earth-climate"])),
        ("robotics", group(&["robotics"])),
        ("education", group(&["education"])),
        ("social sciences", group(&["social-sciences"])),
        ("economics or finance", group(&["economics", "finance"])),
        (
            "neuroscience or psychology",
            group(&["neuroscience", "psychology"]),
        ),
        ("language technology", group(&["language-technology"])),
    ];
    let cross: Vec<(&str, usize)> = cause_domains
        .iter()
        .filter(|(_, d)| d.len() >= 3)
        .map(|(c, d)| (*c, d.len()))
        .collect();

    println!("bundled cases: {}", cases.len());
    println!(
        "top-level domains with cases: {} {per_domain:?}",
        per_domain.len()
    );
    println!("required domain groups: {groups:?}");
    println!("cause families: {families:?}");
    println!("causes in 3+ domains: {} {cross:?}", cross.len());

    assert!(
        cases.len() >= 150,
        "{} cases; at least 150 expected",
        cases.len()
    );
    assert!(
        per_domain.len() >= 15,
        "{} top-level domains",
        per_domain.len()
    );
    for (name, n) in &groups {
        assert!(*n >= 4, "{name} has {n} cases; at least 4 expected");
    }
    for family in taxonomy.children(Dimension::Cause, None) {
        assert!(
            families.get(family.slug.as_str()).copied().unwrap_or(0) > 0,
            "cause family {} has no cases",
            family.slug
        );
    }
    assert!(
        cross.len() >= 12,
        "{} causes span 3+ domains; at least 12 expected",
        cross.len()
    );
}
