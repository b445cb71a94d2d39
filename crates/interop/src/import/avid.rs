//! AVID (AI Vulnerability Database) reports and vulnerabilities: one JSON object per file in
//! avid-db (`reports/YYYY/AVID-YYYY-R####.json`, `vulnerabilities/...`), or arrays and JSON
//! Lines of them.
//!
//! Mapping: the problem type's description is the title and the description (with any metric
//! results) the outcome; AVID has no use case, solution or investigation, so those stay empty.
//! The SEP view maps onto causes by code ([`sep_causes`]); codes that name a harm rather than a
//! cause stay as unmapped labels. A garak probe named in the title adds the cause its module
//! names (`notbetter_taxonomy::garak_probe_cause`). The risk domain maps onto failure modes,
//! `LLM Evaluation` reports onto the language-technology domain and the large-language-model
//! method (the only model family AVID states), and the lifecycle view, the report class and
//! type and the affected artifacts and developers are kept as tags.

use std::path::PathBuf;

use notbetter_ingest::{Diagnostic, Location};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::common::{
    collect_files, make_id, malformed, push_tag, read_text, reference, set_year, text,
};
use super::Draft;

/// A list that may be `null` or missing.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct Record {
    data_type: Option<String>,
    metadata: Option<Metadata>,
    affects: Option<Affects>,
    problemtype: Option<ProblemType>,
    #[serde(default, deserialize_with = "list")]
    metrics: Vec<Value>,
    #[serde(default, deserialize_with = "list")]
    references: Vec<AvidReference>,
    description: Option<LangValue>,
    impact: Option<Impact>,
    reported_date: Option<String>,
    published_date: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    report_id: Option<String>,
    vuln_id: Option<String>,
}

#[derive(Deserialize)]
struct Affects {
    #[serde(default, deserialize_with = "list")]
    developer: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    artifacts: Vec<Artifact>,
}

#[derive(Deserialize)]
struct Artifact {
    name: Option<String>,
}

#[derive(Deserialize)]
struct ProblemType {
    classof: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<LangValue>,
}

#[derive(Deserialize)]
struct LangValue {
    value: Option<String>,
}

#[derive(Deserialize)]
struct AvidReference {
    label: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct Impact {
    avid: Option<AvidImpact>,
}

#[derive(Deserialize)]
struct AvidImpact {
    #[serde(default, deserialize_with = "list")]
    risk_domain: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    sep_view: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    lifecycle_view: Vec<String>,
}

pub use notbetter_taxonomy::avid_sep_causes as sep_causes;

/// The failure mode an AVID risk domain maps onto.
fn risk_failure_mode(domain: &str) -> Option<&'static str> {
    match domain.trim().to_ascii_lowercase().as_str() {
        "security" => Some("safety-reliability"),
        "ethics" => Some("ethical-societal"),
        "performance" => Some("suboptimal-performance"),
        _ => None,
    }
}

/// A JSON value as compact text, for metric results.
fn flat(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        Value::Array(items) => items
            .iter()
            .map(flat)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k, flat(v)))
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// One metric as a line of the outcome: its name and method, then its results as given.
pub(super) fn metric_line(m: &Value) -> Option<String> {
    let Value::Object(map) = m else {
        return Some(flat(m)).filter(|s| !s.is_empty());
    };
    let mut head: Vec<String> = Vec::new();
    for key in ["name", "scorer", "metrics"] {
        if let Some(s) = map.get(key).map(flat).filter(|s| !s.is_empty()) {
            head.push(s);
        }
    }
    if let Some(Value::Object(dm)) = map.get("detection_method") {
        let method = [dm.get("type"), dm.get("name")]
            .into_iter()
            .flatten()
            .map(flat)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        if !method.is_empty() {
            head.push(format!("({method})"));
        }
    }
    let mut body: Vec<String> = Vec::new();
    for (key, value) in map {
        if ["name", "scorer", "metrics", "detection_method"].contains(&key.as_str()) {
            continue;
        }
        let rows = value.get("rows").and_then(Value::as_array);
        match (key.as_str(), rows) {
            ("results", Some(rows)) => body.extend(rows.iter().map(|row| {
                match (
                    row.get("detector"),
                    row.get("passed"),
                    row.get("total_evaluated"),
                ) {
                    (Some(d), Some(p), Some(t)) => {
                        let score = row.get("score").map(|s| format!(" (score {})", flat(s)));
                        format!(
                            "{}: {} of {} passed{}",
                            flat(d),
                            flat(p),
                            flat(t),
                            score.unwrap_or_default()
                        )
                    }
                    _ => flat(row),
                }
            })),
            ("results" | "value", _) => body.push(flat(value)),
            _ => body.push(format!("{key}: {}", flat(value))),
        }
    }
    body.retain(|s| !s.is_empty());
    let line = match (head.is_empty(), body.is_empty()) {
        (true, true) => return None,
        (false, true) => head.join(" "),
        (true, false) => body.join("; "),
        (false, false) => format!("{}: {}", head.join(" "), body.join("; ")),
    };
    Some(format!("- {line}"))
}

/// One AVID record as a draft, or `None` (with an error) when it cannot be read.
fn draft(
    value: Value,
    file: &str,
    location: Location,
    diags: &mut Vec<Diagnostic>,
) -> Option<Draft> {
    let record: Record = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => {
            malformed(diags, file, location, "AVID record", e);
            return None;
        }
    };
    if let Some(kind) = record.data_type.as_deref().filter(|k| *k != "AVID") {
        malformed(
            diags,
            file,
            location,
            "AVID record",
            format!("data_type is `{kind}`, expected `AVID`"),
        );
        return None;
    }
    let meta = record.metadata.as_ref();
    let (source_id, folder) = match (
        meta.and_then(|m| text(m.report_id.as_deref())),
        meta.and_then(|m| text(m.vuln_id.as_deref())),
    ) {
        (Some(id), _) => (id, "reports"),
        (None, Some(id)) => (id, "vulnerabilities"),
        (None, None) => {
            malformed(
                diags,
                file,
                location,
                "AVID record",
                "no metadata.report_id or metadata.vuln_id",
            );
            return None;
        }
    };
    let bare = source_id
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("avid-"))
        .map_or(source_id.as_str(), |_| &source_id[5..]);
    let Some(id) = make_id("avid", bare) else {
        malformed(
            diags,
            file,
            location,
            "AVID record",
            format!("id `{source_id}` has no letters or digits"),
        );
        return None;
    };
    let mut d = Draft::new(file, location);
    d.form.id = id;
    let problem = record.problemtype.as_ref();
    if let Some(title) = problem
        .and_then(|p| p.description.as_ref())
        .and_then(|l| text(l.value.as_deref()))
    {
        d.form.title = title;
    }
    set_year(
        &mut d,
        record
            .reported_date
            .as_deref()
            .or(record.published_date.as_deref()),
    );

    let mut outcome: Vec<String> = record
        .description
        .as_ref()
        .and_then(|l| text(l.value.as_deref()))
        .into_iter()
        .collect();
    let metrics: Vec<String> = record.metrics.iter().filter_map(metric_line).collect();
    if !metrics.is_empty() {
        outcome.push(format!("Metrics:\n{}", metrics.join("\n")));
    }
    if !outcome.is_empty() {
        d.form.outcome = outcome.join("\n\n");
    }

    let avid = record.impact.as_ref().and_then(|i| i.avid.as_ref());
    let mut tags = Vec::new();
    let classof = problem.and_then(|p| text(p.classof.as_deref()));
    if classof.as_deref() == Some("LLM Evaluation") {
        d.form.domains = vec!["language-technology".to_string()];
        // The one model family AVID states: its class names large language models.
        d.form.methods = vec!["large language model".to_string()];
    }
    for t in [classof, problem.and_then(|p| text(p.kind.as_deref()))]
        .into_iter()
        .flatten()
    {
        push_tag(&mut tags, &t);
    }
    if let Some(affects) = &record.affects {
        for name in affects.artifacts.iter().filter_map(|a| a.name.as_deref()) {
            push_tag(&mut tags, name);
        }
        for dev in &affects.developer {
            push_tag(&mut tags, dev);
        }
    }
    if let Some(avid) = avid {
        for stage in &avid.lifecycle_view {
            push_tag(&mut tags, stage);
        }
        let modes: Vec<&str> = avid
            .risk_domain
            .iter()
            .filter_map(|r| risk_failure_mode(r))
            .collect();
        d.form.failure_modes = modes.iter().map(|m| m.to_string()).collect();
        for sep in &avid.sep_view {
            let sep = sep.trim();
            let code = sep.split(':').next().unwrap_or("").trim();
            let mapped = sep_causes(&code.to_ascii_uppercase());
            if mapped.is_empty() && !sep.is_empty() {
                d.causes.push((sep.to_string(), sep.to_string()));
            }
            for slug in mapped {
                if !d.causes.iter().any(|(s, _)| s == slug) {
                    d.causes.push((slug.to_string(), sep.to_string()));
                }
            }
        }
    }
    // The garak probe the title names says what was tried (AVID's code for it is shared by
    // robustness and security, and package hallucination has none).
    if let Some((probe, slug)) = notbetter_taxonomy::garak_probe_cause(&d.form.title) {
        if !d.causes.iter().any(|(s, _)| s == slug) {
            d.causes
                .push((slug.to_string(), format!("garak probe {probe}")));
        }
    }
    d.form.tags = tags;

    let mut refs = Vec::new();
    for (i, r) in record.references.iter().enumerate() {
        refs.extend(reference(
            &mut d,
            i + 1,
            r.label.as_deref(),
            r.url.as_deref(),
        ));
    }
    d.form.references = refs;
    d.form.source_id = Some(source_id.clone());
    if let Some(year) = bare
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
    {
        d.form.source_url = Some(format!(
            "https://github.com/avidml/avid-db/blob/main/{folder}/{year}/{source_id}.json"
        ));
    }
    Some(d)
}

/// Every record in the `.json` and `.jsonl` files under `paths`.
pub fn drafts(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<Draft> {
    let mut out = Vec::new();
    for path in collect_files(paths, &["json", "jsonl"], diags) {
        let Some(text) = read_text(&path, diags) else {
            continue;
        };
        let file = path.display().to_string();
        let jsonl = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
        if jsonl {
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let location = Location::JsonLine(i + 1);
                match serde_json::from_str::<Value>(line) {
                    Ok(v) => out.extend(draft(v, &file, location, diags)),
                    Err(e) => malformed(
                        diags,
                        &file,
                        location,
                        "AVID record",
                        format!("not valid JSON: {e}"),
                    ),
                }
            }
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Array(items)) => {
                for (i, v) in items.into_iter().enumerate() {
                    out.extend(draft(v, &file, Location::Record(i + 1), diags));
                }
            }
            Ok(v) => out.extend(draft(v, &file, Location::Whole, diags)),
            Err(e) => malformed(
                diags,
                &file,
                Location::Line(e.line().max(1)),
                "AVID record",
                format!("not valid JSON: {e}"),
            ),
        }
    }
    out
}
