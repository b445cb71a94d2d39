//! `notbetter synth` (a deterministic synthetic corpus) and `notbetter bench` (the performance
//! benchmark of issue 7); both live in the `notbetter-bench` crate.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::output::print_json;
use crate::EXIT_OK;

pub fn synth(cases: u64, seed: u64, out: &Path) -> anyhow::Result<u8> {
    let synth = notbetter_bench::Synth::new(&notbetter_taxonomy::bundled());
    let file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let bytes = notbetter_bench::write_corpus(
        &synth,
        cases,
        seed,
        threads,
        &mut BufWriter::with_capacity(1 << 20, file),
    )?;
    eprintln!(
        "wrote {cases} cases ({:.1} MB) to {}",
        bytes as f64 / 1048576.0,
        out.display()
    );
    Ok(EXIT_OK)
}

pub fn bench(cli: &Cli) -> anyhow::Result<u8> {
    let Command::Bench {
        cases,
        seed,
        json,
        batch,
        keep,
        cluster_cases,
        budget_s,
        parallel_min_docs,
    } = &cli.command
    else {
        unreachable!("dispatched on Command::Bench")
    };
    let mut opts = notbetter_bench::Options::new(*cases);
    opts.seed = *seed;
    opts.batch = *batch;
    opts.keep = keep.clone();
    if let Some(n) = cluster_cases {
        opts.cluster_cases = *n;
    }
    opts.budget = Duration::from_secs_f64(*budget_s);
    opts.fts5_budget = Duration::from_secs_f64(*budget_s);
    opts.parallel_min_docs = *parallel_min_docs;
    let report = notbetter_bench::run(&opts, &mut |line| eprintln!("bench: {line}"))?;
    if *json {
        print_json(&report)?;
    } else {
        print!("{}", report.table());
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::Cli;

    fn run(args: &[&str]) -> u8 {
        super::super::run(Cli::parse_from(args)).unwrap()
    }

    #[test]
    fn synth_output_ingests_cleanly_with_notbetter_ingest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("corpus.jsonl");
        let f = file.to_str().unwrap();
        let synth = || {
            run(&[
                "notbetter",
                "synth",
                "--cases",
                "200",
                "--seed",
                "3",
                "--out",
                f,
            ])
        };
        assert_eq!(synth(), 0);
        let first = std::fs::read(&file).unwrap();
        assert_eq!(first.iter().filter(|&&b| b == b'\n').count(), 200);
        let data = dir.path().join("data");
        let d = data.to_str().unwrap();
        // Exit 0: no errors, so every case was stored.
        assert_eq!(
            run(&["notbetter", "--data-dir", d, "ingest", f, "--strict"]),
            0
        );
        let kb = notbetter_kb::KnowledgeBase::open(&data, notbetter_taxonomy::bundled()).unwrap();
        assert_eq!(kb.count().unwrap(), 200);
        drop(kb);
        // The same seed again gives the same bytes.
        assert_eq!(synth(), 0);
        assert_eq!(std::fs::read(&file).unwrap(), first);
    }
}
