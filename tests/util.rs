//! Helpers shared by the integration tests: running the binary on a fresh data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Env {
    pub dir: tempfile::TempDir,
    /// A PostgreSQL store shared with other nodes (`NOTBETTER_DATABASE_URL`), else the SQLite
    /// file in `dir`.
    pub database: Option<String>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/data").join(name)
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            database: None,
        }
    }

    /// A node's data directory on the shared PostgreSQL store at `url`.
    pub fn on_postgres(url: &str) -> Env {
        Env {
            database: Some(url.to_string()),
            ..Env::new()
        }
    }

    /// The store this environment's commands use.
    pub fn store(&self) -> notbetter_store::Store {
        notbetter_store::Store::open_any(
            self.database.as_deref(),
            &self.data_dir().join("notbetter.sqlite"),
        )
        .unwrap()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_notbetter"));
        c.env("NOTBETTER_DATA_DIR", self.data_dir())
            .env_remove("NOTBETTER_LOG")
            .env_remove("NOTBETTER_DATABASE_URL")
            .current_dir(self.data_dir());
        if let Some(url) = &self.database {
            c.env("NOTBETTER_DATABASE_URL", url);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let Output {
            status,
            stdout,
            stderr,
        } = self.command().args(args).output().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Ingests the bundled cases (`data/cases`) into this data directory.
    pub fn ingest_bundled(&self) {
        let cases = repo().join("data/cases");
        let run = self.run(&["ingest", cases.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    /// The database file's bytes plus its WAL, to compare before and after a failed run.
    pub fn database_state(&self) -> Vec<(String, usize)> {
        let store =
            notbetter_store::Store::open(&self.data_dir().join("notbetter.sqlite")).unwrap();
        store
            .all()
            .unwrap()
            .into_iter()
            .map(|c| (c.case.id.clone(), c.version as usize))
            .collect()
    }
}
