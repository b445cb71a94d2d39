//! The `en_compound` analyzer every text field uses: tantivy's built-in `en_stem` (simple
//! tokenizer, long-token removal, lower-casing, English Snowball stemming) with a stem cache,
//! since text is Zipfian and most tokens repeat, and hyphenated compounds also indexed whole.
//!
//! A compound ("pre-trained", "X-ray", "state-of-the-art": two to four parts joined by single
//! hyphens, one of them with a letter) gives its parts, as before, and then the parts written
//! together ("pretrained", at the last part's position and offsets), so a case that writes
//! "pre-trained" is found by "pretrained" and one that writes "non-stationary" by
//! "nonstationary". The joined token takes the last part's offsets, not the whole compound's:
//! tantivy's snippets require tokens' start offsets never to decrease.

use std::cell::RefCell;
use std::mem;

use rustc_hash::FxHashMap;

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// The name the analyzer is registered under. It changed when compounds were added, so an
/// index built without them has another schema and is rebuilt from the store.
pub(crate) const ANALYZER: &str = "en_compound";

/// The most parts a compound is joined from.
const MAX_PARTS: usize = 4;

/// Stems remembered per thread before the cache is cleared and starts over.
const CACHE_ENTRIES: usize = 100_000;

thread_local! {
    // FxHash: the keys are short words hashed once per token, where SipHash cost as much as
    // the stemming it saved.
    static STEMS: RefCell<FxHashMap<String, String>> = RefCell::new(FxHashMap::default());
}

/// The analyzer registered as [`ANALYZER`] on every index this crate opens.
pub(crate) fn en_stem() -> TextAnalyzer {
    TextAnalyzer::builder(Compounds::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(CachedStemmer::default())
        .build()
}

/// Whether the text between two tokens makes them parts of one compound: a single hyphen
/// (ASCII, or Unicode's hyphen or non-breaking hyphen).
pub(crate) fn joins(between: Option<&str>) -> bool {
    matches!(between, Some("-" | "\u{2010}" | "\u{2011}"))
}

/// The simple tokenizer's tokens, each hyphenated compound followed by its parts joined.
#[derive(Clone, Default)]
pub(crate) struct Compounds {
    inner: SimpleTokenizer,
}

impl Tokenizer for Compounds {
    type TokenStream<'a> = CompoundStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CompoundStream<'a> {
        CompoundStream {
            text,
            inner: self.inner.token_stream(text),
            token: Token::default(),
            held: None,
            run: Run::default(),
        }
    }
}

/// The compound being read: where its last part starts and ends, its parts written together.
#[derive(Default)]
struct Run {
    last_from: usize,
    to: usize,
    joined: String,
    parts: usize,
    letter: bool,
    position: usize,
}

impl Run {
    fn start(&mut self, t: &Token) {
        self.joined.clear();
        self.parts = 0;
        self.letter = false;
        self.extend(t);
    }

    fn extend(&mut self, t: &Token) {
        self.last_from = t.offset_from;
        self.to = t.offset_to;
        self.joined.push_str(&t.text);
        self.parts += 1;
        self.letter |= t.text.chars().any(char::is_alphabetic);
        self.position = t.position;
    }

    fn is_compound(&self) -> bool {
        (2..=MAX_PARTS).contains(&self.parts) && self.letter
    }
}

pub(crate) struct CompoundStream<'a> {
    text: &'a str,
    inner: <SimpleTokenizer as Tokenizer>::TokenStream<'a>,
    token: Token,
    /// The token read after a compound, given once the compound's joined token is out.
    held: Option<Token>,
    run: Run,
}

impl CompoundStream<'_> {
    /// Gives the run's joined token when it is a compound, and forgets the run.
    fn emit_joined(&mut self) -> bool {
        let compound = self.run.is_compound();
        if compound {
            self.token = Token {
                offset_from: self.run.last_from,
                offset_to: self.run.to,
                position: self.run.position,
                text: std::mem::take(&mut self.run.joined),
                position_length: 1,
            };
        }
        self.run.parts = 0;
        compound
    }
}

impl TokenStream for CompoundStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some(t) = self.held.take() {
            self.run.start(&t);
            self.token = t;
            return true;
        }
        if !self.inner.advance() {
            return self.emit_joined();
        }
        let t = self.inner.token().clone();
        let hyphen = self.run.parts > 0 && joins(self.text.get(self.run.to..t.offset_from));
        if hyphen {
            self.run.extend(&t);
        } else if self.emit_joined() {
            self.held = Some(t);
            return true;
        } else {
            self.run.start(&t);
        }
        self.token = t;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The analyzer snippets are found with: [`en_stem`]'s tokens where they can be one of
/// `terms`, and an empty token (which matches nothing) for every other word, unstemmed.
/// Snowball's English stemmer never changes a word's first letter (it rewrites endings; even its
/// exceptions, "dying" to "die", keep it), so a word whose first letter starts no term cannot
/// stem to one. Snippets tokenise every hit's text, and stemming it took 7.5% of the server's
/// samples on uncached searches (0.6% since).
pub(crate) fn snippet_analyzer<'a>(terms: impl IntoIterator<Item = &'a str>) -> TextAnalyzer {
    let firsts: std::collections::HashSet<char> =
        terms.into_iter().filter_map(|t| t.chars().next()).collect();
    TextAnalyzer::builder(Compounds::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(CachedStemmer {
            only: Some(std::sync::Arc::new(firsts)),
        })
        .build()
}

/// English Snowball stemming through a per-thread cache; with `only`, words whose first letter
/// is not in it become empty tokens instead (see [`snippet_analyzer`]).
#[derive(Clone, Default)]
pub(crate) struct CachedStemmer {
    only: Option<std::sync::Arc<std::collections::HashSet<char>>>,
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            only: self.only,
        }
    }
}

#[derive(Clone)]
pub(crate) struct CachedStemmerFilter<T> {
    inner: T,
    only: Option<std::sync::Arc<std::collections::HashSet<char>>>,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            buffer: String::new(),
            only: self.only.as_deref(),
        }
    }
}

pub(crate) struct CachedStemmerStream<'a, T> {
    tail: T,
    stemmer: frostem::Stemmer,
    buffer: String,
    only: Option<&'a std::collections::HashSet<char>>,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(only) = self.only {
            if !token.text.chars().next().is_some_and(|c| only.contains(&c)) {
                token.text.clear();
                return true;
            }
        }
        STEMS.with_borrow_mut(|stems| {
            self.buffer.clear();
            match stems.get(&token.text) {
                Some(stem) => self.buffer.push_str(stem),
                None => {
                    let stem = self.stemmer.stem(&token.text).into_owned();
                    if stems.len() >= CACHE_ENTRIES {
                        stems.clear();
                    }
                    stems.insert(token.text.clone(), stem.clone());
                    self.buffer = stem;
                }
            }
        });
        mem::swap(&mut token.text, &mut self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{Language, Stemmer};

    use super::*;

    fn tokens(mut analyzer: TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    fn builtin() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build()
    }

    #[test]
    fn compounds_are_also_indexed_whole() {
        let words = |text: &str| -> Vec<String> {
            tokens(en_stem(), text).into_iter().map(|t| t.0).collect()
        };
        assert_eq!(
            words("pre-trained models"),
            ["pre", "train", "pretrain", "model"]
        );
        assert_eq!(
            words("state-of-the-art, non-stationary X-ray COVID-19"),
            [
                "state",
                "of",
                "the",
                "art",
                "stateoftheart",
                "non",
                "stationari",
                "nonstationari",
                "x",
                "ray",
                "xray",
                "covid",
                "19",
                "covid19"
            ]
        );
        // Numbers alone, spaced dashes, long chains and other punctuation are not compounds.
        assert_eq!(
            words("2019-2020 a - b a--b a-b-c-d-e a/b"),
            ["2019", "2020", "a", "b", "a", "b", "a", "b", "c", "d", "e", "a", "b"]
        );
        // The joined token takes its last part's position and offsets.
        let t = tokens(en_stem(), "the sim-to-real gap");
        assert_eq!(t[4], ("simtor".to_string(), 11, 15, 3));
        assert_eq!(t[5], ("gap".to_string(), 16, 19, 4));
    }

    proptest::proptest! {
        /// The snippet analyzer gives a term exactly where `en_stem` gives it, for terms that
        /// are stems of words of the text, of their neighbours, and of the stemmer's
        /// exceptions.
        #[test]
        fn the_snippet_analyzer_finds_every_term_en_stem_finds(
            words in proptest::collection::vec(
                "[A-Za-zéü]{1,12}|dying|lying|skies|gently|news|generalisation|pre-trained|X-ray",
                0..40),
            picks in proptest::collection::vec(0..40usize, 0..4),
        ) {
            let text = words.join(" ");
            let full = tokens(en_stem(), &text);
            let mut terms: Vec<String> = picks
                .iter()
                .filter_map(|&i| full.get(i).map(|t| t.0.clone()))
                .collect();
            terms.extend(["die".to_string(), "sky".to_string(), "gentl".to_string()]);
            let gated = tokens(snippet_analyzer(terms.iter().map(String::as_str)), &text);
            proptest::prop_assert_eq!(gated.len(), full.len());
            for (g, f) in gated.iter().zip(&full) {
                proptest::prop_assert_eq!((&g.1, &g.2, &g.3), (&f.1, &f.2, &f.3));
                proptest::prop_assert_eq!(terms.contains(&g.0), terms.contains(&f.0), "{:?} {:?}", g, f);
            }
        }

        /// Same tokens, offsets and positions as tantivy's own `en_stem` for text without
        /// hyphens, on first sight of a word and from the cache (the text is analysed twice).
        #[test]
        fn same_tokens_as_tantivys_en_stem(
            words in proptest::collection::vec("[A-Za-zéü]{1,12}|running|studies|generalisation", 0..40)
        ) {
            let text = words.join(" ");
            let expected = tokens(builtin(), &text);
            proptest::prop_assert_eq!(&tokens(en_stem(), &text), &expected);
            proptest::prop_assert_eq!(&tokens(en_stem(), &text), &expected);
        }
    }
}
