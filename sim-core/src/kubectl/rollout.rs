//! `kubectl rollout status|history|undo|pause|resume|restart` for deployments, daemon sets and
//! stateful sets. All of it is client-side, as in kubectl: a Deployment's revisions are its
//! ReplicaSets' `deployment.kubernetes.io/revision` annotations, a DaemonSet's or StatefulSet's
//! its ControllerRevisions; undo writes an old template back; status reads the objects' status
//! fields as kubectl's status viewers do, waiting in cluster time.

use super::describe::pod_template_text;
use super::flags::{Flag, Parsed};
use super::label::targets;
use super::print::tabwriter;
use super::{CommandDef, CommandError, CommandResult, Invocation, manifest};
use crate::api::{ApiServer, Kind, KindRef};
use crate::controllers::history;
use crate::controllers::pod_control::is_controlled_by;
use crate::time::parse_go_duration;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

const REVISION: &str = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const POD_TEMPLATE_HASH: &str = "pod-template-hash";
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// Annotations undo keeps from the Deployment instead of taking the ReplicaSet's.
const ANNOTATIONS_TO_SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];
/// How long `rollout status` without `--timeout` waits here: kubectl would wait forever, a
/// lab console cannot.
const STATUS_WAIT_LIMIT: Duration = Duration::from_secs(3600);

const FILENAME_USAGE: &str =
    "Filename, directory, or URL to files identifying the resource to get from a server.";
const SELECTOR_USAGE: &str = "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.";
const OUTPUT_USAGE: &str = "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file).";

pub const DEF: CommandDef = CommandDef {
    long: "Manage the rollout of one or many resources.\n\n Valid resource types include:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets",
    examples: "  # Rollback to the previous deployment\n  kubectl rollout undo deployment/abc\n\n  # Check the rollout status of a daemonset\n  kubectl rollout status daemonset/foo\n\n  # Restart a deployment\n  kubectl rollout restart deployment/abc\n\n  # Restart deployments with the 'app=nginx' label\n  kubectl rollout restart deployment --selector=app=nginx",
    usage: "kubectl rollout SUBCOMMAND [options]",
    flags: &[],
    required: &[],
    subcommands: &[
        ("history", &HISTORY, history),
        ("pause", &PAUSE, pause),
        ("restart", &RESTART, restart),
        ("resume", &RESUME, resume),
        ("status", &STATUS, status),
        ("undo", &UNDO, undo),
    ],
};

pub const HISTORY: CommandDef = CommandDef {
    long: "View previous rollout revisions and configurations.",
    examples: "  # View the rollout history of a deployment\n  kubectl rollout history deployment/abc\n\n  # View the details of daemonset revision 3\n  kubectl rollout history daemonset/abc --revision=3",
    usage: "kubectl rollout history (TYPE NAME | TYPE/NAME) [flags]",
    flags: &[
        Flag::values("filename", Some('f'), FILENAME_USAGE),
        Flag::value("output", Some('o'), "''", OUTPUT_USAGE),
        Flag::value(
            "revision",
            None,
            "0",
            "See the details, including podTemplate of the revision specified",
        ),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
    ],
    required: &[],
    subcommands: &[],
};

pub const PAUSE: CommandDef = CommandDef {
    long: "Mark the provided resource as paused.\n\n Paused resources will not be reconciled by a controller. Use \"kubectl rollout resume\" to resume a paused resource. Currently only deployments support being paused.",
    examples: "  # Mark the nginx deployment as paused\n  # Any current state of the deployment will continue its function; new updates\n  # to the deployment will not have an effect as long as the deployment is paused\n  kubectl rollout pause deployment/nginx",
    usage: "kubectl rollout pause RESOURCE",
    flags: &[
        Flag::values("filename", Some('f'), FILENAME_USAGE),
        Flag::value("output", Some('o'), "''", OUTPUT_USAGE),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
    ],
    required: &[],
    subcommands: &[],
};

pub const RESUME: CommandDef = CommandDef {
    long: "Resume a paused resource.\n\n Paused resources will not be reconciled by a controller. By resuming a resource, we allow it to be reconciled again. Currently only deployments support being resumed.",
    examples: "  # Resume an already paused deployment\n  kubectl rollout resume deployment/nginx",
    usage: "kubectl rollout resume RESOURCE",
    flags: &[
        Flag::values("filename", Some('f'), FILENAME_USAGE),
        Flag::value("output", Some('o'), "''", OUTPUT_USAGE),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
    ],
    required: &[],
    subcommands: &[],
};

pub const RESTART: CommandDef = CommandDef {
    long: "Restart a resource.\n\n        Resource rollout will be restarted.",
    examples: "  # Restart all deployments in the test-namespace namespace\n  kubectl rollout restart deployment -n test-namespace\n\n  # Restart a deployment\n  kubectl rollout restart deployment/nginx\n\n  # Restart a daemon set\n  kubectl rollout restart daemonset/abc\n\n  # Restart deployments with the app=nginx label\n  kubectl rollout restart deployment --selector=app=nginx",
    usage: "kubectl rollout restart RESOURCE",
    flags: &[
        Flag::values("filename", Some('f'), FILENAME_USAGE),
        Flag::value("output", Some('o'), "''", OUTPUT_USAGE),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
    ],
    required: &[],
    subcommands: &[],
};

pub const STATUS: CommandDef = CommandDef {
    long: "Show the status of the rollout.\n\n By default 'rollout status' will watch the status of the latest rollout until it's done. If you don't want to wait for the rollout to finish then you can use --watch=false. Note that if a new rollout starts in-between, then 'rollout status' will continue watching the latest revision. If you want to pin to a specific revision and abort if it is rolled over by another revision, use --revision=N where N is the revision you need to watch for.",
    examples: "  # Watch the rollout status of a deployment\n  kubectl rollout status deployment/nginx",
    usage: "kubectl rollout status (TYPE NAME | TYPE/NAME) [flags]",
    flags: &[
        Flag::values("filename", Some('f'), FILENAME_USAGE),
        Flag::value(
            "revision",
            None,
            "0",
            "Pin to a specific revision for showing its status. Defaults to 0 (last revision).",
        ),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
        Flag::value(
            "timeout",
            None,
            "0s",
            "The length of time to wait before ending watch, zero means never. Any other values should contain a corresponding time unit (e.g. 1s, 2m, 3h).",
        ),
        Flag::bool_on("watch", Some('w'), "Watch the status of the rollout until it's done."),
    ],
    required: &[],
    subcommands: &[],
};

pub const UNDO: CommandDef = CommandDef {
    long: "Roll back to a previous rollout.",
    examples: "  # Roll back to the previous deployment\n  kubectl rollout undo deployment/abc\n\n  # Roll back to daemonset revision 3\n  kubectl rollout undo daemonset/abc --to-revision=3\n\n  # Roll back to the previous deployment with dry-run\n  kubectl rollout undo --dry-run=server deployment/abc",
    usage: "kubectl rollout undo (TYPE NAME | TYPE/NAME) [flags]",
    flags: &[
        Flag::value(
            "dry-run",
            None,
            "none",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::values("filename", Some('f'), FILENAME_USAGE),
        Flag::value("output", Some('o'), "''", OUTPUT_USAGE),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
        Flag::value(
            "to-revision",
            None,
            "0",
            "The revision to rollback to. Default to 0 (last revision).",
        ),
    ],
    required: &[],
    subcommands: &[],
};

/// `kubectl rollout` alone prints its help.
pub fn run(_: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(super::help(&DEF));
    Ok(0)
}

/// The objects named on the command line; kubectl's error when none are.
fn resources(
    parsed: &Parsed,
    inv: &Invocation<'_>,
) -> Result<Vec<(KindRef, String, String)>, CommandError> {
    if parsed.args.is_empty() && parsed.values("filename").is_empty() {
        return Err(CommandError::Plain("required resource not specified".into()));
    }
    let args: Vec<&String> = parsed.args.iter().collect();
    targets(parsed, inv, &args)
}

fn parse_revision(parsed: &Parsed, flag: &str) -> Result<i64, CommandError> {
    match parsed.value(flag) {
        None => Ok(0),
        Some(text) => text.parse().map_err(|_| {
            CommandError::Plain(format!("invalid argument \"{text}\" for \"--{flag}\" flag: strconv.ParseInt: parsing \"{text}\": invalid syntax"))
        }),
    }
}

fn typed<K: Kind>(api: &ApiServer, namespace: &str, name: &str) -> Result<K, CommandError> {
    api.get::<K>(namespace, name).cloned().map_err(CommandError::Api)
}

/// `resource.group "name"`, as the per-object errors name it.
fn quoted(kind: &KindRef, name: &str) -> String {
    let resource = match kind.api_version().rsplit_once('/') {
        Some((group, _)) => format!("{}.{group}", kind.plural()),
        None => kind.plural().to_string(),
    };
    format!("{resource} \"{name}\"")
}

// ----- history -----

/// A Deployment's ReplicaSets, by revision.
fn deployment_history(api: &ApiServer, deployment: &Deployment) -> BTreeMap<i64, ReplicaSet> {
    let namespace = deployment.metadata.namespace.clone().unwrap_or_default();
    let uid = deployment.metadata.uid.clone().unwrap_or_default();
    api.list::<ReplicaSet>(Some(&namespace))
        .filter(|rs| is_controlled_by(&rs.metadata, &uid))
        .filter_map(|rs| {
            let revision = rs.metadata.annotations.as_ref()?.get(REVISION)?.parse().ok()?;
            Some((revision, rs.clone()))
        })
        .collect()
}

/// A DaemonSet's or StatefulSet's ControllerRevisions, by revision number.
fn revision_history(
    api: &ApiServer,
    namespace: &str,
    uid: &str,
) -> BTreeMap<i64, k8s_openapi::api::apps::v1::ControllerRevision> {
    history::owned(api, namespace, uid).into_iter().map(|r| (r.revision, r)).collect()
}

/// `REVISION  CHANGE-CAUSE` rows through kubectl's tabbed writer.
fn history_table(rows: &[(i64, String)]) -> String {
    let mut text = String::from("REVISION\tCHANGE-CAUSE\n");
    for (revision, cause) in rows {
        let cause = if cause.is_empty() { "<none>" } else { cause };
        let _ = writeln!(text, "{revision}\t{cause}");
    }
    tabwriter::format(&text, 0, 2)
}

fn history(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let revision = parse_revision(parsed, "revision")?;
    if revision < 0 {
        return Err(CommandError::Plain(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    for (kind, namespace, name) in resources(parsed, inv)? {
        let api = inv.sim.api();
        let info = match kind.kind() {
            "Deployment" => {
                let deployment: Deployment = typed(api, &namespace, &name)?;
                let history = deployment_history(api, &deployment);
                if revision > 0 {
                    let Some(rs) = history.get(&revision) else {
                        return Err(CommandError::Plain(
                            "unable to find the specified revision".into(),
                        ));
                    };
                    let mut template =
                        rs.spec.as_ref().and_then(|s| s.template.clone()).unwrap_or_default();
                    if let Some(cause) =
                        rs.metadata.annotations.as_ref().and_then(|a| a.get(CHANGE_CAUSE))
                    {
                        template
                            .metadata
                            .get_or_insert_with(Default::default)
                            .annotations
                            .get_or_insert_with(Default::default)
                            .insert(CHANGE_CAUSE.into(), cause.clone());
                    }
                    pod_template_text(&template)
                } else {
                    let rows: Vec<(i64, String)> = history
                        .iter()
                        .map(|(r, rs)| {
                            let cause =
                                rs.metadata.annotations.as_ref().and_then(|a| a.get(CHANGE_CAUSE));
                            (*r, cause.cloned().unwrap_or_default())
                        })
                        .collect();
                    history_table(&rows)
                }
            }
            "DaemonSet" | "StatefulSet" => {
                let object = kind.get(api, &namespace, &name).map_err(CommandError::Api)?;
                let uid =
                    object.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
                let history = revision_history(api, &namespace, uid);
                if revision > 0 {
                    let Some(found) = history.get(&revision) else {
                        return Err(CommandError::Plain(
                            "unable to find the specified revision".into(),
                        ));
                    };
                    pod_template_text(&history::template_of(found).unwrap_or_default())
                } else {
                    let rows: Vec<(i64, String)> = history
                        .iter()
                        .map(|(r, cr)| {
                            let cause =
                                cr.metadata.annotations.as_ref().and_then(|a| a.get(CHANGE_CAUSE));
                            (*r, cause.cloned().unwrap_or_default())
                        })
                        .collect();
                    history_table(&rows)
                }
            }
            other => {
                return Err(CommandError::Plain(format!(
                    "no history viewer has been implemented for {other:?}"
                )));
            }
        };
        let with_revision =
            if revision > 0 { format!("with revision #{revision}") } else { String::new() };
        let reference = manifest::reference(&*kind, &name);
        inv.out.out(format!("{reference} {with_revision}\n{info}\n"));
    }
    Ok(0)
}

// ----- undo -----

fn undo(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let to_revision = parse_revision(parsed, "to-revision")?;
    let dry_run = super::DryRun::from_flags(parsed)?;
    for (kind, namespace, name) in resources(parsed, inv)? {
        let reference = manifest::reference(&*kind, &name);
        let result = match kind.kind() {
            "Deployment" => undo_deployment(inv, &namespace, &name, to_revision, dry_run)?,
            "DaemonSet" => {
                undo_with_revisions::<DaemonSet>(inv, &namespace, &name, to_revision, dry_run)?
            }
            "StatefulSet" => {
                undo_with_revisions::<StatefulSet>(inv, &namespace, &name, to_revision, dry_run)?
            }
            other => {
                return Err(CommandError::Plain(format!(
                    "no rollbacker has been implemented for {other:?}"
                )));
            }
        };
        inv.out.out(format!("{reference} {result}{}\n", dry_run.suffix()));
    }
    Ok(0)
}

fn without_hash(template: &PodTemplateSpec) -> PodTemplateSpec {
    let mut template = template.clone();
    if let Some(meta) = template.metadata.as_mut() {
        if let Some(labels) = meta.labels.as_mut() {
            labels.remove(POD_TEMPLATE_HASH);
        }
        if meta.labels.as_ref().is_some_and(BTreeMap::is_empty) {
            meta.labels = None;
        }
    }
    template
}

/// `DeploymentRollbacker.Rollback`.
fn undo_deployment(
    inv: &mut Invocation<'_>,
    namespace: &str,
    name: &str,
    to_revision: i64,
    dry_run: super::DryRun,
) -> Result<String, CommandError> {
    let mut deployment: Deployment = typed(inv.sim.api(), namespace, name)?;
    if deployment.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        return Err(CommandError::Plain(format!(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/{name}' and try again"
        )));
    }
    let history = deployment_history(inv.sim.api(), &deployment);
    let revision = if to_revision == 0 {
        if history.len() <= 1 {
            return Err(CommandError::Plain(format!(
                "no rollout history found for deployment {name:?}"
            )));
        }
        *history.keys().rev().nth(1).unwrap_or(&0)
    } else {
        to_revision
    };
    let Some(rs) = history.get(&revision) else {
        return Err(CommandError::Plain(format!(
            "unable to find specified revision {revision} in history"
        )));
    };
    let template =
        without_hash(&rs.spec.as_ref().and_then(|s| s.template.clone()).unwrap_or_default());
    let spec = deployment.spec.get_or_insert_with(Default::default);
    if without_hash(&spec.template) == template {
        return Ok(format!(
            "skipped rollback (current template already matches revision {revision})"
        ));
    }
    spec.template = template;
    let mut annotations: BTreeMap<String, String> = deployment
        .metadata
        .annotations
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| ANNOTATIONS_TO_SKIP.contains(&k.as_str()))
        .collect();
    for (key, value) in rs.metadata.annotations.iter().flatten() {
        if !ANNOTATIONS_TO_SKIP.contains(&key.as_str()) {
            annotations.insert(key.clone(), value.clone());
        }
    }
    deployment.metadata.annotations = Some(annotations);
    if dry_run == super::DryRun::None {
        inv.sim.submit(|api| api.replace(deployment)).map_err(CommandError::Api)?;
    }
    Ok("rolled back".to_string())
}

/// What DaemonSets and StatefulSets share for undo and restart: a pod template in the spec.
trait TemplateOwner: Kind {
    fn template_mut(&mut self) -> &mut PodTemplateSpec;
}

impl TemplateOwner for DaemonSet {
    fn template_mut(&mut self) -> &mut PodTemplateSpec {
        &mut self.spec.get_or_insert_with(Default::default).template
    }
}

impl TemplateOwner for StatefulSet {
    fn template_mut(&mut self) -> &mut PodTemplateSpec {
        &mut self.spec.get_or_insert_with(Default::default).template
    }
}

impl TemplateOwner for Deployment {
    fn template_mut(&mut self) -> &mut PodTemplateSpec {
        &mut self.spec.get_or_insert_with(Default::default).template
    }
}

/// `DaemonSetRollbacker` / `StatefulSetRollbacker`: applies an older ControllerRevision's
/// template.
fn undo_with_revisions<K: TemplateOwner>(
    inv: &mut Invocation<'_>,
    namespace: &str,
    name: &str,
    to_revision: i64,
    dry_run: super::DryRun,
) -> Result<String, CommandError> {
    let mut object: K = typed(inv.sim.api(), namespace, name)?;
    let uid = object.meta().uid.clone().unwrap_or_default();
    let history = revision_history(inv.sim.api(), namespace, &uid);
    let target = if to_revision == 0 {
        if history.len() <= 1 {
            return Err(CommandError::Plain("no last revision to roll back to".into()));
        }
        history.values().rev().nth(1)
    } else {
        history.get(&to_revision)
    };
    let Some(target) = target else {
        return Err(CommandError::Plain(format!(
            "unable to find specified revision {to_revision} in history"
        )));
    };
    let template = history::template_of(target).unwrap_or_default();
    if *object.template_mut() == template {
        return Ok(format!(
            "skipped rollback (current template already matches revision {})",
            target.revision
        ));
    }
    *object.template_mut() = template;
    if dry_run == super::DryRun::None {
        inv.sim.submit(|api| api.replace(object)).map_err(CommandError::Api)?;
    }
    Ok("rolled back".to_string())
}

// ----- pause, resume, restart -----

fn set_paused(parsed: &Parsed, inv: &mut Invocation<'_>, paused: bool) -> CommandResult {
    let mut failed = false;
    for (kind, namespace, name) in resources(parsed, inv)? {
        let reference = manifest::reference(&*kind, &name);
        if kind.kind() != "Deployment" {
            let verb = if paused { "pausing" } else { "resuming" };
            inv.out.err_line(format!("error: {} {verb} is not supported", quoted(&kind, &name)));
            failed = true;
            continue;
        }
        let mut deployment: Deployment = typed(inv.sim.api(), &namespace, &name)?;
        let spec = deployment.spec.get_or_insert_with(Default::default);
        if spec.paused.unwrap_or(false) == paused {
            let state = if paused { "is already paused" } else { "is not paused" };
            inv.out.err_line(format!("error: {} {state}", quoted(&kind, &name)));
            failed = true;
            continue;
        }
        spec.paused = paused.then_some(true);
        inv.sim.submit(|api| api.replace(deployment)).map_err(CommandError::Api)?;
        inv.out.out(format!("{reference} {}\n", if paused { "paused" } else { "resumed" }));
    }
    Ok(i32::from(failed))
}

fn pause(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    set_paused(parsed, inv, true)
}

fn resume(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    set_paused(parsed, inv, false)
}

/// Stamps the template with `kubectl.kubernetes.io/restartedAt`, which rolls every pod.
fn stamp<K: TemplateOwner>(
    inv: &mut Invocation<'_>,
    namespace: &str,
    name: &str,
) -> Result<(), CommandError> {
    let mut object: K = typed(inv.sim.api(), namespace, name)?;
    let now = inv.sim.now().to_k8s().0.to_string();
    let now = now.split('.').next().unwrap_or_default().trim_end_matches('Z').to_string() + "Z";
    object
        .template_mut()
        .metadata
        .get_or_insert_with(Default::default)
        .annotations
        .get_or_insert_with(Default::default)
        .insert(RESTARTED_AT.into(), now);
    inv.sim.submit(|api| api.replace(object)).map_err(CommandError::Api)?;
    Ok(())
}

fn restart(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let mut failed = false;
    for (kind, namespace, name) in resources(parsed, inv)? {
        let reference = manifest::reference(&*kind, &name);
        match kind.kind() {
            "Deployment" => {
                let deployment: Deployment = typed(inv.sim.api(), &namespace, &name)?;
                if deployment.spec.as_ref().and_then(|s| s.paused) == Some(true) {
                    inv.out.err_line(format!(
                        "error: {} can't restart paused deployment (run rollout resume first)",
                        quoted(&kind, &name)
                    ));
                    failed = true;
                    continue;
                }
                stamp::<Deployment>(inv, &namespace, &name)?;
            }
            "DaemonSet" => stamp::<DaemonSet>(inv, &namespace, &name)?,
            "StatefulSet" => stamp::<StatefulSet>(inv, &namespace, &name)?,
            _ => {
                inv.out.err_line(format!(
                    "error: {} restarting is not supported",
                    quoted(&kind, &name)
                ));
                failed = true;
                continue;
            }
        }
        inv.out.out(format!("{reference} restarted\n"));
    }
    Ok(i32::from(failed))
}

// ----- status -----

/// One status viewer answer: the line to print and whether the rollout is done.
type Viewed = Result<(String, bool), CommandError>;

/// `DeploymentStatusViewer.Status`.
fn deployment_status(object: &Value, revision: i64) -> Viewed {
    let name = text(object, "/metadata/name");
    if revision > 0 {
        let running = object
            .pointer(&format!("/metadata/annotations/{}", REVISION.replace('/', "~1")))
            .and_then(Value::as_str)
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(0);
        if running != revision {
            return Err(CommandError::Plain(format!(
                "desired revision ({revision}) is different from the running revision ({running})"
            )));
        }
    }
    if number(object, "/metadata/generation") > number(object, "/status/observedGeneration") {
        return Ok(("Waiting for deployment spec update to be observed...\n".into(), false));
    }
    let deadline_exceeded =
        object.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().any(
            |c| {
                text(c, "/type") == "Progressing"
                    && text(c, "/reason") == "ProgressDeadlineExceeded"
            },
        );
    if deadline_exceeded {
        return Err(CommandError::Plain(format!(
            "deployment {name:?} exceeded its progress deadline"
        )));
    }
    let replicas = object.pointer("/spec/replicas").and_then(Value::as_i64);
    let updated = number(object, "/status/updatedReplicas");
    let total = number(object, "/status/replicas");
    let available = number(object, "/status/availableReplicas");
    if let Some(replicas) = replicas
        && updated < replicas
    {
        return Ok((
            format!(
                "Waiting for deployment {name:?} rollout to finish: {updated} out of {replicas} new replicas have been updated...\n"
            ),
            false,
        ));
    }
    if total > updated {
        return Ok((
            format!(
                "Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...\n",
                total - updated
            ),
            false,
        ));
    }
    if available < updated {
        return Ok((
            format!(
                "Waiting for deployment {name:?} rollout to finish: {available} of {updated} updated replicas are available...\n"
            ),
            false,
        ));
    }
    Ok((format!("deployment {name:?} successfully rolled out\n"), true))
}

/// `DaemonSetStatusViewer.Status`.
fn daemonset_status(object: &Value) -> Viewed {
    let name = text(object, "/metadata/name");
    if text(object, "/spec/updateStrategy/type") != "RollingUpdate" {
        return Err(CommandError::Plain(
            "rollout status is only available for RollingUpdate strategy type".into(),
        ));
    }
    if number(object, "/metadata/generation") > number(object, "/status/observedGeneration") {
        return Ok(("Waiting for daemon set spec update to be observed...\n".into(), false));
    }
    let desired = number(object, "/status/desiredNumberScheduled");
    let updated = number(object, "/status/updatedNumberScheduled");
    let available = number(object, "/status/numberAvailable");
    if updated < desired {
        return Ok((
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated...\n"
            ),
            false,
        ));
    }
    if available < desired {
        return Ok((
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available...\n"
            ),
            false,
        ));
    }
    Ok((format!("daemon set {name:?} successfully rolled out\n"), true))
}

/// `StatefulSetStatusViewer.Status`.
fn statefulset_status(object: &Value) -> Viewed {
    if text(object, "/spec/updateStrategy/type") != "RollingUpdate" {
        return Err(CommandError::Plain(
            "rollout status is only available for RollingUpdate strategy type".into(),
        ));
    }
    let observed = number(object, "/status/observedGeneration");
    if observed == 0 || number(object, "/metadata/generation") > observed {
        return Ok(("Waiting for statefulset spec update to be observed...\n".into(), false));
    }
    let replicas = object.pointer("/spec/replicas").and_then(Value::as_i64);
    let ready = number(object, "/status/readyReplicas");
    if let Some(replicas) = replicas
        && ready < replicas
    {
        return Ok((format!("Waiting for {} pods to be ready...\n", replicas - ready), false));
    }
    let updated = number(object, "/status/updatedReplicas");
    let partition =
        object.pointer("/spec/updateStrategy/rollingUpdate/partition").and_then(Value::as_i64);
    if let (Some(replicas), Some(partition)) = (replicas, partition.filter(|p| *p > 0)) {
        if updated < replicas - partition {
            return Ok((
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                    replicas - partition
                ),
                false,
            ));
        }
        return Ok((
            format!("partitioned roll out complete: {updated} new pods have been updated...\n"),
            true,
        ));
    }
    let update_revision = text(object, "/status/updateRevision");
    if update_revision != text(object, "/status/currentRevision") {
        return Ok((
            format!(
                "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}...\n"
            ),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {}...\n",
            number(object, "/status/currentReplicas"),
            text(object, "/status/currentRevision")
        ),
        true,
    ))
}

fn text(object: &Value, pointer: &str) -> String {
    object.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn number(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn resource_version(object: &Value) -> String {
    text(object, "/metadata/resourceVersion")
}

fn status(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let revision = parse_revision(parsed, "revision")?;
    let timeout = match parsed.value("timeout") {
        None => Duration::ZERO,
        Some(text) => parse_go_duration(text).map_err(|e| {
            CommandError::Plain(format!("invalid argument {text:?} for \"--timeout\" flag: {e}"))
        })?,
    };
    let watch = parsed.bool_or("watch", true);
    let found = resources(parsed, inv)?;
    let [(kind, namespace, name)] = found.as_slice() else {
        return Err(CommandError::Plain(
            "rollout status is only supported on individual resources and resource collections"
                .into(),
        ));
    };
    let view = |object: &Value| -> Viewed {
        match kind.kind() {
            "Deployment" => deployment_status(object, revision),
            "DaemonSet" => daemonset_status(object),
            "StatefulSet" => statefulset_status(object),
            other => Err(CommandError::Plain(format!(
                "no status viewer has been implemented for {other}"
            ))),
        }
    };
    if revision > 0 && kind.kind() != "Deployment" {
        return Err(CommandError::Plain("revision is not supported".into()));
    }
    let limit = if timeout.is_zero() { STATUS_WAIT_LIMIT } else { timeout };
    let deadline = inv.sim.now() + limit;
    let mut object = kind.get(inv.sim.api(), namespace, name).map_err(CommandError::Api)?;
    loop {
        let (line, done) = view(&object)?;
        inv.out.out(line);
        if done || !watch {
            return Ok(0);
        }
        // Wait for the next change to the object, as the watch reports it.
        let seen = resource_version(&object);
        let remaining =
            Duration::from_millis(deadline.unix_ms().saturating_sub(inv.sim.now().unix_ms()));
        let changed = inv.sim.advance_until(remaining, |api| {
            kind.get(api, namespace, name).map_or(true, |o| resource_version(&o) != seen)
        });
        if !changed {
            return Err(CommandError::Plain("timed out waiting for the condition".into()));
        }
        object = kind
            .get(inv.sim.api(), namespace, name)
            .map_err(|_| CommandError::Plain("object has been deleted".to_string()))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_status_reads_like_kubectl() {
        let base = |status: Value| json!({"metadata": {"name": "nginx-deployment", "generation": 2}, "spec": {"replicas": 3}, "status": status});
        let cases = [
            (
                "a spec not yet observed",
                json!({"observedGeneration": 1}),
                "Waiting for deployment spec update to be observed...\n",
            ),
            (
                "new replicas still being created",
                json!({"observedGeneration": 2, "updatedReplicas": 1, "replicas": 3}),
                "Waiting for deployment \"nginx-deployment\" rollout to finish: 1 out of 3 new replicas have been updated...\n",
            ),
            (
                "old replicas terminating",
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 4}),
                "Waiting for deployment \"nginx-deployment\" rollout to finish: 1 old replicas are pending termination...\n",
            ),
            (
                "updated replicas becoming available",
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 1}),
                "Waiting for deployment \"nginx-deployment\" rollout to finish: 1 of 3 updated replicas are available...\n",
            ),
            (
                "done",
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3}),
                "deployment \"nginx-deployment\" successfully rolled out\n",
            ),
        ];
        for (name, status, want) in cases {
            let (line, _) = deployment_status(&base(status), 0).ok().expect(name);
            assert_eq!(line, want, "{name}");
        }
    }

    #[test]
    fn a_deployment_past_its_deadline_is_an_error() {
        let object = json!({
            "metadata": {"name": "x", "generation": 1},
            "status": {"observedGeneration": 1, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}
        });
        match deployment_status(&object, 0) {
            Err(CommandError::Plain(message)) => {
                assert_eq!(message, "deployment \"x\" exceeded its progress deadline")
            }
            _ => panic!("expected an error"),
        }
    }

    #[test]
    fn history_tables_pad_like_kubectl() {
        let table = history_table(&[(1, String::new()), (2, "kubectl set image".into())]);
        assert_eq!(
            table,
            "REVISION  CHANGE-CAUSE\n1         <none>\n2         kubectl set image\n"
        );
    }
}
