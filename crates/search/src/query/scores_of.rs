//! A collector that keeps the scores of a few chosen documents as a search goes by them: the
//! members of the mechanisms a question was read as, scored by the search's own pass instead
//! of by seeking the query again at each of them afterwards.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The documents to keep, per segment ordinal, each list in document order.
pub(crate) struct ScoresOf {
    docs: Vec<std::sync::Arc<[DocId]>>,
}

impl ScoresOf {
    /// Keeps the scores of `addresses` (any order; repeats are kept once).
    pub(crate) fn new(addresses: impl IntoIterator<Item = DocAddress>) -> ScoresOf {
        let mut per: Vec<Vec<DocId>> = Vec::new();
        for a in addresses {
            let ord = a.segment_ord as usize;
            if per.len() <= ord {
                per.resize_with(ord + 1, Vec::new);
            }
            per[ord].push(a.doc_id);
        }
        let docs = per
            .into_iter()
            .map(|mut d| {
                d.sort_unstable();
                d.dedup();
                d.into()
            })
            .collect();
        ScoresOf { docs }
    }
}

impl Collector for ScoresOf {
    /// The chosen documents the query matched, with their scores, in segment and document
    /// order.
    type Fruit = Vec<(DocAddress, Score)>;
    type Child = SegmentScoresOf;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        _segment: &SegmentReader,
    ) -> tantivy::Result<SegmentScoresOf> {
        Ok(SegmentScoresOf {
            ord,
            docs: self
                .docs
                .get(ord as usize)
                .cloned()
                .unwrap_or_else(|| Vec::new().into()),
            next: 0,
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(DocAddress, Score)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

pub(crate) struct SegmentScoresOf {
    ord: SegmentOrdinal,
    docs: std::sync::Arc<[DocId]>,
    /// The first of `docs` not yet passed (documents arrive in increasing order).
    next: usize,
    found: Vec<(DocAddress, Score)>,
}

impl SegmentCollector for SegmentScoresOf {
    type Fruit = Vec<(DocAddress, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        // Most matches are not chosen: one comparison when the next chosen one is further on.
        let Some(&want) = self.docs.get(self.next) else {
            return;
        };
        if want > doc {
            return;
        }
        let skip = self.docs[self.next..].partition_point(|&d| d < doc);
        self.next += skip;
        if self.docs.get(self.next) == Some(&doc) {
            self.found.push((DocAddress::new(self.ord, doc), score));
            self.next += 1;
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, DocAddress, Index, Term};

    use super::ScoresOf;

    #[test]
    fn keeps_the_scores_the_search_gives_the_chosen_documents_it_matches() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        // Two segments; every third document holds "shift", some twice.
        for segment in 0..2 {
            for i in 0..300u32 {
                let text = match i % 3 {
                    0 if i % 2 == 0 => "shift shift site",
                    0 => "shift site",
                    _ => "site",
                };
                writer
                    .add_document(doc!(body => format!("{text} {segment}")))
                    .unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        let q = TermQuery::new(
            Term::from_field_text(body, "shift"),
            IndexRecordOption::WithFreqs,
        );
        let every = searcher
            .search(&q, &TopDocs::with_limit(1_000).order_by_score())
            .unwrap();
        let chosen: Vec<DocAddress> = [(1, 299), (0, 3), (0, 4), (1, 0), (0, 3), (0, 297), (5, 1)]
            .iter()
            .map(|&(s, d)| DocAddress::new(s, d))
            .collect();
        let got = searcher.search(&q, &ScoresOf::new(chosen.clone())).unwrap();
        let mut want: Vec<(DocAddress, f32)> = every
            .iter()
            .filter(|(_, a)| chosen.contains(a))
            .map(|(s, a)| (*a, *s))
            .collect();
        want.sort_by_key(|(a, _)| *a);
        assert_eq!(got, want);
        assert_eq!(
            got.len(),
            3,
            "documents 3 and 297 of one segment, 0 of the other, once each"
        );
    }
}
