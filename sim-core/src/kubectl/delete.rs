//! `kubectl delete`: by manifest, by type and name, by label selector or `--all`; pods are given
//! their grace period and kubectl waits (in virtual time) until what it deleted is gone.

use super::flags::{Flag, Parsed};
use super::manifest::{self, kind_with_group};
use super::resources;
use super::{CommandDef, CommandError, CommandResult, DryRun, Invocation, errors};
use crate::api::KindRef;
use crate::api::kinds::DynamicKind;
use crate::api::selector::{self, Selector};
use crate::api::{ApiError, DeleteOptions, Deleted, Propagation};
use serde_json::Value;
use std::time::Duration;

pub const DEF: CommandDef = CommandDef {
    long: "Delete resources by file names, stdin, resources and names, or by resources and label selector.\n\n JSON and YAML formats are accepted. Only one type of argument may be specified: file names, resources and names, or resources and label selector.\n\n Some resources, such as pods, support graceful deletion. These resources define a default period before they are forcibly terminated (the grace period) but you may override that value with the --grace-period flag, or pass --now to set a grace-period of 1. Because these resources often represent entities in the cluster, deletion may not be acknowledged immediately. If the node hosting a pod is down or cannot reach the API server, termination may take significantly longer than the grace period. To force delete a resource, you must specify the --force flag.",
    examples: "  # Delete a pod using the type and name specified in pod.json\n  kubectl delete -f ./pod.json\n\n  # Delete pods and services with same names \"baz\" and \"foo\"\n  kubectl delete pod,service baz foo\n\n  # Delete pods and services with label name=myLabel\n  kubectl delete pods,services -l name=myLabel\n\n  # Delete a pod with minimal delay\n  kubectl delete pod foo --now\n\n  # Force delete a pod on a dead node\n  kubectl delete pod foo --force\n\n  # Delete all pods\n  kubectl delete pods --all",
    usage: "kubectl delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)]) [options]",
    flags: &[
        Flag::bool(
            "all",
            None,
            "Delete all resources, in the namespace of the specified resource types.",
        ),
        Flag::bool(
            "all-namespaces",
            Some('A'),
            "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even\n\tif specified with --namespace.",
        ),
        Flag::value(
            "cascade",
            None,
            "'background'",
            "Must be \"background\", \"orphan\", or \"foreground\". Selects the deletion cascading strategy for the dependents\n\t(e.g. Pods created by a ReplicationController). Defaults to background.",
        ),
        Flag::value(
            "dry-run",
            None,
            "'none'",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::value(
            "field-selector",
            None,
            "''",
            "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector\n\tkey1=value1,key2=value2). The server only supports a limited number of field queries per type.",
        ),
        Flag::values("filename", Some('f'), "containing the resource to delete."),
        Flag::bool(
            "force",
            None,
            "If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of\n\tsome resources may result in inconsistency or data loss and requires confirmation.",
        ),
        Flag::value(
            "grace-period",
            None,
            "-1",
            "Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for\n\timmediate shutdown. Can only be set to 0 when --force is true (force deletion).",
        ),
        Flag::bool(
            "ignore-not-found",
            None,
            "Treat \"resource not found\" as a successful delete. Defaults to \"true\" when --all is specified.",
        ),
        Flag::bool(
            "now",
            None,
            "If true, resources are signaled for immediate shutdown (same as --grace-period=1).",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output mode. Use \"-o name\" for shorter output (resource/name).",
        ),
        Flag::bool(
            "recursive",
            Some('R'),
            "Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests\n\torganized within the same directory.",
        ),
        Flag::value(
            "selector",
            Some('l'),
            "''",
            "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
        ),
        Flag::bool_on(
            "wait",
            None,
            "If true, wait for resources to be gone before returning. This waits for finalizers.",
        ),
    ],
    required: &[],
    subcommands: &[],
};

const NO_RESOURCES: &str = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// How long kubectl waits, at most, for deleted objects to go.
const WAIT_LIMIT: Duration = Duration::from_secs(600);

/// One object a command names (`delete` and `wait` read their targets alike).
pub(super) struct Victim {
    pub kind: KindRef,
    pub namespace: String,
    pub name: String,
}

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let dry_run = DryRun::from_flags(parsed)?;
    let force = parsed.bool("force");
    let mut grace: Option<i64> = match parsed.value("grace-period") {
        Some(text) => Some(text.parse().map_err(|_| {
            CommandError::Plain(format!("invalid argument \"{text}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{text}\": invalid syntax"))
        })?),
        None => None,
    }
    .filter(|g| *g >= 0);
    if parsed.bool("now") {
        if grace.is_some() {
            return Err(CommandError::Plain(
                "--now and --grace-period cannot be specified together".into(),
            ));
        }
        grace = Some(1);
    }
    match (force, grace) {
        (true, None) => grace = Some(0),
        // kubectl turns 0 into 1 without --force, so an accidental 0 does not skip termination.
        (false, Some(0)) => grace = Some(1),
        _ => {}
    }
    let propagation = match parsed.value("cascade").unwrap_or("background") {
        "background" | "true" | "foreground" => Propagation::Background,
        "orphan" | "false" => Propagation::Orphan,
        other => {
            return Err(CommandError::Plain(format!(
                "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
            )));
        }
    };
    let name_output = match parsed.value("output") {
        None | Some("") => false,
        Some("name") => true,
        Some(other) => {
            return Err(CommandError::Plain(format!(
                "unexpected -o output mode: {other}. We only support '-o name'"
            )));
        }
    };
    let victims = victims(parsed, inv)?;
    if victims.is_empty() {
        inv.out.err_line("No resources found");
        return Ok(0);
    }
    if force {
        inv.out.err_line("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
    }
    let options = DeleteOptions { grace_period_seconds: grace, propagation };
    let ignore_not_found = parsed.bool("ignore-not-found") || parsed.bool("all");
    let mut failed = false;
    let mut waiting: Vec<(KindRef, String, String, Value)> = Vec::new();
    for victim in victims {
        let Victim { kind, namespace, name } = victim;
        let result = match dry_run {
            DryRun::None => inv.sim.submit(|api| kind.delete(api, &namespace, &name, options)),
            DryRun::Server => kind.delete(&mut inv.sim.api().clone(), &namespace, &name, options),
            DryRun::Client => kind.get(inv.sim.api(), &namespace, &name).map(Deleted::Gone),
        };
        match result {
            Ok(deleted) => {
                let verb = if force { "force deleted" } else { "deleted" };
                if name_output {
                    inv.out.out(format!("{}\n", manifest::reference(&*kind, &name)));
                } else if kind.namespaced() {
                    inv.out.out(format!(
                        "{} \"{name}\" {verb} from {namespace} namespace{}\n",
                        kind_with_group(&*kind),
                        dry_run.suffix()
                    ));
                } else {
                    inv.out.out(format!(
                        "{} \"{name}\" {verb}{}\n",
                        kind_with_group(&*kind),
                        dry_run.suffix()
                    ));
                }
                if let Deleted::Terminating(object) = deleted {
                    let uid = object.pointer("/metadata/uid").cloned().unwrap_or(Value::Null);
                    waiting.push((kind, namespace, name, uid));
                }
            }
            Err(ApiError::NotFound { .. }) if ignore_not_found => {}
            Err(error) => {
                inv.out.err_line(errors::describe(&error));
                failed = true;
            }
        }
    }
    if parsed.bool_or("wait", true) && dry_run == DryRun::None && !waiting.is_empty() {
        let gone = |api: &crate::api::ApiServer| {
            waiting.iter().all(|(kind, namespace, name, uid)| {
                kind.get(api, namespace, name)
                    .map_or(true, |o| o.pointer("/metadata/uid") != Some(uid))
            })
        };
        if !inv.sim.advance_until(WAIT_LIMIT, gone) {
            inv.out.err_line("error: timed out waiting for the condition");
            failed = true;
        }
    }
    Ok(i32::from(failed))
}

/// What the command line names: manifests' objects, or TYPE NAME…, TYPE/NAME…, TYPE -l …, TYPE --all.
pub(super) fn victims(parsed: &Parsed, inv: &Invocation<'_>) -> Result<Vec<Victim>, CommandError> {
    let files = parsed.values("filename");
    let all_namespaces = parsed.bool("all-namespaces");
    if !files.is_empty() {
        if !parsed.args.is_empty() {
            return Err(CommandError::Plain(
                "Unexpected args: ".to_string() + &format!("{:?}", parsed.args),
            ));
        }
        let targets = manifest::targets(inv, files, parsed.bool("recursive"))?;
        return Ok(targets
            .into_iter()
            .map(|t| Victim { kind: t.kind, namespace: t.namespace, name: t.name })
            .collect());
    }
    let Some(first) = parsed.args.first() else {
        return Err(CommandError::Usage(NO_RESOURCES.to_string()));
    };
    let resolve = |typed: &str| resources::resolve(inv.sim.api(), typed);
    let scope = |kind: &dyn DynamicKind| {
        if kind.namespaced() { inv.namespace.clone() } else { String::new() }
    };
    if parsed.args.iter().any(|a| a.contains('/')) {
        let mut victims = Vec::new();
        for arg in &parsed.args {
            let Some((typed, name)) = arg.split_once('/') else {
                return Err(CommandError::Plain("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into()));
            };
            let kind = resolve(typed)?;
            victims.push(Victim { namespace: scope(&*kind), kind, name: name.to_string() });
        }
        return Ok(victims);
    }
    let kinds: Vec<KindRef> = first
        .split(',')
        .filter(|t| !t.is_empty())
        .flat_map(|t| if t == "all" { resources::ALL_CATEGORY.to_vec() } else { vec![t] })
        .map(resolve)
        .collect::<Result<_, _>>()?;
    let names = &parsed.args[1..];
    let label_selector = parsed.value("selector").filter(|s| !s.is_empty());
    let field_selector = parsed.value("field-selector").filter(|s| !s.is_empty());
    let everything = parsed.bool("all");
    if !names.is_empty() {
        if label_selector.is_some() || everything {
            return Err(CommandError::Plain(
                "name cannot be provided when a selector is specified".into(),
            ));
        }
        return Ok(kinds
            .iter()
            .flat_map(|kind| {
                names.iter().map(|name| Victim {
                    kind: kind.clone(),
                    namespace: scope(&**kind),
                    name: name.clone(),
                })
            })
            .collect());
    }
    if label_selector.is_none() && field_selector.is_none() && !everything {
        return Err(CommandError::Plain(
            "resource(s) were provided, but no name was specified".into(),
        ));
    }
    let labels =
        Selector::parse(label_selector.unwrap_or_default()).map_err(CommandError::Plain)?;
    let mut victims = Vec::new();
    for kind in kinds {
        let fields = selector::parse_fields(field_selector.unwrap_or_default(), kind.plural())
            .map_err(|e| CommandError::Api(ApiError::BadRequest(e)))?;
        let namespace = (!all_namespaces && kind.namespaced()).then(|| inv.namespace.clone());
        for object in kind.list(inv.sim.api(), namespace.as_deref()) {
            let object_labels = object
                .pointer("/metadata/labels")
                .and_then(|l| serde_json::from_value(l.clone()).ok());
            if labels.matches(object_labels.as_ref()) && selector::fields_match(&fields, &object) {
                let text = |p: &str| {
                    object.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string()
                };
                victims.push(Victim {
                    kind: kind.clone(),
                    namespace: text("/metadata/namespace"),
                    name: text("/metadata/name"),
                });
            }
        }
    }
    Ok(victims)
}
