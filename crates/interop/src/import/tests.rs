//! Tests of the importers on small synthetic records.
