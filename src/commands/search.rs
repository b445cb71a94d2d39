//! `notbetter search` and `notbetter show`.

use anyhow::bail;
use notbetter_kb::{FacetDim, KbError, KnowledgeBase, SearchRequest, Sort};
use notbetter_taxonomy::Dimension;

use crate::cli::{Cli, Command, Filters};
use crate::output::print_json;
use crate::{EXIT_INPUT, EXIT_OK};

/// A search request for `query` under `filters`, each label resolved as filters are (slug,
/// name or alias); an unknown one is a clear error.
pub fn request(
    kb: &KnowledgeBase,
    query: &str,
    filters: &Filters,
) -> Result<SearchRequest, KbError> {
    let mut req = SearchRequest::new(query);
    req.year_from = filters.year_from;
    req.year_to = filters.year_to;
    for (dim, values) in [
        (Dimension::Domain, &filters.domains),
        (Dimension::Cause, &filters.causes),
        (Dimension::FailureMode, &filters.modes),
        (Dimension::Method, &filters.methods),
    ] {
        for v in values {
            let slug = kb.resolve(dim, v)?;
            req.filters
                .entry(FacetDim::from_dimension(dim))
                .or_default()
                .push(slug);
        }
    }
    for s in &filters.sources {
        req.filters
            .entry(FacetDim::Source)
            .or_default()
            .push(s.clone());
    }
    Ok(req)
}

pub fn search(cli: &Cli) -> anyhow::Result<u8> {
    let Command::Search {
        query,
        filters,
        sort,
        limit,
        offset,
        json,
    } = &cli.command
    else {
        unreachable!("dispatched on Command::Search")
    };
    let kb = super::open_with_cases(cli)?;
    kb.load_mechanisms()?;
    let Some(sort) = Sort::parse(sort) else {
        bail!("unknown sort `{sort}`: expected relevance, year or year_asc");
    };
    let mut req = match request(&kb, query, filters) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_INPUT);
        }
    };
    req.sort = sort;
    req.limit = *limit;
    req.offset = *offset;
    let results = match kb.search(&req) {
        Ok(r) => r,
        Err(e) if e.is_user_error() => {
            eprintln!("error: {e}");
            return Ok(EXIT_INPUT);
        }
        Err(e) => return Err(e.into()),
    };
    if *json {
        print_json(&results)?;
        return Ok(EXIT_OK);
    }
    let r = &results.reading;
    if let Some(corrected) = &r.corrected {
        println!("showing results for: {corrected}  (quote a word to search it as typed)");
    }
    for l in &r.synonyms {
        println!(
            "also finding cases filed under {} ({})",
            l.name,
            l.words.join(" ")
        );
    }
    if !r.causes.is_empty() {
        let names: Vec<&str> = r.causes.iter().map(|l| l.name.as_str()).collect();
        println!("read as: {}", names.join(", "));
    }
    if !r.mechanisms.is_empty() {
        let names: Vec<&str> = r.mechanisms.iter().map(|m| m.name.as_str()).collect();
        println!("read as the mechanism: {}", names.join("; "));
    }
    if !r.weak_causes.is_empty() {
        let names: Vec<&str> = r.weak_causes.iter().map(|l| l.name.as_str()).collect();
        println!("also weighed, on thinner evidence: {}", names.join(", "));
    }
    for note in &r.notes {
        println!("note: {note}");
    }
    if results.total == 0 && kb.count()? == 0 {
        eprintln!(
            "note: the knowledge base in {} holds no cases (its bundled cases could not be loaded; see the log); `notbetter ingest` adds your own",
            kb.dir().display()
        );
    }
    println!("{} case(s)", results.total);
    for h in &results.hits {
        let year = h
            .year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "----".into());
        println!("\n{} ({year})  [{}]", h.title, h.id);
        println!(
            "  domains: {}  causes: {}",
            h.domains.join(", "),
            h.causes.join(", ")
        );
        println!("  {}", h.snippet.text);
        if !h.missing.is_empty() {
            println!("  missing: {}", h.missing.join(", "));
        }
    }
    Ok(EXIT_OK)
}

/// Snippets are HTML with `<b>` highlights; a terminal gets plain text.
pub fn show(cli: &Cli, id: &str, json: bool) -> anyhow::Result<u8> {
    let kb = super::open_with_cases(cli)?;
    let Some(stored) = kb.get(id)? else {
        eprintln!("error: no case with id `{id}`");
        return Ok(EXIT_INPUT);
    };
    if json {
        print_json(&stored)?;
        return Ok(EXIT_OK);
    }
    let c = &stored.case;
    println!("{}", c.title);
    println!(
        "id: {}  year: {}",
        c.id,
        c.year.map(|y| y.to_string()).unwrap_or_default()
    );
    for (name, labels) in [
        ("domains", &c.domains),
        ("causes", &c.causes),
        ("failure modes", &c.failure_modes),
        ("methods", &c.methods),
    ] {
        let shown: Vec<String> = labels
            .iter()
            .map(|l| match l.state {
                notbetter_taxonomy::LabelState::Confirmed => l.value.clone(),
                s => format!("{} ({})", l.value, s.as_str()),
            })
            .collect();
        println!("{name}: {}", shown.join(", "));
    }
    for (field, heading) in notbetter_taxonomy::ELEMENTS
        .iter()
        .chain(notbetter_taxonomy::OPTIONAL_SECTIONS.iter())
    {
        let text = c.element(field);
        if !text.is_empty() {
            println!("\n## {heading}\n{text}");
        }
    }
    let facts: Vec<String> = c
        .evidence
        .facts()
        .iter()
        .map(|(k, f)| format!("{k} {}", f.map_or("not stated", |f| f.as_str())))
        .collect();
    println!("evidence: {}", facts.join(", "));
    if let Some(why) = &c.evidence.unknown_reason {
        println!("  unknown because: {why}");
    }
    match &c.review {
        Some(r) => println!(
            "reviewed on {} against {}: {}",
            r.date,
            r.against.join(", "),
            r.verdict.as_str()
        ),
        None => println!("not yet reviewed"),
    }
    println!("\nReferences:");
    for r in &c.references {
        println!(
            "- {} {}",
            r.title.as_deref().unwrap_or(""),
            r.link().unwrap_or_default()
        );
    }
    Ok(EXIT_OK)
}
