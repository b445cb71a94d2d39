//! A throwaway PostgreSQL cluster for tests: `initdb` and `pg_ctl` in a temporary directory, as
//! the `postgres` user when run as root (PostgreSQL refuses root), trust authentication on a
//! free localhost port, stopped and deleted by a watchdog when the test process exits.
//!
//! Where no cluster can start, [`cluster`] panics when `CI` is set, and otherwise says so
//! loudly on stderr and returns `None`, so tests never skip in silence.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// A running cluster.
pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    as_postgres: bool,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The test process's cluster, started on first use; `None` (after a loud message) where
/// PostgreSQL cannot start outside CI. Panics in CI.
pub fn cluster() -> Option<&'static Cluster> {
    match CLUSTER.get_or_init(Cluster::start) {
        Ok(c) => Some(c),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("PostgreSQL tests cannot run in CI: {e}")
        }
        Err(e) => {
            eprintln!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !!! PostgreSQL TESTS NOT RUN: {e}\n\
                 !!! Install Debian's `postgresql` (as .ci/run does); in CI this fails.\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            );
            None
        }
    }
}

/// A new, empty database on the test cluster; its URL.
pub fn fresh_database() -> Option<String> {
    let c = cluster()?;
    Some(c.create_database())
}

/// The directory holding `initdb` and `pg_ctl`: on the PATH, else Debian's newest
/// `/usr/lib/postgresql/<version>/bin`.
fn find_bin() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("no initdb on the PATH and no /usr/lib/postgresql ({e})"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, b)| b)
        .ok_or_else(|| "no initdb found under /usr/lib/postgresql".to_string())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    fn start() -> Result<Cluster, String> {
        let bin = find_bin()?;
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "notbetter-pg-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut c = Cluster {
            dir,
            port: 0,
            bin,
            as_postgres,
        };
        // From here on the directory is removed when this process exits, whatever happens.
        c.watch();
        if as_postgres {
            c.run(
                "chown",
                &["-R", "postgres:postgres", &c.dir.display().to_string()],
                false,
            )?;
        }
        let data = c.dir.join("data");
        c.run(
            &c.bin.join("initdb").display().to_string(),
            &[
                "-D",
                &data.display().to_string(),
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            true,
        )?;
        let mut last = String::new();
        for _ in 0..3 {
            c.port = free_port()?;
            // Durability is not what the tests check, so fsync is off unless a measurement
            // asks for it (NOTBETTER_TEST_PG_FSYNC=on).
            let fsync = match std::env::var("NOTBETTER_TEST_PG_FSYNC").as_deref() {
                Ok("on") => "on",
                _ => "off",
            };
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync={fsync} -c max_connections=200",
                c.port,
                c.dir.display()
            );
            match c.run(
                &c.bin.join("pg_ctl").display().to_string(),
                &[
                    "-D",
                    &data.display().to_string(),
                    "-o",
                    &opts,
                    "-l",
                    &c.dir.join("log").display().to_string(),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                true,
            ) {
                Ok(()) => return Ok(c),
                Err(e) => last = e,
            }
        }
        let log = std::fs::read_to_string(c.dir.join("log")).unwrap_or_default();
        Err(format!("pg_ctl start failed: {last}\n{log}"))
    }

    /// Runs `program` (as `postgres` when `as_postgres` and this process is root).
    fn run(&self, program: &str, args: &[&str], as_postgres: bool) -> Result<(), String> {
        let mut cmd = if as_postgres && self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        let out = cmd
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{program} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    /// A watchdog that stops the cluster and deletes its directory once this process has
    /// exited, however it exits.
    fn watch(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let stop = if self.as_postgres {
            format!(
                "runuser -u postgres -- '{}' -D '{}' stop -m immediate",
                pg_ctl.display(),
                data.display()
            )
        } else {
            format!(
                "'{}' -D '{}' stop -m immediate",
                pg_ctl.display(),
                data.display()
            )
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.dir.display()
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }

    /// The URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a new empty database and returns its URL.
    pub fn create_database(&self) -> String {
        let name = format!(
            "nb_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test cluster: {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        self.url(&name)
    }

    /// The cluster's log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(Path::new(&self.dir).join("log")).unwrap_or_default()
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}
