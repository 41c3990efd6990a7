//! Golden transcripts: each `tests/transcripts/NAME.lab` script, replayed by the real
//! `kubelab run`, must print exactly `NAME.out` beside it (stdout and stderr interleaved, as a
//! terminal shows them). `UPDATE_TRANSCRIPTS=1 cargo test -p kubelab --test transcripts`
//! rewrites the `.out` files; review the diff before committing.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

fn transcripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/transcripts")
}

/// Runs `kubelab run SCRIPT` with stdout and stderr going to one file, so their order is kept.
fn replay(script: &Path) -> String {
    let capture = std::env::temp_dir().join(format!(
        "kubelab-transcript-{}-{}.txt",
        std::process::id(),
        script.file_stem().unwrap_or_default().to_string_lossy()
    ));
    let file = File::create(&capture).expect("create the capture file");
    let status = Command::new(env!("CARGO_BIN_EXE_kubelab"))
        .arg("run")
        .arg(script)
        .stdout(file.try_clone().expect("share the capture file"))
        .stderr(file)
        .status()
        .expect("run kubelab");
    assert!(status.success(), "kubelab run {} exited with {status}", script.display());
    let output = std::fs::read_to_string(&capture).expect("read the capture");
    let _ = std::fs::remove_file(&capture);
    output
}

/// Where two texts first differ, with a few lines of context, for a readable failure.
fn first_difference(want: &str, got: &str) -> String {
    let want_lines: Vec<&str> = want.lines().collect();
    let got_lines: Vec<&str> = got.lines().collect();
    let at = want_lines
        .iter()
        .zip(&got_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(want_lines.len().min(got_lines.len()));
    let from = at.saturating_sub(3);
    let show = |lines: &[&str]| {
        lines.iter().skip(from).take(7).map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
    };
    format!(
        "first difference at line {}:\n  expected:\n{}\n  got:\n{}",
        at + 1,
        show(&want_lines),
        show(&got_lines)
    )
}

#[test]
fn golden_transcripts() {
    let update = std::env::var_os("UPDATE_TRANSCRIPTS").is_some();
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(transcripts_dir())
        .expect("tests/transcripts exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "lab"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no transcripts found");
    let mut failures = Vec::new();
    for script in &scripts {
        let expected_path = script.with_extension("out");
        let got = replay(script);
        if update {
            std::fs::write(&expected_path, &got).expect("write the transcript");
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if want != got {
            failures.push(format!(
                "{}: {}",
                script.file_name().unwrap_or_default().to_string_lossy(),
                first_difference(&want, &got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} transcript(s) differ (UPDATE_TRANSCRIPTS=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
