//! Rebuilds the server when a static asset in `web/` changes: `include_dir!` embeds the folder
//! but does not tell cargo to watch it on stable Rust.

fn main() {
    println!("cargo:rerun-if-changed=../../web");
    println!("cargo:rerun-if-changed=build.rs");
}
