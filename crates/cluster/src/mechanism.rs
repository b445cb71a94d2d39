//! Mechanism clusters: the assignment of cases to the curated catalogue of failure mechanisms
//! (`data/mechanisms.toml`, each under a cause of the taxonomy; parsed in `catalogue`).
//!
//! A case a curator listed gets exactly its curated mechanisms (`members`), or none when the
//! catalogue lists it as `unassigned`. Any other case is assigned by its text: it is a
//! candidate for a mechanism only if it carries the mechanism's cause (or one of its `also`
//! causes) as a given label. Its "Why it failed", lessons, tags and title are searched for
//! the mechanism's phrases (whole words, Snowball-stemmed, so plurals and verb endings match);
//! each phrase found adds its weight, higher for phrases few cases hold. The best candidate
//! whose score reaches the threshold, and beats the runner-up by the margin, is the case's
//! mechanism. Curators can also exclude a case from a mechanism (`not`); the evaluation reports
//! the text rule alone as well.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use notbetter_taxonomy::{Case, LabelState};
use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use crate::SharedLesson;

mod catalogue;

pub use catalogue::{Catalogue, Mechanism, BUNDLED_MECHANISMS};

/// The knobs of assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct MechanismParams {
    /// The least score that assigns a case.
    pub threshold: f32,
    /// How far the best candidate must lead the next (as a share of the best).
    pub margin: f32,
    /// Field weights: "Why it failed", lessons, tags, title.
    pub fields: [f32; 4],
    /// Extra weight when the mechanism's cause is the case's primary cause.
    pub primary_bonus: f32,
    /// Whether curators' `members` and `not` lists apply.
    pub curated: bool,
    /// A further mechanism is kept when it also reaches the threshold and scores at least this
    /// share of the best (a case can show more than one mechanism); above 1, never.
    pub second: f32,
    /// The most mechanisms one case is given.
    pub max_per_case: usize,
}

impl Default for MechanismParams {
    fn default() -> Self {
        MechanismParams {
            threshold: 3.0,
            margin: 0.0,
            fields: [1.0, 0.5, 1.0, 0.5],
            primary_bonus: 1.0,
            curated: true,
            second: 0.3,
            max_per_case: 3,
        }
    }
}

/// A mechanism with the cases assigned to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MechanismCluster {
    pub id: String,
    pub name: String,
    /// The parent cause slug.
    pub cause: String,
    pub summary: String,
    /// Member case ids, sorted.
    pub members: Vec<String>,
    /// Top-level domains of the members, sorted.
    pub domains: Vec<String>,
    /// Lessons from the members, one per member at most, in member order.
    pub lessons: Vec<SharedLesson>,
}

/// Every case's mechanism (if any) and the mechanisms with their members.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Mechanisms {
    /// Mechanisms with at least one member, by parent cause, then size (largest first), then id.
    pub clusters: Vec<MechanismCluster>,
    /// Case id → its mechanism ids, the best first.
    pub of: BTreeMap<String, Vec<String>>,
}

impl Mechanisms {
    pub fn get(&self, id: &str) -> Option<&MechanismCluster> {
        self.clusters.iter().find(|c| c.id == id)
    }

    /// The mechanisms of a case, the best first.
    pub fn of_case<'a>(&'a self, case_id: &str) -> impl Iterator<Item = &'a MechanismCluster> {
        self.of
            .get(case_id)
            .into_iter()
            .flatten()
            .filter_map(|m| self.get(m))
    }

    /// Whether two cases share a mechanism.
    pub fn together(&self, a: &str, b: &str) -> bool {
        match (self.of.get(a), self.of.get(b)) {
            (Some(x), Some(y)) => x.iter().any(|m| y.contains(m)),
            _ => false,
        }
    }

    /// The mechanisms under `cause` (its parent cause), largest first.
    pub fn under<'a>(&'a self, cause: &'a str) -> impl Iterator<Item = &'a MechanismCluster> {
        self.clusters.iter().filter(move |c| c.cause == cause)
    }

    /// The mechanisms whose members span at least two top-level domains.
    pub fn cross_field(&self) -> impl Iterator<Item = &MechanismCluster> {
        self.clusters.iter().filter(|c| c.domains.len() >= 2)
    }
}

fn top_level(slug: &str) -> &str {
    slug.split('/').next().unwrap_or(slug)
}

/// The longest phrase, in words, that is matched.
const MAX_PHRASE_WORDS: usize = 4;

/// Lowercased, stemmed words.
fn stems(text: &str, stemmer: &Stemmer) -> Vec<String> {
    text.unicode_words()
        .map(|w| stemmer.stem(&w.to_lowercase()).into_owned())
        .collect()
}

/// Finds phrases in texts: stems words once each (a cache shared by every case) and looks up
/// only runs that start with a phrase's first word.
struct Finder<'a> {
    stemmer: Stemmer,
    cache: HashMap<String, String>,
    wanted: &'a HashSet<&'a str>,
    first_words: HashSet<&'a str>,
}

impl<'a> Finder<'a> {
    fn new(wanted: &'a HashSet<&'a str>) -> Finder<'a> {
        Finder {
            stemmer: Stemmer::create(Algorithm::English),
            cache: HashMap::new(),
            wanted,
            first_words: wanted.iter().filter_map(|p| p.split(' ').next()).collect(),
        }
    }

    /// The wanted phrases `text` holds.
    fn find(&mut self, text: &str) -> HashSet<String> {
        let lowered: Vec<String> = text.unicode_words().map(str::to_lowercase).collect();
        for lower in &lowered {
            if !self.cache.contains_key(lower) {
                let stem = self.stemmer.stem(lower).into_owned();
                self.cache.insert(lower.clone(), stem);
            }
        }
        let words: Vec<&str> = lowered.iter().map(|l| self.cache[l].as_str()).collect();
        let mut out = HashSet::new();
        let mut run = String::new();
        for start in 0..words.len() {
            if !self.first_words.contains(words[start]) {
                continue;
            }
            run.clear();
            for w in words.iter().skip(start).take(MAX_PHRASE_WORDS) {
                if !run.is_empty() {
                    run.push(' ');
                }
                run.push_str(w);
                if self.wanted.contains(run.as_str()) {
                    out.insert(run.clone());
                }
            }
        }
        out
    }
}

/// The case's given causes (confirmed or matched), primary first.
fn given_causes(case: &Case) -> Vec<&str> {
    case.causes
        .iter()
        .filter(|l| matches!(l.state, LabelState::Confirmed | LabelState::Matched))
        .map(|l| l.value.as_str())
        .collect()
}

/// Assigns each case to at most one mechanism of `catalogue`.
pub fn assign(cases: &[Case], catalogue: &Catalogue, params: &MechanismParams) -> Mechanisms {
    let stemmer = Stemmer::create(Algorithm::English);
    // Each mechanism's phrases as stemmed runs (longer phrases are cut to the longest run).
    let phrases: Vec<Vec<String>> = catalogue
        .mechanisms
        .iter()
        .map(|m| {
            m.phrases
                .iter()
                .map(|p| {
                    let words = stems(p, &stemmer);
                    words[..words.len().min(MAX_PHRASE_WORDS)].join(" ")
                })
                .filter(|p| !p.is_empty())
                .collect()
        })
        .collect();
    let wanted: HashSet<&str> = phrases.iter().flatten().map(String::as_str).collect();
    // The phrases each case's fields hold.
    let mut finder = Finder::new(&wanted);
    let fields: Vec<[HashSet<String>; 4]> = cases
        .iter()
        .map(|c| {
            [
                finder.find(&c.investigation),
                finder.find(&c.lessons),
                finder.find(&c.tags.join(" . ")),
                finder.find(&c.title),
            ]
        })
        .collect();
    // How many cases hold each phrase (in any field): rarer phrases weigh more.
    let mut df: HashMap<&str, usize> = HashMap::new();
    for f in &fields {
        let held: HashSet<&str> = f.iter().flatten().map(String::as_str).collect();
        for p in held {
            *df.entry(p).or_default() += 1;
        }
    }
    let n = cases.len().max(1) as f32;
    let weight = |p: &str| -> f32 {
        let d = df.get(p).copied().unwrap_or(0).max(1) as f32;
        (1.0 + n / d).ln()
    };
    // Phrase → the mechanisms that use it (a phrase listed twice by one mechanism counts once).
    let mut users: HashMap<&str, Vec<usize>> = HashMap::new();
    for (mi, ps) in phrases.iter().enumerate() {
        for p in ps {
            let list = users.entry(p.as_str()).or_default();
            if list.last() != Some(&mi) {
                list.push(mi);
            }
        }
    }
    // Curators' lists, looked up by case (each case's mechanisms in catalogue order).
    let mut confirmed: HashMap<&str, Vec<String>> = HashMap::new();
    let mut unassigned: HashSet<&str> = HashSet::new();
    if params.curated {
        for m in &catalogue.mechanisms {
            for id in &m.members {
                let ids = confirmed.entry(id.as_str()).or_default();
                if ids.last() != Some(&m.id) {
                    ids.push(m.id.clone());
                }
            }
        }
        unassigned.extend(catalogue.unassigned.iter().map(String::as_str));
    }
    let mut of = BTreeMap::new();
    for (ci, case) in cases.iter().enumerate() {
        let causes = given_causes(case);
        let listed = |list: &Vec<String>| params.curated && list.contains(&case.id);
        if let Some(ids) = confirmed.get(case.id.as_str()) {
            of.insert(case.id.clone(), ids.clone());
            continue;
        }
        if unassigned.contains(case.id.as_str()) {
            continue;
        }
        // Each phrase the case holds counts once, at the weight of its best field.
        let mut held: HashMap<&str, f32> = HashMap::new();
        for (field, w) in fields[ci].iter().zip(params.fields) {
            for p in field {
                let best = held.entry(p.as_str()).or_insert(0.0);
                *best = best.max(w);
            }
        }
        let mut scores: HashMap<usize, f32> = HashMap::new();
        for (p, field_weight) in &held {
            for &mi in users.get(p).into_iter().flatten() {
                *scores.entry(mi).or_default() += field_weight * weight(p);
            }
        }
        let mut scored: Vec<(f32, usize)> = Vec::new();
        for (mi, mut score) in scores {
            let m = &catalogue.mechanisms[mi];
            let eligible = causes
                .iter()
                .any(|c| *c == m.cause || m.also.iter().any(|a| a == c));
            if !eligible || listed(&m.not) {
                continue;
            }
            if causes.first() == Some(&m.cause.as_str()) {
                score *= params.primary_bonus;
            }
            if score > 0.0 {
                scored.push((score, mi));
            }
        }
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0).then_with(|| {
                catalogue.mechanisms[a.1]
                    .id
                    .cmp(&catalogue.mechanisms[b.1].id)
            })
        });
        if let Some(&(best, mi)) = scored.first() {
            let next = scored.get(1).map_or(0.0, |s| s.0);
            if best >= params.threshold && best - next >= params.margin * best {
                let mut ids = vec![catalogue.mechanisms[mi].id.clone()];
                for &(score, other) in scored
                    .iter()
                    .skip(1)
                    .take(params.max_per_case.saturating_sub(1))
                {
                    if score >= params.threshold && score >= params.second * best {
                        ids.push(catalogue.mechanisms[other].id.clone());
                    }
                }
                of.insert(case.id.clone(), ids);
            }
        }
    }
    let by_id: HashMap<&str, &Case> = cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut members: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (case, ms) in &of {
        for m in ms {
            members.entry(m.as_str()).or_default().push(case.as_str());
        }
    }
    let mut clusters: Vec<MechanismCluster> = catalogue
        .mechanisms
        .iter()
        .filter_map(|m| {
            let ids = members.get(m.id.as_str())?;
            let domains: BTreeSet<String> = ids
                .iter()
                .filter_map(|id| by_id.get(id))
                .flat_map(|c| c.domains.iter().map(|d| top_level(&d.value).to_string()))
                .collect();
            let lessons = ids
                .iter()
                .filter_map(|id| by_id.get(id))
                .filter_map(|c| {
                    first_sentence(&c.lessons).map(|text| SharedLesson {
                        case_id: c.id.clone(),
                        text,
                    })
                })
                .take(8)
                .collect();
            Some(MechanismCluster {
                id: m.id.clone(),
                name: m.name.clone(),
                cause: m.cause.clone(),
                summary: m.summary.clone(),
                members: ids.iter().map(|s| s.to_string()).collect(),
                domains: domains.into_iter().collect(),
                lessons,
            })
        })
        .collect();
    clusters.sort_by(|a, b| {
        a.cause
            .cmp(&b.cause)
            .then(b.members.len().cmp(&a.members.len()))
            .then_with(|| a.id.cmp(&b.id))
    });
    Mechanisms { clusters, of }
}

/// The first sentence of a text (to its first full stop followed by a space or the end).
fn first_sentence(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let end = text
        .char_indices()
        .find(|&(i, c)| c == '.' && text[i + 1..].starts_with(|n: char| n.is_whitespace()))
        .map_or(text.len(), |(i, _)| i + 1);
    Some(text[..end].trim_start_matches(['-', '*', ' ']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        Catalogue::parse(catalogue_text(), &notbetter_taxonomy::bundled()).unwrap()
    }

    fn catalogue_text() -> &'static str {
        r#"
[[mechanism]]
id = "subject-overlap"
name = "A subject's samples on both sides of the split"
cause = "data/leakage"
summary = "Samples of one person in training and test."
phrases = ["same patient", "same subject", "subject-level split"]

[[mechanism]]
id = "look-ahead"
name = "The future leaks into the features"
cause = "data/leakage"
summary = "Features computed with information from after the prediction time."
phrases = ["future", "look-ahead", "timestamp"]
members = ["curated-one"]
"#
    }

    fn case(id: &str, causes: &[&str], why: &str) -> Case {
        Case::builder(id)
            .domains(&["healthcare"])
            .causes(causes)
            .investigation(why)
            .build()
    }

    #[test]
    fn cases_go_to_the_mechanism_their_words_point_to_within_their_causes() {
        let cases = vec![
            case(
                "a",
                &["data/leakage"],
                "Slices of the same patients were in both sets.",
            ),
            case(
                "b",
                &["data/leakage"],
                "Features used future prices; a look-ahead.",
            ),
            case(
                "c",
                &["model/robustness"],
                "Slices of the same patients again.",
            ),
            case("d", &["data/leakage"], "Nothing specific."),
            case("curated-one", &["data/leakage"], "Nothing specific."),
        ];
        let params = MechanismParams {
            threshold: 0.5,
            ..Default::default()
        };
        let m = assign(&cases, &catalogue(), &params);
        let first = |id: &str| m.of.get(id).map(|v| v[0].as_str());
        assert_eq!(first("a"), Some("subject-overlap"));
        assert_eq!(first("b"), Some("look-ahead"));
        assert!(!m.of.contains_key("c"), "not filed under the cause");
        assert!(!m.of.contains_key("d"), "no phrase");
        assert_eq!(first("curated-one"), Some("look-ahead"));
        assert!(m.together("b", "curated-one") && !m.together("a", "b"));
        let off = assign(
            &cases,
            &catalogue(),
            &MechanismParams {
                curated: false,
                ..params
            },
        );
        assert!(!off.of.contains_key("curated-one"));
    }

    #[test]
    fn a_case_a_curator_found_no_mechanism_in_stays_without_one() {
        let text = format!("unassigned = [\"a\"]\n{}", catalogue_text());
        let catalogue = Catalogue::parse(&text, &notbetter_taxonomy::bundled()).unwrap();
        let cases = vec![case(
            "a",
            &["data/leakage"],
            "Slices of the same patients were in both sets.",
        )];
        let params = MechanismParams {
            threshold: 0.5,
            ..Default::default()
        };
        assert!(!assign(&cases, &catalogue, &params).of.contains_key("a"));
        let text_rule = MechanismParams {
            curated: false,
            ..params
        };
        let m = assign(&cases, &catalogue, &text_rule);
        assert_eq!(
            m.of["a"],
            ["subject-overlap"],
            "the text rule alone assigns it"
        );
        // A case cannot be both a curated member and unassigned.
        let both = format!("unassigned = [\"curated-one\"]\n{}", catalogue_text());
        let e = Catalogue::parse(&both, &notbetter_taxonomy::bundled()).unwrap_err();
        assert!(
            e.contains("`look-ahead`") && e.contains("`curated-one`") && e.contains("unassigned"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_catalogue_says_which_mechanism_and_why() {
        let t = notbetter_taxonomy::bundled();
        let e = Catalogue::parse(
            "[[mechanism]]\nid = \"x\"\nname = \"X\"\ncause = \"data/nope\"\nsummary = \"s\"\nphrases = [\"p\"]\n",
            &t,
        )
        .unwrap_err();
        assert!(e.contains("`x`") && e.contains("data/nope"), "{e}");
        let e = Catalogue::parse(
            "[[mechanism]]\nid = \"Bad Id\"\nname = \"X\"\ncause = \"data/leakage\"\nsummary = \"s\"\nphrases = [\"p\"]\n",
            &t,
        )
        .unwrap_err();
        assert!(e.contains("a-z"), "{e}");
    }
}
