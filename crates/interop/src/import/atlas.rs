//! MITRE ATLAS case studies, from the compiled `dist/ATLAS.yaml` (placeholders resolved, with
//! the matrices that name tactics and techniques) or from single case-study files
//! (`data/case-studies/AML.CS*.yaml`, whose `{{...}}` placeholders are shown as words).
//!
//! When both are found, a single file whose case study is also in a compiled file is passed
//! over: it is the same case study, less readable. Mapping: the name is the title, the summary
//! the use case, and the procedure, step by step, the outcome; ATLAS has no proposed solution
//! or investigation. Every case study is an attack, so each gets `deployment/security`, and
//! `model/robustness` too when a step crafts adversarial input (evasion, adversarial data,
//! prompt injection, jailbreak); the failure mode is safety and reliability. Case-study type,
//! target, actor, reporter and techniques are kept as tags.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use notbetter_ingest::{Diagnostic, Location};
use serde::Deserialize;
use serde_norway::Value as Yaml;

use super::common::{
    collect_files, make_id, malformed, push_tag, read_text, reference, set_year, text,
};
use super::Draft;

/// Techniques that craft adversarial input, which make an attack a robustness failure too.
const ADVERSARIAL_INPUT: &[&str] = &[
    "AML.T0015", // Evade AI Model
    "AML.T0031", // Erode AI Model Integrity
    "AML.T0043", // Craft Adversarial Data
    "AML.T0051", // LLM Prompt Injection
    "AML.T0054", // LLM Jailbreak
    "AML.T0068", // LLM Prompt Obfuscation
];

#[derive(Deserialize)]
struct CaseStudy {
    id: String,
    name: Option<String>,
    summary: Option<String>,
    #[serde(rename = "incident-date")]
    incident_date: Option<Yaml>,
    #[serde(default)]
    procedure: Option<Vec<Step>>,
    target: Option<String>,
    actor: Option<String>,
    reporter: Option<String>,
    #[serde(rename = "case-study-type")]
    kind: Option<String>,
    #[serde(default)]
    references: Option<Vec<AtlasReference>>,
}

#[derive(Deserialize)]
struct Step {
    tactic: Option<String>,
    technique: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct AtlasReference {
    title: Option<String>,
    url: Option<String>,
}

/// Tactic and technique names by id, from the compiled file's matrices.
#[derive(Default)]
struct Names(HashMap<String, String>);

impl Names {
    fn add_matrices(&mut self, matrices: Option<&Yaml>) {
        let str_of = |v: &Yaml, k: &str| v.get(k).and_then(Yaml::as_str).map(str::to_string);
        let items = matrices
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
            .flat_map(|m| ["tactics", "techniques"].map(|k| m.get(k)))
            .flatten()
            .filter_map(Yaml::as_sequence)
            .flatten();
        let mut parents = Vec::new();
        for item in items {
            if let (Some(id), Some(name)) = (str_of(item, "id"), str_of(item, "name")) {
                if let Some(parent) = str_of(item, "subtechnique-of") {
                    parents.push((id.clone(), parent));
                }
                self.0.insert(id, name);
            }
        }
        for (id, parent) in parents {
            if let (Some(p), Some(n)) = (self.0.get(&parent).cloned(), self.0.get(&id).cloned()) {
                self.0.insert(id, format!("{p}: {n}"));
            }
        }
    }

    /// The name of a tactic or technique id; a raw file's `{{name.id}}` placeholder as words.
    fn name(&self, id: &str) -> String {
        let id = id.trim();
        if let Some(name) = self.0.get(id) {
            return format!("{name} ({id})");
        }
        words(id)
    }
}

/// Shows `{{victim_research_preprint.id}}` placeholders as `victim research preprint`.
pub(super) fn words(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = rest[start + 2..start + len].trim();
        let inner = inner
            .strip_suffix(".id")
            .or(inner.strip_suffix(".name"))
            .unwrap_or(inner);
        out.push_str(&inner.replace('_', " "));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn draft(study: CaseStudy, names: &Names, file: &str, location: Location) -> Option<Draft> {
    let id = make_id("atlas", &study.id)?;
    let mut d = Draft::new(file, location);
    d.form.id = id;
    if let Some(name) = text(study.name.as_deref()) {
        d.form.title = words(&name);
    }
    let date = match &study.incident_date {
        Some(Yaml::String(s)) => Some(s.clone()),
        Some(Yaml::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    set_year(&mut d, date.as_deref());
    if let Some(summary) = text(study.summary.as_deref()) {
        d.form.use_case = words(&summary);
    }
    let steps = study.procedure.unwrap_or_default();
    let mut outcome = Vec::new();
    let mut tags = Vec::new();
    for t in [&study.kind, &study.target, &study.actor, &study.reporter] {
        if let Some(t) = text(t.as_deref()) {
            push_tag(&mut tags, &t);
        }
    }
    d.causes.push((
        "deployment/security".into(),
        "MITRE ATLAS case study (an attack on an AI system)".into(),
    ));
    for (i, step) in steps.iter().enumerate() {
        let technique = step.technique.as_deref().map(|t| names.name(t));
        let head = [
            step.tactic.as_deref().map(|t| names.name(t)),
            technique.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
        let body = text(step.description.as_deref())
            .map(|s| words(&s))
            .unwrap_or_default();
        outcome.push(format!("{}. {head}\n{body}", i + 1).trim_end().to_string());
        if let Some(tech) = step.technique.as_deref().map(str::trim) {
            if let Some(name) = names.0.get(tech) {
                push_tag(&mut tags, name);
            }
            let adversarial = ADVERSARIAL_INPUT
                .iter()
                .any(|p| tech == *p || tech.strip_prefix(p).is_some_and(|r| r.starts_with('.')));
            if adversarial && !d.causes.iter().any(|(s, _)| s == "model/robustness") {
                let wording = technique.clone().unwrap_or_else(|| tech.to_string());
                d.causes.push(("model/robustness".into(), wording));
            }
        }
    }
    if !outcome.is_empty() {
        d.form.outcome = outcome.join("\n\n");
    }
    d.form.failure_modes = vec!["safety-reliability".to_string()];
    d.form.tags = tags;
    let mut refs = Vec::new();
    for (i, r) in study.references.unwrap_or_default().iter().enumerate() {
        refs.extend(reference(
            &mut d,
            i + 1,
            r.title.as_deref(),
            r.url.as_deref(),
        ));
    }
    d.form.references = refs;
    d.form.source_id = Some(study.id.trim().to_string());
    d.form.source_url = Some(format!(
        "https://atlas.mitre.org/studies/{}",
        study.id.trim()
    ));
    Some(d)
}

/// Every case study in the `.yaml` and `.yml` files under `paths`.
pub fn drafts(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<Draft> {
    let mut names = Names::default();
    let mut compiled: Vec<(String, Location, Yaml)> = Vec::new();
    let mut single: Vec<(String, Yaml)> = Vec::new();
    for path in collect_files(paths, &["yaml", "yml"], diags) {
        let Some(source) = read_text(&path, diags) else {
            continue;
        };
        let file = path.display().to_string();
        let doc: Yaml = match serde_norway::from_str(&source) {
            Ok(v) => v,
            Err(e) => {
                let location = e
                    .location()
                    .map_or(Location::Whole, |l| Location::Line(l.line()));
                malformed(
                    diags,
                    &file,
                    location,
                    "ATLAS file",
                    format!("not valid YAML: {e}"),
                );
                continue;
            }
        };
        if let Some(studies) = doc.get("case-studies") {
            names.add_matrices(doc.get("matrices"));
            match studies.as_sequence() {
                Some(items) => compiled.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (file.clone(), Location::Record(i + 1), v.clone())),
                ),
                None => malformed(
                    diags,
                    &file,
                    Location::Whole,
                    "ATLAS file",
                    "`case-studies` is not a list",
                ),
            }
        } else if doc.get("procedure").is_some()
            || doc.get("object-type").and_then(Yaml::as_str) == Some("case-study")
        {
            single.push((file, doc));
        } else {
            diags.push(Diagnostic::warning(
                file,
                Location::Whole,
                None,
                "not an ATLAS case study nor a compiled ATLAS.yaml; skipped",
            ));
        }
    }
    let in_compiled: HashSet<String> = compiled
        .iter()
        .filter_map(|(_, _, v)| {
            v.get("id")
                .and_then(Yaml::as_str)
                .map(|s| s.trim().to_string())
        })
        .collect();
    let single = single.into_iter().filter(|(_, v)| {
        let id = v.get("id").and_then(Yaml::as_str).map(str::trim);
        !id.is_some_and(|id| in_compiled.contains(id))
    });
    let all = compiled
        .into_iter()
        .chain(single.map(|(f, v)| (f, Location::Whole, v)));
    let mut out = Vec::new();
    for (file, location, value) in all {
        match serde_norway::from_value::<CaseStudy>(value) {
            Ok(study) => {
                let raw_id = study.id.clone();
                match draft(study, &names, &file, location) {
                    Some(d) => out.push(d),
                    None => malformed(
                        diags,
                        &file,
                        location,
                        "ATLAS case study",
                        format!("id `{raw_id}` has no letters or digits"),
                    ),
                }
            }
            Err(e) => malformed(diags, &file, location, "ATLAS case study", e),
        }
    }
    out
}
