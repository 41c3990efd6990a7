//! The pod columns of `kubectl get pods`, derived exactly as kubectl's printer derives them.

use crate::podutil;
use crate::time::{SimTime, human_duration};
use k8s_openapi::api::core::v1::{ContainerState, ContainerStatus, Pod};

/// The READY, STATUS and RESTARTS columns together, as `printPod` in kubectl's printers derives
/// them: init containers first (a started sidecar counts as a ready container), then the app
/// containers from last to first.
struct Columns {
    ready: usize,
    total: usize,
    reason: String,
    restarts: i32,
    last_restart: Option<SimTime>,
}

fn columns(pod: &Pod) -> Columns {
    let status = pod.status.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let init_specs = spec.init_containers.unwrap_or_default();
    let sidecar = |name: &str| {
        init_specs.iter().any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
    };
    let mut columns = Columns {
        ready: 0,
        total: spec.containers.len() + init_specs.iter().filter(|c| sidecar(&c.name)).count(),
        reason: status.reason.clone().or(status.phase.clone()).unwrap_or_else(|| "Pending".into()),
        restarts: 0,
        last_restart: None,
    };
    let finished = |c: &ContainerStatus| {
        c.last_state.as_ref()?.terminated.as_ref()?.finished_at.as_ref().map(SimTime::from_k8s)
    };
    let (mut sidecar_restarts, mut sidecar_last) = (0, None);
    let mut initializing = false;
    let init_statuses = status.init_container_statuses.clone().unwrap_or_default();
    for (i, container) in init_statuses.iter().enumerate() {
        columns.restarts += container.restart_count;
        columns.last_restart = columns.last_restart.max(finished(container));
        if sidecar(&container.name) {
            sidecar_restarts += container.restart_count;
            sidecar_last = sidecar_last.max(finished(container));
        }
        let state = container.state.clone().unwrap_or_default();
        if state.terminated.as_ref().is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar(&container.name) && container.started == Some(true) {
            columns.ready += usize::from(container.ready);
            continue;
        }
        columns.reason = if let Some(terminated) = &state.terminated {
            match &terminated.reason {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ if terminated.signal.unwrap_or(0) != 0 => {
                    format!("Init:Signal:{}", terminated.signal.unwrap_or(0))
                }
                _ => format!("Init:ExitCode:{}", terminated.exit_code),
            }
        } else if let Some(r) = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            format!("Init:{r}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }
    let initialized =
        status.conditions.iter().flatten().any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        columns.restarts = sidecar_restarts;
        columns.last_restart = sidecar_last;
        let mut has_running = false;
        for container in status.container_statuses.iter().flatten().rev() {
            columns.restarts += container.restart_count;
            columns.last_restart = columns.last_restart.max(finished(container));
            let state: ContainerState = container.state.clone().unwrap_or_default();
            if let Some(r) =
                state.waiting.as_ref().and_then(|w| w.reason.clone()).filter(|r| !r.is_empty())
            {
                columns.reason = r;
            } else if let Some(terminated) = &state.terminated {
                columns.reason = match &terminated.reason {
                    Some(r) if !r.is_empty() => r.clone(),
                    _ if terminated.signal.unwrap_or(0) != 0 => {
                        format!("Signal:{}", terminated.signal.unwrap_or(0))
                    }
                    _ => format!("ExitCode:{}", terminated.exit_code),
                };
            } else if container.ready && state.running.is_some() {
                has_running = true;
                columns.ready += 1;
            }
        }
        if columns.reason == "Completed" && has_running {
            let ready = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            columns.reason = if ready { "Running" } else { "NotReady" }.to_string();
        }
    }
    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some("NodeLost") {
            columns.reason = "Unknown".to_string();
        } else if !podutil::is_terminal(pod) {
            columns.reason = "Terminating".to_string();
        }
    }
    columns
}

/// The STATUS column.
pub fn status(pod: &Pod) -> String {
    columns(pod).reason
}

/// The READY column: ready containers (app containers and started sidecars) over all of them.
pub fn ready(pod: &Pod) -> String {
    let columns = columns(pod);
    format!("{}/{}", columns.ready, columns.total)
}

/// The RESTARTS column: `0`, or `3 (25s ago)` counting from the latest container exit.
pub fn restarts(pod: &Pod, now: SimTime) -> String {
    let columns = columns(pod);
    match columns.last_restart {
        Some(at) if columns.restarts > 0 => {
            format!("{} ({} ago)", columns.restarts, human_duration(now.since(at)))
        }
        _ => columns.restarts.to_string(),
    }
}

/// READINESS GATES: how many of the pod's readiness gates are met, `<none>` without gates.
pub fn readiness_gates(pod: &Pod) -> String {
    let gates =
        pod.spec.as_ref().and_then(|s| s.readiness_gates.as_ref()).map_or(&[][..], Vec::as_slice);
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let conditions = pod.status.as_ref().and_then(|s| s.conditions.as_ref());
    let met = gates
        .iter()
        .filter(|g| {
            conditions
                .into_iter()
                .flatten()
                .any(|c| c.type_ == g.condition_type && c.status == "True")
        })
        .count();
    format!("{met}/{}", gates.len())
}
