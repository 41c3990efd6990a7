//! `cargo xtask`: the project's developer tasks. Each does its own setup on a fresh machine
//! (the wasm32 target, the pinned trunk and wasm-bindgen in `.tools/`, Chromium for tests).

mod measure;
mod schema;
mod serve_dir;
mod split;
mod test;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
Usage: cargo xtask <task>

Tasks:
  serve     build the lab and serve it at http://127.0.0.1:8080/, rebuilding on change
  dist      build the static site into dist/ (relative URLs: works from any sub-path)
  test      formatting, clippy, native tests, release build, browser end-to-end tests
  measure   sizes of what the page downloads (raw, gzip, brotli) and page load times
  split-profile  record which functions the page runs at start-up (app/split-profile.txt)
  schema    regenerate public/schema-v1.34.json (kubectl explain's schema) from k8s-openapi
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("dist") => {
            tools::build_site().map(|dist| println!("The site is in {}", dist.display()))
        }
        Some("test") => return test::run(),
        Some("measure") => measure::run(),
        Some("schema") => schema::run(),
        Some("split-profile") => split::record_profile(),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (xtask lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_default()
}

fn serve() -> Result<(), String> {
    tools::ensure_site_tools()?;
    println!("\nkubelab: building, then serving at http://127.0.0.1:8080/ (Ctrl-C to stop)\n");
    let status = tools::trunk()?
        .args(["serve", "--offline", "--public-url", "/"])
        .status()
        .map_err(|e| format!("cannot run trunk: {e}"))?;
    if status.success() { Ok(()) } else { Err("trunk serve stopped with an error".into()) }
}
