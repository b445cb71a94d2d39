//! Facet counting in one pass: a tantivy collector that counts every facet dimension at once,
//! disjunctively, from a per-segment table of label combinations.
//!
//! **Disjunctive counts.** The collector runs over the text (and year) query *without* the
//! facet filters and applies the filters itself: a document passing every filter counts in
//! every dimension; a document failing exactly one filter counts only in that filter's
//! dimension (how many cases that dimension's other values would add); any other document is
//! skipped. That is the "drill sideways" of faceted search, in one pass instead of one per filter.
//!
//! **Combinations.** Most cases share their labels with many others, so each segment gets a
//! table, built once on first use (segments never change): every document's *combination* of
//! labels over all dimensions, deduplicated, with each label expanded to itself and its
//! ancestors once (a case labelled `healthcare/radiology` and `healthcare/pathology` adds 1 to
//! `healthcare`). Collecting a document is then one array read and one increment; the filters
//! and the per-label counts are worked out once per combination when the segment is harvested.

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

/// The label combinations of one segment.
#[derive(Debug)]
pub(crate) struct SegmentTable {
    /// Per dimension, the slugs (`a/b`) by node id: every facet in the segment and its ancestors.
    names: [Vec<String>; DIMS],
    ids: [HashMap<String, u32>; DIMS],
    /// The combination of each document (deleted ones included; the search skips them).
    doc_combo: Vec<u32>,
    /// `nodes[start[c * DIMS + d]..start[c * DIMS + d + 1]]` are combination `c`'s nodes in
    /// dimension `d`, sorted and distinct.
    start: Vec<u32>,
    nodes: Vec<u32>,
}

impl SegmentTable {
    fn build(segment: &SegmentReader) -> tantivy::Result<SegmentTable> {
        let mut names: [Vec<String>; DIMS] = Default::default();
        let mut ids: [HashMap<String, u32>; DIMS] = Default::default();
        // Per dimension, the nodes of each facet ordinal.
        let mut readers = Vec::with_capacity(DIMS);
        let mut ord_nodes: Vec<Vec<Vec<u32>>> = Vec::with_capacity(DIMS);
        for (d, dim) in FacetDim::ALL.iter().enumerate() {
            let reader = segment.facet_reader(dim.field_name())?;
            let mut facet = Facet::root();
            let mut per_ord = Vec::with_capacity(reader.num_facets());
            for ord in 0..reader.num_facets() as u64 {
                reader.facet_from_ord(ord, &mut facet)?;
                let mut slug = String::new();
                let mut nodes = Vec::new();
                for part in facet.to_path() {
                    if !slug.is_empty() {
                        slug.push('/');
                    }
                    slug.push_str(part);
                    let next = names[d].len() as u32;
                    let id = *ids[d].entry(slug.clone()).or_insert(next);
                    if id == next {
                        names[d].push(slug.clone());
                    }
                    nodes.push(id);
                }
                per_ord.push(nodes);
            }
            readers.push(reader);
            ord_nodes.push(per_ord);
        }

        let mut combos: HashMap<Box<[u32]>, u32> = HashMap::new();
        let mut start = vec![0u32];
        let mut nodes = Vec::new();
        let mut doc_combo = Vec::with_capacity(segment.max_doc() as usize);
        // The key of a combination: each dimension's nodes, then a separator.
        let mut key: Vec<u32> = Vec::new();
        let mut dim_nodes: Vec<u32> = Vec::new();
        for doc in 0..segment.max_doc() {
            key.clear();
            for d in 0..DIMS {
                dim_nodes.clear();
                for ord in readers[d].facet_ords(doc) {
                    dim_nodes.extend_from_slice(&ord_nodes[d][ord as usize]);
                }
                dim_nodes.sort_unstable();
                dim_nodes.dedup();
                key.extend_from_slice(&dim_nodes);
                key.push(u32::MAX);
            }
            let combo = match combos.get(key.as_slice()) {
                Some(&c) => c,
                None => {
                    let c = combos.len() as u32;
                    combos.insert(key.clone().into_boxed_slice(), c);
                    for part in key.split(|&n| n == u32::MAX).take(DIMS) {
                        nodes.extend_from_slice(part);
                        start.push(nodes.len() as u32);
                    }
                    c
                }
            };
            doc_combo.push(combo);
        }
        Ok(SegmentTable {
            names,
            ids,
            doc_combo,
            start,
            nodes,
        })
    }

    fn combos(&self) -> usize {
        (self.start.len() - 1) / DIMS
    }

    fn nodes_of(&self, combo: u32, d: usize) -> &[u32] {
        let i = combo as usize * DIMS + d;
        &self.nodes[self.start[i] as usize..self.start[i + 1] as usize]
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
    fn get(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentTable>> {
        let slot = self.lock().entry(segment.segment_id()).or_default().clone();
        if let Some(t) = slot.get() {
            return Ok(t.clone());
        }
        // Two searches may race to build the same table; the loser's copy is dropped.
        let table = Arc::new(SegmentTable::build(segment)?);
        Ok(slot.get_or_init(|| table).clone())
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
    /// Per filtered dimension, the node ids of its selected slugs in this segment.
    filters: Vec<(usize, Vec<u32>)>,
    counts: Vec<u32>,
    /// Combinations seen, so a selective query does not walk every combination at harvest.
    touched: Vec<u32>,
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
        for dim in &self.dims {
            counted[dim_index(*dim)] = true;
        }
        let filters = self
            .filters
            .iter()
            .map(|(dim, slugs)| {
                let d = dim_index(*dim);
                let selected = slugs
                    .iter()
                    .filter_map(|s| table.ids[d].get(s.trim_matches('/')).copied())
                    .collect();
                (d, selected)
            })
            .collect();
        Ok(SegmentFacetCounter {
            counts: vec![0; table.combos()],
            table,
            counted,
            filters,
            touched: Vec::new(),
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
        let combo = self.table.doc_combo[doc as usize];
        let n = &mut self.counts[combo as usize];
        if *n == 0 {
            self.touched.push(combo);
        }
        *n += 1;
    }

    fn harvest(self) -> Counts {
        let table = &self.table;
        let mut by_node: [Vec<u64>; DIMS] = Default::default();
        for (d, counts) in by_node.iter_mut().enumerate() {
            if self.counted[d] {
                *counts = vec![0; table.names[d].len()];
            }
        }
        for &combo in &self.touched {
            let n = u64::from(self.counts[combo as usize]);
            let mut failed = None;
            let mut skip = false;
            for (d, selected) in &self.filters {
                let nodes = table.nodes_of(combo, *d);
                if !selected.iter().any(|s| nodes.binary_search(s).is_ok()) {
                    if failed.is_some() {
                        skip = true;
                        break;
                    }
                    failed = Some(*d);
                }
            }
            if skip {
                continue;
            }
            for (d, counts) in by_node.iter_mut().enumerate() {
                if self.counted[d] && failed.is_none_or(|f| f == d) {
                    for &node in table.nodes_of(combo, d) {
                        counts[node as usize] += n;
                    }
                }
            }
        }
        FacetDim::ALL
            .iter()
            .enumerate()
            .filter(|(d, _)| self.counted[*d])
            .map(|(d, dim)| {
                let counts = by_node[d]
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| n > 0)
                    .map(|(node, &n)| (table.names[d][node].clone(), n))
                    .collect();
                (*dim, counts)
            })
            .collect()
    }
}
