//! The one input shape of a case: [`InputForm`], the record ingest reads from JSON, JSON
//! Lines, CSV and Markdown front matter. Exports write it, the web form and the importers fill
//! it, synth generates it, and ingest's list of known fields and the CSV columns are derived
//! from its declaration, so a new field is declared once.

use serde::{Deserialize, Serialize};

use crate::{Case, Evidence, Label, LabelState, Reference, Review};

/// A case in the JSON input form of `case-format.md`. Every key is always written, so each
/// line of a JSON Lines export has the same columns for pandas or R; missing values are `null`,
/// `""` or `[]`, which ingest reads as absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InputForm {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
    pub domains: Vec<String>,
    pub causes: Vec<String>,
    pub failure_modes: Vec<String>,
    pub methods: Vec<String>,
    pub tags: Vec<String>,
    pub use_case: String,
    pub solution: String,
    pub outcome: String,
    pub investigation: String,
    pub pattern: String,
    pub lessons: String,
    pub references: Vec<Reference>,
    pub evidence: Evidence,
    pub checked_against: Option<String>,
    pub review: Option<Review>,
    pub contributor: Option<String>,
    pub source_id: Option<String>,
    pub source_url: Option<String>,
    pub licence: Option<String>,
}

impl InputForm {
    /// The input form's field names, in declaration order (from its `Deserialize`).
    pub fn fields() -> &'static [&'static str] {
        struct_fields::<InputForm>()
    }

    /// The fields of a case's text (the four elements, the pattern in any field and the
    /// lessons), in reading order.
    pub const TEXT_FIELDS: [&'static str; 6] = [
        "use_case",
        "solution",
        "outcome",
        "investigation",
        "pattern",
        "lessons",
    ];

    /// The CSV columns: the fields, with the `evidence` and `review` tables spread into
    /// dotted columns (`evidence.code_available`, `review.date`) that ingest reads back.
    pub fn csv_columns() -> Vec<String> {
        let mut out = Vec::new();
        for &f in InputForm::fields() {
            match f {
                "evidence" => out.extend(
                    struct_fields::<Evidence>()
                        .iter()
                        .map(|e| format!("evidence.{e}")),
                ),
                "review" => out.extend(
                    struct_fields::<Review>()
                        .iter()
                        .map(|r| format!("review.{r}")),
                ),
                f => out.push(f.to_string()),
            }
        }
        out
    }

    /// The text of one of [`Self::TEXT_FIELDS`].
    pub fn text(&self, field: &str) -> &str {
        match field {
            "use_case" => &self.use_case,
            "solution" => &self.solution,
            "outcome" => &self.outcome,
            "investigation" => &self.investigation,
            "pattern" => &self.pattern,
            "lessons" => &self.lessons,
            _ => "",
        }
    }
}

/// The labels of one dimension as a report would give them: a confirmed label as its slug, a
/// matched or unmapped one as the text it was given (so re-reading it does not confirm what no
/// reviewer confirmed), and an inferred one not at all (ingest infers it again from the text).
pub fn reported_labels(labels: &[Label]) -> Vec<String> {
    labels
        .iter()
        .filter(|l| l.state != LabelState::Inferred)
        .map(|l| match (l.state, &l.raw) {
            (LabelState::Matched, Some(raw)) => raw.clone(),
            _ => l.value.clone(),
        })
        .collect()
}

impl From<&Case> for InputForm {
    fn from(case: &Case) -> InputForm {
        InputForm {
            id: case.id.clone(),
            title: case.title.clone(),
            year: case.year,
            domains: reported_labels(&case.domains),
            causes: reported_labels(&case.causes),
            failure_modes: reported_labels(&case.failure_modes),
            methods: reported_labels(&case.methods),
            tags: case.tags.clone(),
            use_case: case.use_case.clone(),
            solution: case.solution.clone(),
            outcome: case.outcome.clone(),
            investigation: case.investigation.clone(),
            pattern: case.pattern.clone(),
            lessons: case.lessons.clone(),
            references: case.references.clone(),
            evidence: case.evidence.clone(),
            checked_against: case.checked_against.clone(),
            review: case.review.clone(),
            contributor: case.contributor.clone(),
            source_id: case.source_id.clone(),
            source_url: case.source_url.clone(),
            licence: case.licence.clone(),
        }
    }
}

/// The field names a derived `Deserialize` declares, read by asking it to deserialize from a
/// deserializer that only records what `deserialize_struct` is told.
fn struct_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Fields;

    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("fields found")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Found(&[])
        }
    }

    impl<'de> de::Deserializer<'de> for Fields {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    match T::deserialize(Fields) {
        Err(Found(fields)) => fields,
        Ok(_) => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_csv_columns_come_from_the_declaration() {
        let fields = InputForm::fields();
        assert_eq!(fields.first(), Some(&"id"));
        assert_eq!(fields.len(), 22);
        // Every field is written, in declaration order, by serde too.
        let json = serde_json::to_value(InputForm::default()).unwrap();
        let mut written: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut declared = fields.to_vec();
        written.sort();
        declared.sort();
        assert_eq!(written, declared);
        let columns = InputForm::csv_columns();
        assert!(columns.contains(&"evidence.unknown_reason".to_string()));
        assert!(columns.contains(&"review.notes".to_string()));
        assert!(!columns.contains(&"evidence".to_string()));
        for t in InputForm::TEXT_FIELDS {
            assert!(fields.contains(&t), "{t}");
        }
    }
}
