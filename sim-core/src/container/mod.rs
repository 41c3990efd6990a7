//! Simulated containers: what runs inside a container the kubelet starts — the image's program or
//! a small POSIX shell, on the virtual clock, with its own filesystem, log, ports and resource use.
//!
//! The kubelet owns one [`Instance`] per run of a container (a restart starts a fresh instance,
//! with a fresh writable layer, as containerd does); volumes outlive instances and are passed in.
//!
//! A container runs either one of its image's programs ([`programs`]: a timeline decided at
//! start) or a shell/utility ([`shell`]: a script interpreter on the virtual clock).

mod clock;
mod files;
mod fs;
mod image;
pub mod net;
mod pi;
mod programs;
mod shell;
#[cfg(test)]
mod tests;

pub use files::{FileEntry, Files};
pub(crate) use fs::normalize as normalize_path;
pub use programs::load_generator_target;
pub use shell::net_tools::{Call as ClientCall, client as network_client};

use crate::rng::Rng;
use crate::time::SimTime;
use fs::View;
use image::{Image, Profile};
use programs::{Found, Program, Server};
use serde::{Deserialize, Serialize};
use shell::{Ctx, Dialect, Machine, Poll};
use std::collections::BTreeMap;
use std::time::Duration;

/// A pod's volumes by name, each a tree of files that every container mounting it sees.
pub type Volumes = BTreeMap<String, Filesystem>;

/// An in-memory filesystem: absolute paths to entries. The map is shared until someone writes
/// (copy on write): every container of an image starts from the same tree, and most never
/// change it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filesystem {
    #[serde(with = "shared_entries")]
    entries: std::rc::Rc<BTreeMap<String, Entry>>,
    /// Some entry is a symbolic link: paths need resolving (most trees have none).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    has_links: bool,
    /// Memory-backed (tmpfs): what its files hold is memory, and its directories report
    /// tmpfs's sizes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    tmpfs: bool,
    /// The bytes its files may hold at most (a tmpfs's size); writes past it fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    capacity_bytes: Option<u64>,
    /// The most its files held since [`Filesystem::reset_peak`] (tmpfs only): memory charged
    /// at that moment, however much was removed since.
    #[serde(default, skip_serializing_if = "is_zero")]
    peak_bytes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Saved as the plain map it is.
mod shared_entries {
    use super::Entry;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;
    use std::rc::Rc;

    pub fn serialize<S: Serializer>(
        entries: &Rc<BTreeMap<String, Entry>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        entries.as_ref().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Rc<BTreeMap<String, Entry>>, D::Error> {
        BTreeMap::deserialize(deserializer).map(Rc::new)
    }
}

/// One name in a filesystem, with its permission bits where they can differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Entry {
    Directory(u32),
    File(String, u32),
    /// An executable of the image (its name); reads as empty, mode 0755.
    Program(String),
    /// A symbolic link and the path it points to (relative to its directory).
    Symlink(String),
}

/// Whose command-line tools an image has: their error messages differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Userland {
    /// busybox, alpine and images built on them.
    Busybox,
    /// Debian and Ubuntu (coreutils, dash, bash).
    Gnu,
    /// Distroless: no shell, no tools.
    None,
}

/// A volume mounted into a container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    pub volume: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    pub read_only: bool,
}

/// What the kubelet asks the runtime to run.
pub struct Launch<'a> {
    /// The image as the pod spec names it (`busybox:1.28`).
    pub image: &'a str,
    pub command: Option<&'a [String]>,
    pub args: Option<&'a [String]>,
    /// The container's environment, resolved, in order.
    pub env: &'a [(String, String)],
    /// The pod's hostname (its name).
    pub hostname: &'a str,
    pub mounts: &'a [Mount],
    /// Feeds anything the program draws at random (ids, /dev/urandom).
    pub seed: u64,
}

/// One line the container wrote to stdout or stderr.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: SimTime,
    pub stderr: bool,
    pub text: String,
}

/// Where a running instance stands after [`Instance::advance`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Still running; `next_wake` is when it next does something by itself (a `sleep`
    /// ending), `None` when it only waits (a server, `sleep infinity`).
    Running {
        next_wake: Option<SimTime>,
    },
    Exited {
        code: i32,
        at: SimTime,
    },
}

/// What a command run inside the container (`kubectl exec`, an exec probe) produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecOutcome {
    Ran {
        stdout: String,
        stderr: String,
        code: i32,
        /// The virtual time the command took (its `sleep`s): an exec probe times out on it.
        took: Duration,
    },
    /// The executable does not exist in the image (`exec: "bash": executable file not found in
    /// $PATH`), as the runtime words it.
    NotFound(String),
}

/// An HTTP response a server in the container gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: String,
}

/// Resources a container uses at an instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU the program wants, in millicores, before any limit throttles it.
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

/// One run of a container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    started_at: SimTime,
    log: Vec<LogLine>,
    exited: Option<(i32, SimTime)>,
    fs: Filesystem,
    profile: Profile,
    hostname: String,
    mounts: Vec<Mount>,
    env: Vec<(String, String)>,
    rng: Rng,
    process: Process,
    /// Text written without a newline yet, per stream (stdout, stderr), and when it began.
    partial: [Option<(SimTime, String)>; 2],
    /// The volumes a file server serves from, as of the last call that passed them in.
    served: Volumes,
    /// Exec sessions started, for their process ids.
    execs: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Process {
    Shell(Box<Machine>),
    Program(Box<Program>),
}

/// Steps one `advance` may run; a script past it is spinning and skips ahead.
const STEP_BUDGET: u64 = 100_000;
/// Steps an exec or `$(…)` may run before it is cut off.
const EXEC_BUDGET: u64 = 50_000;
/// The log keeps at most this many lines (the oldest go), as kubelet rotates logs.
const MAX_LOG_LINES: usize = 10_000;
/// How far ahead `terminate` looks for a trap handler to finish.
const TERMINATE_HORIZON: Duration = Duration::from_secs(3600);
/// What a shell or a sleeping utility holds in memory.
const SHELL_MEMORY_BYTES: u64 = 512 * 1024;
/// A busy loop wants a whole CPU.
const BUSY_CPU_MILLIS: u64 = 1000;
/// How soon a spinning shell is looked at again: it may finish its loop and exit.
const BUSY_LOOK_AGAIN: Duration = Duration::from_secs(10);

/// containerd's words when the executable is missing.
fn runtime_not_found(name: &str) -> String {
    let why = if name.contains('/') {
        format!("exec: \"{name}\": stat {name}: no such file or directory")
    } else {
        format!("exec: \"{name}\": executable file not found in $PATH")
    };
    format!(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {why}: unknown"
    )
}

/// What a shell run sees of its container: the files, who it is, where its output goes.
fn shell_ctx<'a>(
    view: View<'a>,
    profile: &Profile,
    hostname: &'a str,
    out: &'a mut Vec<(SimTime, bool, String)>,
    ports: &'a [u16],
) -> Ctx<'a> {
    // busybox before 1.30 prints nslookup's answers in the older layout.
    let legacy_nslookup = profile.image == Image::Busybox
        && (profile.tag.starts_with("1.2") || profile.tag.starts_with("1.1"));
    Ctx {
        net: None,
        legacy_nslookup,
        view,
        userland: profile.userland,
        hostname,
        out,
        ports,
        budget: STEP_BUDGET,
        depth: 0,
    }
}

fn is_shell(name: &str) -> bool {
    matches!(name, "sh" | "ash" | "bash" | "dash")
}

impl Instance {
    /// Starts the container's process at `now`. `Err` carries the runtime's message when it
    /// cannot start (the executable is not in the image).
    pub fn start(launch: &Launch, volumes: &mut Volumes, now: SimTime) -> Result<Instance, String> {
        let profile = Profile::of(launch.image);
        let fs = profile.base_tree(launch.hostname);
        let (entrypoint, cmd) = profile.defaults();
        let mut argv: Vec<String> = match launch.command {
            Some(command) => command.to_vec(),
            None => entrypoint.iter().map(|s| s.to_string()).collect(),
        };
        match (launch.args, launch.command) {
            (Some(args), _) => argv.extend(args.iter().cloned()),
            (None, None) => argv.extend(cmd.iter().map(|s| s.to_string())),
            (None, Some(_)) => {}
        }
        let mut env = vec![("HOSTNAME".to_string(), launch.hostname.to_string())];
        env.extend(launch.env.iter().cloned());
        let mut instance = Instance {
            started_at: now,
            log: Vec::new(),
            exited: None,
            fs,
            profile,
            hostname: launch.hostname.to_string(),
            mounts: launch.mounts.to_vec(),
            env,
            rng: Rng::new(launch.seed),
            // Replaced at once by what `launch` decides runs.
            process: Process::Shell(Box::new(Machine::idle(now))),
            partial: [None, None],
            served: Volumes::new(),
            execs: 0,
        };
        instance.process = instance.launch(&argv, volumes, now)?;
        instance.advance(volumes, now);
        Ok(instance)
    }

    /// Decides what runs for `argv`: an image program, a shell, or a utility.
    fn launch(
        &mut self,
        argv: &[String],
        volumes: &mut Volumes,
        now: SimTime,
    ) -> Result<Process, String> {
        let mut argv = argv.to_vec();
        let Some(first) = argv.first().cloned() else {
            return Err(runtime_not_found(""));
        };
        // The images' entrypoint scripts hand over to their argument (or to the server when
        // the argument is a flag), as `docker-entrypoint.sh` does.
        let base = first.rsplit('/').next().unwrap_or(&first).to_string();
        let mut via_entrypoint = false;
        if matches!(base.as_str(), "docker-entrypoint.sh" | "entrypoint.sh")
            && self.find(volumes, &first).is_some()
        {
            via_entrypoint = true;
            argv.remove(0);
            let server = match self.profile.image {
                Image::Redis => Some("redis-server"),
                Image::Mysql => Some("mysqld"),
                Image::Postgres => Some("postgres"),
                Image::Curl => Some("curl"),
                _ => None,
            };
            let takes_over = argv.first().is_none_or(|a| {
                a.starts_with('-')
                    || (self.profile.image == Image::Curl && self.find(volumes, a).is_none())
            });
            if let Some(server) = server.filter(|_| takes_over) {
                argv.insert(0, server.to_string());
            }
            if argv.is_empty() {
                return Err(runtime_not_found(""));
            }
        }
        let program_path = match self.find(volumes, &argv[0]) {
            Some(path) => path,
            None if self.profile.image == Image::Other => "/app".to_string(),
            None => return Err(runtime_not_found(&argv[0])),
        };
        let name = program_path.rsplit('/').next().unwrap_or_default().to_string();
        if is_shell(&name) && programs::load_generator_target(&argv).is_some() {
            let program = programs::load_generator(&self.profile, &self.hostname, now);
            return Ok(Process::Program(Box::new(program)));
        }
        if is_shell(&name) {
            let mut machine = self.machine(&name, now);
            let mut out = Vec::new();
            let mut ctx = self.ctx(volumes, &mut out, &[]);
            shell_arguments(&mut machine, &mut ctx, &argv[1..]);
            self.write_chunks(out);
            return Ok(Process::Shell(Box::new(machine)));
        }
        let mut program_argv = argv.clone();
        program_argv[0] = program_path;
        if let Some(program) = programs::start(
            &self.profile,
            &program_argv,
            &self.env,
            &self.hostname,
            now,
            via_entrypoint,
        ) {
            return Ok(Process::Program(Box::new(program)));
        }
        let mut machine = self.machine("sh", now);
        machine.load_argv(&argv);
        Ok(Process::Shell(Box::new(machine)))
    }

    /// Where `name` resolves in the container: a path, or a program on PATH.
    fn find(&mut self, volumes: &mut Volumes, name: &str) -> Option<String> {
        let path_var = self
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map_or(shell::DEFAULT_PATH, |(_, v)| v.as_str());
        let view = View { own: &mut self.fs, volumes, mounts: &self.mounts, rng: &mut self.rng };
        shell::find_program(&view, path_var, "/", name)
    }

    fn machine(&self, name: &str, now: SimTime) -> Machine {
        let dialect = match (name, self.profile.userland) {
            ("bash", _) => Dialect::Bash,
            (_, Userland::Gnu) => Dialect::Dash,
            _ => Dialect::Ash,
        };
        // busybox calls itself `sh` whichever name ran it.
        let shown = if dialect == Dialect::Ash { "sh" } else { name };
        Machine::new(dialect, shown, &self.env, now)
    }

    fn ctx<'a>(
        &'a mut self,
        volumes: &'a mut Volumes,
        out: &'a mut Vec<(SimTime, bool, String)>,
        ports: &'a [u16],
    ) -> Ctx<'a> {
        let view = View { own: &mut self.fs, volumes, mounts: &self.mounts, rng: &mut self.rng };
        shell_ctx(view, &self.profile, &self.hostname, out, ports)
    }

    /// Turns what the process wrote into log lines, a line per newline.
    fn write_chunks(&mut self, chunks: Vec<(SimTime, bool, String)>) {
        for (at, stderr, text) in chunks {
            let slot = usize::from(stderr);
            let mut rest = text.as_str();
            while let Some(i) = rest.find('\n') {
                let mut line = self.partial[slot].take().map(|(_, t)| t).unwrap_or_default();
                line.push_str(&rest[..i]);
                self.log.push(LogLine { at, stderr, text: line });
                rest = &rest[i + 1..];
            }
            if !rest.is_empty() {
                let partial = self.partial[slot].get_or_insert_with(|| (at, String::new()));
                partial.1.push_str(rest);
            }
        }
        self.trim_log();
    }

    fn trim_log(&mut self) {
        if self.log.len() > MAX_LOG_LINES + MAX_LOG_LINES / 5 {
            let excess = self.log.len() - MAX_LOG_LINES;
            self.log.drain(..excess);
        }
    }

    /// Ends the process at `at` with `code`, flushing unfinished lines.
    fn finish(&mut self, code: i32, at: SimTime) {
        for (slot, partial) in self.partial.iter_mut().enumerate() {
            if let Some((_, text)) = partial.take() {
                self.log.push(LogLine { at, stderr: slot == 1, text });
            }
        }
        self.exited = Some((code, at));
    }

    /// Runs the process up to `now`.
    pub fn advance(&mut self, volumes: &mut Volumes, now: SimTime) -> State {
        self.advance_on(volumes, None, now)
    }

    /// [`Instance::advance`] with the pod's network within reach of the process.
    pub fn advance_on(
        &mut self,
        volumes: &mut Volumes,
        mut net: Option<&mut dyn net::Network>,
        now: SimTime,
    ) -> State {
        if let Some((code, at)) = self.exited {
            return State::Exited { code, at };
        }
        self.refresh_served(volumes);
        match &mut self.process {
            Process::Shell(machine) => {
                let mut out = Vec::new();
                let poll = {
                    let view = View {
                        own: &mut self.fs,
                        volumes,
                        mounts: &self.mounts,
                        rng: &mut self.rng,
                    };
                    let mut ctx = shell_ctx(view, &self.profile, &self.hostname, &mut out, &[]);
                    ctx.net = match net.as_mut() {
                        Some(net) => Some(&mut **net),
                        None => None,
                    };
                    machine.run(&mut ctx, now)
                };
                if poll == Poll::Busy {
                    // Spinning: what it would do until `now` is skipped, not simulated. It
                    // may still finish, so the kubelet looks again now and then.
                    machine.skip_to(now);
                }
                self.write_chunks(out);
                match poll {
                    Poll::Exited(code, at) => {
                        self.finish(code, at);
                        State::Exited { code, at }
                    }
                    Poll::Waiting(next_wake) => State::Running { next_wake },
                    Poll::Busy => State::Running { next_wake: Some(now + BUSY_LOOK_AGAIN) },
                }
            }
            Process::Program(program) => {
                let exit = program.advance(now, &mut self.log);
                let next_wake =
                    program.next_wake().into_iter().chain(program.next_change(now)).min();
                self.trim_log();
                match exit {
                    Some((code, at)) => {
                        self.finish(code, at);
                        State::Exited { code, at }
                    }
                    None => State::Running { next_wake },
                }
            }
        }
    }

    /// Keeps a copy of the volumes under a file server's document root, so `http_get` (which
    /// is not given the volumes) serves what the pod's other containers wrote there.
    fn refresh_served(&mut self, volumes: &Volumes) {
        let Process::Program(program) = &self.process else { return };
        let Server::Files { root, .. } = &program.server else { return };
        let served: Volumes = self
            .mounts
            .iter()
            .filter(|m| {
                m.mount_path.starts_with(root.as_str()) || root.starts_with(m.mount_path.as_str())
            })
            .filter_map(|m| volumes.get(&m.volume).map(|fs| (m.volume.clone(), fs.clone())))
            .collect();
        self.served = served;
    }

    /// Everything the container has written, in order (the newest lines, when it wrote a lot).
    pub fn log(&self) -> &[LogLine] {
        &self.log
    }

    /// SIGTERM at `now`: when the process ends by itself, or `None` when it ignores the signal
    /// (a shell as PID 1 without a trap) and waits for SIGKILL.
    pub fn terminate(&mut self, volumes: &mut Volumes, now: SimTime) -> Option<SimTime> {
        if let State::Exited { at, .. } = self.advance(volumes, now) {
            return Some(at);
        }
        match &mut self.process {
            Process::Program(program) => program.terminate(now),
            Process::Shell(machine) => {
                if !machine.traps_term() {
                    return None;
                }
                machine.signal_term(now);
                // The trap runs when the current command ends; rehearse on copies to see when
                // (and whether) the process then exits.
                let mut rehearsal = self.clone();
                let mut scratch = volumes.clone();
                match rehearsal.advance(&mut scratch, now + TERMINATE_HORIZON) {
                    State::Exited { at, .. } => Some(at),
                    State::Running { .. } => None,
                }
            }
        }
    }

    /// Runs `argv` in the container at `now` (it sees and changes the same files). It runs to
    /// the end at once: a `sleep` inside takes no time for the caller.
    pub fn exec(&mut self, volumes: &mut Volumes, argv: &[String], now: SimTime) -> ExecOutcome {
        self.exec_on(volumes, argv, None, now)
    }

    /// [`Instance::exec`] with the pod's network within reach of the command.
    pub fn exec_on(
        &mut self,
        volumes: &mut Volumes,
        argv: &[String],
        mut net: Option<&mut dyn net::Network>,
        now: SimTime,
    ) -> ExecOutcome {
        let Some(first) = argv.first() else {
            return ExecOutcome::NotFound(
                "exec: \"\": executable file not found in $PATH".to_string(),
            );
        };
        let Some(path) = self.find(volumes, first) else {
            return ExecOutcome::NotFound(format!(
                "exec: \"{first}\": executable file not found in $PATH"
            ));
        };
        self.execs += 1;
        let name = path.rsplit('/').next().unwrap_or_default().to_string();
        let mut machine = self.machine(if is_shell(&name) { &name } else { "sh" }, now);
        machine.set_pid(self.execs * 7 + 10);
        let ports = match &self.process {
            Process::Program(program) if self.exited.is_none() => program.open_ports(now),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        let code = {
            let mut ctx = self.ctx(volumes, &mut out, &ports);
            ctx.budget = EXEC_BUDGET;
            ctx.net = match net.as_mut() {
                Some(net) => Some(&mut **net),
                None => None,
            };
            if is_shell(&name) {
                shell_arguments(&mut machine, &mut ctx, &argv[1..]);
            } else {
                machine.load_argv(argv);
            }
            machine.run_to_end(&mut ctx)
        };
        self.refresh_served(volumes);
        if machine.signalled_pid1().is_some() {
            // SIGTERM (SIGKILL is treated alike): the image's program shuts down as it would;
            // a shell without a trap ignores it, as PID 1 does.
            self.terminate(volumes, now);
        }
        let mut stdout = String::new();
        let mut stderr = String::new();
        for (_, is_err, text) in out {
            if is_err { &mut stderr } else { &mut stdout }.push_str(&text);
        }
        let took = machine.clock().since(now);
        ExecOutcome::Ran { stdout, stderr, code, took }
    }

    /// Like [`Instance::http_get`], with the pod's current volumes (what a file server serves
    /// from a mounted volume is then exactly current).
    pub fn http_get_with_volumes(
        &mut self,
        volumes: &Volumes,
        port: u16,
        path: &str,
        user_agent: &str,
        now: SimTime,
    ) -> Option<HttpAnswer> {
        self.refresh_served(volumes);
        self.http_get(port, path, user_agent, now)
    }

    /// An HTTP GET from `user_agent` to `port` and `path`; `None` when nothing listens there.
    pub fn http_get(
        &mut self,
        port: u16,
        path: &str,
        user_agent: &str,
        now: SimTime,
    ) -> Option<HttpAnswer> {
        if self.exited.is_some() {
            return None;
        }
        let Process::Program(program) = &mut self.process else { return None };
        if let Some((code, at)) = program.advance(now, &mut self.log) {
            self.finish(code, at);
            return None;
        }
        let mut served = std::mem::take(&mut self.served);
        let mut rng = Rng::new(0);
        let answer = {
            let view = View {
                own: &mut self.fs,
                volumes: &mut served,
                mounts: &self.mounts,
                rng: &mut rng,
            };
            let mut view = view;
            let mut files = |p: &str| match view.kind(p) {
                Some(true) => Some(Found::Directory(view.list(p).unwrap_or_default())),
                Some(false) => view.read(p).ok().map(Found::File),
                None => None,
            };
            program.http_get(port, path, user_agent, now, &mut files)
        };
        self.served = served;
        if let Some((code, at)) = program.advance(now, &mut self.log) {
            self.finish(code, at);
        }
        self.trim_log();
        answer
    }

    /// A copy of a serving process to answer requests with, without its log (the network
    /// answers from it and the real process then logs the request); `None` for processes
    /// that serve nothing.
    pub fn server_copy(&self) -> Option<Instance> {
        let Process::Program(program) = &self.process else { return None };
        if self.exited.is_some() || matches!(program.server, Server::Quiet) {
            return None;
        }
        Some(Instance {
            started_at: self.started_at,
            log: Vec::new(),
            exited: None,
            fs: self.fs.clone(),
            profile: self.profile.clone(),
            hostname: self.hostname.clone(),
            mounts: self.mounts.clone(),
            env: Vec::new(),
            rng: self.rng.clone(),
            process: self.process.clone(),
            partial: [None, None],
            served: self.served.clone(),
            execs: 0,
        })
    }

    /// Whether the process accepts TCP connections on `port` at `now`.
    pub fn listens_on(&self, port: u16, now: SimTime) -> bool {
        match (&self.process, self.exited) {
            (Process::Program(program), None) => program.listens_on(port, now),
            _ => false,
        }
    }

    /// The gRPC health service's answer on `port`: `Some(true)` for SERVING, `None` when nothing
    /// listens there.
    pub fn grpc_health(&self, port: u16, now: SimTime) -> Option<bool> {
        match (&self.process, self.exited) {
            (Process::Program(program), None) => program.grpc_health(port, now),
            _ => None,
        }
    }

    /// Sets the CPU the requests reaching this container ask for (`crate::traffic`).
    pub fn set_offered_load(&mut self, millis: u64) {
        if let Process::Program(program) = &mut self.process {
            program.set_offered_load(millis);
        }
    }

    /// What the process uses at `now`.
    pub fn usage(&self, now: SimTime) -> Usage {
        if self.exited.is_some() {
            return Usage::default();
        }
        match &self.process {
            Process::Program(program) => program.usage(now),
            Process::Shell(machine) => Usage {
                cpu_millis: if machine.is_busy() { BUSY_CPU_MILLIS } else { 0 },
                memory_bytes: SHELL_MEMORY_BYTES,
            },
        }
    }

    /// The next instant the process's memory use changes course, if its program has one ahead.
    pub fn next_memory_change(&self, now: SimTime) -> Option<SimTime> {
        match &self.process {
            Process::Program(program) if self.exited.is_none() => program.next_memory_change(now),
            _ => None,
        }
    }

    /// The first instant at or after `now` when the process's memory use exceeds `limit_bytes`,
    /// if its program ever does.
    pub fn exceeds_memory_at(&self, limit_bytes: u64, now: SimTime) -> Option<SimTime> {
        if self.exited.is_some() {
            return None;
        }
        match &self.process {
            Process::Program(program) => program.exceeds_memory_at(limit_bytes, now),
            Process::Shell(_) => (SHELL_MEMORY_BYTES > limit_bytes).then_some(now),
        }
    }
}

/// Reads a shell's command line (`-c SCRIPT [NAME [ARGS…]]`, `SCRIPT-FILE`, or nothing) and
/// loads what it will run. With nothing to run and no terminal, it reads end-of-file and exits.
fn shell_arguments(machine: &mut Machine, ctx: &mut Ctx, args: &[String]) {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg.starts_with('-') && arg.len() > 1 && !arg.starts_with("--") {
            if arg.contains('c') {
                let Some(script) = rest.next() else {
                    let message = format!("{}: -c requires an argument\n", machine.name());
                    machine.write(ctx, 2, &message);
                    machine.end(2);
                    return;
                };
                let positional: Vec<String> = rest.cloned().collect();
                if let Some((zero, others)) = positional.split_first() {
                    machine.set_name(zero);
                    machine.set_positional(others.to_vec());
                }
                machine.load(ctx, script);
                return;
            }
            continue;
        }
        let path = fs::normalize("/", arg);
        match ctx.view.read(&path) {
            Ok(script) => {
                machine.set_positional(rest.cloned().collect());
                machine.load(ctx, &script);
            }
            Err(_) => {
                let message =
                    format!("{}: can't open '{arg}': No such file or directory\n", machine.name());
                machine.write(ctx, 2, &message);
                machine.end(127);
            }
        }
        return;
    }
    machine.end(0);
}
