//! A container's life as the kubelet drives it (`kuberuntime_manager.go` and
//! `kuberuntime_container.go`): init containers one at a time, then the app containers; start,
//! hooks, probes, OOM kills, exits, restarts under the restart policy with the crash-loop
//! back-off, and termination with the grace period.

use super::env;
use super::prober::{ProbeKind, Probes, container_port};
use super::pull::{ERROR_RESYNC, ImageProgress};
use super::runtime::{
    ContainerRuntime, Ended, PodRuntime, RunState, Running, Stopping, Termination,
};
use super::status::{is_sidecar, pod_ref};
use super::volumes;
use super::{Kubelet, container_field_path};
use crate::api::{ApiServer, EventType};
use crate::container::{ExecOutcome, Instance, Launch, Mount, State, Volumes};
use crate::kubelet::images::ImageReference;
use crate::podutil;
use crate::storage::Disks;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Container, LifecycleHandler, Node, ObjectReference, Pod};
use std::rc::Rc;
use std::time::Duration;

/// How soon the kubelet notices that a container exited (PLEG relists every second).
const RELIST_PERIOD: Duration = Duration::from_secs(1);
/// `minimumGracePeriodInSeconds`: a kill always allows at least this long.
const MINIMUM_GRACE: Duration = Duration::from_secs(2);
/// A process killed by SIGKILL (or the OOM killer) exits with 128 + 9.
const SIGKILL_EXIT_CODE: i32 = 137;
/// How many of the probes a settled worker skipped are still run when the kubelet next looks.
const SETTLED_PROBES_REPLAYED: u32 = 20;
/// containerd's exit code for a task that never started.
const START_ERROR_EXIT_CODE: i32 = 128;

/// What a container is to its pod.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Init,
    Sidecar,
    App,
}

/// Why the kubelet stops a container.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StopReason {
    /// The pod is being deleted: the container is not restarted.
    Deletion,
    /// A liveness or startup probe failed.
    Probe(ProbeKind),
    PostStartHook,
}

/// The outcome of one look at a container.
#[derive(Default)]
struct Step {
    /// When the container next needs a look.
    wake: Option<SimTime>,
    /// An init container has finished (a sidecar: has started), so the next may go.
    done: bool,
    /// Its image is being pulled: later containers wait for the puller.
    pulling: bool,
}

fn earliest(a: Option<SimTime>, b: Option<SimTime>) -> Option<SimTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Kubelet {
    /// One sync of a pod on this node. Returns when it next needs a look. Takes the pod to let
    /// go of it before writing its status, so the write changes the stored pod in place.
    pub(super) fn sync_pod(
        &mut self,
        api: &mut ApiServer,
        disks: &mut Disks,
        pod: Rc<Pod>,
    ) -> Option<SimTime> {
        let uid = podutil::uid(&pod).to_string();
        let now = api.now();
        let deleting = pod.metadata.deletion_timestamp.is_some();
        // The runtime is taken from its place in the map and put back there: removing and
        // inserting it would shift the node's other (large) entries twice per sync. While it
        // is out its place holds an empty runtime, which mounts and runs nothing.
        let mut runtime = match self.pods.get_mut(&uid) {
            Some(runtime) => std::mem::take(runtime),
            None if deleting => {
                // Deleted before the kubelet set anything up: nothing to stop.
                if !self.is_static(&uid) {
                    let _ = api.remove::<Pod>(podutil::namespace(&pod), podutil::name(&pod));
                }
                return None;
            }
            None => self.admit(api, &pod)?,
        };
        // The containers start only once every volume is set up.
        let mounted = if deleting || runtime.evicted.is_some() {
            Ok(())
        } else {
            self.set_up_volumes(api, disks, &pod, &mut runtime)
        };
        volumes::lend(disks, &mut runtime);
        let wake = if deleting {
            let wake = self.terminate_pod(api, &pod, &mut runtime);
            if wake.is_none() {
                volumes::take_back(disks, &mut runtime, now);
                self.pods.remove(&uid);
                // A static pod's mirror went when its file did; the pod it was is the kubelet's.
                if !self.is_static(&uid) {
                    let _ = api.remove::<Pod>(podutil::namespace(&pod), podutil::name(&pod));
                }
                return None;
            }
            wake
        } else if let Some(message) = runtime.evicted.clone() {
            // Evicted: the containers are killed at once, then the pod is Failed for good.
            let mut dying = (*pod).clone();
            dying.metadata.deletion_timestamp = Some(api.now().to_k8s());
            let wake = self.terminate_pod(api, &dying, &mut runtime);
            if wake.is_none() {
                self.write_pod_status(api, Rc::clone(&pod), &runtime);
                self.write_evicted_status(api, &pod, &message);
            }
            wake
        } else {
            let shown_before = runtime.shown_runs();
            let wake = match mounted {
                Ok(()) => self.sync_containers(api, &pod, &mut runtime),
                Err(retry_at) => Some(retry_at),
            };
            let wake = earliest(wake, runtime.storage.refresh_at);
            // Most wake-ups (a probe that moved no result, a process acting) leave every
            // container running as it was: the status derived last time still stands unless
            // the stored pod or a node (its address is in the status) changed since.
            let stands = shown_before.is_some()
                && shown_before == runtime.shown_runs()
                && runtime.status_checked.is_some_and(|(pod_version, api_version)| {
                    !api.kind_changed_since::<Node>(api_version)
                        && api.get::<Pod>(podutil::namespace(&pod), podutil::name(&pod)).is_ok_and(
                            |stored| podutil::resource_version(stored) == Some(pod_version),
                        )
                });
            if !stands && let Some((version, written)) = self.write_pod_status(api, pod, &runtime) {
                if written {
                    runtime.status_version = Some(version);
                }
                runtime.status_checked = Some((version, api.resource_version()));
            }
            wake
        };
        volumes::take_back(disks, &mut runtime, now);
        match self.pods.get_mut(&uid) {
            Some(place) => *place = runtime,
            None => {
                self.pods.insert(uid, runtime);
            }
        }
        wake
    }

    /// A pod whose every container waits out a crash-loop back-off needs nothing but the
    /// BackOff report each pod-worker retry makes: done here without a copy of the pod or a
    /// status write (the status does not change while it waits). `None` when the pod needs a
    /// full sync; otherwise when it next needs a look.
    pub(super) fn report_back_offs(
        &mut self,
        api: &mut ApiServer,
        uid: &str,
    ) -> Option<Option<SimTime>> {
        let now = api.now();
        let runtime = self.pods.get(uid)?;
        let waiting_only = !runtime.containers.is_empty()
            && runtime.containers.values().all(|c| match &c.state {
                RunState::Exited { ended, back_off: Some(delay), .. } => {
                    now < ended.termination.finished_at + *delay
                }
                _ => false,
            });
        if !waiting_only {
            return None;
        }
        let pod = api.get_shared::<Pod>(&runtime.namespace, &runtime.name).ok()?;
        if pod.metadata.deletion_timestamp.is_some() || podutil::uid(&pod) != uid {
            return None;
        }
        // The containers are set aside while their reports go out (a report needs the kubelet,
        // not them); the pod's reference is worded once, for the first report due.
        let mut containers = std::mem::take(&mut self.pods.get_mut(uid)?.containers);
        let mut about: Option<(ObjectReference, String)> = None;
        let mut wake: Option<SimTime> = None;
        for (name, container) in &mut containers {
            let RunState::Exited { ended, back_off: Some(delay), report_at } = &mut container.state
            else {
                continue;
            };
            let until = ended.termination.finished_at + *delay;
            if now >= *report_at {
                let (reference, pod_ref) =
                    about.get_or_insert_with(|| (reference_to(&pod), pod_ref(&pod)));
                let field_path = container_field_path(&pod, name);
                *report_at = self.report_back_off(api, reference, field_path, name, pod_ref);
            }
            let next = until.min(*report_at);
            wake = Some(wake.map_or(next, |w| w.min(next)));
        }
        if let Some(runtime) = self.pods.get_mut(uid) {
            runtime.containers = containers;
        }
        Some(wake)
    }

    /// A pod worker's retry while a container waits out its back-off: the BackOff event, and
    /// when the next retry reports again — 10 s later plus up to 50% jitter
    /// (`workerBackOffPeriodJitterFactor`), passing over retries whose report the event
    /// recorder's spam filter would drop anyway.
    fn report_back_off(
        &mut self,
        api: &mut ApiServer,
        pod: &ObjectReference,
        field_path: String,
        container: &str,
        pod_ref: &str,
    ) -> SimTime {
        let involved = ObjectReference { field_path: Some(field_path), ..pod.clone() };
        let message = format!("Back-off restarting failed container {container} in pod {pod_ref}");
        api.record_event_about(involved, self.source(), EventType::Warning, "BackOff", message);
        let allowed = api.event_allowed_at(pod, self.source());
        let mut at = api.now();
        loop {
            let jitter = self.rng.between(0, ERROR_RESYNC.as_millis() as u64 / 2);
            at = at + ERROR_RESYNC + Duration::from_millis(jitter);
            if at >= allowed {
                return at;
            }
        }
    }

    fn sync_containers(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        runtime: &mut PodRuntime,
    ) -> Option<SimTime> {
        let spec = pod.spec.as_ref()?;
        let mut wake = None;
        // Init containers one at a time, in order; a sidecar only has to have started.
        for container in spec.init_containers.iter().flatten() {
            let role = if is_sidecar(container) { Role::Sidecar } else { Role::Init };
            let step = self.sync_container(api, pod, runtime, container, role);
            wake = earliest(wake, step.wake);
            if !step.done {
                return wake;
            }
        }
        // Sidecars that stop later are restarted beside the app containers.
        for container in spec.init_containers.iter().flatten().filter(|c| is_sidecar(c)) {
            wake = earliest(
                wake,
                self.sync_container(api, pod, runtime, container, Role::Sidecar).wake,
            );
        }
        for container in &spec.containers {
            let step = self.sync_container(api, pod, runtime, container, Role::App);
            wake = earliest(wake, step.wake);
            if step.pulling {
                break;
            }
        }
        wake
    }

    /// Moves one container as far as it goes at this instant.
    fn sync_container(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        runtime: &mut PodRuntime,
        container: &Container,
        role: Role,
    ) -> Step {
        // The step needs the rest of the pod's runtime, not its containers: lend it the map's
        // entry while the map is set aside, rather than take the entry out and put it back
        // (a key copied and the tree walked twice, for every look at every container).
        let mut containers = std::mem::take(&mut runtime.containers);
        let step = match containers.get_mut(&container.name) {
            Some(state) => self.step_container(api, pod, runtime, container, role, state),
            None => {
                let mut state = ContainerRuntime::default();
                let step = self.step_container(api, pod, runtime, container, role, &mut state);
                containers.insert(container.name.clone(), state);
                step
            }
        };
        runtime.containers = containers;
        step
    }

    fn step_container(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        runtime: &mut PodRuntime,
        container: &Container,
        role: Role,
        current: &mut ContainerRuntime,
    ) -> Step {
        let now = api.now();
        loop {
            match std::mem::take(&mut current.state) {
                RunState::Running(mut running) => {
                    let ended = self.watch_running(api, pod, runtime, container, &mut running);
                    match ended {
                        Ok(wake) => {
                            let done = role == Role::Sidecar && running.probes.started();
                            current.state = RunState::Running(running);
                            return Step { wake, done, pulling: false };
                        }
                        Err(termination) => {
                            let report_at = termination.finished_at + RELIST_PERIOD;
                            current.state = RunState::Exited {
                                ended: Box::new(Ended {
                                    termination: *termination,
                                    instance: Some(running.instance),
                                }),
                                back_off: None,
                                report_at,
                            };
                        }
                    }
                }
                RunState::Exited { ended, back_off, report_at } => {
                    let termination = &ended.termination;
                    if !should_restart(pod, role, termination) {
                        let done = role == Role::Init && termination.exit_code == 0;
                        current.state = RunState::Exited { ended, back_off, report_at };
                        return Step { done, ..Step::default() };
                    }
                    // The kubelet notices the exit at its next relist.
                    let noticed_at = termination.finished_at + RELIST_PERIOD;
                    if now < noticed_at {
                        current.state = RunState::Exited { ended, back_off, report_at };
                        return Step { wake: Some(noticed_at), ..Step::default() };
                    }
                    let key = [
                        podutil::name(pod),
                        podutil::namespace(pod),
                        podutil::uid(pod),
                        container.name.as_str(),
                    ]
                    .join("_");
                    let finished_at = termination.finished_at;
                    if let Some(until) = self.crash_backoff.in_backoff_until(&key, finished_at, now)
                    {
                        let delay = until.since(finished_at);
                        let mut report_at = report_at;
                        if now >= report_at {
                            let field_path = container_field_path(pod, &container.name);
                            report_at = self.report_back_off(
                                api,
                                &reference_to(pod),
                                field_path,
                                &container.name,
                                &pod_ref(pod),
                            );
                        }
                        current.state =
                            RunState::Exited { ended, back_off: Some(delay), report_at };
                        return Step { wake: Some(until.min(report_at)), ..Step::default() };
                    }
                    self.crash_backoff.next(&key, now);
                    self.restarted.push(crate::series::RestartRecord {
                        pod_uid: podutil::uid(pod).to_string(),
                        namespace: podutil::namespace(pod).to_string(),
                        pod: podutil::name(pod).to_string(),
                        restart: crate::series::Restart {
                            container: container.name.clone(),
                            at: now,
                            waited: now.since(finished_at),
                        },
                    });
                    current.previous = Some(ended);
                    current.restart_count += 1;
                    current.state = RunState::Creating;
                }
                RunState::ConfigError { message, next_sync } if now < next_sync => {
                    current.state = RunState::ConfigError { message, next_sync };
                    return Step { wake: Some(next_sync), ..Step::default() };
                }
                mut waiting => {
                    let (reference, canonical) =
                        match self.ensure_image(api, pod, container, &mut waiting) {
                            ImageProgress::Waiting(wake) => {
                                let pulling = matches!(waiting, RunState::Pulling { .. });
                                current.state = waiting;
                                return Step { wake, done: false, pulling };
                            }
                            ImageProgress::Present(reference, canonical) => (reference, canonical),
                        };
                    current.state =
                        self.start_container(api, pod, runtime, container, &reference, canonical);
                    if let RunState::ConfigError { next_sync, .. } = &current.state {
                        return Step { wake: Some(*next_sync), ..Step::default() };
                    }
                }
            }
        }
    }

    /// Creates and starts a container whose image is present (`reference`, named `canonical`):
    /// its environment, the process, the Created and Started events, and the postStart hook.
    fn start_container(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        runtime: &mut PodRuntime,
        container: &Container,
        reference: &ImageReference,
        canonical: String,
    ) -> RunState {
        let now = api.now();
        let host_ip = self.node_ip(api);
        let environment =
            match env::resolve(api, &mut self.service_links, pod, container, &runtime.ip, &host_ip)
            {
                Ok(environment) => environment,
                Err(message) => {
                    let text = format!("Error: {message}");
                    self.event(api, pod, container, EventType::Warning, "Failed", text);
                    return RunState::ConfigError { message, next_sync: now + ERROR_RESYNC };
                }
            };
        let name = &container.name;
        let text = format!("Created container: {name}");
        self.event(api, pod, container, EventType::Normal, "Created", text);
        let image = container.image.as_deref().unwrap_or_default();
        let digest = self.images.get(&canonical).map(|i| i.digest.clone()).unwrap_or_default();
        let image_id = format!("{}@{digest}", reference.repository);
        let container_id = format!(
            "containerd://{:016x}{:016x}{:016x}{:016x}",
            self.rng.next_u64(),
            self.rng.next_u64(),
            self.rng.next_u64(),
            self.rng.next_u64()
        );
        let mounts: Vec<Mount> = container
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| {
                let sub_path = m.sub_path.clone().filter(|p| !p.is_empty());
                let mut volume = m.name.clone();
                if sub_path.is_some() && runtime.storage.projected.contains(&volume) {
                    // A subPath is bound at container start: later projections never reach it.
                    let frozen = format!("{volume}/{}", container.name);
                    let files = runtime.volumes.get(&volume).cloned().unwrap_or_default();
                    runtime.volumes.insert(frozen.clone(), files);
                    volume = frozen;
                }
                Mount {
                    read_only: m.read_only == Some(true)
                        || runtime.storage.forced_read_only(&m.name),
                    volume,
                    mount_path: m.mount_path.clone(),
                    sub_path,
                }
            })
            .collect();
        // `$(VAR)` in the command and arguments names a variable of the container's environment.
        let expand = |words: &Option<Vec<String>>| {
            words.as_ref().map(|w| w.iter().map(|word| env::expand(word, &environment)).collect())
        };
        let (command, args): (Option<Vec<String>>, Option<Vec<String>>) =
            (expand(&container.command), expand(&container.args));
        let launch = Launch {
            image,
            command: command.as_deref(),
            args: args.as_deref(),
            env: &environment,
            // `GeneratePodHostNameAndDomain`: spec.hostname (an Indexed Job's `JOB-INDEX`)
            // when set, else the pod's name.
            hostname: pod
                .spec
                .as_ref()
                .and_then(|s| s.hostname.as_deref())
                .filter(|h| !h.is_empty())
                .unwrap_or(podutil::name(pod)),
            mounts: &mounts,
            seed: self.rng.next_u64(),
        };
        // A new container's memory cgroup starts counting afresh what reaches its tmpfs.
        for mount in container.volume_mounts.iter().flatten() {
            if let Some(files) = runtime.volumes.get_mut(&mount.name) {
                files.reset_peak();
            }
        }
        let mut instance = match Instance::start(&launch, &mut runtime.volumes, now) {
            Ok(instance) => instance,
            Err(message) => {
                let text = format!("Error: {message}");
                self.event(api, pod, container, EventType::Warning, "Failed", text);
                let termination = Termination {
                    exit_code: START_ERROR_EXIT_CODE,
                    reason: "StartError".to_string(),
                    message: Some(message),
                    started_at: now,
                    finished_at: now,
                    container_id,
                    image: canonical,
                    image_id,
                    restart: false,
                };
                return RunState::Exited {
                    ended: Box::new(Ended { termination, instance: None }),
                    back_off: None,
                    report_at: now + RELIST_PERIOD,
                };
            }
        };
        let text = format!("Started container {name}");
        self.event(api, pod, container, EventType::Normal, "Started", text);
        let hook = container.lifecycle.as_ref().and_then(|l| l.post_start.as_ref());
        let failure = hook
            .and_then(|hook| run_hook(hook, container, &mut instance, &mut runtime.volumes, now));
        let mut running = Running {
            probes: Probes::new(container, now),
            instance,
            started_at: now,
            container_id,
            image: canonical,
            image_id,
            stopping: None,
        };
        if let Some(failure) = failure {
            let message = failure.message(container, pod);
            let kind = EventType::Warning;
            self.event(api, pod, container, kind, "FailedPostStartHook", message);
            self.stop(api, pod, runtime, container, &mut running, StopReason::PostStartHook);
        }
        RunState::Running(Box::new(running))
    }

    /// Follows a running container to now: its process, the OOM killer, its probes, a stop in
    /// progress. `Err` with the termination when it has ended; otherwise when to look again.
    fn watch_running(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        runtime: &mut PodRuntime,
        container: &Container,
        running: &mut Running,
    ) -> Result<Option<SimTime>, Box<Termination>> {
        let now = api.now();
        let ended = |running: &Running, exit_code: i32, reason: &str, at: SimTime, restart| {
            Box::new(Termination {
                exit_code,
                reason: reason.to_string(),
                message: None,
                started_at: running.started_at,
                finished_at: at,
                container_id: running.container_id.clone(),
                image: running.image.clone(),
                image_id: running.image_id.clone(),
                restart,
            })
        };
        let memory_limit = memory_limit_bytes(container);
        let oom_at = memory_limit
            .and_then(|limit| running.instance.exceeds_memory_at(limit, running.started_at));
        if let Some(stopping) = running.stopping.as_mut() {
            let restart = stopping.restart;
            if let Some(at) = stopping.sigterm_at.filter(|&at| at <= now) {
                stopping.sigterm_at = None;
                stopping.exits_at = running
                    .instance
                    .terminate(&mut runtime.volumes, at)
                    .filter(|&t| t < stopping.kill_at);
            }
            let kill_at = stopping.kill_at;
            let sigterm_at = stopping.sigterm_at;
            let mut link = super::network_link(&mut self.network, api, pod, &self.node_name);
            let net = link.as_mut().map(|l| l as &mut dyn crate::container::net::Network);
            let state = running.instance.advance_on(&mut runtime.volumes, net, now.min(kill_at));
            if let State::Exited { code, at } = state
                && at <= kill_at
            {
                return Err(ended(running, code, Termination::reason_for(code), at, restart));
            }
            if now >= kill_at {
                return Err(ended(running, SIGKILL_EXIT_CODE, "Error", kill_at, restart));
            }
            let exits_at = running.stopping.as_ref().and_then(|s| s.exits_at);
            return Ok(Some(
                earliest(earliest(sigterm_at, exits_at), Some(kill_at)).unwrap_or(kill_at),
            ));
        }
        // Probes run at their own instants, the process brought up to each one first; probes
        // skipped while their outcome was settled are caught up here in the same way (the
        // last few of them: see `forget_settled`).
        running.probes.forget_settled(container, now, SETTLED_PROBES_REPLAYED);
        let woken_by_probe = running.probes.ticks_at(now);
        loop {
            let probe_at = running.probes.earliest_due(now);
            let at = probe_at.unwrap_or(now);
            let mut link = super::network_link(&mut self.network, api, pod, &self.node_name);
            let net = link.as_mut().map(|l| l as &mut dyn crate::container::net::Network);
            let state = running.instance.advance_on(&mut runtime.volumes, net, at);
            let held = super::local_storage::tmpfs_peak_bytes(
                container,
                &runtime.volumes,
                &runtime.storage.projected,
            );
            if let Some(oom_at) = tmpfs_oom(container, held, &running.instance, state, at) {
                return Err(ended(running, SIGKILL_EXIT_CODE, "OOMKilled", oom_at, false));
            }
            if let Some(oom_at) = oom_at.filter(|&t| t <= at) {
                let exited_first = matches!(state, State::Exited { at, .. } if at < oom_at);
                if !exited_first {
                    return Err(ended(running, SIGKILL_EXIT_CODE, "OOMKilled", oom_at, false));
                }
            }
            if let State::Exited { code, at } = state {
                return Err(ended(running, code, Termination::reason_for(code), at, false));
            }
            let Some(probe_at) = probe_at else {
                // Woken for anything but a probe, the kubelet no longer trusts settled probes:
                // from now on the process may answer differently.
                if !woken_by_probe {
                    running.probes.touch();
                }
                let next_wake = match state {
                    State::Running { next_wake } => next_wake,
                    State::Exited { .. } => None,
                };
                let oom_wake = oom_at.filter(|&t| t > now);
                return Ok(earliest(earliest(next_wake, running.probes.next_due()), oom_wake));
            };
            let report = running.probes.run_due(
                container,
                &mut running.instance,
                &mut runtime.volumes,
                &runtime.ip,
                probe_at,
            );
            for (kind, output) in &report.failures {
                let message = format!("{} probe failed: {output}", kind.title());
                self.event(api, pod, container, EventType::Warning, "Unhealthy", message);
            }
            if let Some(kind) = report.kill {
                self.stop(api, pod, runtime, container, running, StopReason::Probe(kind));
                return self.watch_running(api, pod, runtime, container, running);
            }
        }
    }

    /// Starts stopping a running container: the Killing event, the preStop hook, SIGTERM, and
    /// SIGKILL due at the end of the grace period.
    fn stop(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        runtime: &mut PodRuntime,
        container: &Container,
        running: &mut Running,
        reason: StopReason,
    ) {
        let now = api.now();
        let restart = reason != StopReason::Deletion;
        let message = match reason {
            StopReason::Deletion => format!("Stopping container {}", container.name),
            StopReason::Probe(ProbeKind::Startup) => {
                format!("Container {} failed startup probe, will be restarted", container.name)
            }
            StopReason::Probe(_) => {
                format!("Container {} failed liveness probe, will be restarted", container.name)
            }
            StopReason::PostStartHook => "FailedPostStartHook".to_string(),
        };
        self.event(api, pod, container, EventType::Normal, "Killing", message);
        let spec = pod.spec.as_ref();
        // A probe may carry its own grace period; otherwise the pod's applies.
        let probe_grace = [container.liveness_probe.as_ref(), container.startup_probe.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|p| p.termination_grace_period_seconds)
            .filter(|_| restart);
        let grace_seconds = probe_grace
            .or_else(|| spec.and_then(|s| s.termination_grace_period_seconds))
            .unwrap_or(30);
        let grace =
            Duration::from_secs(u64::try_from(grace_seconds).unwrap_or(0)).max(MINIMUM_GRACE);
        let deadline = if restart {
            now + grace
        } else {
            // A deletion's deadline is the pod's deletionTimestamp.
            pod.metadata.deletion_timestamp.as_ref().map_or(now + grace, SimTime::from_k8s).max(now)
        };
        let mut sigterm_at = now;
        if let Some(hook) = container.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref()) {
            if let Some(sleep) = &hook.sleep {
                sigterm_at = now + Duration::from_secs(u64::try_from(sleep.seconds).unwrap_or(0));
            } else if let Some(failure) =
                run_hook(hook, container, &mut running.instance, &mut runtime.volumes, now)
            {
                let message = failure.message(container, pod);
                self.event(api, pod, container, EventType::Warning, "FailedPreStopHook", message);
            }
        }
        running.stopping = Some(Stopping {
            sigterm_at: Some(sigterm_at.min(deadline)),
            kill_at: deadline,
            exits_at: None,
            restart,
        });
    }

    /// Stops every container of a pod being deleted. `None` once all have stopped.
    fn terminate_pod(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        runtime: &mut PodRuntime,
    ) -> Option<SimTime> {
        let spec = pod.spec.as_ref()?;
        let mut wake = None;
        // App containers first, then sidecars (in reverse order), as the kubelet does.
        let sidecars = spec.init_containers.iter().flatten().filter(|c| is_sidecar(c)).rev();
        for container in spec.containers.iter().chain(sidecars) {
            let mut current = runtime.containers.remove(&container.name).unwrap_or_default();
            if let RunState::Running(mut running) = std::mem::take(&mut current.state) {
                if running.stopping.is_none() {
                    self.stop(api, pod, runtime, container, &mut running, StopReason::Deletion);
                }
                match self.watch_running(api, pod, runtime, container, &mut running) {
                    Ok(at) => {
                        wake = earliest(wake, at);
                        current.state = RunState::Running(running);
                    }
                    Err(termination) => {
                        let report_at = termination.finished_at;
                        current.state = RunState::Exited {
                            ended: Box::new(Ended {
                                termination: *termination,
                                instance: Some(running.instance),
                            }),
                            back_off: None,
                            report_at,
                        };
                    }
                }
            } else {
                current.state = match std::mem::take(&mut current.state) {
                    // A container that has not started never will.
                    exited @ RunState::Exited { .. } => exited,
                    _ => RunState::Creating,
                };
            }
            runtime.containers.insert(container.name.clone(), current);
        }
        wake
    }
}

/// A reference to a pod, as its events carry it.
pub(super) fn reference_to(pod: &Pod) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".to_string()),
        kind: Some("Pod".to_string()),
        name: pod.metadata.name.clone(),
        namespace: pod.metadata.namespace.clone(),
        uid: pod.metadata.uid.clone(),
        resource_version: pod.metadata.resource_version.clone(),
        field_path: None,
    }
}

/// Whether a container that ended is started again (`shouldRestartOnFailure` and the rules for
/// init containers and sidecars).
fn should_restart(pod: &Pod, role: Role, termination: &Termination) -> bool {
    let policy = pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()).unwrap_or("Always");
    match role {
        Role::Sidecar => true,
        Role::Init => termination.exit_code != 0 && policy != "Never",
        Role::App => match policy {
            "Never" => false,
            "OnFailure" => termination.exit_code != 0 || termination.restart,
            _ => true,
        },
    }
}

/// When the OOM killer ends the container because what it wrote to a memory-backed emptyDir,
/// with what its process holds, is past its memory limit (at `at`, or when the process
/// exited if that was earlier: the writing happened before).
pub(super) fn tmpfs_oom(
    container: &Container,
    held: u64,
    instance: &Instance,
    state: State,
    at: SimTime,
) -> Option<SimTime> {
    let limit = memory_limit_bytes(container)?;
    let process = instance.usage(at).memory_bytes;
    if held == 0 || held.saturating_add(process) <= limit {
        return None;
    }
    Some(match state {
        State::Exited { at: exited, .. } => exited.min(at),
        State::Running { .. } => at,
    })
}

/// The container's memory limit in bytes, if it has one.
fn memory_limit_bytes(container: &Container) -> Option<u64> {
    let quantity = container.resources.as_ref()?.limits.as_ref()?.get("memory")?;
    u64::try_from(crate::quantity::parse(&quantity.0).ok()?.units()).ok()
}

/// Why a lifecycle hook failed: the handler as the kubelet names it, the error, and the output.
struct HookFailure {
    handler: String,
    error: String,
    output: String,
}

impl HookFailure {
    /// The FailedPostStartHook / FailedPreStopHook event message.
    fn message(&self, container: &Container, pod: &Pod) -> String {
        format!(
            "{} for Container {:?} in Pod {:?} failed - error: {}, message: {:?}",
            self.handler,
            container.name,
            pod_ref(pod),
            self.error,
            self.output
        )
    }
}

/// Runs a lifecycle hook; `Some` with why if it failed.
fn run_hook(
    hook: &LifecycleHandler,
    container: &Container,
    instance: &mut Instance,
    volumes: &mut Volumes,
    now: SimTime,
) -> Option<HookFailure> {
    if let Some(exec) = &hook.exec {
        let command = exec.command.clone().unwrap_or_default();
        let joined = command.join(" ");
        let handler = format!("Exec lifecycle hook ([{joined}])");
        return match instance.exec(volumes, &command, now) {
            ExecOutcome::Ran { code: 0, .. } => None,
            ExecOutcome::Ran { stdout, stderr, code, .. } => Some(HookFailure {
                handler,
                error: format!("command '{joined}' exited with {code}: {stderr}"),
                output: format!("{stdout}{stderr}"),
            }),
            ExecOutcome::NotFound(message) => {
                Some(HookFailure { handler, error: message, output: String::new() })
            }
        };
    }
    if let Some(http) = &hook.http_get {
        let path = http.path.as_deref().unwrap_or("/");
        let port = match container_port(container, &http.port) {
            Ok(port) => port,
            Err(error) => {
                let handler = format!("HTTP lifecycle hook ({path})");
                return Some(HookFailure { handler, error, output: String::new() });
            }
        };
        let handler = format!("HTTP lifecycle hook ({path})");
        return match instance.http_get(port, path, "kube-lifecycle/1.34", now) {
            Some(answer) if (200..400).contains(&answer.status) => None,
            Some(answer) => Some(HookFailure {
                handler,
                error: format!("HTTP lifecycle hook ({path}) failed with status {}", answer.status),
                output: answer.body,
            }),
            None => Some(HookFailure {
                handler,
                error: format!(
                    "Get \"http://:{port}{path}\": dial tcp :{port}: connect: connection refused"
                ),
                output: String::new(),
            }),
        };
    }
    None
}
