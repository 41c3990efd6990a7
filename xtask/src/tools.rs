//! Installs what the tasks need when it is missing: the wasm32 target, the pinned trunk and a
//! wasm-bindgen-cli equal to the `wasm-bindgen` in Cargo.lock (both in `.tools/`), Node.js and
//! the YAML editor's npm packages (bundled with esbuild into `app/js/dist/editor.js`),
//! Chromium for the browser tests.

use crate::root;
use std::path::{Path, PathBuf};
use std::process::Command;

const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const CHROMIUM: &str = "/usr/bin/chromium";

fn tools_bin() -> PathBuf {
    root().join(".tools").join("bin")
}

/// Runs a command to completion, failing with a message that names it.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command.status().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed ({status})")) }
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    println!("xtask: adding the {WASM_TARGET} target");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must be exactly this version.
fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

/// Installs `krate` at `version` into `.tools/` unless `binary --version` already says so.
fn ensure_cargo_tool(binary: &str, krate: &str, version: &str, locked: bool) -> Result<(), String> {
    let path = tools_bin().join(binary);
    let current = output_of(&path.to_string_lossy(), &["--version"]).unwrap_or_default();
    if current.split_whitespace().nth(1) == Some(version) {
        return Ok(());
    }
    println!("xtask: installing {krate} {version} into .tools/ (once; it takes a few minutes)");
    let mut install = Command::new("cargo");
    install.args(["install", krate, "--version", version, "--root"]).arg(root().join(".tools"));
    if locked {
        install.arg("--locked");
    }
    run(&mut install)
}

/// Everything `trunk build` and `trunk serve` need, the editor's bundle among them.
pub fn ensure_site_tools() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, true)?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &locked_wasm_bindgen_version()?, false)?;
    bundle_editor()
}

/// Installs the editor's pinned npm packages (`npm ci`, when package-lock.json changed since)
/// and bundles `app/js/editor.js` with them into one minified module, which the page loads
/// when the editor first opens.
fn bundle_editor() -> Result<(), String> {
    let js = root().join("app").join("js");
    ensure_apt_packages(&[("npm", "nodejs"), ("npm", "npm")])?;
    let installed = js.join("node_modules").join(".package-lock.json");
    if modified(&installed) < modified(&js.join("package-lock.json")) {
        println!("xtask: installing the editor's npm packages (npm ci)");
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&js))?;
    }
    run(Command::new("npm").args(["run", "--silent", "bundle"]).current_dir(&js))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Installs the Debian packages whose program (`program --version` runs) is missing, with apt
/// when run as root; otherwise says which command to run.
fn ensure_apt_packages(wanted: &[(&str, &str)]) -> Result<(), String> {
    let mut missing: Vec<&str> = wanted
        .iter()
        .filter(|(program, _)| output_of(program, &["--version"]).is_none())
        .map(|(_, package)| *package)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "kubelab needs {}; install them with: sudo apt-get install -y {}",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    apt_install(&missing)
}

/// `trunk`, run in `app/` with the pinned tools first on PATH so it never downloads any.
pub fn trunk() -> Result<Command, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![tools_bin()];
    paths.extend(std::env::split_paths(&path));
    let joined = std::env::join_paths(paths).map_err(|e| e.to_string())?;
    let mut command = Command::new(tools_bin().join("trunk"));
    command.current_dir(root().join("app")).env("PATH", joined).env("TRUNK_OFFLINE", "true");
    Ok(command)
}

/// Builds the release site into `dist/`, its WebAssembly split in two (`split.rs`), and returns
/// its path.
pub fn build_site() -> Result<PathBuf, String> {
    let dist = build_site_whole()?;
    crate::split::split_site(&dist)?;
    Ok(dist)
}

/// Builds the release site with its WebAssembly in one piece.
pub fn build_site_whole() -> Result<PathBuf, String> {
    ensure_site_tools()?;
    run(trunk()?.args(["build", "--release", "--offline"]))?;
    Ok(root().join("dist"))
}

fn is_root() -> bool {
    output_of("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    println!("xtask: installing {} with apt-get", packages.join(" "));
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends"]).args(packages))
}

/// Chromium, Node.js and the test runner's npm packages, for the end-to-end tests.
pub fn ensure_browser_test_tools(e2e: &Path) -> Result<(), String> {
    ensure_apt_packages(&[(CHROMIUM, "chromium"), ("npm", "nodejs"), ("npm", "npm")])?;
    if !e2e.join("node_modules").join("@playwright").join("test").exists() {
        println!("xtask: installing the browser test runner (npm ci)");
        // Playwright drives Debian's Chromium; it must never download browsers of its own.
        run(Command::new("npm")
            .arg("ci")
            .arg("--no-audit")
            .arg("--no-fund")
            .current_dir(e2e)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_lockfile_names_a_wasm_bindgen_version() {
        let version = super::locked_wasm_bindgen_version().expect("Cargo.lock lists wasm-bindgen");
        assert!(version.starts_with("0.2."), "{version}");
    }
}
