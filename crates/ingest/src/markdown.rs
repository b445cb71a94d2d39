//! The bundled file format: Markdown with a TOML front matter block between `+++` lines, and
//! the four elements as `##` sections.

use std::collections::HashMap;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location};
use crate::read::RawRecord;

/// Section headings and the fields they fill. Matching ignores case.
const SECTIONS: &[(&str, &str)] = &[
    ("use case", "use_case"),
    ("proposed solution", "solution"),
    ("solution", "solution"),
    ("outcome", "outcome"),
    ("why it failed", "investigation"),
    ("investigation", "investigation"),
    ("the pattern in any field", "pattern"),
    ("pattern", "pattern"),
    ("lessons", "lessons"),
];

/// Parses one Markdown case file. Returns `None` (with an error) when the front matter is
/// missing or is not valid TOML.
pub fn parse(name: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<RawRecord> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    if first.map(|i| lines[i].trim_end()) != Some("+++") {
        diagnostics.push(Diagnostic::error(
            name,
            Location::Line(first.map_or(1, |i| i + 1)),
            None,
            "expected the file to start with a `+++` line opening the TOML front matter",
        ));
        return None;
    }
    let open = first.unwrap_or(0);
    let Some(close) = lines[open + 1..]
        .iter()
        .position(|l| l.trim_end() == "+++")
        .map(|i| i + open + 1)
    else {
        diagnostics.push(Diagnostic::error(
            name,
            Location::Line(open + 1),
            None,
            "front matter opened here is never closed: expected a second `+++` line",
        ));
        return None;
    };
    // Line numbers in the file are 1-based; front matter line k (0-based) is file line open+2+k.
    let front = lines[open + 1..close].join("\n");
    let offset = open + 2;
    let table: toml::Table = match toml::from_str(&front) {
        Ok(t) => t,
        Err(e) => {
            let line = e
                .span()
                .map(|span| front[..span.start.min(front.len())].matches('\n').count() + offset)
                .unwrap_or(offset);
            diagnostics.push(Diagnostic::error(
                name,
                Location::Line(line),
                None,
                format!("front matter is not valid TOML: {}", e.message()),
            ));
            return None;
        }
    };
    // Keys inside a table are recorded under `table.key` (`review.date`), the table under its
    // header's line, so diagnostics on `[review]` and `[evidence]` name their own lines.
    let mut field_lines = HashMap::new();
    let mut section: Option<String> = None;
    for (k, line) in lines[open + 1..close].iter().enumerate() {
        let trimmed = line.trim_start();
        if let Some(header) = trimmed.strip_prefix('[').filter(|_| !trimmed.contains('=')) {
            let name = header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim();
            if !name.is_empty() {
                field_lines.entry(name.to_string()).or_insert(k + offset);
                section = Some(name.to_string());
            }
        } else if let Some((key, _)) = trimmed.split_once('=') {
            let key = key.trim();
            if !key.is_empty() && !key.contains(['[', '"', ' ']) {
                let key = match &section {
                    Some(t) => format!("{t}.{key}"),
                    None => key.to_string(),
                };
                field_lines.entry(key).or_insert(k + offset);
            }
        }
    }
    let mut fields = match serde_json::to_value(&table) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };

    // The body: `## Heading` sections.
    let mut current: Option<(String, usize)> = None;
    let mut buffer: Vec<&str> = Vec::new();
    let mut sections: Vec<(String, usize, String)> = Vec::new();
    let mut flush = |current: &Option<(String, usize)>, buffer: &mut Vec<&str>| {
        let body = buffer.join("\n").trim().to_string();
        match current {
            Some((field, line)) => sections.push((field.clone(), *line, body)),
            None if !body.is_empty() => sections.push((String::new(), close + 2, body)),
            None => {}
        }
        buffer.clear();
    };
    for (i, line) in lines.iter().enumerate().skip(close + 1) {
        if let Some(heading) = line.strip_prefix("## ") {
            let key = heading.trim().trim_end_matches(':').to_lowercase();
            match SECTIONS.iter().find(|(h, _)| *h == key) {
                Some((_, field)) => {
                    flush(&current, &mut buffer);
                    current = Some((field.to_string(), i + 1));
                }
                None => {
                    diagnostics.push(Diagnostic::warning(
                        name,
                        Location::Line(i + 1),
                        None,
                        format!(
                            "unknown section `{}`: expected one of Use case, Proposed solution, \
                             Outcome, Why it failed, The pattern in any field, Lessons; its text is kept in the section above",
                            heading.trim()
                        ),
                    ));
                    buffer.push(line);
                }
            }
        } else {
            buffer.push(line);
        }
    }
    flush(&current, &mut buffer);
    for (field, line, body) in sections {
        if field.is_empty() {
            diagnostics.push(Diagnostic::warning(
                name,
                Location::Line(line),
                None,
                "text before the first `##` section is ignored",
            ));
            continue;
        }
        if fields.contains_key(&field) {
            let section_field = field.clone();
            diagnostics.push(Diagnostic::error(
                name,
                Location::Line(line),
                Some(&section_field),
                "given twice: both in the front matter or an earlier section and in this section",
            ));
            continue;
        }
        field_lines.insert(field.clone(), line);
        fields.insert(field, Value::String(body));
    }
    Some(RawRecord {
        file: name.to_string(),
        location: Location::Line(open + 1),
        fields,
        field_lines,
        semicolon_lists: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (Option<RawRecord>, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let r = parse("case.md", text, &mut d);
        (r, d)
    }

    #[test]
    fn reads_front_matter_and_sections_with_lines() {
        let text =
            "+++\nid = \"a\"\ntitle = \"T\"\n+++\n\n## Use case\nU one.\n\n## Why it failed\nW.\n";
        let (r, d) = parse_str(text);
        assert!(d.is_empty(), "{d:?}");
        let r = r.unwrap();
        assert_eq!(r.fields["id"], "a");
        assert_eq!(r.fields["use_case"], "U one.");
        assert_eq!(r.fields["investigation"], "W.");
        assert_eq!(r.field_lines["title"], 3);
        assert_eq!(r.field_lines["investigation"], 9);
    }

    #[test]
    fn the_pattern_in_any_field_is_a_section_of_its_own() {
        let text = "+++\nid = \"a\"\n+++\n\n## Why it failed\nW.\n\n## The pattern in any field\nP.\n\n## Lessons\nL.\n";
        let (r, d) = parse_str(text);
        assert!(d.is_empty(), "{d:?}");
        let r = r.unwrap();
        assert_eq!(r.fields["investigation"], "W.");
        assert_eq!(r.fields["pattern"], "P.");
        assert_eq!(r.fields["lessons"], "L.");
        assert_eq!(r.field_lines["pattern"], 8);
    }

    #[test]
    fn keys_inside_tables_are_recorded_under_their_table() {
        let text = "+++\nid = \"a\"\n\n[[references]]\nurl = \"https://e.org\"\n\n[evidence]\ncode_available = true\n\n[review]\ndate = \"2026-01-02\"\nagainst = [\n  \"https://e.org\",\n]\n+++\n";
        let (r, d) = parse_str(text);
        assert!(d.is_empty(), "{d:?}");
        let lines = r.unwrap().field_lines;
        for (key, line) in [
            ("id", 2),
            ("references", 4),
            ("references.url", 5),
            ("evidence", 7),
            ("evidence.code_available", 8),
            ("review", 10),
            ("review.date", 11),
            ("review.against", 12),
        ] {
            assert_eq!(lines.get(key), Some(&line), "{key}: {lines:?}");
        }
        assert!(!lines.contains_key("date"), "{lines:?}");
    }

    #[test]
    fn front_matter_errors_name_their_line() {
        let table = [
            ("no front matter\n", 1, "start with a `+++`"),
            ("\n\n+++\nid = \"a\"\n", 3, "never closed"),
            (
                "+++\nid = \"a\"\ntitle = \"unterminated\n+++\n",
                3,
                "not valid TOML",
            ),
            (
                "+++\nid = \"a\"\n\n\nyear = = 3\n+++\n",
                5,
                "not valid TOML",
            ),
        ];
        for (text, line, message) in table {
            let (r, d) = parse_str(text);
            assert!(r.is_none(), "{text:?}");
            assert_eq!(d.len(), 1, "{text:?}: {d:?}");
            assert_eq!(d[0].line, Some(line), "{text:?}: {}", d[0]);
            assert!(d[0].message.contains(message), "{text:?}: {}", d[0]);
        }
    }

    #[test]
    fn unknown_sections_warn() {
        let (r, d) = parse_str("+++\nid = \"a\"\n+++\n## Outcome\nO.\n## Background\nB.\n");
        assert!(r.is_some());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, Some(6));
        assert!(d[0].message.contains("unknown section `Background`"));
    }
}
