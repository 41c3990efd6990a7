//! The commands the lab shell knows, one function each. `kubectl` (and the common `k` alias)
//! goes to the simulated kubectl; everything else works on the workspace or on time.

use super::{Output, Shell};
use crate::Simulation;
use crate::time::parse_sleep_operand;
use std::time::Duration;

/// What a command left behind.
#[derive(Debug, Default)]
pub struct Result {
    pub output: Output,
    pub status: i32,
    pub clear: bool,
}

const COMMANDS: &[(&str, &str)] = &[
    ("kubectl", "talk to the simulated cluster (also: k)"),
    ("sleep", "let virtual time pass: sleep 30, sleep 2m, sleep 1h"),
    ("ls", "list the workspace files"),
    ("cat", "print workspace files, or what is piped in"),
    ("echo", "print its arguments"),
    ("clear", "clear the console"),
    ("help", "this list"),
];

pub fn run(shell: &mut Shell, sim: &mut Simulation, words: &[String], stdin: &str) -> Result {
    let mut output = Output::default();
    let Some((name, args)) = words.split_first() else {
        return Result::default();
    };
    let status = match name.as_str() {
        "kubectl" | "k" => {
            let env = crate::kubectl::Env {
                sim,
                files: &shell.files,
                stdin,
                config: &mut shell.kubeconfig,
            };
            crate::kubectl::kubectl(args, env, &mut output)
        }
        "sleep" => sleep(sim, args, &mut output),
        "ls" => ls(shell, args, &mut output),
        "cat" => cat(shell, args, stdin, &mut output),
        "echo" => echo(args, &mut output),
        "help" => help(&mut output),
        "clear" => {
            return Result { output, status: 0, clear: true };
        }
        other => {
            output.err_line(format!("kubelab: {other}: command not found (try `help`)"));
            127
        }
    };
    Result { output, status, clear: false }
}

/// GNU sleep: the operands are added up; here the time is virtual and passes at once.
fn sleep(sim: &mut Simulation, args: &[String], out: &mut Output) -> i32 {
    if args.is_empty() {
        out.err_line("sleep: missing operand\nTry 'sleep --help' for more information.");
        return 1;
    }
    let mut total = Duration::ZERO;
    for arg in args {
        match parse_sleep_operand(arg) {
            Some(d) => total += d,
            None => {
                out.err_line(format!(
                    "sleep: invalid time interval '{arg}'\nTry 'sleep --help' for more information."
                ));
                return 1;
            }
        }
    }
    sim.advance(total);
    0
}

fn ls(shell: &Shell, args: &[String], out: &mut Output) -> i32 {
    let mut status = 0;
    if args.is_empty() {
        for name in shell.files.keys() {
            out.out(format!("{name}\n"));
        }
    }
    for arg in args {
        if shell.files.contains_key(arg) {
            out.out(format!("{arg}\n"));
        } else {
            out.err_line(format!("ls: cannot access '{arg}': No such file or directory"));
            status = 2;
        }
    }
    status
}

fn cat(shell: &Shell, args: &[String], stdin: &str, out: &mut Output) -> i32 {
    if args.is_empty() || args == ["-"] {
        out.out(stdin);
        return 0;
    }
    let mut status = 0;
    for arg in args {
        match shell.files.get(arg) {
            Some(content) => out.out(content.as_str()),
            None => {
                out.err_line(format!("cat: {arg}: No such file or directory"));
                status = 1;
            }
        }
    }
    status
}

fn echo(args: &[String], out: &mut Output) -> i32 {
    let (newline, args) = match args.first().map(String::as_str) {
        Some("-n") => (false, &args[1..]),
        _ => (true, args),
    };
    let mut text = args.join(" ");
    if newline {
        text.push('\n');
    }
    out.out(text);
    0
}

fn help(out: &mut Output) -> i32 {
    out.out("The kubelab shell runs these commands:\n");
    for (name, what) in COMMANDS {
        out.out(format!("  {name:<8} {what}\n"));
    }
    out.out("It also understands quotes, # comments, pipes (|), ;, && and ||, > and >> into workspace files,\nand here-documents (kubectl apply -f - <<EOF ... EOF).\n");
    0
}
