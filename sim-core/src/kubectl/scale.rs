//! `kubectl scale`: sets `spec.replicas` of deployments, replica sets, replication controllers
//! and stateful sets through their scale subresource, after checking `--current-replicas` and
//! `--resource-version` preconditions.

use super::flags::{Flag, Parsed};
use super::label::targets;
use super::{CommandDef, CommandError, CommandResult, DryRun, Invocation, manifest};
use serde_json::{Value, json};

pub const DEF: CommandDef = CommandDef {
    long: "Set a new size for a deployment, replica set, replication controller, or stateful set.\n\n Scale also allows users to specify one or more preconditions for the scale action.\n\n If --current-replicas or --resource-version is specified, it is validated before the scale is attempted, and it is guaranteed that the precondition holds true when the scale is sent to the server.",
    examples: "  # Scale a replica set named 'foo' to 3\n  kubectl scale --replicas=3 rs/foo\n\n  # Scale a resource identified by type and name specified in \"foo.yaml\" to 3\n  kubectl scale --replicas=3 -f foo.yaml\n\n  # If the deployment named mysql's current size is 2, scale mysql to 3\n  kubectl scale --current-replicas=2 --replicas=3 deployment/mysql\n\n  # Scale multiple replication controllers\n  kubectl scale --replicas=5 rc/example1 rc/example2 rc/example3\n\n  # Scale stateful set named 'web' to 3\n  kubectl scale --replicas=3 statefulset/web",
    usage: "kubectl scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME)",
    flags: &[
        Flag::bool(
            "all",
            None,
            "Select all resources in the namespace of the specified resource types",
        ),
        Flag::value(
            "current-replicas",
            None,
            "-1",
            "Precondition for current size. Requires that the current size of the resource match this value in order to scale. -1 (default) for no condition.",
        ),
        Flag::value(
            "dry-run",
            None,
            "none",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files identifying the resource to set a new size",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file).",
        ),
        Flag::value("replicas", None, "0", "The new desired number of replicas. Required."),
        Flag::value(
            "resource-version",
            None,
            "''",
            "Precondition for resource version. Requires that the current resource version match this value in order to scale.",
        ),
        Flag::value(
            "selector",
            Some('l'),
            "''",
            "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
        ),
        Flag::value(
            "timeout",
            None,
            "0s",
            "The length of time to wait before giving up on a scale operation, zero means don't wait. Any other values should contain a corresponding time unit (e.g. 1s, 2m, 3h).",
        ),
    ],
    required: &["replicas"],
    subcommands: &[],
};

/// The kinds with a scale subresource.
const SCALABLE: &[&str] = &["Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"];

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let replicas = super::create::parse_int(parsed, "replicas", 0)?;
    if replicas < 0 {
        return Err(CommandError::Plain(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0"
                .into(),
        ));
    }
    let current = super::create::parse_int(parsed, "current-replicas", -1)?;
    let version = parsed.value("resource-version").filter(|v| !v.is_empty());
    let dry_run = DryRun::from_flags(parsed)?;
    let args: Vec<&String> = parsed.args.iter().collect();
    let found = targets(parsed, inv, &args)?;
    if found.is_empty() {
        return Err(CommandError::Plain("no objects passed to scale".into()));
    }
    let mut status = 0;
    for (kind, namespace, name) in found {
        if !SCALABLE.contains(&kind.kind()) {
            inv.out.err_line(
                "Error from server (NotFound): the server could not find the requested resource",
            );
            status = 1;
            continue;
        }
        let mut object = match kind.get(inv.sim.api(), &namespace, &name) {
            Ok(object) => object,
            Err(error) => {
                inv.out.err_line(super::errors::describe(&error));
                status = 1;
                continue;
            }
        };
        let actual = object.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
        if current >= 0 && i64::from(current) != actual {
            return Err(CommandError::Plain(format!(
                "Expected replicas to be {current}, was {actual}"
            )));
        }
        let stored_version = object.pointer("/metadata/resourceVersion").and_then(Value::as_str);
        if let Some(version) = version
            && Some(version) != stored_version
        {
            return Err(CommandError::Plain(format!(
                "Expected resourceVersion to be {version}, was {}",
                stored_version.unwrap_or_default()
            )));
        }
        if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("replicas".into(), json!(replicas));
        }
        if dry_run == DryRun::None {
            let result = inv.sim.submit(|api| kind.update(api, object));
            if let Err(error) = result {
                return Err(CommandError::Api(error));
            }
        }
        let reference = manifest::reference(&*kind, &name);
        inv.out.out(format!("{reference} scaled{}\n", dry_run.suffix()));
    }
    Ok(status)
}
