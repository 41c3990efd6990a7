//! `kubectl config`: the lab's kubeconfig, one cluster and one context whose namespace can be
//! changed (`kubectl config set-context --current --namespace=dev`), as the CKA habit has it.

use super::flags::{Flag, Parsed};
use super::info::api_server_url;
use super::print::{self, table::Table};
use super::{CommandDef, CommandError, CommandResult, Invocation};
use serde_json::json;

pub const CONTEXT: &str = "kubernetes-admin@kubernetes";
const CLUSTER: &str = "kubernetes";
const USER: &str = "kubernetes-admin";

/// The client's settings that outlive one command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeConfig {
    /// The current context's namespace; `None` means `default`.
    pub namespace: Option<String>,
}

pub const DEF: CommandDef = CommandDef {
    long: "Modify kubeconfig files using subcommands like \"kubectl config set current-context my-context\".",
    examples: "",
    usage: "kubectl config SUBCOMMAND [options]",
    flags: &[],
    required: &[],
    subcommands: &[
        ("current-context", &CURRENT_CONTEXT, current_context),
        ("get-contexts", &GET_CONTEXTS, get_contexts),
        ("set-context", &SET_CONTEXT, set_context),
        ("use-context", &USE_CONTEXT, use_context),
        ("view", &VIEW, view),
    ],
};

pub fn run(_parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(super::help(&DEF));
    Ok(0)
}

pub const CURRENT_CONTEXT: CommandDef = CommandDef {
    long: "Display the current-context.",
    examples: "  # Display the current-context\n  kubectl config current-context",
    usage: "kubectl config current-context [options]",
    flags: &[],
    required: &[],
    subcommands: &[],
};

fn current_context(_parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(format!("{CONTEXT}\n"));
    Ok(0)
}

pub const GET_CONTEXTS: CommandDef = CommandDef {
    long: "Display one or many contexts from the kubeconfig file.",
    examples: "  # List all the contexts in your kubeconfig file\n  kubectl config get-contexts",
    usage: "kubectl config get-contexts [(-o|--output=)name)] [options]",
    flags: &[
        Flag::bool(
            "no-headers",
            None,
            "When using the default or custom-column output format, don't print headers (default print headers).",
        ),
        Flag::value("output", Some('o'), "''", "Output format. One of: (name)."),
    ],
    required: &[],
    subcommands: &[],
};

fn get_contexts(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    if let Some(name) = parsed.args.first().filter(|n| n.as_str() != CONTEXT) {
        return Err(CommandError::Plain(format!("context {name} not found")));
    }
    if parsed.value("output") == Some("name") {
        inv.out.out(format!("{CONTEXT}\n"));
        return Ok(0);
    }
    let mut table = Table::new(&["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]);
    table.row(vec![
        "*".into(),
        CONTEXT.into(),
        CLUSTER.into(),
        USER.into(),
        inv.config.namespace.clone().unwrap_or_default(),
    ]);
    let text = table.render();
    inv.out.out(if parsed.bool("no-headers") {
        text.lines().skip(1).map(|l| format!("{l}\n")).collect()
    } else {
        text
    });
    Ok(0)
}

pub const SET_CONTEXT: CommandDef = CommandDef {
    long: "Set a context entry in kubeconfig.\n\n Specifying a name that already exists will merge new fields on top of existing values for those fields.",
    examples: "  # Set the user field on the gce context entry without touching other values\n  kubectl config set-context gce --user=cluster-admin\n\n  # Change the namespace of the current context\n  kubectl config set-context --current --namespace=dev",
    usage: "kubectl config set-context [NAME | --current] [--cluster=cluster_nickname] [--user=user_nickname] [--namespace=namespace] [options]",
    flags: &[
        Flag::bool("current", None, "Modify the current context"),
        Flag::value("namespace", Some('n'), "''", "namespace for the context entry in kubeconfig"),
    ],
    required: &[],
    subcommands: &[],
};

fn set_context(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = match (parsed.bool("current"), parsed.args.first()) {
        (true, Some(_)) => {
            return Err(CommandError::Plain(
                "you cannot specify both a context name and --current".into(),
            ));
        }
        (true, None) => CONTEXT.to_string(),
        (false, Some(name)) => name.clone(),
        (false, None) => {
            return Err(CommandError::Plain(
                "you must specify a non-empty context name or --current".into(),
            ));
        }
    };
    if name != CONTEXT {
        return Err(CommandError::Plain(format!(
            "kubelab has one context, {CONTEXT}: it cannot add {name}"
        )));
    }
    if let Some(namespace) = parsed.value("namespace") {
        inv.config.namespace = (!namespace.is_empty()).then(|| namespace.to_string());
    }
    inv.out.out(format!("Context \"{CONTEXT}\" modified.\n"));
    Ok(0)
}

pub const USE_CONTEXT: CommandDef = CommandDef {
    long: "Set the current-context in a kubeconfig file.",
    examples: "  # Use the context for the minikube cluster\n  kubectl config use-context minikube",
    usage: "kubectl config use-context CONTEXT_NAME [options]",
    flags: &[],
    required: &[],
    subcommands: &[],
};

fn use_context(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    match parsed.args.first() {
        Some(name) if name == CONTEXT => {
            inv.out.out(format!("Switched to context \"{CONTEXT}\".\n"));
            Ok(0)
        }
        Some(name) => {
            Err(CommandError::Plain(format!("no context exists with the name: \"{name}\"")))
        }
        None => Err(CommandError::Usage("Unexpected args: []".into())),
    }
}

pub const VIEW: CommandDef = CommandDef {
    long: "Display merged kubeconfig settings or a specified kubeconfig file.",
    examples: "  # Show merged kubeconfig settings\n  kubectl config view\n\n  # Show merged kubeconfig settings, raw certificate data, and exposed secrets\n  kubectl config view --raw",
    usage: "kubectl config view [flags] [options]",
    flags: &[
        Flag::bool(
            "minify",
            None,
            "Remove all information not used by current-context from the output",
        ),
        Flag::value(
            "output",
            Some('o'),
            "'yaml'",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file).",
        ),
        Flag::bool("raw", None, "Display raw byte data and sensitive data"),
    ],
    required: &[],
    subcommands: &[],
};

fn view(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let data = if parsed.bool("raw") { "(certificates are not simulated)" } else { "DATA+OMITTED" };
    let mut context = json!({"cluster": CLUSTER, "user": USER});
    if let Some(namespace) = &inv.config.namespace {
        context["namespace"] = json!(namespace);
    }
    let config = json!({
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": data, "server": api_server_url(inv)}, "name": CLUSTER}],
        "contexts": [{"context": context, "name": CONTEXT}],
        "current-context": CONTEXT,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": USER, "user": {"client-certificate-data": data, "client-key-data": data}}],
    });
    inv.out.out(match parsed.value("output").unwrap_or("yaml") {
        "json" => print::to_json(&config),
        _ => print::to_yaml(&config),
    });
    Ok(0)
}
