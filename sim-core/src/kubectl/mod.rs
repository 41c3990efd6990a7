//! The lab's kubectl: parse the command line, run one typed command against the simulation,
//! print what kubectl would print. Parsing, executing and printing are separate steps; one
//! definition per command feeds parsing and `--help`.
//!
//! kubectl is a client: it reads and writes the cluster only through the API server.

mod apply;
mod auth;
mod autoscale;
mod catalogue;
mod config;
mod cordon;
mod create;
mod create_rbac;
mod delete;
mod describe;
pub mod diff;
mod drain;
mod edit;
mod errors;
mod exec;
mod explain;
mod expose;
pub(crate) mod flags;
mod get;
mod info;
mod label;
pub mod lint;
mod logs;
mod manifest;
mod merge;
mod patch;
pub mod port_forward;
pub mod print;
mod replace;
pub mod resources;
mod rollout;
mod run;
mod scale;
pub mod schema_help;
mod set;
mod taint;
mod target;
pub(crate) mod top;
mod wait;
mod watch;
pub mod yaml_path;

pub use config::KubeConfig;
pub use edit::{EditSession, Saved};
pub use exec::ExecSession;
pub use explain::Schema;
pub(crate) use info::version_info;
pub use watch::Watch;

use crate::Simulation;
use crate::shell::Output;
use flags::{Flag, FlagKind, Parsed};
use std::collections::BTreeMap;

/// What a kubectl invocation works with besides its arguments.
pub struct Env<'a> {
    pub sim: &'a mut Simulation,
    /// The workspace files `-f FILE` reads.
    pub files: &'a BTreeMap<String, String>,
    /// What `-f -` reads.
    pub stdin: &'a str,
    /// The kubeconfig's current context (its namespace).
    pub config: &'a mut KubeConfig,
    /// The API schema `kubectl explain` reads, once loaded.
    pub schema: Option<&'a Schema>,
    /// Where `get -w` leaves the watch it starts, for the console or `timeout` to run.
    pub watch: &'a mut Option<Watch>,
    /// Where `edit` leaves the object it opens, when there is an editor to open it in.
    pub edit: Option<&'a mut Option<EditSession>>,
    /// Where `exec -it POD -- sh` leaves the shell it opens, when a person is there to type.
    pub exec: Option<&'a mut Option<ExecSession>>,
    /// The laptop's addresses and ports running `port-forward`s listen on.
    pub laptop_ports: &'a [(String, u16)],
}

/// One running command: the namespace in force (`-n` or the context's `default`) and the rest
/// of its environment.
pub struct Invocation<'a> {
    pub namespace: String,
    /// Whether `-n` was given: a manifest's own namespace must then agree with it.
    pub namespace_given: bool,
    pub sim: &'a mut Simulation,
    pub files: &'a BTreeMap<String, String>,
    pub stdin: &'a str,
    pub config: &'a mut KubeConfig,
    pub schema: Option<&'a Schema>,
    pub watch: &'a mut Option<Watch>,
    pub edit: Option<&'a mut Option<EditSession>>,
    pub exec: Option<&'a mut Option<ExecSession>>,
    pub laptop_ports: &'a [(String, u16)],
    pub out: &'a mut Output,
}

/// One simulated command: its help text and flags, from which parsing and `--help` both come.
pub struct CommandDef {
    pub long: &'static str,
    pub examples: &'static str,
    pub usage: &'static str,
    pub flags: &'static [Flag],
    /// Flags that must be given (cobra's `MarkFlagRequired`).
    pub required: &'static [&'static str],
    /// Commands below this one (`create deployment`, `create secret generic`).
    pub subcommands: &'static [(&'static str, &'static CommandDef, Runner)],
}

type Runner = fn(&Parsed, &mut Invocation<'_>) -> CommandResult;

/// Short names subcommands answer to, as cobra aliases (`kubectl create ns`).
const SUBCOMMAND_ALIASES: &[(&str, &str)] = &[
    ("cj", "cronjob"),
    ("cm", "configmap"),
    ("deploy", "deployment"),
    ("ns", "namespace"),
    ("sa", "serviceaccount"),
    ("svc", "service"),
];

/// The commands the lab simulates: name, definition, and what runs them.
const COMMANDS: &[(&str, &CommandDef, Runner)] = &[
    ("annotate", &label::ANNOTATE, label::annotate),
    ("api-resources", &info::API_RESOURCES, info::api_resources),
    ("apply", &apply::DEF, apply::run),
    ("auth", &auth::DEF, auth::run),
    ("autoscale", &autoscale::DEF, autoscale::run),
    ("cluster-info", &info::CLUSTER_INFO, info::cluster_info),
    ("config", &config::DEF, config::run),
    ("cordon", &cordon::CORDON, cordon::cordon),
    ("create", &create::DEF, create::run),
    ("delete", &delete::DEF, delete::run),
    ("describe", &describe::DEF, describe::run),
    ("drain", &drain::DEF, drain::run),
    ("edit", &edit::DEF, edit::run),
    ("exec", &exec::DEF, exec::run),
    ("explain", &explain::DEF, explain::run),
    ("expose", &expose::DEF, expose::run),
    ("get", &get::DEF, get::run),
    ("label", &label::LABEL, label::label),
    ("logs", &logs::DEF, logs::run),
    ("patch", &patch::DEF, patch::run),
    ("port-forward", &port_forward::DEF, port_forward::run),
    ("replace", &replace::DEF, replace::run),
    ("rollout", &rollout::DEF, rollout::run),
    ("run", &run::DEF, run::run),
    ("scale", &scale::DEF, scale::run),
    ("set", &set::DEF, set::run),
    ("taint", &taint::DEF, taint::run),
    ("top", &top::DEF, top::run),
    ("uncordon", &cordon::UNCORDON, cordon::uncordon),
    ("version", &info::VERSION, info::version),
    ("wait", &wait::DEF, wait::run),
];

/// Runs `kubectl ARGS...`; returns the exit status.
pub fn kubectl(args: &[String], env: Env<'_>, out: &mut Output) -> i32 {
    let Some(position) = command_position(args) else {
        // Only flags: `kubectl`, `kubectl --help`, or a flag kubectl does not know.
        return match flags::parse(args, &[]) {
            Ok(_) => {
                out.out(catalogue::root_help());
                0
            }
            Err(message) => {
                out.err_line(format!("error: {message}\nSee 'kubectl --help' for usage."));
                1
            }
        };
    };
    let name = args[position].as_str();
    if catalogue::find(name).is_none() {
        let mut message = format!("error: unknown command \"{name}\" for \"kubectl\"");
        let suggestions = catalogue::suggestions(name);
        if !suggestions.is_empty() {
            message.push_str("\n\nDid you mean this?\n");
            for suggestion in suggestions {
                message.push_str(&format!("\t{suggestion}\n"));
            }
        }
        out.err_line(message);
        return 1;
    }
    let Some(&(_, mut def, mut runner)) = COMMANDS.iter().find(|(command, _, _)| *command == name)
    else {
        out.err_line(format!(
            "error: kubelab does not simulate \"kubectl {name}\" yet (this lab simulates: {}).",
            simulated_commands().join(", ")
        ));
        return 1;
    };
    let mut path = format!("kubectl {name}");
    let mut rest: Vec<String> =
        args[..position].iter().chain(&args[position + 1..]).cloned().collect();
    // Walk down to a subcommand (`create secret generic`) named before any other argument.
    while let Some(at) = command_position(&rest) {
        let typed = SUBCOMMAND_ALIASES
            .iter()
            .find(|(alias, _)| *alias == rest[at])
            .map_or(rest[at].as_str(), |(_, name)| name);
        let Some((sub, sub_def, sub_runner)) =
            def.subcommands.iter().find(|(sub, _, _)| *sub == typed)
        else {
            break;
        };
        path = format!("{path} {sub}");
        def = sub_def;
        runner = *sub_runner;
        rest.remove(at);
    }
    let parsed = match flags::parse(&rest, def.flags) {
        Ok(parsed) => parsed,
        Err(message) => {
            out.err_line(format!("error: {message}\nSee '{path} --help' for usage."));
            return 1;
        }
    };
    if parsed.bool("help") {
        out.out(help(def));
        return 0;
    }
    let missing: Vec<String> =
        def.required.iter().filter(|f| !parsed.is_set(f)).map(|f| format!("\"{f}\"")).collect();
    if !missing.is_empty() {
        out.err_line(format!("error: required flag(s) {} not set", missing.join(", ")));
        return 1;
    }
    let given = parsed.value("namespace").filter(|n| !n.is_empty());
    let context_namespace = env.config.namespace.clone().unwrap_or_else(|| "default".to_string());
    let mut invocation = Invocation {
        namespace: given.map_or(context_namespace, str::to_string),
        namespace_given: given.is_some(),
        sim: env.sim,
        files: env.files,
        stdin: env.stdin,
        config: env.config,
        schema: env.schema,
        watch: env.watch,
        edit: env.edit,
        exec: env.exec,
        laptop_ports: env.laptop_ports,
        out,
    };
    match runner(&parsed, &mut invocation) {
        Ok(status) => status,
        Err(error) => {
            error.print(&path, invocation.out);
            1
        }
    }
}

/// A simulated command's definition and its subcommands' names, for the console's completion.
pub(crate) fn command_def(name: &str) -> Option<&'static CommandDef> {
    COMMANDS.iter().find(|(command, _, _)| *command == name).map(|(_, def, _)| *def)
}

pub(crate) fn simulated_commands() -> Vec<&'static str> {
    COMMANDS.iter().map(|(name, _, _)| *name).collect()
}

/// Where the subcommand is: the first argument that is neither a flag nor the value of a global
/// flag (`kubectl -n kube-system get pods`).
fn command_position(args: &[String]) -> Option<usize> {
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            return None;
        }
        if !arg.starts_with('-') || arg == "-" {
            return Some(i);
        }
        let takes_value = flags::GLOBAL_FLAGS.iter().any(|f| {
            f.kind != FlagKind::Bool
                && (arg == &format!("--{}", f.long)
                    || f.short.is_some_and(|c| arg == &format!("-{c}")))
        });
        i += if takes_value { 2 } else { 1 };
    }
    None
}

/// `kubectl CMD --help`, in kubectl's layout.
fn help(def: &CommandDef) -> String {
    let mut out = format!("{}\n\n", def.long);
    if !def.examples.is_empty() {
        out.push_str(&format!("Examples:\n{}\n\n", def.examples));
    }
    if !def.subcommands.is_empty() {
        out.push_str("Available Commands:\n");
        for (name, sub, _) in def.subcommands {
            let first_line = sub.long.lines().next().unwrap_or_default();
            out.push_str(&format!("  {name:<16}{first_line}\n"));
        }
        out.push('\n');
    }
    let mut flags: Vec<&Flag> = def.flags.iter().collect();
    crate::sort::sort_by_key(&mut flags, |f| f.long);
    if !flags.is_empty() {
        out.push_str("Options:\n");
        for flag in flags {
            let short = flag.short.map(|c| format!("-{c}, ")).unwrap_or_default();
            out.push_str(&format!(
                "    {short}--{}={}:\n\t{}\n\n",
                flag.long, flag.default, flag.usage
            ));
        }
    }
    out.push_str(&format!(
        "Usage:\n  {}\n\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n",
        def.usage
    ));
    out
}

/// What a command could not do, printed in kubectl's words.
pub enum CommandError {
    /// A misuse of the command: printed with `See 'kubectl CMD -h' for help and examples`.
    Usage(String),
    /// A plain `error: …` line.
    Plain(String),
    /// Text printed as it is (kubectl's few multi-line errors).
    Raw(String),
    /// The API server refused.
    Api(crate::api::ApiError),
}

impl CommandError {
    fn print(&self, command: &str, out: &mut Output) {
        match self {
            CommandError::Usage(message) => {
                out.err_line(format!("error: {message}\nSee '{command} -h' for help and examples"))
            }
            CommandError::Plain(message) => out.err_line(format!("error: {message}")),
            CommandError::Raw(message) => out.err_line(message.clone()),
            CommandError::Api(error) => out.err_line(errors::describe(error)),
        }
    }
}

type CommandResult = Result<i32, CommandError>;

/// `--dry-run`: send nothing, let the server check without storing, or really do it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    None,
    Client,
    Server,
}

impl DryRun {
    fn from_flags(parsed: &Parsed) -> Result<DryRun, CommandError> {
        match parsed.value("dry-run").unwrap_or("none") {
            "none" | "false" => Ok(DryRun::None),
            "client" | "true" => Ok(DryRun::Client),
            "server" => Ok(DryRun::Server),
            other => Err(CommandError::Plain(format!(
                "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
            ))),
        }
    }

    /// What kubectl adds to its "created" line.
    fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// Reads `-o/--output`: the printer to use, or kubectl's error for an unknown format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Default,
    Wide,
    Name,
    Yaml,
    Json,
    /// `-o jsonpath=TEMPLATE`.
    JsonPath(String),
    /// `-o custom-columns=HEADER:EXPRESSION,…`.
    CustomColumns(Vec<(String, String)>),
}

impl OutputFormat {
    fn from_flags(parsed: &Parsed, allow_wide: bool) -> Result<OutputFormat, CommandError> {
        let Some(format) = parsed.value("output") else {
            return Ok(OutputFormat::Default);
        };
        let base = format.split_once('=').map_or(format, |(b, _)| b);
        Ok(match base {
            "" => OutputFormat::Default,
            "wide" if allow_wide => OutputFormat::Wide,
            "name" => OutputFormat::Name,
            "yaml" => OutputFormat::Yaml,
            "json" => OutputFormat::Json,
            "jsonpath" => {
                let template = format.split_once('=').map_or("", |(_, t)| t);
                if template.is_empty() {
                    return Err(CommandError::Plain(
                        "template format specified but no template given".into(),
                    ));
                }
                // Check the template now, as kubectl does before it asks the server.
                print::jsonpath::render(template, &serde_json::Value::Null).map_err(|problem| {
                    CommandError::Plain(format!("error parsing jsonpath {template}, {problem}"))
                })?;
                OutputFormat::JsonPath(template.to_string())
            }
            "custom-columns" => {
                let spec = format.split_once('=').map_or("", |(_, t)| t);
                let columns: Vec<(String, String)> = spec
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(|column| match column.split_once(':') {
                        Some((header, expression)) => Ok((header.to_string(), expression.to_string())),
                        None => Err(CommandError::Plain(format!(
                            "unexpected custom-columns spec: {column}, expected <header>:<json-path-expr>"
                        ))),
                    })
                    .collect::<Result<_, _>>()?;
                if columns.is_empty() {
                    return Err(CommandError::Plain(
                        "custom-columns format specified but no custom columns given".into(),
                    ));
                }
                OutputFormat::CustomColumns(columns)
            }
            "go-template"
            | "go-template-file"
            | "template"
            | "templatefile"
            | "jsonpath-as-json"
            | "jsonpath-file"
            | "custom-columns-file" => {
                return Err(CommandError::Plain(format!("kubelab does not support -o {base} yet")));
            }
            _ => {
                let allowed = if allow_wide {
                    "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"
                } else {
                    "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml"
                };
                return Err(CommandError::Plain(format!(
                    "unable to match a printer suitable for the output format \"{format}\", allowed formats are: {allowed}"
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_command_is_found_after_global_flags() {
        assert_eq!(command_position(&words("-n kube-system get pods")), Some(2));
        assert_eq!(command_position(&words("--namespace=x get")), Some(1));
        assert_eq!(command_position(&words("get pods")), Some(0));
        assert_eq!(command_position(&words("--help")), None);
    }
}
