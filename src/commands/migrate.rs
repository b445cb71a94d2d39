//! `notbetter migrate --to postgres://…`: moves a data directory's SQLite store into an empty
//! PostgreSQL database and says what to do next.

use anyhow::Context;

use crate::cli::Cli;
use crate::EXIT_OK;

pub use notbetter_kb::redact_url as redact;

pub fn migrate(cli: &Cli, to: &str) -> anyhow::Result<u8> {
    let dir = cli.data_dir();
    let sqlite = notbetter_kb::DataDir::new(&dir).database();
    if !sqlite.is_file() {
        anyhow::bail!(
            "no SQLite store to migrate: {} does not exist (pass the data directory with --data-dir)",
            sqlite.display()
        );
    }
    let shown = redact(to);
    let report = notbetter_kb::migrate_to_postgres(&dir, to)
        .with_context(|| format!("cannot migrate {} to {shown}", sqlite.display()))?;
    println!("copied {} into {shown}:", sqlite.display());
    for (table, rows) in &report.tables {
        println!("  {table:<16} {rows:>8} rows (same in both)");
    }
    println!("  generation {}", report.generation);
    println!(
        "\nnext:\n  \
         1. start each web node with --database {shown} (or NOTBETTER_DATABASE_URL) and a data\n     \
            directory of its own, for its search index; each builds its index from the\n     \
            database when it starts, then follows it;\n  \
         2. stop serving from {}: writes there no longer reach the nodes;\n  \
         3. keep {} as a backup until you are satisfied (`notbetter backup` on a node writes a\n     \
            SQLite snapshot of the database; pg_dump works too).",
        dir.display(),
        sqlite.display()
    );
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://nb:secret@db:5432/nb"),
            "postgres://nb:***@db:5432/nb"
        );
        assert_eq!(redact("postgres://nb@db/nb"), "postgres://nb@db/nb");
        assert_eq!(redact("not a url"), "not a url");
    }
}
