//! `/cases/{id}` (and `/cases/{id}.json`, `/cases/{id}.bib`): one case with its four elements,
//! references, labels, review, evidence, provenance, revisions, similar cases and citation.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use notbetter_kb::Similar;
use notbetter_kb::{Clustering, KnowledgeBase, Revision, StoredCase};
use notbetter_taxonomy::{source_link, Case, Dimension, Fact, Review, ELEMENTS, OPTIONAL_SECTIONS};

use super::{chip, slug_chips};
use crate::error::AppError;
use crate::layout::page_with;
use crate::markdown::render;
use crate::AppState;

pub async fn case(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let (id, format) = match raw.rsplit_once('.') {
        Some((id, "json")) => (id.to_string(), "json"),
        Some((id, "bib")) => (id.to_string(), "bib"),
        Some(_) => return Err(AppError::NotFound),
        None => (raw, "html"),
    };
    if !notbetter_taxonomy::CaseId::is_valid(&id) {
        return Err(AppError::NotFound);
    }
    let lookup = id.clone();
    let html = format == "html";
    if html {
        state.first_clusters().await?;
    }
    // One trip through the work queue for the whole page: under load each trip waits its turn.
    let (found, stale) = state
        .run(move |kb| {
            let Some(stored) = kb.get(&lookup)? else {
                return Ok((None, false));
            };
            let revisions = kb.revisions(&lookup)?;
            let similar = kb.similar(&lookup, 5)?;
            let (elsewhere, stale) = if html {
                let (clustering, stale) = super::clusters::current_in(kb)?;
                (elsewhere(kb, &clustering, &stored)?, stale)
            } else {
                (Elsewhere::default(), false)
            };
            Ok((Some((stored, revisions, similar, elsewhere)), stale))
        })
        .await?;
    if stale {
        state.refresh_clusters_in_background();
    }
    let (stored, revisions, similar, elsewhere) = found.ok_or(AppError::NotFound)?;
    Ok(match format {
        "json" => axum::Json(&stored).into_response(),
        "bib" => (
            [(header::CONTENT_TYPE, "application/x-bibtex; charset=utf-8")],
            bibtex(&stored.case),
        )
            .into_response(),
        _ => render_case(&state, &stored, &revisions, &similar, &elsewhere).into_response(),
    })
}

/// A BibTeX entry citing the case itself, as a web page of this knowledge base.
pub fn bibtex(c: &Case) -> String {
    let year = c
        .year
        .map(|y| format!("  year = {{{y}}},\n"))
        .unwrap_or_default();
    format!(
        "@misc{{notbetter-{id},\n  title = {{{title}}},\n  howpublished = {{Not Better: a knowledge base of real-world deep-learning failures}},\n  note = {{Case {id}. Licensed CC BY 4.0}},\n{year}}}\n",
        id = c.id,
        title = c.title.replace(['{', '}'], ""),
    )
}

fn plain_citation(c: &Case) -> String {
    format!(
        "\"{}\". Not Better: a knowledge base of real-world deep-learning failures, case {}{}. CC BY 4.0.",
        c.title,
        c.id,
        c.year.map(|y| format!(" ({y})")).unwrap_or_default()
    )
}

fn yes_no(v: Option<Fact>) -> &'static str {
    match v {
        Some(Fact::True) => "yes",
        Some(Fact::False) => "no",
        Some(Fact::Unknown) => "unknown: the source does not say",
        None => "not stated",
    }
}

/// "Reviewed on <date> against <links>: <verdict>", or a note that no review is recorded.
fn review_block(review: Option<&Review>) -> Markup {
    html! {
        section.review {
            h2 { "Review" }
            @match review {
                Some(r) => {
                    p {
                        "Reviewed on " time datetime=(r.date) { (r.date) } " against "
                        @for (i, entry) in r.against.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href=(source_link(entry)) rel="nofollow noopener" { (entry) }
                        }
                        ": " strong.verdict { (r.verdict.as_str()) } "."
                    }
                    @if !r.notes.is_empty() { p.notes { (r.notes) } }
                }
                None => p.missing { "Not yet reviewed against its primary sources." },
            }
        }
    }
}

/// A case as a line of a list: id, title, domains.
type CaseLine = (String, String, Vec<String>);

/// The case's mechanisms with their members from other fields, its cluster, and (when it has
/// no mechanism) its nearest counterparts in other domains.
#[derive(Default)]
struct Elsewhere {
    /// (mechanism id, name, members from other fields).
    mechanisms: Vec<(String, String, Vec<CaseLine>)>,
    cluster: Option<(String, String, usize, usize)>,
    nearest: Vec<CaseLine>,
}

/// How many other cases of one mechanism a case page lists.
const MECHANISM_MEMBERS_SHOWN: usize = 6;

fn elsewhere(
    kb: &KnowledgeBase,
    clustering: &Clustering,
    stored: &StoredCase,
) -> Result<Elsewhere, AppError> {
    let id = stored.case.id.as_str();
    let domains: Vec<&str> = stored
        .case
        .slugs(Dimension::Domain, notbetter_taxonomy::LabelState::Confirmed)
        .collect();
    let cluster = clustering.cluster_of(id).map(|c| {
        (
            c.id.clone(),
            c.label.clone(),
            c.members.len(),
            c.domains.len(),
        )
    });
    let mechanisms: Vec<(String, String, Vec<String>)> = clustering
        .mechanisms
        .of_case(id)
        .map(|m| {
            let others = m
                .members
                .iter()
                .filter(|x| x.as_str() != id)
                .cloned()
                .collect();
            (m.id.clone(), m.name.clone(), others)
        })
        .collect();
    let near: Vec<String> = if mechanisms.is_empty() {
        clustering
            .nearest_elsewhere(id, 5)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    } else {
        Vec::new()
    };
    let own: Vec<String> = domains
        .iter()
        .map(|d| d.split('/').next().unwrap_or(d).to_string())
        .collect();
    let (mechanisms, nearest) = {
        let line = |n: &str| -> Result<Option<CaseLine>, AppError> {
            Ok(kb.get(n)?.map(|s| {
                let domains = s
                    .case
                    .slugs(Dimension::Domain, notbetter_taxonomy::LabelState::Confirmed)
                    .map(str::to_string)
                    .collect();
                (n.to_string(), s.case.title, domains)
            }))
        };
        let mut ms = Vec::new();
        let same_field = |ds: &Vec<String>| {
            ds.iter()
                .any(|d| own.iter().any(|o| d.split('/').next() == Some(o.as_str())))
        };
        for (mid, name, others) in mechanisms {
            ms.push((mid, name, members_shown(&others, line, same_field)?));
        }
        let mut nearest = Vec::new();
        for n in near {
            if let Some(l) = line(&n)? {
                nearest.push(l);
            }
        }
        (ms, nearest)
    };
    Ok(Elsewhere {
        mechanisms,
        cluster,
        nearest,
    })
}

/// The members of a mechanism a case page lists: the first `MECHANISM_MEMBERS_SHOWN` in
/// member order, those from other fields first. Members are read in order only until that many
/// from other fields are found: a mechanism of a large knowledge base has thousands, and reading
/// every one was most of a case page's cost.
fn members_shown<E>(
    others: &[String],
    line: impl Fn(&str) -> Result<Option<CaseLine>, E>,
    same_field: impl Fn(&Vec<String>) -> bool,
) -> Result<Vec<CaseLine>, E> {
    let mut lines = Vec::new();
    let mut from_elsewhere = 0;
    for o in others {
        if from_elsewhere >= MECHANISM_MEMBERS_SHOWN {
            break;
        }
        if let Some(l) = line(o)? {
            from_elsewhere += usize::from(!same_field(&l.2));
            lines.push(l);
        }
    }
    // Other fields first: that is what the section is for.
    lines.sort_by_key(|(_, _, ds)| same_field(ds));
    lines.truncate(MECHANISM_MEMBERS_SHOWN);
    Ok(lines)
}

fn render_case(
    state: &AppState,
    stored: &StoredCase,
    revisions: &[Revision],
    similar: &[Similar],
    elsewhere: &Elsewhere,
) -> Markup {
    // Similar cases not already listed under the same mechanism or as nearest elsewhere.
    let listed: std::collections::HashSet<&str> = elsewhere
        .mechanisms
        .iter()
        .flat_map(|(_, _, lines)| lines.iter().map(|(id, _, _)| id.as_str()))
        .chain(elsewhere.nearest.iter().map(|(id, _, _)| id.as_str()))
        .collect();
    let looser: Vec<&Similar> = similar
        .iter()
        .filter(|s| !listed.contains(s.id.as_str()))
        .collect();
    let t = state.kb.taxonomy();
    let c = &stored.case;
    let json = format!("/cases/{}.json", c.id);
    let description = format!("{} — a real-world deep-learning failure: use case, proposed solution, outcome and why it failed.", c.title);
    let body = html! {
        article.case {
            header {
                h1 { (c.title) }
                p.meta {
                    @if let Some(y) = c.year { span.year { (y) } " · " }
                    span.source { "Source: " (c.source.facet()) }
                    @if c.incomplete { " · " span.badge.warn { "incomplete" } }
                }
                div.labels {
                    p { span.label-kind { "Domains " } @for l in &c.domains { (chip(t, Dimension::Domain, l)) } }
                    p { span.label-kind { "Causes " } @for l in &c.causes { (chip(t, Dimension::Cause, l)) } }
                    @if !c.failure_modes.is_empty() {
                        p { span.label-kind { "Failure modes " } @for l in &c.failure_modes { (chip(t, Dimension::FailureMode, l)) } }
                    }
                    @if !c.methods.is_empty() {
                        p { span.label-kind { "Methods " } @for l in &c.methods { (chip(t, Dimension::Method, l)) } }
                    }
                    @if !c.tags.is_empty() { p.tags { span.label-kind { "Tags " } @for tag in &c.tags { span.tag { (tag) } } } }
                }
            }
            @for (field, heading) in ELEMENTS {
                section.element {
                    h2 { (heading) }
                    @let text = c.element(field);
                    @if text.trim().is_empty() { p.missing { "Not given in the source record." } } @else { (render(text)) }
                }
            }
            @for (field, heading) in OPTIONAL_SECTIONS {
                @let text = c.element(field);
                @if !text.trim().is_empty() { section.element { h2 { (heading) } (render(text)) } }
            }
            section {
                h2 { "References" }
                ol.references {
                    @for r in &c.references {
                        li {
                            @if let Some(title) = &r.title { cite { (title) } ". " }
                            @if !r.authors.is_empty() { (r.authors.join(", ")) ". " }
                            @if let Some(v) = &r.venue { em { (v) } " " }
                            @if let Some(y) = r.year { "(" (y) "). " }
                            @if let Some(doi) = &r.doi { a href=(format!("https://doi.org/{doi}")) { "doi:" (doi) } " " }
                            @if let Some(a) = &r.arxiv { a href=(format!("https://arxiv.org/abs/{a}")) { "arXiv:" (a) } " " }
                            @if let Some(u) = &r.url { a href=(u) rel="nofollow noopener" { (u) } }
                        }
                    }
                }
            }
            (review_block(c.review.as_ref()))
            section.facts {
                h2 { "Evidence and provenance" }
                dl {
                    dt { "Code released" } dd { (yes_no(c.evidence.code_available)) }
                    dt { "Data released" } dd { (yes_no(c.evidence.data_available)) }
                    dt { "Validated externally" } dd { (yes_no(c.evidence.external_validation)) }
                    @if let Some(why) = &c.evidence.unknown_reason { dt { "Why unknown" } dd { (why) } }
                    @if let Some(ch) = &c.checked_against { dt { "Checked against" } dd { (ch) } }
                    @if let Some(who) = &c.contributor { dt { "Contributed by" } dd { (who) } }
                    @if let Some(u) = &c.source_url { dt { "Source record" } dd { a href=(u) rel="nofollow noopener" { (u) } } }
                    @if let Some(l) = &c.licence { dt { "Licence of the source record" } dd { (l) } }
                    dt { "Provenance" } dd { (stored.provenance) }
                    dt { "First stored" } dd { (stored.created_at) }
                    dt { "Last changed" } dd { (stored.updated_at) " (version " (stored.version) ")" }
                }
                @if !revisions.is_empty() {
                    h3 { "Revision history" }
                    ul.revisions {
                        @for r in revisions {
                            li { "Version " (r.version) ", from " (r.valid_from) " until " (r.replaced_at) " (" (r.provenance) ")" }
                        }
                    }
                }
            }
            @if !elsewhere.mechanisms.is_empty() || elsewhere.cluster.is_some() || !elsewhere.nearest.is_empty() {
                section.elsewhere {
                    @if elsewhere.mechanisms.is_empty() {
                        h2 { "This failure elsewhere" }
                    } @else {
                        h2 { "The same mechanism elsewhere" }
                    }
                    @for (mid, name, lines) in &elsewhere.mechanisms {
                        p { "Mechanism: " a href=(format!("/clusters/m/{mid}")) { (name) } }
                        @if !lines.is_empty() {
                            ul.similar {
                                @for (nid, title, domains) in lines {
                                    li { a href=(format!("/cases/{nid}")) { (title) } " " (slug_chips(t, Dimension::Domain, domains)) }
                                }
                            }
                        }
                    }
                    @if let Some((cid, label, size, domains)) = &elsewhere.cluster {
                        p { "Part of the cluster " a href=(format!("/clusters/{cid}")) { (label) } " (" (size) " cases in " (domains) " domains)." }
                    }
                    @if !elsewhere.nearest.is_empty() {
                        p { "The nearest cases from other fields, by shared cause and wording:" }
                        ul.similar {
                            @for (nid, title, domains) in &elsewhere.nearest {
                                li { a href=(format!("/cases/{nid}")) { (title) } " " (slug_chips(t, Dimension::Domain, domains)) }
                            }
                        }
                    }
                }
            }
            @if !looser.is_empty() {
                section {
                    h2 { "Similar cases" }
                    p { "Looser matches, by shared wording:" }
                    ul.similar {
                        @for s in &looser {
                            li { a href=(format!("/cases/{}", s.id)) { (s.title) } " " (slug_chips(t, Dimension::Domain, &s.domains)) }
                        }
                    }
                }
            }
            section.cite {
                h2 { "Cite this case" }
                p { (plain_citation(c)) }
                pre { code { (bibtex(c)) } }
                p { a href=(format!("/cases/{}.bib", c.id)) { "BibTeX" } " · " a href=(json) { "JSON" } }
            }
        }
    };
    page_with(&c.title, &description, Some(&json), body)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::{members_shown, CaseLine, MECHANISM_MEMBERS_SHOWN};

    /// The same lines as reading every member and keeping the first six, other fields first;
    /// with enough members from other fields, reading stops early.
    #[test]
    fn a_case_page_reads_only_the_members_it_shows() {
        for pattern in [
            "ssoosooooossso",
            "sssss",
            "oooooooooooooooooooo",
            "sososososxos",
            "",
        ] {
            let others: Vec<String> = (0..pattern.len()).map(|i| format!("m{i}")).collect();
            let reads = Cell::new(0);
            let line = |id: &str| -> Result<Option<CaseLine>, ()> {
                reads.set(reads.get() + 1);
                let i: usize = id[1..].parse().unwrap();
                Ok(match pattern.as_bytes()[i] {
                    b'x' => None,
                    b's' => Some((id.to_string(), id.to_string(), vec!["healthcare".into()])),
                    _ => Some((id.to_string(), id.to_string(), vec!["finance".into()])),
                })
            };
            let same = |ds: &Vec<String>| ds.iter().any(|d| d == "healthcare");
            let shown = members_shown(&others, line, same).unwrap();
            let mut all: Vec<CaseLine> = others.iter().filter_map(|o| line(o).unwrap()).collect();
            all.sort_by_key(|(_, _, ds)| same(ds));
            all.truncate(MECHANISM_MEMBERS_SHOWN);
            assert_eq!(shown, all, "{pattern}");
            let elsewhere = pattern.bytes().filter(|&b| b == b'o').count();
            if elsewhere > MECHANISM_MEMBERS_SHOWN {
                let sixth = pattern
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'o')
                    .nth(MECHANISM_MEMBERS_SHOWN - 1)
                    .unwrap()
                    .0;
                // The reads for `shown`, then those for `all`.
                assert_eq!(reads.get(), sixth + 1 + pattern.len(), "{pattern}");
            }
        }
    }
}
