//! Fast checks on small corpora: the generator is deterministic and its output ingests cleanly,
//! the report has every key, and the FTS5 baseline counts what the index counts.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use notbetter_ingest::Checker;
use notbetter_kb::KnowledgeBase;
use notbetter_kb::{FacetDim, SearchRequest};
use notbetter_store::fts5::{Fts5Baseline, FtsRequest, COUNTED};
use notbetter_taxonomy::{Dimension, Source};

use crate::queries::{mix, Class};
use crate::synth::{write_corpus, Synth};

fn corpus(synth: &Synth, cases: u64, seed: u64, threads: usize) -> String {
    let mut out = Vec::new();
    write_corpus(synth, cases, seed, threads, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let synth = Synth::new(&notbetter_taxonomy::bundled());
    let a = corpus(&synth, 60, 7, 1);
    assert_eq!(
        a,
        corpus(&synth, 60, 7, 3),
        "threads must not change the output"
    );
    assert_eq!(
        a,
        corpus(&Synth::new(&notbetter_taxonomy::bundled()), 60, 7, 2)
    );
    assert_ne!(a, corpus(&synth, 60, 8, 1));
    assert_eq!(a.lines().count(), 60);
}

#[test]
fn cases_have_realistic_length_and_real_labels() {
    let taxonomy = notbetter_taxonomy::bundled();
    let synth = Synth::new(&taxonomy);
    let mut domains: HashMap<String, usize> = HashMap::new();
    for i in 0..400 {
        let c = synth.case(3, i);
        let words: usize = [&c.use_case, &c.solution, &c.outcome, &c.investigation]
            .iter()
            .map(|t| t.split_whitespace().count())
            .sum();
        assert!((300..=600).contains(&words), "case {i} has {words} words");
        for d in &c.domains {
            *domains.entry(d.clone()).or_default() += 1;
        }
    }
    // Zipf-like: a few labels are common, many are rare.
    let mut counts: Vec<usize> = domains.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    assert!(counts[0] > 5 * counts[counts.len() / 2], "{counts:?}");
    assert!(synth.vocab.len() >= 50_000);
}

#[test]
fn synthetic_cases_check_without_any_diagnostic() {
    let taxonomy = notbetter_taxonomy::bundled();
    let synth = Synth::new(&taxonomy);
    let text = corpus(&synth, 300, 11, 2);
    let mut checker = Checker::new(&taxonomy, Source::Curated, HashMap::new());
    let mut batch = notbetter_ingest::Batch::default();
    checker.add_text("corpus.jsonl", &text, &mut batch);
    assert_eq!(batch.cases.len(), 300);
    assert!(
        batch.diagnostics.is_empty(),
        "{:?}",
        &batch.diagnostics[..batch.diagnostics.len().min(5)]
    );
    assert!(batch
        .cases
        .iter()
        .all(|p| !p.case.incomplete && p.case.primary_cause().is_some()));
}

fn ours_counts(f: &notbetter_kb::FacetCounts, dim: Dimension) -> BTreeMap<String, u64> {
    f.get(&FacetDim::from_dimension(dim))
        .cloned()
        .unwrap_or_default()
}

#[test]
fn fts5_baseline_counts_what_the_index_counts() {
    let taxonomy = notbetter_taxonomy::bundled();
    let synth = Synth::new(&taxonomy);
    let dir = tempfile::tempdir().unwrap();
    let text = corpus(&synth, 300, 5, 2);
    let kb = KnowledgeBase::open(&dir.path().join("data"), taxonomy.clone()).unwrap();
    let r = kb
        .ingest_jsonl(
            "corpus.jsonl",
            text.as_bytes(),
            Source::Curated,
            128,
            |_| {},
        )
        .unwrap();
    assert_eq!(
        (r.cases, r.errors, r.batches),
        (300, 0, 3),
        "{:?}",
        r.diagnostics
    );
    let fts = Fts5Baseline::build(
        &notbetter_kb::DataDir::new(dir.path().join("data")).database(),
        &dir.path().join("fts5.sqlite"),
    )
    .unwrap();
    let mut queries = mix(&synth);
    // A mid-frequency word, so that counts are neither empty nor everything.
    let word = synth
        .vocab
        .word(synth.vocab.function_words + 150)
        .to_string();
    let mut extra = queries[0].clone();
    extra.ours = SearchRequest::new(word.clone());
    extra.fts = FtsRequest {
        query: word,
        filters: Vec::new(),
        limit: 20,
    };
    queries.push(extra);
    let mut compared = 0;
    // Prefixes expand differently; questions match softly here and with OR in FTS5.
    for q in queries
        .iter()
        .filter(|q| q.class != Class::Prefix && q.class != Class::NaturalLanguage)
    {
        let (a, b) = (kb.search(&q.ours).unwrap(), fts.search(&q.fts).unwrap());
        // A word the small corpus lacks is spelled into one it has; FTS5 has no such step.
        if !a.reading.corrections.is_empty() {
            continue;
        }
        assert_eq!(a.total, b.total, "total of `{}`", q.text);
        assert_eq!(a.hits.len(), b.hits.len(), "hits of `{}`", q.text);
        for dim in COUNTED {
            assert_eq!(
                ours_counts(&a.facets, dim),
                b.facets[&dim],
                "{dim} counts of `{}`",
                q.text
            );
        }
        compared += usize::from(a.total > 0);
    }
    assert!(
        compared >= 15,
        "too few queries matched anything: {compared}"
    );
}

#[test]
fn the_report_has_every_key() {
    let mut opts = crate::Options::new(300);
    opts.rounds = 2;
    opts.budget = Duration::from_secs(5);
    opts.fts5_budget = Duration::from_secs(5);
    let report = crate::run(&opts, &mut |_| {}).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "cases",
        "ingest_cases_per_s",
        "index_only_cases_per_s",
        "ingest_peak_rss_mb",
        "ingest_peak_anon_mb",
        "index_mb",
        "search",
        "counting_pass",
        "fts5",
        "slowest",
        "ratio_fts5_over_ours",
        "cold_start_ms",
        "freshness_ms",
        "premortem_ms",
        "cluster_s",
        "checks",
    ];
    expected.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, expected);
    assert_eq!(json["cases"], 300);
    assert!(json["premortem_ms"].as_f64().unwrap() > 0.0);
    // The floor indexed every case (a rate over no cases would be 0).
    assert!(json["index_only_cases_per_s"].as_f64().unwrap() > 0.0);
    for class in Class::ALL {
        for part in ["search", "counting_pass", "fts5"] {
            for p in ["p50_ms", "p95_ms", "p99_ms"] {
                assert!(
                    json[part][class.name()][p].is_number(),
                    "{part}.{}.{p}",
                    class.name()
                );
            }
        }
        assert!(json["ratio_fts5_over_ours"][class.name()].is_number());
        // The slowest query of each class is one of its queries, with its latency.
        let slowest = &json["slowest"][class.name()];
        let text = slowest["query"].as_str().unwrap();
        assert!(
            report
                .details
                .queries
                .iter()
                .any(|(c, t)| *c == class && t == text),
            "{text}"
        );
        assert!(slowest["p50_ms"].is_number() && slowest["p99_ms"].is_number());
    }
    assert!(json["cluster_s"].is_number());
    for check in [
        "ingest_rate",
        "ingest_peak_anon",
        "search_p50",
        "search_p99",
        "cold_start",
        "freshness",
        "ratio_common_term",
        "http_api_c16",
    ] {
        assert!(json["checks"][check]["target"].is_string(), "check {check}");
    }
    // A missed search target is explained by its measured floor.
    for check in ["search_p50", "search_p99"] {
        let note = json["checks"][check]["note"].as_str().unwrap();
        assert!(
            note.contains("counts the matches") && note.contains("slowest class"),
            "{check}: {note}"
        );
    }
    let http = json["checks"]["http_api_c16"]["note"].as_str().unwrap();
    assert!(http.contains("uncached searches a second"), "{http}");
    assert!(report.table().contains("common_term"));
}

#[test]
fn a_streamed_ingest_stops_writing_at_the_first_error_and_counts_every_one() {
    let taxonomy = notbetter_taxonomy::bundled();
    let synth = Synth::new(&taxonomy);
    let mut lines: Vec<String> = corpus(&synth, 50, 9, 1)
        .lines()
        .map(str::to_string)
        .collect();
    lines[25] = "{not json".into();
    lines[40] = r#"{"id": "Bad Id", "title": "x"}"#.into();
    let text = lines.join("\n");
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(dir.path(), taxonomy).unwrap();
    let r = kb
        .ingest_jsonl("x.jsonl", text.as_bytes(), Source::Curated, 10, |_| {})
        .unwrap();
    // Batches of lines 1–10 and 11–20 were written; the batch holding line 26 was not.
    assert_eq!((r.added, r.batches), (20, 2), "{r:?}");
    assert_eq!(r.errors, 2, "{:?}", r.diagnostics);
    assert_eq!(r.diagnostics[0].line, Some(26));
    assert_eq!(r.diagnostics[1].line, Some(41));
    assert_eq!(kb.count().unwrap(), 20);
    assert_eq!(kb.indexed(), 20);
}
