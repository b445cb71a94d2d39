//! Phrase prefixes of one word and a prefix (`"workflow int"*`): the same matches and scores
//! as tantivy's `PhrasePrefixQuery`, found with less work.
//!
//! tantivy scores such a phrase 1 in every field it matches (the count of matching positions
//! is computed, but only its `explain` reads it). To find the matches it walks every case
//! holding the first word and, at each, seeks every expansion of the prefix (up to 50), then
//! reads and counts the positions of each one the case holds: at a million cases, "workflow"
//! is in hundreds of thousands of them. [`PhrasePrefix`] intersects the word with each
//! expansion in turn instead (each list skipping to the other's next case), checks positions
//! only where both are and the case is not already matched, and collects the matches in a
//! bit set per segment. Phrases of two words or more before the prefix are scored by their
//! own BM25 weight and go to tantivy unchanged.

use std::cmp::Reverse;
use std::sync::Arc;

use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{
    BitSetDocSet, EmptyScorer, EnableScoring, Explanation, PhrasePrefixQuery, Query, Scorer, Weight,
};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{
    BitSet, DocId, DocSet, InvertedIndexReader, Score, SegmentReader, TantivyError, TERMINATED,
};

/// A phrase whose last word is a prefix, searched in one field.
#[derive(Clone, Debug)]
pub(crate) struct PhrasePrefix {
    /// What tantivy would run: phrases of other lengths, and the query's terms.
    inner: PhrasePrefixQuery,
    /// The word before the prefix and the prefix, when the phrase is exactly that.
    pair: Option<(Term, Term)>,
    max_expansions: u32,
}

impl PhrasePrefix {
    /// The phrase `terms`, the last one a prefix, expanded to at most `max_expansions` words
    /// of the index (in their order in the term dictionary, as tantivy does).
    pub(crate) fn new(terms: Vec<Term>, max_expansions: u32) -> Self {
        let pair = match &terms[..] {
            [word, prefix] => Some((word.clone(), prefix.clone())),
            _ => None,
        };
        let mut inner = PhrasePrefixQuery::new(terms);
        inner.set_max_expansions(max_expansions);
        PhrasePrefix {
            inner,
            pair,
            max_expansions,
        }
    }
}

impl Query for PhrasePrefix {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let Some((word, prefix)) = &self.pair else {
            return self.inner.weight(enable_scoring);
        };
        let entry = enable_scoring.schema().get_field_entry(word.field());
        let positions = entry
            .field_type()
            .get_index_record_option()
            .is_some_and(IndexRecordOption::has_positions);
        if !positions {
            // tantivy's own error, word for word.
            return self.inner.weight(enable_scoring);
        }
        Ok(Box::new(PairWeight {
            word: word.clone(),
            prefix: prefix.clone(),
            max_expansions: self.max_expansions,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct PairWeight {
    word: Term,
    prefix: Term,
    max_expansions: u32,
}

impl PairWeight {
    fn pair_scorer(&self, reader: &SegmentReader) -> tantivy::Result<Option<PairScorer>> {
        let index = reader.inverted_index(self.word.field())?;
        let Some(word_info) = index.get_term_info(&self.word)? else {
            return Ok(None);
        };
        let start = self.prefix.serialized_value_bytes();
        let mut range = index.terms().range().ge(start);
        if let Some(end) = prefix_end(start) {
            range = range.lt(end);
        }
        let mut stream = range.into_stream()?;
        let mut expansions = Vec::with_capacity(self.max_expansions as usize);
        while stream.advance() && expansions.len() < self.max_expansions as usize {
            expansions.push(stream.value().clone());
        }
        // The expansions most cases hold first: a match found early ends a case's look.
        expansions.sort_by_key(|info| Reverse(info.doc_freq));
        let open = |info: &TermInfo| {
            index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqsAndPositions)
        };
        let word = open(&word_info)?;
        let expansions = expansions.iter().map(open).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(PairScorer::new(
            index.clone(),
            word_info,
            word,
            expansions,
            reader.max_doc(),
        )))
    }
}

/// The smallest byte string greater than every string starting with `prefix`, if any.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

impl Weight for PairWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.pair_scorer(reader)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let no_match =
            || TantivyError::InvalidArgument(format!("Document #({doc}) does not match"));
        let mut scorer = self.pair_scorer(reader)?.ok_or_else(no_match)?;
        if scorer.seek(doc) != doc {
            return Err(no_match());
        }
        Ok(Explanation::new("Phrase Prefix Scorer", scorer.score()))
    }
}

/// Cases holding the word directly followed by one of the expansions.
///
/// Sought case by case (to test a few cases, or inside an intersection), it walks the word's
/// cases and looks for an expansion at each, as tantivy does. Advanced (walking all its
/// matches), it first finds the segment's remaining matches expansion by expansion into a
/// bit set, then walks that.
struct PairScorer {
    index: Arc<InvertedIndexReader>,
    word_info: TermInfo,
    word: SegmentPostings,
    /// Most cases first; taken by [`Self::matches_after`] when the walk turns to the bit set.
    expansions: Vec<SegmentPostings>,
    max_doc: DocId,
    /// Once walked whole: every match after the case the walk started from.
    all: Option<BitSetDocSet>,
    word_positions: Vec<u32>,
    positions: Vec<u32>,
}

impl PairScorer {
    fn new(
        index: Arc<InvertedIndexReader>,
        word_info: TermInfo,
        word: SegmentPostings,
        expansions: Vec<SegmentPostings>,
        max_doc: DocId,
    ) -> Self {
        let mut scorer = PairScorer {
            index,
            word_info,
            word,
            expansions,
            max_doc,
            all: None,
            word_positions: Vec::with_capacity(64),
            positions: Vec::with_capacity(64),
        };
        if scorer.word.doc() != TERMINATED && !scorer.follows() {
            scorer.step();
        }
        scorer
    }

    /// Whether an expansion directly follows the word in the word's current case.
    fn follows(&mut self) -> bool {
        let doc = self.word.doc();
        let mut read = false;
        for expansion in &mut self.expansions {
            if expansion.doc() > doc || expansion.seek(doc) != doc {
                continue;
            }
            if !read {
                // Shifted by one: an expansion at position p follows the word at p - 1.
                self.word.positions_with_offset(1, &mut self.word_positions);
                read = true;
            }
            expansion.positions(&mut self.positions);
            if sorted_intersect(&self.word_positions, &self.positions) {
                return true;
            }
        }
        false
    }

    /// The word's next case that matches, case by case.
    fn step(&mut self) -> DocId {
        loop {
            let doc = self.word.advance();
            if doc == TERMINATED || self.follows() {
                return doc;
            }
        }
    }

    /// The matches after the current case, each expansion intersected with the word in
    /// turn; `None` if a list cannot be read again (then the walk goes on case by case).
    fn matches_after(&mut self, after: DocId) -> Option<BitSet> {
        // The word's list, once per expansion, read before anything moves.
        let words = (0..self.expansions.len())
            .map(|_| {
                self.index.read_postings_from_terminfo(
                    &self.word_info,
                    IndexRecordOption::WithFreqsAndPositions,
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        let mut found = BitSet::with_max_value(self.max_doc);
        for (mut expansion, mut word) in std::mem::take(&mut self.expansions).into_iter().zip(words)
        {
            let mut doc = if expansion.doc() <= after {
                expansion.seek(after + 1)
            } else {
                expansion.doc()
            };
            while doc != TERMINATED {
                // Leapfrog: each list skips to the other's case.
                let at = if word.doc() < doc {
                    word.seek(doc)
                } else {
                    word.doc()
                };
                if at == TERMINATED {
                    break;
                }
                if at != doc {
                    doc = expansion.seek(at);
                    continue;
                }
                if !found.contains(doc) {
                    word.positions_with_offset(1, &mut self.word_positions);
                    expansion.positions(&mut self.positions);
                    if sorted_intersect(&self.word_positions, &self.positions) {
                        found.insert(doc);
                    }
                }
                doc = expansion.advance();
            }
        }
        Some(found)
    }
}

/// Whether two ascending lists share a value.
fn sorted_intersect(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

impl DocSet for PairScorer {
    fn advance(&mut self) -> DocId {
        if let Some(all) = &mut self.all {
            return all.advance();
        }
        let current = self.word.doc();
        if current == TERMINATED {
            return TERMINATED;
        }
        match self.matches_after(current) {
            // Only cases after the current one are in the set: its first is the next match.
            Some(found) => self.all.insert(BitSetDocSet::from(found)).doc(),
            // The word's list could not be read again: case by case, the lists untouched.
            None => self.step(),
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if let Some(all) = &mut self.all {
            return all.seek(target);
        }
        let doc = self.word.seek(target);
        if doc == TERMINATED || self.follows() {
            return doc;
        }
        self.step()
    }

    fn doc(&self) -> DocId {
        match &self.all {
            Some(all) => all.doc(),
            None => self.word.doc(),
        }
    }

    fn size_hint(&self) -> u32 {
        self.word.size_hint()
    }
}

impl Scorer for PairScorer {
    /// 1, as tantivy scores a phrase prefix of one word, in every field and with any boost.
    fn score(&mut self) -> Score {
        1.0
    }
}

#[cfg(test)]
#[path = "prefix_tests.rs"]
mod tests;
