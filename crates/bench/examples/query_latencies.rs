//! Per-query latencies of the benchmark's mix, on a data directory kept by
//! `notbetter bench --keep DIR` (the data directory is `DIR/data`), with how each query was
//! read: which query of a class sets its tail, and why.
//!
//! `cargo run --release -p notbetter-bench --example query_latencies -- DIR/data [ROUNDS]
//! [CLASS] [TEXT]` runs each query of the mix (of CLASS only, and containing TEXT, if given)
//! ROUNDS times (20) with the result cache off, as the benchmark does. `SET=name=value,…`
//! in the environment tries other search knobs (`notbetter eval --set`'s names).

use std::time::Instant;

use anyhow::Context;
use notbetter_bench::{queries::mix, Synth};
use notbetter_kb::KnowledgeBase;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .context("usage: query_latencies DATA_DIR [ROUNDS] [CLASS] [TEXT]")?;
    let rounds: usize = match args.next() {
        Some(n) => n.parse().context("ROUNDS is a number")?,
        None => 20,
    };
    let class = args.next().unwrap_or_default();
    let containing = args.next().unwrap_or_default();
    let taxonomy = notbetter_taxonomy::bundled();
    let synth = Synth::new(&taxonomy);
    let kb = KnowledgeBase::open(std::path::Path::new(&dir), taxonomy.clone())?;
    kb.set_result_cache(0);
    kb.set_parallel_min_docs(notbetter_kb::PARALLEL_MIN_DOCS);
    kb.load_mechanisms()?;
    if let Ok(set) = std::env::var("SET") {
        let tuning = kb
            .tuning()
            .with_settings(set.split(',').filter(|kv| !kv.is_empty()))
            .map_err(|e| anyhow::anyhow!("SET {e}"))?;
        kb.set_tuning(tuning);
    }
    for q in mix(&synth) {
        if (!class.is_empty() && q.class.name() != class) || !q.text.contains(&containing) {
            continue;
        }
        let first = kb.search(&q.ours)?;
        let mut ms = Vec::with_capacity(rounds.max(1));
        for _ in 0..rounds.max(1) {
            let t = Instant::now();
            kb.search(&q.ours)?;
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
        let r = &first.reading;
        println!(
            "{:18} p50 {:7.2}  p90 {:7.2}  max {:7.2} ms  {:>9} cases  {}",
            q.class.name(),
            at(0.5),
            at(0.9),
            at(1.0),
            first.total,
            q.text
        );
        println!(
            "{:18} read as causes {:?}, mechanisms {:?}; {} of {} words needed; corrections {:?}",
            "",
            r.causes.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>(),
            r.mechanisms
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>(),
            r.min_match,
            r.words,
            r.corrections
                .iter()
                .map(|c| format!("{} → {}", c.from, c.to))
                .collect::<Vec<_>>(),
        );
    }
    Ok(())
}
