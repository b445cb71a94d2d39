//! Label resolution beyond exact aliases: a domain's field before a colon, a name qualified by
//! a closing parenthesis, a name or alias contained in a longer label, words that only one
//! entry uses, then near spellings.
//! Each rule gives a confidence; below `MIN_CONFIDENCE`, or when two entries fit equally, the
//! label stays unmapped (with suggestions) rather than being mapped silently wrong. Rules and
//! thresholds were chosen on the tuning half of `tests/eval/labels.toml`.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Dimension, Taxonomy};
use crate::normalise::{label_words, MatchRule};
use crate::Mapping;

/// Mappings less sure than this (percent) are left unmapped.
pub const MIN_CONFIDENCE: u8 = 60;
/// Near spellings must be at least this similar (Jaro–Winkler on the joined stems).
const MIN_SIMILARITY: f64 = 0.93;
/// …and, when the label has as many words as the phrase, each word this similar to its
/// counterpart (normalised Damerau–Levenshtein on the stems: "shfit" and "shift" 0.8).
const MIN_WORD_SIMILARITY: f64 = 0.7;
/// The best entry must beat the next by this factor under the overlap rule.
const OVERLAP_MARGIN: f64 = 2.0;

/// The field of machine learning research itself: its aliases ("benchmarks", "tabular data",
/// "computer vision") say how a model was built or tested, which every field shares.
pub const METHODS_DOMAIN: &str = "ml-research";

/// How sure a mapping by a label's head is (percent): the name was given, only qualified.
pub(crate) const HEAD_CONFIDENCE: u8 = 90;

/// The words before a label's closing parenthesised qualifier ("data:bias" in "data:bias
/// (enriched test sets)"), when the label ends with one and something comes before it.
pub fn qualified_head(label: &str) -> Option<&str> {
    let label = label.trim();
    if !label.ends_with(')') {
        return None;
    }
    // The parenthesis that the last one closes.
    let mut depth = 0usize;
    for (i, c) in label.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let head = label[..i].trim();
                    return (!head.is_empty()).then_some(head);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a phrase may stand for its entry inside a longer label: families are too broad,
/// and ambiguous aliases ("leakage" also names privacy breaches) are labels only on their own.
fn usable(t: &Taxonomy, dim: Dimension, original: &str, slug: &str) -> bool {
    // A family stands only for phrases of two words or more ("methodological flaws").
    if dim == Dimension::Cause && !slug.contains('/') && !original.trim().contains(' ') {
        return false;
    }
    if original.contains('/') && original == slug {
        return false;
    }
    !t.get(dim, slug)
        .is_some_and(|e| e.not_evidence.iter().any(|n| n == original))
}

/// The most words a field head may have: longer text before a colon is a sentence.
const FIELD_HEAD_MAX_WORDS: usize = 6;

/// The field a domain label names before a colon ("medical imaging" in "medical imaging:
/// COVID-19 chest X-rays"), when a short head and some detail after it are both there. Only
/// domains are written this way; a cause's "data:bias" is a family prefix, read elsewhere.
pub fn field_head(dim: Dimension, label: &str) -> Option<&str> {
    if dim != Dimension::Domain {
        return None;
    }
    let (head, detail) = label.split_once(": ")?;
    let n = label_words(head).len();
    (n > 0 && n <= FIELD_HEAD_MAX_WORDS && !label_words(detail).is_empty()).then(|| head.trim())
}

/// What a domain label's field head decides: `None` when it names no entry (the whole label
/// is then read as usual); an unmapped label when it names two fields ("empirical finance /
/// political economy: …"); else the entry it names, or a narrower entry of the same branch
/// that the whole label names ("engineering: bearing fault diagnosis"). The details after the
/// colon name methods, data sources and other fields' words ("… from satellite imagery"), so
/// they decide nothing on their own. `exact` looks a phrase up among names and aliases.
pub(crate) fn by_field_head(
    t: &Taxonomy,
    dim: Dimension,
    label: &str,
    exact: impl Fn(&str) -> Option<String>,
) -> Option<Mapping> {
    let head = field_head(dim, label)?;
    let named = match exact(head) {
        Some(slug) => matched(
            &slug,
            MatchRule::Contains,
            f64::from(HEAD_CONFIDENCE) / 100.0,
        ),
        None => match resolve_found(t, dim, head) {
            Found::Named(m) => m,
            Found::Ambiguous => {
                return Some(Mapping::Unmapped {
                    suggestions: t.suggest(dim, head),
                })
            }
            Found::Nothing => return None,
        },
    };
    let Mapping::Matched { slug, .. } = &named else {
        return Some(named);
    };
    Some(match narrower_named(t, dim, label, slug) {
        Some(s) => matched(s, MatchRule::Contains, 0.9),
        None => named,
    })
}

/// The one entry below `slug` that `label` names by a phrase of two words or more, if exactly
/// one ("drug discovery" in "molecular property prediction (drug discovery)" under
/// chemistry); one word, such as "speech" in "hate-speech detection", is too weak to override
/// the broader entry the label named first.
pub(crate) fn narrower_named<'t>(
    t: &'t Taxonomy,
    dim: Dimension,
    label: &str,
    slug: &str,
) -> Option<&'t str> {
    let below = format!("{slug}/");
    let mut narrower: Vec<&str> = Vec::new();
    for (_, n, s) in phrases_in(t, dim, &label_words(label), usize::MAX) {
        if n >= 2 && s.starts_with(&below) && !narrower.contains(&s) {
            narrower.push(s);
        }
    }
    match narrower.as_slice() {
        [s] => Some(s),
        _ => None,
    }
}

/// Every usable name or alias found in `words`, shorter than `max_len` words, as (start,
/// length, slug).
fn phrases_in<'t>(
    t: &'t Taxonomy,
    dim: Dimension,
    words: &[String],
    max_len: usize,
) -> Vec<(usize, usize, &'t str)> {
    let mut found = Vec::new();
    for (phrase, original, slug) in &t.labels[&dim].phrases {
        let n = phrase.len();
        if n == 0 || n > words.len() || n >= max_len || !usable(t, dim, original, slug) {
            continue;
        }
        for start in 0..=words.len() - n {
            if words[start..start + n] == phrase[..] {
                found.push((start, n, slug.as_str()));
            }
        }
    }
    found
}

impl Taxonomy {
    /// Whether a domain label's field head names two fields, so that the label stays unmapped
    /// (and a reader of its words should leave it so).
    pub fn field_head_is_ambiguous(&self, dim: Dimension, label: &str) -> bool {
        field_head(dim, label)
            .is_some_and(|h| matches!(resolve_found(self, dim, h), Found::Ambiguous))
    }

    /// Whether a label is nothing but the names or aliases of two entries of `dim`
    /// ("agriculture & ecology"), or names two fields before a colon, so that it stays
    /// unmapped and a reader of its words should leave it so.
    pub fn names_two_entries(&self, dim: Dimension, label: &str) -> bool {
        if self.field_head_is_ambiguous(dim, label) {
            return true;
        }
        if !matches!(resolve_found(self, dim, label), Found::Ambiguous) {
            return false;
        }
        let words = label_words(label);
        let mut covered = vec![false; words.len()];
        for (start, n, _) in phrases_in(self, dim, &words, usize::MAX) {
            covered[start..start + n].iter_mut().for_each(|c| *c = true);
        }
        covered.iter().all(|c| *c)
    }
}

/// What the rules beyond exact aliases make of a label.
pub(crate) enum Found {
    Named(Mapping),
    /// Two entries named: the label stays unmapped, whatever looser rules would say.
    Ambiguous,
    Nothing,
}

/// The first rule that maps `label` with enough confidence, if any.
pub(crate) fn resolve(t: &Taxonomy, dim: Dimension, label: &str) -> Option<Mapping> {
    match resolve_found(t, dim, label) {
        Found::Named(m) => Some(m),
        Found::Ambiguous | Found::Nothing => None,
    }
}

fn resolve_found(t: &Taxonomy, dim: Dimension, label: &str) -> Found {
    let words = label_words(label);
    if words.is_empty() {
        return Found::Nothing;
    }
    let found = match contains(t, dim, &words) {
        // Two entries named ("finance / economics") stay two, in any order.
        Contained::Ambiguous => return Found::Ambiguous,
        Contained::One(m) => Some(m),
        Contained::None => None,
    };
    if let Some(m) = reordered(t, dim, &words) {
        return Found::Named(m);
    }
    found
        .or_else(|| overlap(t, dim, &words))
        .or_else(|| similar(t, dim, &words))
        .filter(
            |m| matches!(m, Mapping::Matched { confidence, .. } if *confidence >= MIN_CONFIDENCE),
        )
        .map_or(Found::Nothing, Found::Named)
}

fn matched(slug: &str, rule: MatchRule, confidence: f64) -> Mapping {
    Mapping::Matched {
        slug: slug.to_string(),
        rule,
        confidence: (confidence.clamp(0.0, 1.0) * 100.0).round() as u8,
    }
}

/// Rule 0: the words of one entry's name or alias in another order ("biased data" for "data
/// bias"), when no other entry's phrase has the same words.
fn reordered(t: &Taxonomy, dim: Dimension, words: &[String]) -> Option<Mapping> {
    if words.len() < 2 {
        return None;
    }
    let mut key: Vec<&str> = words.iter().map(String::as_str).collect();
    key.sort_unstable();
    let mut found: Option<&str> = None;
    for (phrase, original, slug) in &t.labels[&dim].phrases {
        // A slug written as a path ("data/bias") counts here: its words are its name's.
        let path = original.contains('/') && original == slug;
        if phrase.len() != key.len() || !(path || usable(t, dim, original, slug)) {
            continue;
        }
        let mut p: Vec<&str> = phrase.iter().map(String::as_str).collect();
        p.sort_unstable();
        if p == key {
            match found {
                Some(f) if f != slug => return None,
                _ => found = Some(slug),
            }
        }
    }
    found.map(|slug| matched(slug, MatchRule::Overlap, 0.95))
}

enum Contained {
    None,
    One(Mapping),
    Ambiguous,
}

/// Rule 1: the longest name or alias found inside the label, when no other entry's phrase of
/// that length (or one not overlapping it) is found too.
fn contains(t: &Taxonomy, dim: Dimension, words: &[String]) -> Contained {
    match contains_inner(t, dim, words) {
        Some(Some(m)) => Contained::One(m),
        Some(None) => Contained::Ambiguous,
        None => Contained::None,
    }
}

/// `None`: nothing found (or too little); `Some(None)`: ambiguous.
fn contains_inner(t: &Taxonomy, dim: Dimension, words: &[String]) -> Option<Option<Mapping>> {
    // (start, len, slug) of every phrase found, shorter than the label.
    let mut found = phrases_in(t, dim, words, words.len());
    // Words that only say what data the model read, next to the field that decides.
    let mut modal_words = 0;
    // A field that says how a model was built or tested ("benchmarks", "deep RL") next to an
    // application field ("continuous-control deep RL benchmarks") qualifies it: the
    // application decides. So does a kind of data ("time series", "NLP") that a domain
    // alias names (`modality`): "financial time series" is finance.
    if dim == Dimension::Domain {
        let method = |slug: &str| crate::model::slug_within(slug, METHODS_DOMAIN);
        if found.iter().any(|f| !method(f.2)) {
            found.retain(|f| !method(f.2));
        }
        // By its words: the slug's leaf ("time-series") is the same phrase.
        let modal = |f: &(usize, usize, &str)| {
            t.labels[&dim]
                .modalities
                .iter()
                .any(|(m, slug)| slug == f.2 && m[..] == words[f.0..f.0 + f.1])
        };
        if found.iter().any(|f| !modal(f)) {
            let (modal, rest): (Vec<_>, Vec<_>) = found.into_iter().partition(|f| modal(f));
            modal_words = (0..words.len())
                .filter(|&i| {
                    let within = |f: &(usize, usize, &str)| f.0 <= i && i < f.0 + f.1;
                    modal.iter().any(within) && !rest.iter().any(within)
                })
                .count();
            found = rest;
        }
    }
    let longest = found.iter().map(|f| f.1).max()?;
    // Of phrases as long as each other, the narrowest entry's ("motion planning" over
    // "autonomous vehicle" in "autonomous vehicle motion planning"); the first found on a tie.
    let depth = |slug: &str| slug.matches('/').count();
    let (s0, _, best) = *found.iter().filter(|f| f.1 == longest).reduce(|a, b| {
        if depth(b.2) > depth(a.2) {
            b
        } else {
            a
        }
    })?;
    // Another entry named anywhere outside the best phrase, or as long, makes it ambiguous.
    // A broader or narrower entry of the same branch is no rival ("language technology
    // (NLP/speech)" names the parent and one child: the longest phrase decides).
    let related = |a: &str, b: &str| {
        a != b && (crate::model::slug_within(a, b) || crate::model::slug_within(b, a))
    };
    let rival = found.iter().any(|&(s, n, slug)| {
        slug != best && !related(slug, best) && (n == longest || s + n <= s0 || s >= s0 + longest)
    });
    if rival {
        // Two sub-domains of one field ("malware/intrusion detection and other security
        // tasks") name the field.
        let top = |slug: &str| slug.split('/').next().unwrap_or(slug).to_string();
        let field = top(best);
        if dim == Dimension::Domain && found.iter().all(|f| top(f.2) == field) {
            return Some(Some(matched(&field, MatchRule::Contains, 0.7)));
        }
        return Some(None);
    }
    let coverage = longest as f64 / (words.len() - modal_words) as f64;
    // One generic word inside a longer label says little ("harm" in "representational
    // harm", "bias" in "reporting bias"); a phrase of two or more words says more. Domains
    // are named by single nouns more often ("computational pathology").
    if longest < 2 && (dim != Dimension::Domain || coverage < 0.5) {
        return None;
    }
    Some(Some(matched(
        best,
        MatchRule::Contains,
        0.6 + 0.4 * coverage,
    )))
}

/// Rule 2: words of the label that only a few entries use, each counting 1 / (entries using
/// it); the best entry must hold at least one word used by it alone (or two shared ones) and
/// clearly beat the next.
fn overlap(t: &Taxonomy, dim: Dimension, words: &[String]) -> Option<Mapping> {
    let mut users: HashMap<&str, Vec<&str>> = HashMap::new();
    for (phrase, original, slug) in &t.labels[&dim].phrases {
        if !usable(t, dim, original, slug) {
            continue;
        }
        for w in phrase {
            let u = users.entry(w.as_str()).or_default();
            if !u.contains(&slug.as_str()) {
                u.push(slug);
            }
        }
    }
    // One word is an alias or nothing: overlap needs a phrase to weigh.
    if words.len() < 2 {
        return None;
    }
    // Per slug, the largest share of one of its phrases that the label holds: a label must
    // hold at least half of some phrase ("untuned baselines" holds half of "weak
    // baselines"; "gremlins in the pipeline" holds a third of a longer one).
    let mut held: HashMap<&str, f64> = HashMap::new();
    for (phrase, original, slug) in &t.labels[&dim].phrases {
        if phrase.is_empty() || !usable(t, dim, original, slug) {
            continue;
        }
        let share =
            phrase.iter().filter(|w| words.contains(w)).count() as f64 / phrase.len() as f64;
        let e = held.entry(slug.as_str()).or_default();
        *e = e.max(share);
    }
    let mut scores: BTreeMap<&str, f64> = BTreeMap::new();
    let mut known = 0usize;
    for w in words {
        if let Some(u) = users.get(w.as_str()) {
            known += 1;
            for slug in u {
                *scores.entry(slug).or_default() += 1.0 / u.len() as f64;
            }
        }
    }
    let mut ranked: Vec<(&str, f64)> = scores.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let &(best, score) = ranked.first()?;
    let next = ranked.get(1).map_or(0.0, |r| r.1);
    // Two of the label's words must point to the entry: one rare word alone is a single-word
    // match, which *contains* allows only for a domain's alias making half the label
    // ("visual" alone made "Visual Art Generation" visual navigation).
    let support = words
        .iter()
        .filter(|w| users.get(w.as_str()).is_some_and(|u| u.contains(&best)))
        .count();
    if support < 2
        || score < 1.0
        || score < OVERLAP_MARGIN * next
        || known < 2
        || 2 * known <= words.len()
        || held.get(best).copied().unwrap_or(0.0) < 0.5
    {
        return None;
    }
    // Sure in proportion to how much of the label's taxonomy vocabulary points to it, less
    // so when the label has many words the taxonomy does not use.
    let focus = score / known as f64;
    let explained = known as f64 / words.len() as f64;
    Some(matched(
        best,
        MatchRule::Overlap,
        0.5 * focus + 0.5 * explained.sqrt(),
    ))
}

/// Rule 3: a near spelling of one entry's name or alias.
fn similar(t: &Taxonomy, dim: Dimension, words: &[String]) -> Option<Mapping> {
    let key = words.concat();
    if key.chars().count() < 5 {
        return None;
    }
    let mut best: BTreeMap<&str, f64> = BTreeMap::new();
    for (phrase, original, slug) in &t.labels[&dim].phrases {
        if !usable(t, dim, original, slug) {
            continue;
        }
        // A misspelling is near word by word: "autonomous drones" is not "autonomous driving",
        // though the joined words share a long start.
        if phrase.len() == words.len()
            && phrase
                .iter()
                .zip(words)
                .any(|(p, w)| strsim::normalized_damerau_levenshtein(p, w) < MIN_WORD_SIMILARITY)
        {
            continue;
        }
        let sim = strsim::jaro_winkler(&key, &phrase.concat());
        let e = best.entry(slug).or_default();
        *e = e.max(sim);
    }
    let mut ranked: Vec<(&str, f64)> = best.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let &(slug, sim) = ranked.first()?;
    let next = ranked.get(1).map_or(0.0, |r| r.1);
    if sim < MIN_SIMILARITY || sim - next < 0.02 {
        return None;
    }
    Some(matched(slug, MatchRule::Similar, sim))
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
