//! One benchmark run: build the corpus in a directory, ingest it, then measure the index size,
//! the query mix on both engines, cold start, freshness and clustering.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use notbetter_kb::SearchRequest;
use notbetter_kb::{DataDir, KnowledgeBase};
use notbetter_store::fts5::Fts5Baseline;
use notbetter_taxonomy::Source;

use crate::queries::{mix, BenchQuery, Class};
use crate::report::{Details, Report};
use crate::stats::{dir_bytes, mb, peak_rss_mb, reset_peak_rss, round3, Percentiles, Slowest};
use crate::synth::{write_corpus, Synth};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub cases: u64,
    pub seed: u64,
    /// Cases per store transaction and index commit while ingesting.
    pub batch: usize,
    /// Samples per query (each class has four queries) at most...
    pub rounds: usize,
    /// ...and seconds per class at most, for the index...
    pub budget: Duration,
    /// ...and for FTS5 (whose queries take seconds at 1M cases).
    pub fts5_budget: Duration,
    /// Where to build (and keep) the corpus; a temporary directory when `None`.
    pub keep: Option<PathBuf>,
    /// Cluster at most this many cases (0: skip clustering).
    pub cluster_cases: usize,
    pub threads: usize,
    /// Split searches over segments from this many cases on (`SearchIndex::set_parallel_min_docs`).
    pub parallel_min_docs: u64,
}

impl Options {
    pub fn new(cases: u64) -> Options {
        Options {
            cases,
            seed: 1,
            batch: 20_000,
            rounds: 50,
            budget: Duration::from_secs(20),
            fts5_budget: Duration::from_secs(20),
            keep: None,
            // What the server clusters at most, so the plain 1M run does not hold a million
            // cases in memory (about 16 GB).
            cluster_cases: notbetter_kb::CLUSTER_MAX_CASES,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            parallel_min_docs: notbetter_kb::PARALLEL_MIN_DOCS,
        }
    }
}

/// Runs the benchmark; `log` gets one line per step.
pub fn run(opts: &Options, log: &mut dyn FnMut(&str)) -> anyhow::Result<Report> {
    let temp;
    let root: PathBuf = match &opts.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("notbetter-bench")
                .tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let taxonomy = notbetter_taxonomy::bundled();
    let synth = Synth::new(&taxonomy);
    let mut details = Details {
        seed: opts.seed,
        ..Default::default()
    };

    // The corpus.
    let corpus = root.join("corpus.jsonl");
    let t = Instant::now();
    let bytes = {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&corpus)?);
        write_corpus(&synth, opts.cases, opts.seed, opts.threads, &mut out)?
    };
    details.synth_s = round3(t.elapsed().as_secs_f64());
    details.corpus_mb = mb(bytes);
    log(&format!(
        "synth: {} cases, {:.0} MB in {:.1} s",
        opts.cases, details.corpus_mb, details.synth_s
    ));

    // Ingest: JSONL → checks → SQLite → index, in bounded batches.
    let data = root.join("data");
    let _ = std::fs::remove_dir_all(&data);
    reset_peak_rss();
    let sampling = std::sync::atomic::AtomicBool::new(true);
    let sampler = std::thread::scope(|scope| {
        // Peaks of anonymous and file-backed (mapped index files) memory, sampled every 10 ms.
        let sampled = scope.spawn(|| {
            let mut peak = (0.0f64, 0.0f64);
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some((a, f)) = crate::stats::rss_parts_mb() {
                    peak = (peak.0.max(a), peak.1.max(f));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        });
        let ingested = ingest(opts, &data, &corpus, &taxonomy, log);
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        (ingested, sampled.join().unwrap_or_default())
    });
    let ((ingested, ingest_s), peak_parts) = (sampler.0?, sampler.1);
    let peak = peak_rss_mb();
    if ingested.errors > 0 {
        bail!(
            "the synthetic corpus has {} errors, first: {:?}",
            ingested.errors,
            ingested.diagnostics.first()
        );
    }
    details.ingest_s = round3(ingest_s);
    details.batches = ingested.batches;
    let ingest_rate = round3(ingested.cases as f64 / ingest_s);
    log(&format!(
        "ingest: {} cases in {ingest_s:.1} s ({ingest_rate:.0}/s), {} warnings, peak RSS {peak:?} MB \
         (sampled peaks of anon, file-backed: {peak_parts:?} MB)",
        ingested.cases, ingested.warnings
    ));
    let index_mb = mb(dir_bytes(&DataDir::new(&data).index()));

    // The floor under that rate: the same cases through the search crate alone.
    let index_only = index_floor(opts, &data, &root.join("floor-index"), &taxonomy)?;
    log(&format!(
        "index alone: {index_only:.0} cases/s (the same cases, batches and commits; no reading, \
         checking or SQLite)"
    ));

    // Cold start: open the existing data dir and answer a first search.
    let queries = mix(&synth);
    let t = Instant::now();
    let kb = KnowledgeBase::open(&data, taxonomy.clone())?;
    // The engine is measured, not the result cache: every query of the mix repeats.
    kb.set_result_cache(0);
    kb.set_parallel_min_docs(opts.parallel_min_docs);
    kb.search(&queries[4].ours)?;
    let cold_start_ms = round3(t.elapsed().as_secs_f64() * 1e3);
    log(&format!(
        "cold start: {cold_start_ms:.1} ms ({:?})",
        kb.opened
    ));

    // Questions are read as mechanisms, as on the server once its first clustering is done.
    let t = Instant::now();
    kb.load_mechanisms()?;
    details.mechanisms_s = round3(t.elapsed().as_secs_f64());
    log(&format!(
        "mechanisms: assigned in {:.1} s",
        details.mechanisms_s
    ));

    // The mix on the index.
    for q in &queries {
        kb.search(&q.ours)?;
    }
    let ours = measure(&queries, opts.rounds, opts.budget, |q| {
        kb.search(&q.ours)?;
        Ok(())
    })?;
    log("search: measured the mix on the index");
    // The floor under each class: the one pass that counts the matches, which exact facet
    // counts cannot skip (planning, scoring, facets, reranking and snippets left out).
    let mut floor: BTreeMap<Class, Vec<Duration>> = BTreeMap::new();
    for class in Class::ALL {
        let start = Instant::now();
        let samples = floor.entry(class).or_default();
        // As for the mix: whole rounds, every query at least once.
        for _ in 0..opts.rounds.max(1) {
            for q in queries.iter().filter(|q| q.class == class) {
                samples.push(kb.time_counting_pass(&q.ours)?.1);
            }
            if start.elapsed() > opts.budget {
                break;
            }
        }
    }
    log("search: measured the counting pass of the mix");

    // The same mix on FTS5 + GROUP BY.
    let store_db = DataDir::new(&data).database();
    let t = Instant::now();
    let fts = Fts5Baseline::build(&store_db, &root.join("fts5.sqlite"))?;
    details.fts5_build_s = round3(t.elapsed().as_secs_f64());
    details.fts5_mb = mb(fts.size_bytes()?);
    log(&format!(
        "fts5: built in {:.1} s, {:.0} MB",
        details.fts5_build_s, details.fts5_mb
    ));
    for q in &queries {
        let (a, b) = (kb.search(&q.ours)?, fts.search(&q.fts)?);
        if a.total != b.total {
            log(&format!(
                "note: `{}` matches {} cases in the index and {} in FTS5",
                q.text, a.total, b.total
            ));
        }
    }
    let fts_samples = measure(&queries, opts.rounds, opts.fts5_budget, |q| {
        fts.search(&q.fts)?;
        Ok(())
    })?;
    drop(fts);
    log("fts5: measured the mix");

    // Freshness: approve one contribution and search until it is found.
    let freshness_ms = freshness(&kb, &synth, opts.seed)?;
    log(&format!("freshness: {freshness_ms:.1} ms"));

    // The pre-mortem of a 5,000-word plan, made from the generator's words and sentences
    // (a few runs; the first builds the cause priors).
    let premortem_ms = premortem(&kb, &synth)?;
    log(&format!(
        "pre-mortem of a 5,000-word description: {premortem_ms:.1} ms (median of 5)"
    ));

    // Clustering, over the stored cases.
    let mut cluster_s = None;
    if opts.cluster_cases > 0 {
        let mut cases = Vec::new();
        kb.for_each_case(|c| {
            if cases.len() < opts.cluster_cases {
                cases.push(c);
            }
        })?;
        let t = Instant::now();
        let clustering = notbetter_cluster::cluster(&cases, kb.taxonomy());
        cluster_s = Some(round3(t.elapsed().as_secs_f64()));
        details.cluster_cases = cases.len();
        details.clusters = clustering.clusters.len();
        log(&format!(
            "clustering: {} cases in {:.1} s",
            cases.len(),
            t.elapsed().as_secs_f64()
        ));
    }

    let mut report = Report {
        cases: ingested.cases,
        ingest_cases_per_s: ingest_rate,
        index_only_cases_per_s: index_only,
        ingest_peak_rss_mb: peak,
        ingest_peak_anon_mb: (peak_parts.0 > 0.0).then_some(round3(peak_parts.0)),
        index_mb,
        search: BTreeMap::new(),
        counting_pass: BTreeMap::new(),
        fts5: BTreeMap::new(),
        slowest: BTreeMap::new(),
        ratio_fts5_over_ours: BTreeMap::new(),
        cold_start_ms,
        freshness_ms,
        premortem_ms,
        cluster_s,
        checks: BTreeMap::new(),
        details,
    };
    let (mut all_ours, mut all_fts, mut all_counting) = (Vec::new(), Vec::new(), Vec::new());
    for class in Class::ALL {
        let (o, f) = (&ours[&class], &fts_samples[&class]);
        let (po, pf) = (Percentiles::of(o), Percentiles::of(f));
        report.search.insert(class.name(), po);
        report
            .counting_pass
            .insert(class.name(), Percentiles::of(&floor[&class]));
        report.fts5.insert(class.name(), pf);
        let texts: Vec<&str> = queries
            .iter()
            .filter(|q| q.class == class)
            .map(|q| q.text.as_str())
            .collect();
        if let Some(slowest) = Slowest::of(&texts, o) {
            report.slowest.insert(class.name(), slowest);
        }
        report
            .ratio_fts5_over_ours
            .insert(class.name(), round3(pf.p50_ms / po.p50_ms.max(1e-3)));
        report
            .details
            .samples
            .insert(class.name(), (o.len(), f.len()));
        all_ours.extend_from_slice(o);
        all_fts.extend_from_slice(f);
        all_counting.extend_from_slice(&floor[&class]);
    }
    report.details.ours_all = Some(Percentiles::of(&all_ours));
    report.details.fts5_all = Some(Percentiles::of(&all_fts));
    report.details.counting_all = Some(Percentiles::of(&all_counting));
    report.details.ours_mean_ms = Some(
        all_ours.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0
            / all_ours.len().max(1) as f64,
    );
    report.details.queries = queries.iter().map(|q| (q.class, q.text.clone())).collect();
    report.add_checks();
    Ok(report)
}

/// The measured ingest: opens an empty knowledge base and streams the corpus into it.
fn ingest(
    opts: &Options,
    data: &std::path::Path,
    corpus: &std::path::Path,
    taxonomy: &notbetter_taxonomy::Taxonomy,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<(notbetter_kb::StreamReport, f64)> {
    let t = Instant::now();
    let kb = KnowledgeBase::open(data, taxonomy.clone())?;
    let reader = BufReader::with_capacity(1 << 20, File::open(corpus)?);
    let report = kb.ingest_jsonl("corpus.jsonl", reader, Source::Curated, opts.batch, |r| {
        if r.batches % 10 == 0 {
            log(&format!(
                "ingest: {} cases in {:.1} s",
                r.added + r.updated + r.unchanged,
                t.elapsed().as_secs_f64()
            ));
        }
    })?;
    let seconds = t.elapsed().as_secs_f64();
    // Searchable now; let the writer's background merges finish before it is closed (closing
    // abandons them), so that searches run on the index as it settles.
    let waited = crate::stats::wait_for_merges(Duration::from_secs(3), Duration::from_secs(900));
    log(&format!(
        "ingest: merges settled {:.1} s after the last commit",
        waited.as_secs_f64()
    ));
    drop(kb);
    Ok((report, seconds))
}

/// The ingest's floor: the stored cases indexed again by the search crate alone, into a fresh
/// index at `dir`, in the ingest's batches with a commit after each, as a bulk load does (no
/// delete-by-id). Only the indexing and commits are timed, not reading the cases back from the
/// store; as for the ingest, background merges after the last commit are not. `dir` is removed
/// afterwards.
fn index_floor(
    opts: &Options,
    data: &std::path::Path,
    dir: &std::path::Path,
    taxonomy: &notbetter_taxonomy::Taxonomy,
) -> anyhow::Result<f64> {
    let _ = std::fs::remove_dir_all(dir);
    let kb = KnowledgeBase::open(data, taxonomy.clone())?;
    let index = notbetter_search::SearchIndex::open(dir, taxonomy)?;
    let mut batch = Vec::with_capacity(opts.batch.min(100_000));
    let (mut spent, mut cases, mut generation) = (Duration::ZERO, 0usize, 0u64);
    let mut failed = None;
    let mut flush = |batch: &mut Vec<notbetter_taxonomy::Case>| {
        if batch.is_empty() || failed.is_some() {
            return;
        }
        generation += 1;
        let t = Instant::now();
        let done = index
            .upsert_with(batch.iter(), |_| true)
            .and_then(|n| index.commit(generation).map(|()| n));
        spent += t.elapsed();
        match done {
            Ok(n) => cases += n,
            Err(e) => failed = Some(e),
        }
        batch.clear();
    };
    kb.for_each_case(|c| {
        batch.push(c);
        if batch.len() >= opts.batch.max(1) {
            flush(&mut batch);
        }
    })?;
    flush(&mut batch);
    if let Some(e) = failed {
        return Err(e.into());
    }
    drop(index);
    drop(kb);
    let _ = std::fs::remove_dir_all(dir);
    Ok(round3(cases as f64 / spent.as_secs_f64().max(1e-9)))
}

/// Latencies per class: every query of the class in turn, `rounds` times or until `budget` is
/// spent (each query runs at least once).
fn measure(
    queries: &[BenchQuery],
    rounds: usize,
    budget: Duration,
    mut run: impl FnMut(&BenchQuery) -> anyhow::Result<()>,
) -> anyhow::Result<BTreeMap<Class, Vec<Duration>>> {
    let mut out = BTreeMap::new();
    for class in Class::ALL {
        let of_class: Vec<&BenchQuery> = queries.iter().filter(|q| q.class == class).collect();
        let start = Instant::now();
        let mut samples = Vec::new();
        for _ in 0..rounds.max(1) {
            for q in &of_class {
                let t = Instant::now();
                run(q).with_context(|| format!("query `{}`", q.text))?;
                samples.push(t.elapsed());
            }
            if start.elapsed() > budget {
                break;
            }
        }
        out.insert(class, samples);
    }
    Ok(out)
}

/// Milliseconds from approving one pending contribution until a search finds it.
/// The median of five pre-mortems of one 5,000-word description: sentences of generated
/// words of every frequency, with a split, a site and a baseline mentioned now and then.
fn premortem(kb: &KnowledgeBase, synth: &Synth) -> anyhow::Result<f64> {
    let v = &synth.vocab;
    let g = v.function_words;
    let mut words = Vec::with_capacity(5_000);
    let mut r: usize = 7;
    while words.len() < 5_000 {
        for _ in 0..11 {
            r = (r * 7_919 + 13) % (v.len() - g);
            words.push(v.word(g + r % 3_000).to_string());
        }
        words.push(
            [
                "we split at random.",
                "at a new site.",
                "against a baseline.",
            ][words.len() % 3]
                .to_string(),
        );
    }
    let req = notbetter_premortem::Request {
        description: words.join(" "),
        ..Default::default()
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        kb.premortem(&req)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(round3(times[2]))
}

fn freshness(kb: &KnowledgeBase, synth: &Synth, seed: u64) -> anyhow::Result<f64> {
    let mut record = synth.case(seed, 1 << 40);
    record.id = format!("fresh-contribution-{seed}");
    record.title = format!("{} freshnessprobe", record.title);
    for r in &mut record.references {
        r.doi = r.doi.as_ref().map(|_| format!("10.5555/nb.fresh.{seed}"));
    }
    let fields = match serde_json::to_value(&record)? {
        serde_json::Value::Object(map) => map,
        _ => bail!("a case serialises to an object"),
    };
    let raw = notbetter_ingest::RawRecord {
        file: "contribution".into(),
        location: notbetter_ingest::Location::Whole,
        fields: fields.clone(),
        field_lines: Default::default(),
        semicolon_lists: false,
    };
    let mut diagnostics = Vec::new();
    let case =
        notbetter_ingest::normalise(kb.taxonomy(), Source::Contributed, &raw, &mut diagnostics)
            .with_context(|| format!("the probe case does not check: {diagnostics:?}"))?;
    let public_id = format!("bench-{seed}");
    kb.submit(
        &public_id,
        &case.title,
        &serde_json::Value::Object(fields),
        Some("bench"),
        "127.0.0.1",
    )?;
    let req = SearchRequest::new("freshnessprobe");
    let t = Instant::now();
    kb.approve(&public_id, "bench", &case)?;
    loop {
        if kb.search(&req)?.total > 0 {
            return Ok(round3(t.elapsed().as_secs_f64() * 1e3));
        }
        if t.elapsed() > Duration::from_secs(60) {
            bail!("the approved case is not searchable after 60 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
