//! The Job controller (`pkg/controller/job`): runs a Job's pods to completion. It keeps
//! `parallelism` pods running until `completions` have succeeded (each index once, for Indexed
//! Jobs), replaces failed pods after an exponential back-off (10 s, doubling, at most 10 min),
//! fails the Job past its `backoffLimit` or `activeDeadlineSeconds`, suspends and resumes it,
//! and writes its status and conditions (SuccessCriteriaMet then Complete, FailureTarget then
//! Failed) as Kubernetes v1.34 does.
//!
//! Kubernetes marks each pod with the `batch.kubernetes.io/job-tracking` finalizer so that no
//! finished pod goes uncounted; here the controller remembers which pods it has counted and
//! reads the last state of pods removed before it looked, to the same effect (the finalizer
//! itself is not shown on pods).

use super::job_indexes::{self as indexes, COMPLETION_INDEX, COMPLETION_INDEX_ENV};
use super::pod_control::{self, controller_ref, is_active, is_controlled_by, is_ready};
use crate::api::{ApiServer, EventSource, EventType};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, ObjectFieldSelector, Pod};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const COMPONENT: &str = "job-controller";
/// `syncJobBatchPeriod`: pod changes are looked at together, a second after the first.
const SYNC_BATCH: Duration = Duration::from_secs(1);
/// `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`.
const POD_FAILURE_BACKOFF: Duration = Duration::from_secs(10);
const MAX_POD_FAILURE_BACKOFF: Duration = Duration::from_secs(600);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JobController {
    seen_api_version: u64,
    /// What the controller keeps in memory about each Job, by the Job's uid.
    jobs: BTreeMap<String, Memory>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Memory {
    namespace: String,
    name: String,
    /// The generation last synced: a new spec is synced at once, pod changes in a batch.
    generation: i64,
    /// When the Job is next due for a sync.
    due: Option<SimTime>,
    /// Pods whose outcome is already in the status counters.
    counted: BTreeSet<String>,
    /// Pods removed before they were counted (their last state).
    removed: Vec<RemovedPod>,
    /// The back-off record: failed pods since the last success, and when the last one ended.
    failures_after_last_success: u32,
    last_failure: Option<SimTime>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct RemovedPod {
    uid: String,
    succeeded: bool,
    finished_at: SimTime,
    index: Option<i32>,
}

/// A finished pod not yet in the counters.
struct Finished {
    uid: String,
    succeeded: bool,
    finished_at: SimTime,
    index: Option<i32>,
}

/// Why a Job is finishing: the interim condition's type, reason and message.
#[derive(Clone)]
struct Finishing {
    success: bool,
    reason: String,
    message: String,
}

impl JobController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let due = self.jobs.values().any(|m| m.due.is_some_and(|at| at <= now));
        if !due && !api.kind_changed_since::<Job>(seen) && !api.kind_changed_since::<Pod>(seen) {
            self.seen_api_version = api.resource_version();
            return self.next_due();
        }
        self.observe(api, seen, now);
        // What this pass writes is seen on the next one, as the informers would report it.
        self.seen_api_version = api.resource_version();
        let uids: Vec<String> = self
            .jobs
            .iter()
            .filter(|(_, m)| m.due.is_some_and(|at| at <= now))
            .map(|(uid, _)| uid.clone())
            .collect();
        for uid in uids {
            let Some(memory) = self.jobs.get_mut(&uid) else { continue };
            memory.due = None;
            let job = api
                .get::<Job>(&memory.namespace, &memory.name)
                .ok()
                .filter(|j| j.metadata.uid.as_deref() == Some(uid.as_str()))
                .cloned();
            if let Some(job) = job {
                let next = sync_job(api, &job, memory, now);
                memory.due = earliest(memory.due, next);
            }
        }
        self.next_due()
    }

    fn next_due(&self) -> Option<SimTime> {
        self.jobs.values().filter_map(|m| m.due).min()
    }

    /// Turns what changed since `seen` into due syncs: a new spec at once, pod changes a batch
    /// period later (the informers' event handlers).
    fn observe(&mut self, api: &ApiServer, seen: u64, now: SimTime) {
        for job in api.changed_since::<Job>(seen) {
            let Some(uid) = job.metadata.uid.clone() else { continue };
            let memory = self.jobs.entry(uid).or_insert_with(|| Memory {
                namespace: job.metadata.namespace.clone().unwrap_or_default(),
                name: job.metadata.name.clone().unwrap_or_default(),
                ..Default::default()
            });
            let generation = job.metadata.generation.unwrap_or(0);
            if memory.generation != generation {
                memory.generation = generation;
                memory.due = Some(now);
            }
        }
        for job in api.deleted_since::<Job>(seen) {
            if let Some(uid) = &job.metadata.uid {
                self.jobs.remove(uid);
            }
        }
        for pod in api.changed_since::<Pod>(seen) {
            if let Some(memory) = owner_memory(&mut self.jobs, pod) {
                memory.due = earliest(memory.due, Some(now + SYNC_BATCH));
            }
        }
        for pod in api.deleted_since::<Pod>(seen) {
            let Some(memory) = owner_memory(&mut self.jobs, pod) else { continue };
            let uid = podutil::uid(pod).to_string();
            if !memory.counted.remove(&uid) && !memory.removed.iter().any(|r| r.uid == uid) {
                memory.removed.push(RemovedPod {
                    uid,
                    succeeded: podutil::phase(pod) == "Succeeded",
                    finished_at: finished_time(pod),
                    index: indexes::of_pod(pod),
                });
            }
            memory.due = earliest(memory.due, Some(now + SYNC_BATCH));
        }
    }
}

fn owner_memory<'a>(jobs: &'a mut BTreeMap<String, Memory>, pod: &Pod) -> Option<&'a mut Memory> {
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true) && r.kind == "Job")?;
    jobs.get_mut(&owner.uid)
}

fn earliest(a: Option<SimTime>, b: Option<SimTime>) -> Option<SimTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn condition_is_true(job: &Job, kind: &str) -> Option<JobCondition> {
    job.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == kind && c.status == "True")
        .cloned()
}

/// `IsJobFinished`: a Complete or Failed condition is True.
pub fn is_finished(job: &Job) -> bool {
    condition_is_true(job, "Complete").is_some() || condition_is_true(job, "Failed").is_some()
}

fn event(api: &mut ApiServer, job: &Job, kind: EventType, reason: &str, message: String) {
    let source = EventSource { component: COMPONENT, host: None };
    api.record_event(job, None, source, kind, reason, message);
}

/// One `syncJob`. Returns when the Job next needs a sync by itself (a back-off or a deadline).
fn sync_job(api: &mut ApiServer, job: &Job, memory: &mut Memory, now: SimTime) -> Option<SimTime> {
    if is_finished(job) {
        memory.failures_after_last_success = 0;
        memory.last_failure = None;
        return None;
    }
    let spec = job.spec.clone().unwrap_or_default();
    let mode = spec.completion_mode.as_deref().unwrap_or("NonIndexed");
    if mode != "NonIndexed" && mode != "Indexed" {
        let message = "Skipped Job sync because completion mode is unknown".to_string();
        event(api, job, EventType::Warning, "UnknownCompletionMode", message);
        return None;
    }
    let indexed = mode == "Indexed" && spec.completions.is_some();
    let completions = spec.completions;
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let namespace = job.metadata.namespace.clone().unwrap_or_default();
    let pods: Vec<Pod> = api
        .list::<Pod>(Some(&namespace))
        .filter(|p| is_controlled_by(&p.metadata, &uid))
        .cloned()
        .collect();
    let valid_index =
        |index: Option<i32>| !indexed || index.is_some_and(|i| i < completions.unwrap_or(0));
    let mut finished: Vec<Finished> = pods
        .iter()
        .filter(|p| !memory.counted.contains(podutil::uid(p)) && valid_index(indexes::of_pod(p)))
        .filter_map(|p| {
            let succeeded = podutil::phase(p) == "Succeeded";
            (succeeded || is_failed(p)).then(|| Finished {
                uid: podutil::uid(p).to_string(),
                succeeded,
                finished_at: finished_time(p),
                index: indexes::of_pod(p),
            })
        })
        .collect();
    finished.extend(memory.removed.drain(..).filter(|r| valid_index(r.index)).map(|r| Finished {
        uid: r.uid,
        succeeded: r.succeeded,
        finished_at: r.finished_at,
        index: r.index,
    }));
    let mut active: Vec<Pod> = pods.iter().filter(|p| is_active(p)).cloned().collect();
    let mut terminating = pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_some() && !podutil::is_terminal(p))
        .count() as i32;
    let mut ready = active.iter().filter(|p| is_ready(p)).count() as i32;

    let mut status = job.status.clone().unwrap_or_default();
    let suspended = spec.suspend == Some(true);
    if status.start_time.is_none() && !suspended {
        status.start_time = Some(now.to_k8s());
    }
    update_back_off(memory, &finished);

    let mut completed_indexes = if indexed {
        indexes::parse(
            status.completed_indexes.as_deref().unwrap_or_default(),
            completions.unwrap_or(0),
        )
    } else {
        BTreeSet::new()
    };
    let new_successes = finished.iter().filter(|f| f.succeeded).count() as i32;
    let new_failures = finished.iter().filter(|f| !f.succeeded).count() as i32;
    let mut succeeded = status.succeeded.unwrap_or(0) + new_successes;
    let failed = status.failed.unwrap_or(0) + new_failures;
    if indexed {
        let mut all = completed_indexes.clone();
        all.extend(finished.iter().filter(|f| f.succeeded).filter_map(|f| f.index));
        succeeded = all.len() as i32;
    }

    let mut wake = None;
    let mut finishing = if let Some(c) = condition_is_true(job, "SuccessCriteriaMet") {
        Some(Finishing {
            success: true,
            reason: c.reason.unwrap_or_default(),
            message: c.message.unwrap_or_default(),
        })
    } else {
        condition_is_true(job, "FailureTarget").map(|c| Finishing {
            success: false,
            reason: c.reason.unwrap_or_default(),
            message: c.message.unwrap_or_default(),
        })
    };
    let backoff_limit = spec.backoff_limit.unwrap_or(6);
    if finishing.is_none() {
        let start = status.start_time.as_ref().map(SimTime::from_k8s);
        let deadline = spec
            .active_deadline_seconds
            .zip(start)
            .filter(|_| !suspended)
            .map(|(seconds, start)| start + Duration::from_secs(seconds.max(0) as u64));
        if failed > backoff_limit || past_backoff_limit_on_failure(&spec, &pods) {
            finishing = Some(Finishing {
                success: false,
                reason: "BackoffLimitExceeded".into(),
                message: "Job has reached the specified backoff limit".into(),
            });
        } else if deadline.is_some_and(|at| now >= at) {
            finishing = Some(Finishing {
                success: false,
                reason: "DeadlineExceeded".into(),
                message: "Job was active longer than specified deadline".into(),
            });
        } else {
            wake = deadline;
        }
    }

    // Pods counted as failed because the Job is failing, though they never finished.
    let mut abandoned: Vec<String> = Vec::new();
    if let Some(finishing) = &finishing {
        for pod in &active {
            if pod_control::delete_pod(api, job, pod, COMPONENT) {
                terminating += 1;
                ready -= i32::from(is_ready(pod));
                if !finishing.success {
                    abandoned.push(podutil::uid(pod).to_string());
                }
            }
        }
        active.clear();
    } else {
        let taken: BTreeSet<i32> = completed_indexes
            .iter()
            .copied()
            .chain(finished.iter().filter(|f| f.succeeded).filter_map(|f| f.index))
            .collect();
        let context =
            Manage { succeeded, taken, terminating, backoff: remaining_back_off(memory, now) };
        let outcome = manage_job(api, job, &mut active, context, now);
        terminating += outcome.deleted;
        ready -= outcome.deleted_ready;
        wake = earliest(wake, outcome.retry_at);
        let complete = match completions {
            None => succeeded > 0 && active.is_empty(),
            Some(c) => succeeded >= c && active.is_empty(),
        };
        if complete {
            finishing = Some(Finishing {
                success: true,
                reason: "CompletionsReached".into(),
                message: "Reached expected number of succeeded pods".into(),
            });
        } else if suspended {
            if set_condition(&mut status, "Suspended", "True", "JobSuspended", "Job suspended", now)
            {
                event(api, job, EventType::Normal, "Suspended", "Job suspended".into());
            }
        } else if set_condition(&mut status, "Suspended", "False", "JobResumed", "Job resumed", now)
        {
            event(api, job, EventType::Normal, "Resumed", "Job resumed".into());
            // activeDeadlineSeconds counts from the resumption.
            status.start_time = Some(now.to_k8s());
        }
    }
    // Count the finished pods (with the abandoned ones, when failing).
    for f in &finished {
        memory.counted.insert(f.uid.clone());
        if let Some(index) = f.index.filter(|_| indexed && f.succeeded) {
            completed_indexes.insert(index);
        }
    }
    memory.counted.extend(abandoned.iter().cloned());
    if indexed {
        status.completed_indexes =
            Some(indexes::format(&completed_indexes)).filter(|s| !s.is_empty());
        status.succeeded = Some(completed_indexes.len() as i32).filter(|n| *n > 0);
    } else {
        status.succeeded = Some(succeeded).filter(|n| *n > 0);
    }
    status.failed = Some(failed + abandoned.len() as i32).filter(|n| *n > 0);
    status.active = Some(active.len() as i32).filter(|n| *n > 0);
    status.ready = Some(ready.max(0));
    status.terminating = Some(terminating);
    status.uncounted_terminated_pods = Some(UncountedTerminatedPods::default());

    let mut just_finished = None;
    if let Some(finishing) = &finishing {
        let interim = if finishing.success { "SuccessCriteriaMet" } else { "FailureTarget" };
        set_condition(&mut status, interim, "True", &finishing.reason, &finishing.message, now);
        // The terminal condition waits until no pod of the Job is still terminating.
        if terminating == 0 {
            let terminal = if finishing.success { "Complete" } else { "Failed" };
            set_condition(
                &mut status,
                terminal,
                "True",
                &finishing.reason,
                &finishing.message,
                now,
            );
            if finishing.success {
                status.completion_time = Some(now.to_k8s());
            }
            just_finished = Some(finishing.clone());
        }
    }
    let name = job.metadata.name.clone().unwrap_or_default();
    let _ = api.update::<Job>(&namespace, &name, |stored| stored.status = Some(status));
    match just_finished {
        Some(f) if f.success => {
            event(api, job, EventType::Normal, "Completed", "Job completed".into())
        }
        Some(f) => event(api, job, EventType::Warning, &f.reason, f.message),
        None => {}
    }
    // A finishing Job is looked at again when its pods change.
    if finishing.is_some() {
        return None;
    }
    wake
}

/// What `manageJob` needs to know besides the Job and its active pods.
struct Manage {
    succeeded: i32,
    /// Indexes done or being worked on (Indexed Jobs).
    taken: BTreeSet<i32>,
    terminating: i32,
    /// How long pod creation must still wait after failures.
    backoff: Duration,
}

struct Managed {
    deleted: i32,
    deleted_ready: i32,
    /// When creating pods was held back by the failure back-off.
    retry_at: Option<SimTime>,
}

/// `manageJob`: deletes pods beyond what the Job wants running (all of them when suspended)
/// or creates the missing ones, unless the failure back-off holds creation back.
fn manage_job(
    api: &mut ApiServer,
    job: &Job,
    active: &mut Vec<Pod>,
    context: Manage,
    now: SimTime,
) -> Managed {
    let spec = job.spec.clone().unwrap_or_default();
    let mut outcome = Managed { deleted: 0, deleted_ready: 0, retry_at: None };
    let parallelism = spec.parallelism.unwrap_or(1).max(0);
    let indexed = spec.completion_mode.as_deref() == Some("Indexed") && spec.completions.is_some();
    let want_active = if spec.suspend == Some(true) {
        0
    } else {
        match spec.completions {
            None if context.succeeded > 0 => active.len() as i32,
            None => parallelism,
            Some(c) => (c - context.succeeded).min(parallelism).max(0),
        }
    };
    let remove_at_least = (active.len() as i32 - want_active).max(0) as usize;
    let doomed =
        pods_for_removal(active, remove_at_least, indexed.then_some(spec.completions.unwrap_or(0)));
    if !doomed.is_empty() {
        for uid in doomed {
            let Some(at) = active.iter().position(|p| podutil::uid(p) == uid) else { continue };
            if pod_control::delete_pod(api, job, &active[at], COMPONENT) {
                outcome.deleted += 1;
                outcome.deleted_ready += i32::from(is_ready(&active[at]));
                active.remove(at);
            }
        }
        return outcome;
    }
    // With podReplacementPolicy Failed, a terminating pod is replaced only once it is gone.
    let waiting_for = if spec.pod_replacement_policy.as_deref() == Some("Failed") {
        context.terminating
    } else {
        0
    };
    let missing = want_active - waiting_for - active.len() as i32;
    if missing <= 0 {
        return outcome;
    }
    if !context.backoff.is_zero() {
        outcome.retry_at = Some(now + context.backoff.max(SYNC_BATCH));
        return outcome;
    }
    let name = job.metadata.name.clone().unwrap_or_default();
    let mut template = spec.template.clone();
    let new_indexes: Vec<Option<i32>> = if indexed {
        let mut taken = context.taken;
        taken.extend(active.iter().filter_map(indexes::of_pod));
        add_completion_index_env(&mut template);
        indexes::first_pending(&taken, missing as usize, spec.completions.unwrap_or(0))
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None; missing as usize]
    };
    for index in new_indexes {
        let mut template = template.clone();
        let generate_name = match index {
            Some(index) => {
                let metadata = template.metadata.get_or_insert_with(Default::default);
                let value = index.to_string();
                metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(COMPLETION_INDEX.into(), value.clone());
                metadata
                    .labels
                    .get_or_insert_with(Default::default)
                    .insert(COMPLETION_INDEX.into(), value);
                if let Some(pod_spec) = template.spec.as_mut() {
                    pod_spec.hostname = Some(format!("{name}-{index}"));
                }
                generate_name_with_index(&name, index)
            }
            None => format!("{name}-"),
        };
        let pod = pod_control::pod_from_template(&template, controller_ref(job), generate_name);
        if let Some(created) = pod_control::create_pod(api, job, pod, COMPONENT) {
            active.push(created);
        }
    }
    outcome
}

/// `podGenerateNameWithIndex`: `JOB-INDEX-`, the Job's name cut so the whole stays within the
/// 58 characters a generated name may start with.
fn generate_name_with_index(job: &str, index: i32) -> String {
    let suffix = format!("-{index}-");
    let prefix: String = job.chars().take(58usize.saturating_sub(suffix.len())).collect();
    format!("{prefix}{suffix}")
}

/// `addCompletionIndexEnvVariables`: every container learns its index from the pod's label.
fn add_completion_index_env(template: &mut k8s_openapi::api::core::v1::PodTemplateSpec) {
    let Some(spec) = template.spec.as_mut() else { return };
    let containers = spec.init_containers.iter_mut().flatten().chain(spec.containers.iter_mut());
    for container in containers {
        let env = container.env.get_or_insert_with(Vec::new);
        if env.iter().any(|e| e.name == COMPLETION_INDEX_ENV) {
            continue;
        }
        env.push(EnvVar {
            name: COMPLETION_INDEX_ENV.into(),
            value: None,
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    api_version: Some("v1".into()),
                    field_path: format!("metadata.labels['{COMPLETION_INDEX}']"),
                }),
                ..Default::default()
            }),
        });
    }
}

/// `activePodsForRemoval`: for Indexed Jobs, pods with an index out of range or a duplicate
/// index first; then the least advanced pods (`controller.ActivePods`). Returns pod uids.
fn pods_for_removal(active: &[Pod], at_least: usize, completions: Option<i32>) -> Vec<String> {
    let mut doomed: Vec<String> = Vec::new();
    let mut left: Vec<&Pod> = active.iter().collect();
    if let Some(completions) = completions {
        let mut by_index: BTreeMap<i32, Vec<&Pod>> = BTreeMap::new();
        let mut kept = Vec::new();
        for pod in left {
            match indexes::of_pod(pod).filter(|i| *i < completions) {
                Some(index) => by_index.entry(index).or_default().push(pod),
                None => doomed.push(podutil::uid(pod).to_string()),
            }
        }
        for (_, mut pods) in by_index {
            crate::sort::sort_by(&mut pods, |a, b| removal_order(a, b));
            let best = pods.pop();
            doomed.extend(pods.iter().map(|p| podutil::uid(p).to_string()));
            kept.extend(best);
        }
        left = kept;
    }
    if doomed.len() < at_least {
        crate::sort::sort_by(&mut left, |a, b| removal_order(a, b));
        let more = at_least - doomed.len();
        doomed.extend(left.iter().take(more).map(|p| podutil::uid(p).to_string()));
    }
    doomed
}

/// `controller.ActivePods`' order: the pod to give up first sorts first (unscheduled before
/// scheduled, Pending before Running, not ready before ready, ready for less time, more
/// restarts, newer).
fn removal_order(a: &Pod, b: &Pod) -> Ordering {
    let scheduled = |p: &Pod| podutil::node_name(p).is_some();
    let phase_rank = |p: &Pod| match podutil::phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };
    let ready_since = |p: &Pod| {
        p.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
            .and_then(|c| c.last_transition_time.as_ref())
            .map(SimTime::from_k8s)
    };
    let restarts = |p: &Pod| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .into_iter()
            .flatten()
            .map(|c| c.restart_count)
            .max()
            .unwrap_or(0)
    };
    let created = |p: &Pod| p.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s);
    scheduled(a)
        .cmp(&scheduled(b))
        .then(phase_rank(a).cmp(&phase_rank(b)))
        .then(is_ready(a).cmp(&is_ready(b)))
        .then_with(|| {
            if is_ready(a) && is_ready(b) {
                // Ready more recently (or never stamped) goes first.
                newer_first(ready_since(a), ready_since(b))
            } else {
                Ordering::Equal
            }
        })
        .then(restarts(b).cmp(&restarts(a)))
        .then_with(|| newer_first(created(a), created(b)))
}

/// `afterOrZero`: a missing time sorts first, then the later time.
fn newer_first(a: Option<SimTime>, b: Option<SimTime>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => b.cmp(&a),
    }
}

/// `isPodFailed` under the default podReplacementPolicy: Failed, or being deleted before it
/// succeeded (an orphan may never reach a phase).
fn is_failed(pod: &Pod) -> bool {
    podutil::phase(pod) == "Failed"
        || (pod.metadata.deletion_timestamp.is_some() && podutil::phase(pod) != "Succeeded")
}

/// `getFinishedTime`: when the last container ended, else when the pod stopped being ready,
/// else when it was deleted, else when it was created.
fn finished_time(pod: &Pod) -> SimTime {
    let status = pod.status.clone().unwrap_or_default();
    let containers = status.container_statuses.unwrap_or_default();
    let ended: Option<Vec<SimTime>> = containers
        .iter()
        .map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref().map(SimTime::from_k8s))
        .collect();
    if let Some(latest) = ended.and_then(|times| times.into_iter().max()) {
        return latest;
    }
    let not_ready =
        status.conditions.iter().flatten().find(|c| c.type_ == "Ready" && c.status == "False");
    if let Some(at) = not_ready.and_then(|c| c.last_transition_time.as_ref()) {
        return SimTime::from_k8s(at);
    }
    if let Some(deleted) = &pod.metadata.deletion_timestamp {
        let grace = pod.metadata.deletion_grace_period_seconds.unwrap_or(0).max(0) as u64;
        let at = SimTime::from_k8s(deleted).unix_ms().saturating_sub(grace * 1000);
        return SimTime::from_unix_ms(at);
    }
    pod.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s).unwrap_or_default()
}

/// `newBackoffRecord`: failures since the last success grow the back-off; a success resets it
/// (failures that ended after it still count).
fn update_back_off(memory: &mut Memory, finished: &[Finished]) {
    let last_success = finished.iter().filter(|f| f.succeeded).map(|f| f.finished_at).max();
    let mut failures: Vec<SimTime> =
        finished.iter().filter(|f| !f.succeeded).map(|f| f.finished_at).collect();
    crate::sort::sort(&mut failures);
    match last_success {
        None if failures.is_empty() => {}
        None => {
            memory.failures_after_last_success += failures.len() as u32;
            memory.last_failure = failures.last().copied();
        }
        Some(success) => {
            let after: Vec<SimTime> = failures.into_iter().filter(|t| *t > success).collect();
            memory.failures_after_last_success = after.len() as u32;
            memory.last_failure = after.last().copied();
        }
    }
}

fn remaining_back_off(memory: &Memory, now: SimTime) -> Duration {
    let Some(last) = memory.last_failure else { return Duration::ZERO };
    back_off_remaining(memory.failures_after_last_success, now.since(last))
}

/// `getRemainingTimeForFailuresCount`: 10 s after the first failure, doubling with each
/// further one up to 10 minutes, less the time already waited.
fn back_off_remaining(failures: u32, since_last_failure: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let mut delay = POD_FAILURE_BACKOFF;
    for _ in 1..failures {
        delay *= 2;
        if delay >= MAX_POD_FAILURE_BACKOFF {
            delay = MAX_POD_FAILURE_BACKOFF;
            break;
        }
    }
    delay.saturating_sub(since_last_failure)
}

/// `pastBackoffLimitOnFailure`: with restartPolicy OnFailure, container restarts of the Job's
/// running and pending pods count towards the backoff limit.
fn past_backoff_limit_on_failure(
    spec: &k8s_openapi::api::batch::v1::JobSpec,
    pods: &[Pod],
) -> bool {
    let policy = spec.template.spec.as_ref().and_then(|s| s.restart_policy.as_deref());
    if policy != Some("OnFailure") {
        return false;
    }
    let restarts: i32 = pods
        .iter()
        .filter(|p| matches!(podutil::phase(p), "Running" | "Pending"))
        .filter_map(|p| p.status.as_ref())
        .flat_map(|s| {
            s.init_container_statuses.iter().flatten().chain(s.container_statuses.iter().flatten())
        })
        .map(|c| c.restart_count)
        .sum();
    match spec.backoff_limit.unwrap_or(6) {
        0 => restarts > 0,
        limit => restarts >= limit,
    }
}

/// `ensureJobConditionStatus`: adds or updates a condition; a False one is never added.
/// Returns whether anything changed.
fn set_condition(
    status: &mut JobStatus,
    kind: &str,
    value: &str,
    reason: &str,
    message: &str,
    now: SimTime,
) -> bool {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let fresh = JobCondition {
        type_: kind.into(),
        status: value.into(),
        last_probe_time: Some(now.to_k8s()),
        last_transition_time: Some(now.to_k8s()),
        reason: Some(reason.to_string()).filter(|r| !r.is_empty()),
        message: Some(message.to_string()).filter(|m| !m.is_empty()),
    };
    let changed = match conditions.iter_mut().find(|c| c.type_ == kind) {
        Some(existing) => {
            let same = existing.status == fresh.status
                && existing.reason == fresh.reason
                && existing.message == fresh.message;
            if !same {
                *existing = fresh;
            }
            !same
        }
        None if value != "False" => {
            conditions.push(fresh);
            true
        }
        None => false,
    };
    if conditions.is_empty() {
        status.conditions = None;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn pod_failure_back_off_doubles_up_to_ten_minutes() {
        let cases = [
            ("no failure, no wait", 0, 0, 0),
            ("the first failure waits 10 s", 1, 0, 10),
            ("the second 20 s", 2, 0, 20),
            ("the third 40 s", 3, 0, 40),
            ("the sixth 320 s", 6, 0, 320),
            ("the seventh is capped at 600 s", 7, 0, 600),
            ("the twentieth stays capped", 20, 0, 600),
            ("time already waited counts", 2, 5, 15),
            ("a back-off fully waited is over", 1, 10, 0),
            ("waiting longer changes nothing", 1, 30, 0),
        ];
        for (name, failures, waited, want) in cases {
            assert_eq!(back_off_remaining(failures, s(waited)), s(want), "{name}");
        }
    }

    fn finished(succeeded: bool, at_secs: u64) -> Finished {
        Finished {
            uid: format!("{succeeded}-{at_secs}"),
            succeeded,
            finished_at: SimTime::from_unix_ms(at_secs * 1000),
            index: None,
        }
    }

    #[test]
    fn a_success_resets_the_back_off_but_later_failures_count() {
        let mut memory = Memory::default();
        update_back_off(&mut memory, &[finished(false, 10), finished(false, 20)]);
        assert_eq!(memory.failures_after_last_success, 2);
        assert_eq!(memory.last_failure, Some(SimTime::from_unix_ms(20_000)));
        update_back_off(
            &mut memory,
            &[finished(true, 30), finished(false, 25), finished(false, 40)],
        );
        assert_eq!(memory.failures_after_last_success, 1);
        assert_eq!(memory.last_failure, Some(SimTime::from_unix_ms(40_000)));
        update_back_off(&mut memory, &[finished(true, 50)]);
        assert_eq!((memory.failures_after_last_success, memory.last_failure), (0, None));
    }

    #[test]
    fn indexed_pod_names_keep_the_index_whole() {
        assert_eq!(generate_name_with_index("sample", 2), "sample-2-");
        let long = "j".repeat(70);
        let name = generate_name_with_index(&long, 12);
        assert_eq!(name.len(), 58);
        assert!(name.ends_with("j-12-"));
    }
}
