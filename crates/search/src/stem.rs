//! The `en_stem` analyzer with a stem cache: the same tokens as tantivy's built-in `en_stem`
//! (simple tokenizer, long-token removal, lower-casing, English Snowball stemming), but each
//! thread remembers the stems it has computed, since text is Zipfian and most tokens repeat.

use std::cell::RefCell;
use std::mem;

use rustc_hash::FxHashMap;

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Stems remembered per thread before the cache is cleared and starts over.
const CACHE_ENTRIES: usize = 100_000;

thread_local! {
    // FxHash: the keys are short words hashed once per token, where SipHash cost as much as
    // the stemming it saved.
    static STEMS: RefCell<FxHashMap<String, String>> = RefCell::new(FxHashMap::default());
}

/// The analyzer registered as `en_stem` on every index this crate opens.
pub(crate) fn en_stem() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(CachedStemmer)
        .build()
}

/// English Snowball stemming through a per-thread cache.
#[derive(Clone, Copy)]
pub(crate) struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub(crate) struct CachedStemmerFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            buffer: String::new(),
        }
    }
}

pub(crate) struct CachedStemmerStream<T> {
    tail: T,
    stemmer: frostem::Stemmer,
    buffer: String,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
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

    proptest::proptest! {
        /// Same tokens, offsets and positions as tantivy's own `en_stem`, on first sight of a
        /// word and from the cache (the text is analysed twice).
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
