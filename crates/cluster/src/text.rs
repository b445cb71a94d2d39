//! Text to terms: lowercasing, splitting, stop-word removal and Snowball stemming, keeping the
//! surface form each stem was seen as so labels can show words rather than stems.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// Words of the report genre that say nothing about a mechanism: every case has authors who
/// found, showed and reported something. The NLTK list covers English function words; these are
/// the few that are frequent in this corpus's prose yet not function words. Document frequency
/// (see `vector`) removes most other very common words without a list.
const REPORT_WORDS: &[&str] = &[
    "also",
    "however",
    "would",
    "could",
    "may",
    "might",
    "must",
    "one",
    "two",
    "three",
    "paper",
    "papers",
    "author",
    "authors",
    "study",
    "studies",
    "show",
    "shows",
    "showed",
    "shown",
    "found",
    "find",
    "finds",
    "report",
    "reported",
    "reports",
    "work",
    "use",
    "used",
    "using",
    "case",
    "cases",
    "rather",
    "therefore",
    "thus",
    "often",
    "many",
    "much",
    "well",
    "even",
    "whether",
    "without",
    "within",
    "instead",
    "example",
    "e",
    "g",
    "i",
    "etc",
];

fn stop_words() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        stop_words::get("en")
            .iter()
            .copied()
            .chain(REPORT_WORDS.iter().copied())
            .collect()
    })
}

/// A tokeniser with a cache from lowercase word to (stem, word): a corpus has far fewer
/// distinct words than tokens, and stemming is the costly step. The shared strings let callers
/// keep terms without copying them. One per thread; not shared.
pub(crate) struct Tokenizer {
    stemmer: Stemmer,
    cache: FxHashMap<String, Option<Term>>,
}

/// A kept word: its stem and the word itself, shared.
type Term = (Arc<str>, Arc<str>);

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
            cache: FxHashMap::default(),
        }
    }
}

impl Tokenizer {
    /// Calls `f(stem, surface)` for each term of `text`, in order. Words are split on anything
    /// that is not a letter or digit; stop words, pure numbers and one-letter words are dropped.
    pub(crate) fn for_each_term(&mut self, text: &str, mut f: impl FnMut(&Arc<str>, &Arc<str>)) {
        let lower = text.to_lowercase();
        for word in lower.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            let entry = match self.cache.get(word) {
                Some(entry) => entry,
                None => {
                    let entry = keep(word)
                        .then(|| (Arc::from(self.stemmer.stem(word).as_ref()), Arc::from(word)));
                    self.cache.entry(word.to_string()).or_insert(entry)
                }
            };
            if let Some((stem, surface)) = entry {
                f(stem, surface);
            }
        }
    }

    /// The stems of `text`, in order.
    pub(crate) fn stems(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, |stem, _| out.push(stem.to_string()));
        out
    }
}

fn keep(word: &str) -> bool {
    word.chars().count() >= 2
        && !word.chars().all(|c| c.is_ascii_digit())
        && !stop_words().contains(word)
}

/// The sentences of a text, trimmed, without empty ones (UAX #29 sentence boundaries).
pub(crate) fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.unicode_sentences()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, String)> {
        let mut t = Tokenizer::default();
        let mut out = Vec::new();
        t.for_each_term(text, |s, w| out.push((s.to_string(), w.to_string())));
        out
    }

    #[test]
    fn lowercases_splits_drops_stop_words_and_stems() {
        let got = terms("The models LEARNED shortcuts: hospital-specific markers, in 2021.");
        let stems: Vec<_> = got.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            stems,
            ["model", "learn", "shortcut", "hospit", "specif", "marker"]
        );
        // The surface form is the lowercased word as written.
        assert_eq!(got[3].1, "hospital");
    }

    #[test]
    fn report_words_and_numbers_are_not_terms() {
        assert!(terms("The authors found 3 papers, e.g. 2019").is_empty());
    }

    #[test]
    fn sentences_are_split_and_trimmed() {
        let s: Vec<_> = sentences("Avoid leakage. Split by patient!  Then test.").collect();
        assert_eq!(s, ["Avoid leakage.", "Split by patient!", "Then test."]);
    }
}
