//! The command line, declared with clap.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Not Better: a searchable, cross-domain knowledge base of real-world deep-learning failures.
#[derive(Debug, Parser)]
#[command(name = "notbetter", version, about, long_about = None)]
pub struct Cli {
    /// Where the database and search index live. Defaults to $NOTBETTER_DATA_DIR, else the
    /// platform data directory (~/.local/share/notbetter on Linux).
    #[arg(long, global = true, env = "NOTBETTER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Keep the store in this PostgreSQL database (postgres://user@host:port/db), shared by
    /// several web nodes, instead of the SQLite file in the data directory (which then holds
    /// only this node's search index). Defaults to $NOTBETTER_DATABASE_URL.
    #[arg(
        long,
        global = true,
        env = "NOTBETTER_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,

    /// Log more (repeat for even more). Logs go to stderr; NOTBETTER_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn log_default(&self) -> &'static str {
        match self.verbose {
            0 => "warn,notbetter=info,notbetter_server=info",
            1 => "info",
            _ => "debug",
        }
    }

    /// The data directory in force.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            dirs::data_dir()
                .map(|d| d.join("notbetter"))
                .unwrap_or_else(|| PathBuf::from("notbetter-data"))
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read failure reports (Markdown, JSON, JSON Lines, CSV; files or directories) into the
    /// knowledge base. Nothing is stored if any input has an error.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Treat warnings as errors, and hold the input to the curated standard: a [review],
        /// all three evidence facts and a method on every case.
        #[arg(long)]
        strict: bool,
        /// Check and report what would change, without writing.
        #[arg(long)]
        dry_run: bool,
        /// Print a JSON summary instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Validate failure reports without touching the knowledge base. Curated content must also
    /// have a [review], all three evidence facts and a method (warnings, errors with --strict).
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Print a JSON summary instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Search cases (tantivy query syntax; empty or '*' matches all).
    Search {
        /// Words, "a phrase", +required, -excluded, field:term. A query may start with `-`
        /// (`notbetter search "-llm leakage"`).
        #[arg(default_value = "", allow_hyphen_values = true)]
        query: String,
        #[command(flatten)]
        filters: Filters,
        /// relevance, year (newest first) or year_asc.
        #[arg(long, default_value = "relevance")]
        sort: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long)]
        json: bool,
    },
    /// Show one case.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// Print the taxonomy tree with case counts.
    Taxonomy {
        #[arg(long)]
        json: bool,
    },
    /// Serve the web site. On an empty data directory, the bundled cases are ingested first.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080", env = "NOTBETTER_ADDR")]
        addr: SocketAddr,
        /// Mark cookies Secure: set this when the site is reached over HTTPS (e.g. behind a
        /// TLS-terminating proxy).
        #[arg(long, env = "NOTBETTER_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Contributions accepted per client IP per hour.
        #[arg(long, default_value_t = 10, env = "NOTBETTER_CONTRIBUTIONS_PER_HOUR")]
        contributions_per_hour: u32,
        /// Search results kept for repeated requests until the next change (0 turns the cache
        /// off).
        #[arg(long, default_value_t = 512, env = "NOTBETTER_SEARCH_CACHE")]
        search_cache: usize,
        /// The longest one search may take, in milliseconds; a search past it gets a 400 that
        /// asks for a narrower query.
        #[arg(long, default_value_t = 2000, env = "NOTBETTER_SEARCH_TIMEOUT_MS")]
        search_timeout_ms: u64,
        /// Split each search over the index's segments on one thread per core once the index
        /// holds this many cases (lower latency, slightly lower throughput under load).
        #[arg(long, default_value_t = notbetter_kb::PARALLEL_MIN_DOCS, env = "NOTBETTER_PARALLEL_MIN_DOCS")]
        parallel_min_docs: u64,
        /// The most cases the cross-domain clusters are computed over (contributed first, then
        /// curated, then the rest, by a stable sample); clustering holds them all in memory.
        #[arg(long, default_value_t = 20_000, env = "NOTBETTER_CLUSTER_MAX_CASES")]
        cluster_max_cases: usize,
    },
    /// Import records from a peer database (files or directories): AVID reports and
    /// vulnerabilities, MITRE ATLAS case studies, or AI Incident Database incidents with their GMF
    /// annotations. A malformed record is reported and skipped, and the others are stored (exit 1
    /// when any was skipped); re-importing unchanged records is a no-op.
    Import {
        #[arg(value_enum)]
        source: ImportSource,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Check and report what would change, without writing.
        #[arg(long)]
        dry_run: bool,
        /// Print a JSON summary (the shape of `ingest --json`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Export cases: jsonl (the JSON input form) and md (the bundled file format) ingest back
    /// to the same cases; csv is for spreadsheets; bibtex cites each case's references.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormatArg,
        /// The file to write (standard output when absent); for md, the directory (required).
        #[arg(long, required_if_eq("format", "md"))]
        out: Option<PathBuf>,
        /// Only the cases this search matches (words as `search` reads them); all when absent.
        #[arg(long = "query", short = 'q', default_value = "")]
        query: String,
        #[command(flatten)]
        filters: Filters,
    },
    /// Copy the database to PATH with SQLite's online backup API (safe while the server runs);
    /// with --database, a SQLite file holding one consistent snapshot of PostgreSQL.
    Backup { path: PathBuf },
    /// Replace the database with the backup at PATH and rebuild the index. Stop the server
    /// first.
    Restore { path: PathBuf },
    /// Copy this data directory's SQLite store into an empty PostgreSQL database, check every
    /// table's row count, and say how to run web nodes on it. Stop the server first: writes
    /// made after the copy starts are not copied.
    Migrate {
        /// The target database, postgres://user@host:port/db (it must hold no cases,
        /// submissions, users or history).
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Manage reviewer and admin accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Write a deterministic synthetic corpus of realistic cases as JSON Lines (the same seed
    /// gives the same bytes), for benchmarks and load tests.
    Synth {
        #[arg(long)]
        cases: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Benchmark a synthetic corpus in a temporary directory: ingest, index size, search
    /// latency against SQLite FTS5, cold start, freshness and clustering, with the targets as
    /// checks.
    Bench {
        #[arg(long)]
        cases: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Cases per store transaction and index commit while ingesting.
        #[arg(long, default_value_t = 20_000)]
        batch: usize,
        /// Build the corpus and data directory here and keep them.
        #[arg(long)]
        keep: Option<PathBuf>,
        /// Cluster at most this many cases (0 skips clustering; default: 20,000, what the server
        /// clusters at most).
        #[arg(long)]
        cluster_cases: Option<usize>,
        /// Seconds spent at most per query class, on each engine (each query runs at least once).
        #[arg(long, default_value_t = 20.0)]
        budget_s: f64,
        /// Split searches over segments from this many cases on (as `serve`'s option).
        #[arg(long, default_value_t = notbetter_kb::PARALLEL_MIN_DOCS)]
        parallel_min_docs: u64,
    },
    /// Before you build: the failure causes that hit projects like the one described, in any
    /// field, with why each applies, precedents and what to check. Reads the description from
    /// FILE, or from standard input with `-` (the default). Nothing is stored.
    Premortem {
        #[arg(default_value = "-")]
        file: PathBuf,
        /// The project's field: a domain slug, name or alias.
        #[arg(long)]
        domain: Option<String>,
        /// A tag (a method, a kind of data…); repeat for several.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Print the checklist as JSON.
        #[arg(long)]
        json: bool,
        /// Print it as Markdown.
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
    },
    /// Measure search relevance (recall@10, MRR, nDCG@10) and label mapping (precision,
    /// recall) on the evaluation sets kept in tests/eval/, over the bundled cases in a
    /// temporary data directory.
    Eval {
        /// Which half of each set: report (the one the figures come from), tune or all.
        #[arg(long, default_value = "report")]
        half: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// List every query's outcome, not only the misses.
        #[arg(long)]
        all: bool,
        /// Try another value of a search knob, `name=value` (repeatable; see `Tuning`).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create an account, or reset its role and password. The password is read from the first
    /// line of standard input (or prompted for on a terminal).
    Add {
        name: String,
        #[arg(long, value_parser = ["reviewer", "admin"])]
        role: String,
    },
}

/// The peer databases `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportSource {
    Avid,
    Atlas,
    Aiid,
}

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    Jsonl,
    Csv,
    Md,
    Bibtex,
}

/// The filters `search` and `export` share: the search page's and the API's parameters.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Filters {
    /// Keep cases in this domain (slug, name or alias); repeat for OR.
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    /// Keep cases with this confirmed cause; repeat for OR.
    #[arg(long = "cause")]
    pub causes: Vec<String>,
    /// Keep cases with this failure mode; repeat for OR.
    #[arg(long = "mode")]
    pub modes: Vec<String>,
    /// Keep cases of this method (model family: cnn, transformer, classical-ml, or a name
    /// such as LSTM); repeat for OR.
    #[arg(long = "method")]
    pub methods: Vec<String>,
    /// Keep cases from this source: curated, contributed, imported, imported/avid, ...;
    /// repeat for OR.
    #[arg(long = "source")]
    pub sources: Vec<String>,
    #[arg(long)]
    pub year_from: Option<i32>,
    #[arg(long)]
    pub year_to: Option<i32>,
}
