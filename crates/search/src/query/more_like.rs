//! More-like-this over a case's own field values, as tantivy's `MoreLikeThisQuery` builds it
//! (each field's terms scored by term frequency times BM25's idf, the best kept, each boosted
//! by its score over the best one's), but the same case always gives the same query: ties are
//! broken by field and term. Tantivy's keeps its candidates in a hash map and a heap, so equal
//! scores were cut differently from run to run and a case's similar cases changed between
//! processes (the evaluation's similar-case figures moved by ±0.01).

use std::collections::BTreeMap;

use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

/// Which terms a more-like-this query keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Like {
    /// At most this many terms.
    pub max_terms: usize,
    /// Terms in more cases than this are left out (too common to say anything).
    pub max_doc_freq: u64,
    /// Terms shorter than this many bytes are left out.
    pub min_len: usize,
}

/// The query for texts like `fields` (each field with its values), over the same fields.
pub(crate) fn more_like(
    searcher: &Searcher,
    fields: &[(Field, Vec<String>)],
    like: Like,
) -> tantivy::Result<BooleanQuery> {
    // Term frequencies by (field's place in `fields`, term): ordered, so ties stay put.
    let mut tf: BTreeMap<(usize, String), u32> = BTreeMap::new();
    for (place, (field, values)) in fields.iter().enumerate() {
        let mut analyzer = searcher.index().tokenizer_for_field(*field)?;
        for value in values {
            let mut stream = analyzer.token_stream(value);
            while let Some(token) = stream.next() {
                if token.text.len() >= like.min_len {
                    *tf.entry((place, token.text.clone())).or_default() += 1;
                }
            }
        }
    }
    let n = searcher.num_docs();
    let mut scored: Vec<(f32, Term)> = Vec::new();
    for ((place, text), count) in tf {
        let term = Term::from_field_text(fields[place].0, &text);
        let df = searcher.doc_freq(&term)?;
        if df == 0 || df > like.max_doc_freq {
            continue;
        }
        // BM25's idf, as tantivy's more-like-this uses.
        let idf = ((((n - df) as f32 + 0.5) / (df as f32 + 0.5)) + 1.0).ln();
        scored.push((count as f32 * idf, term));
    }
    // Best first; a stable sort keeps ties in field, then term order.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.truncate(like.max_terms);
    let best = scored.first().map_or(1.0, |(s, _)| *s);
    Ok(BooleanQuery::new(
        scored
            .into_iter()
            .map(|(score, term)| {
                let q: Box<dyn Query> = Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    score / best,
                ));
                (Occur::Should, q)
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::{more_like, Like};
    use tantivy::collector::TopDocs;
    use tantivy::query::{MoreLikeThisQuery, Query};

    /// The same terms and boosts as tantivy's more-like-this where no scores tie, so the
    /// same ranking; and with ties, the same query every time it is built.
    #[test]
    fn more_like_ranks_as_tantivy_does_and_breaks_ties_the_same_way_every_time() {
        let docs: [&[&str]; 6] = [
            &[
                "scanner signature",
                "the network learned the scanner and the hospital",
            ],
            &[
                "hospital shift",
                "external validation at another hospital failed",
            ],
            &[
                "scanner artefacts",
                "artefacts of the scanner predicted the label",
            ],
            &[
                "weather extremes",
                "record heat was underpredicted by every model",
            ],
            &["label noise", "noisy labels from crowd workers"],
            &["baseline tuning", "a tuned baseline matched the network"],
        ];
        let (f, searcher) =
            crate::query::fixture::text_index(&["title", "body"], &docs, docs.len());
        let (title, body) = (f[0], f[1]);
        let fields = vec![
            (title, vec!["scanner signature".to_string()]),
            (
                body,
                vec!["the network learned the scanner and the hospital".to_string()],
            ),
        ];
        let like = Like {
            max_terms: 100,
            max_doc_freq: 5,
            min_len: 4,
        };
        let ours = more_like(&searcher, &fields, like).unwrap();
        let theirs = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_max_doc_frequency(5)
            .with_min_term_frequency(1)
            .with_min_word_length(4)
            .with_max_query_terms(100)
            .with_document_fields(
                fields
                    .iter()
                    .map(|(f, v)| {
                        (
                            *f,
                            v.iter()
                                .map(|s| tantivy::schema::OwnedValue::Str(s.clone()))
                                .collect::<Vec<_>>(),
                        )
                    })
                    .collect(),
            );
        let top = |q: &dyn Query| {
            searcher
                .search(q, &TopDocs::with_limit(10).order_by_score())
                .unwrap()
        };
        let (a, b) = (top(&ours), top(&theirs));
        assert_eq!(a.len(), b.len());
        for ((sa, da), (sb, db)) in a.iter().zip(&b) {
            assert_eq!(da, db);
            assert!((sa - sb).abs() < 1e-4, "{sa} against {sb}");
        }
        // Terms tie ("network", "hospital" and both fields' "scanner" are each in two
        // documents, once in the text): with room for only some, every build keeps the same.
        let few = Like {
            max_terms: 3,
            ..like
        };
        let first = format!("{:?}", more_like(&searcher, &fields, few).unwrap());
        for _ in 0..20 {
            assert_eq!(
                format!("{:?}", more_like(&searcher, &fields, few).unwrap()),
                first
            );
        }
    }
}
