//! `kubectl replace -f`: replaces objects with the manifest's version (`PUT`); `--force`
//! deletes and recreates them.

use super::flags::{Flag, Parsed};
use super::manifest::{self, kind_with_group};
use super::{
    CommandDef, CommandError, CommandResult, DryRun, Invocation, OutputFormat, errors, print,
};
use crate::api::{ApiError, DeleteOptions};
use std::time::Duration;

pub const DEF: CommandDef = CommandDef {
    long: "Replace a resource by file name or stdin.\n\n JSON and YAML formats are accepted. If replacing an existing resource, the complete resource spec must be provided. This can be obtained by\n\n  $ kubectl get TYPE NAME -o yaml",
    examples: "  # Replace a pod using the data in pod.json\n  kubectl replace -f ./pod.json\n\n  # Force replace, delete and then re-create the resource\n  kubectl replace --force -f ./pod.json",
    usage: "kubectl replace -f FILENAME [options]",
    flags: &[
        Flag::value(
            "dry-run",
            None,
            "'none'",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "The files that contain the configurations to replace.",
        ),
        Flag::bool(
            "force",
            None,
            "If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of\n\tsome resources may result in inconsistency or data loss and requires confirmation.",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file).",
        ),
    ],
    required: &[],
    subcommands: &[],
};

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let files = parsed.values("filename");
    if files.is_empty() {
        return Err(CommandError::Usage("must specify --filename to replace".into()));
    }
    let dry_run = DryRun::from_flags(parsed)?;
    let format = OutputFormat::from_flags(parsed, false)?;
    let mut failed = false;
    for target in manifest::targets(inv, files, false)? {
        let kind = target.kind;
        if let Err(problem) = kind.decode(&target.object) {
            let error = errors::undecodable(kind.kind(), kind.api_version(), &problem);
            inv.out.err_line(errors::describe_for(&error, "replacing", &target.source));
            failed = true;
            continue;
        }
        let result = if parsed.bool("force") && dry_run == DryRun::None {
            // Delete, wait until it is gone, create again.
            let options = DeleteOptions { grace_period_seconds: Some(0), ..Default::default() };
            match inv.sim.submit(|api| kind.delete(api, &target.namespace, &target.name, options)) {
                Ok(_) | Err(ApiError::NotFound { .. }) => {}
                Err(error) => {
                    inv.out.err_line(errors::describe(&error));
                    failed = true;
                    continue;
                }
            }
            let suffix = if kind.namespaced() {
                format!(" from {} namespace", target.namespace)
            } else {
                String::new()
            };
            inv.out.out(format!(
                "{} \"{}\" deleted{suffix}\n",
                kind_with_group(&*kind),
                target.name
            ));
            let (namespace, name) = (target.namespace.clone(), target.name.clone());
            inv.sim.advance_until(Duration::from_secs(60), |api| {
                kind.get(api, &namespace, &name).is_err()
            });
            inv.sim.submit(|api| kind.create(api, target.object.clone()))
        } else {
            match dry_run {
                DryRun::Client => Ok(target.object.clone()),
                DryRun::Server => kind.update(&mut inv.sim.api().clone(), target.object.clone()),
                DryRun::None => inv.sim.submit(|api| kind.update(api, target.object.clone())),
            }
        };
        match result {
            Ok(object) => {
                print::result(inv.out, &format, &*kind, &target.name, &object, "replaced", dry_run)
            }
            Err(error) => {
                inv.out.err_line(errors::describe_for(&error, "replacing", &target.source));
                failed = true;
            }
        }
    }
    Ok(i32::from(failed))
}
