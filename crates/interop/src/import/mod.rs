//! Importers for peer databases: AVID reports and vulnerabilities, MITRE ATLAS case studies and
//! AI Incident Database incidents, mapped onto the canonical case.
//!
//! Each peer module turns its records into [`Draft`]s: the JSON input form that ingest reads,
//! plus what that form cannot say (the source's own wording of each cause, causes the source
//! marks as uncertain, text that may show the cause but is not kept). Every draft then goes
//! through ingest's [`Checker`], so imported cases are validated and normalised like any
//! report, and [`finish`] adds the rest. A record that cannot be read is an error naming its
//! file and record, and is skipped; the others still import. Nothing is invented: a field the
//! source lacks stays empty, and a case missing one of the four elements is marked incomplete.

mod aiid;
mod atlas;
mod avid;
mod common;

use std::path::PathBuf;

use notbetter_ingest::{Batch, Checker, Diagnostic, Location, Parsed, RawRecord, Severity};
use notbetter_taxonomy::{InputForm, Label, LabelState, Source, Taxonomy};
use serde_json::Value;

/// A peer database that records can be imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    Avid,
    Atlas,
    Aiid,
}

impl Peer {
    pub const ALL: [Peer; 3] = [Peer::Avid, Peer::Atlas, Peer::Aiid];

    /// The name used on the command line and in the `imported/<name>` source facet.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Avid => "avid",
            Peer::Atlas => "atlas",
            Peer::Aiid => "aiid",
        }
    }

    pub fn parse(s: &str) -> Option<Peer> {
        Peer::ALL.into_iter().find(|p| p.name() == s)
    }

    pub fn source(self) -> Source {
        Source::Imported(self.name().to_string())
    }

    /// The licence of the source's records, as an SPDX id.
    pub fn licence(self) -> &'static str {
        match self {
            Peer::Avid => "MIT",
            Peer::Atlas => "Apache-2.0",
            Peer::Aiid => "CC-BY-SA-4.0",
        }
    }
}

/// One source record, ready for ingest's checker.
#[derive(Debug)]
pub(crate) struct Draft {
    pub file: String,
    pub location: Location,
    /// The case in the input form. `causes` is filled from [`Draft::causes`].
    pub form: InputForm,
    /// Causes as (label for ingest: a slug, or the source's wording when unmapped; the
    /// source's wording).
    pub causes: Vec<(String, String)>,
    /// Causes the source proposes without confirming: (slug, the source's wording). They are
    /// kept as inferred labels.
    pub potential: Vec<(String, String)>,
    /// Text that is not kept on the case but may show its cause (AIID report titles).
    pub extra_text: String,
    /// Problems the importer found and worked around: (field, message).
    pub warnings: Vec<(&'static str, String)>,
}

impl Draft {
    pub fn new(file: &str, location: Location) -> Draft {
        Draft {
            file: file.to_string(),
            location,
            form: InputForm::default(),
            causes: Vec::new(),
            potential: Vec::new(),
            extra_text: String::new(),
            warnings: Vec::new(),
        }
    }

    pub fn warn(&mut self, field: &'static str, message: impl Into<String>) {
        self.warnings.push((field, message.into()));
    }
}

/// Reads every record of `peer` under `paths` (files, or directories read recursively) and
/// checks them. `taxonomy` must be the one `checker` uses.
pub fn import_paths(
    peer: Peer,
    paths: &[PathBuf],
    checker: &mut Checker<'_>,
    taxonomy: &Taxonomy,
) -> Batch {
    let mut batch = Batch::default();
    let drafts = match peer {
        Peer::Avid => avid::drafts(paths, &mut batch.diagnostics),
        Peer::Atlas => atlas::drafts(paths, &mut batch.diagnostics),
        Peer::Aiid => aiid::drafts(paths, taxonomy, &mut batch.diagnostics),
    };
    for mut draft in drafts {
        draft.form.licence = Some(peer.licence().into());
        finish(draft, checker, taxonomy, &mut batch);
    }
    batch
}

fn causes_warning(inferred: &[Label], had_source_causes: bool) -> String {
    let slugs: Vec<&str> = inferred.iter().map(|l| l.value.as_str()).collect();
    match (slugs.is_empty(), had_source_causes) {
        (true, _) => "missing, and none could be inferred from the text".into(),
        (false, false) => format!(
            "missing; inferred {} from the text (marked inferred)",
            slugs.join(", ")
        ),
        (false, true) => format!(
            "none of the source's causes is on the taxonomy; inferred {} from the text \
             (marked inferred)",
            slugs.join(", ")
        ),
    }
}

/// Checks one draft and completes its case: the source's wording on mapped causes, the
/// source's uncertain causes as inferred labels, and inference over all the record's text
/// where no cause is established.
fn finish(draft: Draft, checker: &mut Checker<'_>, taxonomy: &Taxonomy, batch: &mut Batch) {
    let Draft {
        file,
        location,
        mut form,
        causes,
        potential,
        extra_text,
        warnings,
    } = draft;
    form.causes = causes.iter().map(|(l, _)| l.clone()).collect();
    let Ok(Value::Object(fields)) = serde_json::to_value(&form) else {
        unreachable!("an input form serialises to a JSON object")
    };
    let record = RawRecord {
        file,
        location,
        fields,
        field_lines: Default::default(),
        semicolon_lists: false,
    };
    let mut diags: Vec<Diagnostic> = warnings
        .into_iter()
        .map(|(field, message)| Diagnostic::warning(&record.file, location, Some(field), message))
        .collect();
    let ours = diags.len();
    let Some(mut case) = checker.check(&record, &mut diags) else {
        batch.diagnostics.extend(diags);
        return;
    };
    for label in &mut case.causes {
        if label.state == LabelState::Confirmed && label.raw.is_none() {
            label.raw = causes
                .iter()
                .find(|(slug, wording)| *slug == label.value && wording != slug)
                .map(|(_, wording)| wording.clone());
        }
    }
    if causes.is_empty() {
        // Ingest inferred causes from the case's text alone, and said so; infer again below
        // from all of it, and say that instead.
        case.causes.clear();
        let mut checker_diags = diags.split_off(ours);
        checker_diags
            .retain(|d| !(d.severity == Severity::Warning && d.field.as_deref() == Some("causes")));
        diags.extend(checker_diags);
    }
    for (slug, wording) in potential {
        if !case.causes.iter().any(|l| l.value == slug) {
            case.causes.push(Label {
                evidence: vec![format!("the source proposes `{wording}`")],
                raw: Some(wording),
                value: slug,
                state: LabelState::Inferred,
                matched: None,
            });
        }
    }
    let established = case.causes.iter().any(|l| l.state != LabelState::Unmapped);
    if !established {
        let mut text = case.title.clone();
        for field in InputForm::TEXT_FIELDS {
            text.push(' ');
            text.push_str(case.element(field));
        }
        text.push(' ');
        text.push_str(&extra_text);
        let inferred: Vec<Label> = taxonomy
            .infer_causes(&text)
            .into_iter()
            .map(|i| Label {
                value: i.slug,
                state: LabelState::Inferred,
                raw: None,
                evidence: i.evidence,
                matched: None,
            })
            .collect();
        if causes.is_empty() || !inferred.is_empty() {
            diags.push(Diagnostic::warning(
                &record.file,
                location,
                Some("causes"),
                causes_warning(&inferred, !causes.is_empty()),
            ));
        }
        case.causes.extend(inferred);
    } else if causes.is_empty() {
        let proposed: Vec<&str> = case.causes.iter().map(|l| l.value.as_str()).collect();
        diags.push(Diagnostic::warning(
            &record.file,
            location,
            Some("causes"),
            format!(
                "missing; the source proposes {} without confirming (marked inferred)",
                proposed.join(", ")
            ),
        ));
    }
    batch.cases.push(Parsed {
        case,
        origin: record.origin(),
    });
    batch.diagnostics.extend(diags);
}

#[cfg(test)]
mod tests;
