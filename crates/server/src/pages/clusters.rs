//! `/clusters` and `/clusters/{id}`: groups of cases from different domains that share one
//! failure mechanism, with a server-side SVG map of clusters against domains.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use maud::{html, Markup};
use notbetter_kb::mechanism::MechanismCluster;
use notbetter_kb::{Cluster, Clustering, KnowledgeBase};
use notbetter_taxonomy::{Case, Dimension};

use super::slug_chips;
use crate::error::AppError;
use crate::layout::page_with;
use crate::markdown::render;
use crate::AppState;

/// The current clusters: computed on the first request, then served from the cache while a
/// background task recomputes them after changes.
/// The check for changes reads the store, so it runs off the async runtime like every other
/// store read.
pub async fn current(state: &AppState) -> Result<Arc<Clustering>, AppError> {
    state.first_clusters().await?;
    let (clustering, stale) = state.run(current_in).await?;
    if stale {
        state.refresh_clusters_in_background();
    }
    Ok(clustering)
}

/// [`current`] for a page that reads the clusters inside its own knowledge-base work (one trip
/// through the work queue per page, not one per read), after [`AppState::first_clusters`].
/// Gives the clusters and whether they are stale: the caller then starts the background
/// refresh.
pub fn current_in(kb: &KnowledgeBase) -> Result<(Arc<Clustering>, bool), AppError> {
    match kb.clusters() {
        Some(c) => Ok((c, !kb.clusters_current().unwrap_or(true))),
        None => Ok((kb.refresh_clusters()?, false)),
    }
}

/// The current clusters and the stored cases that `pick` names in them, read in one trip
/// through the work queue. Not found when `pick` names nothing.
async fn with_cases(
    state: &AppState,
    pick: impl FnOnce(&Clustering) -> Option<Vec<String>> + Send + 'static,
) -> Result<(Arc<Clustering>, Vec<Case>), AppError> {
    state.first_clusters().await?;
    let (clustering, cases, stale) = state
        .run(move |kb| {
            let (clustering, stale) = current_in(kb)?;
            let ids = pick(&clustering).ok_or(AppError::NotFound)?;
            let mut cases = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(s) = kb.get(id)? {
                    cases.push(s.case);
                }
            }
            Ok((clustering, cases, stale))
        })
        .await?;
    if stale {
        state.refresh_clusters_in_background();
    }
    Ok((clustering, cases))
}

/// The cluster map: one row per shown cluster, one column per domain, a dot sized by how many
/// of the cluster's cases come from that domain. Dots are links to the cluster.
fn cluster_map(state: &AppState, shown: &[&Cluster]) -> Markup {
    let t = state.kb.taxonomy();
    let mut domains: Vec<&str> = shown
        .iter()
        .flat_map(|c| c.domains.iter().map(String::as_str))
        .collect();
    domains.sort();
    domains.dedup();
    let label_w = 330;
    let col = 28;
    let row = 26;
    let head = 150;
    let width = label_w + domains.len() * col + 120;
    let height = head + shown.len() * row + 10;
    html! {
        figure.chart.cluster-map {
            svg aria-labelledby="map-title" viewBox=(format!("0 0 {width} {height}")) width="100%" preserveAspectRatio="xMinYMin meet" {
                title #map-title { "Failure mechanisms (rows) against the domains they occur in (columns)" }
                @for (j, d) in domains.iter().enumerate() {
                    @let x = label_w + j * col + col / 2;
                    text.chart-label transform=(format!("translate({x},{}) rotate(-60)", head - 6)) { (t.name(Dimension::Domain, d)) }
                }
                @for (i, c) in shown.iter().enumerate() {
                    @let y = head + i * row + row / 2;
                    a href=(format!("/clusters/{}", c.id)) {
                        text.chart-label x=(label_w - 8) y=(y + 4) text-anchor="end" { (short(&c.label, 44)) }
                        @for (j, d) in domains.iter().enumerate() {
                            @let n = c.domain_counts.get(*d).copied().unwrap_or(0);
                            @if n > 0 {
                                @let r = 4.0 + (n as f64).sqrt() * 3.0;
                                circle.chart-bar cx=(label_w + j * col + col / 2) cy=(y) r=(format!("{:.1}", r.min(12.0))) {
                                    title { (n) " case" @if n != 1 { "s" } " in " (t.name(Dimension::Domain, d)) }
                                }
                            }
                        }
                    }
                }
            }
            figcaption { "Each row is a cluster; each dot shows its cases in one domain (larger dots, more cases)." }
        }
    }
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The cause-level cluster holding most of a mechanism's members (ties: the smaller id).
pub fn parent_of<'a>(clustering: &'a Clustering, m: &MechanismCluster) -> Option<&'a Cluster> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for member in &m.members {
        if let Some(c) = clustering.cluster_of(member) {
            *counts.entry(c.id.as_str()).or_default() += 1;
        }
    }
    let best = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))?;
    clustering.get(best.0)
}

/// Domain names as a short list: the first three, then how many more.
fn domain_names(t: &notbetter_taxonomy::Taxonomy, domains: &[String]) -> String {
    let mut names: Vec<String> = domains
        .iter()
        .take(3)
        .map(|d| t.name(Dimension::Domain, d).to_string())
        .collect();
    if domains.len() > 3 {
        names.push(format!("{} more", domains.len() - 3));
    }
    names.join(", ")
}

/// One mechanism as a list item: its name, summary and fields.
fn mechanism_item(t: &notbetter_taxonomy::Taxonomy, m: &MechanismCluster) -> Markup {
    html! {
        li.mechanism {
            h3 { a href=(format!("/clusters/m/{}", m.id)) { (m.name) } }
            p { (m.summary) " " span.meta { "(" (m.members.len()) " case" @if m.members.len() != 1 { "s" } " in " (m.domains.len()) " domains: " (domain_names(t, &m.domains)) ")" } }
        }
    }
}

pub async fn clusters(State(state): State<AppState>) -> Result<Markup, AppError> {
    let clustering = current(&state).await?;
    let shown: Vec<&Cluster> = clustering.shown();
    let t = state.kb.taxonomy();
    // Mechanisms under the cause-level cluster holding most of their members; the rest by
    // their cause.
    let mut under: BTreeMap<&str, Vec<&MechanismCluster>> = BTreeMap::new();
    let mut orphans: Vec<&MechanismCluster> = Vec::new();
    for m in clustering.mechanisms.cross_field() {
        match parent_of(&clustering, m).filter(|p| shown.iter().any(|s| s.id == p.id)) {
            Some(p) => under.entry(p.id.as_str()).or_default().push(m),
            None => orphans.push(m),
        }
    }
    let mechanisms = clustering.mechanisms.cross_field().count();
    let body = html! {
        h1 { "Failures that cross fields" }
        p.lead {
            "Each cluster groups cases from different domains that share one root cause; beneath it are the "
            strong { "mechanisms" }
            ": the specific ways the failure happened, each recurring in several fields (" (mechanisms) " in all). "
            "Only clusters that span at least two domains are shown, widest first."
        }
        @if shown.is_empty() {
            p { "No cluster spans two domains yet." }
        } @else {
            (cluster_map(&state, &shown))
            ol.clusters-list {
                @for c in &shown {
                    li.cluster {
                        h2 { a href=(format!("/clusters/{}", c.id)) { (c.label) } }
                        p.meta { (c.members.len()) " cases in " (c.domains.len()) " domains: " (slug_chips(t, Dimension::Domain, &c.domains)) }
                        p { (c.mechanism) }
                        @if let Some(ms) = under.get(c.id.as_str()) {
                            ul.mechanisms aria-label=(format!("Mechanisms of {}", c.label)) {
                                @for m in ms { (mechanism_item(t, m)) }
                            }
                        }
                    }
                }
            }
            @if !orphans.is_empty() {
                h2 { "More mechanisms" }
                p { "Mechanisms whose cases sit in clusters within one field." }
                ul.mechanisms {
                    @for m in &orphans { (mechanism_item(t, m)) }
                }
            }
        }
    };
    Ok(page_with("Clusters", "Groups of deep-learning failures from different fields that share one root-cause mechanism.", Some("/api/v1/clusters"), body))
}

/// A search for exactly a cluster's members, by id.
fn members_search(c: &Cluster) -> String {
    let q = c
        .members
        .iter()
        .take(60)
        .map(|m| format!("id:{m}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", &q);
    format!("/search?{}", s.finish())
}

pub async fn cluster(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, AppError> {
    let wanted = id.clone();
    let (clustering, cases) =
        with_cases(&state, move |cl| cl.get(&wanted).map(|c| c.members.clone())).await?;
    let c = clustering.get(&id).ok_or(AppError::NotFound)?.clone();
    let t = state.kb.taxonomy();
    let by_domain = by_field(&cases);
    let mechanisms: Vec<&MechanismCluster> = clustering
        .mechanisms
        .cross_field()
        .filter(|m| parent_of(&clustering, m).is_some_and(|p| p.id == c.id))
        .collect();
    let body = html! {
        nav.crumbs aria-label="Breadcrumb" { a href="/clusters" { "Clusters" } }
        h1 { (c.label) }
        p.lead { (c.mechanism) }
        p {
            "Primary cause: " a href=(format!("/causes/{}", c.cause)) { (t.name(Dimension::Cause, &c.cause)) }
            " · " (c.members.len()) " cases · " a href=(members_search(&c)) { "these cases in the search" }
            " · " a href=(format!("/premortem?description={}", crate::pages::encode(&format!("Our planned project may share this mechanism: {}", c.mechanism)))) { "run a pre-mortem with this mechanism" }
        }
        @if !c.terms.is_empty() { p.aliases { "Distinctive terms: " (c.terms.iter().take(10).cloned().collect::<Vec<_>>().join(", ")) } }
        @if !mechanisms.is_empty() {
            h2 { "Mechanisms in this cluster" }
            ul.mechanisms {
                @for m in &mechanisms { (mechanism_item(t, m)) }
            }
        }
        h2 { "Side by side, by domain" }
        (side_by_side(t, &by_domain))
        @if !c.lessons.is_empty() {
            h2 { "Lessons gathered from the members" }
            ul.lessons {
                @for l in c.lessons.iter().take(12) {
                    li { (render(&l.text)) " " a.from href=(format!("/cases/{}", l.case_id)) { "(from " (l.case_id) ")" } }
                }
            }
        }
    };
    Ok(page_with(
        &c.label,
        &format!(
            "A cluster of deep-learning failures across fields: {}",
            c.mechanism
        ),
        Some(&format!("/api/v1/clusters/{}", c.id)),
        body,
    ))
}

/// `/clusters/m/{id}`: one mechanism, its members side by side by field.
pub async fn mechanism(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, AppError> {
    let wanted = id.clone();
    let (clustering, cases) = with_cases(&state, move |cl| {
        cl.mechanisms.get(&wanted).map(|m| m.members.clone())
    })
    .await?;
    let m = clustering
        .mechanisms
        .get(&id)
        .ok_or(AppError::NotFound)?
        .clone();
    let parent = parent_of(&clustering, &m).map(|c| (c.id.clone(), c.label.clone()));
    let t = state.kb.taxonomy();
    let by_domain = by_field(&cases);
    let body = html! {
        nav.crumbs aria-label="Breadcrumb" {
            a href="/clusters" { "Clusters" }
            @if let Some((pid, label)) = &parent { " › " a href=(format!("/clusters/{pid}")) { (label) } }
        }
        h1 { (m.name) }
        p.lead { (m.summary) }
        p {
            "A mechanism of " a href=(format!("/causes/{}", m.cause)) { (t.name(Dimension::Cause, &m.cause)) }
            " · " (m.members.len()) " cases in " (m.domains.len()) " domains"
            " · " a href=(format!("/premortem?description={}", crate::pages::encode(&format!("Our planned project may share this mechanism: {}. {}", m.name, m.summary)))) { "run a pre-mortem with this mechanism" }
        }
        h2 { "Side by side, by domain" }
        (side_by_side(t, &by_domain))
        @if !m.lessons.is_empty() {
            h2 { "Lessons from these cases" }
            ul.lessons {
                @for l in &m.lessons {
                    li { (render(&l.text)) " " a.from href=(format!("/cases/{}", l.case_id)) { "(from " (l.case_id) ")" } }
                }
            }
        }
    };
    Ok(page_with(
        &m.name,
        &format!(
            "A failure mechanism that recurs across fields: {}",
            m.summary
        ),
        Some(&format!("/api/v1/clusters/{}", m.id)),
        body,
    ))
}

/// Cases grouped by their top-level domains (a case in two fields shows in both).
fn by_field(
    cases: &[notbetter_taxonomy::Case],
) -> BTreeMap<String, Vec<&notbetter_taxonomy::Case>> {
    let mut by_domain: BTreeMap<String, Vec<&notbetter_taxonomy::Case>> = BTreeMap::new();
    for case in cases {
        let mut tops: Vec<&str> = case
            .slugs(Dimension::Domain, notbetter_taxonomy::LabelState::Confirmed)
            .map(|d| d.split('/').next().unwrap_or(d))
            .collect();
        tops.sort_unstable();
        tops.dedup();
        for d in tops {
            by_domain.entry(d.to_string()).or_default().push(case);
        }
    }
    by_domain
}

/// Columns of cases, one per field.
fn side_by_side(
    t: &notbetter_taxonomy::Taxonomy,
    by_domain: &BTreeMap<String, Vec<&notbetter_taxonomy::Case>>,
) -> Markup {
    html! {
        div.side-by-side {
            @for (d, cs) in by_domain {
                section.column {
                    h3 { a href=(format!("/domains/{d}")) { (t.name(Dimension::Domain, d)) } }
                    ul {
                        @for case in cs {
                            li {
                                a href=(format!("/cases/{}", case.id)) { (case.title) } @if let Some(y) = case.year { " (" (y) ")" }
                                @let pattern = first_sentence(&case.pattern);
                                @if !pattern.is_empty() { p.pattern { (pattern) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The first sentence of a text: up to the first full stop, question or exclamation mark that
/// ends a word and is followed by a space (the whole text if none is).
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    text.char_indices()
        .find(|&(i, ch)| {
            matches!(ch, '.' | '?' | '!')
                && text[..i].ends_with(|c: char| c.is_alphanumeric() || c == ')')
                && text[i + 1..].starts_with(' ')
        })
        .map_or(text, |(i, _)| &text[..=i])
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentences_end_at_a_full_stop_after_a_word() {
        assert_eq!(first_sentence(" One thing. Another. "), "One thing.");
        assert_eq!(first_sentence("Why? Because."), "Why?");
        assert_eq!(first_sentence("No stop at all"), "No stop at all");
        assert_eq!(
            first_sentence("A split (of sites). Then"),
            "A split (of sites)."
        );
        assert_eq!(first_sentence(""), "");
    }
}
