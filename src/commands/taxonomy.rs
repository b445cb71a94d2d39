//! `notbetter taxonomy`: the tree with case counts.

use notbetter_taxonomy::Dimension;
use serde::Serialize;

use crate::cli::Cli;
use crate::output::print_json;
use crate::EXIT_OK;

#[derive(Serialize)]
struct Node {
    slug: String,
    name: String,
    description: String,
    cases: usize,
    children: Vec<Node>,
}

pub fn taxonomy(cli: &Cli, json: bool) -> anyhow::Result<u8> {
    let kb = super::open_with_cases(cli)?;
    let t = kb.taxonomy();
    let mut out = serde_json::Map::new();
    for dim in Dimension::ALL {
        let counts = kb.label_counts(dim)?;
        let node = |e: &notbetter_taxonomy::Entry, children: Vec<Node>| Node {
            slug: e.slug.clone(),
            name: e.name.clone(),
            description: e.description.clone(),
            cases: counts.get(&e.slug).copied().unwrap_or(0),
            children,
        };
        let tree: Vec<Node> = t
            .children(dim, None)
            .map(|e| {
                let kids = t
                    .children(dim, Some(&e.slug))
                    .map(|c| node(c, vec![]))
                    .collect();
                node(e, kids)
            })
            .collect();
        if !json {
            println!("{}", dim.as_str().replace('_', " ").to_uppercase());
            for n in &tree {
                println!("  {:<40} {:>5}  {}", n.slug, n.cases, n.name);
                for c in &n.children {
                    println!("    {:<38} {:>5}  {}", c.slug, c.cases, c.name);
                }
            }
            println!();
        }
        out.insert(dim.as_str().to_string(), serde_json::to_value(tree)?);
    }
    if json {
        print_json(&out)?;
    }
    Ok(EXIT_OK)
}
