//! Rebuilds the binary when content, theme assets or templates change, so the release
//! binary always embeds what is on disk (rust-embed alone misses added files).

fn main() {
    println!("cargo:rerun-if-changed=content");
    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed=templates");
}
