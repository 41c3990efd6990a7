//! `kubectl exec POD -- COMMAND`: runs a command in a running container through its kubelet and
//! prints its output; a non-zero exit is reported as kubectl reports it. `exec -it POD -- sh`
//! in the console opens a shell in the container ([`ExecSession`]) that takes the next lines.

use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation, target};
use crate::Simulation;
use crate::container::ExecOutcome;
use crate::podutil;
use crate::shell::Output;
use k8s_openapi::api::core::v1::Pod;

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
    let interactive_shell = parsed.bool("stdin")
        && command.len() == 1
        && SHELLS.contains(&command[0].rsplit('/').next().unwrap_or_default());
    let mut argv = command.clone();
    if parsed.bool("tty") && (inv.exec.is_none() || !interactive_shell) {
        inv.out.err_line("Unable to use a TTY - input is not a terminal or the right kind of file");
    }
    if interactive_shell && inv.exec.is_some() {
        // Check that the shell exists before the prompt appears.
        let probe = vec![command[0].clone(), "-c".to_string(), "true".to_string()];
        run_in_container(inv.sim, &pod, &container, &probe)?;
        let session = ExecSession {
            namespace: podutil::namespace(&pod).to_string(),
            pod: podutil::name(&pod).to_string(),
            container,
            program: command[0].clone(),
            cwd: "/".to_string(),
        };
        if let Some(slot) = inv.exec.as_deref_mut() {
            *slot = Some(session);
        }
        return Ok(0);
    }
    if interactive_shell && !inv.stdin.is_empty() {
        // `kubectl exec -i POD -- sh < script`: the shell reads the script.
        argv = vec![command[0].clone(), "-c".to_string(), inv.stdin.to_string()];
    }
    let (stdout, stderr, code) = run_in_container(inv.sim, &pod, &container, &argv)?;
    inv.out.out(stdout);
    if !stderr.is_empty() {
        inv.out.err(stderr);
    }
    if code != 0 {
        inv.out.err_line(format!("command terminated with exit code {code}"));
    }
    Ok(code)
}

/// The shells `exec -it` can open as an interactive session.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash"];

/// Runs `argv` in the container through its kubelet: stdout, stderr and the exit status.
fn run_in_container(
    sim: &mut Simulation,
    pod: &Pod,
    container: &str,
    argv: &[String],
) -> Result<(String, String, i32), CommandError> {
    let not_found = || {
        CommandError::Plain(format!(
            "unable to upgrade connection: container not found ({container:?})"
        ))
    };
    let node = podutil::node_name(pod).ok_or_else(not_found)?.to_string();
    match sim
        .exec(&node, pod, container, argv)
        .ok_or_else(not_found)?
        .map_err(|e| CommandError::Plain(e.0))?
    {
        ExecOutcome::Ran { stdout, stderr, code, .. } => Ok((stdout, stderr, code)),
        ExecOutcome::NotFound(message) => Err(CommandError::Plain(format!(
            "Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: {message}: unknown"
        ))),
    }
}

/// A shell open in a container (`kubectl exec -it POD -- sh`): each line typed runs in it, in
/// its working directory, until `exit`.
#[derive(Clone, Debug)]
pub struct ExecSession {
    namespace: String,
    pod: String,
    container: String,
    /// The shell as the command named it (`sh`, `/bin/bash`).
    program: String,
    cwd: String,
}

impl ExecSession {
    fn is_bash(&self) -> bool {
        self.program.ends_with("bash")
    }

    /// The shell's prompt as root: bash's `root@POD:/# `, busybox's `/ # `.
    pub fn prompt(&self) -> String {
        if self.is_bash() {
            format!("root@{}:{}# ", self.pod, self.cwd)
        } else {
            format!("{} # ", self.cwd)
        }
    }

    /// Runs one line; says whether the shell has ended.
    pub fn run(&mut self, sim: &mut Simulation, line: &str) -> (Output, bool) {
        let mut out = Output::default();
        let words: Vec<&str> = line.split_whitespace().collect();
        let Ok(pod) = sim.api().get::<Pod>(&self.namespace, &self.pod).cloned() else {
            out.err_line("command terminated with exit code 137");
            return (out, true);
        };
        match words.as_slice() {
            [] => return (out, false),
            ["exit"] => return (out, true),
            ["exit", code] => {
                let code: i32 = code.parse().unwrap_or(2);
                if code != 0 {
                    out.err_line(format!("command terminated with exit code {code}"));
                }
                return (out, true);
            }
            ["cd"] | ["cd", _] => {
                let target = words.get(1).copied().unwrap_or("/root");
                let path = crate::container::normalize_path(&self.cwd, target);
                let check = vec!["test".to_string(), "-d".to_string(), path.clone()];
                match run_in_container(sim, &pod, &self.container, &check) {
                    Ok((_, _, 0)) => self.cwd = path,
                    Ok(_) if self.is_bash() => {
                        out.err_line(format!("bash: cd: {target}: No such file or directory"))
                    }
                    Ok(_) => out.err_line(format!(
                        "sh: cd: can't cd to {target}: No such file or directory"
                    )),
                    Err(_) => return (out, true),
                }
                return (out, false);
            }
            _ => {}
        }
        let script = format!("cd {} 2>/dev/null; {line}", self.cwd);
        let argv = vec![self.program.clone(), "-c".to_string(), script];
        match run_in_container(sim, &pod, &self.container, &argv) {
            Ok((stdout, stderr, _)) => {
                out.out(stdout);
                if !stderr.is_empty() {
                    out.err(stderr);
                }
                (out, false)
            }
            Err(_) => {
                out.err_line("command terminated with exit code 137");
                (out, true)
            }
        }
    }
}
