//! A time limit per search: a collector wrapper that refuses to start on another segment once
//! the search's deadline has passed. tantivy cannot stop a segment half-way, so a search
//! overruns its limit by at most one segment's work; that bounds what one pathological query
//! can cost without a thread of its own to cancel.

use std::time::Instant;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{SegmentOrdinal, SegmentReader, TantivyError};

/// The message of the error a timed-out search returns, to tell it from other errors.
pub(crate) const TIMED_OUT: &str = "notbetter: search deadline passed";

pub(crate) struct Deadline<C> {
    pub inner: C,
    pub at: Instant,
}

impl<C: Collector> Collector for Deadline<C> {
    type Fruit = C::Fruit;
    type Child = C::Child;

    fn check_schema(&self, schema: &tantivy::schema::Schema) -> tantivy::Result<()> {
        self.inner.check_schema(schema)
    }

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<C::Child> {
        self.inner.for_segment(ord, segment)
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<C::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<C::Fruit> {
        self.inner.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
        if Instant::now() >= self.at {
            return Err(TantivyError::InvalidArgument(TIMED_OUT.into()));
        }
        self.inner.collect_segment(weight, ord, reader)
    }
}
