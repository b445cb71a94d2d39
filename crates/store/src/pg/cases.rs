//! Cases, their revisions and the taxonomy in PostgreSQL: the same reads and writes as the
//! SQLite backend's `cases.rs`, with documents in `jsonb`.

use std::collections::{BTreeMap, HashMap};

use notbetter_taxonomy::{Case, Dimension, LabelState, Taxonomy};
use postgres::{Row, Transaction};

use super::{bump_generation, lock_generation, Pg};
use crate::cases::{hash, parse_doc};
use crate::{now, ApplyReport, Result, Revision, StoreError, StoredCase};

const STORED: &str = "id, doc::text, version, provenance, created_at, updated_at";

fn stored(r: &Row) -> Result<StoredCase> {
    let id: String = r.get(0);
    let doc: String = r.get(1);
    Ok(StoredCase {
        case: parse_doc(&id, &doc)?,
        version: r.get(2),
        provenance: r.get(3),
        created_at: r.get(4),
        updated_at: r.get(5),
    })
}

impl Pg {
    pub fn sync_taxonomy(&self, taxonomy: &Taxonomy) -> Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let upsert = tx.prepare(
            "INSERT INTO taxonomy (dimension, slug, name, description, parent, aliases)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (dimension, slug) DO UPDATE SET
               name = excluded.name, description = excluded.description,
               parent = excluded.parent, aliases = excluded.aliases
             WHERE (taxonomy.name, taxonomy.description, taxonomy.parent, taxonomy.aliases)
               IS DISTINCT FROM (excluded.name, excluded.description, excluded.parent, excluded.aliases)",
        )?;
        for e in taxonomy.entries() {
            let aliases = serde_json::to_string(&e.aliases).unwrap_or_default();
            tx.execute(
                &upsert,
                &[
                    &e.dimension.as_str(),
                    &e.slug,
                    &e.name,
                    &e.description,
                    &e.parent(),
                    &aliases,
                ],
            )?;
        }
        let existing: Vec<(String, String)> = tx
            .query("SELECT dimension, slug FROM taxonomy", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        for (dim, slug) in existing {
            let known = Dimension::parse(&dim).and_then(|d| taxonomy.get(d, &slug));
            if known.is_none() {
                let count: i64 = tx
                    .query_one(
                        "SELECT count(*) FROM case_labels WHERE dimension = $1 AND slug = $2",
                        &[&dim, &slug],
                    )?
                    .get(0);
                if count > 0 {
                    return Err(StoreError::SlugInUse { slug, count });
                }
                tx.execute(
                    "DELETE FROM taxonomy WHERE dimension = $1 AND slug = $2",
                    &[&dim, &slug],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// [`crate::Store::apply`], or with `dry_run` the same transaction rolled back.
    pub fn apply<'a>(
        &self,
        cases: impl IntoIterator<Item = (&'a Case, &'a str)>,
        dry_run: bool,
    ) -> Result<ApplyReport> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        if !dry_run {
            lock_generation(&mut tx)?;
        }
        let report = apply_in(&mut tx, cases)?;
        if dry_run {
            tx.rollback()?;
        } else {
            let changed: Vec<Option<String>> = report.changed.iter().cloned().map(Some).collect();
            bump_generation(&mut tx, &changed)?;
            tx.commit()?;
        }
        Ok(report)
    }

    pub fn get(&self, id: &str) -> Result<Option<StoredCase>> {
        self.client()?
            .query_opt(&format!("SELECT {STORED} FROM cases WHERE id = $1"), &[&id])?
            .map(|r| stored(&r))
            .transpose()
    }

    pub fn all(&self) -> Result<Vec<StoredCase>> {
        self.client()?
            .query(&format!("SELECT {STORED} FROM cases ORDER BY id"), &[])?
            .iter()
            .map(stored)
            .collect()
    }

    /// Every case in id order, read through a cursor 500 rows at a time.
    pub fn for_each(&self, mut f: impl FnMut(Case)) -> Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let portal = tx.bind("SELECT id, doc::text FROM cases ORDER BY id", &[])?;
        loop {
            let rows = tx.query_portal(&portal, 500)?;
            if rows.is_empty() {
                break;
            }
            for r in rows {
                let id: String = r.get(0);
                let doc: String = r.get(1);
                f(parse_doc(&id, &doc)?);
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn ids_and_sources(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .client()?
            .query("SELECT id, source FROM cases ORDER BY id", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    pub fn cases_by_ids(&self, ids: &[String]) -> Result<Vec<Case>> {
        let rows = self.client()?.query(
            "SELECT id, doc::text FROM cases WHERE id = ANY($1)",
            &[&ids],
        )?;
        let mut found: HashMap<String, String> =
            rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut out = Vec::with_capacity(found.len());
        for id in ids {
            if let Some(doc) = found.remove(id) {
                out.push(parse_doc(id, &doc)?);
            }
        }
        Ok(out)
    }

    pub fn count(&self) -> Result<usize> {
        let n: i64 = self
            .client()?
            .query_one("SELECT count(*) FROM cases", &[])?
            .get(0);
        Ok(n as usize)
    }

    pub fn newest(&self, limit: usize) -> Result<Vec<Case>> {
        Ok(self
            .newest_stored(limit)?
            .into_iter()
            .map(|s| s.case)
            .collect())
    }

    pub fn newest_stored(&self, limit: usize) -> Result<Vec<StoredCase>> {
        self.client()?
            .query(
                &format!(
                    "SELECT {STORED} FROM cases
                     ORDER BY created_at DESC, year DESC NULLS LAST, id LIMIT $1"
                ),
                &[&(limit as i64)],
            )?
            .iter()
            .map(stored)
            .collect()
    }

    pub fn domain_cause_matrix(&self) -> Result<BTreeMap<String, BTreeMap<String, u64>>> {
        let rows = self.client()?.query(
            "SELECT split_part(d.slug, '/', 1) AS top, c.slug AS cause, count(DISTINCT d.case_id)
             FROM case_labels d
             JOIN case_labels c ON c.case_id = d.case_id AND c.dimension = 'cause'
                                AND c.state IN ('confirmed', 'matched')
             WHERE d.dimension = 'domain' AND d.state IN ('confirmed', 'matched')
             GROUP BY top, cause",
            &[],
        )?;
        let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for r in rows {
            let n: i64 = r.get(2);
            out.entry(r.get(0)).or_default().insert(r.get(1), n as u64);
        }
        Ok(out)
    }

    pub fn revisions(&self, id: &str) -> Result<Vec<Revision>> {
        self.client()?
            .query(
                "SELECT version, provenance, valid_from, replaced_at, doc::text FROM revisions
                 WHERE case_id = $1 ORDER BY version DESC",
                &[&id],
            )?
            .iter()
            .map(|r| {
                Ok(Revision {
                    version: r.get(0),
                    provenance: r.get(1),
                    valid_from: r.get(2),
                    replaced_at: r.get(3),
                    case: parse_doc(id, r.get(4))?,
                })
            })
            .collect()
    }

    pub fn known_dois(&self) -> Result<HashMap<String, String>> {
        Ok(self
            .client()?
            .query(
                "SELECT lower(doi), min(case_id) FROM case_references WHERE doi IS NOT NULL
                 GROUP BY lower(doi)",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    pub fn label_counts(
        &self,
        dim: Dimension,
        state: LabelState,
    ) -> Result<BTreeMap<String, usize>> {
        let rows = self.client()?.query(
            "SELECT case_id, slug FROM case_labels
             WHERE dimension = $1 AND state = $2 AND slug IS NOT NULL",
            &[&dim.as_str(), &state.as_str()],
        )?;
        Ok(crate::cases::count_with_ancestors(
            rows.iter().map(|r| (r.get(0), r.get(1))),
        ))
    }
}

/// Writes `cases` inside `tx` (the caller has locked the generation), as SQLite's `apply_in`.
pub(crate) fn apply_in<'a>(
    tx: &mut Transaction<'_>,
    cases: impl IntoIterator<Item = (&'a Case, &'a str)>,
) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    let at = now();
    let find = tx.prepare(
        "SELECT hash, doc::text, version, provenance, updated_at FROM cases WHERE id = $1",
    )?;
    let insert = tx.prepare(
        "INSERT INTO cases (id, title, year, source, incomplete, doc, hash, version, provenance,
                            created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, 1, $8, $9, $9)",
    )?;
    let label = tx.prepare(
        "INSERT INTO case_labels (case_id, dimension, position, slug, raw, state, is_primary, evidence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )?;
    let reference = tx.prepare(
        "INSERT INTO case_references (case_id, position, kind, title, authors, venue, year, doi, arxiv, url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )?;
    for (case, provenance) in cases {
        let doc = serde_json::to_string(case).expect("a case serialises");
        let h = hash(&doc);
        let year = case.year.map(i64::from);
        let source = case.source.facet();
        // The case's row, as both the update and the insert take it ($1 … $9).
        let row: [&(dyn postgres::types::ToSql + Sync); 9] = [
            &case.id,
            &case.title,
            &year,
            &source,
            &case.incomplete,
            &doc,
            &h,
            &provenance,
            &at,
        ];
        match tx.query_opt(&find, &[&case.id])? {
            Some(r) if r.get::<_, String>(0) == h => {
                report.unchanged += 1;
                continue;
            }
            Some(r) => {
                let (old_hash, old_doc, version, old_prov, valid_from): (
                    String,
                    String,
                    i64,
                    String,
                    String,
                ) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
                tx.execute(
                    "INSERT INTO revisions (case_id, version, doc, hash, provenance, valid_from, replaced_at)
                     VALUES ($1, $2, $3::text::jsonb, $4, $5, $6, $7)",
                    &[&case.id, &version, &old_doc, &old_hash, &old_prov, &valid_from, &at],
                )?;
                tx.execute(
                    "UPDATE cases SET title = $2, year = $3, source = $4, incomplete = $5,
                       doc = $6::text::jsonb, hash = $7, version = version + 1, provenance = $8,
                       updated_at = $9
                     WHERE id = $1",
                    &row,
                )?;
                tx.execute("DELETE FROM case_labels WHERE case_id = $1", &[&case.id])?;
                tx.execute(
                    "DELETE FROM case_references WHERE case_id = $1",
                    &[&case.id],
                )?;
                report.updated += 1;
            }
            None => {
                tx.execute(&insert, &row)?;
                report.added += 1;
                report.added_ids.insert(case.id.clone());
            }
        }
        for dim in Dimension::ALL {
            for (i, l) in case.labels(dim).iter().enumerate() {
                let primary = i == 0 && l.state == LabelState::Confirmed;
                let evidence = serde_json::to_string(&l.evidence).unwrap_or_default();
                tx.execute(
                    &label,
                    &[
                        &case.id,
                        &dim.as_str(),
                        &(i as i64),
                        &l.slug(),
                        &l.raw.as_deref().unwrap_or(&l.value),
                        &l.state.as_str(),
                        &primary,
                        &evidence,
                    ],
                )?;
            }
        }
        for (i, r) in case.references.iter().enumerate() {
            let authors = serde_json::to_string(&r.authors).unwrap_or_default();
            tx.execute(
                &reference,
                &[
                    &case.id,
                    &(i as i64),
                    &r.kind,
                    &r.title,
                    &authors,
                    &r.venue,
                    &r.year.map(i64::from),
                    &r.doi,
                    &r.arxiv,
                    &r.url,
                ],
            )?;
        }
        report.changed.push(case.id.clone());
    }
    Ok(report)
}
