//! `notbetter premortem`: a planned project's description to the checklist of failure causes
//! that hit similar projects (the same checklist as `/premortem` and the API).

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use notbetter_kb::PremortemRequest as Request;
use notbetter_taxonomy::Dimension;

use crate::cli::Cli;
use crate::output::print_json;
use crate::{EXIT_INPUT, EXIT_OK};

pub fn premortem(
    cli: &Cli,
    file: &Path,
    domain: Option<&str>,
    tags: &[String],
    json: bool,
    markdown: bool,
) -> anyhow::Result<u8> {
    let mut description = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut description)
            .context("cannot read the description from standard input")?;
    } else {
        description = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the description from {}", file.display()))?;
    }
    let kb = super::open_with_cases(cli)?;
    let domain = match domain {
        Some(d) => match kb.resolve(Dimension::Domain, d) {
            Ok(slug) => Some(slug),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(EXIT_INPUT);
            }
        },
        None => None,
    };
    let report = match kb.premortem(&Request {
        description,
        domain,
        tags: tags.to_vec(),
    }) {
        Ok(r) => r,
        Err(e) if e.is_user_error() => {
            eprintln!("error: {e}");
            return Ok(EXIT_INPUT);
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        print_json(&report)?;
    } else if markdown {
        print!(
            "{}",
            notbetter_kb::premortem_markdown(&report, kb.taxonomy())
        );
    } else {
        for (i, c) in report.causes.iter().enumerate() {
            let addressed = if c.addressed {
                "  (addressed in the plan)"
            } else {
                ""
            };
            println!("{}. {} [{}]{addressed}", i + 1, c.name, c.cause);
            for w in &c.why {
                println!("   why: {w}");
            }
            for p in &c.precedents {
                println!(
                    "   precedent: {} ({}) [{}]",
                    p.title,
                    p.domains.join(", "),
                    p.id
                );
                if !p.pattern.is_empty() {
                    println!("      in any field: {}", p.pattern);
                }
            }
            for k in &c.checks {
                println!("   check: {k}");
            }
            println!();
        }
    }
    Ok(EXIT_OK)
}
