//! One module per group of subcommands; `run` dispatches.

mod eval;
mod ingest;
mod interop;
mod migrate;
mod perf;
mod premortem;
mod search;
mod serve;
mod taxonomy;
mod user;

use anyhow::Context;
use notbetter_kb::KnowledgeBase;

use crate::cli::{Cli, Command};

pub fn open(cli: &Cli) -> anyhow::Result<KnowledgeBase> {
    let dir = cli.data_dir();
    let kb = KnowledgeBase::open_with(&dir, notbetter_taxonomy::bundled(), cli.database.as_deref())
        .with_context(|| match &cli.database {
            Some(url) => format!(
                "cannot open the knowledge base on {} (index in {})",
                migrate::redact(url),
                dir.display()
            ),
            None => format!("cannot open the knowledge base in {}", dir.display()),
        })?;
    if let notbetter_kb::IndexState::Rebuilt { cases } = kb.opened {
        tracing::info!(cases, "rebuilt the search index from the database");
    }
    Ok(kb)
}

/// Opens the knowledge base for commands that read cases (`search`, `show`, `premortem`,
/// `export`, `taxonomy`),
/// giving an empty data directory the bundled cases first, as `serve` does at start: a first
/// search on a fresh machine finds them, and a pre-mortem without precedents is of no use. A
/// data directory with any case is left as it is, so this takes the index lock only where no
/// server has ever run (a server seeds its directory when it starts). Should seeding fail all
/// the same (another process holds the lock), the empty knowledge base is read as it is and
/// `search` says so.
pub fn open_with_cases(cli: &Cli) -> anyhow::Result<KnowledgeBase> {
    let kb = open(cli)?;
    if kb.count()? == 0 {
        match kb.seed(&crate::bundled::case_files()) {
            Ok(Some((report, _))) => {
                tracing::info!(added = report.added, "seeded the bundled cases")
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not load the bundled cases"),
        }
    }
    Ok(kb)
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Ingest {
            paths,
            strict,
            dry_run,
            json,
        } => ingest::ingest(&cli, paths, *strict, *dry_run, *json),
        Command::Check {
            paths,
            strict,
            json,
        } => ingest::check(paths, *strict, *json),
        Command::Search { .. } => search::search(&cli),
        Command::Show { id, json } => search::show(&cli, id, *json),
        Command::Reindex => {
            let kb = open(&cli)?;
            let n = kb.reindex()?;
            println!("reindexed {n} cases");
            Ok(crate::EXIT_OK)
        }
        Command::Taxonomy { json } => taxonomy::taxonomy(&cli, *json),
        Command::Serve {
            addr,
            secure_cookies,
            contributions_per_hour,
            search_cache,
            search_timeout_ms,
            parallel_min_docs,
            cluster_max_cases,
        } => serve::serve(
            &cli,
            &serve::Options {
                addr: *addr,
                secure_cookies: *secure_cookies,
                contributions_per_hour: *contributions_per_hour,
                search_cache: *search_cache,
                search_timeout_ms: *search_timeout_ms,
                parallel_min_docs: *parallel_min_docs,
                cluster_max_cases: *cluster_max_cases,
            },
        ),
        Command::User { action } => user::user(&cli, action),
        Command::Migrate { to } => migrate::migrate(&cli, to),
        Command::Backup { path } => {
            let kb = open(&cli)?;
            kb.backup_to(path)
                .with_context(|| format!("cannot back up to {}", path.display()))?;
            println!("backed up {} cases to {}", kb.count()?, path.display());
            Ok(crate::EXIT_OK)
        }
        Command::Restore { path } => {
            if !path.is_file() {
                anyhow::bail!("no backup file at {}", path.display());
            }
            let kb = open(&cli)?;
            let n = kb
                .restore_from(path)
                .with_context(|| format!("cannot restore from {}", path.display()))?;
            println!(
                "restored {n} cases from {} and rebuilt the index",
                path.display()
            );
            Ok(crate::EXIT_OK)
        }
        Command::Import { .. } => interop::import(&cli),
        Command::Export { .. } => interop::export(&cli),
        Command::Synth { cases, seed, out } => perf::synth(*cases, *seed, out),
        Command::Bench { .. } => perf::bench(&cli),
        Command::Premortem {
            file,
            domain,
            tags,
            json,
            markdown,
        } => premortem::premortem(&cli, file, domain.as_deref(), tags, *json, *markdown),
        Command::Eval {
            half,
            json,
            all,
            set,
        } => eval::eval(half, *json, *all, set),
    }
}
