//! The container runtime's view of a pod: each container's current run, how its last run ended,
//! and its restart count. The API sees none of this except through the status the kubelet writes.

use super::prober::Probes;
use super::volumes::PodVolumes;
use crate::container::{Instance, Volumes};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct PodRuntime {
    pub namespace: String,
    pub name: String,
    pub ip: String,
    pub started_at: SimTime,
    /// The pod's volumes: they outlive container restarts and die with the pod (those that
    /// live elsewhere are here only while lent to the containers).
    pub volumes: Volumes,
    /// The volume manager's view of the pod's volumes.
    #[serde(default)]
    pub storage: PodVolumes,
    /// Init and regular containers by name (names are unique across both lists).
    pub containers: BTreeMap<String, ContainerRuntime>,
    /// When the pod next needs a look without any change (a pull finishing, a probe, a back-off
    /// ending, a process waking up).
    pub next_sync: Option<SimTime>,
    /// The resourceVersion of the kubelet's last status write: a pod still at that version has
    /// changed only by the kubelet's own hand since it was last synced.
    #[serde(default)]
    pub status_version: Option<u64>,
    /// When the kubelet last derived the pod's status and found the stored one matching (or
    /// wrote it): the stored pod's resourceVersion after that, and the API's. While the stored
    /// pod and the nodes stay as they were and no container's shown state moves (see
    /// [`PodRuntime::shown_runs`]), deriving it again would find the same.
    #[serde(default)]
    pub status_checked: Option<(u64, u64)>,
    /// The eviction manager chose this pod: why (the pod's status message once it stopped).
    #[serde(default)]
    pub evicted: Option<String>,
    /// The pod has an emptyDir the eviction manager watches (one with a `sizeLimit`, or in
    /// memory, which is the node's): only those pods' specs need a look at each check.
    #[serde(default = "watched")]
    pub watched_empty_dirs: bool,
}

/// What the container status of a running container shows that can change while it runs: which
/// run it is (its start), the restart count, ready, started, and whether it is being stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct ShownRun {
    started_at: SimTime,
    restart_count: i32,
    ready: bool,
    started: bool,
    stopping: bool,
}

impl PodRuntime {
    /// Which of its containers run: how many, and their start times summed. The node's
    /// fingerprint (`EvictionManager::running`) is the sum of its pods', kept up to date as
    /// each sync moves one pod's.
    pub fn running_fingerprint(&self) -> (usize, u64) {
        let mut fingerprint = (0, 0u64);
        for running in self.containers.values().filter_map(ContainerRuntime::running) {
            fingerprint.0 += 1;
            fingerprint.1 = fingerprint.1.wrapping_add(running.started_at.unix_ms());
        }
        fingerprint
    }

    /// What the pod's container statuses show, when every container the runtime knows is
    /// running (`None` otherwise): equal views before and after a sync mean the statuses it
    /// derives are equal too. The rest of a running container's status (image, ids, last
    /// state) is fixed for the run or moves with the restart count.
    pub fn shown_runs(&self) -> Option<Vec<ShownRun>> {
        self.containers
            .values()
            .map(|c| {
                let running = c.running()?;
                Some(ShownRun {
                    started_at: running.started_at,
                    restart_count: c.restart_count,
                    ready: running.probes.ready(),
                    started: running.probes.started(),
                    stopping: running.stopping.is_some(),
                })
            })
            .collect()
    }
}

/// What a runtime restored without the field assumes: look, to be safe.
fn watched() -> bool {
    true
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct ContainerRuntime {
    pub state: RunState,
    /// Runs started after the first (`restartCount`).
    pub restart_count: i32,
    /// The run before the current one: `lastState.terminated`, and its log for `logs --previous`.
    pub previous: Option<Box<Ended>>,
}

/// Where a container stands.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) enum RunState {
    /// Not started yet: waiting for its turn or for the kubelet to look.
    #[default]
    Creating,
    Pulling {
        /// When the kubelet asked for the pull (the Pulling event).
        requested_at: SimTime,
        /// When the registry finishes answering.
        done_at: SimTime,
        /// How long the transfer itself took (the rest was queueing behind other pulls).
        pull_time: Duration,
        answer: PullAnswerRecord,
    },
    /// The last pull failed at `failed_at` with the registry's `error`; `shown` is the waiting
    /// reason `get pods` shows; the kubelet looks at the pod again at `next_sync`.
    PullFailed {
        failed_at: SimTime,
        shown: PullWaitReason,
        error: String,
        next_sync: SimTime,
    },
    /// `imagePullPolicy: Never` and the image is not on the node.
    NeverPull {
        message: String,
    },
    /// The container's environment refers to a ConfigMap or Secret (key) that does not exist.
    ConfigError {
        message: String,
        next_sync: SimTime,
    },
    Running(Box<Running>),
    /// The run ended. `back_off` is set while the kubelet waits to restart it
    /// (CrashLoopBackOff), with the delay it is waiting out; the BackOff event is next reported
    /// at `report_at`.
    Exited {
        ended: Box<Ended>,
        back_off: Option<Duration>,
        report_at: SimTime,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum PullAnswerRecord {
    Image { size_bytes: u64, digest: String },
    Error(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum PullWaitReason {
    ErrImagePull,
    ImagePullBackOff,
}

/// A started container.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Running {
    pub instance: Instance,
    pub started_at: SimTime,
    pub container_id: String,
    /// The canonical image name and its digest reference, as the runtime reports them.
    pub image: String,
    pub image_id: String,
    pub probes: Probes,
    /// Set once the kubelet has sent SIGTERM.
    pub stopping: Option<Stopping>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Stopping {
    /// When SIGTERM goes out, if it has not yet: a preStop `sleep` delays it.
    pub sigterm_at: Option<SimTime>,
    /// SIGKILL follows at the end of the grace period.
    pub kill_at: SimTime,
    /// When the process ends by itself after SIGTERM, if it does.
    pub exits_at: Option<SimTime>,
    /// A failed liveness or startup probe (or postStart hook) stopped it: it is restarted
    /// whatever its exit code, unless the restart policy is Never.
    pub restart: bool,
}

/// A run that has ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Ended {
    pub termination: Termination,
    /// `None` when the process never started (StartError).
    pub instance: Option<Instance>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Termination {
    pub exit_code: i32,
    /// Completed, Error, OOMKilled, StartError.
    pub reason: String,
    pub message: Option<String>,
    pub started_at: SimTime,
    pub finished_at: SimTime,
    pub container_id: String,
    pub image: String,
    pub image_id: String,
    /// Stopped by the kubelet for a failed probe or hook: restarted even after exit code 0.
    pub restart: bool,
}

impl Termination {
    /// The reason containerd gives an exit.
    pub fn reason_for(exit_code: i32) -> &'static str {
        if exit_code == 0 { "Completed" } else { "Error" }
    }
}

impl ContainerRuntime {
    /// The run that is going now, if any.
    pub fn running(&self) -> Option<&Running> {
        match &self.state {
            RunState::Running(running) => Some(running),
            _ => None,
        }
    }

    pub fn running_mut(&mut self) -> Option<&mut Running> {
        match &mut self.state {
            RunState::Running(running) => Some(running),
            _ => None,
        }
    }

    /// The instance `kubectl logs` reads: the current run's, or the one that just ended.
    pub fn current_instance(&self) -> Option<&Instance> {
        match &self.state {
            RunState::Running(running) => Some(&running.instance),
            RunState::Exited { ended, .. } => ended.instance.as_ref(),
            _ => None,
        }
    }

    /// `lastState.terminated`: while the container waits out a back-off, the run that just
    /// ended; otherwise the run before the current one.
    pub fn last_termination(&self) -> Option<&Termination> {
        match &self.state {
            RunState::Exited { ended, back_off: Some(_), .. } => Some(&ended.termination),
            _ => self.previous.as_ref().map(|ended| &ended.termination),
        }
    }
}

impl ContainerRuntime {
    /// The instance `kubectl logs --previous` reads: the run `lastState` describes.
    pub fn previous_instance(&self) -> Option<&Instance> {
        match &self.state {
            RunState::Exited { ended, back_off: Some(_), .. } => ended.instance.as_ref(),
            _ => self.previous.as_ref().and_then(|ended| ended.instance.as_ref()),
        }
    }
}
