//! Spelling: a query word the index has never seen is replaced by the closest word of the
//! index's own vocabulary (its term dictionaries), when one is close enough, and the reader is
//! told ("showing results for leakage").

use std::collections::HashMap;

use tantivy::schema::{Field, Value};
use tantivy::{Searcher, TantivyDocument, Term};

/// Edits allowed for a word of this many characters: none for short words, where a single
/// edit makes another common word.
fn max_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The index's closest stem to `stem`, if `stem` occurs in none of `fields` and a stem within
/// the allowed edits (sharing its first letter) does: the fewest edits, then the most cases.
pub(crate) fn correct(
    searcher: &Searcher,
    fields: &[Field],
    stem: &str,
) -> tantivy::Result<Option<String>> {
    let len = stem.chars().count();
    let edits = max_edits(len);
    if edits == 0 || stem.chars().any(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    for f in fields {
        if searcher.doc_freq(&Term::from_field_text(*f, stem))? > 0 {
            return Ok(None);
        }
    }
    let first: String = stem.chars().take(1).collect();
    let mut upper = first.clone().into_bytes();
    if let Some(last) = upper.last_mut() {
        *last = last.saturating_add(1);
    }
    let mut candidates: HashMap<String, (usize, u64)> = HashMap::new();
    for segment in searcher.segment_readers() {
        for f in fields {
            let inverted = segment.inverted_index(*f)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(first.as_bytes())
                .lt(&upper)
                .into_stream()?;
            while stream.advance() {
                let Ok(term) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let tl = term.chars().count();
                if tl.abs_diff(len) > edits {
                    continue;
                }
                let d = strsim::osa_distance(stem, term);
                if d == 0 || d > edits {
                    continue;
                }
                let e = candidates.entry(term.to_string()).or_insert((d, 0));
                e.1 += u64::from(stream.value().doc_freq);
            }
        }
    }
    Ok(candidates
        .into_iter()
        .min_by(|a, b| {
            a.1 .0
                .cmp(&b.1 .0)
                .then(b.1 .1.cmp(&a.1 .1))
                .then(a.0.cmp(&b.0))
        })
        .map(|(t, _)| t))
}

/// A word as written in the cases whose stem is `stem` ("leakage" for `leakag`), for telling
/// the reader what was searched; the stem itself if no stored text shows one.
pub(crate) fn surface_of(searcher: &Searcher, fields: &[Field], stem: &str) -> String {
    let mut analyzer = crate::stem::en_stem();
    for f in fields {
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(*f, stem),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let Ok(top) = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
        ) else {
            continue;
        };
        let Some(&(_, addr)) = top.first() else {
            continue;
        };
        let Ok(doc) = searcher.doc::<TantivyDocument>(addr) else {
            continue;
        };
        for value in doc.get_all(*f) {
            let Some(text) = value.as_str() else { continue };
            let mut stream = analyzer.token_stream(text);
            while let Some(token) = stream.next() {
                if token.text == stem {
                    return text[token.offset_from..token.offset_to].to_lowercase();
                }
            }
        }
    }
    stem.to_string()
}
