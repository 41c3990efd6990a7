//! The shell on a node, opened with `ssh NODE`: root's bash on the machine, in the lab shell's
//! own syntax (pipes, redirections and here-documents write the node's files). It knows what an
//! administrator uses to look after a kubelet: `systemctl`, `journalctl`, `crictl`, `sysctl`,
//! `swapoff`/`swapon`, the static pod manifests in `/etc/kubernetes/manifests`, `reboot` and
//! `exit`.

use super::builtins::{self, Result};
use super::{Output, Shell};
use crate::Simulation;
use crate::container::normalize_path;
use crate::machine::Machine;
use crate::time::SimTime;
use std::collections::BTreeMap;

/// What the node prints when a session opens (Ubuntu's message of the day).
const MOTD: &str = "Welcome to Ubuntu 24.04.3 LTS (GNU/Linux 6.8.0-79-generic x86_64)\n\n * Documentation:  https://help.ubuntu.com\n * Management:     https://landscape.canonical.com\n * Support:        https://ubuntu.com/pro\n";

/// The kernel parameters `sysctl` shows (a kubeadm node's, after its preparation).
const SYSCTLS: &[(&str, &str)] = &[
    ("fs.inotify.max_user_instances", "128"),
    ("fs.inotify.max_user_watches", "524288"),
    ("kernel.panic", "10"),
    ("kernel.panic_on_oops", "1"),
    ("net.bridge.bridge-nf-call-ip6tables", "1"),
    ("net.bridge.bridge-nf-call-iptables", "1"),
    ("net.ipv4.ip_forward", "1"),
    ("vm.overcommit_memory", "1"),
    ("vm.swappiness", "60"),
];

/// A shell open on a node.
#[derive(Clone, Debug)]
pub struct NodeSession {
    node: String,
    cwd: String,
}

impl NodeSession {
    pub fn node(&self) -> &str {
        &self.node
    }

    /// root's bash prompt: `root@node01:~# `.
    pub fn prompt(&self) -> String {
        let cwd = match self.cwd.strip_prefix("/root") {
            Some("") => "~".to_string(),
            Some(rest) if rest.starts_with('/') => format!("~{rest}"),
            _ => self.cwd.clone(),
        };
        format!("root@{}:{cwd}# ", self.node)
    }

    /// An absolute path for what the user typed.
    pub fn path(&self, typed: &str) -> String {
        let typed = if typed == "~" || typed.starts_with("~/") {
            format!("/root{}", &typed[1..])
        } else {
            typed.to_string()
        };
        normalize_path(&self.cwd, &typed)
    }
}

/// `ssh NODE`: opens a shell on a node of the cluster.
pub fn ssh(shell: &mut Shell, sim: &Simulation, args: &[String], out: &mut Output) -> i32 {
    let Some(target) = args.iter().find(|a| !a.starts_with('-')) else {
        out.err_line("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command [argument ...]]");
        return 255;
    };
    if shell.node.is_some() {
        out.err_line("kubelab: ssh from one node to another is not simulated; `exit` first");
        return 1;
    }
    let host = target.rsplit('@').next().unwrap_or(target);
    if sim.machine(host).is_none() {
        out.err_line(format!("ssh: Could not resolve hostname {host}: Name or service not known"));
        return 255;
    }
    out.out(MOTD);
    shell.node = Some(NodeSession { node: host.to_string(), cwd: "/root".to_string() });
    0
}

/// Runs one command of a pipeline on the node.
pub fn run(shell: &mut Shell, sim: &mut Simulation, words: &[String], stdin: &str) -> Result {
    let mut output = Output::default();
    let Some(session) = shell.node.clone() else { return Result::default() };
    let Some((name, args)) = words.split_first() else { return Result::default() };
    let status = match name.as_str() {
        "exit" | "logout" => {
            output.out("logout\n");
            output.err_line(format!("Connection to {} closed.", session.node));
            shell.node = None;
            0
        }
        "sudo" => return run(shell, sim, args, stdin),
        "reboot" => {
            // The machine goes down under the session.
            output.err_line(format!(
                "Connection to {0} closed by remote host.\nConnection to {0} closed.",
                session.node
            ));
            shell.node = None;
            sim.reboot_node(&session.node);
            0
        }
        "hostname" => {
            output.out(format!("{}\n", session.node));
            0
        }
        "pwd" => {
            output.out(format!("{}\n", session.cwd));
            0
        }
        "cd" => cd(shell, sim, &session, args, &mut output),
        "ls" => ls(sim, &session, args, &mut output),
        "cat" => cat(sim, &session, args, stdin, &mut output),
        "rm" => rm(sim, &session, args, &mut output),
        "mkdir" => mkdir(sim, &session, args, &mut output),
        "sh" | "bash" if args.first().is_some_and(|a| a == "-c") => {
            // `sh -c 'echo … > FILE'`: the script runs in this same shell.
            let mut status = 0;
            for entry in super::parse::entries(args.get(1).map_or("", String::as_str)) {
                let ran = shell.run_entry(sim, entry);
                status = ran.status;
                output.extend(ran.output);
            }
            status
        }
        "echo" | "clear" | "sleep" | "timeout" | "help" => {
            return builtins::run(shell, sim, words, stdin);
        }
        "grep" | "head" | "tail" | "wc" => {
            // The filters read the node's files: hand them a view of the ones named.
            let mut files = BTreeMap::new();
            if let Some(machine) = sim.machine(&session.node) {
                for arg in args.iter().filter(|a| !a.starts_with('-')) {
                    if let Some(file) = machine.file(&session.path(arg)) {
                        files.insert(arg.clone(), file.content.clone());
                    }
                }
            }
            let mut view = Shell { files, ..Shell::default() };
            return builtins::run(&mut view, sim, words, stdin);
        }
        "systemctl" => systemctl(sim, &session, args, &mut output),
        "journalctl" => journalctl(sim, &session, args, &mut output),
        "crictl" => crictl(sim, &session, args, &mut output),
        "sysctl" => sysctl(sim, &session, args, &mut output),
        "iptables-save" | "ipvsadm" => proxy_rules(sim, &session, name, &mut output),
        "curl" => curl(sim, &session, args, &mut output),
        "swapoff" | "swapon" => swap(sim, &session, name, args, &mut output),
        "kubectl" | "k" if session.node == "controlplane" => {
            return builtins::run(shell, sim, words, stdin);
        }
        "kubectl" | "k" => {
            // A worker has no kubeconfig for kubectl: it tries the default local address.
            output.err_line(
                "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
            );
            1
        }
        "ssh" => ssh(shell, sim, args, &mut output),
        "vi" | "vim" | "nano" => {
            output.err_line(format!(
                "kubelab: {name} is not simulated on the node; write files with a here-document: cat <<EOF > FILE"
            ));
            1
        }
        other => {
            output.err_line(format!("{other}: command not found"));
            127
        }
    };
    Result { output, status, clear: false }
}

fn cd(
    shell: &mut Shell,
    sim: &Simulation,
    session: &NodeSession,
    args: &[String],
    out: &mut Output,
) -> i32 {
    let target = args.first().map_or("/root", String::as_str);
    let path = session.path(target);
    let is_dir = sim.machine(&session.node).is_some_and(|m| m.is_dir(&path));
    if !is_dir {
        out.err_line(format!("-bash: cd: {target}: No such file or directory"));
        return 1;
    }
    if let Some(open) = shell.node.as_mut() {
        open.cwd = path;
    }
    0
}

fn ls(sim: &Simulation, session: &NodeSession, args: &[String], out: &mut Output) -> i32 {
    let Some(machine) = sim.machine(&session.node) else { return 1 };
    let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
    let all = args.iter().any(|a| a.starts_with('-') && a.contains('a'));
    let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let targets: Vec<String> = if operands.is_empty() {
        vec![session.cwd.clone()]
    } else {
        operands.iter().map(|a| a.to_string()).collect()
    };
    let mut status = 0;
    let several = targets.len() > 1;
    for (index, typed) in targets.iter().enumerate() {
        let path = session.path(typed);
        if let Some(file) = machine.file(&path) {
            out.out(if long {
                long_line(typed, file.content.len(), file.mode, file.modified, false)
            } else {
                format!("{typed}\n")
            });
            continue;
        }
        let Some(entries) = machine.list(&path) else {
            out.err_line(format!("ls: cannot access '{typed}': No such file or directory"));
            status = 2;
            continue;
        };
        if several {
            if index > 0 {
                out.out("\n");
            }
            out.out(format!("{typed}:\n"));
        }
        let mut names: Vec<(String, bool)> = entries;
        if all {
            names.insert(0, ("..".to_string(), true));
            names.insert(0, (".".to_string(), true));
        }
        if long {
            out.out(format!("total {}\n", names.len() * 4));
            for (name, dir) in &names {
                let full = format!("{}/{name}", path.trim_end_matches('/'));
                let (size, mode, at) = match machine.file(&full) {
                    Some(f) => (f.content.len(), f.mode, f.modified),
                    None => (4096, 0o755, machine.booted_at()),
                };
                out.out(long_line(name, size, mode, at, *dir));
            }
        } else if !names.is_empty() {
            let line: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
            out.out(format!("{}\n", line.join("  ")));
        }
    }
    status
}

/// One line of `ls -l`.
fn long_line(name: &str, size: usize, mode: u32, at: SimTime, dir: bool) -> String {
    let mut perms = String::from(if dir { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        perms.push(if bits & 4 != 0 { 'r' } else { '-' });
        perms.push(if bits & 2 != 0 { 'w' } else { '-' });
        perms.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    let links = if dir { 2 } else { 1 };
    format!("{perms} {links} root root {size:>5} {} {name}\n", at.strftime("%b %e %H:%M"))
}

fn cat(
    sim: &Simulation,
    session: &NodeSession,
    args: &[String],
    stdin: &str,
    out: &mut Output,
) -> i32 {
    if args.is_empty() || args == ["-"] {
        out.out(stdin);
        return 0;
    }
    let Some(machine) = sim.machine(&session.node) else { return 1 };
    let mut status = 0;
    for typed in args {
        let path = session.path(typed);
        match machine.file(&path) {
            Some(file) => out.out(file.content.as_str()),
            None if machine.is_dir(&path) => {
                out.err_line(format!("cat: {typed}: Is a directory"));
                status = 1;
            }
            None if machine
                .list(
                    path.rsplit_once('/').map_or("/", |(d, _)| if d.is_empty() { "/" } else { d }),
                )
                .is_some_and(|entries| {
                    entries.iter().any(|(n, _)| Some(n.as_str()) == path.rsplit('/').next())
                }) =>
            {
                out.err_line(format!(
                    "kubelab: the content of {path} is not simulated (journalctl -u kubelet has the kubelet's log)"
                ));
                status = 1;
            }
            None => {
                out.err_line(format!("cat: {typed}: No such file or directory"));
                status = 1;
            }
        }
    }
    status
}

fn mkdir(sim: &mut Simulation, session: &NodeSession, args: &[String], out: &mut Output) -> i32 {
    let parents = args.iter().any(|a| a == "-p" || a == "--parents");
    let mut status = 0;
    for typed in args.iter().filter(|a| !a.starts_with('-')) {
        let path = session.path(typed);
        let made = sim.on_machine(session.node(), |machine, _| machine.make_dir(&path, parents));
        if let Some(Err(problem)) = made {
            out.err_line(format!("mkdir: cannot create directory '{typed}': {problem}"));
            status = 1;
        }
    }
    status
}

fn rm(sim: &mut Simulation, session: &NodeSession, args: &[String], out: &mut Output) -> i32 {
    let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
    let mut status = 0;
    for typed in args.iter().filter(|a| !a.starts_with('-')) {
        let path = session.path(typed);
        let removed = sim.on_machine(&session.node, |machine, _| machine.remove(&path));
        match removed {
            Some(Ok(())) => {}
            Some(Err(reason)) if reason == "Is a directory" => {
                out.err_line(format!("rm: cannot remove '{typed}': Is a directory"));
                status = 1;
            }
            _ if force => {}
            _ => {
                out.err_line(format!("rm: cannot remove '{typed}': No such file or directory"));
                status = 1;
            }
        }
    }
    status
}

/// `systemctl status|start|stop|restart|is-active|enable|disable|daemon-reload UNIT`.
fn systemctl(
    sim: &mut Simulation,
    session: &NodeSession,
    args: &[String],
    out: &mut Output,
) -> i32 {
    let operands: Vec<&str> =
        args.iter().filter(|a| !a.starts_with('-')).map(String::as_str).collect();
    let Some((&verb, units)) = operands.split_first() else {
        out.err_line("kubelab: systemctl needs a command: status, start, stop, restart, is-active");
        return 1;
    };
    if verb == "daemon-reload" {
        return 0;
    }
    let Some(&unit) = units.first() else {
        out.err_line("Too few arguments.");
        return 1;
    };
    let unit_name = unit.trim_end_matches(".service");
    if unit_name != "kubelet" {
        return match verb {
            "status" => {
                out.err_line(format!("Unit {unit_name}.service could not be found."));
                4
            }
            "is-active" => {
                out.out("inactive\n");
                3
            }
            _ => {
                out.err_line(format!(
                    "Failed to {verb} {unit_name}.service: Unit {unit_name}.service not found."
                ));
                5
            }
        };
    }
    let node = session.node.as_str();
    match verb {
        "status" => {
            let Some(machine) = sim.machine(node) else { return 1 };
            let now = sim.now();
            out.out(machine.unit().status(now));
            let entries = machine.journal().entries();
            let tail = &entries[entries.len().saturating_sub(10)..];
            let lines = machine.journal().render(machine.hostname(), tail);
            if !lines.is_empty() {
                out.out("\n");
                for line in lines.iter().filter(|l| !l.starts_with("-- Boot")) {
                    out.out(format!("{line}\n"));
                }
            }
            if machine.kubelet_running() { 0 } else { 3 }
        }
        "is-active" => {
            let word = sim.machine(node).map_or("inactive", |m| m.unit().active_word());
            out.out(format!("{word}\n"));
            i32::from(word != "active") * 3
        }
        "start" => {
            sim.on_machine(node, |m, now| m.start_kubelet(now));
            0
        }
        "stop" => {
            sim.on_machine(node, |m, now| m.stop_kubelet(now));
            0
        }
        "restart" => {
            sim.on_machine(node, |m: &mut Machine, now| {
                m.stop_kubelet(now);
                m.start_kubelet(now)
            });
            0
        }
        "enable" | "disable" | "reload" => 0,
        other => {
            out.err_line(format!("Unknown command verb '{other}'."));
            1
        }
    }
}

/// `journalctl [-u kubelet] [-n N] [-b] [-e] [-f] [--no-pager]`.
fn journalctl(sim: &Simulation, session: &NodeSession, args: &[String], out: &mut Output) -> i32 {
    let Some(machine) = sim.machine(&session.node) else { return 1 };
    let mut unit: Option<String> = None;
    let mut lines: Option<usize> = None;
    let mut this_boot = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-u" | "--unit" => unit = iter.next().cloned(),
            "-n" | "--lines" => lines = iter.next().and_then(|n| n.parse().ok()),
            "-b" | "--boot" => this_boot = true,
            "-e" | "--pager-end" => lines = lines.or(Some(1000)),
            "-f" | "--follow" => lines = lines.or(Some(10)),
            "--no-pager" | "-x" | "--catalog" | "-l" | "--full" | "-q" | "--quiet" => {}
            other => {
                if let Some(u) = other.strip_prefix("--unit=").or(other.strip_prefix("-u")) {
                    unit = Some(u.to_string());
                } else if let Some(n) = other.strip_prefix("--lines=").or(other.strip_prefix("-n"))
                {
                    lines = n.parse().ok();
                } else {
                    out.err_line(format!("journalctl: unrecognized option '{other}'"));
                    return 1;
                }
            }
        }
    }
    if unit.as_deref().is_some_and(|u| u.trim_end_matches(".service") != "kubelet") {
        out.out("-- No entries --\n");
        return 0;
    }
    let current = machine.journal().boot();
    let entries: Vec<_> = machine
        .journal()
        .entries()
        .iter()
        .filter(|e| !this_boot || e.boot == current)
        .cloned()
        .collect();
    let start = lines.map_or(0, |n| entries.len().saturating_sub(n));
    let shown = &entries[start..];
    if shown.is_empty() {
        out.out("-- No entries --\n");
        return 0;
    }
    for line in machine.journal().render(machine.hostname(), shown) {
        out.out(format!("{line}\n"));
    }
    0
}

/// `crictl ps [-a]`, `crictl pods`.
fn crictl(sim: &Simulation, session: &NodeSession, args: &[String], out: &mut Output) -> i32 {
    let Some(kubelet) = sim.kubelet(&session.node) else { return 1 };
    let now = sim.now();
    let sub = args.iter().find(|a| !a.starts_with('-')).map_or("", String::as_str);
    let all = args.iter().any(|a| a == "-a" || a == "--all");
    match sub {
        "ps" => {
            let mut rows = vec![
                [
                    "CONTAINER",
                    "IMAGE",
                    "CREATED",
                    "STATE",
                    "NAME",
                    "ATTEMPT",
                    "POD ID",
                    "POD",
                    "NAMESPACE",
                ]
                .map(str::to_string)
                .to_vec(),
            ];
            for c in kubelet.cri_containers(all) {
                let image = c.image_id.trim_start_matches("sha256:").chars().take(13).collect();
                rows.push(vec![
                    c.id.chars().take(13).collect(),
                    image,
                    format!("{} ago", docker_duration(now.since(c.created_at))),
                    c.state.to_string(),
                    c.name,
                    c.attempt.to_string(),
                    c.pod_id.chars().take(13).collect(),
                    c.pod,
                    c.namespace,
                ]);
            }
            out.out(table(&rows));
            0
        }
        "pods" => {
            let mut rows = vec![
                ["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"]
                    .map(str::to_string)
                    .to_vec(),
            ];
            let mut seen = std::collections::BTreeSet::new();
            for c in kubelet.cri_containers(true) {
                if seen.insert(c.pod_id.clone()) {
                    rows.push(vec![
                        c.pod_id.chars().take(13).collect(),
                        format!("{} ago", docker_duration(now.since(c.created_at))),
                        "Ready".to_string(),
                        c.pod,
                        c.namespace,
                        "0".to_string(),
                        "(default)".to_string(),
                    ]);
                }
            }
            out.out(table(&rows));
            0
        }
        "" => {
            out.err_line("kubelab: crictl here knows `crictl ps [-a]` and `crictl pods`");
            1
        }
        other => {
            out.err_line(format!(
                "kubelab: crictl {other} is not simulated (try crictl ps, crictl pods)"
            ));
            1
        }
    }
}

/// crictl's table: tabwriter with a minimum width of 20 and padding of 3.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count() + 3)
                .max()
                .unwrap_or(0)
                .max(20)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Docker's `units.HumanDuration`, which crictl prints as CREATED.
fn docker_duration(d: std::time::Duration) -> String {
    let seconds = d.as_secs();
    let minutes = seconds / 60;
    let hours = (d.as_secs_f64() / 3600.0).round() as u64;
    if seconds < 1 {
        "Less than a second".to_string()
    } else if seconds == 1 {
        "1 second".to_string()
    } else if seconds < 60 {
        format!("{seconds} seconds")
    } else if minutes == 1 {
        "About a minute".to_string()
    } else if minutes < 60 {
        format!("{minutes} minutes")
    } else if hours == 1 {
        "About an hour".to_string()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else {
        format!("{} months", hours / 24 / 30)
    }
}

/// `sysctl KEY…`, `sysctl -a`, `sysctl -w KEY=VALUE` (runtime values, until the next reboot).
fn sysctl(sim: &mut Simulation, session: &NodeSession, args: &[String], out: &mut Output) -> i32 {
    let machine = sim.machine(&session.node);
    let value_of = |key: &str, default: &str| -> String {
        machine.and_then(|m| m.sysctl(key)).unwrap_or(default).to_string()
    };
    let hostname = ("kernel.hostname", session.node.as_str());
    let known = |key: &str| -> Option<String> {
        let key = key.replace('/', ".");
        SYSCTLS
            .iter()
            .copied()
            .chain([hostname])
            .find(|(k, _)| *k == key)
            .map(|(k, v)| value_of(k, v))
    };
    if args.iter().any(|a| a == "-a" || a == "--all") {
        let mut all: Vec<(&str, &str)> = SYSCTLS.iter().copied().chain([hostname]).collect();
        crate::sort::sort(&mut all);
        for (key, value) in all {
            out.out(format!("{key} = {}\n", value_of(key, value)));
        }
        return 0;
    }
    let mut status = 0;
    let mut writes = Vec::new();
    for arg in args.iter().filter(|a| !a.starts_with('-')) {
        if let Some((key, value)) = arg.split_once('=') {
            let (key, value) = (key.trim(), value.trim());
            if known(key).is_none() {
                out.err_line(format!(
                    "sysctl: cannot stat /proc/sys/{}: No such file or directory",
                    key.replace('.', "/")
                ));
                status = 255;
                continue;
            }
            out.out(format!("{key} = {value}\n"));
            writes.push((key.replace('/', "."), value.to_string()));
            continue;
        }
        match known(arg) {
            Some(value) => out.out(format!("{arg} = {value}\n")),
            None => {
                out.err_line(format!(
                    "sysctl: cannot stat /proc/sys/{}: No such file or directory",
                    arg.replace('.', "/")
                ));
                status = 255;
            }
        }
    }
    if !writes.is_empty() {
        sim.on_machine(&session.node, |machine, _| {
            for (key, value) in &writes {
                machine.set_sysctl(key, value);
            }
        });
    }
    status
}

/// curl on the node: the node's own address and its kube-proxy rules, without the cluster DNS
/// (a node's resolver does not know Service names).
fn curl(sim: &mut Simulation, session: &NodeSession, args: &[String], out: &mut Output) -> i32 {
    let ip = sim
        .api()
        .get::<k8s_openapi::api::core::v1::Node>("", &session.node)
        .ok()
        .and_then(|n| crate::cluster::node_address(n, "InternalIP").map(str::to_string))
        .unwrap_or_default();
    let origin = crate::network::Origin::node(&session.node, &ip);
    // A download lands nowhere the lab keeps; curl still reports it saved.
    super::builtins::curl_from(sim, origin, args, &mut |_: &str, _: &str| true, out)
}

/// `iptables-save` and `ipvsadm -Ln`: the rules this node's kube-proxy programmed.
fn proxy_rules(sim: &Simulation, session: &NodeSession, name: &str, out: &mut Output) -> i32 {
    let Some(proxy) = sim.network().proxy(&session.node) else { return 0 };
    if name == "iptables-save" {
        out.out(proxy.iptables_save(&sim.now().strftime("%a %b %e %H:%M:%S %Y")));
        return 0;
    }
    if proxy.mode() != crate::network::ProxyMode::Ipvs {
        // Without IPVS mode the kernel has no virtual servers.
        out.out("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        return 0;
    }
    let node_ips: Vec<String> = sim
        .api()
        .get::<k8s_openapi::api::core::v1::Node>("", &session.node)
        .ok()
        .and_then(|n| crate::cluster::node_address(n, "InternalIP").map(str::to_string))
        .into_iter()
        .collect();
    let node_ips: Vec<&str> = node_ips.iter().map(String::as_str).collect();
    out.out(proxy.ipvsadm(&node_ips));
    0
}

/// `swapoff -a`, `swapon -a`, `swapon --show`.
fn swap(
    sim: &mut Simulation,
    session: &NodeSession,
    name: &str,
    args: &[String],
    out: &mut Output,
) -> i32 {
    let show =
        name == "swapon" && (args.is_empty() || args.iter().any(|a| a == "--show" || a == "-s"));
    if show {
        if let Some(table) = sim.machine(&session.node).and_then(Machine::swap_table) {
            out.out(table);
        }
        return 0;
    }
    if !args.iter().any(|a| a == "-a" || a == "--all") {
        out.err_line(format!("kubelab: {name} here knows `{name} -a`"));
        return 1;
    }
    let turn_off = name == "swapoff";
    sim.on_machine(&session.node, |m, _| if turn_off { m.swapoff() } else { m.swapon() });
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crictl_prints_ages_as_docker_does() {
        let secs = std::time::Duration::from_secs;
        assert_eq!(docker_duration(secs(30)), "30 seconds");
        assert_eq!(docker_duration(secs(90)), "About a minute");
        assert_eq!(docker_duration(secs(600)), "10 minutes");
        assert_eq!(docker_duration(secs(10 * 86_400)), "10 days");
    }

    #[test]
    fn the_prompt_shows_the_home_directory_as_a_tilde() {
        let session = NodeSession { node: "node01".into(), cwd: "/root".into() };
        assert_eq!(session.prompt(), "root@node01:~# ");
        let session = NodeSession { node: "node01".into(), cwd: "/etc/kubernetes".into() };
        assert_eq!(session.prompt(), "root@node01:/etc/kubernetes# ");
        assert_eq!(session.path("manifests/x.yaml"), "/etc/kubernetes/manifests/x.yaml");
    }
}
