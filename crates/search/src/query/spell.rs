//! Spelling: a query word the index has never seen is replaced by the closest word of the
//! index's own vocabulary (its term dictionaries), when one is close enough, and the reader is
//! told ("showing results for leakage").

use std::collections::HashMap;

use tantivy::query::FuzzyTermQuery;
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

/// Whether `stem` occurs in none of `fields`.
pub(crate) fn unseen(searcher: &Searcher, fields: &[Field], stem: &str) -> tantivy::Result<bool> {
    for f in fields {
        if searcher.doc_freq(&Term::from_field_text(*f, stem))? > 0 {
            return Ok(false);
        }
    }
    Ok(true)
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
    if !unseen(searcher, fields, stem)? {
        return Ok(None);
    }
    // The term dictionaries are walked through a Levenshtein automaton (tantivy's own, as its
    // fuzzy queries use), which visits only the prefixes that can still end within `edits`,
    // and only under the word's first letter, since only words sharing it are candidates. (At
    // 1M cases, scanning every term of the first letter cost a question tens of ms.)
    let Some(first) = stem.chars().next() else {
        return Ok(None);
    };
    let lower = first.to_string().into_bytes();
    let upper = char::from_u32(first as u32 + 1).map(|c| c.to_string().into_bytes());
    // The automaton depends on the word only (the field just carries it), so it is built once.
    let Some(&any) = fields.first() else {
        return Ok(None);
    };
    let automaton =
        FuzzyTermQuery::new(Term::from_field_text(any, stem), edits as u8, true).automaton()?;
    let mut candidates: HashMap<String, (usize, u64)> = HashMap::new();
    for segment in searcher.segment_readers() {
        for f in fields {
            let inverted = segment.inverted_index(*f)?;
            let mut range = inverted.terms().search(&automaton).ge(&lower);
            if let Some(upper) = &upper {
                range = range.lt(upper);
            }
            let mut stream = range.into_stream()?;
            while stream.advance() {
                let Ok(term) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
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

#[cfg(test)]
mod tests {
    use super::correct;

    /// The closest word shares the first letter and is within the allowed edits (one up to
    /// seven letters, two beyond, transpositions counting one): the fewest edits, then the most
    /// cases, over every segment and field.
    #[test]
    fn a_word_is_corrected_to_the_closest_word_sharing_its_first_letter() {
        let docs: [&[&str]; 5] = [
            &["leakage", "baseline"],
            &["leakage", "baselines shortcut"],
            &["leverage", "bassline calibrated"],
            &["mleakage", "calibration"],
            &["shortcuts", "calibrated"],
        ];
        let (fields, searcher) = crate::query::fixture::text_index(&["title", "body"], &docs, 2);
        let fix = |w: &str| correct(&searcher, &fields, w).unwrap();
        // One edit (a transposition) away, in two segments.
        assert_eq!(fix("lekaage").as_deref(), Some("leakage"));
        // "bassline" is one edit away too, but in one case against two.
        assert_eq!(fix("basline").as_deref(), Some("baseline"));
        // Two edits for a long word, and only words sharing its first letter.
        assert_eq!(fix("calbraton").as_deref(), Some("calibration"));
        // Fewest edits before most cases: "calibrated" (two edits) is in two cases.
        assert_eq!(fix("calibraton").as_deref(), Some("calibration"));
        assert_eq!(fix("eakage"), None, "`leakage` starts with another letter");
        // A word the index holds, a short word and a word too far: no correction.
        assert_eq!(fix("shortcut"), None);
        assert_eq!(fix("bae"), None);
        assert_eq!(fix("lxxxxge"), None);
    }
}
