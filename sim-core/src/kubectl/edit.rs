//! `kubectl edit`: needs an editor, which scripts and the console do not have; the error says
//! what to do instead.

use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation};

pub const DEF: CommandDef = CommandDef {
    long: "Edit a resource from the default editor.\n\n The edit command allows you to directly edit any API resource you can retrieve via the command-line tools. It will open the editor defined by your KUBE_EDITOR, or EDITOR environment variables, or fall back to 'vi' for Linux or 'notepad' for Windows.",
    examples: "  # Edit the service named 'registry'\n  kubectl edit svc/registry",
    usage: "kubectl edit (RESOURCE/NAME | -f FILENAME) [options]",
    flags: &[Flag::values(
        "filename",
        Some('f'),
        "Filename, directory, or URL to files to use to edit the resource",
    )],
    required: &[],
    subcommands: &[],
};

pub fn run(_parsed: &Parsed, _inv: &mut Invocation<'_>) -> CommandResult {
    Err(CommandError::Plain(
        "kubectl edit opens a text editor, and the lab shell has none. Change the object with kubectl patch, or save it with kubectl get TYPE NAME -o yaml > FILE, write the new version (cat <<EOF > FILE) and kubectl apply -f FILE.".into(),
    ))
}
