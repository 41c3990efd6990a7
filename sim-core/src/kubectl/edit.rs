//! `kubectl edit`: the object's YAML opens in the page's YAML editor; saving it there updates
//! the object as kubectl does, or reopens it with the server's complaints on top. Scripts have
//! no editor: there the command says what to do instead.

use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation, errors, manifest, print};
use crate::Simulation;
use crate::api::decode;
use crate::shell::Output;
use serde_json::Value;

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

/// kubectl's instructions at the top of the file it opens.
const INSTRUCTIONS: &str = "# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n";

const NO_EDITOR: &str = "kubectl edit opens the page's YAML editor, and a script has none. Change the object with kubectl patch, or save it with kubectl get TYPE NAME -o yaml > FILE, write the new version (cat <<EOF > FILE) and kubectl apply -f FILE.";

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    if inv.edit.is_none() {
        return Err(CommandError::Plain(NO_EDITOR.into()));
    }
    let (kind, namespace, name) = super::patch::target(parsed, inv)?;
    let object = kind.get(inv.sim.api(), &namespace, &name).map_err(CommandError::Api)?;
    let session = EditSession {
        api_version: kind.api_version().to_string(),
        kind: kind.kind().to_string(),
        namespace,
        name,
        text: format!("{INSTRUCTIONS}{}", print::to_yaml(&object)),
        original: object,
        failed: false,
    };
    if let Some(slot) = inv.edit.as_deref_mut() {
        *slot = Some(session);
    }
    Ok(0)
}

/// An object open in the editor.
#[derive(Clone, Debug)]
pub struct EditSession {
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
    original: Value,
    /// What the editor shows: the instructions, any errors, then the YAML.
    text: String,
    /// A save was refused: cancelling now loses changes.
    failed: bool,
}

/// What saving the editor's text did.
#[derive(Debug)]
pub enum Saved {
    /// The edit is over: what kubectl printed.
    Done(Output),
    /// The server refused it: the editor shows the text again with the reasons on top.
    Reopened,
}

impl EditSession {
    /// The text the editor shows.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Saves `text` as the object's new state.
    pub fn save(&mut self, sim: &mut Simulation, text: &str) -> Saved {
        let mut output = Output::default();
        let content: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .map(|line| format!("{line}\n"))
            .collect();
        if content.trim().is_empty() {
            output.err_line("Edit cancelled, no changes made.");
            return Saved::Done(output);
        }
        let edited = match decode::documents(&content) {
            Ok(documents) if documents.len() == 1 => documents[0].clone(),
            Ok(_) => return self.reopen(text, &["the edited file must hold one object".into()]),
            Err(error) => {
                let problem = format!("error converting YAML to JSON: {error}");
                return self.reopen(text, &[problem]);
            }
        };
        if edited == self.original {
            output.err_line("Edit cancelled, no changes made.");
            return Saved::Done(output);
        }
        let identity = |o: &Value, p: &str| o.pointer(p).cloned().unwrap_or(Value::Null);
        if ["/apiVersion", "/kind", "/metadata/name"]
            .iter()
            .any(|p| identity(&edited, p) != identity(&self.original, p))
        {
            let problem = "At least one of apiVersion, kind and name was changed".to_string();
            return self.reopen(text, &[problem]);
        }
        let Some(kind) = sim.api().kind_for(&self.api_version, &self.kind) else {
            output.err_line(format!(
                "error: the server doesn't have a resource type \"{}\"",
                self.kind
            ));
            return Saved::Done(output);
        };
        let mut object = match kind.decode(&edited) {
            Ok(object) => object,
            Err(problem) => {
                let error = errors::undecodable(&self.kind, &self.api_version, &problem);
                return self.reopen(text, &[error.to_string()]);
            }
        };
        // kubectl sends its change as a patch: status updates made meanwhile do not conflict.
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("resourceVersion");
            if kind.namespaced() {
                metadata.insert("namespace".into(), Value::String(self.namespace.clone()));
            }
        }
        match sim.submit(|api| kind.update(api, object)) {
            Ok(_) => {
                output.out(format!("{} edited\n", manifest::reference(&*kind, &self.name)));
                Saved::Done(output)
            }
            Err(crate::api::ApiError::Invalid { causes, .. }) => {
                let reasons: Vec<String> = causes.iter().map(|c| format!("* {c}")).collect();
                let heading = format!("{} \"{}\" was not valid:", kind.plural(), self.name);
                self.reopen(text, &[vec![heading], reasons].concat())
            }
            Err(error) => self.reopen(text, &[error.to_string()]),
        }
    }

    /// The editor closed without saving.
    pub fn cancel(&self) -> Output {
        let mut output = Output::default();
        if self.failed {
            output.err_line("error: Edit cancelled, no valid changes were saved.");
        } else {
            output.err_line("Edit cancelled, no changes made.");
        }
        output
    }

    /// Shows the user's text again under the instructions and the reasons it was refused.
    fn reopen(&mut self, text: &str, reasons: &[String]) -> Saved {
        let yaml: String = text
            .lines()
            .skip_while(|line| line.trim_start().starts_with('#'))
            .map(|line| format!("{line}\n"))
            .collect();
        let reasons: String = reasons.iter().map(|r| format!("# {r}\n")).collect();
        self.text = format!("{INSTRUCTIONS}{reasons}#\n{yaml}");
        self.failed = true;
        Saved::Reopened
    }
}
