//! Reading and writing cases, their revisions, and the taxonomy.

use std::collections::{BTreeMap, HashMap};

use notbetter_taxonomy::{Case, Dimension, LabelState, Taxonomy};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{now, Result, Sqlite, StoreError};

/// What one write did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Ids of the cases that were added or updated, in input order.
    #[serde(skip)]
    pub changed: Vec<String>,
    /// Ids of the cases that were added (not in the store before), so an index that follows
    /// the store can skip looking for an old copy of them.
    #[serde(skip)]
    pub added_ids: std::collections::HashSet<String>,
}

/// A case as stored, with its bookkeeping.
#[derive(Debug, Clone, Serialize)]
pub struct StoredCase {
    #[serde(flatten)]
    pub case: Case,
    pub version: i64,
    pub provenance: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A previous version of a case.
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub version: i64,
    pub provenance: String,
    pub valid_from: String,
    pub replaced_at: String,
    pub case: Case,
}

pub(crate) fn hash(doc: &str) -> String {
    hex::encode(Sha256::digest(doc.as_bytes()))
}

pub(crate) fn parse_doc(id: &str, doc: &str) -> Result<Case> {
    serde_json::from_str(doc).map_err(|source| StoreError::Corrupt {
        id: id.to_string(),
        source,
    })
}

impl Sqlite {
    /// Makes the `taxonomy` table equal to `taxonomy`: upserts every entry and removes entries
    /// that are gone, unless a case still uses them.
    pub fn sync_taxonomy(&mut self, taxonomy: &Taxonomy) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut upsert = tx.prepare(
                "INSERT INTO taxonomy (dimension, slug, name, description, parent, aliases)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (dimension, slug) DO UPDATE SET
                   name = excluded.name, description = excluded.description,
                   parent = excluded.parent, aliases = excluded.aliases",
            )?;
            for e in taxonomy.entries() {
                upsert.execute(params![
                    e.dimension.as_str(),
                    e.slug,
                    e.name,
                    e.description,
                    e.parent(),
                    serde_json::to_string(&e.aliases).unwrap_or_default(),
                ])?;
            }
            let existing: Vec<(String, String)> = tx
                .prepare("SELECT dimension, slug FROM taxonomy")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (dim, slug) in existing {
                let known = Dimension::parse(&dim).and_then(|d| taxonomy.get(d, &slug));
                if known.is_none() {
                    let count: i64 = tx.query_row(
                        "SELECT count(*) FROM case_labels WHERE dimension = ?1 AND slug = ?2",
                        params![dim, slug],
                        |r| r.get(0),
                    )?;
                    if count > 0 {
                        return Err(StoreError::SlugInUse { slug, count });
                    }
                    tx.execute(
                        "DELETE FROM taxonomy WHERE dimension = ?1 AND slug = ?2",
                        params![dim, slug],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes cases in one transaction: new ones are added, changed ones updated with their
    /// previous version kept as a revision, identical ones left alone. `provenance` says where
    /// each came from (a file, an importer, "contributed").
    pub fn apply<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a Case, &'a str)>,
    ) -> Result<ApplyReport> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let report = apply_in(&tx, cases)?;
        crate::changes::bump_generation(&tx, &report.changed)?;
        tx.commit()?;
        Ok(report)
    }

    pub fn get(&self, id: &str) -> Result<Option<StoredCase>> {
        self.conn
            .query_row(
                "SELECT doc, version, provenance, created_at, updated_at FROM cases WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                    ))
                },
            )
            .optional()?
            .map(|(doc, version, provenance, created_at, updated_at)| {
                Ok(StoredCase {
                    case: parse_doc(id, &doc)?,
                    version,
                    provenance,
                    created_at,
                    updated_at,
                })
            })
            .transpose()
    }

    /// Every case, in id order.
    pub fn all(&self) -> Result<Vec<StoredCase>> {
        self.query_stored(
            "SELECT id, doc, version, provenance, created_at, updated_at FROM cases ORDER BY id",
            [],
        )
    }

    /// Runs a query whose columns are id, doc, version, provenance, created_at, updated_at.
    fn query_stored(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredCase>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, doc, version, provenance, created_at, updated_at) = row?;
            out.push(StoredCase {
                case: parse_doc(&id, &doc)?,
                version,
                provenance,
                created_at,
                updated_at,
            });
        }
        Ok(out)
    }

    /// Calls `f` on every case in id order without holding them all in memory.
    pub fn for_each(&self, mut f: impl FnMut(Case)) -> Result<()> {
        let mut stmt = self.conn.prepare("SELECT id, doc FROM cases ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let doc: String = r.get(1)?;
            f(parse_doc(&id, &doc)?);
        }
        Ok(())
    }

    /// Every case's id and source facet (`curated`, `contributed`, `imported/<name>`), without
    /// reading the documents.
    pub fn ids_and_sources(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, source FROM cases ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The cases of `ids` that exist, in the order given (one read transaction).
    pub fn cases_by_ids(&self, ids: &[String]) -> Result<Vec<Case>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT doc FROM cases WHERE id = ?1")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let doc: Option<String> = stmt.query_row([id], |r| r.get(0)).optional()?;
            if let Some(doc) = doc {
                out.push(parse_doc(id, &doc)?);
            }
        }
        Ok(out)
    }

    pub fn count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// The newest cases by when they were first stored, then by year.
    pub fn newest(&self, limit: usize) -> Result<Vec<Case>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, doc FROM cases ORDER BY created_at DESC, year DESC, id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, doc) = row?;
            out.push(parse_doc(&id, &doc)?);
        }
        Ok(out)
    }

    /// The newest cases with their bookkeeping, by when they were first stored.
    pub fn newest_stored(&self, limit: usize) -> Result<Vec<StoredCase>> {
        self.query_stored(
            "SELECT id, doc, version, provenance, created_at, updated_at FROM cases
             ORDER BY created_at DESC, year DESC, id LIMIT ?1",
            [limit as i64],
        )
    }

    /// The domain × cause matrix: top-level domain → cause → number of cases with both
    /// (confirmed labels; a case counts once per cell). One SQL aggregate, so it costs the same
    /// memory at any size.
    pub fn domain_cause_matrix(&self) -> Result<BTreeMap<String, BTreeMap<String, u64>>> {
        let mut stmt = self.conn.prepare(
            "SELECT top, cause, count(DISTINCT case_id) FROM (
               SELECT d.case_id AS case_id,
                      CASE WHEN instr(d.slug, '/') > 0 THEN substr(d.slug, 1, instr(d.slug, '/') - 1)
                           ELSE d.slug END AS top,
                      c.slug AS cause
               FROM case_labels d
               JOIN case_labels c ON c.case_id = d.case_id AND c.dimension = 'cause' AND c.state IN ('confirmed', 'matched')
               WHERE d.dimension = 'domain' AND d.state IN ('confirmed', 'matched'))
             GROUP BY top, cause",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for row in rows {
            let (top, cause, n) = row?;
            out.entry(top).or_default().insert(cause, n as u64);
        }
        Ok(out)
    }

    /// Previous versions of a case, newest first.
    pub fn revisions(&self, id: &str) -> Result<Vec<Revision>> {
        let mut stmt = self.conn.prepare(
            "SELECT version, provenance, valid_from, replaced_at, doc FROM revisions
             WHERE case_id = ?1 ORDER BY version DESC",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (version, provenance, valid_from, replaced_at, doc) = row?;
            out.push(Revision {
                version,
                provenance,
                valid_from,
                replaced_at,
                case: parse_doc(id, &doc)?,
            });
        }
        Ok(out)
    }

    /// Lower-cased DOI → id of the (first) case citing it.
    pub fn known_dois(&self) -> Result<HashMap<String, String>> {
        let mut stmt = self.conn.prepare(
            "SELECT lower(doi), min(case_id) FROM case_references WHERE doi IS NOT NULL GROUP BY lower(doi)",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many cases carry each slug of `dim` in `state`, counting a case under a slug's
    /// ancestors too (a medical-imaging case counts for healthcare), once per case.
    pub fn label_counts(
        &self,
        dim: Dimension,
        state: LabelState,
    ) -> Result<BTreeMap<String, usize>> {
        let mut stmt = self.conn.prepare(
            "SELECT case_id, slug FROM case_labels WHERE dimension = ?1 AND state = ?2 AND slug IS NOT NULL",
        )?;
        let rows = stmt
            .query_map(params![dim.as_str(), state.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(count_with_ancestors(rows))
    }
}

/// Cases per slug from `(case id, slug)` rows, each case counted once under its slug and each
/// of the slug's ancestors (`healthcare/medical-imaging` also counts for `healthcare`). Both
/// backends' `label_counts` share it.
pub(crate) fn count_with_ancestors(
    rows: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, usize> {
    let mut seen = std::collections::HashSet::new();
    let mut counts = BTreeMap::new();
    for (case_id, slug) in rows {
        let mut prefix = String::new();
        for seg in slug.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(seg);
            if seen.insert((case_id.clone(), prefix.clone())) {
                *counts.entry(prefix.clone()).or_insert(0) += 1;
            }
        }
    }
    counts
}

pub(crate) fn apply_in<'a>(
    tx: &Transaction<'_>,
    cases: impl IntoIterator<Item = (&'a Case, &'a str)>,
) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    let at = now();
    for (case, provenance) in cases {
        let doc = serde_json::to_string(case).expect("a case serialises");
        let h = hash(&doc);
        let existing: Option<(String, String, i64, String, String)> = tx
            .prepare_cached(
                "SELECT hash, doc, version, provenance, updated_at FROM cases WHERE id = ?1",
            )?
            .query_row([&case.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        match existing {
            Some((old_hash, ..)) if old_hash == h => {
                report.unchanged += 1;
                continue;
            }
            Some((old_hash, old_doc, version, old_prov, valid_from)) => {
                tx.execute(
                    "INSERT INTO revisions (case_id, version, doc, hash, provenance, valid_from, replaced_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![case.id, version, old_doc, old_hash, old_prov, valid_from, at],
                )?;
                tx.execute(
                    "UPDATE cases SET title = ?2, year = ?3, source = ?4, incomplete = ?5, doc = ?6,
                       hash = ?7, version = version + 1, provenance = ?8, updated_at = ?9
                     WHERE id = ?1",
                    params![
                        case.id,
                        case.title,
                        case.year,
                        case.source.facet(),
                        case.incomplete,
                        doc,
                        h,
                        provenance,
                        at
                    ],
                )?;
                tx.execute("DELETE FROM case_labels WHERE case_id = ?1", [&case.id])?;
                tx.execute("DELETE FROM case_references WHERE case_id = ?1", [&case.id])?;
                report.updated += 1;
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO cases (id, title, year, source, incomplete, doc, hash, version, provenance, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?9)",
                )?
                .execute(params![
                        case.id,
                        case.title,
                        case.year,
                        case.source.facet(),
                        case.incomplete,
                        doc,
                        h,
                        provenance,
                        at
                    ])?;
                report.added += 1;
                report.added_ids.insert(case.id.clone());
            }
        }
        write_links(tx, case)?;
        report.changed.push(case.id.clone());
    }
    Ok(report)
}

fn write_links(tx: &Transaction<'_>, case: &Case) -> Result<()> {
    let mut label = tx.prepare_cached(
        "INSERT INTO case_labels (case_id, dimension, position, slug, raw, state, is_primary, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for dim in Dimension::ALL {
        for (i, l) in case.labels(dim).iter().enumerate() {
            let primary = i == 0 && l.state == LabelState::Confirmed;
            label.execute(params![
                case.id,
                dim.as_str(),
                i as i64,
                l.slug(),
                l.raw.as_deref().unwrap_or(&l.value),
                l.state.as_str(),
                primary,
                serde_json::to_string(&l.evidence).unwrap_or_default(),
            ])?;
        }
    }
    let mut reference = tx.prepare_cached(
        "INSERT INTO case_references (case_id, position, kind, title, authors, venue, year, doi, arxiv, url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (i, r) in case.references.iter().enumerate() {
        reference.execute(params![
            case.id,
            i as i64,
            r.kind,
            r.title,
            serde_json::to_string(&r.authors).unwrap_or_default(),
            r.venue,
            r.year,
            r.doi,
            r.arxiv,
            r.url,
        ])?;
    }
    Ok(())
}
