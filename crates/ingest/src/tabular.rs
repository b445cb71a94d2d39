//! JSON, JSON Lines and CSV inputs: one record per object or row, with the same field names as
//! the front matter, and the four elements as the string fields `use_case`, `solution`,
//! `outcome`, `investigation` and `lessons`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Location};
use crate::read::RawRecord;

fn record(file: &str, location: Location, fields: Map<String, Value>, csv: bool) -> RawRecord {
    RawRecord {
        file: file.to_string(),
        location,
        fields,
        field_lines: HashMap::new(),
        semicolon_lists: csv,
    }
}

/// A JSON file: an array of case objects, or a single object.
pub fn parse_json(name: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<RawRecord> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                name,
                Location::Line(e.line().max(1)),
                None,
                format!("not valid JSON: {e}"),
            ));
            return Vec::new();
        }
    };
    let items = match value {
        Value::Array(items) => items,
        Value::Object(map) => return vec![record(name, Location::Record(1), map, false)],
        _ => {
            diagnostics.push(Diagnostic::error(
                name,
                Location::Whole,
                None,
                "expected a JSON array of case objects, or one case object",
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::Object(map) => out.push(record(name, Location::Record(i + 1), map, false)),
            _ => diagnostics.push(Diagnostic::error(
                name,
                Location::Record(i + 1),
                None,
                "expected a JSON object",
            )),
        }
    }
    out
}

/// A JSON Lines file: one case object per non-blank line.
pub fn parse_jsonl(name: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<RawRecord> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => {
                out.push(record(name, Location::JsonLine(line_no), map, false))
            }
            Ok(_) => diagnostics.push(Diagnostic::error(
                name,
                Location::JsonLine(line_no),
                None,
                "expected a JSON object on this line",
            )),
            Err(e) => diagnostics.push(Diagnostic::error(
                name,
                Location::JsonLine(line_no),
                None,
                format!("not valid JSON: {e}"),
            )),
        }
    }
    out
}

/// A CSV file with a header row. Every cell is a string; list cells (`domains`, `causes`,
/// `failure_modes`, `methods`, `tags`, `references`, `review.against`) are split on `;` when
/// the record is checked. A header with a dot names a key of a table: `review.date`,
/// `evidence.code_available`.
pub fn parse_csv(name: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<RawRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                name,
                Location::Line(1),
                None,
                format!("cannot read the CSV header row: {e}"),
            ));
            return Vec::new();
        }
    };
    if headers.iter().all(|h| h.is_empty()) {
        diagnostics.push(Diagnostic::error(
            name,
            Location::Line(1),
            None,
            "expected a header row naming the columns (id, title, year, ...)",
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for row in reader.records() {
        match row {
            Ok(row) => {
                let line = row.position().map_or(0, |p| p.line() as usize);
                let mut map = Map::new();
                for (h, cell) in headers.iter().zip(row.iter()) {
                    if h.is_empty() || cell.trim().is_empty() {
                        continue;
                    }
                    let cell = Value::String(cell.to_string());
                    // `review.date`, `evidence.code_available`: a key of a table.
                    match h.split_once('.') {
                        Some((table, key)) if !table.is_empty() && !key.is_empty() => {
                            let entry = map
                                .entry(table.to_string())
                                .or_insert_with(|| Value::Object(Map::new()));
                            if let Value::Object(t) = entry {
                                t.insert(key.to_string(), cell);
                            }
                        }
                        _ => {
                            map.insert(h.clone(), cell);
                        }
                    }
                }
                out.push(record(name, Location::Row(line), map, true));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                diagnostics.push(Diagnostic::error(
                    name,
                    Location::Row(line),
                    None,
                    format!("malformed CSV row: {e}"),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_errors_name_their_line() {
        let mut d = Vec::new();
        let recs = parse_jsonl("x.jsonl", "{\"id\":\"a\"}\n\n[1]\n{bad\n", &mut d);
        assert_eq!(recs.len(), 1);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].line, Some(3));
        assert_eq!(d[1].line, Some(4));
    }

    #[test]
    fn csv_rows_know_their_line() {
        let mut d = Vec::new();
        let recs = parse_csv("x.csv", "id,title\na,\"multi\nline\"\nb,B\n", &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].location, Location::Row(2));
        assert_eq!(recs[1].location, Location::Row(4));
        let mut d = Vec::new();
        let recs = parse_csv(
            "x.csv",
            "id,review.date,review.against,evidence.code_available\na,2026-01-02,10.1/x; 2104.01234,unknown\n",
            &mut d,
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(recs[0].fields["review"]["date"], "2026-01-02");
        assert_eq!(recs[0].fields["review"]["against"], "10.1/x; 2104.01234");
        assert_eq!(recs[0].fields["evidence"]["code_available"], "unknown");
        let mut d = Vec::new();
        parse_csv("x.csv", "id,title\na,b,c\n", &mut d);
        assert_eq!(d[0].line, Some(2), "{d:?}");
    }

    #[test]
    fn json_arrays_and_objects() {
        let mut d = Vec::new();
        assert_eq!(
            parse_json("x.json", "[{\"id\":\"a\"},{\"id\":\"b\"},3]", &mut d).len(),
            2
        );
        assert_eq!(d[0].location, Location::Record(3));
        assert_eq!(parse_json("x.json", "{\"id\":\"a\"}", &mut d).len(), 1);
        let mut d = Vec::new();
        parse_json("x.json", "{\n\"id\": }", &mut d);
        assert_eq!(d[0].line, Some(2));
    }
}
