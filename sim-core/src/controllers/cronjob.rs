//! The CronJob controller (`cronjob_controllerv2.go`): at each time its schedule names (in its
//! `timeZone`), a CronJob creates a Job `NAME-<minutes since the epoch>` from its template,
//! within `startingDeadlineSeconds`, as `concurrencyPolicy` allows (Allow, Forbid, Replace);
//! it tracks its active Jobs, keeps `successfulJobsHistoryLimit` / `failedJobsHistoryLimit`
//! finished ones, and wakes exactly at the next scheduled minute.

use super::job::is_finished;
use super::pod_control::controller_ref;
use crate::api::{ApiError, ApiServer, DeleteOptions, EventSource, EventType};
use crate::cron::{self, Schedule};
use crate::time::SimTime;
use k8s_openapi::api::batch::v1::{CronJob, CronJobStatus, Job};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const COMPONENT: &str = "cronjob-controller";
/// The annotation naming the time a Job was scheduled for (`CronJobsScheduledAnnotation`).
const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// More missed start times than this are reported as a warning, not listed.
const MANY_MISSED: i64 = 100;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CronJobController {
    seen_api_version: u64,
    /// When each CronJob (by `namespace/name`, as the work queue keys it) next needs a sync.
    due: BTreeMap<String, SimTime>,
}

impl CronJobController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let due_now = self.due.values().any(|at| *at <= now);
        if !due_now
            && !api.kind_changed_since::<CronJob>(seen)
            && !api.kind_changed_since::<Job>(seen)
        {
            self.seen_api_version = api.resource_version();
            return self.due.values().min().copied();
        }
        for cronjob in api.changed_since::<CronJob>(seen) {
            self.due.insert(key(&cronjob.metadata, &cronjob.metadata.name), now);
        }
        for cronjob in api.deleted_since::<CronJob>(seen) {
            self.due.remove(&key(&cronjob.metadata, &cronjob.metadata.name));
        }
        let mut changed_jobs = BTreeSet::new();
        for job in api.changed_since::<Job>(seen).chain(api.deleted_since::<Job>(seen)) {
            changed_jobs.insert(job.metadata.uid.clone().unwrap_or_default());
            if let Some(owner) = owner_name(&job.metadata)
                && api.get::<CronJob>(namespace(&job.metadata), &owner).is_ok()
            {
                self.due.insert(key(&job.metadata, &Some(owner)), now);
            }
        }
        // What this pass writes is seen on the next one.
        self.seen_api_version = api.resource_version();
        let keys: Vec<String> =
            self.due.iter().filter(|(_, at)| **at <= now).map(|(k, _)| k.clone()).collect();
        for key in keys {
            self.due.remove(&key);
            let (namespace, name) = key.split_once('/').unwrap_or_default();
            let Ok(cronjob) = api.get::<CronJob>(namespace, name).cloned() else { continue };
            if let Some(at) = sync(api, &cronjob, &changed_jobs, now) {
                self.due.insert(key, at);
            }
        }
        self.due.values().min().copied()
    }
}

fn namespace(meta: &ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or_default()
}

fn key(meta: &ObjectMeta, name: &Option<String>) -> String {
    format!("{}/{}", namespace(meta), name.as_deref().unwrap_or_default())
}

/// The name of the CronJob controlling this object, if one does.
fn owner_name(meta: &ObjectMeta) -> Option<String> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true) && r.kind == "CronJob")
        .map(|r| r.name.clone())
}

fn event(api: &mut ApiServer, cronjob: &CronJob, kind: EventType, reason: &str, message: String) {
    let source = EventSource { component: COMPONENT, host: None };
    api.record_event(cronjob, None, source, kind, reason, message);
}

/// The type of a finished Job's finishing condition: `Complete` or `Failed`.
fn finished_as(job: &Job) -> Option<String> {
    job.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
        .map(|c| c.type_.clone())
}

/// One sync of a CronJob (`sync`: clean up, then `syncCronJob`). Returns when it next needs a
/// sync by itself.
fn sync(
    api: &mut ApiServer,
    cronjob: &CronJob,
    changed_jobs: &BTreeSet<String>,
    now: SimTime,
) -> Option<SimTime> {
    let ns = namespace(&cronjob.metadata).to_string();
    let name = cronjob.metadata.name.clone().unwrap_or_default();
    let spec = cronjob.spec.clone().unwrap_or_default();
    let jobs: Vec<Job> = api
        .list::<Job>(Some(&ns))
        .filter(|j| owner_name(&j.metadata).as_deref() == Some(name.as_str()))
        .cloned()
        .collect();
    let mut status = cronjob.status.clone().unwrap_or_default();
    clean_up_finished_jobs(api, cronjob, &mut status, &jobs);
    let next = sync_cronjob(api, cronjob, &mut status, &jobs, changed_jobs, now);
    if status.active.as_ref().is_some_and(Vec::is_empty) {
        status.active = None;
    }
    let _ = api.update::<CronJob>(&ns, &name, |stored| stored.status = Some(status));
    // A suspended CronJob is looked at again when it is changed.
    next.filter(|_| spec.suspend != Some(true))
}

/// `cleanupFinishedJobs`: keeps the newest finished Jobs within the history limits.
fn clean_up_finished_jobs(
    api: &mut ApiServer,
    cronjob: &CronJob,
    status: &mut CronJobStatus,
    jobs: &[Job],
) {
    let spec = cronjob.spec.clone().unwrap_or_default();
    for (outcome, limit) in [
        ("Complete", spec.successful_jobs_history_limit),
        ("Failed", spec.failed_jobs_history_limit),
    ] {
        let Some(limit) = limit else { continue };
        let mut finished: Vec<&Job> =
            jobs.iter().filter(|j| finished_as(j).as_deref() == Some(outcome)).collect();
        let excess = finished.len().saturating_sub(limit.max(0) as usize);
        // Oldest first: by start time (Jobs never started last), then by name.
        crate::sort::sort_by_key(&mut finished, |j| {
            let start =
                j.status.as_ref().and_then(|s| s.start_time.as_ref()).map(SimTime::from_k8s);
            (start.is_none(), start, j.metadata.name.clone())
        });
        for job in finished.into_iter().take(excess) {
            delete_job(api, cronjob, status, job);
        }
    }
}

/// `deleteJob`: the Job goes (its pods in the background) and leaves the active list.
fn delete_job(
    api: &mut ApiServer,
    cronjob: &CronJob,
    status: &mut CronJobStatus,
    job: &Job,
) -> bool {
    let name = job.metadata.name.clone().unwrap_or_default();
    match api.delete::<Job>(namespace(&job.metadata), &name, DeleteOptions::default()) {
        Ok(_) => {
            remove_active(status, job.metadata.uid.as_deref().unwrap_or_default());
            event(
                api,
                cronjob,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted job {name}"),
            );
            true
        }
        Err(error) => {
            event(
                api,
                cronjob,
                EventType::Warning,
                "FailedDelete",
                format!("Deleted job: {error}"),
            );
            false
        }
    }
}

fn remove_active(status: &mut CronJobStatus, uid: &str) {
    if let Some(active) = status.active.as_mut() {
        active.retain(|r| r.uid.as_deref() != Some(uid));
    }
}

fn in_active(status: &CronJobStatus, uid: &str) -> bool {
    status.active.iter().flatten().any(|r| r.uid.as_deref() == Some(uid))
}

/// `syncCronJob`: accounts for the Jobs it made, then starts the most recent unmet scheduled
/// run if the deadline and the concurrency policy allow. Returns when to look again.
fn sync_cronjob(
    api: &mut ApiServer,
    cronjob: &CronJob,
    status: &mut CronJobStatus,
    jobs: &[Job],
    changed_jobs: &BTreeSet<String>,
    now: SimTime,
) -> Option<SimTime> {
    let spec = cronjob.spec.clone().unwrap_or_default();
    for job in jobs {
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let name = job.metadata.name.clone().unwrap_or_default();
        let found = in_active(status, &uid);
        if !found && !is_finished(job) {
            if changed_jobs.contains(&uid) {
                let message =
                    format!("Saw a job that the controller did not create or forgot: {name}");
                event(api, cronjob, EventType::Warning, "UnexpectedJob", message);
            }
        } else if let Some(outcome) = finished_as(job) {
            if found {
                remove_active(status, &uid);
                let message = format!("Saw completed job: {name}, condition: {outcome}");
                event(api, cronjob, EventType::Normal, "SawCompletedJob", message);
            }
            let completed = job.status.as_ref().and_then(|s| s.completion_time.clone());
            if outcome == "Complete"
                && let Some(completed) = completed
            {
                let later = status.last_successful_time.as_ref().is_none_or(|t| completed.0 > t.0);
                if later {
                    status.last_successful_time = Some(completed);
                }
            }
        }
    }
    let present: BTreeSet<&str> = jobs.iter().filter_map(|j| j.metadata.uid.as_deref()).collect();
    let missing: Vec<ObjectReference> = status
        .active
        .iter()
        .flatten()
        .filter(|r| !present.contains(r.uid.as_deref().unwrap_or_default()))
        .cloned()
        .collect();
    for reference in missing {
        let message =
            format!("Active job went missing: {}", reference.name.clone().unwrap_or_default());
        event(api, cronjob, EventType::Normal, "MissingJob", message);
        remove_active(status, reference.uid.as_deref().unwrap_or_default());
    }
    if cronjob.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let zone = spec.time_zone.clone();
    if let Some(zone) = &zone
        && let Err(error) = cron::time_zone(zone)
    {
        let message = format!("invalid timeZone: {zone:?}: {error}");
        event(api, cronjob, EventType::Warning, "UnknownTimeZone", message);
        return None;
    }
    if spec.suspend == Some(true) {
        return None;
    }
    let text = match &zone {
        Some(zone) if !spec.schedule.contains("TZ") => format!("TZ={zone} {}", spec.schedule),
        _ => spec.schedule.clone(),
    };
    let schedule = match cron::parse(&text) {
        Ok(schedule) => schedule,
        Err(error) => {
            let message = format!("unparseable schedule: {:?} : {error}", spec.schedule);
            event(api, cronjob, EventType::Warning, "UnparseableSchedule", message);
            return None;
        }
    };
    let recent = most_recent_schedule_time(cronjob, status, now, &schedule, true);
    let scheduled = match recent {
        Err(error) => {
            let message = format!("invalid schedule: {} : {error}", spec.schedule);
            event(api, cronjob, EventType::Warning, "InvalidSchedule", message);
            return None;
        }
        Ok(recent) => {
            if recent.missed > MANY_MISSED && recent.most_recent.is_some() {
                let message = "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew".to_string();
                event(api, cronjob, EventType::Warning, "TooManyMissedTimes", message);
            }
            recent.most_recent
        }
    };
    let requeue = |status: &CronJobStatus| next_schedule_time(cronjob, status, now, &schedule);
    let Some(scheduled) = scheduled else { return requeue(status) };
    let too_late = spec
        .starting_deadline_seconds
        .is_some_and(|seconds| scheduled + Duration::from_secs(seconds.max(0) as u64) < now);
    if too_late {
        let when = scheduled.to_k8s().0.strftime("%a, %d %b %Y %H:%M:%S +0000");
        let message = format!("Missed scheduled time to start a job: {when}");
        event(api, cronjob, EventType::Warning, "MissSchedule", message);
        return requeue(status);
    }
    let cronjob_name = cronjob.metadata.name.clone().unwrap_or_default();
    let job_name = format!("{cronjob_name}-{}", scheduled.unix_ms() / 60_000);
    let already =
        status.active.iter().flatten().any(|r| r.name.as_deref() == Some(job_name.as_str()))
            || status.last_schedule_time.as_ref().map(SimTime::from_k8s) == Some(scheduled);
    if already {
        return requeue(status);
    }
    let policy = spec.concurrency_policy.as_deref().unwrap_or("Allow");
    if policy == "Forbid" && status.active.as_ref().is_some_and(|a| !a.is_empty()) {
        let message =
            "Not starting job because prior execution is running and concurrency policy is Forbid"
                .to_string();
        event(api, cronjob, EventType::Normal, "JobAlreadyActive", message);
        return requeue(status);
    }
    if policy == "Replace" {
        for reference in status.active.clone().unwrap_or_default() {
            let name = reference.name.clone().unwrap_or_default();
            let namespace = reference.namespace.clone().unwrap_or_default();
            match api.get::<Job>(&namespace, &name).cloned() {
                Ok(job) => {
                    if !delete_job(api, cronjob, status, &job) {
                        return None;
                    }
                }
                Err(error) => {
                    event(
                        api,
                        cronjob,
                        EventType::Warning,
                        "FailedGet",
                        format!("Get job: {error}"),
                    );
                    return None;
                }
            }
        }
    }
    let request = job_from_template(cronjob, &job_name, scheduled, zone.as_deref());
    let created = match api.create(request) {
        Ok(job) => {
            let message = format!("Created job {job_name}");
            event(api, cronjob, EventType::Normal, "SuccessfulCreate", message);
            job
        }
        Err(ApiError::AlreadyExists { .. }) => {
            // Made on an earlier pass whose status was lost: adopt it if it is ours.
            let Ok(job) = api.get::<Job>(namespace(&cronjob.metadata), &job_name).cloned() else {
                return None;
            };
            let ours = owner_name(&job.metadata).as_deref() == Some(cronjob_name.as_str());
            if !ours || in_active(status, job.metadata.uid.as_deref().unwrap_or_default()) {
                return None;
            }
            job
        }
        Err(error) => {
            let message = format!("Error creating job: {error}");
            event(api, cronjob, EventType::Warning, "FailedCreate", message);
            return None;
        }
    };
    status.active.get_or_insert_with(Vec::new).push(ObjectReference {
        api_version: Some("batch/v1".into()),
        kind: Some("Job".into()),
        name: created.metadata.name.clone(),
        namespace: created.metadata.namespace.clone(),
        uid: created.metadata.uid.clone(),
        resource_version: created.metadata.resource_version.clone(),
        field_path: None,
    });
    status.last_schedule_time = Some(scheduled.to_k8s());
    requeue(status)
}

/// `getJobFromTemplate2`: the template's labels, annotations (and the scheduled time) and spec,
/// named after the scheduled minute, controlled by the CronJob.
fn job_from_template(cronjob: &CronJob, name: &str, scheduled: SimTime, zone: Option<&str>) -> Job {
    let spec = cronjob.spec.clone().unwrap_or_default();
    let template = spec.job_template;
    let metadata = template.metadata.unwrap_or_default();
    let mut annotations = metadata.annotations.unwrap_or_default();
    annotations.insert(SCHEDULED_TIMESTAMP.into(), rfc3339_in(scheduled, zone));
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: cronjob.metadata.namespace.clone(),
            labels: metadata.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![controller_ref(cronjob)]),
            ..Default::default()
        },
        spec: template.spec,
        status: None,
    }
}

/// Go's RFC 3339 in the CronJob's zone: `2026-01-05T09:01:00Z`, `2026-01-05T18:01:00+09:00`.
fn rfc3339_in(time: SimTime, zone: Option<&str>) -> String {
    let zone =
        zone.and_then(|z| cron::time_zone(z).ok()).unwrap_or(k8s_openapi::jiff::tz::TimeZone::UTC);
    let zoned = time.to_k8s().0.to_zoned(zone);
    if zoned.offset().seconds() == 0 {
        zoned.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// What `mostRecentScheduleTime` finds.
struct Recent {
    /// The last schedule time, or the CronJob's creation.
    earliest: SimTime,
    /// The latest scheduled time not after now, if one passed since `earliest`.
    most_recent: Option<SimTime>,
    /// Roughly how many scheduled times passed (0: none).
    missed: i64,
}

/// `mostRecentScheduleTime`: the latest time the schedule named since the last run (or the
/// creation, or the starting deadline if later), counting roughly how many were missed.
fn most_recent_schedule_time(
    cronjob: &CronJob,
    status: &CronJobStatus,
    now: SimTime,
    schedule: &Schedule,
    with_deadline: bool,
) -> Result<Recent, String> {
    let created =
        cronjob.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s).unwrap_or_default();
    let mut earliest = status.last_schedule_time.as_ref().map_or(created, SimTime::from_k8s);
    let deadline =
        cronjob.spec.as_ref().and_then(|s| s.starting_deadline_seconds).filter(|_| with_deadline);
    if let Some(seconds) = deadline {
        let limit =
            SimTime::from_unix_ms(now.unix_ms().saturating_sub(seconds.max(0) as u64 * 1000));
        earliest = earliest.max(limit);
    }
    let none = Recent { earliest, most_recent: None, missed: 0 };
    let t1 = schedule.next(earliest);
    if t1.is_some_and(|t1| now < t1) {
        return Ok(none);
    }
    let t2 = t1.and_then(|t1| schedule.next(t1));
    if let (Some(t1), Some(t2)) = (t1, t2)
        && now < t2
    {
        return Ok(Recent { most_recent: Some(t1), ..none });
    }
    let (Some(t1), Some(t2)) = (t1, t2) else {
        return Err("time difference between two schedules is less than 1 second".into());
    };
    let between_s = (t2.unix_ms() as i64 - t1.unix_ms() as i64 + 500) / 1000;
    if between_s < 1 {
        return Err("time difference between two schedules is less than 1 second".into());
    }
    let elapsed_s = now.since(t1).as_secs() as i64;
    let missed = elapsed_s / between_s + 1;
    let back_ms = (missed - 2) * between_s * 1000;
    let potential = SimTime::from_unix_ms((t1.unix_ms() as i64 + back_ms).max(0) as u64);
    let mut most_recent = None;
    let mut t = schedule.next(potential);
    while let Some(at) = t.filter(|at| *at <= now) {
        most_recent = Some(at);
        t = schedule.next(at);
    }
    Ok(Recent { earliest, most_recent, missed })
}

/// `nextScheduleTimeDuration`: the next scheduled time after the most recent one (or after the
/// last run, or now when runs were missed).
fn next_schedule_time(
    cronjob: &CronJob,
    status: &CronJobStatus,
    now: SimTime,
    schedule: &Schedule,
) -> Option<SimTime> {
    let from = match most_recent_schedule_time(cronjob, status, now, schedule, false) {
        Err(_) => now,
        Ok(Recent { most_recent: Some(at), .. }) => at,
        Ok(Recent { missed: 0, earliest, .. }) => earliest,
        Ok(_) => now,
    };
    schedule.next(from)
}
