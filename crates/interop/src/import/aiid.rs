//! AI Incident Database incidents: a GraphQL export (`{"data": {"incidents": [...]}}`, or a bare
//! array of incidents) and, beside it, the GMF annotations (`{incident_id: {taxonomies: {task,
//! technology, failure: [{label, confidence}]}}}`). Files are told apart by their content; the
//! GMF taxonomy definition is passed over.
//!
//! Mapping: the title is the title; an export's `description`, where present, is the outcome;
//! the report links (with titles and authors) are the references. The export has no use case,
//! solution or investigation, so incidents are incomplete. GMF technical-failure labels map
//! onto causes ([`gmf_cause`]): `known` ones are confirmed, `potential` ones kept as inferred
//! labels, and labels with no counterpart kept as unmapped. An incident without a mapped or
//! proposed cause gets causes inferred from its title, description and report titles, or none.
//! Deployers and developers are tags, harmed parties `harmed: ...` tags, and known GMF tasks
//! and technologies tags too.

use std::collections::HashMap;
use std::path::PathBuf;

use notbetter_ingest::{Diagnostic, Location};
use notbetter_taxonomy::{Dimension, Mapping, Taxonomy};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::common::{
    collect_files, make_id, malformed, push_tag, read_text, reference, set_year, text,
};
use super::Draft;

fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct Incident {
    incident_id: Value,
    title: Option<String>,
    description: Option<String>,
    date: Option<String>,
    #[serde(
        rename = "AllegedDeployerOfAISystem",
        default,
        deserialize_with = "list"
    )]
    deployers: Vec<Entity>,
    #[serde(
        rename = "AllegedDeveloperOfAISystem",
        default,
        deserialize_with = "list"
    )]
    developers: Vec<Entity>,
    #[serde(
        rename = "AllegedHarmedOrNearlyHarmedParties",
        default,
        deserialize_with = "list"
    )]
    harmed: Vec<Entity>,
    #[serde(default, deserialize_with = "list")]
    reports: Vec<Report>,
}

#[derive(Deserialize)]
struct Entity {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Report {
    title: Option<String>,
    url: Option<String>,
    #[serde(default, deserialize_with = "list")]
    authors: Vec<String>,
}

/// GMF labels whose wording is not an alias in the taxonomy but whose meaning is a cause there.
/// The rest go through the taxonomy's aliases ("Covariate Shift", "Dataset Imbalance", "Data or
/// Labelling Noise", "Generalization Failure", ...) or stay unmapped ("Overfitting", "Tuning
/// Issues", "Context Misidentification", "Software Bug", ...).
pub(super) const GMF_CAUSES: &[(&str, &str)] = &[
    ("adversarial data", "deployment/security"),
    ("black swan event", "data/distribution-shift"),
    ("distributional artifacts", "model/shortcut-learning"),
    ("gaming vulnerability", "deployment/security"),
    ("inadequate data sampling", "data/bias"),
    ("lack of adversarial robustness", "model/robustness"),
    ("lack of explainability", "model/interpretability"),
    ("lack of transparency", "model/interpretability"),
    ("limited dataset", "data/data-scarcity"),
    ("misconfigured threshold", "deployment/workflow-integration"),
    ("misinformation generation hazard", "model/hallucination"),
    ("unsafe exposure or access", "deployment/security"),
];

/// The cause slug a GMF technical-failure label maps onto, if any.
pub fn gmf_cause(taxonomy: &Taxonomy, label: &str) -> Option<String> {
    let key = label.trim().to_lowercase();
    if let Some((_, slug)) = GMF_CAUSES.iter().find(|(l, _)| *l == key) {
        return Some(slug.to_string());
    }
    // Only exact aliases: a GMF label that is not one is kept verbatim (unmapped) for a
    // curator, since the importer marks these labels confirmed or inferred by GMF's own
    // confidence, not by ours.
    match taxonomy.map(Dimension::Cause, label) {
        Mapping::Mapped { slug } => Some(slug),
        Mapping::Matched { .. } | Mapping::Unmapped { .. } => None,
    }
}

/// One GMF label with whether the annotator was sure of it.
struct Gmf {
    label: String,
    known: bool,
}

/// GMF labels by incident id and kind (`task`, `technology`, `failure`).
type Annotations = HashMap<String, HashMap<String, Vec<Gmf>>>;

fn read_annotations(map: &serde_json::Map<String, Value>, into: &mut Annotations) {
    for (id, entry) in map {
        let Some(Value::Object(kinds)) = entry.get("taxonomies") else {
            continue;
        };
        let slot = into.entry(id.trim().to_string()).or_default();
        for (kind, labels) in kinds {
            let labels = labels.as_array().into_iter().flatten().filter_map(|l| {
                Some(Gmf {
                    label: text(l.get("label")?.as_str())?,
                    known: l.get("confidence").and_then(Value::as_str) != Some("potential"),
                })
            });
            slot.entry(kind.clone()).or_default().extend(labels);
        }
    }
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => text(Some(s)),
        _ => None,
    }
}

fn draft(
    value: Value,
    file: &str,
    location: Location,
    gmf: &Annotations,
    taxonomy: &Taxonomy,
    diags: &mut Vec<Diagnostic>,
) -> Option<Draft> {
    let incident: Incident = match serde_json::from_value(value) {
        Ok(i) => i,
        Err(e) => {
            malformed(diags, file, location, "AIID incident", e);
            return None;
        }
    };
    let Some((source_id, id)) =
        id_text(&incident.incident_id).and_then(|s| Some((s.clone(), make_id("aiid", &s)?)))
    else {
        malformed(
            diags,
            file,
            location,
            "AIID incident",
            format!(
                "incident_id {} is not a number or an id",
                incident.incident_id
            ),
        );
        return None;
    };
    let mut d = Draft::new(file, location);
    d.form.id = id;
    if let Some(title) = text(incident.title.as_deref()) {
        d.form.title = title;
    }
    set_year(&mut d, incident.date.as_deref());
    if let Some(description) = text(incident.description.as_deref()) {
        d.form.outcome = description;
    }
    let mut tags = Vec::new();
    for e in incident.deployers.iter().chain(&incident.developers) {
        if let Some(name) = text(e.name.as_deref()) {
            push_tag(&mut tags, &name);
        }
    }
    for e in &incident.harmed {
        if let Some(name) = text(e.name.as_deref()) {
            push_tag(&mut tags, &format!("harmed: {name}"));
        }
    }
    let labels = gmf.get(&source_id);
    for kind in ["task", "technology"] {
        for g in labels
            .and_then(|l| l.get(kind))
            .into_iter()
            .flatten()
            .filter(|g| g.known)
        {
            push_tag(&mut tags, &g.label);
        }
    }
    for g in labels.and_then(|l| l.get("failure")).into_iter().flatten() {
        match (gmf_cause(taxonomy, &g.label), g.known) {
            (Some(slug), true) => {
                if !d.causes.iter().any(|(s, _)| *s == slug) {
                    d.causes.push((slug, g.label.clone()));
                }
            }
            (Some(slug), false) => {
                if !d.potential.iter().any(|(s, _)| *s == slug) {
                    d.potential.push((slug, g.label.clone()));
                }
            }
            (None, _) => {
                if !d.causes.iter().any(|(s, _)| *s == g.label) {
                    d.causes.push((g.label.clone(), g.label.clone()));
                }
            }
        }
    }
    d.form.tags = tags;
    let mut refs = Vec::new();
    let mut titles = Vec::new();
    for (i, r) in incident.reports.iter().enumerate() {
        titles.extend(text(r.title.as_deref()));
        if let Some(mut reference) = reference(&mut d, i + 1, r.title.as_deref(), r.url.as_deref())
        {
            reference.authors = r.authors.iter().filter_map(|a| text(Some(a))).collect();
            refs.push(reference);
        }
    }
    d.extra_text = titles.join(". ");
    d.form.references = refs;
    d.form.source_url = Some(format!("https://incidentdatabase.ai/cite/{source_id}/"));
    d.form.source_id = Some(source_id);
    Some(d)
}

/// Every incident in the `.json` files under `paths`, with the GMF annotations found there.
pub fn drafts(paths: &[PathBuf], taxonomy: &Taxonomy, diags: &mut Vec<Diagnostic>) -> Vec<Draft> {
    let mut gmf = Annotations::new();
    let mut incidents: Vec<(String, Location, Value)> = Vec::new();
    for path in collect_files(paths, &["json"], diags) {
        let Some(source) = read_text(&path, diags) else {
            continue;
        };
        let file = path.display().to_string();
        let doc: Value = match serde_json::from_str(&source) {
            Ok(v) => v,
            Err(e) => {
                malformed(
                    diags,
                    &file,
                    Location::Line(e.line().max(1)),
                    "AIID file",
                    format!("not valid JSON: {e}"),
                );
                continue;
            }
        };
        let list = match doc {
            Value::Object(mut map) => {
                if let Some(Value::Array(items)) = map
                    .get_mut("data")
                    .and_then(|d| d.get_mut("incidents"))
                    .map(Value::take)
                {
                    Some(items)
                } else if map.contains_key("field_list") && map.contains_key("namespace") {
                    None // the taxonomy definition
                } else if !map.is_empty() && map.values().all(|v| v.get("taxonomies").is_some()) {
                    read_annotations(&map, &mut gmf);
                    None
                } else {
                    diags.push(Diagnostic::warning(
                        &file,
                        Location::Whole,
                        None,
                        "not AIID incidents nor GMF annotations; skipped",
                    ));
                    None
                }
            }
            Value::Array(items) => Some(items),
            _ => {
                diags.push(Diagnostic::warning(
                    &file,
                    Location::Whole,
                    None,
                    "not AIID incidents nor GMF annotations; skipped",
                ));
                None
            }
        };
        for (i, v) in list.into_iter().flatten().enumerate() {
            incidents.push((file.clone(), Location::Record(i + 1), v));
        }
    }
    incidents
        .into_iter()
        .filter_map(|(file, location, v)| draft(v, &file, location, &gmf, taxonomy, diags))
        .collect()
}
