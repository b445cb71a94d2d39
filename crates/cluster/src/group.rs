//! Vectors to groups: average-linkage clustering (kodama) over cosine distance, with a
//! sample-then-assign fallback for corpora too large for an all-pairs matrix.

use kodama::{linkage, Method};
use rayon::prelude::*;

use crate::sparse::SparseVec;
use crate::Params;

/// How often the leftovers of a large corpus (cases near no sampled cluster) are sampled and
/// clustered again before the rest are left as singletons. Bounds the work on mutually unlike
/// cases to a few all-pairs matrices of `max_block` cases.
const MAX_ROUNDS: usize = 4;

/// Terms kept per centroid for assignment. Cause pseudo-terms weigh most and are always among
/// them; the tail of a large centroid is many small weights that barely move a dot product.
const CENTROID_TERMS: usize = 256;

/// Groups `members` (indices into `vectors`, whose term ids are below `dims`). `keys` gives each
/// case a stable sampling key (a hash of its id), so the sample of a large corpus does not
/// depend on input order. Groups come back sorted by their first member, members ascending.
pub(crate) fn cluster_cases(
    members: &[usize],
    vectors: &[SparseVec],
    keys: &[u64],
    dims: usize,
    params: &Params,
) -> Vec<Vec<usize>> {
    let mut pending: Vec<usize> = members.to_vec();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for round in 0.. {
        if pending.len() <= params.max_block {
            groups.extend(linkage_groups(&pending, vectors, params.cut_similarity));
            break;
        }
        if round == MAX_ROUNDS {
            groups.extend(pending.iter().map(|&i| vec![i]));
            break;
        }
        // Sample the cases with the smallest keys: a case added later only enters the sample
        // if its key is small, so most of the sample, and the clusters built from it, stay.
        pending.sort_unstable_by_key(|&i| (keys[i], i));
        let rest = pending.split_off(params.max_block);
        let mut sampled = linkage_groups(&pending, vectors, params.cut_similarity);
        let index = CentroidIndex::new(&sampled, vectors, dims);
        // A case's dot product with a centroid is its mean similarity to the group's members:
        // the same criterion average linkage merges by, so the same threshold applies.
        let best: Vec<Option<usize>> = rest
            .par_iter()
            .map_init(
                || vec![0.0f32; sampled.len()],
                |scores, &i| index.best(&vectors[i], scores, params.cut_similarity),
            )
            .collect();
        let mut leftovers = Vec::new();
        for (&i, g) in rest.iter().zip(best) {
            match g {
                Some(g) => sampled[g].push(i),
                None => leftovers.push(i),
            }
        }
        groups.extend(sampled);
        pending = leftovers;
    }
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

/// Group centroids as an inverted index (term → groups and weights), so scoring a case against
/// every centroid touches only the postings of its own terms.
struct CentroidIndex {
    postings: Vec<Vec<(u32, f32)>>,
}

impl CentroidIndex {
    fn new(groups: &[Vec<usize>], vectors: &[SparseVec], dims: usize) -> CentroidIndex {
        let mut postings = vec![Vec::new(); dims];
        for (g, members) in groups.iter().enumerate() {
            let mut centroid = SparseVec::mean(members.iter().map(|&i| &vectors[i]));
            centroid.keep_heaviest(CENTROID_TERMS);
            for (t, w) in centroid.iter() {
                postings[t as usize].push((g as u32, w));
            }
        }
        CentroidIndex { postings }
    }

    /// The group whose centroid `v` is most similar to, if that similarity reaches `min`.
    /// `scores` is scratch space of one slot per group.
    fn best(&self, v: &SparseVec, scores: &mut [f32], min: f32) -> Option<usize> {
        scores.fill(0.0);
        for (t, w) in v.iter() {
            for &(g, cw) in &self.postings[t as usize] {
                scores[g as usize] += w * cw;
            }
        }
        let (g, s) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
        (*s >= min).then_some(g)
    }
}

/// Average-linkage clustering of `members`, cut where the mean pairwise cosine similarity of two
/// groups falls below `min_similarity`.
fn linkage_groups(
    members: &[usize],
    vectors: &[SparseVec],
    min_similarity: f32,
) -> Vec<Vec<usize>> {
    let n = members.len();
    if n < 2 {
        return members.iter().map(|&i| vec![i]).collect();
    }
    // The condensed upper triangle, row by row, rows computed in parallel.
    let mut condensed: Vec<f32> = (0..n - 1)
        .into_par_iter()
        .flat_map_iter(|a| {
            let va = &vectors[members[a]];
            (a + 1..n).map(move |b| (1.0 - va.dot(&vectors[members[b]])).clamp(0.0, 2.0))
        })
        .collect();
    let dendrogram = linkage(&mut condensed, n, Method::Average);
    let max_distance = 1.0 - min_similarity;

    // Union-find over the dendrogram's cluster labels: step k creates label n + k. Average
    // linkage is monotone, so the steps under the cut form whole subtrees.
    let mut parent: Vec<usize> = (0..2 * n - 1).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (k, step) in dendrogram.steps().iter().enumerate() {
        if step.dissimilarity <= max_distance {
            let a = root(&mut parent, step.cluster1);
            let b = root(&mut parent, step.cluster2);
            parent[a] = n + k;
            parent[b] = n + k;
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (local, &case) in members.iter().enumerate() {
        by_root
            .entry(root(&mut parent, local))
            .or_default()
            .push(case);
    }
    by_root.into_values().collect()
}

/// A stable 64-bit hash of a case id (FNV-1a), for sampling: the standard library's hasher
/// may change between releases, and the sample must not.
/// A stable hash of a case id (FNV-1a), used to draw samples that do not change between runs.
pub fn stable_key(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(pairs: &[(u32, f32)]) -> SparseVec {
        let mut v = SparseVec::from_pairs(pairs.to_vec());
        v.normalise();
        v
    }

    fn params(max_block: usize) -> Params {
        Params {
            max_block,
            cut_similarity: 0.5,
            ..Params::default()
        }
    }

    /// Two tight pairs far apart, and one case alone.
    fn vectors() -> Vec<SparseVec> {
        vec![
            unit(&[(0, 1.0), (1, 0.2)]),
            unit(&[(5, 1.0)]),
            unit(&[(0, 1.0), (1, 0.3)]),
            unit(&[(5, 1.0), (6, 0.1)]),
            unit(&[(9, 1.0)]),
        ]
    }

    #[test]
    fn cuts_the_dendrogram_at_the_threshold() {
        let v = vectors();
        let keys: Vec<u64> = (0..v.len() as u64).collect();
        let groups = cluster_cases(&[0, 1, 2, 3, 4], &v, &keys, 10, &params(100));
        assert_eq!(groups, vec![vec![0, 2], vec![1, 3], vec![4]]);
    }

    #[test]
    fn large_corpora_sample_then_assign_to_centroids() {
        let v = vectors();
        // Keys put cases 0, 1 and 4 in a sample of three; 2 and 3 are assigned to their twins.
        let keys = vec![0, 1, 10, 11, 2];
        let groups = cluster_cases(&[0, 1, 2, 3, 4], &v, &keys, 10, &params(3));
        assert_eq!(groups, vec![vec![0, 2], vec![1, 3], vec![4]]);
    }

    #[test]
    fn stable_key_is_fnv1a() {
        assert_eq!(stable_key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_key("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
