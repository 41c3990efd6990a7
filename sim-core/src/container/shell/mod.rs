//! A small POSIX shell on the virtual clock. Scripts are parsed once and run by a machine with
//! an explicit stack of frames (no Rust recursion), so a script stopped at a `sleep` inside a
//! loop is plain data: it can be saved, restored and resumed exactly.

mod commands;
mod expand;
pub mod net_tools;
pub(crate) mod parse;

use super::Userland;
use super::fs::{View, is_normal, normalize};
use crate::time::SimTime;
use parse::{Cmd, ParseError, Part, Redir, RedirOp, Simple};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The PATH of the images' environments.
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Where a command name leads: the file at its path when it has a slash, else the first
/// program of that name in a PATH directory.
pub(crate) fn find_program(view: &View, path_var: &str, cwd: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let path = normalize(cwd, name);
        return (view.kind(&path) == Some(false)).then_some(path);
    }
    let mut candidate = String::new();
    for dir in path_var.split(':').filter(|d| !d.is_empty()) {
        candidate.clear();
        candidate.push_str(dir);
        candidate.push('/');
        candidate.push_str(name);
        if !is_normal(&candidate) {
            candidate = normalize("/", &candidate);
        }
        if view.is_program(&candidate) {
            return Some(candidate);
        }
    }
    None
}

/// Which shell's words a machine speaks in its own errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Dialect {
    /// busybox `sh`/`ash` (busybox, alpine)
    Ash,
    /// Debian's and Ubuntu's `sh`
    Dash,
    Bash,
}

/// Virtual time one pass of a loop costs when nothing in it waits: a shell spinning without
/// `sleep` burns CPU and time still moves, so the simulation never hangs.
const BUSY_TICK: Duration = Duration::from_millis(1);
/// Frames beyond this are runaway recursion (`f() { f; }; f`).
const MAX_FRAMES: usize = 400;
/// Nested `$(…)` beyond this are runaway recursion.
const MAX_SUBSTITUTION_DEPTH: u32 = 16;

/// What the machine works with that is not its own state: files, where its base output goes,
/// and a budget of steps shared by everything one call runs.
pub(crate) struct Ctx<'a> {
    pub view: View<'a>,
    pub userland: Userland,
    pub hostname: &'a str,
    /// What the container's main process writes: (instant, is stderr, text).
    pub out: &'a mut Vec<(SimTime, bool, String)>,
    /// Ports the container's main program listens on (for `redis-cli ping` and friends).
    pub ports: &'a [u16],
    pub budget: u64,
    pub depth: u32,
    /// The pod's network, when the kubelet lent it for this run (`curl`, `wget`, `nslookup`).
    pub net: Option<&'a mut dyn crate::container::net::Network>,
    /// busybox 1.28 and older print `nslookup` answers in the old format.
    pub legacy_nslookup: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Var {
    value: String,
    exported: bool,
}

/// The environment a utility is started with: the shell's exported variables and the
/// command's own assignments. Put together only by the few utilities that read it.
#[derive(Clone, Copy)]
pub(crate) struct Environment<'a> {
    vars: &'a BTreeMap<String, Var>,
    assigns: &'a [(String, String)],
}

impl Environment<'_> {
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .vars
            .iter()
            .filter(|(_, v)| v.exported)
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        for (n, v) in self.assigns {
            env.retain(|(k, _)| k != n);
            env.push((n.clone(), v.clone()));
        }
        env
    }
}

/// Where a stream goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Sink {
    /// The container's stdout (`false`) or stderr (`true`): the log, or an exec's output.
    Base(bool),
    Null,
    File(String),
    /// Collects a pipeline stage's output for the next stage.
    Buffer(String),
    /// The buffer of the I/O level with this index.
    Level(usize),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Input {
    text: String,
    pos: usize,
}

/// Where stdout, stderr and stdin point while a command runs; redirections push one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Io {
    out: Sink,
    err: Sink,
    /// `None` reads from the level below.
    input: Option<Input>,
}

/// What the machine waits for between steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Wait {
    /// `sleep`: resumes at the instant. A signal waits for it to end, as sh runs traps only
    /// after the foreground command.
    Until(SimTime),
    /// `sleep infinity`.
    Forever,
    /// `tail -f`: prints what others append to the file, forever.
    Follow { path: String, offset: usize },
    /// The `wait` builtin: background jobs; a trapped signal interrupts it.
    Jobs(SimTime),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Saved {
    name: String,
    vars: BTreeMap<String, Var>,
    positional: Vec<String>,
    funcs: BTreeMap<String, Cmd>,
    traps: BTreeMap<String, String>,
    cwd: String,
}

/// One level of the continuation stack: what to do when the command it is waiting for ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Frame {
    Seq {
        cmds: Vec<Cmd>,
        next: usize,
    },
    AndOr {
        rest: Vec<(bool, Cmd)>,
        next: usize,
    },
    Not,
    If {
        arms: Vec<(Cmd, Cmd)>,
        otherwise: Option<Box<Cmd>>,
        arm: usize,
        in_body: bool,
    },
    Loop {
        until: bool,
        cond: Box<Cmd>,
        body: Box<Cmd>,
        in_body: bool,
        since: SimTime,
        status: i32,
    },
    For {
        var: String,
        items: Vec<String>,
        next: usize,
        body: Box<Cmd>,
        since: SimTime,
    },
    /// A pipeline; the top I/O level is the running stage's.
    Pipe {
        stages: Vec<Cmd>,
        next: usize,
    },
    /// Pops the I/O level a redirected compound command pushed.
    PopIo,
    Subshell(Box<Saved>),
    /// After a trap handler: `$?` as it was.
    Trap {
        status: i32,
    },
    Call {
        positional: Vec<String>,
    },
    /// `exec cmd`, or the end of an EXIT trap: the process ends with `$?` (or this code).
    Exit(Option<i32>),
}

/// How a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Poll {
    Exited(i32, SimTime),
    /// Waiting; the instant it wakes by itself, if any.
    Waiting(Option<SimTime>),
    /// Out of budget or past the target instant while spinning: call again later.
    Busy,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Machine {
    dialect: Dialect,
    /// `$0`
    name: String,
    frames: Vec<Frame>,
    io: Vec<Io>,
    vars: BTreeMap<String, Var>,
    positional: Vec<String>,
    funcs: BTreeMap<String, Cmd>,
    traps: BTreeMap<String, String>,
    status: i32,
    /// `$?` of the last command substitution, for assignments without a command.
    subst_status: Option<i32>,
    clock: SimTime,
    wait: Option<Wait>,
    exit: Option<(i32, SimTime)>,
    cwd: String,
    /// Whether the last loop pass ran without waiting (it burns a CPU).
    busy: bool,
    /// SIGTERM arrived at this instant and has not been handled yet.
    term: Option<SimTime>,
    /// When the last `sleep … &` ends.
    jobs_until: Option<SimTime>,
    pid: u32,
    /// The signal a `kill 1` sent the container's main process (an exec's shell is not PID 1).
    #[serde(default)]
    signalled_pid1: Option<i32>,
}

impl Machine {
    pub(crate) fn new(
        dialect: Dialect,
        name: &str,
        env: &[(String, String)],
        now: SimTime,
    ) -> Self {
        let mut vars = BTreeMap::new();
        let defaults = [("PATH", DEFAULT_PATH), ("HOME", "/root")];
        for (name, value) in defaults {
            vars.insert(name.to_string(), Var { value: value.to_string(), exported: true });
        }
        for (name, value) in env {
            vars.insert(name.clone(), Var { value: value.clone(), exported: true });
        }
        vars.insert("IFS".into(), Var { value: " \t\n".into(), exported: false });
        vars.insert("PWD".into(), Var { value: "/".into(), exported: true });
        Machine {
            dialect,
            name: name.to_string(),
            io: vec![Io { out: Sink::Base(false), err: Sink::Base(true), input: None }],
            vars,
            cwd: "/".to_string(),
            ..Machine::idle(now)
        }
    }

    /// A shell with no variables and nothing to run: what an instance holds while the runtime
    /// decides its process (a real one copies the whole environment only to be replaced).
    pub(crate) fn idle(now: SimTime) -> Self {
        Machine {
            dialect: Dialect::Ash,
            name: String::new(),
            frames: Vec::new(),
            io: Vec::new(),
            vars: BTreeMap::new(),
            positional: Vec::new(),
            funcs: BTreeMap::new(),
            traps: BTreeMap::new(),
            status: 0,
            subst_status: None,
            clock: now,
            wait: None,
            exit: None,
            cwd: String::new(),
            busy: false,
            term: None,
            jobs_until: None,
            pid: 1,
            signalled_pid1: None,
        }
    }

    /// The signal this shell sent PID 1 with `kill`, if any (9 for SIGKILL, 15 for SIGTERM).
    pub(crate) fn signalled_pid1(&self) -> Option<i32> {
        self.signalled_pid1
    }

    pub(crate) fn set_pid(&mut self, pid: u32) {
        self.pid = pid;
    }

    pub(crate) fn set_positional(&mut self, args: Vec<String>) {
        self.positional = args;
    }

    pub(crate) fn set_var(&mut self, name: &str, value: &str) {
        let exported = self.vars.get(name).is_some_and(|v| v.exported);
        self.vars.insert(name.to_string(), Var { value: value.to_string(), exported });
    }

    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }

    /// Loads a script; a syntax error is reported on stderr now and ends the process with 2.
    pub(crate) fn load(&mut self, ctx: &mut Ctx, script: &str) {
        match parse::parse(script) {
            Ok(cmd) => self.frames.push(Frame::Seq { cmds: vec![cmd], next: 0 }),
            Err(error) => {
                let message = self.syntax_error(&error);
                self.write(ctx, 2, &message);
                self.exit = Some((2, self.clock));
            }
        }
    }

    /// Loads a command given as words (a container's `command:` that is not a shell).
    pub(crate) fn load_argv(&mut self, argv: &[String]) {
        let words = argv.iter().map(|a| vec![Part::Quoted(a.clone())]).collect();
        let simple = Simple { line: 1, assigns: Vec::new(), words, redirs: Vec::new() };
        self.frames.push(Frame::Seq { cmds: vec![Cmd::Simple(simple)], next: 0 });
    }

    /// Whether the process is spinning (its last loop pass did not wait).
    pub(crate) fn is_busy(&self) -> bool {
        self.busy && self.wait.is_none() && self.exit.is_none()
    }

    /// Skips a spinning process forward to `now` (its remaining passes are not simulated).
    pub(crate) fn skip_to(&mut self, now: SimTime) {
        if self.clock < now {
            self.clock = now;
        }
    }

    /// Whether a trap would run for SIGTERM.
    pub(crate) fn traps_term(&self) -> bool {
        self.traps.get("TERM").is_some_and(|h| !h.is_empty())
    }

    /// SIGTERM at `now`: handled after the current foreground command, if trapped.
    pub(crate) fn signal_term(&mut self, now: SimTime) {
        if self.traps_term() && self.term.is_none() {
            self.term = Some(now);
        }
    }

    /// Runs until `until`, the end, a wait past `until`, or the budget runs out.
    pub(crate) fn run(&mut self, ctx: &mut Ctx, until: SimTime) -> Poll {
        loop {
            if let Some((code, at)) = self.exit {
                return Poll::Exited(code, at);
            }
            if let Some(wait) = self.wait.clone() {
                match wait {
                    Wait::Until(t) if t <= until => {
                        self.clock = self.clock.max(t);
                        self.wait = None;
                    }
                    Wait::Until(t) => return Poll::Waiting(Some(t)),
                    Wait::Forever => return Poll::Waiting(None),
                    Wait::Follow { path, offset } => {
                        self.follow(ctx, &path, offset, until);
                        return Poll::Waiting(None);
                    }
                    Wait::Jobs(t) => {
                        if let Some(at) = self.term.filter(|_| self.traps_term()) {
                            self.clock = self.clock.max(at);
                            self.wait = None;
                            self.status = 143;
                        } else if t <= until {
                            self.clock = self.clock.max(t);
                            self.wait = None;
                        } else {
                            return Poll::Waiting(Some(t));
                        }
                    }
                }
                continue;
            }
            if self.clock > until {
                return Poll::Busy;
            }
            if let Some(at) = self.term.take()
                && let Some(handler) = self.traps.get("TERM").cloned()
            {
                self.clock = self.clock.max(at);
                self.run_handler(ctx, &handler, None);
                continue;
            }
            if ctx.budget == 0 {
                return Poll::Busy;
            }
            ctx.budget -= 1;
            self.step(ctx);
        }
    }

    /// Where this machine's own clock stands (after `run_to_end`, when the command finished).
    pub(crate) fn clock(&self) -> SimTime {
        self.clock
    }

    /// Runs to the end at once, for `$(…)` and exec: a `sleep` moves only this machine's clock
    /// (the caller does not wait), and waiting forever (or running out of budget) ends it with
    /// 130 as if interrupted.
    pub(crate) fn run_to_end(&mut self, ctx: &mut Ctx) -> i32 {
        loop {
            match self.run(ctx, SimTime::from_unix_ms(u64::MAX)) {
                Poll::Exited(code, _) => return code,
                Poll::Waiting(Some(t)) => {
                    self.clock = t;
                    self.wait = None;
                }
                Poll::Waiting(None) | Poll::Busy => return 130,
            }
        }
    }

    fn follow(&mut self, ctx: &mut Ctx, path: &str, offset: usize, until: SimTime) {
        let Ok(text) = ctx.view.read(path) else { return };
        if text.len() > offset && text.is_char_boundary(offset) {
            self.clock = self.clock.max(until);
            let fresh = text[offset..].to_string();
            self.write(ctx, 1, &fresh);
            self.wait = Some(Wait::Follow { path: path.to_string(), offset: text.len() });
        }
    }

    // ----- stepping -----

    fn step(&mut self, ctx: &mut Ctx) {
        let status = self.status;
        let clock = self.clock;
        enum Next {
            Enter(Cmd),
            Pop,
            Stay,
        }
        let Some(top) = self.frames.last_mut() else {
            self.exit_with(ctx, status);
            return;
        };
        let mut charge = false;
        let next = match top {
            Frame::Seq { cmds, next } => match cmds.get(*next) {
                Some(cmd) => {
                    *next += 1;
                    Next::Enter(cmd.clone())
                }
                None => Next::Pop,
            },
            Frame::AndOr { rest, next } => match rest.get(*next) {
                Some((and, cmd)) => {
                    *next += 1;
                    if *and == (status == 0) { Next::Enter(cmd.clone()) } else { Next::Stay }
                }
                None => Next::Pop,
            },
            Frame::Not => {
                self.status = i32::from(status == 0);
                Next::Pop
            }
            Frame::If { arms, otherwise, arm, in_body } => {
                if *in_body {
                    Next::Pop
                } else if status == 0 {
                    *in_body = true;
                    Next::Enter(arms[*arm].1.clone())
                } else {
                    *arm += 1;
                    match (arms.get(*arm), otherwise) {
                        (Some((cond, _)), _) => Next::Enter(cond.clone()),
                        (None, Some(other)) => {
                            *in_body = true;
                            Next::Enter((**other).clone())
                        }
                        (None, None) => {
                            self.status = 0;
                            Next::Pop
                        }
                    }
                }
            }
            Frame::Loop { until, cond, body, in_body, since, status: body_status } => {
                if *in_body {
                    *body_status = status;
                    *in_body = false;
                    charge = *since == clock;
                    Next::Enter((**cond).clone())
                } else if (status == 0) != *until {
                    *in_body = true;
                    *since = clock;
                    Next::Enter((**body).clone())
                } else {
                    self.status = *body_status;
                    Next::Pop
                }
            }
            Frame::For { var, items, next, body, since } => {
                charge = *next > 0 && *since == clock;
                *since = clock;
                match items.get(*next) {
                    Some(item) => {
                        let (var, item) = (var.clone(), item.clone());
                        *next += 1;
                        let body = (**body).clone();
                        self.set_var(&var, &item);
                        Next::Enter(body)
                    }
                    None => Next::Pop,
                }
            }
            Frame::Pipe { stages, next } => {
                let stage = stages.get(*next).cloned();
                *next += 1;
                let last = *next >= stages.len();
                let captured = match self.pop_io() {
                    Some(Io { out: Sink::Buffer(text), .. }) => text,
                    _ => String::new(),
                };
                match stage {
                    Some(stage) => {
                        let out = if last { self.inherit(1) } else { Sink::Buffer(String::new()) };
                        let err = self.inherit(2);
                        self.io.push(Io {
                            out,
                            err,
                            input: Some(Input { text: captured, pos: 0 }),
                        });
                        Next::Enter(stage)
                    }
                    None => {
                        // The stage Io was popped above; the frame goes without popping again.
                        self.frames.pop();
                        return;
                    }
                }
            }
            Frame::PopIo => {
                self.pop_io();
                Next::Pop
            }
            Frame::Subshell(_) => {
                if let Some(Frame::Subshell(saved)) = self.frames.pop() {
                    self.restore(*saved);
                }
                return;
            }
            Frame::Trap { status: saved } => {
                self.status = *saved;
                Next::Pop
            }
            Frame::Call { positional } => {
                self.positional = std::mem::take(positional);
                Next::Pop
            }
            Frame::Exit(code) => {
                let code = code.unwrap_or(status);
                self.frames.clear();
                self.exit = Some((code, self.clock));
                return;
            }
        };
        if charge {
            self.clock = self.clock + BUSY_TICK;
            self.busy = true;
        }
        match next {
            Next::Enter(cmd) => self.enter(ctx, cmd),
            Next::Pop => {
                self.frames.pop();
            }
            Next::Stay => {}
        }
    }

    /// Runs `cmd` next, from the step loop: entering commands never recurses in Rust, so a
    /// script's depth costs frames, not stack.
    fn schedule(&mut self, ctx: &mut Ctx, cmd: Cmd) {
        self.push(ctx, Frame::Seq { cmds: vec![cmd], next: 0 });
    }

    fn push(&mut self, ctx: &mut Ctx, frame: Frame) -> bool {
        if self.frames.len() >= MAX_FRAMES {
            let message = format!("{}: recursion too deep\n", self.prefix(0));
            self.write(ctx, 2, &message);
            self.frames.clear();
            self.exit = Some((2, self.clock));
            return false;
        }
        self.frames.push(frame);
        true
    }

    fn enter(&mut self, ctx: &mut Ctx, cmd: Cmd) {
        match cmd {
            Cmd::Simple(simple) => self.simple(ctx, simple),
            Cmd::Seq(cmds) => {
                self.status = 0;
                self.push(ctx, Frame::Seq { cmds, next: 0 });
            }
            Cmd::AndOr(first, rest) => {
                if self.push(ctx, Frame::AndOr { rest, next: 0 }) {
                    self.schedule(ctx, *first);
                }
            }
            Cmd::Pipe(mut stages) => {
                if stages.is_empty() {
                    return;
                }
                let first = stages.remove(0);
                let err = self.inherit(2);
                self.io.push(Io { out: Sink::Buffer(String::new()), err, input: None });
                // `next` counts the stages already started, so index 0 is the second one.
                if self.push(ctx, Frame::Pipe { stages, next: 0 }) {
                    self.schedule(ctx, first);
                }
            }
            Cmd::Not(inner) => {
                if self.push(ctx, Frame::Not) {
                    self.schedule(ctx, *inner);
                }
            }
            Cmd::If(arms, otherwise) => {
                let Some(first) = arms.first().map(|(cond, _)| cond.clone()) else { return };
                if self.push(ctx, Frame::If { arms, otherwise, arm: 0, in_body: false }) {
                    self.schedule(ctx, first);
                }
            }
            Cmd::Loop { until, cond, body } => {
                let first = (*cond).clone();
                let frame =
                    Frame::Loop { until, cond, body, in_body: false, since: self.clock, status: 0 };
                if self.push(ctx, frame) {
                    self.schedule(ctx, first);
                }
            }
            Cmd::For { var, items, body } => {
                let items = match items {
                    Some(words) => match self.expand_words(ctx, &words) {
                        Ok(items) => items,
                        Err(message) => return self.fail_expansion(ctx, &message),
                    },
                    None => self.positional.clone(),
                };
                self.status = 0;
                self.push(ctx, Frame::For { var, items, next: 0, body, since: self.clock });
            }
            Cmd::Case(word, arms) => {
                let subject = match self.expand_single(ctx, &word) {
                    Ok(s) => s,
                    Err(message) => return self.fail_expansion(ctx, &message),
                };
                self.status = 0;
                for (patterns, body) in arms {
                    for pattern in &patterns {
                        let pattern = match self.expand_pattern(ctx, pattern) {
                            Ok(p) => p,
                            Err(message) => return self.fail_expansion(ctx, &message),
                        };
                        if expand::glob_match(&pattern, &subject) {
                            return self.schedule(ctx, body);
                        }
                    }
                }
            }
            Cmd::Group(inner) => self.schedule(ctx, *inner),
            Cmd::Subshell(inner) => {
                let saved = self.save();
                if self.push(ctx, Frame::Subshell(Box::new(saved))) {
                    self.schedule(ctx, *inner);
                }
            }
            Cmd::Redirected(inner, redirs) => {
                if !self.open(ctx, &redirs) {
                    return;
                }
                if self.push(ctx, Frame::PopIo) {
                    self.schedule(ctx, *inner);
                }
            }
            Cmd::Function(name, body) => {
                self.funcs.insert(name, *body);
                self.status = 0;
            }
            Cmd::Background(inner) => self.background(ctx, *inner),
        }
    }

    /// `cmd &`: a `sleep` becomes a background job that `wait` waits for; anything else runs
    /// in the foreground (there is one process per machine).
    fn background(&mut self, ctx: &mut Ctx, cmd: Cmd) {
        if let Cmd::Simple(simple) = &cmd
            && simple.words.first().map(parse::flatten).as_deref() == Some("sleep")
            && let Ok(words) = self.expand_words(ctx, &simple.words)
        {
            let end = match words.get(1).and_then(|w| crate::time::parse_sleep_operand(w)) {
                Some(d) => Some(self.clock + d),
                None if words.get(1).map(String::as_str) == Some("infinity") => {
                    Some(SimTime::from_unix_ms(u64::MAX))
                }
                None => None,
            };
            if let Some(end) = end {
                self.jobs_until = Some(self.jobs_until.map_or(end, |t| t.max(end)));
            }
            self.status = 0;
            return;
        }
        self.schedule(ctx, cmd);
    }

    fn save(&self) -> Saved {
        Saved {
            name: self.name.clone(),
            vars: self.vars.clone(),
            positional: self.positional.clone(),
            funcs: self.funcs.clone(),
            traps: self.traps.clone(),
            cwd: self.cwd.clone(),
        }
    }

    fn restore(&mut self, saved: Saved) {
        self.name = saved.name;
        self.vars = saved.vars;
        self.positional = saved.positional;
        self.funcs = saved.funcs;
        self.traps = saved.traps;
        self.cwd = saved.cwd;
    }

    /// Ends the process (or the innermost subshell) with `code`, running an EXIT trap first.
    fn exit_with(&mut self, ctx: &mut Ctx, code: i32) {
        while let Some(frame) = self.frames.pop() {
            match frame {
                Frame::Pipe { .. } | Frame::PopIo => {
                    self.pop_io();
                }
                Frame::Subshell(saved) => {
                    self.restore(*saved);
                    self.status = code;
                    return;
                }
                _ => {}
            }
        }
        self.io.truncate(1);
        if let Some(handler) = self.traps.remove("EXIT").or_else(|| self.traps.remove("0")) {
            self.status = code;
            self.frames.push(Frame::Exit(Some(code)));
            self.run_handler(ctx, &handler, Some(code));
            return;
        }
        self.exit = Some((code, self.clock));
    }

    fn run_handler(&mut self, ctx: &mut Ctx, handler: &str, exit_code: Option<i32>) {
        match parse::parse(handler) {
            Ok(cmd) => {
                if exit_code.is_none() {
                    let status = self.status;
                    self.frames.push(Frame::Trap { status });
                }
                self.schedule(ctx, cmd);
            }
            Err(error) => {
                let message = self.syntax_error(&error);
                self.write(ctx, 2, &message);
            }
        }
    }

    /// `break`/`continue`: unwinds to the innermost loop (`continue` keeps it).
    fn leave_loop(&mut self, keep: bool) {
        let Some(index) = self.frames.iter().rposition(|f| {
            matches!(
                f,
                Frame::Loop { .. } | Frame::For { .. } | Frame::Subshell(_) | Frame::Call { .. }
            )
        }) else {
            return;
        };
        if !matches!(self.frames[index], Frame::Loop { .. } | Frame::For { .. }) {
            return;
        }
        while self.frames.len() > index + 1 {
            if let Some(Frame::Pipe { .. } | Frame::PopIo) = self.frames.pop() {
                self.pop_io();
            }
        }
        if keep {
            if let Some(Frame::Loop { in_body, .. }) = self.frames.last_mut() {
                *in_body = true;
            }
        } else {
            self.frames.pop();
        }
        self.status = 0;
    }

    fn return_from_function(&mut self, code: i32) {
        if !self.frames.iter().any(|f| matches!(f, Frame::Call { .. })) {
            return;
        }
        while let Some(frame) = self.frames.pop() {
            match frame {
                Frame::Pipe { .. } | Frame::PopIo => {
                    self.pop_io();
                }
                Frame::Call { positional } => {
                    self.positional = positional;
                    break;
                }
                _ => {}
            }
        }
        self.status = code;
    }

    // ----- simple commands -----

    fn simple(&mut self, ctx: &mut Ctx, simple: Simple) {
        self.subst_status = None;
        let words = match self.expand_words(ctx, &simple.words) {
            Ok(words) => words,
            Err(message) => return self.fail_expansion(ctx, &message),
        };
        let mut assigns = Vec::new();
        for (name, value) in &simple.assigns {
            match self.expand_single(ctx, value) {
                Ok(value) => assigns.push((name.clone(), value)),
                Err(message) => return self.fail_expansion(ctx, &message),
            }
        }
        if words.is_empty() {
            for (name, value) in assigns {
                self.set_var(&name, &value);
            }
            let status = self.subst_status.unwrap_or(0);
            if self.open(ctx, &simple.redirs) {
                self.pop_io();
                self.status = status;
            }
            return;
        }
        if !self.open(ctx, &simple.redirs) {
            return;
        }
        let popped_later = self.command(ctx, &words, &assigns, simple.line);
        if !popped_later {
            self.pop_io();
        }
    }

    /// Runs one command with its I/O level pushed. Returns true when a frame it pushed pops
    /// the level later (a function body, a nested shell).
    fn command(
        &mut self,
        ctx: &mut Ctx,
        words: &[String],
        assigns: &[(String, String)],
        line: u32,
    ) -> bool {
        let name = words[0].as_str();
        let args = &words[1..];
        if let Some(body) = self.funcs.get(name).cloned() {
            for (n, v) in assigns {
                self.set_var(n, v);
            }
            let positional = std::mem::replace(&mut self.positional, args.to_vec());
            if self.push(ctx, Frame::PopIo) && self.push(ctx, Frame::Call { positional }) {
                self.schedule(ctx, body);
            }
            return true;
        }
        if self.builtin(ctx, name, args, line) {
            return false;
        }
        // Everything else is a program found on PATH.
        let Some(path) = self.lookup(ctx, name) else {
            let message = self.not_found(name, line);
            self.write(ctx, 2, &message);
            self.status = 127;
            return false;
        };
        if !ctx.view.is_program(&path) {
            // A script someone wrote: sh runs it (there is no chmod to refuse it).
            return self.nested_shell(ctx, "sh", &[path]);
        }
        let program = path.rsplit('/').next().unwrap_or(name).to_string();
        if matches!(program.as_str(), "sh" | "ash" | "bash" | "dash") {
            return self.nested_shell(ctx, &program, args);
        }
        let stdin = self.take_input();
        let (flow, out, err) = self.run_tool(ctx, &program, args, stdin, assigns);
        let written = self.write_out(ctx, 1, &out);
        self.write(ctx, 2, &err);
        self.flow(flow);
        if let Err(errno) = written {
            self.write(ctx, 2, &format!("{program}: write error: {}\n", errno.text()));
            self.status = 1;
        }
        false
    }

    /// Runs one utility in this machine's working directory and clock: how it ended, and
    /// what it wrote to stdout and stderr.
    fn run_tool(
        &self,
        ctx: &mut Ctx,
        name: &str,
        args: &[String],
        stdin: Option<String>,
        assigns: &[(String, String)],
    ) -> (commands::Flow, String, String) {
        let mut tool = commands::Tool {
            ctx,
            name,
            args,
            stdin,
            env: Environment { vars: &self.vars, assigns },
            cwd: &self.cwd,
            clock: self.clock,
            dash: self.dialect == Dialect::Dash,
            out: String::new(),
            err: String::new(),
        };
        let flow = commands::run(&mut tool);
        (flow, tool.out, tool.err)
    }

    fn flow(&mut self, flow: commands::Flow) {
        self.status = 0;
        match flow {
            commands::Flow::Done(code) => self.status = code,
            commands::Flow::Sleep(d) => {
                self.busy = false;
                self.wait = Some(Wait::Until(self.clock + d));
            }
            commands::Flow::Forever => {
                self.busy = false;
                self.wait = Some(Wait::Forever);
            }
            commands::Flow::Follow(path, offset) => {
                self.busy = false;
                self.wait = Some(Wait::Follow { path, offset });
            }
        }
    }

    /// `sh -c '…'` or `sh script` inside a script: runs in-process as a subshell.
    fn nested_shell(&mut self, ctx: &mut Ctx, program: &str, args: &[String]) -> bool {
        let mut rest = args.iter();
        let mut script = None;
        while let Some(arg) = rest.next() {
            if arg == "-c" || (arg.starts_with('-') && arg.contains('c')) {
                script = rest.next().cloned();
                if script.is_none() {
                    let message = format!("{program}: -c: option requires an argument\n");
                    self.write(ctx, 2, &message);
                    self.status = 2;
                    return false;
                }
                break;
            } else if arg.starts_with('-') {
                continue;
            } else {
                match ctx.view.read(&normalize(&self.cwd, arg)) {
                    Ok(text) => script = Some(text),
                    Err(_) => {
                        let message =
                            format!("{program}: can't open '{arg}': No such file or directory\n");
                        self.write(ctx, 2, &message);
                        self.status = 2;
                        return false;
                    }
                }
                break;
            }
        }
        let Some(script) = script else {
            // No script and no terminal: the shell reads end-of-file and is done.
            self.status = 0;
            return false;
        };
        let positional: Vec<String> = rest.cloned().collect();
        match parse::parse(&script) {
            Ok(cmd) => {
                let saved = self.save();
                if self.push(ctx, Frame::PopIo) && self.push(ctx, Frame::Subshell(Box::new(saved)))
                {
                    if let Some((zero, others)) = positional.split_first() {
                        self.name = zero.clone();
                        self.positional = others.to_vec();
                    }
                    self.traps.clear();
                    self.schedule(ctx, cmd);
                }
                true
            }
            Err(error) => {
                let message = self.syntax_error(&error);
                self.write(ctx, 2, &message);
                self.status = 2;
                false
            }
        }
    }

    /// Finds a command on PATH (or at its path, when it has a slash).
    fn lookup(&self, ctx: &Ctx, name: &str) -> Option<String> {
        find_program(&ctx.view, self.var("PATH").unwrap_or_default(), &self.cwd, name)
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// `$0`
    pub(crate) fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    /// Ends the process before it runs anything (a bad command line, nothing to run).
    pub(crate) fn end(&mut self, code: i32) {
        self.frames.clear();
        self.exit = Some((code, self.clock));
    }

    fn take_input(&mut self) -> Option<String> {
        let level = self.io.iter_mut().rev().find_map(|io| io.input.as_mut())?;
        let text = level.text.get(level.pos..).unwrap_or_default().to_string();
        level.pos = level.text.len();
        Some(text)
    }

    fn read_line(&mut self) -> Option<String> {
        let level = self.io.iter_mut().rev().find_map(|io| io.input.as_mut())?;
        let rest = level.text.get(level.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let (line, used) = match rest.find('\n') {
            Some(i) => (rest[..i].to_string(), i + 1),
            None => (rest.to_string(), rest.len()),
        };
        level.pos += used;
        Some(line)
    }

    // ----- output -----

    /// Pops an I/O level; the container's own streams (level 0) always stay.
    fn pop_io(&mut self) -> Option<Io> {
        if self.io.len() > 1 { self.io.pop() } else { None }
    }

    fn inherit(&self, fd: u8) -> Sink {
        let level = self.io.len().saturating_sub(1);
        let sink = self.io.get(level).map(|io| if fd == 2 { &io.err } else { &io.out });
        match sink {
            Some(Sink::Buffer(_)) => Sink::Level(level),
            Some(other) => other.clone(),
            None => Sink::Base(fd == 2),
        }
    }

    pub(crate) fn write(&mut self, ctx: &mut Ctx, fd: u8, text: &str) {
        let _ = self.write_out(ctx, fd, text);
    }

    /// Writes to where `fd` points; a file that cannot take it all (a full tmpfs) says why.
    fn write_out(&mut self, ctx: &mut Ctx, fd: u8, text: &str) -> Result<(), super::fs::Errno> {
        if text.is_empty() {
            return Ok(());
        }
        let Some(top) = self.io.len().checked_sub(1) else { return Ok(()) };
        let sink = if fd == 2 { self.io[top].err.clone() } else { self.io[top].out.clone() };
        let target = match sink {
            Sink::Buffer(_) => top,
            Sink::Level(level) => level,
            Sink::Base(stderr) => {
                ctx.out.push((self.clock, stderr, text.to_string()));
                return Ok(());
            }
            Sink::Null => return Ok(()),
            Sink::File(path) => return ctx.view.write(&path, text, true),
        };
        // Only stdout levels hold buffers (a pipeline stage's output).
        if let Some(Io { out: Sink::Buffer(buffer), .. }) = self.io.get_mut(target) {
            buffer.push_str(text);
        }
        Ok(())
    }

    /// Opens a command's redirections as a new I/O level. False (with the shell's message and
    /// `$?` = 1) when one fails.
    fn open(&mut self, ctx: &mut Ctx, redirs: &[Redir]) -> bool {
        let mut io = Io { out: self.inherit(1), err: self.inherit(2), input: None };
        for redir in redirs {
            let target = match self.expand_single(ctx, &redir.target) {
                Ok(t) => t,
                Err(message) => {
                    self.fail_expansion(ctx, &message);
                    return false;
                }
            };
            let path = normalize(&self.cwd, &target);
            let result = match redir.op {
                RedirOp::Write | RedirOp::WriteBoth => ctx.view.write(&path, "", false),
                RedirOp::Append => match ctx.view.kind(&path) {
                    Some(false) => Ok(()),
                    _ => ctx.view.write(&path, "", true),
                },
                RedirOp::Read => ctx.view.read(&path).map(|text| {
                    io.input = Some(Input { text, pos: 0 });
                }),
                RedirOp::Here => {
                    io.input = Some(Input { text: target.clone(), pos: 0 });
                    Ok(())
                }
                RedirOp::Dup => Ok(()),
            };
            if let Err(errno) = result {
                let message = self.redirect_error(&target, redir.op == RedirOp::Read, errno);
                self.write(ctx, 2, &message);
                self.status = 1;
                return false;
            }
            let sink = match redir.op {
                RedirOp::Dup => match target.as_str() {
                    "1" => io.out.clone(),
                    "2" => io.err.clone(),
                    "-" => Sink::Null,
                    _ => continue,
                },
                _ if path == "/dev/null" => Sink::Null,
                _ => Sink::File(path),
            };
            match (redir.op, redir.fd) {
                (RedirOp::Read | RedirOp::Here, _) => {}
                (RedirOp::WriteBoth, _) => {
                    io.out = sink.clone();
                    io.err = sink;
                }
                (_, 2) => io.err = sink,
                (_, 1) => io.out = sink,
                _ => {}
            }
        }
        self.io.push(io);
        true
    }

    fn fail_expansion(&mut self, ctx: &mut Ctx, message: &str) {
        let text = format!("{}: {message}\n", self.prefix(0));
        self.write(ctx, 2, &text);
        self.status = 2;
        self.exit_with(ctx, 2);
    }

    // ----- the shell's own words -----

    /// `sh`, `sh: 3` (dash) or `bash: line 3` as the shell prefixes its messages.
    fn prefix(&self, line: u32) -> String {
        let line = line.max(1);
        match self.dialect {
            Dialect::Ash => self.name.clone(),
            Dialect::Dash => format!("{}: {line}", self.name),
            Dialect::Bash => format!("{}: line {line}", self.name),
        }
    }

    fn not_found(&self, name: &str, line: u32) -> String {
        match self.dialect {
            Dialect::Bash => format!("{}: {name}: command not found\n", self.prefix(line)),
            _ => format!("{}: {name}: not found\n", self.prefix(line)),
        }
    }

    fn redirect_error(&self, target: &str, reading: bool, errno: super::fs::Errno) -> String {
        use super::fs::Errno;
        match (self.dialect, reading) {
            (Dialect::Bash, _) => format!("{}: {target}: {}\n", self.prefix(0), errno.text()),
            (Dialect::Ash, true) => format!("{}: can't open {target}: no such file\n", self.name),
            (Dialect::Dash, true) => {
                format!("{}: cannot open {target}: No such file\n", self.prefix(0))
            }
            (Dialect::Ash, false) => {
                let why = match errno {
                    Errno::NotFound => "nonexistent directory".to_string(),
                    other => other.text().to_string(),
                };
                format!("{}: can't create {target}: {why}\n", self.name)
            }
            (Dialect::Dash, false) => {
                let why = match errno {
                    Errno::NotFound => "Directory nonexistent".to_string(),
                    other => other.text().to_string(),
                };
                format!("{}: cannot create {target}: {why}\n", self.prefix(0))
            }
        }
    }

    pub(crate) fn syntax_error(&self, error: &ParseError) -> String {
        let name = &self.name;
        match (self.dialect, error) {
            (Dialect::Ash, ParseError::Unexpected { token, .. }) => {
                let token =
                    if token == "newline" { "newline".to_string() } else { format!("\"{token}\"") };
                format!("{name}: syntax error: unexpected {token}\n")
            }
            (Dialect::Ash, ParseError::Eof { expecting, .. }) if !expecting.is_empty() => {
                format!(
                    "{name}: syntax error: unexpected end of file (expecting \"{expecting}\")\n"
                )
            }
            (Dialect::Ash, ParseError::Eof { .. }) => {
                format!("{name}: syntax error: unexpected end of file\n")
            }
            (Dialect::Ash, ParseError::Unterminated { .. }) => {
                format!("{name}: syntax error: unterminated quoted string\n")
            }
            (Dialect::Dash, ParseError::Unexpected { token, line }) => {
                format!("{name}: {line}: Syntax error: \"{token}\" unexpected\n")
            }
            (Dialect::Dash, ParseError::Eof { expecting, line }) if !expecting.is_empty() => {
                format!(
                    "{name}: {line}: Syntax error: end of file unexpected (expecting \"{expecting}\")\n"
                )
            }
            (Dialect::Dash, ParseError::Eof { line, .. }) => {
                format!("{name}: {line}: Syntax error: end of file unexpected\n")
            }
            (Dialect::Dash, ParseError::Unterminated { line, .. }) => {
                format!("{name}: {line}: Syntax error: Unterminated quoted string\n")
            }
            (Dialect::Bash, ParseError::Unexpected { token, line }) => {
                format!("{name}: -c: line {line}: syntax error near unexpected token `{token}'\n")
            }
            (Dialect::Bash, ParseError::Eof { line, .. }) => {
                format!("{name}: -c: line {line}: syntax error: unexpected end of file\n")
            }
            (Dialect::Bash, ParseError::Unterminated { quote, line }) => {
                format!(
                    "{name}: -c: line {line}: unexpected EOF while looking for matching `{quote}'\n"
                )
            }
        }
    }

    // ----- builtins that need the shell's state -----

    /// Runs `name` if it is a shell builtin; false when it is not one.
    fn builtin(&mut self, ctx: &mut Ctx, name: &str, args: &[String], line: u32) -> bool {
        match name {
            ":" | "true" => self.status = 0,
            "false" => self.status = 1,
            "exit" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            let message =
                                format!("{}: exit: Illegal number: {a}\n", self.prefix(line));
                            self.write(ctx, 2, &message);
                            2
                        }
                    },
                };
                self.exit_with(ctx, code);
            }
            "return" => {
                let code = args.first().and_then(|a| a.parse::<i32>().ok()).unwrap_or(self.status);
                self.return_from_function(code);
            }
            "break" => self.leave_loop(false),
            "continue" => self.leave_loop(true),
            "export" | "readonly" | "local" => {
                for arg in args.iter().filter(|a| !a.starts_with('-')) {
                    let (var_name, value) = match arg.split_once('=') {
                        Some((n, v)) => (n.to_string(), Some(v.to_string())),
                        None => (arg.clone(), None),
                    };
                    let var = self
                        .vars
                        .entry(var_name)
                        .or_insert(Var { value: String::new(), exported: false });
                    if let Some(value) = value {
                        var.value = value;
                    }
                    var.exported |= name == "export";
                }
                if args.is_empty() {
                    let listing: String = self
                        .vars
                        .iter()
                        .filter(|(_, v)| v.exported)
                        .map(|(k, v)| format!("export {k}='{}'\n", v.value))
                        .collect();
                    self.write(ctx, 1, &listing);
                }
                self.status = 0;
            }
            "unset" => {
                for arg in args.iter().filter(|a| !a.starts_with('-')) {
                    self.vars.remove(arg);
                    self.funcs.remove(arg);
                }
                self.status = 0;
            }
            "set" => {
                let mut rest = args;
                while let Some(first) =
                    rest.first().filter(|a| a.starts_with('-') || a.starts_with('+'))
                {
                    rest = &rest[1..];
                    if first == "--" {
                        break;
                    }
                }
                if !rest.is_empty() || args.iter().any(|a| a == "--") {
                    self.positional = rest.to_vec();
                }
                self.status = 0;
            }
            "shift" => {
                let n = args.first().and_then(|a| a.parse::<usize>().ok()).unwrap_or(1);
                if n <= self.positional.len() {
                    self.positional.drain(..n);
                    self.status = 0;
                } else {
                    self.status = 1;
                }
            }
            "trap" => self.trap(ctx, args),
            "cd" => {
                let target = args
                    .first()
                    .cloned()
                    .unwrap_or_else(|| self.var("HOME").unwrap_or("/").to_string());
                let path = normalize(&self.cwd, &target);
                if ctx.view.kind(&path) == Some(true) {
                    self.cwd = path.clone();
                    self.set_var("PWD", &path);
                    self.status = 0;
                } else {
                    let message = match self.dialect {
                        Dialect::Ash => format!(
                            "{}: cd: can't cd to {target}: No such file or directory\n",
                            self.name
                        ),
                        Dialect::Dash => {
                            format!("{}: cd: can't cd to {target}\n", self.prefix(line))
                        }
                        Dialect::Bash => format!(
                            "{}: cd: {target}: No such file or directory\n",
                            self.prefix(line)
                        ),
                    };
                    self.write(ctx, 2, &message);
                    self.status = if self.dialect == Dialect::Dash { 2 } else { 1 };
                }
            }
            "pwd" => {
                let text = format!("{}\n", self.cwd);
                self.write(ctx, 1, &text);
                self.status = 0;
            }
            "read" => {
                let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                match self.read_line() {
                    Some(line) => {
                        let mut fields: Vec<&str> = line.split_whitespace().collect();
                        for (i, name) in names.iter().enumerate() {
                            let value = if i + 1 == names.len() && fields.len() > i {
                                fields.split_off(i).join(" ")
                            } else {
                                fields.get(i).map(|s| s.to_string()).unwrap_or_default()
                            };
                            self.set_var(name, &value);
                        }
                        if names.is_empty() {
                            self.set_var("REPLY", &line);
                        }
                        self.status = 0;
                    }
                    None => {
                        for name in names {
                            self.set_var(name, "");
                        }
                        self.status = 1;
                    }
                }
            }
            "eval" | "." | "source" => {
                let script = if name == "eval" {
                    Some(args.join(" "))
                } else {
                    args.first().and_then(|p| ctx.view.read(&normalize(&self.cwd, p)).ok())
                };
                let Some(script) = script else {
                    let message = format!(
                        "{}: {}: not found\n",
                        self.prefix(line),
                        args.first().map_or("", |s| s)
                    );
                    self.write(ctx, 2, &message);
                    self.status = if self.dialect == Dialect::Bash { 1 } else { 2 };
                    return true;
                };
                match parse::parse(&script) {
                    Ok(cmd) => {
                        self.status = 0;
                        self.schedule(ctx, cmd);
                    }
                    Err(error) => {
                        let message = self.syntax_error(&error);
                        self.write(ctx, 2, &message);
                        self.status = 2;
                    }
                }
            }
            "exec" => {
                if args.is_empty() {
                    // `exec >file`: the redirection stays for the rest of the script.
                    if let Some(io) = self.pop_io() {
                        if let Some(base) = self.io.last_mut() {
                            *base = Io { input: io.input.or(base.input.take()), ..io };
                        }
                        self.io.push(Io { out: Sink::Null, err: Sink::Null, input: None });
                    }
                    self.status = 0;
                    return true;
                }
                self.frames.push(Frame::Exit(None));
                let simple = Simple {
                    line,
                    assigns: Vec::new(),
                    words: args.iter().map(|a| vec![Part::Quoted(a.clone())]).collect(),
                    redirs: Vec::new(),
                };
                self.schedule(ctx, Cmd::Simple(simple));
            }
            "wait" => {
                if let Some(until) = self.jobs_until.take().filter(|t| *t > self.clock) {
                    self.busy = false;
                    self.wait = Some(Wait::Jobs(until));
                }
                self.status = 0;
            }
            "kill" => {
                // Only the container's main process is known to the lab: `kill 1` reaches it.
                if self.pid != 1 && args.iter().any(|a| a == "1") {
                    let kill = args
                        .iter()
                        .any(|a| ["-9", "-KILL", "-SIGKILL", "-s KILL"].contains(&a.as_str()));
                    self.signalled_pid1 = Some(if kill { 9 } else { 15 });
                }
                self.status = 0;
            }
            "command" | "type" | "which"
                if name != "command" || args.first().is_some_and(|a| a == "-v") =>
            {
                let mut status = 0;
                for arg in args.iter().filter(|a| !a.starts_with('-')) {
                    let found = if is_builtin(arg) || self.funcs.contains_key(arg) {
                        Some(if name == "type" {
                            format!("{arg} is a shell builtin")
                        } else {
                            arg.clone()
                        })
                    } else {
                        self.lookup(ctx, arg)
                            .map(|p| if name == "type" { format!("{arg} is {p}") } else { p })
                    };
                    match found {
                        Some(text) => {
                            let text = format!("{text}\n");
                            self.write(ctx, 1, &text);
                        }
                        None => {
                            if name == "type" {
                                let text = format!("{arg}: not found\n");
                                self.write(ctx, 1, &text);
                            }
                            status = 1;
                        }
                    }
                }
                self.status = status;
            }
            "echo" | "printf" | "test" | "[" => {
                let (flow, out, err) = self.run_tool(ctx, name, args, None, &[]);
                let err =
                    if err.is_empty() { err } else { format!("{}: {err}", self.prefix(line)) };
                self.write(ctx, 1, &out);
                self.write(ctx, 2, &err);
                self.flow(flow);
            }
            _ => return false,
        }
        true
    }

    fn trap(&mut self, ctx: &mut Ctx, args: &[String]) {
        self.status = 0;
        if args.is_empty() {
            let listing: String =
                self.traps.iter().map(|(sig, h)| format!("trap -- '{h}' {sig}\n")).collect();
            self.write(ctx, 1, &listing);
            return;
        }
        let (handler, signals) = if args.len() == 1 {
            (None, args)
        } else if args[0] == "-" {
            (None, &args[1..])
        } else {
            (Some(args[0].clone()), &args[1..])
        };
        for signal in signals {
            let upper = signal.to_ascii_uppercase();
            let name = match upper.trim_start_matches("SIG") {
                "15" | "TERM" => "TERM",
                "0" | "EXIT" => "EXIT",
                "2" | "INT" => "INT",
                "1" | "HUP" => "HUP",
                "3" | "QUIT" => "QUIT",
                "9" | "KILL" | "19" | "STOP" => continue,
                "USR1" | "10" => "USR1",
                "USR2" | "12" => "USR2",
                "CHLD" => "CHLD",
                _ => {
                    let message = format!("{}: trap: {signal}: bad trap\n", self.prefix(0));
                    self.write(ctx, 2, &message);
                    self.status = 1;
                    continue;
                }
            };
            match &handler {
                Some(h) => {
                    self.traps.insert(name.to_string(), h.clone());
                }
                None => {
                    self.traps.remove(name);
                }
            }
        }
    }
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        ":" | "true"
            | "false"
            | "exit"
            | "return"
            | "break"
            | "continue"
            | "export"
            | "readonly"
            | "local"
            | "unset"
            | "set"
            | "shift"
            | "trap"
            | "cd"
            | "pwd"
            | "read"
            | "eval"
            | "."
            | "source"
            | "exec"
            | "wait"
            | "kill"
            | "command"
            | "type"
            | "echo"
            | "printf"
            | "test"
            | "["
    )
}

#[cfg(test)]
mod tests;
