//! Why a cause applies, in the description's own sentences: the sentences holding the words
//! or alias phrases that pointed to it, and whether one of them already says how the plan
//! handles it.

/// Words that say a plan handles a risk ("we split by patient", "an external test set").
/// Generic, not per cause: a sentence pointing to a cause and holding one of these is read as
/// addressing it.
const MITIGATIONS: &[&str] = &[
    "split by",
    "grouped by",
    "group-wise",
    "grouped split",
    "by patient",
    "by subject",
    "by site",
    "patient-level",
    "subject-level",
    "site-level",
    "held-out site",
    "held out site",
    "held-out hospital",
    "external validation",
    "externally validate",
    "external test",
    "independent test",
    "independent validation",
    "prospective",
    "temporal split",
    "time-based split",
    "split by time",
    "future data",
    "out-of-distribution test",
    "deduplicate",
    "deduplicated",
    "de-duplicated",
    "stratified",
    "audit",
    "monitor",
    "recalibrate",
    "calibration check",
    "tuned baseline",
    "strong baseline",
    "compare against",
    "compared against",
    "ablation",
    "pre-registered",
    "preregistered",
    "multiple sites",
    "several sites",
    "multi-site",
    "multiple hospitals",
    "several hospitals",
];

/// The description's sentences (split on end punctuation and line breaks).
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' {
            push(&mut out, &mut current);
            continue;
        }
        current.push(c);
        let next = chars.get(i + 1).copied();
        if matches!(c, '.' | '!' | '?' | ';') && next.is_none_or(char::is_whitespace) {
            push(&mut out, &mut current);
        }
    }
    push(&mut out, &mut current);
    out
}

fn push(out: &mut Vec<String>, current: &mut String) {
    let s = current.trim();
    if s.chars().any(char::is_alphanumeric) {
        out.push(s.to_string());
    }
    current.clear();
}

/// The sentences holding any of `cues` (whole words or phrases, case-insensitive), in the
/// order of the most cues first, then as written.
pub(crate) fn pointing(sentences: &[String], cues: &[String]) -> Vec<String> {
    let mut scored: Vec<(usize, usize, &String)> = sentences
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let lower = s.to_lowercase();
            let n = cues
                .iter()
                .filter(|c| holds(&lower, &c.to_lowercase()))
                .count();
            (n > 0).then_some((n, i, s))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, s)| s.clone()).collect()
}

/// The sentences sharing at least two of `stems` (normalised words), most shared first.
pub(crate) fn pointing_stems(sentences: &[String], stems: &[String]) -> Vec<String> {
    let mut scored: Vec<(usize, usize, &String)> = sentences
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let words = notbetter_taxonomy::normalise_label(s);
            let words: Vec<&str> = words.split(' ').collect();
            let n = stems.iter().filter(|w| words.contains(&w.as_str())).count();
            (n >= 2).then_some((n, i, s))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, s)| s.clone()).collect()
}

/// Whether `text` holds `phrase` as whole words.
fn holds(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let mut start = 0;
    while let Some(pos) = text[start..].find(phrase) {
        let at = start + pos;
        let end = at + phrase.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        start = end;
    }
    false
}

/// Whether a sentence says how the plan handles a risk.
pub(crate) fn addresses(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    MITIGATIONS.iter().any(|m| holds(&lower, m))
}

/// A sentence cut to a readable length.
pub(crate) fn trim(s: &str) -> String {
    const MAX: usize = 240;
    if s.chars().count() <= MAX {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX).collect();
    format!("{}…", cut.trim_end())
}

/// The first sentence of a text, trimmed.
pub(crate) fn first_sentence(text: &str) -> String {
    sentences(text)
        .into_iter()
        .next()
        .map(|s| trim(&s))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_point_and_address() {
        let s = sentences("We split at random. Several scans per patient!\nWe will split by patient; then deploy.");
        assert_eq!(s.len(), 4, "{s:?}");
        let p = pointing(&s, &["patient".into()]);
        assert_eq!(p[0], "Several scans per patient!");
        assert!(p.iter().any(|x| addresses(x)));
        assert!(!addresses("Several scans per patient!"));
        assert!(!holds("outpatients", "patient"));
        assert_eq!(first_sentence("One. Two."), "One.");
    }
}
