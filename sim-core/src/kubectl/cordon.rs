//! `kubectl cordon NODE` and `kubectl uncordon NODE`: mark a node unschedulable (or schedulable
//! again) through its `spec.unschedulable`; the node lifecycle controller adds or removes the
//! `node.kubernetes.io/unschedulable` taint, and `get nodes` shows `SchedulingDisabled`.

use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation};
use crate::api::ApiError;
use k8s_openapi::api::core::v1::Node;

const FLAGS: &[Flag] = &[
    Flag::value(
        "dry-run",
        None,
        "'none'",
        "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
    ),
    Flag::value("selector", Some('l'), "''", "Selector (label query) to filter on"),
];

pub const CORDON: CommandDef = CommandDef {
    long: "Mark node as unschedulable.",
    examples: "  # Mark node \"foo\" as unschedulable\n  kubectl cordon foo",
    usage: "kubectl cordon NODE [options]",
    flags: FLAGS,
    required: &[],
    subcommands: &[],
};

pub const UNCORDON: CommandDef = CommandDef {
    long: "Mark node as schedulable.",
    examples: "  # Mark node \"foo\" as schedulable\n  kubectl uncordon foo",
    usage: "kubectl uncordon NODE [options]",
    flags: FLAGS,
    required: &[],
    subcommands: &[],
};

pub fn cordon(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let node = node_argument(parsed, "cordon")?;
    set_unschedulable(inv, &node, true)?;
    Ok(0)
}

pub fn uncordon(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let node = node_argument(parsed, "uncordon")?;
    set_unschedulable(inv, &node, false)?;
    Ok(0)
}

/// The one node the command names.
pub(super) fn node_argument(parsed: &Parsed, command: &str) -> Result<String, CommandError> {
    if parsed.is_set("selector") {
        return Err(CommandError::Plain(format!(
            "kubelab does not simulate \"kubectl {command} --selector\" yet; name the node"
        )));
    }
    match parsed.args.as_slice() {
        [node] => Ok(node.clone()),
        [] => Err(CommandError::Usage(format!("USAGE: {command} NODE [flags]"))),
        _ => Err(CommandError::Plain(format!(
            "kubelab simulates \"kubectl {command}\" of one node at a time"
        ))),
    }
}

/// Cordons or uncordons a node, printing kubectl's `node/NAME cordoned` (or `already
/// cordoned`).
pub(super) fn set_unschedulable(
    inv: &mut Invocation<'_>,
    node: &str,
    unschedulable: bool,
) -> Result<(), CommandError> {
    let current = inv.sim.api().get::<Node>("", node).map_err(CommandError::Api)?;
    let is = current.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
    let verb = if unschedulable { "cordoned" } else { "uncordoned" };
    if is == unschedulable {
        inv.out.out(format!("node/{node} already {verb}\n"));
        return Ok(());
    }
    inv.sim
        .submit(|api| {
            api.update::<Node>("", node, |n| {
                // kubectl's patch drops the field when uncordoning.
                n.spec.get_or_insert_with(Default::default).unschedulable =
                    unschedulable.then_some(true);
            })
        })
        .map_err(|e: ApiError| CommandError::Api(e))?;
    inv.out.out(format!("node/{node} {verb}\n"));
    Ok(())
}
