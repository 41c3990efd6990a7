//! `cargo xtask measure`: what a visitor downloads (each file raw, gzip and brotli, with totals
//! for the first load and for what comes later) and how long the page takes to show the
//! cluster, measured in headless Chromium. Figures go in issue notes; no test fails on them.

use crate::{root, serve_dir, tools};
use std::io::Write;
use std::process::Command;

/// When the page downloads a file: `editor.js` when the YAML editor first opens, the explain
/// schema and the WebAssembly's second part after start-up, everything else on the first load.
fn when_loaded(name: &str) -> &'static str {
    if name == "editor.js" {
        "when the editor first opens"
    } else if name.starts_with("public/schema-") || name.ends_with("_split.wasm") {
        "after start-up"
    } else {
        "first load"
    }
}

pub fn run() -> Result<(), String> {
    let dist = tools::build_site()?;
    let mut files: Vec<_> = walk(&dist);
    files.sort();
    println!("{:<48} {:>10} {:>10} {:>10}", "file", "raw", "gzip -9", "brotli 11");
    let mut totals: Vec<(&str, [usize; 3])> = Vec::new();
    for file in &files {
        let bytes =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let sizes = [bytes.len(), gzip(&bytes)?, brotli(&bytes)?];
        let name = file.strip_prefix(&dist).unwrap_or(file).display().to_string();
        let when = when_loaded(&name);
        match totals.iter_mut().find(|(w, _)| *w == when) {
            Some((_, total)) => total.iter_mut().zip(sizes).for_each(|(t, s)| *t += s),
            None => totals.push((when, sizes)),
        }
        println!("{name:<48} {:>10} {:>10} {:>10}", sizes[0], sizes[1], sizes[2]);
    }
    totals.sort_by_key(|(when, _)| *when != "first load");
    for (when, total) in &totals {
        println!(
            "{:<48} {:>10} {:>10} {:>10}",
            format!("total, {when}"),
            total[0],
            total[1],
            total[2]
        );
    }

    let e2e = root().join("tests").join("e2e");
    tools::ensure_browser_test_tools(&e2e)?;
    let url = serve_dir::start(&dist, "/lab/")?;
    println!("\npage load (headless Chromium, {url}):");
    tools::run(Command::new("node").arg("measure-load.mjs").arg(&url).current_dir(&e2e))
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn gzip(bytes: &[u8]) -> Result<usize, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len())
}

fn brotli(bytes: &[u8]) -> Result<usize, String> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out.len())
}
