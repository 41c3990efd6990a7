//! `cargo xtask test`: every check a change must pass, ending with `N passed, M failed`.
//! A check that fails does not stop the others, so one run reports everything.

use crate::{root, serve_dir, tools};
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(name.to_string());
        }
    }
}

fn section(title: &str) {
    println!("\n==> {title}");
}

pub fn run() -> ExitCode {
    let started = Instant::now();
    let mut tally = Tally::default();

    section("formatting (cargo fmt --check)");
    tally.check("cargo fmt", cargo(&["fmt", "--all", "--", "--check"]));

    section("lints (cargo clippy -D warnings)");
    tally.check(
        "cargo clippy",
        cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
    );

    section("native tests (cargo test)");
    native_tests(&mut tally);

    section("lessons (kubelab lessons check: every step's solution against its check)");
    lesson_checks(&mut tally);

    section("release build of the site");
    let site = tools::build_site();
    if let Err(error) = &site {
        eprintln!("xtask: {error}");
    }
    tally.check("release build", site.is_ok());

    section("browser end-to-end tests (Playwright, headless Chromium)");
    match site {
        Ok(dist) => browser_tests(&mut tally, &dist),
        Err(_) => tally.check("browser tests (the site did not build)", false),
    }

    println!("\nTook {:.0?}.", started.elapsed());
    if !tally.failures.is_empty() {
        println!("Failed: {}", tally.failures.join("; "));
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn cargo(args: &[&str]) -> bool {
    Command::new("cargo").args(args).current_dir(root()).status().is_ok_and(|s| s.success())
}

/// Runs `cargo test` for the whole workspace, streaming its output and counting its tests.
fn native_tests(tally: &mut Tally) {
    let child = Command::new("cargo")
        .args(["test", "--workspace", "--no-fail-fast", "--color", "never"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            eprintln!("xtask: cannot run cargo test: {error}");
            return tally.check("cargo test", false);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(result) = line.strip_prefix("test result: ") {
                passed += count(result, " passed");
                failed += count(result, " failed");
            } else if let Some(name) =
                line.strip_prefix("test ").and_then(|l| l.strip_suffix(" ... FAILED"))
            {
                tally.failures.push(name.to_string());
            }
        }
    }
    let ok = child.wait().is_ok_and(|s| s.success());
    tally.passed += passed;
    tally.failed += failed;
    if !ok && failed == 0 {
        // It failed before running tests (a compile error): count that as one failure.
        tally.check("cargo test (did not run)", false);
    }
}

/// Runs `kubelab lessons check`, streaming its lines and counting its steps.
fn lesson_checks(tally: &mut Tally) {
    let child = Command::new("cargo")
        .args(["run", "--quiet", "-p", "kubelab", "--", "lessons", "check", "content/lessons"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return tally.check("kubelab lessons check (could not start)", false);
    };
    let mut totals = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(name) = line.strip_prefix("FAILED ") {
                tally.failures.push(format!("lesson {}", name.trim_end_matches(':')));
            } else if let Some(found) = lesson_totals(&line) {
                totals = Some(found);
            }
        }
    }
    let _ = child.wait();
    match totals {
        Some((passed, failed)) => {
            tally.passed += passed;
            tally.failed += failed;
        }
        None => tally.check("kubelab lessons check (did not run)", false),
    }
}

/// `31 passed, 2 failed`: the last line of `kubelab lessons check`.
fn lesson_totals(line: &str) -> Option<(u64, u64)> {
    let (passed, failed) = line.split_once(" passed, ")?;
    Some((passed.parse().ok()?, failed.strip_suffix(" failed")?.parse().ok()?))
}

/// The number before `label` in `ok. 12 passed; 0 failed; ...`.
fn count(result: &str, label: &str) -> u64 {
    result
        .split(';')
        .find_map(|part| {
            part.trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ")
                .strip_suffix(label.trim())
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Serves the built site under `/lab/` and runs the Playwright suite against it.
fn browser_tests(tally: &mut Tally, dist: &std::path::Path) {
    let e2e = root().join("tests").join("e2e");
    if let Err(error) = tools::ensure_browser_test_tools(&e2e) {
        eprintln!("xtask: {error}");
        return tally.check("browser tests (setup)", false);
    }
    let url = match serve_dir::start(dist, "/lab/") {
        Ok(url) => url,
        Err(error) => {
            eprintln!("xtask: {error}");
            return tally.check("browser tests (server)", false);
        }
    };
    println!("serving the site at {url}");
    let report = root().join("target").join("e2e").join("results.json");
    let _ = std::fs::remove_file(&report);
    let status = Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(&e2e)
        .env("KUBELAB_URL", &url)
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &report)
        .status();
    let ran = status.is_ok();
    match std::fs::read_to_string(&report).ok().and_then(|json| playwright_counts(&json)) {
        Some((passed, failed)) => {
            tally.passed += passed;
            tally.failed += failed;
            if failed > 0 {
                tally.failures.push(format!("{failed} browser test(s)"));
            }
        }
        None => tally.check(
            if ran { "browser tests (no report)" } else { "browser tests (could not start)" },
            false,
        ),
    }
}

/// `expected` (passed) and `unexpected` + `flaky` (failed) from Playwright's JSON report.
fn playwright_counts(json: &str) -> Option<(u64, u64)> {
    let report: serde_json::Value = serde_json::from_str(json).ok()?;
    let stats = &report["stats"];
    let failed = stats["unexpected"].as_u64()? + stats["flaky"].as_u64().unwrap_or(0);
    Some((stats["expected"].as_u64()?, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_test_summaries() {
        let line =
            "ok. 41 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!((count(line, " passed"), count(line, " failed")), (41, 2));
        assert_eq!(count("FAILED. 3 passed; 1 failed; 0 ignored", " failed"), 1);
        assert_eq!(lesson_totals("31 passed, 2 failed"), Some((31, 2)));
        assert_eq!(lesson_totals("ok pods step 2 \"2 passed, 1 failed\""), None);
    }

    #[test]
    fn reads_playwright_stats() {
        let json = r#"{"suites": [], "stats": {"startTime": "x", "duration": 12.5, "expected": 5, "skipped": 0, "unexpected": 1, "flaky": 0}}"#;
        assert_eq!(playwright_counts(json), Some((5, 1)));
    }
}
