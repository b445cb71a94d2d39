//! How evenly each term is spread over top-level domains: the factor that lets words of a
//! mechanism outweigh words of a field.

use std::collections::HashMap;

use notbetter_taxonomy::Case;

/// The effective number of domains at which a term counts in full.
const SPREAD_DOMAINS: f32 = 4.0;

/// One factor per text term (ids `0..terms`), in `[1 / SPREAD_DOMAINS, 1]`.
///
/// A mechanism is told in words that recur across fields ("baseline", "leakage", "split"); a
/// field is told in words of its own ("radiograph", "pinn", "recommender"). Without this, text
/// similarity groups cases by field, which clusters are meant to cut across.
///
/// For a term, each domain's rate is the share of that domain's cases containing it; the rates,
/// normalised to sum to one, have a perplexity `exp(H)`: the effective number of domains the
/// term lives in. The factor is `min(1, perplexity / SPREAD_DOMAINS)`: a term spread over four
/// or more domains keeps its full weight, one confined to a single domain keeps a quarter.
/// A corpus without domains gives every term the same factor, which normalisation cancels.
pub(crate) fn spread_factors(cases: &[Case], counts: &[Vec<(u32, f32)>], terms: usize) -> Vec<f32> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let per_case: Vec<Vec<usize>> = cases
        .iter()
        .map(|case| {
            crate::label::top_domains(case)
                .into_iter()
                .map(|d| {
                    let next = index.len();
                    *index.entry(d).or_insert(next)
                })
                .collect()
        })
        .collect();
    let domains = index.len();
    if domains == 0 {
        return vec![1.0 / SPREAD_DOMAINS; terms];
    }
    let mut sizes = vec![0u32; domains];
    // Cases holding term t in domain d, at t * domains + d: dense, since top-level domains are
    // few (tens) and terms are those of two cases or more.
    let mut holders = vec![0u32; terms * domains];
    for (ds, counts) in per_case.iter().zip(counts) {
        for &d in ds {
            sizes[d] += 1;
            for &(t, _) in counts {
                holders[t as usize * domains + d] += 1;
            }
        }
    }
    holders
        .chunks(domains)
        .map(|row| {
            let rates: Vec<f32> = row
                .iter()
                .zip(&sizes)
                .filter(|(&n, _)| n > 0)
                .map(|(&n, &size)| n as f32 / size as f32)
                .collect();
            let total: f32 = rates.iter().sum();
            if total == 0.0 {
                return 1.0 / SPREAD_DOMAINS;
            }
            let entropy: f32 = rates.iter().map(|r| r / total).map(|q| -q * q.ln()).sum();
            (entropy.exp() / SPREAD_DOMAINS).min(1.0)
        })
        .collect()
}
