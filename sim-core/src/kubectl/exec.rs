//! `kubectl exec POD -- COMMAND`: runs a command in a running container through its kubelet and
//! prints its output; a non-zero exit is reported as kubectl reports it.

use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation, target};
use crate::container::ExecOutcome;
use crate::podutil;

pub const DEF: CommandDef = CommandDef {
    long: "Execute a command in a container.",
    examples: "  # Get output from running the 'date' command from pod mypod, using the first container by default\n  kubectl exec mypod -- date\n\n  # Get output from running the 'date' command in ruby-container from pod mypod\n  kubectl exec mypod -c ruby-container -- date\n\n  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod\n  # and sends stdout/stderr from 'bash' back to the client\n  kubectl exec mypod -c ruby-container -i -t -- bash -il\n\n  # List contents of /usr from the first container of pod mypod and sort by modification time\n  # If the command you want to execute in the pod has any flags in common (e.g. -i),\n  # you must use two dashes (--) to separate your command's flags/arguments\n  # Also note, do not surround your command and its flags/arguments with quotes\n  # unless that is how you would execute it normally (i.e., do ls -t /usr, not \"ls -t /usr\")\n  kubectl exec mypod -i -t -- ls -t /usr\n\n  # Get output from running 'date' command from the first pod of the deployment mydeployment, using the first container by default\n  kubectl exec deploy/mydeployment -- date\n\n  # Get output from running 'date' command from the first pod of the service myservice, using the first container by default\n  kubectl exec svc/myservice -- date",
    usage: "kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]",
    flags: &[
        Flag::value(
            "container",
            Some('c'),
            "''",
            "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the\n\tcontainer to be attached or the first container in the pod will be chosen",
        ),
        Flag::bool("quiet", Some('q'), "Only print output from the remote session"),
        Flag::bool("stdin", Some('i'), "Pass stdin to the container"),
        Flag::bool("tty", Some('t'), "Stdin is a TTY"),
    ],
    required: &[],
    subcommands: &[],
};

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let command = &parsed.after_dash;
    let Some(name) = parsed.args.first() else {
        return Err(CommandError::Usage(
            "expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME and COMMAND are required arguments for the exec command".to_string(),
        ));
    };
    if parsed.args.len() > 1 {
        return Err(CommandError::Usage(
            "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead"
                .to_string(),
        ));
    }
    if command.is_empty() {
        return Err(CommandError::Usage(
            "you must specify at least one command for the container".to_string(),
        ));
    }
    let pod = target::pod(inv, name)?;
    let requested = parsed.value("container").filter(|c| !c.is_empty());
    let container = target::container(inv, &pod, requested)?;
    let phase = podutil::phase(&pod);
    if matches!(phase, "Succeeded" | "Failed") {
        return Err(CommandError::Plain(format!(
            "cannot exec into a container in a completed pod; current phase is {phase}"
        )));
    }
    let not_found = || {
        CommandError::Plain(format!(
            "unable to upgrade connection: container not found ({container:?})"
        ))
    };
    let node = podutil::node_name(&pod).ok_or_else(not_found)?.to_string();
    let now = inv.sim.now();
    let kubelet = inv.sim.kubelet_mut(&node).ok_or_else(not_found)?;
    let outcome =
        kubelet.exec(&pod, &container, command, now).map_err(|e| CommandError::Plain(e.0))?;
    match outcome {
        ExecOutcome::Ran { stdout, stderr, code } => {
            inv.out.out(stdout);
            if !stderr.is_empty() {
                inv.out.err(stderr);
            }
            if code != 0 {
                inv.out.err_line(format!("command terminated with exit code {code}"));
            }
            Ok(code)
        }
        ExecOutcome::NotFound(message) => Err(CommandError::Plain(format!(
            "Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: {message}: unknown"
        ))),
    }
}
