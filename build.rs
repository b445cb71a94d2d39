//! Rebuilds the binary when a bundled case file is added, removed or edited: `include_dir!`
//! embeds `data/cases` but does not tell cargo to watch it on stable Rust.

fn main() {
    println!("cargo:rerun-if-changed=data/cases");
    println!("cargo:rerun-if-changed=data/checks.toml");
    println!("cargo:rerun-if-changed=build.rs");
}
