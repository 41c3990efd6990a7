//! The lab's kubectl: parse the command line, run one typed command against the simulation,
//! print what kubectl would print. Parsing, executing and printing are separate steps; one
//! definition per command feeds parsing and `--help`.
//!
//! kubectl is a client: it reads and writes the cluster only through the API server.

mod catalogue;
mod errors;
mod flags;
mod get;
pub mod print;
pub mod resources;
mod run;

use crate::Simulation;
use crate::shell::Output;
use flags::{Flag, FlagKind, Parsed};

/// Context of one invocation: the namespace in force (`-n` or the context's `default`).
pub struct Invocation<'a> {
    pub namespace: String,
    pub sim: &'a mut Simulation,
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
}

/// Runs `kubectl ARGS...`; returns the exit status.
pub fn kubectl(args: &[String], sim: &mut Simulation, out: &mut Output) -> i32 {
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
    let Some(entry) = catalogue::find(name) else {
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
    };
    let def = match name {
        "get" => &get::DEF,
        "run" => &run::DEF,
        _ => {
            debug_assert!(!entry.simulated);
            out.err_line(format!(
                "error: kubelab does not simulate \"kubectl {name}\" yet (this lab simulates: {}).",
                simulated_commands().join(", ")
            ));
            return 1;
        }
    };
    let rest: Vec<String> = args[..position].iter().chain(&args[position + 1..]).cloned().collect();
    let parsed = match flags::parse(&rest, def.flags) {
        Ok(parsed) => parsed,
        Err(message) => {
            out.err_line(format!("error: {message}\nSee 'kubectl {name} --help' for usage."));
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
    let namespace =
        parsed.value("namespace").filter(|n| !n.is_empty()).unwrap_or("default").to_string();
    let mut invocation = Invocation { namespace, sim, out };
    let result = match name {
        "get" => get::Get::parse(&parsed).and_then(|cmd| cmd.execute(&mut invocation)),
        _ => run::Run::parse(&parsed).and_then(|cmd| cmd.execute(&mut invocation)),
    };
    match result {
        Ok(status) => status,
        Err(error) => {
            error.print(name, invocation.out);
            1
        }
    }
}

fn simulated_commands() -> Vec<&'static str> {
    catalogue::GROUPS
        .iter()
        .flat_map(|(_, e)| e.iter())
        .filter(|e| e.simulated)
        .map(|e| e.name)
        .collect()
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
    let mut flags: Vec<&Flag> = def.flags.iter().collect();
    flags.sort_by_key(|f| f.long);
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
            CommandError::Usage(message) => out.err_line(format!(
                "error: {message}\nSee 'kubectl {command} -h' for help and examples"
            )),
            CommandError::Plain(message) => out.err_line(format!("error: {message}")),
            CommandError::Raw(message) => out.err_line(message.clone()),
            CommandError::Api(error) => out.err_line(errors::describe(error)),
        }
    }
}

type CommandResult = Result<i32, CommandError>;

/// Reads `-o/--output`: the printer to use, or kubectl's error for an unknown format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    Default,
    Wide,
    Name,
    Yaml,
    Json,
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
            "go-template"
            | "go-template-file"
            | "template"
            | "templatefile"
            | "jsonpath"
            | "jsonpath-as-json"
            | "jsonpath-file"
            | "custom-columns"
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
