//! The union behind soft matching: documents that match at least `min` of a query's clauses,
//! scored by the sum of the clauses they match, counted over a window of document ids instead
//! of tantivy's heap.
//!
//! tantivy's minimum-should-match `Disjunction` keeps its clauses in a binary heap and pops and
//! pushes every clause at every matching document; at 1M cases that heap was 37% of the
//! profile of the middle of the benchmark's mix (docs/performance.md, "Fourth session"). Here,
//! as in tantivy's own `BufferedUnionScorer` for plain unions, each clause writes the documents
//! it matches in the next 4,096 ids into a bitset with a count and a score beside each; the
//! documents whose count reaches `min` are then read off in order. Same documents, same sums
//! (added in clause order, so a score may differ from the heap's in its last bits).

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

/// Document ids buffered at a time.
const HORIZON: u32 = 64 * 64;
const WORDS: usize = (HORIZON / 64) as usize;
/// Document ids read after a seek past the window: a sparse intersection (a mechanism's
/// members among a question's matches) seeks far ahead each time, and reading a whole
/// window of every clause there cost a question tens of milliseconds at 1M.
const SEEK_HORIZON: u32 = 64;

/// Documents matching at least `min` of `clauses` (1 < `min` < the number of clauses; the plan
/// keeps tantivy's own union and intersection for the ends).
#[derive(Debug)]
pub struct SoftUnionQuery {
    clauses: Vec<Box<dyn Query>>,
    min: usize,
}

impl SoftUnionQuery {
    pub fn new(clauses: Vec<Box<dyn Query>>, min: usize) -> SoftUnionQuery {
        SoftUnionQuery { clauses, min }
    }
}

impl Clone for SoftUnionQuery {
    fn clone(&self) -> Self {
        SoftUnionQuery {
            clauses: self.clauses.iter().map(|q| q.box_clone()).collect(),
            min: self.min,
        }
    }
}

impl Query for SoftUnionQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SoftUnionWeight {
            weights,
            min: self.min,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for q in &self.clauses {
            q.query_terms(visitor);
        }
    }
}

struct SoftUnionWeight {
    weights: Vec<Box<dyn Weight>>,
    min: usize,
}

impl Weight for SoftUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let scorers = self
            .weights
            .iter()
            .map(|w| w.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SoftUnion::new(scorers, self.min)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document #{doc} matches fewer than {} clauses",
                self.min
            )));
        }
        let description = format!("sum of the clauses matched (at least {})", self.min);
        let mut explanation = Explanation::new_with_string(description, scorer.score());
        for w in &self.weights {
            if let Ok(e) = w.explain(reader, doc) {
                explanation.add_detail(e);
            }
        }
        Ok(explanation)
    }
}

/// The scorer: clauses not yet exhausted, and the window of ids from `start` they were read
/// into. A slot's count and score are zero unless its bit is set.
pub struct SoftUnion {
    scorers: Vec<Box<dyn Scorer>>,
    min: u32,
    bits: Box<[u64; WORDS]>,
    counts: Box<[u32; HORIZON as usize]>,
    scores: Box<[Score; HORIZON as usize]>,
    /// The next word of `bits` to read.
    word: usize,
    /// The window holds the ids from `start` up to `end` (exclusive).
    start: DocId,
    end: DocId,
    doc: DocId,
    score: Score,
}

impl SoftUnion {
    pub fn new(scorers: Vec<Box<dyn Scorer>>, min: usize) -> SoftUnion {
        let mut union = SoftUnion {
            scorers: scorers
                .into_iter()
                .filter(|s| s.doc() != TERMINATED)
                .collect(),
            min: min.max(1) as u32,
            bits: Box::new([0; WORDS]),
            counts: Box::new([0; HORIZON as usize]),
            scores: Box::new([0.0; HORIZON as usize]),
            word: WORDS,
            start: 0,
            end: 0,
            doc: 0,
            score: 0.0,
        };
        // A short first window too: a scorer made only to be sought far ahead (one per
        // segment, each time a question's matches are intersected with a few cases) would
        // otherwise read a whole window of every clause for nothing.
        if !(union.refill(SEEK_HORIZON) && union.advance_buffered()) {
            union.advance();
        }
        union
    }

    /// Reads the next window of `len` ids (at most `HORIZON`), from the smallest id any clause
    /// is on; false when all are done.
    fn refill(&mut self, len: u32) -> bool {
        let Some(start) = self.scorers.iter().map(|s| s.doc()).min() else {
            return false;
        };
        self.start = start;
        self.word = 0;
        let horizon = start.saturating_add(len.min(HORIZON));
        self.end = horizon;
        for s in &mut self.scorers {
            let mut doc = s.doc();
            while doc < horizon {
                let slot = (doc - start) as usize;
                self.bits[slot / 64] |= 1 << (slot % 64);
                self.counts[slot] += 1;
                self.scores[slot] += s.score();
                doc = s.advance();
            }
        }
        self.scorers.retain(|s| s.doc() != TERMINATED);
        true
    }

    /// The next document of the window that matched enough clauses.
    fn advance_buffered(&mut self) -> bool {
        while self.word < WORDS {
            let bits = self.bits[self.word];
            if bits == 0 {
                self.word += 1;
                continue;
            }
            self.bits[self.word] = bits & (bits - 1);
            let slot = self.word * 64 + bits.trailing_zeros() as usize;
            let count = std::mem::take(&mut self.counts[slot]);
            let score = std::mem::take(&mut self.scores[slot]);
            if count >= self.min {
                self.doc = self.start + slot as DocId;
                self.score = score;
                return true;
            }
        }
        false
    }

    /// Empties the slots of word `w` whose bits are in `mask`.
    fn clear(&mut self, w: usize, mask: u64) {
        let mut bits = self.bits[w] & mask;
        self.bits[w] &= !mask;
        while bits != 0 {
            let slot = w * 64 + bits.trailing_zeros() as usize;
            self.counts[slot] = 0;
            self.scores[slot] = 0.0;
            bits &= bits - 1;
        }
    }
}

impl DocSet for SoftUnion {
    fn advance(&mut self) -> DocId {
        loop {
            if self.advance_buffered() {
                return self.doc;
            }
            if !self.refill(HORIZON) {
                self.doc = TERMINATED;
                return TERMINATED;
            }
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let gap = target - self.start;
        if target < self.end {
            // Drop the window's slots below the target, then read on from there.
            let last = gap as usize / 64;
            for w in self.word..last {
                self.clear(w, u64::MAX);
            }
            if self.word <= last {
                self.clear(last, (1u64 << (gap % 64)) - 1);
                self.word = last;
            }
            self.advance()
        } else {
            for w in self.word..WORDS {
                self.clear(w, u64::MAX);
            }
            self.word = WORDS;
            for s in &mut self.scorers {
                if s.doc() < target {
                    s.seek(target);
                }
            }
            self.scorers.retain(|s| s.doc() != TERMINATED);
            // A short window first: the next seek is likely far ahead again.
            if self.refill(SEEK_HORIZON) && self.advance_buffered() {
                return self.doc;
            }
            self.advance()
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .map(|s| s.size_hint())
            .max()
            .unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for SoftUnion {
    fn score(&mut self) -> Score {
        self.score
    }
}

/// How many of `n` soft concepts a case must hold.
pub(crate) fn min_match(n: usize, share: f32) -> usize {
    if n == 0 {
        return 0;
    }
    let m = (n as f32 * share).ceil() as usize;
    let floor = if n >= 4 { 2 } else { 1 };
    m.clamp(floor, n)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tantivy::collector::{Count, DocSetCollector, TopDocs};
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, DocAddress, Index};

    #[test]
    fn min_match_grows_with_the_query() {
        use super::min_match;
        assert_eq!(min_match(1, 0.34), 1);
        assert_eq!(min_match(2, 0.34), 1);
        assert_eq!(min_match(3, 0.34), 2);
        assert_eq!(min_match(4, 0.34), 2);
        assert_eq!(min_match(9, 0.34), 4);
    }

    use super::*;

    /// An index of `docs` (each a list of word numbers) in `segments` segments, and the
    /// clauses for words 0..`words`.
    fn index(docs: &[Vec<u8>], segments: usize) -> (Index, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let per = docs.len().div_ceil(segments.max(1)).max(1);
        for chunk in docs.chunks(per) {
            for words in chunk {
                let text: Vec<String> = words.iter().map(|w| format!("w{w}")).collect();
                writer.add_document(doc!(body => text.join(" "))).unwrap();
            }
            writer.commit().unwrap();
        }
        (index, body)
    }

    fn clauses(body: tantivy::schema::Field, words: u8) -> Vec<Box<dyn Query>> {
        (0..words)
            .map(|w| {
                Box::new(TermQuery::new(
                    Term::from_field_text(body, &format!("w{w}")),
                    IndexRecordOption::WithFreqs,
                )) as Box<dyn Query>
            })
            .collect()
    }

    /// Every match with its score, in document order.
    fn matches(index: &Index, q: &dyn Query) -> Vec<(DocAddress, Score)> {
        let searcher = index.reader().unwrap().searcher();
        let n = searcher.num_docs() as usize;
        let mut all = searcher
            .search(q, &TopDocs::with_limit(n.max(1)).order_by_score())
            .unwrap();
        all.sort_by_key(|(_, a)| *a);
        all.into_iter().map(|(s, a)| (a, s)).collect()
    }

    fn same(a: &[(DocAddress, Score)], b: &[(DocAddress, Score)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((da, sa), (db, sb))| da == db && (sa - sb).abs() <= 1e-4 * sa.abs().max(1.0))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The same documents and scores as tantivy's minimum-should-match union, on its own,
        /// beside a filter (which seeks it), and counted.
        #[test]
        fn matches_tantivys_minimum_should_match(
            docs in prop::collection::vec(prop::collection::vec(0u8..5, 0..5), 1..9000),
            min in 2usize..5,
            segments in 1usize..3,
            filter_word in 0u8..5,
        ) {
            let (index, body) = index(&docs, segments);
            let ours = SoftUnionQuery::new(clauses(body, 5), min);
            let theirs = BooleanQuery::union_with_minimum_required_clauses(clauses(body, 5), min);
            let (a, b) = (matches(&index, &ours), matches(&index, &theirs));
            prop_assert!(same(&a, &b), "{} against {} matches", a.len(), b.len());
            // Intersected with a filter, the union is sought rather than advanced.
            let filter = || -> Box<dyn Query> {
                Box::new(TermQuery::new(
                    Term::from_field_text(body, &format!("w{filter_word}")),
                    IndexRecordOption::Basic,
                ))
            };
            let with = |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, q), (Occur::Must, filter())]);
            let (a, b) = (
                matches(&index, &with(Box::new(ours.clone()))),
                matches(&index, &with(Box::new(theirs.clone()))),
            );
            prop_assert!(same(&a, &b), "filtered: {} against {}", a.len(), b.len());
            let searcher = index.reader().unwrap().searcher();
            prop_assert_eq!(searcher.search(&ours, &Count).unwrap(), searcher.search(&theirs, &Count).unwrap());
        }
    }

    #[test]
    fn seeks_inside_and_past_the_window_and_explains() {
        // Word 0 in every document, word 1 in every third: at least two means every third.
        let docs: Vec<Vec<u8>> = (0..20_000u32)
            .map(|i| if i % 3 == 0 { vec![0, 1] } else { vec![0] })
            .collect();
        let (index, body) = index(&docs, 1);
        let searcher = index.reader().unwrap().searcher();
        let q = SoftUnionQuery::new(clauses(body, 2), 2);
        let weight = q
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let reader = searcher.segment_reader(0);
        let mut s = weight.scorer(reader, 1.0).unwrap();
        assert_eq!(s.doc(), 0);
        assert_eq!(s.seek(10), 12, "inside the window");
        assert_eq!(s.seek(12), 12, "seeking where it is stays");
        assert_eq!(s.advance(), 15);
        assert_eq!(s.seek(15_001), 15_003, "past the window");
        assert_eq!(s.seek(19_998), 19_998);
        assert_eq!(s.seek(19_999), TERMINATED, "no match at or after 19,999");
        assert!(weight.explain(reader, 3).is_ok());
        assert!(
            weight.explain(reader, 4).is_err(),
            "one clause is not enough"
        );
        let all: Vec<DocId> = searcher
            .search(&q, &DocSetCollector)
            .unwrap()
            .into_iter()
            .map(|a| a.doc_id)
            .collect();
        assert_eq!(all.len(), 6_667);
    }
}
