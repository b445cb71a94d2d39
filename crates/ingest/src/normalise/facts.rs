//! Checking a record's evidence table (`true`, `false` or `"unknown"` with a reason) and its
//! review (date, primary sources that are not mirrors, verdict, notes).

use notbetter_taxonomy::{Evidence, Fact, Review, Verdict};
use serde_json::{Map, Value};

use super::{kind, show, Ctx};
use crate::diagnostic::Severity;
use crate::mirrors::mirror_of;
use crate::refs::{classify_reference, RefKind};

const EVIDENCE_KEYS: [&str; 4] = [
    "code_available",
    "data_available",
    "external_validation",
    "unknown_reason",
];
const REVIEW_KEYS: [&str; 4] = ["date", "against", "verdict", "notes"];

/// The field a diagnostic on `table.key` names: the key's own (with its line) where the
/// input records lines for it or records no lines at all (JSON), else the table (whose header
/// line is the best place to point at for a missing key).
fn at(cx: &Ctx<'_>, table: &str, key: &str) -> String {
    let qualified = format!("{table}.{key}");
    let lines = &cx.record.field_lines;
    if lines.is_empty() || lines.contains_key(&qualified) || !lines.contains_key(table) {
        qualified
    } else {
        table.to_string()
    }
}

/// Reports a problem with `table.key`: on the key's own line where known, else on the table's,
/// naming the key in the message.
fn report(cx: &mut Ctx<'_>, severity: Severity, table: &str, key: &str, message: String) {
    let field = at(cx, table, key);
    let message = if field == table {
        format!("{key}: {message}")
    } else {
        message
    };
    cx.push(severity, Some(&field), message);
}

fn error(cx: &mut Ctx<'_>, table: &str, key: &str, message: impl Into<String>) {
    report(cx, Severity::Error, table, key, message.into());
}

fn warn(cx: &mut Ctx<'_>, table: &str, key: &str, message: impl Into<String>) {
    report(cx, Severity::Warning, table, key, message.into());
}

/// The record's table `name`, or `None` (with an error when it is something else).
fn table<'r>(cx: &mut Ctx<'r>, name: &str) -> Option<&'r Map<String, Value>> {
    match cx.record.fields.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::Object(t)) => Some(t),
        Some(other) => {
            let k = kind(other);
            cx.error(name, format!("expected a table, found {k}"));
            None
        }
    }
}

fn unknown_keys(cx: &mut Ctx<'_>, name: &str, t: &Map<String, Value>, known: &[&str]) {
    for key in t.keys().filter(|k| !known.contains(&k.as_str())) {
        let message = format!(
            "unknown key `{key}` in {name} is ignored; expected {}",
            known.join(", ")
        );
        let field = at(cx, name, key);
        cx.warn(&field, message);
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// The evidence table. With `require` (the curation requirements), all three facts must be
/// stated.
pub(super) fn evidence(cx: &mut Ctx<'_>, require: bool) -> Evidence {
    let mut evidence = Evidence::default();
    let Some(t) = table(cx, "evidence") else {
        if require && !cx.record.fields.contains_key("evidence") {
            cx.warn(
                "evidence",
                "missing: expected an [evidence] table stating code_available, data_available \
                 and external_validation as true, false or \"unknown\"",
            );
        }
        return evidence;
    };
    unknown_keys(cx, "evidence", t, &EVIDENCE_KEYS);
    for key in Evidence::FIELDS {
        let fact = match t.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(Fact::from(*b)),
            Some(Value::String(s)) if Fact::parse(s).is_some() => Fact::parse(s),
            Some(other) => {
                let found = show(other);
                error(
                    cx,
                    "evidence",
                    key,
                    format!("expected true, false or \"unknown\", found {found}"),
                );
                None
            }
        };
        match key {
            "code_available" => evidence.code_available = fact,
            "data_available" => evidence.data_available = fact,
            _ => evidence.external_validation = fact,
        }
    }
    match t.get("unknown_reason") {
        None | Some(Value::Null) => {}
        Some(v) => match text(v) {
            Some(s) => evidence.unknown_reason = Some(s),
            None => error(
                cx,
                "evidence",
                "unknown_reason",
                format!("expected a sentence, found {}", show(v)),
            ),
        },
    }
    let unknown: Vec<&str> = evidence
        .facts()
        .iter()
        .filter(|(_, f)| *f == Some(Fact::Unknown))
        .map(|(k, _)| *k)
        .collect();
    if !unknown.is_empty() && evidence.unknown_reason.is_none() {
        warn(
            cx,
            "evidence",
            "unknown_reason",
            format!(
                "missing: {} \"unknown\", so expected unknown_reason = \"...\" saying why the \
                 source does not tell",
                unknown.join(" and ")
            ),
        );
    }
    if unknown.is_empty() && evidence.unknown_reason.is_some() {
        warn(
            cx,
            "evidence",
            "unknown_reason",
            "given, but no fact is \"unknown\"",
        );
    }
    let missing: Vec<&str> = evidence
        .facts()
        .iter()
        .filter(|(_, f)| f.is_none())
        .map(|(k, _)| *k)
        .collect();
    if require && !missing.is_empty() {
        cx.warn(
            "evidence",
            format!(
                "{} not stated: expected true, false or \"unknown\" (with unknown_reason) for each",
                missing.join(", ")
            ),
        );
    }
    evidence
}

/// A `YYYY-MM-DD` date that exists and is not in the future (a day of slack for time zones).
fn check_date(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('-').collect();
    let well_formed = parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(format!("`{s}` is not a date: expected YYYY-MM-DD"));
    }
    let (y, m, d) = (
        parts[0].parse::<i32>().unwrap_or(0),
        parts[1].parse::<u8>().unwrap_or(0),
        parts[2].parse::<u8>().unwrap_or(0),
    );
    let date = time::Month::try_from(m)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
        .ok_or_else(|| format!("`{s}` is not a calendar date"))?;
    let latest = time::OffsetDateTime::now_utc()
        .date()
        .next_day()
        .unwrap_or(date);
    if date > latest {
        return Err(format!("`{s}` is in the future"));
    }
    Ok(())
}

/// The `against` entries: a list of strings, or one `;`-separated string (CSV). Each must be
/// a URL, a DOI or an arXiv id; a URL on the mirror list is a warning.
fn against(cx: &mut Ctx<'_>, value: Option<&Value>) -> Vec<String> {
    let before = cx.errors;
    let entries: Vec<String> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s
            .split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, v) in items.iter().enumerate() {
                match text(v) {
                    Some(e) => out.push(e),
                    None => error(
                        cx,
                        "review",
                        "against",
                        format!(
                            "item {}: expected a URL, a DOI or an arXiv id, found {}",
                            i + 1,
                            show(v)
                        ),
                    ),
                }
            }
            out
        }
        Some(other) => {
            let k = kind(other);
            error(
                cx,
                "review",
                "against",
                format!("expected a list of sources, found {k}"),
            );
            Vec::new()
        }
    };
    if entries.is_empty() && cx.errors == before {
        error(
            cx,
            "review",
            "against",
            "required: the primary sources read (arXiv, the publisher, the DOI or the authors' \
             page)",
        );
    }
    for (i, entry) in entries.iter().enumerate() {
        let n = i + 1;
        match classify_reference(entry) {
            None => error(
                cx,
                "review",
                "against",
                format!("item {n}: `{entry}` is not a URL, a DOI (10.xxxx/...) or an arXiv id"),
            ),
            Some(RefKind::Url(url)) => {
                if let Some(mirror) = mirror_of(&url) {
                    warn(
                        cx,
                        "review",
                        "against",
                        format!(
                            "item {n}: `{url}` is on {mirror}, a mirror (data/mirrors.txt), not a \
                             primary source: expected arXiv, the publisher, the DOI or the \
                             authors' page"
                        ),
                    );
                }
            }
            Some(_) => {}
        }
    }
    entries
}

/// The review table. With `require` (the curation requirements), a case must have one.
pub(super) fn review(cx: &mut Ctx<'_>, require: bool) -> Option<Review> {
    let Some(t) = table(cx, "review") else {
        if require && !cx.record.fields.contains_key("review") {
            cx.warn(
                "review",
                "missing: expected a [review] table with date, against (the primary sources \
                 read), verdict (confirmed or corrected) and notes",
            );
        }
        return None;
    };
    let errors = cx.errors;
    unknown_keys(cx, "review", t, &REVIEW_KEYS);

    // TOML dates may be written bare (`date = 2026-12-05`); they arrive as TOML's datetime.
    let date = match t.get("date") {
        Some(Value::Object(o)) if o.len() == 1 => o.values().next().and_then(text),
        Some(v) => text(v),
        None => None,
    };
    match &date {
        None => error(cx, "review", "date", "required, as YYYY-MM-DD"),
        Some(d) => {
            if let Err(e) = check_date(d) {
                error(cx, "review", "date", e);
            }
        }
    }

    let entries = against(cx, t.get("against"));

    let verdict = match t.get("verdict") {
        None | Some(Value::Null) => {
            error(cx, "review", "verdict", "required: confirmed or corrected");
            None
        }
        Some(v) => {
            let verdict = v.as_str().and_then(Verdict::parse);
            if verdict.is_none() {
                error(
                    cx,
                    "review",
                    "verdict",
                    format!("expected confirmed or corrected, found {}", show(v)),
                );
            }
            verdict
        }
    };

    let notes = match t.get("notes") {
        None | Some(Value::Null) => None,
        Some(v @ Value::String(_)) => text(v),
        Some(other) => {
            let k = kind(other);
            error(
                cx,
                "review",
                "notes",
                format!("expected a string, found {k}"),
            );
            None
        }
    };
    if notes.is_none() && cx.errors == errors {
        warn(
            cx,
            "review",
            "notes",
            "missing: expected a short note of what was checked against the sources",
        );
    }
    if cx.errors > errors {
        return None;
    }
    Some(Review {
        date: date?,
        against: entries,
        verdict: verdict?,
        notes: notes.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests;
