//! Tab completion for the console: the lab shell's commands, kubectl's verbs, resource types,
//! flags and the names of objects in the cluster, as kubectl's own shell completion offers them.

use crate::Simulation;
use crate::kubectl::{self, flags::Flag, resources};
use std::collections::BTreeSet;

/// What can replace the word being typed: `line[start..cursor]` by one of `candidates`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset where the word being completed starts.
    pub start: usize,
    /// The words that fit, sorted; one means the completion is certain.
    pub candidates: Vec<String>,
}

impl Completion {
    /// The longest text every candidate starts with (what Tab inserts when several fit).
    pub fn common_prefix(&self) -> String {
        let Some(first) = self.candidates.first() else { return String::new() };
        let mut prefix = first.clone();
        for candidate in &self.candidates[1..] {
            let common = prefix.chars().zip(candidate.chars()).take_while(|(a, b)| a == b).count();
            prefix = prefix.chars().take(common).collect();
        }
        prefix
    }
}

/// Verbs whose first argument is a resource type, then names of that type.
const TYPE_THEN_NAME: &[&str] = &[
    "annotate", "delete", "describe", "edit", "explain", "get", "label", "patch", "scale", "wait",
];
/// Verbs that act on nodes by name.
const NODE_VERBS: &[&str] = &["cordon", "uncordon", "drain"];
/// Verbs that act on pods by name.
const POD_VERBS: &[&str] = &["logs", "exec"];
const OUTPUT_FORMATS: &[&str] = &["json", "name", "wide", "yaml", "jsonpath=", "custom-columns="];

/// Completes the word that ends at `cursor` in `line` (the current line of the console).
pub fn complete(sim: &Simulation, line: &str, cursor: usize) -> Completion {
    let mut cursor = cursor.min(line.len());
    while !line.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let before = &line[..cursor];
    let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &before[start..];
    let words: Vec<&str> = before[..start].split_whitespace().collect();
    let candidates = match words.split_first() {
        None => builtins(),
        Some((&first, rest)) if first == "kubectl" || first == "k" => {
            kubectl_words(sim, rest, word)
        }
        Some(_) => Vec::new(),
    };
    let candidates: BTreeSet<String> =
        candidates.into_iter().filter(|c| c.starts_with(word) && c.as_str() != word).collect();
    Completion { start, candidates: candidates.into_iter().collect() }
}

fn builtins() -> Vec<String> {
    crate::shell::builtins::COMMANDS.iter().map(|(name, _)| name.to_string()).collect()
}

/// Candidates for the word after `kubectl ARGS...`.
fn kubectl_words(sim: &Simulation, args: &[&str], word: &str) -> Vec<String> {
    let namespace = flag_value(args, "namespace", 'n').unwrap_or("default");
    match args.last().copied() {
        Some("-n" | "--namespace") => return names(sim, "namespaces", None),
        Some("-o" | "--output") => return OUTPUT_FORMATS.iter().map(|f| f.to_string()).collect(),
        _ => {}
    }
    let positional = positionals(args);
    let Some((&verb, operands)) = positional.split_first() else {
        return kubectl::simulated_commands().into_iter().map(str::to_string).collect();
    };
    if word.starts_with('-') {
        let def = kubectl::command_def(verb);
        let flags = def.map_or(&[][..], |d| d.flags);
        return flags.iter().chain(kubectl::flags::GLOBAL_FLAGS).map(flag_text).collect();
    }
    if NODE_VERBS.contains(&verb) {
        return if operands.is_empty() { names(sim, "nodes", None) } else { vec![] };
    }
    if verb == "taint" {
        return match operands {
            [] => vec!["nodes".to_string(), "node".to_string()],
            [_] => names(sim, "nodes", None),
            _ => vec![],
        };
    }
    if POD_VERBS.contains(&verb) {
        return if operands.is_empty() { names(sim, "pods", Some(namespace)) } else { vec![] };
    }
    if verb == "rollout" {
        return match operands {
            [] => ["history", "pause", "restart", "resume", "status", "undo"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            [_] => ["deployments", "daemonsets", "statefulsets"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            [_, kind] => names(sim, kind, Some(namespace)),
            _ => vec![],
        };
    }
    if TYPE_THEN_NAME.contains(&verb) {
        if let Some((kind, _)) = word.split_once('/') {
            return names(sim, kind, Some(namespace))
                .into_iter()
                .map(|name| format!("{kind}/{name}"))
                .collect();
        }
        return match operands.first() {
            None => resource_types(),
            Some(kind) if verb != "explain" => names(sim, kind, Some(namespace)),
            Some(_) => vec![],
        };
    }
    Vec::new()
}

/// The arguments that are not flags or flag values (a flag's value follows it unless the flag
/// is boolean or written `--flag=value`).
fn positionals<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        if let Some(flag) = arg.strip_prefix('-').filter(|f| !f.is_empty()) {
            let takes_value = !flag.contains('=') && flag_takes_value(flag);
            i += if takes_value { 2 } else { 1 };
            continue;
        }
        positional.push(arg);
        i += 1;
    }
    positional
}

/// Whether a flag (written without its first dash) is one that takes a value. Unknown flags
/// are taken as boolean, so a typo never swallows the next word.
fn flag_takes_value(flag: &str) -> bool {
    let known = kubectl::simulated_commands()
        .into_iter()
        .filter_map(kubectl::command_def)
        .flat_map(|def| def.flags.iter())
        .chain(kubectl::flags::GLOBAL_FLAGS)
        .find(|f| match flag.strip_prefix('-') {
            Some(long) => f.long == long,
            None => flag.len() == 1 && f.short.is_some_and(|c| flag.starts_with(c)),
        });
    known.is_some_and(|f| f.kind != kubectl::flags::FlagKind::Bool)
}

fn flag_value<'a>(args: &[&'a str], long: &str, short: char) -> Option<&'a str> {
    let long_flag = format!("--{long}");
    let short_flag = format!("-{short}");
    args.iter().enumerate().rev().find_map(|(i, arg)| {
        if *arg == long_flag || *arg == short_flag {
            args.get(i + 1).copied()
        } else {
            arg.strip_prefix(&format!("{long_flag}="))
                .or_else(|| arg.strip_prefix(&format!("{short_flag}=")))
        }
    })
}

fn flag_text(flag: &Flag) -> String {
    format!("--{}", flag.long)
}

/// Every resource type by plural, singular and short name.
fn resource_types() -> Vec<String> {
    resources::RESOURCES
        .iter()
        .flat_map(|r| [r.plural, r.singular].into_iter().chain(r.short_names.iter().copied()))
        .map(str::to_string)
        .collect()
}

/// The names of objects of a typed resource type (in `namespace` for namespaced kinds).
fn names(sim: &Simulation, typed: &str, namespace: Option<&str>) -> Vec<String> {
    let Ok(kind) = resources::resolve(sim.api(), typed) else { return Vec::new() };
    let namespace = if kind.namespaced() { namespace } else { None };
    kind.list(sim.api(), namespace)
        .iter()
        .filter_map(|object| object.pointer("/metadata/name")?.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;

    fn check(sim: &Simulation, line: &str, expected: &[&str]) {
        let completion = complete(sim, line, line.len());
        assert_eq!(completion.candidates, expected, "completing {line:?}");
    }

    #[test]
    fn the_first_word_is_a_shell_command() {
        let sim = Simulation::new(1);
        check(&sim, "kub", &["kubectl"]);
        check(&sim, "sl", &["sleep"]);
    }

    #[test]
    fn verbs_follow_kubectl() {
        let sim = Simulation::new(1);
        check(&sim, "kubectl desc", &["describe"]);
        check(&sim, "kubectl -n kube-system ge", &["get"]);
        let completion = complete(&sim, "kubectl ro", 10);
        assert_eq!((completion.start, completion.candidates), (8, vec!["rollout".to_string()]));
    }

    #[test]
    fn resource_types_then_object_names() {
        let mut sim = Simulation::new(1);
        Shell::new().run_script(&mut sim, "kubectl create deployment web --image=nginx");
        check(&sim, "kubectl get deploy", &["deployment", "deployments"]);
        check(&sim, "kubectl describe deployment w", &["web"]);
        check(&sim, "kubectl get deployment/", &["deployment/web"]);
        check(&sim, "kubectl describe node node0", &["node01", "node02"]);
        check(&sim, "kubectl get pods -n kube-system etcd", &["etcd-controlplane"]);
    }

    #[test]
    fn node_verbs_complete_node_names() {
        let sim = Simulation::new(1);
        check(&sim, "kubectl cordon n", &["node01", "node02"]);
        check(&sim, "kubectl drain --ignore-daemonsets c", &["controlplane"]);
        check(&sim, "kubectl taint nodes node01 ", &[]);
    }

    #[test]
    fn flags_of_the_command_and_the_global_ones() {
        let sim = Simulation::new(1);
        check(&sim, "kubectl get pods --all-n", &["--all-namespaces"]);
        check(&sim, "kubectl get pods --names", &["--namespace"]);
        check(
            &sim,
            "kubectl get pods -n kube-",
            &["kube-node-lease", "kube-public", "kube-system"],
        );
        check(&sim, "kubectl get pods -o y", &["yaml"]);
    }

    #[test]
    fn several_candidates_share_a_prefix() {
        let sim = Simulation::new(1);
        let completion = complete(&sim, "kubectl describe node node", 26);
        assert_eq!(completion.common_prefix(), "node0");
        assert_eq!(complete(&sim, "echo hel", 8).candidates, Vec::<String>::new());
    }

    #[test]
    fn a_cursor_inside_a_character_does_not_panic() {
        let sim = Simulation::new(1);
        let completion = complete(&sim, "kubectl get pods é", 18);
        assert!(completion.candidates.is_empty());
    }
}
