//! Sparse vectors of term weights, sorted by term id, and the few operations clustering needs.

/// A sparse vector: `idx` strictly increasing, `val[i]` the weight of term `idx[i]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SparseVec {
    pub(crate) idx: Vec<u32>,
    pub(crate) val: Vec<f32>,
}

impl SparseVec {
    /// Builds a vector from (term, weight) pairs in any order; weights of a repeated term add up
    /// and zero weights are dropped.
    pub(crate) fn from_pairs(mut pairs: Vec<(u32, f32)>) -> SparseVec {
        pairs.sort_unstable_by_key(|&(i, _)| i);
        let mut v = SparseVec::default();
        for (i, w) in pairs {
            if v.idx.last() == Some(&i) {
                *v.val.last_mut().expect("idx and val have one length") += w;
            } else {
                v.idx.push(i);
                v.val.push(w);
            }
        }
        v.retain(|_, w| w != 0.0);
        v
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.idx.iter().copied().zip(self.val.iter().copied())
    }

    fn retain(&mut self, mut keep: impl FnMut(u32, f32) -> bool) {
        let mut j = 0;
        for i in 0..self.idx.len() {
            if keep(self.idx[i], self.val[i]) {
                self.idx[j] = self.idx[i];
                self.val[j] = self.val[i];
                j += 1;
            }
        }
        self.idx.truncate(j);
        self.val.truncate(j);
    }

    /// The dot product, by merging the two sorted index lists.
    pub(crate) fn dot(&self, other: &SparseVec) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        while i < self.idx.len() && j < other.idx.len() {
            match self.idx[i].cmp(&other.idx[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.val[i] * other.val[j];
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    pub(crate) fn norm(&self) -> f32 {
        self.val.iter().map(|w| w * w).sum::<f32>().sqrt()
    }

    /// Scales to unit length (an empty or zero vector stays as it is).
    pub(crate) fn normalise(&mut self) {
        let n = self.norm();
        if n > 0.0 {
            self.scale(1.0 / n);
        }
    }

    pub(crate) fn scale(&mut self, factor: f32) {
        for w in &mut self.val {
            *w *= factor;
        }
    }

    /// Keeps only the `k` heaviest terms (ties broken towards the lower term id).
    pub(crate) fn keep_heaviest(&mut self, k: usize) {
        if self.idx.len() <= k {
            return;
        }
        let mut order: Vec<usize> = (0..self.idx.len()).collect();
        order.sort_unstable_by(|&a, &b| self.val[b].total_cmp(&self.val[a]).then(a.cmp(&b)));
        let mut kept = vec![false; self.idx.len()];
        for &i in &order[..k] {
            kept[i] = true;
        }
        let mut n = 0;
        self.retain(|_, _| {
            n += 1;
            kept[n - 1]
        });
    }

    /// The concatenation of two vectors over disjoint term ranges.
    pub(crate) fn concat(mut self, other: &SparseVec) -> SparseVec {
        debug_assert!(match (self.idx.last(), other.idx.first()) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        });
        self.idx.extend_from_slice(&other.idx);
        self.val.extend_from_slice(&other.val);
        self
    }

    /// The mean of some vectors, as a sparse vector (summed through a hash map, since a
    /// centroid of thousands of vectors touches far fewer terms than the vocabulary holds).
    pub(crate) fn mean<'a>(vectors: impl IntoIterator<Item = &'a SparseVec>) -> SparseVec {
        let mut sum: rustc_hash::FxHashMap<u32, f32> = Default::default();
        let mut n = 0usize;
        for v in vectors {
            n += 1;
            for (i, w) in v.iter() {
                *sum.entry(i).or_insert(0.0) += w;
            }
        }
        let mut v = SparseVec::from_pairs(sum.into_iter().collect());
        if n > 0 {
            v.scale(1.0 / n as f32);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_sorted_sums_repeats_and_dots() {
        let a = SparseVec::from_pairs(vec![(5, 1.0), (1, 2.0), (5, 1.0), (3, 0.0)]);
        assert_eq!(a.idx, [1, 5]);
        assert_eq!(a.val, [2.0, 2.0]);
        let b = SparseVec::from_pairs(vec![(5, 3.0), (2, 7.0)]);
        assert_eq!(a.dot(&b), 6.0);
        assert_eq!(b.dot(&a), 6.0);
    }

    #[test]
    fn keeps_the_heaviest_terms_in_index_order() {
        let mut v = SparseVec::from_pairs(vec![(1, 0.1), (2, 0.9), (3, 0.5), (4, 0.7)]);
        v.keep_heaviest(2);
        assert_eq!(v.idx, [2, 4]);
        assert_eq!(v.val, [0.9, 0.7]);
    }

    #[test]
    fn normalises_and_averages() {
        let mut v = SparseVec::from_pairs(vec![(0, 3.0), (1, 4.0)]);
        v.normalise();
        assert!((v.norm() - 1.0).abs() < 1e-6);
        let m = SparseVec::mean([&v, &SparseVec::from_pairs(vec![(2, 1.0)])]);
        assert_eq!(m.idx, [0, 1, 2]);
        assert!((m.val[2] - 0.5).abs() < 1e-6);
    }
}
