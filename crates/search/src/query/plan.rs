//! From what was typed to the query that runs: soft matching of plain words (most of them
//! must be there; more, rarer and closer together rank higher), the taxonomy's aliases as
//! synonyms, causes read from a question's mechanism, spelling corrections, and the strict
//! parts the user clearly meant (phrases, `+`/`-`, fields). See ARCHITECTURE.md, "Queries".

use serde::Serialize;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermSetQuery,
};
use tantivy::{Searcher, Term};

use super::lexicon::{query_words, QueryWord};
use super::parse::{parse, Occ, Shape};
use super::soft::min_match;
use crate::schema::{FacetDim, INVESTIGATION, LESSONS, OUTCOME, TAGS, TITLE};
use crate::SearchIndex;

/// How a query was read, for the reader: what was corrected, expanded, inferred or ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reading {
    /// The query as searched, when spelling corrections changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
    pub corrections: Vec<Correction>,
    /// Taxonomy labels named by an alias in the query (their cases are found too).
    pub synonyms: Vec<ReadLabel>,
    /// Causes the question was read as, from its words (their cases rank higher).
    pub causes: Vec<ReadLabel>,
    /// Causes read from its words that no mechanism read from it sits under (on the tuning
    /// half, two in three of these were borne out by none of the question's relevant cases):
    /// their cases rank higher too, but they are not offered as what the question is about.
    pub weak_causes: Vec<ReadLabel>,
    /// Failure mechanisms the question was read as (their cases rank higher).
    pub mechanisms: Vec<super::mechanisms::ReadMechanism>,
    /// Function words that did not take part in matching.
    pub ignored: Vec<String>,
    /// Where the text was read differently from how it was typed.
    pub notes: Vec<String>,
    /// Plain words matched softly, and how many of them a case must hold.
    pub words: usize,
    pub min_match: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadLabel {
    pub dimension: FacetDim,
    pub slug: String,
    pub name: String,
    /// The query words that point to it.
    pub words: Vec<String>,
}

/// One soft unit of a query: a word or an alias phrase, with what it matches.
pub(crate) struct Concept {
    pub label: String,
    pub query: Box<dyn Query>,
    pub weight: f32,
}

pub(crate) struct Plan {
    pub query: Box<dyn Query>,
    pub concepts: Vec<Concept>,
    pub reading: Reading,
    /// Members of the mechanisms the question was read as, with the reading's strength.
    pub lifted: Vec<(Vec<String>, f32)>,
    /// Causes the question was read as, with the reading's strength.
    pub cause_lifts: Vec<(String, f32)>,
    /// Application fields the question names by an alias: the readings lift only their
    /// cases.
    pub fields: Vec<String>,
    /// Query words near each other in a case's text: optional clauses whose scores add to a
    /// case's text score. A reranked search adds them to its candidates only (they change no
    /// match, and scoring them on every match reads positions for every match); any other
    /// search runs them with the query ([`Plan::scored_query`]).
    pub proximity: Vec<Box<dyn Query>>,
}

impl Plan {
    /// The query with its proximity clauses as optional clauses: the scores a search that
    /// does not rerank ranks by.
    pub fn scored_query(&self) -> Box<dyn Query> {
        if self.proximity.is_empty() {
            return self.query.box_clone();
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, self.query.box_clone())];
        clauses.extend(
            self.proximity
                .iter()
                .map(|q| (Occur::Should, q.box_clone())),
        );
        Box::new(BooleanQuery::new(clauses))
    }
}

impl SearchIndex {
    /// Turns typed text into the query to run. Never fails on the text itself.
    /// `at_most` caps how many of the words a case must hold (the usual share otherwise; at
    /// least one).
    pub(crate) fn plan(
        &self,
        searcher: &Searcher,
        text: &str,
        at_most: Option<usize>,
    ) -> tantivy::Result<Plan> {
        let tuning = self.tuning();
        let parsed = parse(text);
        let mut reading = Reading {
            notes: parsed.notes.clone(),
            ..Reading::default()
        };
        let mut analyzer = crate::stem::en_stem();
        let mut musts: Vec<Box<dyn Query>> = Vec::new();
        let mut nots: Vec<Box<dyn Query>> = Vec::new();
        let mut soft: Vec<QueryWord> = Vec::new();
        let mut prefixes: Vec<Concept> = Vec::new();
        // Plain words are analysed together, so a frame phrase ("went wrong") spanning two
        // typed words is seen as one.
        let plain: Vec<&str> = parsed
            .parts
            .iter()
            .filter(|p| p.occ == Occ::Soft && p.shape == Shape::Words)
            .map(|p| p.text.as_str())
            .collect();
        soft.extend(query_words(&mut analyzer, &plain.join(" ")));
        for part in &parsed.parts {
            let words = query_words(&mut analyzer, &part.text);
            if words.is_empty() {
                continue;
            }
            match (part.occ, part.shape) {
                (Occ::Soft, Shape::Words) => {}
                (Occ::Soft, _) => prefixes.push(Concept {
                    label: part.text.clone(),
                    query: self.strict(part, &words),
                    weight: 1.0,
                }),
                (Occ::Must, _) => musts.push(self.strict(part, &words)),
                (Occ::MustNot, _) => nots.push(self.strict(part, &words)),
            }
        }

        // Function words do not filter, unless they are all there is.
        let mut content: Vec<QueryWord> = soft.iter().filter(|w| !w.stop).cloned().collect();
        // A question of function words alone ("what went wrong?") is searched as typed, but
        // says nothing about a cause or a mechanism, so neither is read from it.
        let function_only = content.is_empty();
        if content.is_empty() {
            content = soft.clone();
        } else {
            for w in soft.iter().filter(|w| w.stop) {
                if !reading.ignored.contains(&w.surface) {
                    reading.ignored.push(w.surface.clone());
                }
            }
        }

        // Words the index has never seen: respelled, met by their synonyms, or left out.
        let synonyms_of = self.unseen_words(searcher, text, &mut content, &mut reading)?;

        // Aliases of taxonomy labels become concepts of their own: the words, or a case filed
        // under the label.
        let stems: Vec<String> = content.iter().map(|w| w.stem.clone()).collect();
        let found = self.lexicon.find(&stems);
        let mut in_alias = vec![false; stems.len()];
        let mut in_domain_alias = vec![false; stems.len()];
        let mut concepts: Vec<Concept> = Vec::new();
        let mut named_causes: Vec<String> = Vec::new();
        let mut named_domains: Vec<String> = Vec::new();
        let mut i = 0;
        while i < found.len() {
            let (start, len, _) = found[i];
            // One phrase may name entries of two dimensions ("radiology"): one concept.
            let group: Vec<usize> = found[i..]
                .iter()
                .take_while(|&&(s, l, _)| s == start && l == len)
                .map(|&(_, _, a)| a)
                .collect();
            i += group.len();
            in_alias[start..start + len]
                .iter_mut()
                .for_each(|t| *t = true);
            let words: Vec<&QueryWord> = content[start..start + len].iter().collect();
            let label: String = words
                .iter()
                .map(|w| w.surface.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let literal: Vec<Box<dyn Query>> =
                words.iter().map(|w| self.word_query(&w.stem)).collect();
            // Every word of the alias, in any field: counted in one window rather than
            // intersected, since seeking a union of nine fields reads all of them ahead
            // (`soft.rs`; the same cases and, for two words, the same scores).
            let literal: Box<dyn Query> = if literal.len() == 1 {
                literal.into_iter().next().expect("one")
            } else {
                let n = literal.len();
                Box::new(super::soft::SoftUnionQuery::new(literal, n))
            };
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, literal)];
            for a in group {
                let alias = &self.lexicon.aliases[a];
                clauses.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        self.facet_query(alias.dim, &alias.slug),
                        tuning.synonym,
                    )),
                ));
                if alias.dim == FacetDim::Cause {
                    named_causes.push(alias.slug.clone());
                }
                if alias.dim == FacetDim::Domain {
                    named_domains.push(alias.slug.clone());
                    in_domain_alias[start..start + len]
                        .iter_mut()
                        .for_each(|t| *t = true);
                }
                if !reading.synonyms.iter().any(|r| r.slug == alias.slug) {
                    reading.synonyms.push(ReadLabel {
                        dimension: alias.dim,
                        slug: alias.slug.clone(),
                        name: alias.name.clone(),
                        words: vec![label.clone()],
                    });
                }
            }
            let weight: f32 = words.iter().map(|w| self.idf(searcher, &w.stem)).sum();
            concepts.push(Concept {
                label,
                query: Box::new(BooleanQuery::new(clauses)),
                weight,
            });
        }
        for (k, w) in content.iter().enumerate() {
            if in_alias[k] || concepts.iter().any(|c| c.label == w.surface) {
                continue;
            }
            concepts.push(Concept {
                label: w.surface.clone(),
                query: self.word_or_synonyms(
                    &w.stem,
                    synonyms_of.get(&w.stem).map_or(&[][..], Vec::as_slice),
                    tuning.word_synonym,
                ),
                weight: self.idf(searcher, &w.stem),
            });
        }
        concepts.extend(prefixes);

        // Causes the question describes, from the taxonomy's words and the cases' words.
        let pairs: Vec<(String, String)> = content
            .iter()
            .map(|w| (w.stem.clone(), w.surface.clone()))
            .collect();
        // Words of a taxonomy alias already stand for their label (a synonym above): they
        // do not also point to other causes ("distribution shift in pathology" is not read
        // as optimisation difficulty from "distribution").
        let unnamed = outside(&pairs, &in_alias);
        let read = if unnamed.len() >= 2 && !function_only {
            self.read_causes(searcher, &unnamed)?
        } else {
            Vec::new()
        };
        let lifts = super::causes::choose(&read, &named_causes, &tuning);
        // Mechanisms the question describes, from the catalogue's and the members' words and
        // from its meaning.
        let table = self.mechanism_table();
        // Mechanisms cross fields: words that name a field do not point to one. With them left
        // out, a mechanism is read from two words, or from a cause named by an alias (which
        // narrows to its mechanisms in a short question).
        let unfielded = outside(&pairs, &in_domain_alias);
        let mechanisms = if (unfielded.len() >= 2
            || !named_causes.is_empty() && !unfielded.is_empty())
            && !function_only
            && !table.is_empty()
            && tuning.mechanism_lift > 0.0
        {
            let words = self.weighted_words(searcher, &unfielded);
            let question = reading.corrected.as_deref().unwrap_or(text);
            let narrowing: &[String] = if unfielded.len() <= tuning.narrow_max_words {
                &named_causes
            } else {
                &[]
            };
            super::mechanisms::read(&table, &words, question, narrowing, &tuning)
        } else {
            Vec::new()
        };
        for (m, _) in &mechanisms {
            reading.mechanisms.push(table.read_label(m));
        }

        // A cause read from the words is offered as the question's reading when a mechanism
        // read from the question sits under it (on the tuning half, 49 of 54 such readings
        // were borne out by a relevant case, against 36 of 117 of the others); otherwise it
        // still lifts its cases, but is shown as a weaker reading.
        for (c, _) in &lifts {
            let corroborated = mechanisms.iter().any(|(m, _)| {
                table
                    .causes(m.index)
                    .iter()
                    .any(|mc| notbetter_taxonomy::slug_within(mc, &c.slug))
            });
            let shown = if corroborated {
                &mut reading.causes
            } else {
                &mut reading.weak_causes
            };
            shown.push(ReadLabel {
                dimension: FacetDim::Cause,
                slug: c.slug.clone(),
                name: self
                    .lexicon
                    .causes
                    .names
                    .get(&c.slug)
                    .cloned()
                    .unwrap_or_else(|| c.slug.clone()),
                words: c.words.clone(),
            });
        }

        let n = concepts.len();
        let min_match = match at_most {
            Some(k) => min_match(n, tuning.min_match).min(k).max(n.min(1)),
            None => min_match(n, tuning.min_match),
        };
        reading.words = n;
        reading.min_match = min_match;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut proximity: Vec<Box<dyn Query>> = Vec::new();
        if n > 0 {
            let mut group: Vec<Box<dyn Query>> =
                concepts.iter().map(|c| c.query.box_clone()).collect();
            for (c, strength) in &lifts {
                group.push(Box::new(ConstScoreQuery::new(
                    self.facet_query(FacetDim::Cause, &c.slug),
                    tuning.cause_lift * strength,
                )));
            }
            for (m, _) in &mechanisms {
                let terms = table
                    .members(m.index)
                    .iter()
                    .map(|id| Term::from_field_text(self.fields.id, id));
                // Membership counts as one of the words a case must hold; the lift itself is
                // applied when reranking, relative to the best text score.
                group.push(Box::new(ConstScoreQuery::new(
                    Box::new(TermSetQuery::new(terms)),
                    1.0,
                )));
            }
            let group: Box<dyn Query> = if group.len() == 1 {
                group.pop().expect("one")
            } else if min_match > 1 && min_match < group.len() {
                // Soft matching proper: tantivy's union for one and its intersection for all
                // are faster than counting, so it counts only in between.
                Box::new(super::soft::SoftUnionQuery::new(group, min_match))
            } else {
                Box::new(BooleanQuery::union_with_minimum_required_clauses(
                    group, min_match,
                ))
            };
            clauses.push((Occur::Must, group));
            // Query words near each other in a case's text.
            if tuning.proximity > 0.0 && content.len() >= 2 {
                for pair in content.windows(2) {
                    if pair[0].stem == pair[1].stem {
                        continue;
                    }
                    for &f in &self.fields.proximity {
                        let mut q = PhraseQuery::new(vec![
                            Term::from_field_text(f, &pair[0].stem),
                            Term::from_field_text(f, &pair[1].stem),
                        ]);
                        q.set_slop(2);
                        proximity.push(Box::new(BoostQuery::new(Box::new(q), tuning.proximity))
                            as Box<dyn Query>);
                    }
                }
            }
        }
        for q in musts {
            clauses.push((Occur::Must, q));
        }
        if clauses.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        for q in nots {
            clauses.push((Occur::MustNot, q));
        }
        let query: Box<dyn Query> = if clauses.len() == 1 && clauses[0].0 == Occur::Must {
            clauses.pop().expect("one").1
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let fields: Vec<String> = named_domains
            .into_iter()
            // Naming machine learning research says how a model was built or tested, which
            // every field shares, not which field a question is about.
            .filter(|slug| slug != notbetter_taxonomy::METHODS_DOMAIN)
            .collect();
        let mut cause_lifts: Vec<(String, f32)> = lifts
            .iter()
            .map(|(c, strength)| (c.slug.clone(), *strength))
            .collect();
        // A cause and a field both named ("shortcut learning in dermatology"): the cases filed
        // under both are what is asked for. The field rule (`rank::with_members`) keeps the
        // lift to the field's cases; a cause named alone is only a synonym, weighing less than
        // the literal words.
        if !fields.is_empty() && tuning.named_cause > 0.0 {
            for slug in &named_causes {
                if !cause_lifts.iter().any(|(s, _)| s == slug) {
                    cause_lifts.push((slug.clone(), tuning.named_cause));
                }
            }
        }
        let lifted = mechanisms
            .iter()
            .map(|(m, strength)| (table.members(m.index).to_vec(), *strength))
            .collect();
        Ok(Plan {
            query,
            concepts,
            reading,
            lifted,
            cause_lifts,
            fields,
            proximity,
        })
    }
}

/// The (stem, surface) pairs whose place in `mask` is false: the words outside the aliases
/// it marks.
fn outside(pairs: &[(String, String)], mask: &[bool]) -> Vec<(String, String)> {
    pairs
        .iter()
        .zip(mask)
        .filter(|(_, &m)| !m)
        .map(|(p, _)| p.clone())
        .collect()
}

/// Fields searched for words near each other.
pub(crate) const PROXIMITY_FIELDS: [&str; 4] = [TITLE, TAGS, INVESTIGATION, OUTCOME];
/// Fields whose words say what a case is about, for cause reading and word weights.
pub(crate) const BODY_FIELDS: [&str; 4] = [TITLE, TAGS, INVESTIGATION, LESSONS];
