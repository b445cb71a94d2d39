//! How cases that score the same are ordered: by id, so a page of results holds still when
//! the index's segments are merged or rewritten (tantivy alone breaks ties by document
//! address, which a merge, a reindex or an edit changes).
//!
//! The id is kept as two `u64` fast fields, its first and next `CHARS` characters in base
//! 38 (the end of the id below `-`, below the digits, below the letters: the order of the
//! ids' bytes). Comparing the pair compares the ids' first 24 characters, which tells every
//! two bundled ids apart; ids that share more than that fall back to the address. Two
//! numbers cost a collector little (a column read for the documents that reach its
//! threshold); a string column's ordinals would have to be turned back into strings for
//! every segment's best hits (a block of the dictionary read per hit).

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::{DocAddress, Order, Score, Searcher};

/// The fast fields holding an id's first and second `CHARS` characters.
pub const TIE_HEAD: &str = "tie_head";
pub const TIE_TAIL: &str = "tie_tail";

/// Characters per field: 38^12 < 2^64.
const CHARS: usize = 12;

/// An id's place among ids, as two numbers compared in turn.
pub type TieKey = (u64, u64);

/// The key of `id`: its characters `0..12` and `12..24` in base 38.
pub fn tie_key(id: &str) -> TieKey {
    let bytes = id.as_bytes();
    let part = |from: usize| {
        (from..from + CHARS).fold(0u64, |acc, i| {
            acc * 38 + bytes.get(i).map_or(0, |&b| digit(b))
        })
    };
    (part(0), part(CHARS))
}

/// `-` 1, `0`-`9` 2-11, `a`-`z` 12-37; 0 is the end of the id. Anything else (ids are
/// checked to be lowercase letters, digits and hyphens) sorts as `-` does.
fn digit(b: u8) -> u64 {
    match b {
        b'-' => 1,
        b'0'..=b'9' => u64::from(b - b'0') + 2,
        b'a'..=b'z' => u64::from(b - b'a') + 12,
        b'A'..=b'Z' => u64::from(b - b'A') + 12,
        _ => 1,
    }
}

/// The keys of the cases at `addresses`, read from the fast fields (a case indexed before
/// the fields existed has none: the index is rebuilt when its schema changes, so only tests
/// of old indexes meet that, and `(0, 0)` stands in).
pub fn keys_of(searcher: &Searcher, addresses: &[DocAddress]) -> tantivy::Result<Vec<TieKey>> {
    let mut columns = std::collections::HashMap::new();
    addresses
        .iter()
        .map(|a| {
            if let std::collections::hash_map::Entry::Vacant(e) = columns.entry(a.segment_ord) {
                let fast = searcher.segment_reader(a.segment_ord).fast_fields();
                e.insert((fast.u64(TIE_HEAD)?, fast.u64(TIE_TAIL)?));
            }
            let (head, tail) = &columns[&a.segment_ord];
            Ok((
                head.first(a.doc_id).unwrap_or(0),
                tail.first(a.doc_id).unwrap_or(0),
            ))
        })
        .collect()
}

/// A collector's order: `K` in its order, then the id's two numbers ascending.
pub type ThenById<K> = (
    (K, Order),
    (SortByStaticFastValue<u64>, Order),
    (SortByStaticFastValue<u64>, Order),
);

/// The order of a relevance collector (`TopDocs::order_by`): best score first, equal scores
/// by id. Its fruit's key is `(score, head, tail)`.
pub fn by_relevance() -> ThenById<SortBySimilarityScore> {
    (
        (SortBySimilarityScore, Order::Desc),
        (SortByStaticFastValue::for_field(TIE_HEAD), Order::Asc),
        (SortByStaticFastValue::for_field(TIE_TAIL), Order::Asc),
    )
}

/// The order of a collector by year (`order`), equal years by id.
pub fn by_year(order: Order) -> ThenById<SortByStaticFastValue<i64>> {
    (
        (SortByStaticFastValue::for_field(crate::schema::YEAR), order),
        (SortByStaticFastValue::for_field(TIE_HEAD), Order::Asc),
        (SortByStaticFastValue::for_field(TIE_TAIL), Order::Asc),
    )
}

/// Best score first; equal scores by id, then by address.
pub fn by_score(
    a: &(Score, TieKey, DocAddress),
    b: &(Score, TieKey, DocAddress),
) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0)
        .then(a.1.cmp(&b.1))
        .then((a.2.segment_ord, a.2.doc_id).cmp(&(b.2.segment_ord, b.2.doc_id)))
}

#[cfg(test)]
mod tests {
    use super::tie_key;
    use proptest::prelude::*;

    proptest! {
        /// Keys order ids as their bytes do, for ids as the validator admits them.
        #[test]
        fn keys_order_ids_as_strings(a in "[a-z0-9-]{1,24}", b in "[a-z0-9-]{1,24}") {
            prop_assert_eq!(tie_key(&a).cmp(&tie_key(&b)), a.cmp(&b));
        }
    }

    /// Cases that score the same come back in id order whatever order they were written in,
    /// one segment each, in a single word's search and in a reranked question's; paging
    /// through them gives each once, and an export lists them in the same order.
    #[test]
    fn equal_scores_come_back_in_id_order_on_every_page() {
        use crate::{SearchIndex, SearchRequest};
        use notbetter_taxonomy::{bundled, Case};
        let ids = ["tie-e", "tie-b", "tie-d", "tie-a", "tie-c"];
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        for (n, id) in ids.iter().enumerate() {
            let case = Case::builder(*id)
                .title("Same title")
                .year(2020)
                .domains(&["healthcare/medical-imaging"])
                .causes(&["data/leakage"])
                .failure_modes(&["suboptimal-performance"])
                .elements("U.", "S.", "O.", "The split leaked patients.")
                .build();
            idx.upsert([&case]).unwrap();
            idx.commit(n as u64 + 1).unwrap();
        }
        assert!(idx.reader.searcher().segment_readers().len() > 1);
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        for q in ["leaked", "split leaked patients"] {
            let page = |offset: usize, limit: usize| -> Vec<String> {
                let mut req = SearchRequest::new(q);
                (req.offset, req.limit) = (offset, limit);
                idx.search(&req)
                    .unwrap()
                    .hits
                    .into_iter()
                    .map(|h| h.id)
                    .collect()
            };
            assert_eq!(page(0, 10), sorted, "{q}");
            let paged: Vec<String> = [page(0, 2), page(2, 2), page(4, 2)].concat();
            assert_eq!(paged, sorted, "{q}");
            // An export of the search lists them in the same order.
            let exported = idx.matching_ids(&SearchRequest::new(q)).unwrap();
            assert_eq!(exported, sorted, "{q}");
        }
    }

    #[test]
    fn ids_past_the_key_tie_and_shorter_ids_come_first() {
        let long = "pedestrian-detectors-cross-dataset";
        assert_eq!(
            tie_key(long),
            tie_key("pedestrian-detectors-cross-anything")
        );
        assert!(tie_key("pedestrian") < tie_key("pedestrian-detection"));
        assert!(tie_key("a-lab") < tie_key("a0"));
    }
}
