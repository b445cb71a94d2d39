//! The embedded alternative a user would otherwise pick, as a benchmark baseline: SQLite FTS5
//! over the same cases, `bm25` ranking, `snippet()`, and `GROUP BY` over the label link table
//! for the facet counts.
//!
//! The FTS5 table lives in its own database file, with the store attached read-only as `s`,
//! so the store's schema is untouched. Its columns and weights mirror the search index's text
//! fields and boosts; its tokenizer is `porter unicode61` (the index uses tantivy's `en_stem`:
//! both lowercase, split on non-alphanumerics and stem English).
//!
//! Counts follow the index's semantics: confirmed labels only, a parent counts the cases of its
//! children (the taxonomy has two levels), and the counts of a dimension are computed with
//! every filter except that dimension's own.

use std::collections::BTreeMap;
use std::path::Path;

use notbetter_taxonomy::Dimension;
use rusqlite::Connection;

use crate::Result;

/// The FTS5 columns with their `bm25` weights: the search index's text fields and boosts.
pub const COLUMNS: [(&str, f64); 9] = [
    ("title", 3.0),
    ("labels", 1.5),
    ("tags", 2.0),
    ("investigation", 1.5),
    ("lessons", 1.2),
    ("outcome", 1.2),
    ("use_case", 1.0),
    ("solution", 1.0),
    ("refs", 0.8),
];

/// The dimensions counted for every query.
pub const COUNTED: [Dimension; 3] = [Dimension::Domain, Dimension::Cause, Dimension::FailureMode];

/// One query: FTS5 `MATCH` syntax (empty for every case), filters and a page size.
#[derive(Debug, Clone, Default)]
pub struct FtsRequest {
    pub query: String,
    /// Selected slugs per dimension: OR inside a dimension, AND across; a parent selects its
    /// children.
    pub filters: Vec<(Dimension, Vec<String>)>,
    pub limit: usize,
}

/// What one query found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FtsResults {
    pub total: usize,
    /// Case id and snippet (HTML with `<b>` highlights), best first.
    pub hits: Vec<(String, String)>,
    /// Slug → number of matching cases, for each of [`COUNTED`].
    pub facets: BTreeMap<Dimension, BTreeMap<String, u64>>,
}

/// A built FTS5 baseline.
pub struct Fts5Baseline {
    conn: Connection,
}

impl Fts5Baseline {
    /// Builds (replacing) the FTS5 table in `fts_db` from every case of the store in
    /// `store_db`. Returns the baseline, ready to query.
    pub fn build(store_db: &Path, fts_db: &Path) -> Result<Fts5Baseline> {
        let _ = std::fs::remove_file(fts_db);
        let conn = Connection::open(fts_db)?;
        conn.pragma_update(None, "journal_mode", "OFF")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        attach(&conn, store_db)?;
        let columns: Vec<&str> = COLUMNS.iter().map(|(c, _)| *c).collect();
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE fts USING fts5({}, tokenize = 'porter unicode61');",
            columns.join(", ")
        ))?;
        // Bulk-load settings: a large in-memory hash and no merging until the end, then one
        // `optimize`. Older SQLite versions may not know `hashsize`; that only costs time.
        let _ = conn.execute_batch(
            "INSERT INTO fts (fts, rank) VALUES ('hashsize', 67108864);
             INSERT INTO fts (fts, rank) VALUES ('automerge', 0);",
        );
        conn.pragma_update(None, "cache_size", -262_144)?;
        conn.execute(
            "INSERT INTO fts (rowid, title, labels, tags, investigation, lessons, outcome,
                              use_case, solution, refs)
             SELECT c.rowid, c.title,
               (SELECT group_concat(t.name, '. ') FROM s.case_labels l
                  JOIN s.taxonomy t ON t.dimension = l.dimension AND t.slug = l.slug
                  WHERE l.case_id = c.id AND l.state IN ('confirmed', 'matched')),
               (SELECT group_concat(value, ' ') FROM json_each(c.doc, '$.tags')),
               json_extract(c.doc, '$.investigation'),
               json_extract(c.doc, '$.lessons'),
               json_extract(c.doc, '$.outcome'),
               json_extract(c.doc, '$.use_case'),
               json_extract(c.doc, '$.solution'),
               (SELECT group_concat(coalesce(r.title, '') || ' ' ||
                    (SELECT coalesce(group_concat(value, ' '), '') FROM json_each(r.authors))
                    || ' ' || coalesce(r.venue, ''), ' ')
                  FROM s.case_references r WHERE r.case_id = c.id)
             FROM s.cases c",
            [],
        )?;
        conn.execute_batch("INSERT INTO fts (fts) VALUES ('optimize');")?;
        Ok(Fts5Baseline { conn })
    }

    /// Opens a baseline built before.
    pub fn open(store_db: &Path, fts_db: &Path) -> Result<Fts5Baseline> {
        let conn = Connection::open(fts_db)?;
        attach(&conn, store_db)?;
        Ok(Fts5Baseline { conn })
    }

    /// Runs one query: the total, the top `limit` hits by `bm25` with snippets (or in rowid
    /// order when the query is empty), and the counts of [`COUNTED`].
    pub fn search(&self, req: &FtsRequest) -> Result<FtsResults> {
        let text = !req.query.trim().is_empty();
        // The text matches, once, into a temporary table that the counts join.
        self.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS m (id TEXT PRIMARY KEY) WITHOUT ROWID;
             DELETE FROM temp.m;",
        )?;
        if text {
            self.conn.execute(
                "INSERT INTO temp.m (id)
                 SELECT c.id FROM fts JOIN s.cases c ON c.rowid = fts.rowid
                 WHERE fts MATCH ?1",
                [&req.query],
            )?;
        }
        let base = if text { "temp.m b" } else { "s.cases b" };
        let all = filters_sql(&req.filters, None, "b.id")?;
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM {base} WHERE 1 {all}"),
            [],
            |r| r.get(0),
        )?;

        let weights: Vec<String> = COLUMNS.iter().map(|(_, w)| format!("{w:.1}")).collect();
        let mut hits = Vec::new();
        if text {
            let filters = filters_sql(&req.filters, None, "c.id")?;
            let mut stmt = self.conn.prepare(&format!(
                "SELECT c.id, snippet(fts, -1, '<b>', '</b>', '…', 32)
                 FROM fts JOIN s.cases c ON c.rowid = fts.rowid
                 WHERE fts MATCH ?1 {filters}
                 ORDER BY bm25(fts, {}) LIMIT ?2",
                weights.join(", ")
            ))?;
            let rows = stmt.query_map(rusqlite::params![req.query, req.limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            for row in rows {
                hits.push(row?);
            }
        } else {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT b.id, substr(json_extract(b.doc, '$.use_case'), 1, 220)
                 FROM s.cases b WHERE 1 {all} ORDER BY b.rowid LIMIT ?1"
            ))?;
            let rows = stmt.query_map([req.limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                hits.push(row?);
            }
        }

        // The matches drive the join (CROSS JOIN fixes the order, `+` keeps SQLite off the
        // slug index): each matching case's labels come from the primary key.
        let mut facets = BTreeMap::new();
        for dim in COUNTED {
            let others = filters_sql(&req.filters, Some(dim), "b.id")?;
            let sql = format!(
                "WITH l AS (
                   SELECT l.case_id, l.slug FROM {base}
                   CROSS JOIN s.case_labels l ON l.case_id = b.id
                   WHERE l.dimension = ?1 AND l.state IN ('confirmed', 'matched') AND +l.slug IS NOT NULL
                   {others})
                 SELECT slug, count(DISTINCT case_id) FROM (
                   SELECT case_id, slug FROM l
                   UNION ALL
                   SELECT case_id, substr(slug, 1, instr(slug, '/') - 1) FROM l
                   WHERE instr(slug, '/') > 0)
                 GROUP BY slug"
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([dim.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut counts = BTreeMap::new();
            for row in rows {
                let (slug, n) = row?;
                counts.insert(slug, n as u64);
            }
            facets.insert(dim, counts);
        }
        Ok(FtsResults {
            total: total as usize,
            hits,
            facets,
        })
    }

    /// Size of the FTS5 database on disk, in bytes.
    pub fn size_bytes(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }
}

fn attach(conn: &Connection, store_db: &Path) -> Result<()> {
    conn.execute(
        "ATTACH DATABASE ?1 AS s",
        [store_db.to_string_lossy().as_ref()],
    )?;
    Ok(())
}

/// ` AND <id> IN (…)` for every filtered dimension except `skip`. Slugs are checked to be
/// slugs (`a-z0-9-` segments joined by `/`) before they are written into the SQL.
fn filters_sql(
    filters: &[(Dimension, Vec<String>)],
    skip: Option<Dimension>,
    id: &str,
) -> Result<String> {
    let mut out = String::new();
    for (dim, slugs) in filters {
        if Some(*dim) == skip || slugs.is_empty() {
            continue;
        }
        let mut alternatives = Vec::new();
        for slug in slugs {
            let slug = slug.trim_matches('/');
            let valid = notbetter_taxonomy::Slug::is_valid(slug);
            if !valid {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "`{slug}` is not a slug"
                ))
                .into());
            }
            alternatives.push(format!("slug = '{slug}' OR slug LIKE '{slug}/%'"));
        }
        out.push_str(&format!(
            " AND {id} IN (SELECT case_id FROM s.case_labels WHERE dimension = '{}' \
             AND state IN ('confirmed', 'matched') AND ({}))",
            dim.as_str(),
            alternatives.join(" OR ")
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use notbetter_taxonomy::Case;

    fn case(id: &str, text: &str, domain: &str, cause: &str) -> Case {
        Case::builder(id)
            .title(format!("Title {id}"))
            .year(2020)
            .domains(&[domain])
            .causes(&[cause])
            .failure_modes(&["suboptimal-performance"])
            .tags(&["alpha tag"])
            .elements(text, "a network", "worse", "shift in the data")
            .build()
    }

    #[test]
    fn matches_ranks_and_counts_with_parents() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.sqlite");
        let mut store = Store::open(&db).unwrap();
        store.sync_taxonomy(&notbetter_taxonomy::bundled()).unwrap();
        let cases = [
            case(
                "a",
                "zorblat radiograph",
                "healthcare/medical-imaging",
                "data/leakage",
            ),
            case(
                "b",
                "zorblat zorblat",
                "healthcare/pathology",
                "model/robustness",
            ),
            case("c", "nothing here", "finance", "data/leakage"),
        ];
        store.apply(cases.iter().map(|c| (c, "test"))).unwrap();
        drop(store);
        let fts = Fts5Baseline::build(&db, &dir.path().join("f.sqlite")).unwrap();
        let r = fts
            .search(&FtsRequest {
                query: "zorblat".into(),
                filters: vec![(Dimension::Cause, vec!["data".into()])],
                limit: 20,
            })
            .unwrap();
        assert_eq!(r.total, 1);
        assert_eq!(r.hits[0].0, "a");
        assert!(r.hits[0].1.contains("<b>zorblat</b>"), "{:?}", r.hits);
        let domains = &r.facets[&Dimension::Domain];
        assert_eq!(domains["healthcare"], 1);
        // The cause dimension is counted without its own filter.
        let causes = &r.facets[&Dimension::Cause];
        assert_eq!((causes["data"], causes["model"]), (1, 1));
        let all = fts
            .search(&FtsRequest {
                limit: 2,
                ..Default::default()
            })
            .unwrap();
        assert_eq!((all.total, all.hits.len()), (3, 2));
        assert_eq!(all.facets[&Dimension::Domain]["healthcare"], 2);
    }
}
