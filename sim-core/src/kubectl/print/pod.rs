//! The pod columns of `kubectl get pods`, derived exactly as kubectl's printer derives them.

use crate::podutil;
use crate::time::{SimTime, human_duration};
use k8s_openapi::api::core::v1::{ContainerState, Pod};

/// The STATUS column (`printPod` in kubectl's printers).
pub fn status(pod: &Pod) -> String {
    let status = pod.status.clone().unwrap_or_default();
    let mut reason =
        status.reason.clone().or(status.phase.clone()).unwrap_or_else(|| "Pending".to_string());
    let mut initializing = false;
    let init_statuses = status.init_container_statuses.as_deref().unwrap_or_default();
    let init_count = pod.spec.as_ref().and_then(|s| s.init_containers.as_ref()).map_or(0, Vec::len);
    for (i, container) in init_statuses.iter().enumerate() {
        let state = container.state.clone().unwrap_or_default();
        if let Some(terminated) = &state.terminated {
            if terminated.exit_code == 0 {
                continue;
            }
            reason = match &terminated.reason {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ if terminated.signal.unwrap_or(0) != 0 => {
                    format!("Init:Signal:{}", terminated.signal.unwrap_or(0))
                }
                _ => format!("Init:ExitCode:{}", terminated.exit_code),
            };
        } else if let Some(r) = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{init_count}");
        }
        initializing = true;
        break;
    }
    if !initializing {
        let mut has_running = false;
        for container in status.container_statuses.iter().flatten().rev() {
            let state: ContainerState = container.state.clone().unwrap_or_default();
            if let Some(r) =
                state.waiting.as_ref().and_then(|w| w.reason.clone()).filter(|r| !r.is_empty())
            {
                reason = r;
            } else if let Some(terminated) = &state.terminated {
                reason = match &terminated.reason {
                    Some(r) if !r.is_empty() => r.clone(),
                    _ if terminated.signal.unwrap_or(0) != 0 => {
                        format!("Signal:{}", terminated.signal.unwrap_or(0))
                    }
                    _ => format!("ExitCode:{}", terminated.exit_code),
                };
            } else if container.ready && state.running.is_some() {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            let ready = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if ready { "Running" } else { "NotReady" }.to_string();
        }
    }
    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some("NodeLost") {
            reason = "Unknown".to_string();
        } else if !podutil::is_terminal(pod) {
            reason = "Terminating".to_string();
        }
    }
    reason
}

/// The READY column: ready containers over all containers.
pub fn ready(pod: &Pod) -> String {
    let total = pod.spec.as_ref().map_or(0, |s| s.containers.len());
    let ready = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref()).map_or(0, |list| {
        list.iter()
            .filter(|c| c.ready && c.state.as_ref().is_some_and(|s| s.running.is_some()))
            .count()
    });
    format!("{ready}/{total}")
}

/// The RESTARTS column: `0`, or `3 (25s ago)` counting from the latest container exit.
pub fn restarts(pod: &Pod, now: SimTime) -> String {
    let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref());
    let count: i32 = statuses.iter().flat_map(|l| l.iter()).map(|c| c.restart_count).sum();
    let last_exit = statuses
        .iter()
        .flat_map(|l| l.iter())
        .filter_map(|c| c.last_state.as_ref()?.terminated.as_ref()?.finished_at.as_ref())
        .map(SimTime::from_k8s)
        .max();
    match last_exit {
        Some(at) if count > 0 => format!("{count} ({} ago)", human_duration(now.since(at))),
        _ => count.to_string(),
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
