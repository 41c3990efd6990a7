//! The pod status the kubelet writes: container statuses from the runtime's view, the phase by
//! `getPhase`'s rules, and the kubelet-owned conditions.

use super::runtime::{ContainerRuntime, PullWaitReason, RunState, Termination};
use crate::time::{SimTime, go_duration};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, Pod, PodCondition,
};

/// Whether a container is an init container that keeps running beside the others (a sidecar).
pub(super) fn is_sidecar(container: &Container) -> bool {
    container.restart_policy.as_deref() == Some("Always")
}

/// An init container has done its part: completed, or (a sidecar) started.
pub(super) fn init_done(container: &Container, status: &ContainerStatus) -> bool {
    if is_sidecar(container) { status.started == Some(true) } else { completed(status) }
}

/// The container ran to a successful end.
pub(super) fn completed(status: &ContainerStatus) -> bool {
    let state = status.state.as_ref();
    state.and_then(|s| s.terminated.as_ref()).is_some_and(|t| t.exit_code == 0)
}

/// `name_namespace(uid)`, the way kubelet messages name a pod (`format.Pod`).
pub(super) fn pod_ref(pod: &Pod) -> String {
    let (name, namespace) = (crate::podutil::name(pod), crate::podutil::namespace(pod));
    [name, "_", namespace, "(", crate::podutil::uid(pod), ")"].concat()
}

fn terminated(termination: &Termination) -> ContainerStateTerminated {
    ContainerStateTerminated {
        exit_code: termination.exit_code,
        reason: Some(termination.reason.clone()),
        message: termination.message.clone(),
        started_at: Some(termination.started_at.to_k8s()),
        finished_at: Some(termination.finished_at.to_k8s()),
        container_id: Some(termination.container_id.clone()),
        signal: None,
    }
}

/// One container's status. `initializing` is set for a regular container while the pod's init
/// containers have not finished (it waits as PodInitializing rather than ContainerCreating).
pub(super) fn container_status(
    container: &Container,
    runtime: &ContainerRuntime,
    pod: &Pod,
    initializing: bool,
) -> ContainerStatus {
    let waiting = |reason: &str, message: Option<String>| ContainerState {
        waiting: Some(ContainerStateWaiting { reason: Some(reason.to_string()), message }),
        ..Default::default()
    };
    let spec_image = container.image.clone().unwrap_or_default();
    let mut status = ContainerStatus {
        name: container.name.clone(),
        image: spec_image.clone(),
        image_id: String::new(),
        ready: false,
        restart_count: runtime.restart_count,
        started: Some(false),
        last_state: runtime
            .last_termination()
            .map(|t| ContainerState { terminated: Some(terminated(t)), ..Default::default() }),
        ..Default::default()
    };
    if let Some(last) = runtime.last_termination() {
        // A container that ran before reports the image it ran.
        status.container_id = Some(last.container_id.clone());
        status.image = last.image.clone();
        status.image_id = last.image_id.clone();
    }
    status.state = Some(match &runtime.state {
        RunState::Creating | RunState::Pulling { .. } => {
            waiting(if initializing { "PodInitializing" } else { "ContainerCreating" }, None)
        }
        RunState::PullFailed { shown: PullWaitReason::ErrImagePull, error, .. } => {
            waiting("ErrImagePull", Some(error.clone()))
        }
        RunState::PullFailed { shown: PullWaitReason::ImagePullBackOff, error, .. } => waiting(
            "ImagePullBackOff",
            Some(format!("Back-off pulling image \"{spec_image}\": ErrImagePull: {error}")),
        ),
        RunState::NeverPull { message } => waiting("ErrImageNeverPull", Some(message.clone())),
        RunState::ConfigError { message, .. } => {
            waiting("CreateContainerConfigError", Some(message.clone()))
        }
        RunState::Running(running) => {
            status.ready = running.stopping.is_none() && running.probes.ready();
            status.started = Some(running.probes.started());
            status.container_id = Some(running.container_id.clone());
            status.image = running.image.clone();
            status.image_id = running.image_id.clone();
            ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(running.started_at.to_k8s()),
                }),
                ..Default::default()
            }
        }
        RunState::Exited { back_off: Some(delay), .. } => waiting(
            "CrashLoopBackOff",
            Some(format!(
                "back-off {} restarting failed container={} pod={}",
                go_duration(*delay),
                container.name,
                pod_ref(pod)
            )),
        ),
        RunState::Exited { ended, back_off: None, .. } => {
            let termination = &ended.termination;
            status.container_id = Some(termination.container_id.clone());
            status.image = termination.image.clone();
            status.image_id = termination.image_id.clone();
            ContainerState { terminated: Some(terminated(termination)), ..Default::default() }
        }
    });
    status
}

/// The pod phase from its container statuses (`getPhase` in kubelet_pods.go).
pub(super) fn phase(
    pod: &Pod,
    init_statuses: &[(&Container, ContainerStatus)],
    statuses: &[ContainerStatus],
) -> &'static str {
    let policy = pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()).unwrap_or("Always");
    let mut pending_initialization = 0;
    let mut failed_initialization = 0;
    for (container, status) in init_statuses {
        let state = status.state.as_ref();
        let sidecar = is_sidecar(container);
        if let Some(done) = state.and_then(|s| s.terminated.as_ref()) {
            if done.exit_code == 0 && !sidecar {
                continue;
            }
            if sidecar {
                pending_initialization += 1;
            } else {
                failed_initialization += 1;
            }
        } else if state.is_some_and(|s| s.running.is_some()) {
            if !sidecar || status.started != Some(true) {
                pending_initialization += 1;
            }
        } else {
            pending_initialization += 1;
        }
    }
    if failed_initialization > 0 && policy == "Never" {
        return "Failed";
    }
    let (mut running, mut stopped, mut succeeded, mut waiting) = (0, 0, 0, 0);
    for status in statuses {
        let state = status.state.as_ref();
        if state.is_some_and(|s| s.running.is_some()) {
            running += 1;
        } else if let Some(done) = state.and_then(|s| s.terminated.as_ref()) {
            stopped += 1;
            if done.exit_code == 0 {
                succeeded += 1;
            }
        } else if status.last_state.as_ref().is_some_and(|s| s.terminated.is_some()) {
            stopped += 1;
        } else {
            waiting += 1;
        }
    }
    if pending_initialization > 0 || failed_initialization > 0 || waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped > 0 {
        if policy == "Always" {
            return "Running";
        }
        if stopped == succeeded {
            return "Succeeded";
        }
        if policy == "Never" {
            return "Failed";
        }
        return "Running";
    }
    "Pending"
}

/// The kubelet's conditions, in the order it writes them.
pub(super) fn conditions(
    pod: &Pod,
    phase: &str,
    init_statuses: &[(&Container, ContainerStatus)],
    statuses: &[ContainerStatus],
    now: SimTime,
) -> Vec<PodCondition> {
    let now = now.to_k8s();
    let condition =
        |type_: &str, ok: bool, reason: Option<&str>, message: Option<String>| PodCondition {
            type_: type_.to_string(),
            status: if ok { "True" } else { "False" }.to_string(),
            reason: if ok { None } else { reason.map(str::to_string) },
            message: if ok { None } else { message },
            last_transition_time: Some(now.clone()),
            observed_generation: pod.metadata.generation,
            ..Default::default()
        };
    let incomplete: Vec<&str> = init_statuses
        .iter()
        .filter(|(container, status)| !init_done(container, status))
        .map(|(_, status)| status.name.as_str())
        .collect();
    let initialized = incomplete.is_empty() || phase == "Succeeded";
    let unready: Vec<&str> = init_statuses
        .iter()
        .filter(|(container, _)| is_sidecar(container))
        .map(|(_, status)| status)
        .chain(statuses)
        .filter(|s| !s.ready)
        .map(|s| s.name.as_str())
        .collect();
    let completed = matches!(phase, "Succeeded" | "Failed");
    let ready = unready.is_empty() && !completed;
    // A condition that holds carries no message: worded only for those that do not.
    let (reason, message) = if completed {
        ("PodCompleted", None)
    } else {
        let message =
            (!ready).then(|| format!("containers with unready status: [{}]", unready.join(" ")));
        ("ContainersNotReady", message)
    };
    let init_message = (!initialized)
        .then(|| format!("containers with incomplete status: [{}]", incomplete.join(" ")));
    vec![
        condition("PodReadyToStartContainers", !completed, None, None),
        condition("Initialized", initialized, Some("ContainersNotInitialized"), init_message),
        condition("Ready", ready, Some(reason), message.clone()),
        condition("ContainersReady", ready, Some(reason), message),
    ]
}
