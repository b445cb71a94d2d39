//! What the search knows about words before it looks at the index: the function words of a
//! question, the taxonomy's names and aliases as phrases (for synonym expansion), and each
//! cause's own vocabulary (its name, aliases and description), all in the index's stems.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use notbetter_taxonomy::{Dimension, Taxonomy};
use tantivy::tokenizer::TextAnalyzer;

use crate::schema::FacetDim;

/// Words that frame a question rather than say what it is about ("what went wrong with…",
/// "do … really beat …"). On top of the NLTK English stop words.
const FRAME_WORDS: &[&str] = &[
    "really",
    "actually",
    "anyone",
    "someone",
    "something",
    "anything",
    "everything",
    "ever",
    "also",
    "still",
    "much",
    "many",
    "way",
    "ways",
    "thing",
    "things",
    "like",
    "can",
    "could",
    "would",
    "might",
    "may",
    "must",
    "shall",
    "get",
    "gets",
    "got",
    "getting",
    "went",
    "go",
    "goes",
    "going",
    "gone",
    "happened",
    "happen",
    "happens",
    "happening",
    "tell",
    "show",
    "find",
    "know",
    "known",
    "look",
    "looking",
    "looked",
    "please",
    "example",
    "examples",
    "case",
    "cases",
    "paper",
    "papers",
    "kind",
    "kinds",
    "sort",
    "us",
    "one",
    "ones",
    "use",
    "used",
    "using",
    "make",
    "made",
    "makes",
    "work",
    "works",
    "worked",
    "seem",
    "seems",
    "seemed",
    "even",
    "yet",
    "though",
    "although",
    "instead",
    "rather",
    "whether",
];

/// "went wrong": frame words together, content words apart ("wrong labels").
const FRAME_PHRASES: &[(&str, &str)] = &[
    ("went", "wrong"),
    ("go", "wrong"),
    ("goes", "wrong"),
    ("gone", "wrong"),
    ("going", "wrong"),
    ("did", "wrong"),
];

fn stop_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        stop_words::get("en")
            .iter()
            .copied()
            .chain(FRAME_WORDS.iter().copied())
            .collect()
    })
}

/// Whether a lowercased word is a function word of a question.
pub(crate) fn is_stop_word(word: &str) -> bool {
    stop_words().contains(word)
}

/// Whether `word` (lowercased) ends a frame phrase begun by `previous`.
pub(crate) fn ends_frame_phrase(previous: &str, word: &str) -> bool {
    FRAME_PHRASES
        .iter()
        .any(|(a, b)| *a == previous && *b == word)
}

/// One taxonomy name or alias as a phrase of stems.
#[derive(Debug, Clone)]
pub(crate) struct Alias {
    pub stems: Vec<String>,
    pub dim: FacetDim,
    pub slug: String,
    /// The entry's display name, for telling the reader what the phrase was read as.
    pub name: String,
}

/// The taxonomy in the index's terms.
#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    /// Longest first, so the longest alias at a position wins.
    pub aliases: Vec<Alias>,
    /// The causes a text can be read as (leaves), in their own words.
    pub causes: Vocab,
    /// The domains a text can be read as (those without narrower domains).
    pub domains: Vocab,
}

/// Per label: the stems of its name, aliases and description, with how many labels use each
/// stem (a stem of every description says nothing about any one label), and its name.
#[derive(Debug, Default)]
pub(crate) struct Vocab {
    pub words: HashMap<String, HashSet<String>>,
    pub spread: HashMap<String, usize>,
    pub names: HashMap<String, String>,
}

impl Lexicon {
    /// The labels of `dim` a text can be read as: the narrowest domains, else the causes.
    pub(crate) fn vocab(&self, dim: FacetDim) -> &Vocab {
        match dim {
            FacetDim::Domain => &self.domains,
            _ => &self.causes,
        }
    }
}

impl Vocab {
    fn add(&mut self, analyzer: &mut TextAnalyzer, e: &notbetter_taxonomy::Entry) {
        let mut words: HashSet<String> = HashSet::new();
        for text in std::iter::once(&e.name)
            .chain(&e.aliases)
            .chain(std::iter::once(&e.description))
        {
            words.extend(text_stems(analyzer, text));
        }
        for w in &words {
            *self.spread.entry(w.clone()).or_default() += 1;
        }
        self.words.insert(e.slug.clone(), words);
        self.names.insert(e.slug.clone(), e.name.clone());
    }
}

/// One analysed word of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryWord {
    pub stem: String,
    /// As typed, lowercased.
    pub surface: String,
    /// A function word of the question ("what", "went wrong").
    pub stop: bool,
    /// Typed as a name, with a capital after its first letter ("BraTS", "MedQA", "CASP"), in
    /// a text not typed all in capitals: searched as typed, never respelled.
    pub name: bool,
}

/// The analysed words of `text`, function words marked. A hyphenated compound
/// ("pre-trained") is one word, its parts written together (see `stem.rs`), which the index
/// holds for "pre-trained" and "pretrained" alike.
pub(crate) fn query_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<QueryWord> {
    analysed(analyzer, text, false)
}

/// The words of `text`, function words marked; a compound's parts are kept with `parts`.
fn analysed(analyzer: &mut TextAnalyzer, text: &str, parts: bool) -> Vec<QueryWord> {
    let mut out: Vec<QueryWord> = Vec::new();
    // Per word of `out`: where it starts, its position, and whether a hyphen joins it to the
    // word before.
    let mut seen: Vec<(usize, usize, bool)> = Vec::new();
    let lower = text.to_lowercase();
    // Offsets into `lower` are offsets into `text` only when lowercasing kept every length.
    let typed = (lower.len() == text.len() && text.chars().any(char::is_lowercase)).then_some(text);
    let mut stream = analyzer.token_stream(&lower);
    let mut last_to = 0;
    while let Some(token) = stream.next() {
        // A compound's joined token shares its last part's position (see `stem.rs`).
        let joined = seen.last().is_some_and(|&(_, p, _)| p == token.position);
        let mut from = token.offset_from;
        if joined && !parts {
            while let Some((start, _, linked)) = seen.pop() {
                out.pop();
                from = start;
                if !linked {
                    break;
                }
            }
        }
        let linked = !joined
            && !seen.is_empty()
            && crate::stem::joins(lower.get(last_to..token.offset_from));
        last_to = token.offset_to;
        seen.push((from, token.position, linked));
        let surface = lower[from..token.offset_to].to_string();
        let frame = out
            .last()
            .is_some_and(|p| ends_frame_phrase(&p.surface, &surface));
        let name = typed
            .and_then(|t| t.get(from..token.offset_to))
            .is_some_and(|w| w.chars().skip(1).any(char::is_uppercase));
        out.push(QueryWord {
            stem: token.text.clone(),
            stop: frame || is_stop_word(&surface),
            surface,
            name,
        });
    }
    out
}

/// The words of a text read as a document, not a query: a compound's parts as well as the
/// compound, as the index holds them.
pub(crate) fn text_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<QueryWord> {
    analysed(analyzer, text, true)
}

/// Every stem of a text that is searched, not a query (a cause's description, a case's
/// words): a compound's parts as well as the compound, as the index holds them; function
/// words left out.
pub(crate) fn text_stems(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    text_words(analyzer, text)
        .into_iter()
        .filter(|w| !w.stop)
        .map(|w| w.stem)
        .collect()
}

/// The stems of `text` read as a query (a compound is one word), function words left out.
pub(crate) fn content_stems(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    query_words(analyzer, text)
        .into_iter()
        .filter(|w| !w.stop)
        .map(|w| w.stem)
        .collect()
}

impl Lexicon {
    pub(crate) fn new(taxonomy: &Taxonomy) -> Lexicon {
        let mut analyzer = crate::stem::en_stem();
        let mut lex = Lexicon::default();
        let mut seen = HashSet::new();
        for e in taxonomy.entries() {
            let dim = match e.dimension {
                Dimension::Cause if e.slug.contains('/') => FacetDim::Cause,
                Dimension::Domain => FacetDim::Domain,
                // Families ("data issues") and failure modes are too broad to expand to.
                _ => continue,
            };
            // A hyphenated alias is also found written with spaces ("out of distribution").
            let spaced = std::iter::once(&e.name)
                .chain(&e.aliases)
                .filter(|p| p.contains('-'))
                .map(|p| p.replace('-', " "));
            let phrases: Vec<String> = std::iter::once(&e.name)
                .chain(&e.aliases)
                .cloned()
                .chain(spaced)
                .collect();
            for phrase in &phrases {
                if phrase.contains('/') {
                    continue;
                }
                let stems = content_stems(&mut analyzer, phrase);
                if stems.is_empty() || !seen.insert((dim, stems.clone())) {
                    continue;
                }
                lex.aliases.push(Alias {
                    stems,
                    dim,
                    slug: e.slug.clone(),
                    name: e.name.clone(),
                });
            }
            let leaf = !taxonomy
                .entries_of(e.dimension)
                .any(|o| o.slug.starts_with(&format!("{}/", e.slug)));
            match dim {
                FacetDim::Cause => lex.causes.add(&mut analyzer, e),
                FacetDim::Domain if leaf => lex.domains.add(&mut analyzer, e),
                _ => {}
            }
        }
        lex.aliases
            .sort_by(|a, b| b.stems.len().cmp(&a.stems.len()).then(a.slug.cmp(&b.slug)));
        lex
    }

    /// The aliases found in a run of stems: non-overlapping, longest first, in query order,
    /// as (start, length, alias index). One phrase may name entries of two dimensions.
    pub(crate) fn find(&self, stems: &[String]) -> Vec<(usize, usize, usize)> {
        let mut taken = vec![false; stems.len()];
        let mut found = Vec::new();
        for (i, alias) in self.aliases.iter().enumerate() {
            let n = alias.stems.len();
            if n > stems.len() {
                continue;
            }
            for start in 0..=stems.len() - n {
                if stems[start..start + n] == alias.stems[..]
                    && (!taken[start..start + n].iter().any(|t| *t)
                        || found.iter().any(|&(s, l, j): &(usize, usize, usize)| {
                            s == start && l == n && self.aliases[j].dim != alias.dim
                        }))
                {
                    taken[start..start + n].iter_mut().for_each(|t| *t = true);
                    found.push((start, n, i));
                }
            }
        }
        found.sort();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_found_longest_first() {
        let lex = Lexicon::new(&notbetter_taxonomy::bundled());
        let mut a = crate::stem::en_stem();
        let stems = content_stems(&mut a, "clever hans and covariate shift in radiology");
        let found: Vec<&str> = lex
            .find(&stems)
            .iter()
            .map(|&(_, _, i)| lex.aliases[i].slug.as_str())
            .collect();
        assert_eq!(
            found,
            vec![
                "model/shortcut-learning",
                "data/distribution-shift",
                "healthcare/medical-imaging"
            ]
        );
        assert!(lex.causes.words["data/leakage"].contains("leakag"));
        assert!(lex.domains.names.contains_key("healthcare/medical-imaging"));
        assert!(
            !lex.domains.names.contains_key("healthcare"),
            "only the narrowest domains"
        );
    }

    #[test]
    fn a_compound_is_one_query_word_and_its_parts_stay_in_texts() {
        let mut a = crate::stem::en_stem();
        let words = query_words(
            &mut a,
            "Pre-trained models beat state-of-the-art X-ray nets",
        );
        let pairs: Vec<(&str, &str)> = words
            .iter()
            .map(|w| (w.stem.as_str(), w.surface.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("pretrain", "pre-trained"),
                ("model", "models"),
                ("beat", "beat"),
                ("stateoftheart", "state-of-the-art"),
                ("xray", "x-ray"),
                ("net", "nets"),
            ]
        );
        assert_eq!(
            content_stems(&mut a, "pretrained models"),
            content_stems(&mut a, "pre-trained models")
        );
        assert_eq!(
            text_stems(&mut a, "the pre-trained model"),
            ["pre", "train", "pretrain", "model"]
        );
        // Hyphens with spaces, and words merely next to each other, are not compounds.
        assert_eq!(content_stems(&mut a, "shift - drift"), ["shift", "drift"]);
    }

    #[test]
    fn question_words_are_dropped() {
        let mut a = crate::stem::en_stem();
        assert_eq!(
            content_stems(&mut a, "what went wrong with sepsis models?"),
            vec!["sepsi", "model"]
        );
    }
}
