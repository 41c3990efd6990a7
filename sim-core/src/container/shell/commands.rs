//! The programs a shell in the container can run (`cat`, `ls`, `sleep`, `grep`…), with the
//! error texts of the image's userland: busybox (busybox, alpine) or GNU (Debian, Ubuntu).

use super::{Ctx, Environment};
use crate::container::Userland;
use crate::container::clock;
use crate::container::fs::{Errno, FileKind, Stat, normalize};
use crate::time::{SimTime, parse_sleep_operand};
use std::time::Duration;

/// What a command leaves the shell to do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Done(i32),
    /// Blocks for this long (`sleep`).
    Sleep(Duration),
    /// Blocks for good (`sleep infinity`).
    Forever,
    /// `tail -f FILE`: follows the file from this byte offset.
    Follow(String, usize),
}

/// One run of a command: its arguments and what it wrote.
pub(crate) struct Tool<'a, 'b> {
    pub ctx: &'a mut Ctx<'b>,
    pub name: &'a str,
    pub args: &'a [String],
    /// Everything left on stdin, if something is redirected or piped in.
    pub stdin: Option<String>,
    /// The exported environment.
    pub env: Environment<'a>,
    pub cwd: &'a str,
    pub clock: SimTime,
    /// Debian's `sh` (dash) runs it: its `echo` interprets backslash escapes.
    pub dash: bool,
    pub out: String,
    pub err: String,
}

/// Programs that reach the network, which the lab does not simulate inside pods.
const NETWORK_NOTE: &str = "(kubelab: networking inside pods is not simulated yet)";

pub(crate) fn run(t: &mut Tool) -> Flow {
    let code = match t.name {
        "echo" => echo(t),
        "printf" => printf(t),
        "test" | "[" => test(t),
        "sleep" => return sleep(t),
        "cat" => cat(t),
        "ls" => ls(t),
        "stat" => stat(t),
        "chmod" => chmod(t),
        "rm" => rm(t),
        "mkdir" => mkdir(t),
        "rmdir" => rmdir(t),
        "touch" => touch(t),
        "cp" | "mv" => copy(t),
        "head" | "tail" => return head_tail(t),
        "wc" => wc(t),
        "grep" | "egrep" | "fgrep" => grep(t),
        "tr" => tr(t),
        "cut" => cut(t),
        "seq" => seq(t),
        "expr" => expr(t),
        "base64" => base64(t),
        "date" => date(t),
        "hostname" => {
            let name = t.ctx.hostname.to_string();
            line(t, &name)
        }
        "env" | "printenv" => env(t),
        "uname" => uname(t),
        "id" => {
            t.out.push_str("uid=0(root) gid=0(root) groups=0(root)\n");
            0
        }
        "whoami" => line(t, "root"),
        "basename" => {
            let name = t
                .args
                .first()
                .map_or("", |a| a.trim_end_matches('/').rsplit('/').next().unwrap_or(""));
            let name = name.to_string();
            line(t, &name)
        }
        "dirname" => {
            let path = t.args.first().cloned().unwrap_or_default();
            let dir = match path.trim_end_matches('/').rfind('/') {
                Some(0) => "/".to_string(),
                Some(i) => path[..i].to_string(),
                None => ".".to_string(),
            };
            line(t, &dir)
        }
        "sort" => sort(t),
        "uniq" => uniq(t),
        "tee" => tee(t),
        "true" => 0,
        "false" => 1,
        "nproc" => line(t, "2"),
        "wget" | "curl" | "nc" | "nslookup" | "ping" | "telnet" | "ping6" => network(t),
        "redis-cli" | "pg_isready" | "mysqladmin" | "mysql" | "psql" => client(t),
        // nginx's own command line, as the lifecycle-hook and troubleshooting docs use it; the
        // server itself is the container's main process.
        "nginx" => match t.args.first().map(String::as_str) {
            Some("-v") => {
                t.err.push_str("nginx version: nginx/1.29.1\n");
                0
            }
            Some("-t") => {
                t.err.push_str("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n");
                0
            }
            // `-s quit|stop|reload`: the signal reaches the master process.
            Some("-s") => 0,
            _ => {
                t.err.push_str("nginx: kubelab runs nginx only as the container's main process\n");
                1
            }
        },
        "sed" | "awk" | "find" | "xargs" | "ps" | "top" | "kill" | "vi" | "nano" => {
            t.err.push_str(&format!("{}: kubelab does not simulate this command yet\n", t.name));
            1
        }
        other => {
            t.err.push_str(&format!(
                "{other}: kubelab does not simulate this program inside exec\n"
            ));
            126
        }
    };
    Flow::Done(code)
}

fn line(t: &mut Tool, text: &str) -> i32 {
    t.out.push_str(text);
    t.out.push('\n');
    0
}

fn busybox(t: &Tool) -> bool {
    t.ctx.userland == Userland::Busybox
}

/// The error a file-reading command gives for a file it cannot open.
fn open_error(t: &mut Tool, path: &str, errno: Errno) {
    let util = t.name;
    let text = if busybox(t) {
        match errno {
            Errno::IsDir => format!("{util}: read error: Is a directory\n"),
            _ => format!("{util}: can't open '{path}': {}\n", errno.text()),
        }
    } else if matches!(util, "head" | "tail") && errno != Errno::IsDir {
        format!("{util}: cannot open '{path}' for reading: {}\n", errno.text())
    } else if util == "head" || util == "tail" {
        format!("{util}: error reading '{path}': Is a directory\n")
    } else {
        format!("{util}: {path}: {}\n", errno.text())
    };
    t.err.push_str(&text);
}

fn path(t: &Tool, arg: &str) -> String {
    normalize(t.cwd, arg)
}

/// Inputs of a filter: the named files (or `-`), else stdin. Unreadable files are reported.
fn inputs(t: &mut Tool, files: &[String]) -> (Vec<(String, String)>, bool) {
    if files.is_empty() {
        return (vec![(String::new(), t.stdin.take().unwrap_or_default())], true);
    }
    let mut texts = Vec::new();
    let mut ok = true;
    for file in files {
        if file == "-" {
            texts.push((file.clone(), t.stdin.take().unwrap_or_default()));
            continue;
        }
        let p = path(t, file);
        match t.ctx.view.read(&p) {
            Ok(text) => texts.push((file.clone(), text)),
            Err(errno) => {
                open_error(t, file, errno);
                ok = false;
            }
        }
    }
    (texts, ok)
}

/// Splits `-abc` style flags from operands; `flags` are letters that take no value.
fn split_flags<'a>(args: &'a [String], flags: &str) -> (String, Vec<&'a String>) {
    let mut set = String::new();
    let mut operands = Vec::new();
    let mut only_operands = false;
    for arg in args {
        if !only_operands && arg == "--" {
            only_operands = true;
        } else if !only_operands
            && arg.len() > 1
            && arg.starts_with('-')
            && arg[1..].chars().all(|c| flags.contains(c))
        {
            set.push_str(&arg[1..]);
        } else {
            operands.push(arg);
        }
    }
    (set, operands)
}

// ----- echo, printf, test -----

fn echo(t: &mut Tool) -> i32 {
    let mut newline = true;
    let mut escapes = t.dash;
    let mut args = t.args;
    while let Some(first) = args.first() {
        if first.len() > 1
            && first.starts_with('-')
            && first[1..].chars().all(|c| "neE".contains(c))
        {
            newline &= !first.contains('n');
            escapes = first.contains('e') || (escapes && !first.contains('E'));
            args = &args[1..];
        } else {
            break;
        }
    }
    let mut text = args.join(" ");
    if escapes {
        let (unescaped, stop) = unescape(&text);
        text = unescaped;
        if stop {
            newline = false;
        }
    }
    t.out.push_str(&text);
    if newline {
        t.out.push('\n');
    }
    0
}

/// Backslash escapes of `echo -e` and `printf`: the text, and whether `\c` stopped it.
fn unescape(text: &str) -> (String, bool) {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('e') => out.push('\u{1b}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('\\') => out.push('\\'),
            Some('c') => return (out, true),
            Some('0') => {
                let mut value = 0u32;
                for _ in 0..3 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(value));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    (out, false)
}

fn printf(t: &mut Tool) -> i32 {
    let Some(format) = t.args.first() else {
        t.err.push_str("printf: usage: printf format [arguments]\n");
        return 2;
    };
    let mut args = t.args[1..].iter();
    let mut status = 0;
    loop {
        let mut consumed = false;
        let mut chars = format.chars().peekable();
        let mut out = String::new();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let mut escape = String::from('\\');
                escape.extend(chars.next());
                if escape == "\\0" {
                    while let Some(d) = chars.peek().filter(|d| d.is_digit(8)) {
                        escape.push(*d);
                        chars.next();
                    }
                }
                let (text, stop) = unescape(&escape);
                out.push_str(&text);
                if stop {
                    t.out.push_str(&out);
                    return status;
                }
                continue;
            }
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut spec = String::new();
            while let Some(&d) = chars.peek().filter(|d| "-+ #0123456789.".contains(**d)) {
                spec.push(d);
                chars.next();
            }
            let Some(conv) = chars.next() else {
                out.push('%');
                break;
            };
            if conv == '%' {
                out.push('%');
                continue;
            }
            consumed = true;
            let arg = args.next().map(String::as_str).unwrap_or("");
            let (width, precision, left, zero) = parse_spec(&spec);
            let body = match conv {
                's' => match precision {
                    Some(p) => arg.chars().take(p).collect(),
                    None => arg.to_string(),
                },
                'b' => unescape(arg).0,
                'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                    let n = match parse_number(arg) {
                        Some(n) => n,
                        None => {
                            t.err.push_str(&format!("printf: invalid number '{arg}'\n"));
                            status = 1;
                            0
                        }
                    };
                    match conv {
                        'x' => format!("{n:x}"),
                        'X' => format!("{n:X}"),
                        'o' => format!("{n:o}"),
                        _ => n.to_string(),
                    }
                }
                'f' | 'e' | 'g' => {
                    let x: f64 = arg.trim().parse().unwrap_or(0.0);
                    format!("{x:.*}", precision.unwrap_or(6))
                }
                other => format!("%{spec}{other}"),
            };
            out.push_str(&pad(&body, width, left, zero && conv != 's'));
        }
        t.out.push_str(&out);
        if !consumed || args.len() == 0 {
            break;
        }
    }
    status
}

fn parse_spec(spec: &str) -> (usize, Option<usize>, bool, bool) {
    let left = spec.contains('-');
    let zero = spec.trim_start_matches(['-', '+', ' ', '#']).starts_with('0');
    let digits = spec.trim_start_matches(['-', '+', ' ', '#', '0']);
    let (w, p) = match digits.split_once('.') {
        Some((w, p)) => (w, Some(p.parse().unwrap_or(0))),
        None => (digits, None),
    };
    (w.parse().unwrap_or(0).min(1000), p.map(|p: usize| p.min(1000)), left, zero)
}

fn pad(body: &str, width: usize, left: bool, zero: bool) -> String {
    let len = body.chars().count();
    if len >= width {
        return body.to_string();
    }
    let fill = width - len;
    if left {
        format!("{body}{}", " ".repeat(fill))
    } else if zero {
        match body.strip_prefix('-') {
            Some(rest) => format!("-{}{rest}", "0".repeat(fill)),
            None => format!("{}{body}", "0".repeat(fill)),
        }
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn parse_number(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    if let Some(c) = text.strip_prefix('\'').or_else(|| text.strip_prefix('"')) {
        return c.chars().next().map(|c| c as i64);
    }
    text.parse().ok()
}

fn test(t: &mut Tool) -> i32 {
    let mut args: Vec<&str> = t.args.iter().map(String::as_str).collect();
    if t.name == "[" {
        if args.last() != Some(&"]") {
            t.err.push_str("[: missing ]\n");
            return 2;
        }
        args.pop();
    }
    match evaluate_test(t, &args) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(message) => {
            t.err.push_str(&format!("{}: {message}\n", t.name));
            2
        }
    }
}

fn evaluate_test(t: &mut Tool, args: &[&str]) -> Result<bool, String> {
    if let Some(i) = args.iter().position(|a| *a == "-o") {
        return Ok(evaluate_test(t, &args[..i])? || evaluate_test(t, &args[i + 1..])?);
    }
    if let Some(i) = args.iter().position(|a| *a == "-a") {
        return Ok(evaluate_test(t, &args[..i])? && evaluate_test(t, &args[i + 1..])?);
    }
    match args {
        [] => Ok(false),
        ["!", rest @ ..] => evaluate_test(t, rest).map(|v| !v),
        ["(", inner @ .., ")"] => evaluate_test(t, inner),
        [one] => Ok(!one.is_empty()),
        [op, operand] => {
            let p = path(t, operand);
            let kind = t.ctx.view.kind(&p);
            Ok(match *op {
                "-z" => operand.is_empty(),
                "-n" => !operand.is_empty(),
                "-e" | "-r" | "-w" => kind.is_some(),
                "-f" => kind == Some(false),
                "-d" => kind == Some(true),
                "-x" => kind == Some(true) || t.ctx.view.is_program(&p),
                "-s" => kind == Some(false) && t.ctx.view.read(&p).is_ok_and(|s| !s.is_empty()),
                "-L" | "-h" | "-p" | "-S" | "-b" | "-c" => false,
                _ => return Err(format!("{op}: unary operator expected")),
            })
        }
        [left, op, right] => {
            let number = |s: &str| {
                s.trim().parse::<i64>().map_err(|_| format!("{s}: integer expression expected"))
            };
            Ok(match *op {
                "=" | "==" => left == right,
                "!=" => left != right,
                "<" => left < right,
                ">" => left > right,
                "-eq" => number(left)? == number(right)?,
                "-ne" => number(left)? != number(right)?,
                "-lt" => number(left)? < number(right)?,
                "-gt" => number(left)? > number(right)?,
                "-le" => number(left)? <= number(right)?,
                "-ge" => number(left)? >= number(right)?,
                _ => return Err(format!("{op}: binary operator expected")),
            })
        }
        _ => Err("too many arguments".to_string()),
    }
}

// ----- time -----

fn sleep(t: &mut Tool) -> Flow {
    if t.args.is_empty() {
        if busybox(t) {
            t.err.push_str("BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: sleep [N]...\n\nPause for a time equal to the total of the args given, where each arg can\nhave an optional suffix of (s)econds, (m)inutes, (h)ours, or (d)ays\n");
        } else {
            t.err.push_str("sleep: missing operand\nTry 'sleep --help' for more information.\n");
        }
        return Flow::Done(1);
    }
    let mut total = Duration::ZERO;
    for arg in t.args {
        if arg == "infinity" || arg == "inf" {
            return Flow::Forever;
        }
        match parse_sleep_operand(arg) {
            Some(d) => total += d,
            None => {
                let text = if busybox(t) {
                    format!("sleep: invalid number '{arg}'\n")
                } else {
                    format!(
                        "sleep: invalid time interval '{arg}'\nTry 'sleep --help' for more information.\n"
                    )
                };
                t.err.push_str(&text);
                return Flow::Done(1);
            }
        }
    }
    Flow::Sleep(total)
}

fn date(t: &mut Tool) -> i32 {
    let format = t.args.iter().find_map(|a| a.strip_prefix('+'));
    let text = match format {
        Some(f) => clock::format(t.clock, f),
        None if t.args.iter().any(|a| a == "-I" || a == "--iso-8601") => {
            clock::format(t.clock, "%F")
        }
        None if t.args.iter().any(|a| a == "-R") => {
            clock::format(t.clock, "%a, %d %b %Y %H:%M:%S %z")
        }
        None => clock::date_default(t.clock),
    };
    line(t, &text)
}

// ----- files -----

fn cat(t: &mut Tool) -> i32 {
    let (_, files) = split_flags(t.args, "nuAvEeT");
    let files: Vec<String> = files.into_iter().cloned().collect();
    let (texts, ok) = inputs(t, &files);
    for (_, text) in texts {
        t.out.push_str(&text);
    }
    i32::from(!ok)
}

fn ls(t: &mut Tool) -> i32 {
    let (flags, operands) = split_flags(t.args, "laA1hFRdtrSL");
    let long = flags.contains('l');
    let all = flags.contains('a');
    let almost_all = flags.contains('A');
    let dereference = flags.contains('L');
    let directory = flags.contains('d');
    let operands: Vec<String> = if operands.is_empty() {
        vec![".".to_string()]
    } else {
        operands.into_iter().cloned().collect()
    };
    let mut status = 0;
    let many = operands.len() > 1;
    for (i, operand) in operands.iter().enumerate() {
        let p = path(t, operand);
        // A named link is listed itself in the long format, unless -L.
        let stat = if long && !dereference { t.ctx.view.lstat(&p) } else { t.ctx.view.stat(&p) };
        match stat {
            None => {
                let text = if busybox(t) {
                    format!("ls: {operand}: No such file or directory\n")
                } else {
                    format!("ls: cannot access '{operand}': No such file or directory\n")
                };
                t.err.push_str(&text);
                status = if busybox(t) { 1 } else { 2 };
            }
            Some(stat) if stat.kind != FileKind::Directory || directory => {
                let entry = ls_entry(t, &stat, operand, long);
                t.out.push_str(&entry);
            }
            Some(_) => {
                if many {
                    if i > 0 {
                        t.out.push('\n');
                    }
                    t.out.push_str(&format!("{operand}:\n"));
                }
                let mut names = t.ctx.view.list(&p).unwrap_or_default();
                if all {
                    names.splice(0..0, [".".to_string(), "..".to_string()]);
                } else if !almost_all {
                    names.retain(|n| !n.starts_with('.'));
                }
                let stats: Vec<(String, Stat)> = names
                    .into_iter()
                    .filter_map(|name| {
                        let child = normalize(&p, &name);
                        let stat = if dereference {
                            t.ctx.view.stat(&child)
                        } else {
                            t.ctx.view.lstat(&child)
                        };
                        stat.map(|s| (name, s))
                    })
                    .collect();
                if long {
                    let total: u64 = stats.iter().map(|(_, s)| s.blocks_kib).sum();
                    t.out.push_str(&format!("total {total}\n"));
                }
                for (name, stat) in stats {
                    let entry = ls_entry(t, &stat, &name, long);
                    t.out.push_str(&entry);
                }
            }
        }
    }
    status
}

fn ls_entry(t: &Tool, stat: &Stat, shown: &str, long: bool) -> String {
    if !long {
        return format!("{shown}\n");
    }
    let mode = mode_string(stat);
    let (size, links) = (stat.size, stat.links);
    let when = clock::format(t.clock, "%b %e %H:%M");
    let name = match &stat.kind {
        FileKind::Symlink(target) => format!("{shown} -> {target}"),
        _ => shown.to_string(),
    };
    if busybox(t) {
        format!("{mode} {links:>4} root     root     {size:>9} {when} {name}\n")
    } else {
        format!("{mode} {links} root root {size:>4} {when} {name}\n")
    }
}

/// `drwxr-xr-x` and the like: the type, then read/write/execute for owner, group and others
/// (the sticky bit shows as `t` in the last place).
fn mode_string(stat: &Stat) -> String {
    let mut text = String::with_capacity(10);
    text.push(match stat.kind {
        FileKind::Directory => 'd',
        FileKind::File => '-',
        FileKind::Symlink(_) => 'l',
        FileKind::CharDevice => 'c',
    });
    for shift in [6, 3, 0] {
        let bits = (stat.mode >> shift) & 0o7;
        text.push(if bits & 4 != 0 { 'r' } else { '-' });
        text.push(if bits & 2 != 0 { 'w' } else { '-' });
        let execute = bits & 1 != 0;
        text.push(match (shift, stat.mode & 0o1000 != 0, execute) {
            (0, true, true) => 't',
            (0, true, false) => 'T',
            (_, _, true) => 'x',
            _ => '-',
        });
    }
    text
}

/// `stat -c FORMAT` (or `--format=`/`--printf=`), `-L` to follow links: the directives
/// learners use (`%a %A %F %n %N %s %h %U %G %u %g`); others print `?` as busybox does.
fn stat(t: &mut Tool) -> i32 {
    let mut format: Option<String> = None;
    let mut follow = false;
    let mut operands: Vec<String> = Vec::new();
    let mut args = t.args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-c" | "--format" | "--printf" => format = args.next().cloned(),
            "-L" | "--dereference" => follow = true,
            other => {
                if let Some(f) =
                    other.strip_prefix("--format=").or_else(|| other.strip_prefix("--printf="))
                {
                    format = Some(f.to_string());
                } else if let Some(f) = other.strip_prefix("-c").filter(|f| !f.is_empty()) {
                    format = Some(f.to_string());
                } else {
                    operands.push(other.to_string());
                }
            }
        }
    }
    if operands.is_empty() {
        t.err.push_str(if busybox(t) {
            "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: stat [-ltf] [-c FMT] FILE...\n"
        } else {
            "stat: missing operand\nTry 'stat --help' for more information.\n"
        });
        return 1;
    }
    let Some(format) = format else {
        t.err.push_str("stat: kubelab simulates stat -c FORMAT only\n");
        return 1;
    };
    let mut status = 0;
    for operand in operands {
        let p = path(t, &operand);
        let found = if follow { t.ctx.view.stat(&p) } else { t.ctx.view.lstat(&p) };
        let Some(stat) = found else {
            let text = if busybox(t) {
                format!("stat: can't stat '{operand}': No such file or directory\n")
            } else {
                format!("stat: cannot statx '{operand}': No such file or directory\n")
            };
            t.err.push_str(&text);
            status = 1;
            continue;
        };
        let mut line = String::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                line.push(c);
                continue;
            }
            match chars.next() {
                Some('a') => line.push_str(&format!("{:o}", stat.mode)),
                Some('A') => line.push_str(&mode_string(&stat)),
                Some('F') => line.push_str(match stat.kind {
                    FileKind::Directory => "directory",
                    FileKind::Symlink(_) => "symbolic link",
                    FileKind::CharDevice => "character special file",
                    FileKind::File if stat.size == 0 => "regular empty file",
                    FileKind::File => "regular file",
                }),
                Some('n') => line.push_str(&operand),
                Some('N') => match &stat.kind {
                    FileKind::Symlink(target) => {
                        line.push_str(&format!("'{operand}' -> '{target}'"))
                    }
                    _ => line.push_str(&format!("'{operand}'")),
                },
                Some('s') => line.push_str(&stat.size.to_string()),
                Some('h') => line.push_str(&stat.links.to_string()),
                Some('U') | Some('G') => line.push_str("root"),
                Some('u') | Some('g') => line.push('0'),
                Some('%') => line.push('%'),
                Some(_) => line.push('?'),
                None => line.push('%'),
            }
        }
        line.push('\n');
        t.out.push_str(&line);
    }
    status
}

/// `chmod MODE FILE...`: an octal mode, or symbolic changes (`u+x`, `go-w`, `a=r`, `+x`).
fn chmod(t: &mut Tool) -> i32 {
    let (_, operands) = split_flags(t.args, "Rfv");
    let [mode, files @ ..] = operands.as_slice() else {
        t.err.push_str("chmod: missing operand\n");
        return 1;
    };
    if files.is_empty() {
        t.err.push_str(&format!("chmod: missing operand after '{mode}'\n"));
        return 1;
    }
    let mut status = 0;
    for file in files {
        let p = path(t, file);
        let Some(current) = t.ctx.view.stat(&p) else {
            let text = if busybox(t) {
                format!("chmod: {file}: No such file or directory\n")
            } else {
                format!("chmod: cannot access '{file}': No such file or directory\n")
            };
            t.err.push_str(&text);
            status = 1;
            continue;
        };
        let Some(new) = parse_mode(mode, current.mode, current.kind == FileKind::Directory) else {
            let text = if busybox(t) {
                format!("chmod: invalid mode '{mode}'\n")
            } else {
                format!("chmod: invalid mode: '{mode}'\nTry 'chmod --help' for more information.\n")
            };
            t.err.push_str(&text);
            return 1;
        };
        if let Err(errno) = t.ctx.view.set_mode(&p, new) {
            let text = if busybox(t) {
                format!("chmod: {file}: {}\n", errno.text())
            } else {
                format!("chmod: changing permissions of '{file}': {}\n", errno.text())
            };
            t.err.push_str(&text);
            status = 1;
        }
    }
    status
}

/// A chmod mode applied to `current`: octal digits, or comma-separated `[ugoa]*[+-=][rwxXt]*`.
fn parse_mode(text: &str, current: u32, directory: bool) -> Option<u32> {
    if !text.is_empty() && text.chars().all(|c| c.is_digit(8)) {
        return u32::from_str_radix(text, 8).ok().filter(|m| *m <= 0o7777);
    }
    let mut mode = current;
    for clause in text.split(',') {
        let op_at = clause.find(['+', '-', '='])?;
        let (who, rest) = clause.split_at(op_at);
        let mut mask = 0;
        for c in who.chars() {
            mask |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => return None,
            };
        }
        if who.is_empty() {
            mask = 0o7777;
        }
        let op = rest.chars().next()?;
        let mut bits = 0;
        for c in rest[1..].chars() {
            bits |= match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' => 0o111,
                'X' if directory || current & 0o111 != 0 => 0o111,
                'X' => 0,
                't' => 0o1000,
                's' => 0o6000,
                _ => return None,
            };
        }
        // Without who, umask 022 keeps `+w` to the owner.
        let bits = if who.is_empty() && op != '-' { bits & !0o022 | (bits & 0o200) } else { bits };
        let bits = bits & mask;
        mode = match op {
            '+' => mode | bits,
            '-' => mode & !bits,
            _ => (mode & !(mask & 0o777)) | bits,
        };
    }
    Some(mode)
}

fn rm(t: &mut Tool) -> i32 {
    let (flags, operands) = split_flags(t.args, "rRfiv");
    let force = flags.contains('f');
    let recursive = flags.contains('r') || flags.contains('R');
    let mut status = 0;
    for operand in operands {
        let p = path(t, operand);
        match t.ctx.view.remove(&p, recursive) {
            Ok(()) => {}
            Err(Errno::NotFound) if force => {}
            Err(Errno::IsDir) => {
                let text = if busybox(t) {
                    format!("rm: '{operand}' is a directory\n")
                } else {
                    format!("rm: cannot remove '{operand}': Is a directory\n")
                };
                t.err.push_str(&text);
                status = 1;
            }
            Err(errno) => {
                let verb = if busybox(t) { "can't" } else { "cannot" };
                let why = if errno == Errno::ReadOnly && t.ctx.view.kind(&p) == Some(true) {
                    "Device or resource busy"
                } else {
                    errno.text()
                };
                t.err.push_str(&format!("rm: {verb} remove '{operand}': {why}\n"));
                status = 1;
            }
        }
    }
    status
}

fn mkdir(t: &mut Tool) -> i32 {
    let (flags, operands) = split_flags(t.args, "pv");
    let parents = flags.contains('p');
    let mut status = 0;
    for operand in operands {
        let p = path(t, operand);
        let result = if parents {
            let mut dir = String::new();
            let mut result = Ok(());
            for part in p.split('/').filter(|s| !s.is_empty()) {
                dir.push('/');
                dir.push_str(part);
                match t.ctx.view.kind(&dir) {
                    Some(true) => {}
                    Some(false) => {
                        result = Err(Errno::Exists);
                        break;
                    }
                    None => {
                        if let Err(e) = t.ctx.view.mkdir(&dir) {
                            result = Err(e);
                            break;
                        }
                    }
                }
            }
            result
        } else {
            t.ctx.view.mkdir(&p)
        };
        if let Err(errno) = result {
            let verb = if busybox(t) { "can't" } else { "cannot" };
            t.err.push_str(&format!(
                "mkdir: {verb} create directory '{operand}': {}\n",
                errno.text()
            ));
            status = 1;
        }
    }
    status
}

fn rmdir(t: &mut Tool) -> i32 {
    let mut status = 0;
    for operand in t.args.iter().filter(|a| !a.starts_with('-')) {
        let p = path(t, operand);
        if let Err(errno) = t.ctx.view.rmdir(&p) {
            let text = if busybox(t) {
                format!("rmdir: '{operand}': {}\n", errno.text())
            } else {
                format!("rmdir: failed to remove '{operand}': {}\n", errno.text())
            };
            t.err.push_str(&text);
            status = 1;
        }
    }
    status
}

fn touch(t: &mut Tool) -> i32 {
    let (_, operands) = split_flags(t.args, "acm");
    let mut status = 0;
    for operand in operands {
        let p = path(t, operand);
        if t.ctx.view.kind(&p).is_some() {
            continue;
        }
        if let Err(errno) = t.ctx.view.write(&p, "", false) {
            let text = if busybox(t) {
                format!("touch: {operand}: {}\n", errno.text())
            } else {
                format!("touch: cannot touch '{operand}': {}\n", errno.text())
            };
            t.err.push_str(&text);
            status = 1;
        }
    }
    status
}

fn copy(t: &mut Tool) -> i32 {
    let (_, operands) = split_flags(t.args, "rRfpav");
    let [source, dest] = operands.as_slice() else {
        t.err.push_str(&format!("{}: missing file operand\n", t.name));
        return 1;
    };
    let from = path(t, source);
    let mut to = path(t, dest);
    if t.ctx.view.kind(&to) == Some(true) {
        to = normalize(&to, source.rsplit('/').next().unwrap_or(source));
    }
    let text = match t.ctx.view.read(&from) {
        Ok(text) => text,
        Err(errno) => {
            let text = if busybox(t) {
                format!("{}: can't stat '{source}': {}\n", t.name, errno.text())
            } else {
                format!("{}: cannot stat '{source}': {}\n", t.name, errno.text())
            };
            t.err.push_str(&text);
            return 1;
        }
    };
    let mode = t.ctx.view.stat(&from).map(|s| s.mode);
    let existed = t.ctx.view.kind(&to).is_some();
    // A move is a rename: the file never takes room twice.
    let moved = t.name == "mv" && from != to && t.ctx.view.remove(&from, false).is_ok();
    if let Err(errno) = t.ctx.view.write(&to, &text, false) {
        t.err.push_str(&format!("{}: can't create '{dest}': {}\n", t.name, errno.text()));
        return 1;
    }
    // A moved file keeps its mode; a new copy gets the source's, less the umask.
    if let Some(mode) = mode.filter(|_| moved || !existed) {
        let _ = t.ctx.view.set_mode(&to, if moved { mode } else { mode & !0o022 });
    }
    if t.name == "mv" && !moved && from != to {
        let _ = t.ctx.view.remove(&from, false);
    }
    0
}

fn head_tail(t: &mut Tool) -> Flow {
    let head = t.name == "head";
    let mut count: i64 = 10;
    let mut bytes = false;
    let mut from_start = false;
    let mut follow = false;
    let mut files = Vec::new();
    let mut args = t.args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-n" | "-c" => {
                bytes = arg == "-c";
                let value = args.next().cloned().unwrap_or_default();
                from_start = value.starts_with('+');
                count = value.trim_start_matches(['+', '-']).parse().unwrap_or(10);
            }
            "-f" | "-F" | "--follow" => follow = true,
            "-q" | "-s" | "-v" => {}
            a if a.starts_with("-n") || a.starts_with("-c") => {
                bytes = a.starts_with("-c");
                from_start = a[2..].starts_with('+');
                count = a[2..].trim_start_matches('+').parse().unwrap_or(10);
            }
            a if a.len() > 1
                && a.starts_with('-')
                && a[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                count = a[1..].parse().unwrap_or(10);
            }
            a if a.starts_with('-') && a.len() > 1 && a[1..].contains('f') => follow = true,
            _ => files.push(arg.clone()),
        }
    }
    let (texts, ok) = inputs(t, &files);
    let count = count.max(0) as usize;
    for (_, text) in &texts {
        let piece = if bytes {
            let chars: Vec<char> = text.chars().collect();
            let range = if head {
                0..count.min(chars.len())
            } else if from_start {
                count.saturating_sub(1).min(chars.len())..chars.len()
            } else {
                chars.len().saturating_sub(count)..chars.len()
            };
            chars[range].iter().collect()
        } else {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let range = if head {
                0..count.min(lines.len())
            } else if from_start {
                count.saturating_sub(1).min(lines.len())..lines.len()
            } else {
                lines.len().saturating_sub(count)..lines.len()
            };
            lines[range].concat()
        };
        t.out.push_str(&piece);
    }
    if follow && !head {
        return match (files.as_slice(), texts.first()) {
            ([file], Some((_, text))) if file != "-" && file != "/dev/null" => {
                Flow::Follow(path(t, file), text.len())
            }
            _ => Flow::Forever,
        };
    }
    Flow::Done(i32::from(!ok))
}

fn wc(t: &mut Tool) -> i32 {
    let (flags, operands) = split_flags(t.args, "lwcm");
    let files: Vec<String> = operands.into_iter().cloned().collect();
    let (texts, ok) = inputs(t, &files);
    let flags = if flags.is_empty() { "lwc".to_string() } else { flags };
    let width = if busybox(t) { 9 } else { 7 };
    for (name, text) in texts {
        let counts = [
            ('l', text.matches('\n').count()),
            ('w', text.split_whitespace().count()),
            ('c', text.len()),
            ('m', text.chars().count()),
        ];
        let shown: Vec<String> = counts
            .iter()
            .filter(|(f, _)| flags.contains(*f))
            .map(|(_, n)| if flags.len() == 1 { n.to_string() } else { format!("{n:>width$}") })
            .collect();
        let mut row = shown.join(" ");
        if !name.is_empty() {
            row.push(' ');
            row.push_str(&name);
        }
        line(t, &row);
    }
    i32::from(!ok)
}

fn grep(t: &mut Tool) -> i32 {
    let mut quiet = false;
    let mut invert = false;
    let mut ignore_case = false;
    let mut count = false;
    let mut numbers = false;
    let mut only = false;
    let mut fixed = t.name == "fgrep";
    let mut pattern: Option<String> = None;
    let mut files = Vec::new();
    let mut args = t.args.iter();
    while let Some(arg) = args.next() {
        let is_flags = arg.len() > 1
            && arg.starts_with('-')
            && arg[1..].chars().all(|c| "qvicnoEFswHh".contains(c));
        if arg == "-e" {
            pattern = args.next().cloned();
        } else if is_flags && files.is_empty() {
            for c in arg[1..].chars() {
                match c {
                    'q' => quiet = true,
                    'v' => invert = true,
                    'i' => ignore_case = true,
                    'c' => count = true,
                    'n' => numbers = true,
                    'o' => only = true,
                    'F' => fixed = true,
                    _ => {}
                }
            }
        } else if pattern.is_none() {
            pattern = Some(arg.clone());
        } else {
            files.push(arg.clone());
        }
    }
    let Some(pattern) = pattern else {
        t.err.push_str(if busybox(t) {
            "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n"
        } else {
            "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
        });
        return 2;
    };
    let regex = if fixed {
        None
    } else {
        regex_lite::RegexBuilder::new(
            &pattern.replace("\\|", "|").replace("\\(", "(").replace("\\)", ")"),
        )
        .case_insensitive(ignore_case)
        .build()
        .ok()
    };
    let needle = if ignore_case { pattern.to_lowercase() } else { pattern.clone() };
    let (texts, ok) = inputs(t, &files);
    let many = texts.len() > 1;
    let mut matched_any = false;
    for (name, text) in texts {
        let mut matches = 0;
        for (i, l) in text.lines().enumerate() {
            let found: Option<String> = match &regex {
                Some(re) => re.find(l).map(|m| m.as_str().to_string()),
                None => {
                    let hay = if ignore_case { l.to_lowercase() } else { l.to_string() };
                    hay.find(&needle).map(|at| hay[at..at + needle.len()].to_string())
                }
            };
            if found.is_some() == invert {
                continue;
            }
            matches += 1;
            matched_any = true;
            if quiet || count {
                continue;
            }
            let mut row = String::new();
            if many {
                row.push_str(&format!("{name}:"));
            }
            if numbers {
                row.push_str(&format!("{}:", i + 1));
            }
            row.push_str(if only { found.as_deref().unwrap_or(l) } else { l });
            line(t, &row);
        }
        if count && !quiet {
            let row = if many { format!("{name}:{matches}") } else { matches.to_string() };
            line(t, &row);
        }
    }
    if !ok && !quiet { 2 } else { i32::from(!matched_any) }
}

/// Expands a `tr` set: ranges and `[:class:]`es.
fn tr_set(set: &str) -> Vec<char> {
    type CharTest = fn(&char) -> bool;
    let classes: [(&str, CharTest); 7] = [
        ("[:upper:]", char::is_ascii_uppercase),
        ("[:lower:]", char::is_ascii_lowercase),
        ("[:digit:]", char::is_ascii_digit),
        ("[:alpha:]", char::is_ascii_alphabetic),
        ("[:alnum:]", char::is_ascii_alphanumeric),
        ("[:space:]", char::is_ascii_whitespace),
        ("[:punct:]", char::is_ascii_punctuation),
    ];
    let (set, _) = unescape(set);
    let chars: Vec<char> = set.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..].iter().collect();
        if let Some((name, test)) = classes.iter().find(|(name, _)| rest.starts_with(name)) {
            out.extend((0u8..128).map(char::from).filter(test));
            i += name.len();
        } else if i + 2 < chars.len() && chars[i + 1] == '-' && chars[i] <= chars[i + 2] {
            out.extend(chars[i]..=chars[i + 2]);
            i += 3;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn tr(t: &mut Tool) -> i32 {
    let (flags, operands) = split_flags(t.args, "dcsC");
    let input = t.stdin.take().unwrap_or_default();
    let Some(first) = operands.first() else {
        t.err.push_str("tr: missing operand\n");
        return 1;
    };
    let set1 = tr_set(first);
    let complement = flags.contains('c') || flags.contains('C');
    let in_set1 = |c: char| set1.contains(&c) != complement;
    let out: String = if flags.contains('d') {
        input.chars().filter(|c| !in_set1(*c)).collect()
    } else {
        let set2 = operands.get(1).map(|s| tr_set(s)).unwrap_or_default();
        let mut out = String::new();
        for c in input.chars() {
            let mapped = match set1.iter().position(|x| *x == c) {
                Some(i) if !complement => set2.get(i).or(set2.last()).copied().unwrap_or(c),
                None if complement => set2.last().copied().unwrap_or(c),
                _ => c,
            };
            if flags.contains('s') && out.ends_with(mapped) && set2.contains(&mapped) {
                continue;
            }
            out.push(mapped);
        }
        out
    };
    t.out.push_str(&out);
    0
}

fn cut(t: &mut Tool) -> i32 {
    let mut delimiter = '\t';
    let mut fields = String::new();
    let mut chars_mode = false;
    let mut files = Vec::new();
    let mut args = t.args.iter();
    while let Some(arg) = args.next() {
        if let Some(d) = arg.strip_prefix("-d") {
            let d =
                if d.is_empty() { args.next().cloned().unwrap_or_default() } else { d.to_string() };
            delimiter = d.chars().next().unwrap_or('\t');
        } else if let Some(f) = arg.strip_prefix("-f").or_else(|| arg.strip_prefix("-c")) {
            chars_mode = arg.starts_with("-c");
            fields =
                if f.is_empty() { args.next().cloned().unwrap_or_default() } else { f.to_string() };
        } else {
            files.push(arg.clone());
        }
    }
    let wanted = |n: usize| {
        fields.split(',').any(|range| match range.split_once('-') {
            Some((a, b)) => n >= a.parse().unwrap_or(1) && n <= b.parse().unwrap_or(usize::MAX),
            None => range.parse() == Ok(n),
        })
    };
    let (texts, ok) = inputs(t, &files);
    for (_, text) in texts {
        for l in text.lines() {
            let row: String = if chars_mode {
                l.chars().enumerate().filter(|(i, _)| wanted(i + 1)).map(|(_, c)| c).collect()
            } else if !l.contains(delimiter) {
                l.to_string()
            } else {
                let d = delimiter.to_string();
                l.split(delimiter)
                    .enumerate()
                    .filter(|(i, _)| wanted(i + 1))
                    .map(|(_, f)| f)
                    .collect::<Vec<_>>()
                    .join(&d)
            };
            line(t, &row);
        }
    }
    i32::from(!ok)
}

fn seq(t: &mut Tool) -> i32 {
    let numbers: Vec<i64> = t.args.iter().filter_map(|a| a.parse().ok()).collect();
    let (first, step, last) = match numbers.as_slice() {
        [last] => (1, 1, *last),
        [first, last] => (*first, 1, *last),
        [first, step, last] => (*first, *step, *last),
        _ => {
            t.err.push_str("seq: missing operand\n");
            return 1;
        }
    };
    if step == 0 {
        return 1;
    }
    let mut n = first;
    // A hundred thousand lines is more than any lesson prints; it keeps a typo cheap.
    for _ in 0..100_000 {
        if (step > 0 && n > last) || (step < 0 && n < last) {
            break;
        }
        t.out.push_str(&format!("{n}\n"));
        let Some(next) = n.checked_add(step) else { break };
        n = next;
    }
    0
}

fn expr(t: &mut Tool) -> i32 {
    let args: Vec<&str> = t.args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["length", s] => Ok(s.chars().count().to_string()),
        [a, op, b] => {
            let num = |s: &str| s.parse::<i64>().map_err(|_| "non-integer argument".to_string());
            match *op {
                "+" => num(a).and_then(|x| num(b).map(|y| x.wrapping_add(y).to_string())),
                "-" => num(a).and_then(|x| num(b).map(|y| x.wrapping_sub(y).to_string())),
                "*" => num(a).and_then(|x| num(b).map(|y| x.wrapping_mul(y).to_string())),
                "/" | "%" => num(a).and_then(|x| {
                    num(b).and_then(|y| {
                        if y == 0 {
                            Err("division by zero".to_string())
                        } else if *op == "/" {
                            Ok(x.wrapping_div(y).to_string())
                        } else {
                            Ok(x.wrapping_rem(y).to_string())
                        }
                    })
                }),
                "=" => Ok(i32::from(a == b).to_string()),
                "!=" => Ok(i32::from(a != b).to_string()),
                "<" | ">" | "<=" | ">=" => {
                    let ord = match (a.parse::<i64>(), b.parse::<i64>()) {
                        (Ok(x), Ok(y)) => x.cmp(&y),
                        _ => a.cmp(b),
                    };
                    let yes = match *op {
                        "<" => ord.is_lt(),
                        ">" => ord.is_gt(),
                        "<=" => ord.is_le(),
                        _ => ord.is_ge(),
                    };
                    Ok(i32::from(yes).to_string())
                }
                _ => Err("syntax error".to_string()),
            }
        }
        [single] => Ok(single.to_string()),
        _ => Err("syntax error".to_string()),
    };
    match result {
        Ok(value) => {
            let status = i32::from(value == "0" || value.is_empty());
            line(t, &value);
            status
        }
        Err(message) => {
            t.err.push_str(&format!("expr: {message}\n"));
            2
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(t: &mut Tool) -> i32 {
    let (flags, operands) = split_flags(t.args, "dwi");
    let files: Vec<String> = operands.into_iter().cloned().collect();
    let (texts, ok) = inputs(t, &files);
    let text: String = texts.into_iter().map(|(_, s)| s).collect();
    if flags.contains('d') {
        let mut bits = 0u32;
        let mut count = 0;
        let mut bytes = Vec::new();
        for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
            let Some(v) = B64.iter().position(|b| *b == c) else {
                t.err.push_str("base64: invalid input\n");
                return 1;
            };
            bits = (bits << 6) | v as u32;
            count += 6;
            if count >= 8 {
                count -= 8;
                bytes.push((bits >> count) as u8);
            }
        }
        t.out.push_str(&String::from_utf8_lossy(&bytes));
        return i32::from(!ok);
    }
    // `/dev/urandom` hands out bytes as chars below 256; other text is UTF-8.
    let bytes: Vec<u8> =
        if text.chars().all(|c| (c as u32) < 256) && text.chars().any(|c| (c as u32) >= 128) {
            text.chars().map(|c| c as u8).collect()
        } else {
            text.into_bytes()
        };
    let mut encoded = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                encoded.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    for (i, c) in encoded.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            t.out.push('\n');
        }
        t.out.push(c);
    }
    if !encoded.is_empty() {
        t.out.push('\n');
    }
    i32::from(!ok)
}

fn env(t: &mut Tool) -> i32 {
    let env = t.env.pairs();
    if t.name == "printenv" && !t.args.is_empty() {
        let mut status = 0;
        for name in t.args {
            match env.iter().find(|(k, _)| k == name) {
                Some((_, v)) => {
                    line(t, v);
                }
                None => status = 1,
            }
        }
        return status;
    }
    for (k, v) in env {
        line(t, &format!("{k}={v}"));
    }
    0
}

fn uname(t: &mut Tool) -> i32 {
    let host = t.ctx.hostname.to_string();
    let text = if t.args.iter().any(|a| a == "-a") {
        format!("Linux {host} 6.8.0-1027-kubelab #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux")
    } else if t.args.iter().any(|a| a == "-r") {
        "6.8.0-1027-kubelab".to_string()
    } else if t.args.iter().any(|a| a == "-m") {
        "x86_64".to_string()
    } else if t.args.iter().any(|a| a == "-n") {
        host
    } else {
        "Linux".to_string()
    };
    line(t, &text)
}

fn sort(t: &mut Tool) -> i32 {
    let (flags, operands) = split_flags(t.args, "rnu");
    let files: Vec<String> = operands.into_iter().cloned().collect();
    let (texts, ok) = inputs(t, &files);
    let text: String = texts.into_iter().map(|(_, s)| s).collect();
    let mut lines: Vec<&str> = text.lines().collect();
    if flags.contains('n') {
        let key = |l: &str| {
            l.trim()
                .split(|c: char| !c.is_ascii_digit() && c != '-')
                .next()
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap_or(0)
        };
        crate::sort::sort_by(&mut lines, |a, b| key(a).cmp(&key(b)).then(a.cmp(b)));
    } else {
        crate::sort::sort(&mut lines);
    }
    if flags.contains('r') {
        lines.reverse();
    }
    if flags.contains('u') {
        lines.dedup();
    }
    for l in lines {
        line(t, l);
    }
    i32::from(!ok)
}

fn uniq(t: &mut Tool) -> i32 {
    let counted = t.args.iter().any(|a| a == "-c");
    let text = t.stdin.take().unwrap_or_default();
    let mut groups: Vec<(usize, &str)> = Vec::new();
    for l in text.lines() {
        match groups.last_mut() {
            Some((n, last)) if *last == l => *n += 1,
            _ => groups.push((1, l)),
        }
    }
    for (n, l) in groups {
        let row = if counted { format!("{n:>7} {l}") } else { l.to_string() };
        line(t, &row);
    }
    0
}

fn tee(t: &mut Tool) -> i32 {
    let append = t.args.iter().any(|a| a == "-a");
    let text = t.stdin.take().unwrap_or_default();
    let mut status = 0;
    for file in t.args.iter().filter(|a| !a.starts_with('-')) {
        let p = path(t, file);
        if let Err(errno) = t.ctx.view.write(&p, &text, append) {
            t.err.push_str(&format!("tee: {file}: {}\n", errno.text()));
            status = 1;
        }
    }
    t.out.push_str(&text);
    status
}

// ----- the network -----

fn network(t: &mut Tool) -> i32 {
    if let Some(net) = t.ctx.net.take() {
        let code = super::net_tools::run(t, &mut *net);
        t.ctx.net = Some(net);
        if let Some(code) = code {
            return code;
        }
    }
    let target = t
        .args
        .iter()
        .rev()
        .find(|a| !a.starts_with('-'))
        .map(|a| {
            let host = a.split("://").last().unwrap_or(a);
            host.split(['/', ':']).next().unwrap_or(host).to_string()
        })
        .unwrap_or_default();
    let (text, code) = match t.name {
        "wget" => (format!("wget: bad address '{target}' {NETWORK_NOTE}"), 1),
        "curl" => (format!("curl: (6) Could not resolve host: {target} {NETWORK_NOTE}"), 6),
        "nslookup" => {
            (format!(";; connection timed out; no servers could be reached {NETWORK_NOTE}"), 1)
        }
        "ping" | "ping6" => (format!("ping: bad address '{target}' {NETWORK_NOTE}"), 1),
        other => (format!("{other}: bad address '{target}' {NETWORK_NOTE}"), 1),
    };
    t.err.push_str(&text);
    t.err.push('\n');
    code
}

/// Database clients, which the probes of database pods use: they reach the server in the
/// same container when it listens.
fn client(t: &mut Tool) -> i32 {
    let port = match t.name {
        "redis-cli" => 6379,
        "pg_isready" | "psql" => 5432,
        _ => 3306,
    };
    let up = t.ctx.ports.contains(&port);
    let asked_ping = t.args.iter().any(|a| a.eq_ignore_ascii_case("ping"));
    match (t.name, up) {
        ("redis-cli", true) if asked_ping || t.args.is_empty() => line(t, "PONG"),
        ("redis-cli", false) => {
            line(t, "Could not connect to Redis at 127.0.0.1:6379: Connection refused");
            1
        }
        ("pg_isready", true) => line(t, "/var/run/postgresql:5432 - accepting connections"),
        ("pg_isready", false) => {
            line(t, "/var/run/postgresql:5432 - no response");
            2
        }
        ("mysqladmin", true) if asked_ping => line(t, "mysqld is alive"),
        (_, false) => {
            t.err.push_str(&format!("{}: can't connect to the server on port {port}\n", t.name));
            1
        }
        (name, true) => {
            t.err.push_str(&format!("{name}: kubelab simulates only `ping` for this client\n"));
            1
        }
    }
}
