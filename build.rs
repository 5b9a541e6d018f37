//! Embeds the shipped scenarios in the binary so Rapport runs from any folder.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read at run time: a build script compiled for a clone elsewhere may be reused here, and `env!` would
    // point it at that clone's folder.
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&root).join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        n.ends_with(".ron") && !n.ends_with(".plays.ron")
    });
    files.sort();
    let mut out =
        String::from("/// The shipped scenarios: (file name, RON source).\npub const SHIPPED: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", f.display().to_string());
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("shipped.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("cannot write the embedded scenario list: {e}"));
}
