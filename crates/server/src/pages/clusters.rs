//! `/clusters`, first version: one row per cause, with the domains it spans and its cases,
//! sorted by how many domains it spans.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use maud::{html, Markup};
use notbetter_taxonomy::{Dimension, LabelState};

use super::{search_url, slug_chips};
use crate::error::AppError;
use crate::layout::page;
use crate::AppState;
use notbetter_kb::FacetDim;

pub async fn clusters(State(state): State<AppState>) -> Result<Markup, AppError> {
    let rows = state
        .run(|kb| {
            let mut by_cause: BTreeMap<String, (BTreeSet<String>, Vec<(String, String)>)> =
                BTreeMap::new();
            kb.store().for_each(|c| {
                let tops: BTreeSet<String> = c
                    .slugs(Dimension::Domain, LabelState::Confirmed)
                    .map(|d| d.split('/').next().unwrap_or(d).to_string())
                    .collect();
                for cause in c.slugs(Dimension::Cause, LabelState::Confirmed) {
                    let e = by_cause.entry(cause.to_string()).or_default();
                    e.0.extend(tops.iter().cloned());
                    e.1.push((c.id.clone(), c.title.clone()));
                }
            })?;
            let mut rows: Vec<_> = by_cause
                .into_iter()
                .filter(|(_, (d, _))| d.len() >= 2)
                .collect();
            rows.sort_by(|a, b| {
                b.1 .0
                    .len()
                    .cmp(&a.1 .0.len())
                    .then(b.1 .1.len().cmp(&a.1 .1.len()))
                    .then(a.0.cmp(&b.0))
            });
            Ok(rows)
        })
        .await?;
    let t = state.kb.taxonomy();
    let body = html! {
        h1 { "Shared causes across domains" }
        p.lead { "Each row is one cause of failure and the fields where it struck. The same mechanism often recurs in fields that rarely read each other's papers." }
        table.clusters {
            thead { tr { th scope="col" { "Cause" } th scope="col" { "Domains" } th scope="col" { "Cases" } } }
            tbody {
                @for (cause, (domains, cases)) in &rows {
                    tr {
                        th scope="row" { a href=(format!("/causes/{cause}")) { (t.name(Dimension::Cause, cause)) } }
                        td { (domains.len()) ": " (slug_chips(t, Dimension::Domain, &domains.iter().cloned().collect::<Vec<_>>())) }
                        td { a href=(search_url(FacetDim::Cause, cause)) { (cases.len()) " cases" } }
                    }
                }
            }
        }
    };
    Ok(page(
        "Clusters",
        "Causes of deep-learning failure that recur across domains.",
        body,
    ))
}
