//! The knobs of query reading and ranking (`Tuning`): soft matching, synonyms, causes and
//! mechanisms read from a question, and their lifts. Chosen on the tuning half of the
//! evaluation queries; `notbetter eval --set name=value` tries others.

use serde::Serialize;

/// The knobs of soft matching and cause reading, chosen on the tuning half of the evaluation
/// queries (`tests/eval/queries.toml`; see ARCHITECTURE.md for the figures).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    /// Share of a query's content words a case must hold (rounded up; at least one, and at
    /// least two for queries of four words or more).
    pub min_match: f32,
    /// How much holding all the words counts, relative to the best text score.
    pub coverage: f32,
    /// Score of a case filed under a label the query names by an alias, relative to the
    /// literal words (synonyms weigh less than what was typed).
    pub synonym: f32,
    /// Score of a case filed under a cause the question was read as, at full strength.
    pub cause_lift: f32,
    /// What the same case gains when reranked, relative to the best text score.
    pub cause_rerank: f32,
    /// A cause is read from a question when its score reaches this… (0.22 and, for
    /// mechanisms, 0.27: the middle of the tuning half's plateaus once reading a mechanism's
    /// members stopped costing 20 ms at 1M; ARCHITECTURE.md, nineteenth session.)
    pub cause_threshold: f32,
    /// …and this share of the best cause's score.
    pub cause_relative: f32,
    /// …and at least this many of the question's uncommon words count for it (one word
    /// alone, "fail" or "crystals", read junk: six of the seven such readings on the tuning
    /// half; two common ones, "models fail", read hallucination and security).
    pub cause_min_words: usize,
    /// A word held by more than this share of the cases is common: it adds to a cause's
    /// score but is not one of the words `cause_min_words` counts.
    pub cause_common: f32,
    /// Boost of two query words found near each other (within two words).
    pub proximity: f32,
    /// Weight of pseudo-relevance feedback (cases like the best hits), 0 to turn it off.
    pub feedback: f32,
    /// Cause reading: cases needed before a word counts for a cause, smoothing (in cases at
    /// the overall rate), and the weight of the taxonomy's own words.
    pub cause_support: f32,
    pub cause_smoothing: f32,
    pub cause_taxonomy: f32,
    /// Weight of a word's WordNet synonyms (those the index holds) next to the word itself;
    /// 0 turns them off.
    pub word_synonym: f32,
    /// How much a case assigned to a mechanism the question was read as gains when reranked,
    /// relative to the best text score, at full strength.
    pub mechanism_lift: f32,
    /// A mechanism is read from a question when its score reaches this…
    pub mechanism_threshold: f32,
    /// …and this share of the best mechanism's score…
    pub mechanism_relative: f32,
    /// …among the best this many.
    pub mechanism_max: usize,
    /// Weight of a word the mechanism's own name, summary or phrases use (a word held by
    /// every member counts 1).
    pub mechanism_catalogue: f32,
    /// Weight of the embedding model's reading: a mechanism whose name and summary have
    /// cosine `c` with the question gains `mechanism_dense * max(0, c - mechanism_dense_floor)`;
    /// 0 reads mechanisms from words only.
    pub mechanism_dense: f32,
    pub mechanism_dense_floor: f32,
    /// A mechanism read from words needs this many of the question's words to point to it
    /// (unless the question names one of its causes, or its meaning outweighs its words):
    /// "why did my model fail" was read from "model" and "fail", which most cases hold.
    pub mechanism_min_words: usize,
    /// A word points to a mechanism when this many times more of its members hold it than
    /// of all assigned cases, or when the mechanism's own words use it and it is not common
    /// (`cause_common`).
    pub mechanism_support: f32,
    /// One such word is enough when the members hold it this many times more often.
    pub mechanism_alone: f32,
    /// Weight of the pattern in any field in similar cases: a case's neighbours are found by
    /// more-like-this over its text fields plus, at this weight, over its field-neutral
    /// pattern alone (0 leaves the pattern out).
    pub similar_pattern: f32,
    /// When a question names a field and a cause by their aliases, the field's cases filed
    /// under that cause gain as if the cause had been read at this strength (1 = the best
    /// cause read from words), times `cause_rerank`.
    pub named_cause: f32,
    /// When fewer cases than this hold the usual share of a long query's words, the cases
    /// holding one word fewer (then any) follow them; 0 turns it off.
    pub fill_below: usize,
    /// A cause named by an alias narrows the mechanisms read to its own only in questions
    /// of at most this many words (besides field names): in a longer one the alias may be
    /// incidental ("scaling" in "feature scaling before the split" is not scalability).
    pub narrow_max_words: usize,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            min_match: 0.34,
            coverage: 1.0,
            synonym: 2.0,
            cause_lift: 3.0,
            cause_rerank: 0.1,
            cause_threshold: 0.22,
            cause_relative: 0.6,
            cause_min_words: 2,
            cause_common: 0.3,
            proximity: 1.0,
            feedback: 0.0,
            cause_support: 2.0,
            cause_smoothing: 3.0,
            cause_taxonomy: 1.0,
            word_synonym: 0.6,
            mechanism_lift: 1.0,
            mechanism_threshold: 0.27,
            mechanism_relative: 0.6,
            mechanism_max: 2,
            mechanism_catalogue: 0.5,
            mechanism_dense: 1.0,
            mechanism_dense_floor: 0.3,
            mechanism_min_words: 2,
            mechanism_support: 2.0,
            mechanism_alone: 10.0,
            similar_pattern: 2.0,
            named_cause: 6.0,
            fill_below: 10,
            narrow_max_words: 4,
        }
    }
}

impl Tuning {
    /// These knobs with others set from `name=value` settings (`notbetter eval --set`), or a
    /// message naming the setting that is malformed, not a number, or not a knob.
    pub fn with_settings<'a>(
        &self,
        settings: impl IntoIterator<Item = &'a str>,
    ) -> Result<Tuning, String> {
        let mut value = serde_json::to_value(self).map_err(|e| e.to_string())?;
        for kv in settings {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("{kv:?}: expected NAME=VALUE"))?;
            value[k] = match v.parse::<u64>() {
                Ok(whole) => serde_json::json!(whole),
                Err(_) => serde_json::json!(v
                    .parse::<f64>()
                    .map_err(|_| format!("{kv:?}: the value is not a number"))?),
            };
        }
        serde_json::from_value(value).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::Tuning;

    #[test]
    fn settings_change_the_named_knobs_and_bad_ones_are_refused() {
        let t = Tuning::default()
            .with_settings(["fill_below=0", "coverage=2.5"])
            .unwrap();
        assert_eq!((t.fill_below, t.coverage), (0, 2.5));
        assert_eq!(t.min_match, Tuning::default().min_match);
        let err = |s: &str| Tuning::default().with_settings([s]).unwrap_err();
        assert!(err("coverage").contains("expected NAME=VALUE"));
        assert!(err("coverage=high").contains("not a number"));
        assert!(err("no_such_knob=1").contains("no_such_knob"));
    }
}
