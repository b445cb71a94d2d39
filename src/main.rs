//! The `notbetter` binary (placeholder while the crates come up).
fn main() {}
