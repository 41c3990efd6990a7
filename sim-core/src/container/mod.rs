//! Simulated containers: what runs inside a container the kubelet starts — the image's program or
//! a small POSIX shell, on the virtual clock, with its own filesystem, log, ports and resource use.
//!
//! The kubelet owns one [`Instance`] per run of a container (a restart starts a fresh instance,
//! with a fresh writable layer, as containerd does); volumes outlive instances and are passed in.

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A pod's volumes by name, each a tree of files that every container mounting it sees.
pub type Volumes = BTreeMap<String, Filesystem>;

/// An in-memory filesystem: absolute paths to entries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filesystem {
    entries: BTreeMap<String, Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Entry {
    Directory,
    File(String),
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
}

impl Instance {
    /// Starts the container's process at `now`. `Err` carries the runtime's message when it
    /// cannot start (the executable is not in the image).
    pub fn start(launch: &Launch, volumes: &mut Volumes, now: SimTime) -> Result<Instance, String> {
        let _ = (launch, volumes);
        Ok(Instance { started_at: now, log: Vec::new(), exited: None, fs: Filesystem::default() })
    }

    /// Runs the process up to `now`.
    pub fn advance(&mut self, volumes: &mut Volumes, now: SimTime) -> State {
        let _ = (volumes, now);
        match self.exited {
            Some((code, at)) => State::Exited { code, at },
            None => State::Running { next_wake: None },
        }
    }

    /// Everything the container has written, in order.
    pub fn log(&self) -> &[LogLine] {
        &self.log
    }

    /// SIGTERM at `now`: when the process ends by itself, or `None` when it ignores the signal
    /// (a shell as PID 1 without a trap) and waits for SIGKILL.
    pub fn terminate(&mut self, volumes: &mut Volumes, now: SimTime) -> Option<SimTime> {
        let _ = (volumes, now);
        None
    }

    /// Runs `argv` in the container at `now` (it sees and changes the same files).
    pub fn exec(&mut self, volumes: &mut Volumes, argv: &[String], now: SimTime) -> ExecOutcome {
        let _ = (volumes, now);
        ExecOutcome::NotFound(argv.first().cloned().unwrap_or_default())
    }

    /// An HTTP GET from `user_agent` to `port` and `path`; `None` when nothing listens there.
    pub fn http_get(
        &mut self,
        port: u16,
        path: &str,
        user_agent: &str,
        now: SimTime,
    ) -> Option<HttpAnswer> {
        let _ = (port, path, user_agent, now);
        None
    }

    /// Whether the process accepts TCP connections on `port` at `now`.
    pub fn listens_on(&self, port: u16, now: SimTime) -> bool {
        let _ = (port, now);
        false
    }

    /// The gRPC health service's answer on `port`: `Some(true)` for SERVING, `None` when nothing
    /// listens there.
    pub fn grpc_health(&self, port: u16, now: SimTime) -> Option<bool> {
        let _ = (port, now);
        None
    }

    /// What the process uses at `now`.
    pub fn usage(&self, now: SimTime) -> Usage {
        let _ = now;
        Usage::default()
    }

    /// The first instant at or after `now` when the process's memory use exceeds `limit_bytes`,
    /// if its program ever does.
    pub fn exceeds_memory_at(&self, limit_bytes: u64, now: SimTime) -> Option<SimTime> {
        let _ = (limit_bytes, now);
        None
    }
}
