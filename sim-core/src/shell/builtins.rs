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

pub(crate) const COMMANDS: &[(&str, &str)] = &[
    ("kubectl", "talk to the simulated cluster (also: k)"),
    ("sleep", "let virtual time pass: sleep 30, sleep 2m, sleep 1h"),
    ("timeout", "run a command for at most a time: timeout 30s kubectl get pods -w"),
    ("ssh", "open a shell on a node: ssh node01 (exit to come back)"),
    ("ls", "list the workspace files"),
    ("cat", "print workspace files, or what is piped in"),
    ("echo", "print its arguments"),
    ("grep", "keep the lines that contain a text: grep [-i] [-v] TEXT [FILE]"),
    ("head", "the first lines: head [-n N] [FILE]"),
    ("tail", "the last lines: tail [-n N] [FILE]"),
    ("wc", "count lines, words and bytes: wc [-l] [FILE]"),
    ("tr", "translate or delete characters: tr -cd 'a-zA-Z0-9'"),
    ("base64", "encode, or decode with -d: echo -n admin | base64"),
    ("curl", "fetch a URL from your laptop: node ports, load balancer addresses, port-forwards"),
    ("jobs", "list the commands running in the background (COMMAND &)"),
    ("kill", "end a background job: kill %1"),
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
            let laptop_ports: Vec<(String, u16)> =
                shell.jobs.forwards().into_iter().map(|f| (f.address, f.local_port)).collect();
            let env = crate::kubectl::Env {
                sim,
                files: &shell.files,
                stdin,
                config: &mut shell.kubeconfig,
                schema: shell.schema.as_deref(),
                watch: &mut shell.watch,
                edit: shell.interactive.then_some(&mut shell.edit),
                exec: shell.interactive.then_some(&mut shell.exec),
                laptop_ports: &laptop_ports,
            };
            crate::kubectl::kubectl(args, env, &mut output)
        }
        "sleep" => sleep(sim, args, &mut output),
        "ssh" => super::node::ssh(shell, sim, args, &mut output),
        "timeout" => timeout(shell, sim, args, stdin, &mut output),
        "ls" => ls(shell, args, &mut output),
        "cat" => cat(shell, args, stdin, &mut output),
        "echo" => echo(args, &mut output),
        "grep" => grep(shell, args, stdin, &mut output),
        "head" if args.iter().any(|a| a.starts_with("-c") || a.starts_with("--bytes")) => {
            super::text::head_bytes(shell, sim, args, stdin, &mut output)
        }
        "head" => head_or_tail(shell, "head", args, stdin, &mut output),
        "tr" => super::text::tr(args, stdin, &mut output),
        "base64" => super::text::base64(shell, sim, args, stdin, &mut output),
        "tail" => head_or_tail(shell, "tail", args, stdin, &mut output),
        "wc" => wc(shell, args, stdin, &mut output),
        "curl" => curl(shell, sim, args, &mut output),
        "jobs" => {
            output.out(shell.jobs.list());
            0
        }
        "kill" => kill(shell, args, &mut output),
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

/// curl on the student's laptop: it reaches what is visible from outside the cluster (node
/// ports on the nodes' addresses, load balancer IPs, ports `kubectl port-forward` opened on
/// localhost); `-o FILE` saves into the workspace.
fn curl(shell: &mut Shell, sim: &mut Simulation, args: &[String], out: &mut Output) -> i32 {
    let origin = crate::network::Origin::laptop(shell.jobs.forwards());
    let files = &mut shell.files;
    let mut save = |name: &str, text: &str| {
        files.insert(name.to_string(), text.to_string());
        true
    };
    let code = curl_from(sim, origin, args, &mut save, out);
    let connections = sim.take_forwarded_connections();
    shell.jobs.handle(&connections, sim.now());
    code
}

/// curl from `origin` (the laptop, or a node with `ssh`); `save` keeps what `-o FILE` writes.
pub(super) fn curl_from(
    sim: &mut Simulation,
    origin: crate::network::Origin,
    args: &[String],
    save: &mut dyn FnMut(&str, &str) -> bool,
    out: &mut Output,
) -> i32 {
    let (stdout, stderr, code) = sim.on_network(origin, |net| {
        let mut call = crate::container::ClientCall {
            name: "curl",
            args,
            out: String::new(),
            err: String::new(),
            legacy_nslookup: false,
            save,
        };
        let code = crate::container::network_client(&mut call, net).unwrap_or(0);
        (call.out, call.err, code)
    });
    out.out(stdout);
    if !stderr.is_empty() {
        out.err(stderr);
    }
    code
}

/// `kill %N`: ends a background job (the lab shell has no other processes to signal).
fn kill(shell: &mut Shell, args: &[String], out: &mut Output) -> i32 {
    let specs: Vec<&String> = args.iter().filter(|a| !a.starts_with('-') || a.len() == 1).collect();
    if specs.is_empty() {
        out.err_line("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]");
        return 2;
    }
    let mut status = 0;
    for spec in specs {
        if !spec.starts_with('%') {
            out.err_line(format!("kubelab: kill: ({spec}) - No such process"));
            status = 1;
            continue;
        }
        match shell.jobs.kill(spec) {
            Ok(notice) => out.err(notice),
            Err(problem) => {
                out.err_line(problem);
                status = 1;
            }
        }
    }
    status
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

/// GNU timeout: runs a command for at most DURATION, exiting 124 if it had to stop it. Only
/// a watch outlasts its start here: it reports every change until the time is up.
fn timeout(
    shell: &mut Shell,
    sim: &mut Simulation,
    args: &[String],
    stdin: &str,
    out: &mut Output,
) -> i32 {
    let Some((duration, command)) = args.split_first().filter(|(_, command)| !command.is_empty())
    else {
        out.err_line("timeout: missing operand\nTry 'timeout --help' for more information.");
        return 125;
    };
    let Some(limit) = parse_sleep_operand(duration) else {
        out.err_line(format!(
            "timeout: invalid time interval '{duration}'\nTry 'timeout --help' for more information."
        ));
        return 125;
    };
    let result = run(shell, sim, command, stdin);
    out.extend(result.output);
    let Some(mut watch) = shell.watch.take() else {
        return result.status;
    };
    out.out(watch.follow(sim, limit));
    // `logs -f` ends when its container stops; a watch only when the time is up.
    if watch.is_finished() { result.status } else { 124 }
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

/// The text a filter reads: the named workspace file, or what is piped in.
fn input<'a>(
    shell: &'a Shell,
    command: &str,
    file: Option<&String>,
    stdin: &'a str,
    out: &mut Output,
) -> Option<&'a str> {
    match file {
        None => Some(stdin),
        Some(name) if name == "-" => Some(stdin),
        Some(name) => match shell.files.get(name) {
            Some(text) => Some(text),
            None => {
                out.err_line(format!("{command}: {name}: No such file or directory"));
                None
            }
        },
    }
}

const GREP_USAGE: &str = "Usage: grep [-iEFvcwq] [-A N] [-B N] [-C N] PATTERN [FILE]";

/// `grep [-iEFvcwq] [-A|-B|-C N] PATTERN [FILE]`: basic regular expressions by default, extended
/// with `-E`, fixed strings with `-F`; context lines separated by `--` as GNU grep prints them.
fn grep(shell: &Shell, args: &[String], stdin: &str, out: &mut Output) -> i32 {
    let (mut ignore_case, mut invert, mut count, mut quiet, mut word) =
        (false, false, false, false, false);
    let (mut extended, mut fixed) = (false, false);
    let (mut after, mut before) = (0usize, 0usize);
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if !arg.starts_with('-') || arg.len() == 1 || !operands.is_empty() {
            operands.push(arg.clone());
            continue;
        }
        let mut letters = arg[1..].chars();
        while let Some(letter) = letters.next() {
            match letter {
                'i' => ignore_case = true,
                'v' => invert = true,
                'c' => count = true,
                'q' => quiet = true,
                'w' => word = true,
                'E' => extended = true,
                'F' => fixed = true,
                'A' | 'B' | 'C' => {
                    let rest: String = letters.by_ref().collect();
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i - 1).cloned().unwrap_or_default()
                    } else {
                        rest
                    };
                    let Ok(lines) = value.parse::<usize>() else {
                        out.err_line(format!("grep: {value}: invalid context length argument"));
                        return 2;
                    };
                    if letter != 'B' {
                        after = lines;
                    }
                    if letter != 'A' {
                        before = lines;
                    }
                }
                other => {
                    out.err_line(format!("grep: invalid option -- '{other}'\n{GREP_USAGE}"));
                    return 2;
                }
            }
        }
    }
    let Some(pattern) = operands.first() else {
        out.err_line(GREP_USAGE);
        return 2;
    };
    let mut source = if fixed {
        regex_lite::escape(pattern)
    } else if extended {
        pattern.clone()
    } else {
        basic_to_extended(pattern)
    };
    if word {
        source = format!(r"\b(?:{source})\b");
    }
    if ignore_case {
        source = format!("(?i){source}");
    }
    let Ok(regex) = regex_lite::Regex::new(&source) else {
        out.err_line("grep: Unmatched ( or \\(");
        return 2;
    };
    let Some(text) = input(shell, "grep", operands.get(1), stdin, out) else {
        return 2;
    };
    let lines: Vec<&str> = text.lines().collect();
    let matches: Vec<bool> = lines.iter().map(|line| regex.is_match(line) != invert).collect();
    let found = matches.iter().filter(|m| **m).count();
    if quiet {
        return i32::from(found == 0);
    }
    if count {
        out.out(format!("{found}\n"));
        return i32::from(found == 0);
    }
    // Lines to print: each match with its context; a gap between groups prints `--`.
    let mut shown = vec![false; lines.len()];
    for (index, _) in matches.iter().enumerate().filter(|(_, m)| **m) {
        let from = index.saturating_sub(before);
        let to = (index + after).min(lines.len().saturating_sub(1));
        shown[from..=to].iter_mut().for_each(|s| *s = true);
    }
    let mut last_printed: Option<usize> = None;
    for (index, line) in lines.iter().enumerate().filter(|(i, _)| shown[*i]) {
        if (after > 0 || before > 0) && last_printed.is_some_and(|last| index > last + 1) {
            out.out("--\n");
        }
        out.out(format!("{line}\n"));
        last_printed = Some(index);
    }
    i32::from(found == 0)
}

/// A POSIX basic regular expression in the extended syntax: `+ ? | ( ) { }` are literal unless
/// escaped, where they become operators.
fn basic_to_extended(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(op @ ('+' | '?' | '|' | '(' | ')' | '{' | '}')) => out.push(op),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push_str("\\\\"),
            },
            '+' | '?' | '|' | '(' | ')' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

/// `head`/`tail [-n N] [FILE]` (also `-N`).
fn head_or_tail(
    shell: &Shell,
    command: &str,
    args: &[String],
    stdin: &str,
    out: &mut Output,
) -> i32 {
    let mut lines = 10usize;
    let mut file = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let number = if arg == "-n" {
            iter.next().map(String::as_str)
        } else if let Some(n) = arg.strip_prefix("-n") {
            Some(n)
        } else if let Some(n) = arg.strip_prefix('-').filter(|n| !n.is_empty()) {
            Some(n)
        } else {
            file = Some(arg);
            continue;
        };
        match number.and_then(|n| n.trim_start_matches('+').parse().ok()) {
            Some(n) => lines = n,
            None => {
                out.err_line(format!(
                    "{command}: invalid number of lines: '{}'",
                    number.unwrap_or_default()
                ));
                return 1;
            }
        }
    }
    let Some(text) = input(shell, command, file, stdin, out) else { return 1 };
    let all: Vec<&str> = text.lines().collect();
    let kept = if command == "head" {
        &all[..lines.min(all.len())]
    } else {
        &all[all.len().saturating_sub(lines)..]
    };
    for line in kept {
        out.out(format!("{line}\n"));
    }
    0
}

/// `wc [-l|-w|-c] [FILE]`.
fn wc(shell: &Shell, args: &[String], stdin: &str, out: &mut Output) -> i32 {
    let flags: Vec<&String> = args.iter().filter(|a| a.starts_with('-')).collect();
    let file = args.iter().find(|a| !a.starts_with('-'));
    let Some(text) = input(shell, "wc", file, stdin, out) else { return 1 };
    let counts =
        [("-l", text.lines().count()), ("-w", text.split_whitespace().count()), ("-c", text.len())];
    let shown: Vec<String> = counts
        .iter()
        .filter(|(flag, _)| flags.is_empty() || flags.iter().any(|f| f.as_str() == *flag))
        .map(|(_, n)| n.to_string())
        .collect();
    let suffix = file.map(|f| format!(" {f}")).unwrap_or_default();
    out.out(format!("{}{suffix}\n", shown.join(" ")));
    0
}

fn help(out: &mut Output) -> i32 {
    out.out("The kubelab shell runs these commands:\n");
    for (name, what) in COMMANDS {
        out.out(format!("  {name:<8} {what}\n"));
    }
    out.out("It also understands quotes, # comments, pipes (|), ;, && and ||, & (background), > and >> into workspace files,\nhere-documents (kubectl apply -f - <<EOF ... EOF) and command substitution: $(...).\n");
    0
}
