//! A sentence-embedding model compiled into the binary (WordLlama "l2_supercat", 256
//! dimensions, int8 rows; see `model/README.md`), used to read questions as failure mechanisms
//! described in other words. Nothing is downloaded: the tokenizer and the weights are
//! `include_bytes!`.
//!
//! A text's vector is the mean of its tokens' vectors, normalised to unit length (WordLlama's
//! own inference, without special tokens); the zero vector when the text has no tokens.

use std::sync::OnceLock;

use tokenizers::Tokenizer;

const TOKENIZER: &[u8] = include_bytes!("../model/tokenizer.json");
const WEIGHTS: &[u8] = include_bytes!("../model/wordllama-l2-supercat-256.q8");
const MAGIC: &[u8; 8] = b"NBEMB1\0\0";

/// Why the bundled model could not be loaded (only a corrupt build can cause it).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the bundled embedding model is malformed: {0}")]
    Model(String),
    #[error("the bundled tokenizer is malformed: {0}")]
    Tokenizer(String),
}

/// The model: a tokenizer and one int8 row (with its scale) per token id.
pub struct Embedder {
    tokenizer: Tokenizer,
    dims: usize,
    scales: Vec<f32>,
    rows: &'static [u8],
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("tokens", &self.scales.len())
            .field("dims", &self.dims)
            .finish()
    }
}

impl Embedder {
    /// The bundled model, loaded once (about a tenth of a second) and shared.
    pub fn bundled() -> Result<&'static Embedder, &'static Error> {
        static MODEL: OnceLock<Result<Embedder, Error>> = OnceLock::new();
        MODEL
            .get_or_init(|| Embedder::from_parts(TOKENIZER, WEIGHTS))
            .as_ref()
    }

    fn from_parts(tokenizer: &[u8], weights: &'static [u8]) -> Result<Embedder, Error> {
        let bad = |what: &str| Error::Model(what.to_string());
        if weights.len() < 16 || &weights[..8] != MAGIC {
            return Err(bad("no NBEMB1 header"));
        }
        let word = |at: usize| u32::from_le_bytes(weights[at..at + 4].try_into().unwrap()) as usize;
        let (tokens, dims) = (word(8), word(12));
        let scales_end = 16 + 4 * tokens;
        if dims == 0 || weights.len() != scales_end + tokens * dims {
            return Err(bad("its size does not match its header"));
        }
        let scales = weights[16..scales_end]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let mut tokenizer =
            Tokenizer::from_bytes(tokenizer).map_err(|e| Error::Tokenizer(e.to_string()))?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(None);
        Ok(Embedder {
            tokenizer,
            dims,
            scales,
            rows: &weights[scales_end..],
        })
    }

    /// The vector's length.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The unit-length mean of the text's token vectors (zeros when it has no tokens).
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let mut sum = vec![0f32; self.dims];
        let Ok(encoding) = self.tokenizer.encode(text, false) else {
            return sum;
        };
        for &id in encoding.get_ids() {
            let id = id as usize;
            let Some(&scale) = self.scales.get(id) else {
                continue;
            };
            let row = &self.rows[id * self.dims..(id + 1) * self.dims];
            for (s, &q) in sum.iter_mut().zip(row) {
                *s += scale * f32::from(q as i8);
            }
        }
        normalise(&mut sum);
        sum
    }
}

fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Cosine similarity of two unit vectors (their dot product); 0 when either is zero.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> &'static Embedder {
        Embedder::bundled().expect("the bundled model loads")
    }

    /// Token ids and a vector checked against WordLlama's own Python inference on the float16
    /// original (`wl.embed(text, norm=True)`), so a wrong tokenizer setting or row layout fails.
    #[test]
    fn matches_the_reference_implementation() {
        let m = model();
        let ids = m.tokenizer.encode("information leaks", false).unwrap();
        assert_eq!(ids.get_ids(), REFERENCE_IDS);
        let v = m.embed("information leaks");
        assert_eq!(v.len(), 256);
        for (i, want) in REFERENCE_HEAD.iter().enumerate() {
            assert!(
                (v[i] - want).abs() < 0.01,
                "dimension {i}: {} vs {want}",
                v[i]
            );
        }
    }

    #[test]
    fn related_sentences_are_closer_than_unrelated_ones() {
        let m = model();
        let q = m.embed("the model learned the hospital instead of the disease");
        let near = m.embed("shortcut learning from confounding site markers");
        let far = m.embed("recommender system baselines");
        assert!(cosine(&q, &near) > cosine(&q, &far) + 0.05);
        let unit: f32 = q.iter().map(|x| x * x).sum();
        assert!((unit - 1.0).abs() < 1e-4);
    }

    #[test]
    fn empty_text_is_the_zero_vector() {
        let v = model().embed("");
        assert!(v.iter().all(|&x| x == 0.0));
        assert_eq!(cosine(&v, &model().embed("leakage")), 0.0);
    }

    #[test]
    fn a_corrupt_model_is_an_error_not_a_panic() {
        assert!(Embedder::from_parts(TOKENIZER, b"not a model").is_err());
        let short = WEIGHTS[..WEIGHTS.len() - 1].to_vec();
        let short: &'static [u8] = Box::leak(short.into_boxed_slice());
        assert!(Embedder::from_parts(TOKENIZER, short).is_err());
        assert!(Embedder::from_parts(b"{", WEIGHTS).is_err());
    }

    const REFERENCE_IDS: &[u32] = &[2472, 454, 10327];
    const REFERENCE_HEAD: &[f32] = &[
        -0.0635, 0.1021, 0.1062, 0.0793, -0.0221, 0.0606, 0.0317, 0.0024,
    ];
}
