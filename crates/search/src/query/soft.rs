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

use super::any_field::{AnyField, FieldTerm, Weighed};

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
        let clauses = self
            .clauses
            .iter()
            .map(|q| {
                Ok(match q.downcast_ref::<AnyField>() {
                    Some(a) => ClauseWeight::Fields(a.weighed(scoring)?),
                    None => ClauseWeight::Query(q.weight(scoring)?),
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SoftUnionWeight {
            clauses,
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
    clauses: Vec<ClauseWeight>,
    min: usize,
}

/// A clause's weight: a query's, or the terms of a word in any field, read straight into the
/// window.
enum ClauseWeight {
    Query(Box<dyn Weight>),
    Fields(Weighed),
}

impl Weight for SoftUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let clauses = self
            .clauses
            .iter()
            .map(|c| {
                Ok(match c {
                    ClauseWeight::Fields(terms) => Clause::Fields(terms.in_segment(reader, boost)?),
                    ClauseWeight::Query(w) => Clause::Scorer(w.scorer(reader, boost)?),
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SoftUnion::new(clauses, self.min)))
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
        for c in &self.clauses {
            let detail = match c {
                ClauseWeight::Query(w) => w.explain(reader, doc).ok(),
                ClauseWeight::Fields(terms) => terms.explain(reader, doc)?,
            };
            if let Some(e) = detail {
                explanation.add_detail(e);
            }
        }
        Ok(explanation)
    }
}

/// One clause in a segment: a scorer, or a word's fields (tantivy's union of them would give
/// the same documents and sums, through a window of its own).
pub(crate) enum Clause {
    Scorer(Box<dyn Scorer>),
    Fields(Vec<FieldTerm>),
}

impl Clause {
    fn doc(&self) -> DocId {
        match self {
            Clause::Scorer(s) => s.doc(),
            Clause::Fields(f) => f.iter().map(FieldTerm::doc).min().unwrap_or(TERMINATED),
        }
    }

    /// Moves every part before `target` to it or past it.
    fn seek(&mut self, target: DocId) {
        match self {
            Clause::Scorer(s) => {
                if s.doc() < target {
                    s.seek(target);
                }
            }
            Clause::Fields(f) => {
                for t in f.iter_mut() {
                    if t.doc() < target {
                        t.seek(target);
                    }
                }
                f.retain(|t| t.doc() != TERMINATED);
            }
        }
    }

    fn size_hint(&self) -> u32 {
        match self {
            Clause::Scorer(s) => s.size_hint(),
            Clause::Fields(f) => f.iter().map(FieldTerm::size_hint).sum(),
        }
    }

    fn cost(&self) -> u64 {
        match self {
            Clause::Scorer(s) => s.cost(),
            Clause::Fields(f) => f.iter().map(|t| u64::from(t.size_hint())).sum(),
        }
    }
}

/// The scorer: clauses not yet exhausted, and the window of ids from `start` they were read
/// into. A slot's count and score are zero unless its bit is set; `part` and `part_bits` are
/// empty between clauses.
pub struct SoftUnion {
    scorers: Vec<Clause>,
    min: u32,
    bits: Box<[u64; WORDS]>,
    counts: Box<[u32; HORIZON as usize]>,
    scores: Box<[Score; HORIZON as usize]>,
    /// One word's sums over its fields, before they are added to `scores` as one clause's.
    part: Box<[Score; HORIZON as usize]>,
    part_bits: Box<[u64; WORDS]>,
    /// The next word of `bits` to read.
    word: usize,
    /// The window holds the ids from `start` up to `end` (exclusive).
    start: DocId,
    end: DocId,
    doc: DocId,
    score: Score,
}

impl SoftUnion {
    pub(crate) fn new(scorers: Vec<Clause>, min: usize) -> SoftUnion {
        let mut union = SoftUnion {
            scorers: scorers
                .into_iter()
                .filter(|s| s.doc() != TERMINATED)
                .collect(),
            min: min.max(1) as u32,
            bits: Box::new([0; WORDS]),
            counts: Box::new([0; HORIZON as usize]),
            scores: Box::new([0.0; HORIZON as usize]),
            part: Box::new([0.0; HORIZON as usize]),
            part_bits: Box::new([0; WORDS]),
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
        for clause in &mut self.scorers {
            match clause {
                Clause::Scorer(s) => {
                    let mut doc = s.doc();
                    while doc < horizon {
                        let slot = (doc - start) as usize;
                        self.bits[slot / 64] |= 1 << (slot % 64);
                        self.counts[slot] += 1;
                        self.scores[slot] += s.score();
                        doc = s.advance();
                    }
                }
                Clause::Fields(fields) => {
                    // As tantivy's union of the fields: each document's sum over its fields
                    // in their order, from zero; then added to the window as one clause.
                    for t in fields.iter_mut() {
                        let mut doc = t.doc();
                        while doc < horizon {
                            let slot = (doc - start) as usize;
                            self.part_bits[slot / 64] |= 1 << (slot % 64);
                            self.part[slot] += t.score();
                            doc = t.advance();
                        }
                    }
                    fields.retain(|t| t.doc() != TERMINATED);
                    let used = ((horizon - start) as usize).div_ceil(64);
                    for w in 0..used {
                        let mut b = std::mem::take(&mut self.part_bits[w]);
                        self.bits[w] |= b;
                        while b != 0 {
                            let slot = w * 64 + b.trailing_zeros() as usize;
                            self.counts[slot] += 1;
                            self.scores[slot] += std::mem::take(&mut self.part[slot]);
                            b &= b - 1;
                        }
                    }
                }
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
                s.seek(target);
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
            .map(Clause::size_hint)
            .max()
            .unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(Clause::cost).sum()
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
#[path = "soft_tests.rs"]
mod tests;
