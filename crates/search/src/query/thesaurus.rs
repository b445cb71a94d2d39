//! Everyday words to the words cases use: WordNet 3.0's synonyms of each word's most common
//! senses (`data/synonyms.tsv`, written by `data/wordnet_synonyms.py`), in the index's stems.
//! A query word's synonyms that the index holds are weak alternatives of it (`word_synonym`),
//! so "slipping" can meet "slide" without outranking the word as typed.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../../../data/synonyms.tsv");

/// Stem → the stems of its synonyms, in WordNet's order.
pub(crate) fn synonyms(stem: &str) -> &'static [String] {
    static MAP: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut analyzer = crate::stem::en_stem();
        // A single word's stem, as queries are analysed; phrases are left out.
        let mut stem_of = |w: &str| -> Option<String> {
            match super::lexicon::query_words(&mut analyzer, w).as_slice() {
                [one] => Some(one.stem.clone()),
                _ => None,
            }
        };
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for line in TABLE.lines() {
            let Some((word, syns)) = line.split_once('\t') else {
                continue;
            };
            let Some(key) = stem_of(word) else { continue };
            for s in syns.split(' ') {
                if let Some(s) = stem_of(s) {
                    let list = map.entry(key.clone()).or_default();
                    if s != key && !list.contains(&s) {
                        list.push(s);
                    }
                }
            }
        }
        map
    });
    map.get(stem).map(Vec::as_slice).unwrap_or(&[])
}

/// Whether `word` is an English word WordNet knows, as listed or by its regular inflection
/// ("desks", "safer", "tagged"), by WordNet's own detachment rules (morphy). A word it knows
/// is no misspelling, whatever the cases' vocabulary holds.
pub(crate) fn is_word(word: &str) -> bool {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        TABLE
            .lines()
            .filter_map(|l| l.split_once('\t').map(|(w, _)| w))
            .collect()
    });
    let word = word.to_lowercase();
    if words.contains(word.as_str()) {
        return true;
    }
    // morphy's detachments for nouns, verbs and adjectives: suffix and its replacement.
    const DETACH: [(&str, &str); 18] = [
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
        ("er", ""),
        ("est", ""),
        ("er", "e"),
        ("est", "e"),
    ];
    DETACH.iter().any(|(suffix, with)| {
        word.strip_suffix(suffix)
            .filter(|base| base.len() >= 2)
            .is_some_and(|base| words.contains(format!("{base}{with}").as_str()))
    })
}

#[cfg(test)]
mod tests {
    use notbetter_taxonomy::{bundled, Case};

    use crate::{SearchIndex, SearchRequest, Tuning};

    /// A word no case uses is met by a synonym the cases do use, and the reader is told; a
    /// word the cases use is searched as typed.
    #[test]
    fn unknown_words_are_searched_by_their_synonyms() {
        let case = |id: &str, why: &str| {
            Case::builder(id)
                .title(format!("Case {id}"))
                .year(2020)
                .domains(&["earth-climate"])
                .causes(&["evaluation/weak-baselines"])
                .failure_modes(&["suboptimal-performance"])
                .elements("A use case.", "A deep network.", "It did worse.", why)
                .build()
        };
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        idx.rebuild(
            &[
                case(
                    "seismic",
                    "Earthquake forecasts were no better than a simple law.",
                ),
                case(
                    "other",
                    "Crop forecasts were no better than last year's yield.",
                ),
            ],
            1,
        )
        .unwrap();
        let r = idx.search(&SearchRequest::new("quake forecasts")).unwrap();
        assert_eq!(r.hits[0].id, "seismic");
        assert!(
            r.reading
                .notes
                .iter()
                .any(|n| n.contains("“quake”") && n.contains("earthquake")),
            "{:?}",
            r.reading.notes
        );
        idx.set_tuning(Tuning {
            word_synonym: 0.0,
            ..Tuning::default()
        });
        let r = idx.search(&SearchRequest::new("quake forecasts")).unwrap();
        assert!(r.reading.notes.iter().all(|n| !n.contains("earthquake")));
    }

    #[test]
    fn english_words_and_their_inflections_are_words_and_typos_are_not() {
        for w in [
            "desk", "desks", "Desks", "safer", "tagged", "mice", "worse", "coin", "wisest",
        ] {
            assert!(super::is_word(w), "{w}");
        }
        for w in ["lekage", "knowlege", "mistagged", "zzzz", "s"] {
            assert!(!super::is_word(w), "{w}");
        }
    }

    #[test]
    fn synonyms_are_looked_up_by_stem() {
        let quake = super::synonyms("quak");
        assert!(quake.iter().any(|s| s == "earthquak"), "{quake:?}");
        assert!(super::synonyms("zzzz").is_empty());
    }
}
