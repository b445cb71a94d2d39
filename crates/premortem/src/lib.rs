//! The pre-mortem: a planned project's description (free text, up to about 5,000 words) to a
//! ranked checklist of the failure causes that hit similar projects, in any field. Each cause
//! comes with why it applies (sentences of the description), precedents (real cases, the
//! user's own field first and at least one from another field where one exists), the checks
//! to run before building (`data/checks.toml`), and whether the description already
//! addresses it. Nothing is stored or logged.
//!
//! Causes are scored from three signals, all derived from the knowledge base and the
//! taxonomy rather than a rule per cause (see ARCHITECTURE.md, "Pre-mortem"):
//! - the confirmed causes of the cases most like the description (more-like-this),
//!   weighted by their similarity, the primary cause counting double;
//! - the causes the description's words point to (`SearchIndex::causes_of_text`);
//! - the taxonomy's aliases found in the text (`Taxonomy::infer_causes`).

mod checks;
pub mod eval;
mod why;

use std::collections::{BTreeMap, HashMap};

use notbetter_search::{Neighbour, SearchIndex};
use notbetter_taxonomy::{Dimension, Taxonomy};
use serde::Serialize;

pub use checks::{Check, Checks, BUNDLED_CHECKS};

/// The longest description accepted, in characters (about 5,000 words of English).
pub const MAX_CHARS: usize = 60_000;
/// Causes listed at most.
pub const MAX_CAUSES: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum PremortemError {
    /// The request itself is wrong (empty, too long); the message says how.
    #[error("{0}")]
    Request(String),
    #[error(transparent)]
    Search(#[from] notbetter_search::SearchError),
}

impl PremortemError {
    pub fn is_user_error(&self) -> bool {
        matches!(self, PremortemError::Request(_))
            || matches!(self, PremortemError::Search(e) if e.is_user_error())
    }
}

/// What the user describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub description: String,
    /// A domain slug (already resolved from a name or alias), if the user gave one.
    pub domain: Option<String>,
    pub tags: Vec<String>,
}

/// One case shown as a precedent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Precedent {
    pub id: String,
    pub title: String,
    pub domains: Vec<String>,
    /// The first sentence of the case's outcome.
    pub outcome: String,
    /// The first sentence of its pattern in any field: the failure in field-neutral words, so
    /// a planner in another field can see how it would apply (empty if it has none).
    pub pattern: String,
    /// The first sentence of its lessons (empty if it has none).
    pub lesson: String,
}

/// One cause of the checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseItem {
    pub cause: String,
    pub name: String,
    pub score: f64,
    /// Sentences of the description that point to this cause, or, when none does, why the
    /// knowledge base thinks so.
    pub why: Vec<String>,
    /// The description already says how it handles this cause.
    pub addressed: bool,
    pub precedents: Vec<Precedent>,
    /// The checks as text, each ending with its source in parentheses.
    pub checks: Vec<String>,
    /// The same checks, structured.
    #[serde(skip)]
    pub check_items: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub causes: Vec<CauseItem>,
    /// The domain the precedents treat as the user's own: given, or read from the most
    /// similar cases.
    pub domain: Option<String>,
}

/// Weights of the three signals, set on the tuning half of the leave-one-out evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Weights {
    pub neighbours: f64,
    pub words: f64,
    pub aliases: f64,
    /// How often each cause is filed at all (base rates), relative to the most frequent.
    pub prior: f64,
    /// Words the description shares with a cause's curated checks (what to look for).
    pub checks: f64,
    /// Cases consulted as neighbours.
    pub k: usize,
}

impl Default for Weights {
    fn default() -> Weights {
        Weights {
            neighbours: 1.0,
            words: 0.5,
            aliases: 0.5,
            prior: 0.0,
            checks: 0.3,
            k: 15,
        }
    }
}

/// The pre-mortem over a taxonomy and its checks.
pub struct Premortem {
    taxonomy: Taxonomy,
    checks: Checks,
    /// Per cause, the stems of its checks with their weight (how few causes use each).
    check_words: BTreeMap<String, BTreeMap<String, f64>>,
    pub weights: Weights,
}

impl Premortem {
    pub fn new(taxonomy: Taxonomy, checks: Checks) -> Premortem {
        let mut bags: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for c in checks.all() {
            bags.entry(c.cause.clone())
                .or_default()
                .extend(stems(&c.text));
        }
        let mut users: HashMap<&str, usize> = HashMap::new();
        for bag in bags.values() {
            for w in bag {
                *users.entry(w.as_str()).or_default() += 1;
            }
        }
        let n = bags.len().max(1) as f64;
        let check_words = bags
            .iter()
            .map(|(cause, bag)| {
                let weighted = bag
                    .iter()
                    .map(|w| (w.clone(), (n / users[w.as_str()] as f64).ln()))
                    .filter(|(_, idf)| *idf > 0.0)
                    .collect();
                (cause.clone(), weighted)
            })
            .collect();
        Premortem {
            taxonomy,
            checks,
            check_words,
            weights: Weights::default(),
        }
    }

    /// The bundled checks over `taxonomy`.
    pub fn bundled(taxonomy: Taxonomy) -> Result<Premortem, String> {
        let checks = Checks::parse(BUNDLED_CHECKS, &taxonomy)?;
        Ok(Premortem::new(taxonomy, checks))
    }

    pub fn checks(&self) -> &Checks {
        &self.checks
    }

    /// Runs the pre-mortem; `exclude` leaves cases out of neighbours and precedents (for
    /// evaluating on a case's own description).
    pub fn run(
        &self,
        index: &SearchIndex,
        req: &Request,
        exclude: &[&str],
    ) -> Result<Report, PremortemError> {
        let text = req.description.trim();
        if text.is_empty() {
            return Err(PremortemError::Request(
                "the description is empty: describe the planned project (its use case, data, model and evaluation)".into(),
            ));
        }
        if text.chars().count() > MAX_CHARS {
            return Err(PremortemError::Request(format!(
                "the description is too long: at most {MAX_CHARS} characters (about 5,000 words)"
            )));
        }
        let full = if req.tags.is_empty() {
            text.to_string()
        } else {
            format!("{text}\n{}", req.tags.join(", "))
        };
        let w = self.weights;
        let neighbours = index.like_text(&full, w.k, exclude)?;
        let mut scores: BTreeMap<String, f64> = BTreeMap::new();
        // Neighbours: similarity-weighted votes, the primary cause counting double.
        let top = neighbours.first().map_or(1.0, |n| n.score.max(1e-6));
        let mut total = 0.0;
        for n in &neighbours {
            let s = f64::from(n.score / top);
            total += s;
            for (i, c) in n.causes.iter().filter(|c| c.contains('/')).enumerate() {
                *scores.entry(c.clone()).or_default() +=
                    w.neighbours * s * if i == 0 { 1.0 } else { 0.5 };
            }
        }
        if total > 0.0 {
            scores.values_mut().for_each(|v| *v /= total);
        }
        // The description's words.
        let read = index.causes_of_text(&full)?;
        let best = read.first().map_or(1.0, |c| c.score.max(1e-9));
        let mut words_of: HashMap<String, Vec<String>> = HashMap::new();
        for c in &read {
            *scores.entry(c.slug.clone()).or_default() += w.words * c.score / best;
            words_of.insert(c.slug.clone(), c.words.clone());
        }
        // The taxonomy's aliases in the text.
        let mut aliases_of: HashMap<String, Vec<String>> = HashMap::new();
        for inf in self.taxonomy.infer_causes(&full) {
            *scores.entry(inf.slug.clone()).or_default() += w.aliases;
            aliases_of.insert(inf.slug, inf.evidence);
        }

        // The cause's curated checks: the words of what to look for.
        let mut check_cues: HashMap<String, Vec<String>> = HashMap::new();
        if w.checks > 0.0 {
            let words: std::collections::BTreeSet<String> = stems(&full).into_iter().collect();
            let per: Vec<(&String, f64, Vec<String>)> = self
                .check_words
                .iter()
                .map(|(cause, bag)| {
                    let shared: Vec<(&String, &f64)> =
                        bag.iter().filter(|(w, _)| words.contains(*w)).collect();
                    let score: f64 = shared.iter().map(|(_, idf)| **idf).sum();
                    (
                        cause,
                        score,
                        shared.iter().map(|(w, _)| (*w).clone()).collect(),
                    )
                })
                .collect();
            let best = per.iter().map(|p| p.1).fold(0.0, f64::max);
            if best > 0.0 {
                for (cause, score, shared) in per {
                    *scores.entry(cause.clone()).or_default() += w.checks * score / best;
                    check_cues.insert(cause.clone(), shared);
                }
            }
        }
        // Base rates: a cause filed often is likelier for any project.
        if w.prior > 0.0 {
            let all = index.search(&notbetter_search::SearchRequest {
                limit: 1,
                ..Default::default()
            })?;
            if let Some(counts) = all.facets.get(&notbetter_search::FacetDim::Cause) {
                let most = counts
                    .iter()
                    .filter(|(k, _)| k.contains('/'))
                    .map(|(_, &n)| n)
                    .max()
                    .unwrap_or(1)
                    .max(1) as f64;
                for (slug, &n) in counts.iter().filter(|(k, _)| k.contains('/')) {
                    if let Some(s) = scores.get_mut(slug) {
                        *s += w.prior * n as f64 / most;
                    }
                }
            }
        }
        let mut ranked: Vec<(String, f64)> = scores.into_iter().filter(|(_, s)| *s > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(MAX_CAUSES);

        let domain = req.domain.clone().or_else(|| own_domain(&neighbours));
        let sentences = why::sentences(text);
        let mut causes = Vec::new();
        for (slug, score) in ranked {
            let mut cues: Vec<String> = aliases_of.get(&slug).cloned().unwrap_or_default();
            cues.extend(words_of.get(&slug).cloned().unwrap_or_default());
            let pointing = why::pointing(&sentences, &cues);
            // Failing those, the sentences sharing words with the cause's checks.
            let pointing = if pointing.is_empty() {
                why::pointing_stems(
                    &sentences,
                    check_cues.get(&slug).map_or(&[][..], Vec::as_slice),
                )
            } else {
                pointing
            };
            let addressed = pointing.iter().any(|s| why::addresses(s));
            let mut reasons: Vec<String> = pointing.iter().take(3).map(|s| why::trim(s)).collect();
            if reasons.is_empty() {
                let like: Vec<&str> = neighbours
                    .iter()
                    .filter(|n| n.causes.contains(&slug))
                    .take(2)
                    .map(|n| n.title.as_str())
                    .collect();
                if !like.is_empty() {
                    reasons.push(format!(
                        "Projects like this one failed this way: {}.",
                        like.join("; ")
                    ));
                }
            }
            let precedents =
                self.precedents(index, &full, &slug, &neighbours, domain.as_deref(), exclude)?;
            let check_items: Vec<Check> = self.checks.of(&slug).to_vec();
            causes.push(CauseItem {
                name: self.taxonomy.name(Dimension::Cause, &slug).to_string(),
                cause: slug,
                score: (score * 1000.0).round() / 1000.0,
                why: reasons,
                addressed,
                precedents,
                checks: check_items
                    .iter()
                    .map(|c| format!("{} ({})", c.text, c.source))
                    .collect(),
                check_items,
            });
        }
        Ok(Report { causes, domain })
    }

    /// Two to five cases filed under `cause`: the user's own top-level domain first, then the
    /// most similar; at least one from another top-level domain whenever one exists.
    fn precedents(
        &self,
        index: &SearchIndex,
        text: &str,
        cause: &str,
        neighbours: &[Neighbour],
        domain: Option<&str>,
        exclude: &[&str],
    ) -> Result<Vec<Precedent>, PremortemError> {
        const MAX: usize = 4;
        let mut pool: Vec<Neighbour> = neighbours
            .iter()
            .filter(|n| n.causes.iter().any(|c| c == cause))
            .cloned()
            .collect();
        for n in index.like_text_with_cause(text, cause, 12, exclude)? {
            if !pool.iter().any(|p| p.id == n.id) {
                pool.push(n);
            }
        }
        let own = domain.map(top_level);
        let is_own =
            |n: &Neighbour| own.is_some_and(|d| n.domains.iter().any(|x| top_level(x) == d));
        let mut chosen: Vec<&Neighbour> = pool.iter().filter(|n| is_own(n)).take(MAX - 1).collect();
        for n in &pool {
            if chosen.len() >= MAX {
                break;
            }
            if !chosen.iter().any(|c| c.id == n.id) {
                chosen.push(n);
            }
        }
        // The cross-field point: one from elsewhere when the pool has one.
        let elsewhere = |n: &&Neighbour| match own {
            Some(_) => !is_own(n),
            None => true,
        };
        if own.is_some() && !chosen.iter().any(elsewhere) {
            if let Some(other) = pool.iter().find(|n| !is_own(n)) {
                if chosen.len() >= MAX {
                    chosen.pop();
                }
                chosen.push(other);
            }
        }
        let mut out = Vec::new();
        for n in chosen {
            let Some(b) = index.brief(&n.id)? else {
                continue;
            };
            out.push(Precedent {
                id: b.id,
                title: b.title,
                domains: b.domains,
                outcome: why::first_sentence(&b.outcome),
                pattern: why::first_sentence(&b.pattern),
                lesson: why::first_sentence(&b.lessons),
            });
        }
        Ok(out)
    }
}

/// The normalised words (stems) of a text, as taxonomy labels are compared.
fn stems(text: &str) -> Vec<String> {
    notbetter_taxonomy::normalise_label(text)
        .split(' ')
        .filter(|w| w.chars().count() > 2)
        .map(str::to_string)
        .collect()
}

fn top_level(slug: &str) -> &str {
    slug.split('/').next().unwrap_or(slug)
}

/// The top-level domain most of the five nearest cases share.
fn own_domain(neighbours: &[Neighbour]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for n in neighbours.iter().take(5) {
        for d in &n.domains {
            *counts.entry(top_level(d)).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(d, _)| d.to_string())
}

/// The checklist as Markdown, for download.
pub fn to_markdown(report: &Report, taxonomy: &Taxonomy) -> String {
    let mut md = String::from("# Pre-mortem checklist\n\nFrom Not Better: failures that hit similar projects, in any field.\n");
    for (i, c) in report.causes.iter().enumerate() {
        md.push_str(&format!(
            "\n## {}. {}{}\n\n",
            i + 1,
            c.name,
            if c.addressed {
                " (addressed in the plan)"
            } else {
                ""
            }
        ));
        if !c.why.is_empty() {
            md.push_str("**Why it applies**\n\n");
            for w in &c.why {
                md.push_str(&format!("- {}\n", w.replace('\n', " ")));
            }
            md.push('\n');
        }
        if !c.precedents.is_empty() {
            md.push_str("**Precedents**\n\n");
            for p in &c.precedents {
                let fields: Vec<&str> = p
                    .domains
                    .iter()
                    .map(|d| taxonomy.name(Dimension::Domain, d))
                    .collect();
                md.push_str(&format!(
                    "- {} ({}): {}",
                    p.title,
                    fields.join(", "),
                    p.outcome
                ));
                if !p.pattern.is_empty() {
                    md.push_str(&format!(" In any field: {}", p.pattern));
                }
                if !p.lesson.is_empty() {
                    md.push_str(&format!(" Lesson: {}", p.lesson));
                }
                md.push_str(&format!(" [/cases/{}]\n", p.id));
            }
            md.push('\n');
        }
        if !c.checks.is_empty() {
            md.push_str("**What to check before building**\n\n");
            for k in &c.checks {
                md.push_str(&format!("- [ ] {k}\n"));
            }
        }
    }
    md
}
