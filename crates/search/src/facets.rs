//! Facet counting in one pass: a tantivy collector that counts every facet dimension at once,
//! disjunctively, from per-segment tables of each document's label sets.
//!
//! **Disjunctive counts.** The collector runs over the text (and year) query *without* the
//! facet filters and applies the filters itself: a document passing every filter counts in
//! every dimension; a document failing exactly one filter counts only in that filter's
//! dimension (how many cases that dimension's other values would add); any other document is
//! skipped. That is the "drill sideways" of faceted search, in one pass instead of one per filter.
//!
//! **Label sets.** Most cases share their labels in a dimension with many others (the same one
//! or two domains, the same few causes), so each segment gets a table, built once on first use
//! (segments never change): per dimension, every document's *set* of labels, deduplicated,
//! with each label expanded to itself and its ancestors once (a case labelled
//! `healthcare/radiology` and `healthcare/pathology` adds 1 to `healthcare`). Collecting a
//! document is then an array read and an increment per dimension, and a filter is a look-up
//! in a table of the sets it admits; the per-label counts are worked out once per set when
//! the segment is harvested. (Sets are per dimension, not across them: combinations across
//! all five dimensions are nearly unique per case at scale, and would save nothing.)

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::FacetDim;

const DIMS: usize = FacetDim::ALL.len();

fn dim_index(dim: FacetDim) -> usize {
    FacetDim::ALL
        .iter()
        .position(|d| *d == dim)
        .expect("every dimension is in ALL")
}

/// The label sets of one dimension in one segment.
#[derive(Debug, Default)]
struct DimTable {
    /// The slugs (`a/b`) by node id: every facet in the segment and its ancestors.
    names: Vec<String>,
    ids: HashMap<String, u32>,
    /// The set of each document (deleted ones included; the search skips them).
    doc_set: Vec<u32>,
    /// `nodes[start[s]..start[s + 1]]` are set `s`'s nodes, sorted and distinct.
    start: Vec<u32>,
    nodes: Vec<u32>,
}

impl DimTable {
    fn build(segment: &SegmentReader, dim: FacetDim) -> tantivy::Result<DimTable> {
        let reader = segment.facet_reader(dim.field_name())?;
        let mut t = DimTable {
            start: vec![0],
            doc_set: Vec::with_capacity(segment.max_doc() as usize),
            ..DimTable::default()
        };
        // The nodes of each facet ordinal.
        let mut facet = Facet::root();
        let mut ord_nodes = Vec::with_capacity(reader.num_facets());
        for ord in 0..reader.num_facets() as u64 {
            reader.facet_from_ord(ord, &mut facet)?;
            let mut slug = String::new();
            let mut nodes = Vec::new();
            for part in facet.to_path() {
                if !slug.is_empty() {
                    slug.push('/');
                }
                slug.push_str(part);
                let next = t.names.len() as u32;
                let id = *t.ids.entry(slug.clone()).or_insert(next);
                if id == next {
                    t.names.push(slug.clone());
                }
                nodes.push(id);
            }
            ord_nodes.push(nodes);
        }
        let mut sets: HashMap<Box<[u32]>, u32> = HashMap::new();
        let mut key: Vec<u32> = Vec::new();
        for doc in 0..segment.max_doc() {
            key.clear();
            for ord in reader.facet_ords(doc) {
                key.extend_from_slice(&ord_nodes[ord as usize]);
            }
            key.sort_unstable();
            key.dedup();
            let set = match sets.get(key.as_slice()) {
                Some(&s) => s,
                None => {
                    let s = sets.len() as u32;
                    sets.insert(key.clone().into_boxed_slice(), s);
                    t.nodes.extend_from_slice(&key);
                    t.start.push(t.nodes.len() as u32);
                    s
                }
            };
            t.doc_set.push(set);
        }
        Ok(t)
    }

    fn sets(&self) -> usize {
        self.start.len() - 1
    }

    fn nodes_of(&self, set: usize) -> &[u32] {
        &self.nodes[self.start[set] as usize..self.start[set + 1] as usize]
    }
}

/// The label sets of every dimension in one segment.
#[derive(Debug)]
pub(crate) struct SegmentTable {
    dims: [DimTable; DIMS],
}

impl SegmentTable {
    /// The label ids of `dim` on document `doc` (ancestors included), and the table's number
    /// of labels; `label_name` turns an id back into its slug.
    pub(crate) fn label_ids(&self, dim: FacetDim, doc: DocId) -> &[u32] {
        let t = &self.dims[dim_index(dim)];
        t.nodes_of(t.doc_set[doc as usize] as usize)
    }

    pub(crate) fn label_count(&self, dim: FacetDim) -> usize {
        self.dims[dim_index(dim)].names.len()
    }

    pub(crate) fn label_name(&self, dim: FacetDim, id: u32) -> &str {
        &self.dims[dim_index(dim)].names[id as usize]
    }

    /// Documents per label of `dim` over the whole segment (deleted ones skipped when
    /// `alive` says so), ancestors included.
    pub(crate) fn totals(
        &self,
        dim: FacetDim,
        alive: impl Fn(DocId) -> bool,
    ) -> HashMap<&str, u64> {
        let t = &self.dims[dim_index(dim)];
        let mut per_set = vec![0u64; t.sets()];
        for (doc, &set) in t.doc_set.iter().enumerate() {
            if alive(doc as DocId) {
                per_set[set as usize] += 1;
            }
        }
        let mut out = HashMap::new();
        for (set, n) in per_set.into_iter().enumerate() {
            if n > 0 {
                for &node in t.nodes_of(set) {
                    *out.entry(t.names[node as usize].as_str()).or_default() += n;
                }
            }
        }
        out
    }

    fn build(segment: &SegmentReader) -> tantivy::Result<SegmentTable> {
        let mut dims: [DimTable; DIMS] = Default::default();
        for (d, dim) in FacetDim::ALL.iter().enumerate() {
            dims[d] = DimTable::build(segment, *dim)?;
        }
        Ok(SegmentTable { dims })
    }
}

type Slot = Arc<OnceLock<Arc<SegmentTable>>>;

/// Tables by segment, built on first use. Entries of segments merged away are dropped when
/// the cache holds more than the live segments.
#[derive(Debug, Default)]
pub(crate) struct SegmentTables {
    tables: Mutex<HashMap<SegmentId, Slot>>,
}

impl SegmentTables {
    pub(crate) fn get(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentTable>> {
        let slot = self.lock().entry(segment.segment_id()).or_default().clone();
        if let Some(t) = slot.get() {
            return Ok(t.clone());
        }
        // Two searches may race to build the same table; the loser's copy is dropped.
        let table = Arc::new(SegmentTable::build(segment)?);
        Ok(slot.get_or_init(|| table).clone())
    }

    /// How many segments have a table (built or being built).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Slot>> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets the tables of segments that are no longer searched.
    pub(crate) fn retain_segments(&self, live: &[SegmentId]) {
        let mut tables = self.lock();
        if tables.len() > live.len() {
            tables.retain(|seg, _| live.contains(seg));
        }
    }
}

/// Counts the facets of `dims` over the matching documents, applying `filters` disjunctively
/// (see the module docs).
pub(crate) struct FacetCounter<'a> {
    pub dims: Vec<FacetDim>,
    /// Selected slugs per filtered dimension; a slug selects itself and its descendants.
    pub filters: Vec<(FacetDim, Vec<String>)>,
    pub tables: &'a SegmentTables,
}

/// Counts per dimension, by slug.
pub(crate) type Counts = BTreeMap<FacetDim, BTreeMap<String, u64>>;

pub(crate) struct SegmentFacetCounter {
    table: Arc<SegmentTable>,
    counted: [bool; DIMS],
    /// Per filtered dimension, whether each of its sets passes the filter.
    filters: Vec<(usize, Vec<bool>)>,
    /// Per counted dimension, documents per set.
    counts: [Vec<u32>; DIMS],
}

impl Collector for FacetCounter<'_> {
    type Fruit = Counts;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let table = self.tables.get(segment)?;
        let mut counted = [false; DIMS];
        let mut counts: [Vec<u32>; DIMS] = Default::default();
        for dim in &self.dims {
            let d = dim_index(*dim);
            counted[d] = true;
            counts[d] = vec![0; table.dims[d].sets()];
        }
        let filters = self
            .filters
            .iter()
            .map(|(dim, slugs)| {
                let t = &table.dims[dim_index(*dim)];
                let selected: Vec<u32> = slugs
                    .iter()
                    .filter_map(|s| t.ids.get(s.trim_matches('/')).copied())
                    .collect();
                let allowed = (0..t.sets())
                    .map(|set| {
                        let nodes = t.nodes_of(set);
                        selected.iter().any(|n| nodes.binary_search(n).is_ok())
                    })
                    .collect();
                (dim_index(*dim), allowed)
            })
            .collect();
        Ok(SegmentFacetCounter {
            table,
            counted,
            filters,
            counts,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut out: Counts = self.dims.iter().map(|d| (*d, BTreeMap::new())).collect();
        for fruit in fruits {
            for (dim, counts) in fruit {
                let into = out.entry(dim).or_default();
                for (slug, n) in counts {
                    *into.entry(slug).or_default() += n;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        let doc = doc as usize;
        let mut failed = usize::MAX;
        for (d, allowed) in &self.filters {
            if !allowed[self.table.dims[*d].doc_set[doc] as usize] {
                if failed != usize::MAX {
                    return;
                }
                failed = *d;
            }
        }
        for d in 0..DIMS {
            if self.counted[d] && (failed == usize::MAX || failed == d) {
                self.counts[d][self.table.dims[d].doc_set[doc] as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Counts {
        FacetDim::ALL
            .iter()
            .enumerate()
            .filter(|(d, _)| self.counted[*d])
            .map(|(d, dim)| {
                let t = &self.table.dims[d];
                let mut by_node = vec![0u64; t.names.len()];
                for (set, &n) in self.counts[d].iter().enumerate() {
                    if n > 0 {
                        for &node in t.nodes_of(set) {
                            by_node[node as usize] += u64::from(n);
                        }
                    }
                }
                let counts = by_node
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| n > 0)
                    .map(|(node, &n)| (t.names[node].clone(), n))
                    .collect();
                (*dim, counts)
            })
            .collect()
    }
}
