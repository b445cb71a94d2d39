//! Query words the index has never seen: a typo is respelled to the closest word the cases
//! use, a real word is met by its WordNet synonyms the cases use, or else left out (a word no
//! case uses tells no cases apart), and the reader is told each time.

use std::collections::HashMap;

use tantivy::Searcher;

use super::lexicon::QueryWord;
use super::parse::replace_word;
use super::plan::{Correction, Reading};
use super::spell;
use crate::SearchIndex;

impl SearchIndex {
    /// Rewrites `content` in place (respelled words, left-out words) and notes it in
    /// `reading`; returns the unused words with the synonyms they are searched by.
    pub(super) fn unseen_words(
        &self,
        searcher: &Searcher,
        text: &str,
        content: &mut Vec<QueryWord>,
        reading: &mut Reading,
    ) -> tantivy::Result<HashMap<String, Vec<String>>> {
        // Words the index has never seen: the closest word it has, if one is close.
        let tuning = self.tuning();
        let mut corrected_text = text.to_string();
        // Unused words and the synonyms they are searched by (looked up once, used below).
        let mut synonyms_of: HashMap<String, Vec<String>> = HashMap::new();
        // Real words no case uses (and no synonym of theirs either).
        let mut unused: Vec<String> = Vec::new();
        for w in content.iter_mut() {
            // A name ("BraTS") no case uses is not a misspelling of a word some case uses.
            if w.name {
                continue;
            }
            // A real word the cases do not use is met by its synonyms, not respelled.
            let held = if tuning.word_synonym > 0.0 {
                self.held_synonyms(searcher, &w.stem)?
            } else {
                Vec::new()
            };
            if !held.is_empty() {
                synonyms_of.insert(w.stem.clone(), held.clone());
                let shown: Vec<String> = held
                    .iter()
                    .map(|s| spell::surface_of(searcher, &self.fields.spell, s))
                    .collect();
                reading.notes.push(format!(
                    "no case uses “{}”; {} {} {} searched instead",
                    w.surface,
                    if shown.len() == 1 {
                        "its synonym"
                    } else {
                        "its synonyms"
                    },
                    shown
                        .iter()
                        .map(|s| format!("“{s}”"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if shown.len() == 1 { "was" } else { "were" }
                ));
                continue;
            }
            // A word some case uses is searched as typed.
            if !spell::unseen(searcher, &self.fields.spell, &w.stem)? {
                continue;
            }
            // A real word no case uses is no misspelling: "desks" is not "disk", nor
            // "feeble" "feel". It can match nothing, so it is left out (below).
            if super::thesaurus::is_word(&w.surface) {
                unused.push(w.stem.clone());
                continue;
            }
            if let Some(stem) = spell::correct(searcher, &self.fields.spell, &w.stem)? {
                let to = spell::surface_of(searcher, &self.fields.spell, &stem);
                corrected_text = replace_word(&corrected_text, &w.surface, &to);
                reading.corrections.push(Correction {
                    from: w.surface.clone(),
                    to: to.clone(),
                });
                w.stem = stem;
                w.surface = to;
            }
        }
        if !reading.corrections.is_empty() {
            reading.corrected = Some(corrected_text);
        }
        // A word no case uses cannot tell cases apart; counted, it would only raise the share
        // of the words a case must hold. Left out while other words remain, and said so;
        // unless it is part of a label's name ("finance"), which finds the cases filed under
        // the label (below).
        if !unused.is_empty() {
            let stems: Vec<String> = content.iter().map(|w| w.stem.clone()).collect();
            for (start, len, _) in self.lexicon.find(&stems) {
                for w in &content[start..start + len] {
                    unused.retain(|u| *u != w.stem);
                }
            }
        }
        if !unused.is_empty() && content.iter().any(|w| !unused.contains(&w.stem)) {
            let left: Vec<String> = content
                .iter()
                .filter(|w| unused.contains(&w.stem))
                .map(|w| format!("“{}”", w.surface))
                .collect();
            content.retain(|w| !unused.contains(&w.stem));
            reading.notes.push(format!(
                "no case uses {}, so {} left out",
                left.join(", "),
                if left.len() == 1 {
                    "it was"
                } else {
                    "they were"
                }
            ));
        }
        Ok(synonyms_of)
    }
}
