//! Test fixture: a small in-memory index of plain text fields, committed in several segments,
//! for the unit tests of the parts that work on tantivy directly (spelling, more-like-this,
//! the reranked window).

use tantivy::schema::{Field, Schema, TEXT};
use tantivy::{Index, IndexWriter, Searcher, TantivyDocument};

/// An index with one text field per name in `fields` holding `docs` (one value per field,
/// in order), committed every `every` documents so that the documents span segments, and
/// its searcher.
pub(super) fn text_index(
    fields: &[&str],
    docs: &[&[&str]],
    every: usize,
) -> (Vec<Field>, Searcher) {
    let mut schema = Schema::builder();
    let fields: Vec<Field> = fields
        .iter()
        .map(|name| schema.add_text_field(name, TEXT))
        .collect();
    let index = Index::create_in_ram(schema.build());
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    for (i, values) in docs.iter().enumerate() {
        let mut doc = TantivyDocument::new();
        for (field, value) in fields.iter().zip(values.iter()) {
            doc.add_text(*field, value);
        }
        writer.add_document(doc).unwrap();
        if i % every == every - 1 {
            writer.commit().unwrap();
        }
    }
    writer.commit().unwrap();
    (fields, index.reader().unwrap().searcher())
}
