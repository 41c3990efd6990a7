//! kubectl's describers for Jobs and CronJobs: counts, timing, the pod template, and (for a
//! CronJob) its schedule, policies and active Jobs.

use super::workloads::{label_selector, pod_template};
use super::{SKIPPED_ANNOTATIONS, Writer, text};
use crate::time::{SimTime, human_duration};
use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Value;

/// `time.RFC1123Z`, as kubectl prints a Job's times.
fn rfc1123z(time: &Time) -> String {
    time.0.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

fn header(w: &mut Writer, object: &Value) {
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.line(0, format!("Namespace:\t{}", text(object, "/metadata/namespace")));
}

pub(super) fn describe_job(w: &mut Writer, object: &Value) {
    let job: Job = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = job.spec.clone().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    header(w, object);
    let selector = spec.selector.as_ref().map_or_else(String::new, label_selector);
    w.line(0, format!("Selector:\t{selector}"));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    if let Some(owner) =
        job.metadata.owner_references.iter().flatten().find(|r| r.controller == Some(true))
    {
        w.line(0, format!("Controlled By:\t{}/{}", owner.kind, owner.name));
    }
    if let Some(parallelism) = spec.parallelism {
        w.line(0, format!("Parallelism:\t{parallelism}"));
    }
    match spec.completions {
        Some(completions) => w.line(0, format!("Completions:\t{completions}")),
        None => w.line(0, "Completions:\t<unset>"),
    }
    if let Some(mode) = &spec.completion_mode {
        w.line(0, format!("Completion Mode:\t{mode}"));
    }
    if let Some(suspend) = spec.suspend {
        w.line(0, format!("Suspend:\t{suspend}"));
    }
    if let Some(limit) = spec.backoff_limit {
        w.line(0, format!("Backoff Limit:\t{limit}"));
    }
    if let Some(ttl) = spec.ttl_seconds_after_finished {
        w.line(0, format!("TTL Seconds After Finished:\t{ttl}"));
    }
    if let Some(start) = &status.start_time {
        w.line(0, format!("Start Time:\t{}", rfc1123z(start)));
    }
    if let Some(end) = &status.completion_time {
        w.line(0, format!("Completed At:\t{}", rfc1123z(end)));
    }
    if let (Some(start), Some(end)) = (&status.start_time, &status.completion_time) {
        let took = SimTime::from_k8s(end).since(SimTime::from_k8s(start));
        w.line(0, format!("Duration:\t{}", human_duration(took)));
    }
    if let Some(seconds) = spec.active_deadline_seconds {
        w.line(0, format!("Active Deadline Seconds:\t{seconds}s"));
    }
    let (active, succeeded, failed) =
        (status.active.unwrap_or(0), status.succeeded.unwrap_or(0), status.failed.unwrap_or(0));
    match status.ready {
        Some(ready) => w.line(
            0,
            format!(
                "Pods Statuses:\t{active} Active ({ready} Ready) / {succeeded} Succeeded / {failed} Failed"
            ),
        ),
        None => w.line(
            0,
            format!("Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed"),
        ),
    }
    if spec.completion_mode.as_deref() == Some("Indexed") {
        let done = status.completed_indexes.clone().unwrap_or_default();
        w.line(0, format!("Completed Indexes:\t{}", cap_indexes(&done, 50)));
    }
    pod_template(w, &spec.template);
}

/// `capIndexesListOrNone`: the list up to the first comma past `soft_limit` characters.
fn cap_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".into();
    }
    match indexes.get(soft_limit..).and_then(|rest| rest.find(',')) {
        Some(at) => format!("{}...", &indexes[..soft_limit + at + 1]),
        None => indexes.to_string(),
    }
}

pub(super) fn describe_cronjob(w: &mut Writer, object: &Value) {
    let cronjob: CronJob = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = cronjob.spec.clone().unwrap_or_default();
    let status = cronjob.status.clone().unwrap_or_default();
    header(w, object);
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, format!("Schedule:\t{}", spec.schedule));
    w.line(
        0,
        format!("Concurrency Policy:\t{}", spec.concurrency_policy.clone().unwrap_or_default()),
    );
    let suspend = match spec.suspend {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    w.line(0, format!("Suspend:\t{suspend}"));
    let unset_or = |value: Option<String>| value.unwrap_or_else(|| "<unset>".into());
    let successful = unset_or(spec.successful_jobs_history_limit.map(|n| n.to_string()));
    w.line(0, format!("Successful Job History Limit:\t{successful}"));
    let failed = unset_or(spec.failed_jobs_history_limit.map(|n| n.to_string()));
    w.line(0, format!("Failed Job History Limit:\t{failed}"));
    let deadline = unset_or(spec.starting_deadline_seconds.map(|n| format!("{n}s")));
    w.line(0, format!("Starting Deadline Seconds:\t{deadline}"));
    describe_job_template(w, &spec.job_template.spec.clone().unwrap_or_default());
    let last = unset_or(status.last_schedule_time.as_ref().map(rfc1123z));
    w.line(0, format!("Last Schedule Time:\t{last}"));
    let active: Vec<String> =
        status.active.iter().flatten().filter_map(|r| r.name.clone()).collect();
    let active = if active.is_empty() { "<none>".to_string() } else { active.join(", ") };
    w.line(0, format!("Active Jobs:\t{active}"));
}

/// `describeJobTemplate`.
fn describe_job_template(w: &mut Writer, spec: &JobSpec) {
    let unset_or = |value: Option<i32>| value.map_or_else(|| "<unset>".into(), |n| n.to_string());
    let selector = spec.selector.as_ref().map_or_else(|| "<unset>".into(), label_selector);
    w.line(0, format!("Selector:\t{selector}"));
    w.line(0, format!("Parallelism:\t{}", unset_or(spec.parallelism)));
    w.line(0, format!("Completions:\t{}", unset_or(spec.completions)));
    if let Some(seconds) = spec.active_deadline_seconds {
        w.line(0, format!("Active Deadline Seconds:\t{seconds}s"));
    }
    pod_template(w, &spec.template);
}

#[cfg(test)]
mod tests {
    use super::cap_indexes;

    #[test]
    fn long_index_lists_are_cut_after_a_comma() {
        assert_eq!(cap_indexes("", 50), "<none>");
        assert_eq!(cap_indexes("1,3-5", 50), "1,3-5");
        assert_eq!(cap_indexes("1,3,5,7,9", 3), "1,3,...");
    }
}
