//! `kubelab lessons check [DIR]`: every lesson's solutions run in a fresh cluster, each step's
//! check asserted (not met before its solution, met after), one line per step and a
//! `N passed, M failed` total that `cargo xtask test` adds to its own.

use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path) -> ExitCode {
    let loaded = match lessons::load_dir(dir) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("kubelab: {error}");
            return ExitCode::from(1);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for (folder, lesson) in loaded {
        let lesson = match lesson {
            Ok(lesson) => lesson,
            Err(error) => {
                println!("FAILED {folder}: {error}");
                failed += 1;
                continue;
            }
        };
        let id = lesson.id.clone();
        for report in lessons::runner::verify(lesson) {
            let name = format!("{id} step {} \"{}\"", report.step + 1, report.title);
            if report.problems.is_empty() {
                println!("ok {name}");
                passed += 1;
                continue;
            }
            failed += 1;
            println!("FAILED {name}:");
            for problem in &report.problems {
                println!("    {problem}");
            }
            println!("  the solution's transcript:");
            for line in report.transcript.lines() {
                println!("    | {line}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
