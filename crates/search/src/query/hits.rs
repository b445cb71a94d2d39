//! Turning matches into what a reader sees: hits with snippets and labels, the ids of every
//! match (for exports), and similar cases.

use std::collections::HashSet;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, OwnedValue, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::more_like::{more_like, Like};
use super::{Hit, SearchRequest, Similar, Snippet, MAX_LIMIT, SNIPPET_CHARS};
use crate::schema::{FacetDim, Fields};
use crate::{Result, SearchIndex};

/// What `SnippetGenerator::create` makes (the query's terms in `field` that some document
/// holds, rarer ones weighing more), with the analyzer that stems only words that can be one
/// of those terms (`stem::snippet_analyzer`).
fn snippet_generator(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
) -> tantivy::Result<SnippetGenerator> {
    let mut terms: std::collections::BTreeSet<Term> = std::collections::BTreeSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.insert(term.clone());
        }
    });
    let mut texts: std::collections::BTreeMap<String, f32> = std::collections::BTreeMap::new();
    for term in &terms {
        let value = term.value();
        let Some(text) = value.as_str() else {
            continue;
        };
        let doc_freq = searcher.doc_freq(term)?;
        if doc_freq > 0 {
            texts.insert(text.to_string(), 1.0 / (1.0 + doc_freq as f32));
        }
    }
    let analyzer = crate::stem::snippet_analyzer(texts.keys().map(String::as_str));
    Ok(SnippetGenerator::new(texts, analyzer, field, SNIPPET_CHARS))
}

impl SearchIndex {
    pub(super) fn hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        addresses: &[(f32, DocAddress)],
    ) -> Result<Vec<Hit>> {
        // Snippet generators only for fields the query has terms in (a browse has none, and
        // a generator without terms still tokenises the whole field), each made on first use.
        let mut with_terms = HashSet::new();
        query.query_terms(&mut |term, _| {
            with_terms.insert(term.field());
        });
        let mut generators: Vec<(Field, Option<SnippetGenerator>)> = self
            .fields
            .snippet
            .iter()
            .filter(|f| with_terms.contains(f))
            .map(|&f| (f, None))
            .collect();
        let mut hits = Vec::with_capacity(addresses.len());
        for &(score, addr) in addresses {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let mut snippet = None;
            for (field, generator) in &mut generators {
                if generator.is_none() {
                    *generator = Some(snippet_generator(searcher, query, *field)?);
                }
                let s = generator
                    .as_ref()
                    .expect("created above")
                    .snippet_from_doc(&doc);
                if !s.highlighted().is_empty() {
                    snippet = Some(Snippet::new(s.fragment().to_string(), s.highlighted()));
                    break;
                }
            }
            let snippet = snippet.unwrap_or_else(|| {
                let text = self.text_of(&doc, crate::schema::USE_CASE);
                let mut cut: String = text.chars().take(SNIPPET_CHARS).collect();
                if text.chars().count() > SNIPPET_CHARS {
                    cut.push('…');
                }
                Snippet {
                    text: cut,
                    highlights: Vec::new(),
                }
            });
            hits.push(Hit {
                id: self.text_of(&doc, crate::schema::ID),
                title: self.text_of(&doc, crate::schema::TITLE),
                year: doc
                    .get_first(self.fields.year)
                    .and_then(|v| v.as_i64())
                    .map(|y| y as i32),
                domains: self.facets_of(&doc, FacetDim::Domain),
                causes: self.facets_of(&doc, FacetDim::Cause),
                inferred_causes: self.facets_of(&doc, FacetDim::InferredCause),
                failure_modes: self.facets_of(&doc, FacetDim::FailureMode),
                source: self
                    .facets_of(&doc, FacetDim::Source)
                    .pop()
                    .unwrap_or_default(),
                snippet,
                score,
                missing: Vec::new(),
            });
        }
        Ok(hits)
    }

    pub(super) fn text_of(&self, doc: &TantivyDocument, name: &str) -> String {
        let field = self.schema.get_field(name).expect("field");
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    }

    pub(super) fn facets_of(&self, doc: &TantivyDocument, dim: FacetDim) -> Vec<String> {
        doc.get_all(self.fields.facet(dim))
            .filter_map(|v| match OwnedValue::from(v) {
                OwnedValue::Facet(f) => {
                    Some(f.to_path_string().trim_start_matches('/').to_string())
                }
                _ => None,
            })
            .collect()
    }

    /// For the benchmark's floor: the time of one pass that only counts the documents the
    /// request's query matches (no scores, facets, reranking or snippets), after planning it.
    /// Exact facet counts need at least this visit of every match. Returns the count too.
    pub fn time_counting_pass(&self, req: &SearchRequest) -> Result<(usize, std::time::Duration)> {
        let searcher = self.reader.searcher();
        let plan = self.planned(&searcher, &req.query, None)?;
        let full = self.combined(plan.query.as_ref(), req, true);
        let t = std::time::Instant::now();
        let n = self.timed(self.run(&searcher, full.as_ref(), &Count))?;
        Ok((n, t.elapsed()))
    }

    /// The ids of every case matching a request, ignoring paging (for tests and exports).
    pub fn matching_ids(&self, req: &SearchRequest) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let plan = self.planned(&searcher, &req.query, None)?;
        let mut full = self.combined(plan.query.as_ref(), req, true);
        let mut n = self.timed(self.run(&searcher, full.as_ref(), &Count))?;
        // As `search` does: when no case, or fewer than `fill_below` by relevance, hold
        // enough of the words, the cases holding one word fewer, then any of them, too.
        let fill_below = if req.sort == super::Sort::Relevance {
            self.tuning().fill_below
        } else {
            0
        };
        for at_most in super::tiers::relaxed_minimums(plan.reading.min_match) {
            if n >= fill_below.max(1) {
                break;
            }
            let relaxed = self.planned(&searcher, &req.query, Some(at_most))?;
            let wider = self.combined(relaxed.query.as_ref(), req, true);
            let more = self.timed(self.run(&searcher, wider.as_ref(), &Count))?;
            if more > n {
                (full, n) = (wider, more);
            }
        }
        let n = n.max(1);
        // Equal scores in id order, as the search's own pages (`ties`).
        let addrs = self.timed(self.run(
            &searcher,
            full.as_ref(),
            &TopDocs::with_limit(n).order_by(crate::ties::by_relevance()),
        ))?;
        addrs
            .into_iter()
            .map(|(_, a)| {
                let doc: TantivyDocument = searcher.doc(a)?;
                Ok(self.text_of(&doc, crate::schema::ID))
            })
            .collect()
    }

    /// The stored document of case `id`, and where it is.
    pub(super) fn doc_by_id(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Option<(DocAddress, TantivyDocument)>> {
        let found = searcher.search(
            &TermQuery::new(
                Term::from_field_text(self.fields.id, id),
                IndexRecordOption::Basic,
            ),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        let Some(&(_, addr)) = found.first() else {
            return Ok(None);
        };
        Ok(Some((addr, searcher.doc(addr)?)))
    }

    /// Cases like `id` by tantivy's more-like-this over the stored text, preferring cases from
    /// other top-level domains: their score is doubled, since the point is to see the same
    /// failure elsewhere.
    pub fn similar(&self, id: &str, limit: usize) -> Result<Vec<Similar>> {
        let limit = limit.clamp(1, MAX_LIMIT);
        // The epoch before the searcher: a commit in between keeps the result out of the cache.
        let epoch = self.similar_cache.epoch();
        let searcher = self.reader.searcher();
        let cached = self
            .similar_cache
            .get_or(epoch, &(id.to_string(), limit), || {
                self.similar_uncached(&searcher, id, limit)
            })?;
        Ok(Vec::clone(&cached))
    }

    fn similar_uncached(
        &self,
        searcher: &Searcher,
        id: &str,
        limit: usize,
    ) -> Result<Vec<Similar>> {
        let Some((addr, doc)) = self.doc_by_id(searcher, id)? else {
            return Ok(Vec::new());
        };
        let own: HashSet<String> = self
            .facets_of(&doc, FacetDim::Domain)
            .into_iter()
            .map(|d| top_level(&d).to_string())
            .collect();
        // More like the case's text, and like its pattern in any field on its own: the
        // pattern's words are field-neutral, so it finds the same failure in other fields,
        // which the whole text (dominated by the field's own words) misses.
        let like = Like {
            max_terms: 40,
            max_doc_freq: (searcher.num_docs() / 4).max(2),
            min_len: 4,
        };
        let values = |f: Field| -> (Field, Vec<String>) {
            let values = doc
                .get_all(f)
                .filter_map(|v| v.as_str())
                .map(str::to_string)
                .collect();
            (f, values)
        };
        let text: Vec<_> = self
            .fields
            .text
            .iter()
            .map(|&(f, _)| values(f))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let pattern = values(Fields::by_name(&self.schema, crate::schema::PATTERN));
        let weight = self.tuning().similar_pattern;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, Box::new(more_like(searcher, &text, like)?))];
        if weight > 0.0 && !pattern.1.is_empty() {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(more_like(searcher, &[pattern], like)?),
                    weight,
                )),
            ));
        }
        let candidates = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit * 4 + 1).order_by_score(),
        )?;
        let mut out = Vec::new();
        for (score, a) in candidates {
            if a == addr {
                continue;
            }
            let d: TantivyDocument = searcher.doc(a)?;
            let domains = self.facets_of(&d, FacetDim::Domain);
            let elsewhere = !domains.iter().any(|x| own.contains(top_level(x)));
            out.push(Similar {
                id: self.text_of(&d, crate::schema::ID),
                title: self.text_of(&d, crate::schema::TITLE),
                domains,
                score: if elsewhere { score * 2.0 } else { score },
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        out.truncate(limit);
        Ok(out)
    }
}

fn top_level(slug: &str) -> &str {
    slug.split('/').next().unwrap_or(slug)
}

#[cfg(test)]
mod tests {
    use notbetter_taxonomy::{bundled, Case};
    use tantivy::snippet::SnippetGenerator;
    use tantivy::TantivyDocument;

    use crate::{SearchIndex, SearchRequest};

    /// The snippets made with the gated analyzer are tantivy's own, for many queries over
    /// text with plurals, stemmer exceptions and compounds.
    #[test]
    fn snippets_are_the_same_as_tantivys() {
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        let text = "The pre-trained models were dying on new hospitals; generalisation failed. \
                    Skies, news and gently rising leakage: the X-ray classifiers learned \
                    shortcuts from markers, and models generalised poorly to every new site.";
        let case = Case::builder("a")
            .title("Case a")
            .year(2020)
            .domains(&["healthcare"])
            .causes(&["data/leakage"])
            .failure_modes(&["suboptimal-performance"])
            .elements("Use.", "A network.", "Worse.", text)
            .build();
        idx.rebuild([&case], 1).unwrap();
        let searcher = idx.reader.searcher();
        let doc: TantivyDocument = searcher.doc(tantivy::DocAddress::new(0, 0)).unwrap();
        let mut highlighted = 0;
        for q in [
            "model",
            "die",
            "sky",
            "news gently",
            "pretrained",
            "xray leakage",
            "shortcut marker",
            "generalisation hospital",
            "rising",
            "site",
        ] {
            let plan = idx.planned(&searcher, q, None).unwrap();
            let query = idx.combined(plan.query.as_ref(), &SearchRequest::new(q), true);
            for &field in &idx.fields.snippet {
                let mut theirs =
                    SnippetGenerator::create(&searcher, query.as_ref(), field).unwrap();
                theirs.set_max_num_chars(super::SNIPPET_CHARS);
                let ours = super::snippet_generator(&searcher, query.as_ref(), field).unwrap();
                let (a, b) = (theirs.snippet_from_doc(&doc), ours.snippet_from_doc(&doc));
                assert_eq!(a.fragment(), b.fragment(), "{q}");
                assert_eq!(a.highlighted(), b.highlighted(), "{q}");
                highlighted += usize::from(!a.highlighted().is_empty());
            }
        }
        assert!(
            highlighted >= 10,
            "most queries match the text: {highlighted}"
        );
    }
}
