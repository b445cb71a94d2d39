//! BibTeX: one entry per reference of a case, so a paper can cite the published sources behind
//! a case; [`case_bibtex`] is the "Cite this case" text the web reuses.
//!
//! Keys are stable: the case id for its first reference, `<id>:<n>` for the n-th (ids never
//! hold `:`, so keys cannot clash). A paper with a venue is an `@article`, anything else a
//! `@misc`. A case without references but with a source URL (an imported record) gets one
//! `@misc` for the source record itself; a case with neither gets a `%` comment line.

use std::io::Write;

use notbetter_taxonomy::{Case, Reference};

use crate::InteropError;

/// The key of a case's `n`-th reference (1-based).
pub fn bibtex_key(case_id: &str, n: usize) -> String {
    if n <= 1 {
        case_id.to_string()
    } else {
        format!("{case_id}:{n}")
    }
}

/// Escapes text for a BibTeX field read by LaTeX.
fn tex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A URL, DOI or arXiv id kept verbatim, but with braces and spaces percent-encoded so the
/// field's braces stay balanced.
fn verbatim(s: &str) -> String {
    s.replace('{', "%7B")
        .replace('}', "%7D")
        .replace(char::is_whitespace, "%20")
}

struct Entry {
    kind: &'static str,
    key: String,
    fields: Vec<(&'static str, String)>,
}

impl Entry {
    fn render(&self) -> String {
        let mut out = format!("@{}{{{},\n", self.kind, self.key);
        for (name, value) in &self.fields {
            out.push_str(&format!("  {name} = {{{value}}},\n"));
        }
        out.push_str("}\n");
        out
    }
}

fn note(case: &Case) -> String {
    tex(&format!("Not Better case {}: {}", case.id, case.title))
}

fn reference_entry(case: &Case, r: &Reference, key: String) -> Entry {
    let article = r.kind.as_deref() == Some("paper") && r.venue.is_some();
    let mut fields = Vec::new();
    if let Some(title) = &r.title {
        // Double braces keep the title's capitals.
        fields.push(("title", format!("{{{}}}", tex(title))));
    }
    if !r.authors.is_empty() {
        let authors: Vec<String> = r
            .authors
            .iter()
            .map(|a| {
                // A name holding " and " would split into two authors unless braced.
                if a.contains(" and ") {
                    format!("{{{}}}", tex(a))
                } else {
                    tex(a)
                }
            })
            .collect();
        fields.push(("author", authors.join(" and ")));
    }
    if let Some(venue) = &r.venue {
        let name = if article { "journal" } else { "howpublished" };
        fields.push((name, tex(venue)));
    }
    if let Some(year) = r.year {
        fields.push(("year", year.to_string()));
    }
    if let Some(doi) = &r.doi {
        fields.push(("doi", verbatim(doi)));
    }
    if let Some(arxiv) = &r.arxiv {
        fields.push(("eprint", verbatim(arxiv)));
        fields.push(("archiveprefix", "arXiv".into()));
    }
    if let Some(link) = r.link() {
        fields.push(("url", verbatim(&link)));
    }
    fields.push(("note", note(case)));
    Entry {
        kind: if article { "article" } else { "misc" },
        key,
        fields,
    }
}

/// The BibTeX for one case: an entry per reference (see the module docs).
pub fn case_bibtex(case: &Case) -> String {
    if case.references.is_empty() {
        let Some(url) = &case.source_url else {
            return format!("% {}: no reference to cite\n", case.id);
        };
        let mut fields = vec![("title", format!("{{{}}}", tex(&case.title)))];
        if let Some(year) = case.year {
            fields.push(("year", year.to_string()));
        }
        fields.push(("url", verbatim(url)));
        fields.push(("note", note(case)));
        return Entry {
            kind: "misc",
            key: bibtex_key(&case.id, 1),
            fields,
        }
        .render();
    }
    case.references
        .iter()
        .enumerate()
        .map(|(i, r)| reference_entry(case, r, bibtex_key(&case.id, i + 1)).render())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every case's entries, a blank line apart.
pub fn write_bibtex(cases: &[Case], out: &mut dyn Write) -> Result<(), InteropError> {
    super::write(super::ExportFormat::Bibtex, cases, out)
}
