//! `notbetter user add NAME --role reviewer|admin`: accounts for moderation.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Context};

use crate::cli::{Cli, UserAction};
use crate::EXIT_OK;

/// The shortest password accepted.
const MIN_PASSWORD: usize = 10;

pub fn user(cli: &Cli, action: &UserAction) -> anyhow::Result<u8> {
    let UserAction::Add { name, role } = action;
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        bail!("user name must be 1 to 64 letters, digits, '-', '_' or '.'");
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password for {name}: ");
        std::io::stderr().flush()?;
    }
    let mut password = String::new();
    stdin
        .lock()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']);
    if password.chars().count() < MIN_PASSWORD {
        bail!("password must be at least {MIN_PASSWORD} characters");
    }
    let hash = notbetter_server::hash_password(password).map_err(anyhow::Error::msg)?;
    let kb = super::open(cli)?;
    kb.add_user(name, role, &hash)?;
    println!("user {name} ({role}) saved");
    Ok(EXIT_OK)
}
