//! The bundled content: strict validation of every case in `data/cases`, and the coverage
//! figures the knowledge base promises. The figures are printed so the next reader sees how the
//! content stands (`cargo test content -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use notbetter_ingest::Checker;
use notbetter_taxonomy::{Dimension, LabelState, Source};

use crate::util::repo;

#[test]
fn bundled_cases_pass_strict_validation_and_meet_coverage() {
    let taxonomy = notbetter_taxonomy::bundled();
    let dir = repo().join("data/cases");
    let mut batch = Checker::new(&taxonomy, Source::Curated, HashMap::new())
        // Every bundled case has a second reader's review, all three evidence facts and a
        // method (issue 15).
        .require_review(true)
        .read_paths(&[dir]);
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
        // The pattern in any field: a short paragraph in field-neutral words, without figures.
        let words = c.pattern.split_whitespace().count();
        assert!(
            (20..=120).contains(&words),
            "{}: its pattern in any field has {words} words (expected 20 to 120)",
            c.id
        );
        assert!(
            !c.pattern.contains(|ch: char| ch.is_ascii_digit()),
            "{}: its pattern in any field holds a figure",
            c.id
        );
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

    // Issue 15: reviews, evidence and methods.
    let mut per_cause: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_method: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        for cause in c.slugs(Dimension::Cause, LabelState::Confirmed) {
            *per_cause.entry(cause).or_default() += 1;
        }
        let mut methods = c.slugs(Dimension::Method, LabelState::Confirmed).peekable();
        if methods.peek().is_none() {
            *per_method.entry("(none)").or_default() += 1;
        }
        for m in methods {
            *per_method.entry(m).or_default() += 1;
        }
    }
    let reviewed = cases.iter().filter(|c| c.review.is_some()).count();
    let corrected = cases
        .iter()
        .filter(|c| {
            c.review
                .as_ref()
                .is_some_and(|r| r.verdict == notbetter_taxonomy::Verdict::Corrected)
        })
        .count();
    let evidence_stated = cases.iter().filter(|c| c.evidence.fully_stated()).count();
    let share = |n: usize| 100.0 * n as f64 / cases.len().max(1) as f64;

    println!("bundled cases: {}", cases.len());
    println!(
        "top-level domains with cases: {} {per_domain:?}",
        per_domain.len()
    );
    println!("required domain groups: {groups:?}");
    println!("cause families: {families:?}");
    println!("causes in 3+ domains: {} {cross:?}", cross.len());
    println!("cases per cause: {per_cause:?}");
    println!("cases per method: {per_method:?}");
    println!(
        "all three evidence facts stated: {evidence_stated} ({:.0}%)",
        share(evidence_stated)
    );
    println!(
        "reviews present: {reviewed} ({:.0}%), of which corrected: {corrected}",
        share(reviewed)
    );
    assert_eq!(reviewed, cases.len(), "every case has a review");
    assert_eq!(
        evidence_stated,
        cases.len(),
        "every case states all three evidence facts"
    );
    assert!(
        !per_method.contains_key("(none)"),
        "every case has a method"
    );

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

/// The pre-mortem's checks cite a bundled case (`case:<id>`) or a checklist item with a link.
#[test]
fn every_check_cites_a_bundled_case_or_a_checklist_item() {
    let taxonomy = notbetter_taxonomy::bundled();
    let checks =
        notbetter_premortem::Checks::parse(notbetter_premortem::BUNDLED_CHECKS, &taxonomy).unwrap();
    let mut n = 0;
    for c in checks.all() {
        n += 1;
        match c.case_id() {
            Some(id) => assert!(
                repo().join(format!("data/cases/{id}.md")).is_file(),
                "{}: cites case `{id}`, which is not bundled",
                c.cause
            ),
            None => assert!(
                c.url.starts_with("https://"),
                "{}: `{}` needs a link",
                c.cause,
                c.source
            ),
        }
    }
    assert!(n >= 66, "{n} checks");
}

/// Every bundled case was read by a mechanism curator: it is a curated member of at least one
/// mechanism (at most three) or listed as `unassigned`, and no curator list names a case that
/// is not bundled (data/mechanisms.toml).
#[test]
fn every_bundled_case_is_curated_against_the_mechanism_catalogue() {
    let taxonomy = notbetter_taxonomy::bundled();
    let catalogue = notbetter_kb::mechanism::Catalogue::bundled(&taxonomy).unwrap();
    let bundled: BTreeSet<String> = std::fs::read_dir(repo().join("data/cases"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".md").map(str::to_string)
        })
        .collect();
    let mut of: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &catalogue.mechanisms {
        for id in m.members.iter().chain(&m.not) {
            assert!(bundled.contains(id), "`{}` lists `{id}`, not bundled", m.id);
        }
        for id in &m.members {
            *of.entry(id.as_str()).or_default() += 1;
        }
    }
    for id in &catalogue.unassigned {
        assert!(
            bundled.contains(id),
            "`unassigned` lists `{id}`, not bundled"
        );
    }
    for id in &bundled {
        let n = of.get(id.as_str()).copied().unwrap_or(0);
        let unassigned = catalogue.unassigned.contains(id);
        assert!(
            (1..=3).contains(&n) || (n == 0 && unassigned),
            "{id}: a curated member of {n} mechanisms{}; expected 1 to 3, or listed as unassigned",
            if unassigned { " and unassigned" } else { "" }
        );
    }
}
