//! `kubelab`: runs lab scripts against a simulated cluster (`kubelab run FILE`), or opens an
//! interactive lab shell (`kubelab`).

mod lessons_check;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use sim_core::Simulation;
use sim_core::shell::{Shell, Stream};
use std::io::{self, Read, Write};
use std::process::ExitCode;

/// The seed when none is given: lessons and golden transcripts are written against it.
const DEFAULT_SEED: u64 = 1;

const USAGE: &str = "\
kubelab — a Kubernetes learning lab on a simulated cluster

Usage:
  kubelab                      open an interactive lab shell
  kubelab run FILE             run a lab script (FILE or - for stdin), echoing each command after
                               its prompt (`$ `, or a node's after `ssh NODE`)
  kubelab lessons check [DIR]  run every lesson's solutions in a fresh cluster and check each
                               step (DIR defaults to content/lessons)
  kubelab help                 show this help

Options:
  --seed N                     seed of the simulated cluster (default 1): same seed, same cluster
  --version                    print the version
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seed = DEFAULT_SEED;
    let mut rest = Vec::new();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--seed" => match iter.next().and_then(|s| s.parse().ok()) {
                Some(value) => seed = value,
                None => return usage_error("--seed needs a number"),
            },
            "--version" => {
                println!(
                    "kubelab {} (simulating Kubernetes {})",
                    env!("CARGO_PKG_VERSION"),
                    sim_core::cluster::KUBERNETES_VERSION
                );
                return ExitCode::SUCCESS;
            }
            "-h" | "--help" | "help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => rest.push(arg),
        }
    }
    match rest.as_slice() {
        [] => repl(seed),
        [run, file] if run == "run" => run_script(file, seed),
        [lessons, check] if lessons == "lessons" && check == "check" => {
            lessons_check::run(std::path::Path::new("content/lessons"))
        }
        [lessons, check, dir] if lessons == "lessons" && check == "check" => {
            lessons_check::run(std::path::Path::new(dir))
        }
        _ => usage_error(&format!("unexpected arguments: {}", rest.join(" "))),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprint!("kubelab: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

/// Runs a script; the exit status is 0 even when commands in it fail, as a transcript of
/// failures is still a successful run. Only an unreadable file is an error.
fn run_script(file: &str, seed: u64) -> ExitCode {
    let script = if file == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(file)
    };
    let script = match script {
        Ok(script) => script,
        Err(error) => {
            eprintln!("kubelab: cannot read {file}: {error}");
            return ExitCode::from(1);
        }
    };
    let mut sim = Simulation::new(seed);
    let mut shell = Shell::new();
    shell.schema = schema();
    let stdout = io::stdout();
    let stderr = io::stderr();
    // Whether the last thing written ended a line: an echo line always starts a fresh one.
    let mut at_line_start = true;
    for ran in shell.run_script(&mut sim, &script) {
        let mut out = stdout.lock();
        let _ = writeln!(
            out,
            "{}{}{}",
            if at_line_start { "" } else { "\n" },
            ran.prompt,
            ran.first_line
        );
        if let Some((_, last)) = ran.output.chunks.last() {
            at_line_start = last.ends_with('\n');
        } else {
            at_line_start = true;
        }
        let _ = out.flush();
        drop(out);
        for (stream, text) in &ran.output.chunks {
            // Flush after every chunk so `2>&1` keeps the two streams in order.
            let _ = match stream {
                Stream::Stdout => {
                    stdout.lock().write_all(text.as_bytes()).and_then(|()| stdout.lock().flush())
                }
                Stream::Stderr => {
                    stderr.lock().write_all(text.as_bytes()).and_then(|()| stderr.lock().flush())
                }
            };
        }
    }
    ExitCode::SUCCESS
}

/// The interactive shell: a prompt with history; unfinished input (an open here-document)
/// continues on a `> ` prompt, as in bash.
fn repl(seed: u64) -> ExitCode {
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("kubelab: cannot open the terminal: {error}");
            return ExitCode::from(1);
        }
    };
    let history =
        std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".kubelab_history"));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    println!(
        "kubelab: a simulated Kubernetes {} cluster (seed {seed}). Type `help` for the commands, Ctrl-D to leave.",
        sim_core::cluster::KUBERNETES_VERSION
    );
    let mut sim = Simulation::new(seed);
    let mut shell = Shell::new();
    shell.schema = schema();
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() { shell.prompt() } else { "> ".to_string() };
        match editor.readline(&prompt) {
            Ok(line) => {
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                if !sim_core::shell::is_complete(&pending) {
                    continue;
                }
                let input = std::mem::take(&mut pending);
                if input.trim() == "exit" && shell.node.is_none() && shell.exec.is_none() {
                    break;
                }
                let _ = editor.add_history_entry(input.as_str());
                for ran in shell.run_script(&mut sim, &input) {
                    if ran.clear {
                        let _ = editor.clear_screen();
                    }
                    for (stream, text) in &ran.output.chunks {
                        match stream {
                            Stream::Stdout => print!("{text}"),
                            Stream::Stderr => eprint!("{text}"),
                        }
                    }
                }
                let _ = io::stdout().flush();
            }
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(ReadlineError::Eof) => break,
            Err(error) => {
                eprintln!("kubelab: {error}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    ExitCode::SUCCESS
}

/// The API schema `kubectl explain` reads, built into the binary.
fn schema() -> Option<std::sync::Arc<sim_core::kubectl::Schema>> {
    sim_core::kubectl::Schema::from_json(include_str!("../../public/schema-v1.34.json"))
        .ok()
        .map(std::sync::Arc::new)
}
