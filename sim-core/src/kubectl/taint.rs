//! `kubectl taint`: add (`key=value:Effect`, `key:Effect`), replace (`--overwrite`) or remove
//! (`key:Effect-`, `key-`) taints on nodes named, selected (`-l`) or all (`--all`).

use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation};
use crate::api::selector::Selector;
use k8s_openapi::api::core::v1::{Node, Taint};

const FLAGS: &[Flag] = &[
    Flag::bool("all", None, "Select all nodes in the cluster"),
    Flag::bool(
        "overwrite",
        None,
        "If true, allow taints to be overwritten, otherwise reject taint updates that overwrite existing taints.",
    ),
    Flag::value(
        "selector",
        Some('l'),
        "''",
        "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
    ),
];

pub const DEF: CommandDef = CommandDef {
    long: "Update the taints on one or more nodes.\n\n  *  A taint consists of a key, value, and effect. As an argument here, it is expressed as key=value:effect.\n  *  The key must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 253 characters.\n  *  Optionally, the key can begin with a DNS subdomain prefix and a single '/', like example.com/my-app.\n  *  The value is optional. If given, it must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters.\n  *  The effect must be NoSchedule, PreferNoSchedule or NoExecute.\n  *  Currently taint can only apply to node.",
    examples: "  # Update node 'foo' with a taint with key 'dedicated' and value 'special-user' and effect 'NoSchedule'\n  # If a taint with that key and effect already exists, its value is replaced as specified\n  kubectl taint nodes foo dedicated=special-user:NoSchedule\n  \n  # Remove from node 'foo' the taint with key 'dedicated' and effect 'NoSchedule' if one exists\n  kubectl taint nodes foo dedicated:NoSchedule-\n  \n  # Remove from node 'foo' all the taints with key 'dedicated'\n  kubectl taint nodes foo dedicated-\n  \n  # Add a taint with key 'dedicated' on nodes having label myLabel=X\n  kubectl taint node -l myLabel=X  dedicated=foo:PreferNoSchedule\n  \n  # Add to node 'foo' a taint with key 'bar' and no value\n  kubectl taint nodes foo bar:NoSchedule",
    usage: "kubectl taint NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N [options]",
    flags: FLAGS,
    required: &[],
    subcommands: &[],
};

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// `Taint.ToString`: `key=value:effect`, `key:effect`, `key=value:` or `key`.
fn taint_string(taint: &Taint) -> String {
    let value = taint.value.as_deref().unwrap_or_default();
    match (taint.effect.is_empty(), value.is_empty()) {
        (true, true) => taint.key.clone(),
        (true, false) => format!("{}={value}:", taint.key),
        (false, true) => format!("{}:{}", taint.key, taint.effect),
        (false, false) => format!("{}={value}:{}", taint.key, taint.effect),
    }
}

/// `parseTaint`: `key=value:effect`, `key:effect` or `key`.
fn parse_taint(spec: &str) -> Result<Taint, String> {
    let invalid = || format!("invalid taint spec: {spec}");
    let parts: Vec<&str> = spec.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [key] => (*key, "", ""),
        [key_value, effect] => {
            if !EFFECTS.contains(effect) {
                return Err(format!("invalid taint effect: {effect}, unsupported taint effect"));
            }
            let kv: Vec<&str> = key_value.split('=').collect();
            match kv.as_slice() {
                [key] => (*key, "", *effect),
                [key, value] => (*key, *value, *effect),
                _ => return Err(invalid()),
            }
        }
        _ => return Err(invalid()),
    };
    let problems = crate::api::label_problems(key, value);
    if !problems.is_empty() {
        return Err(format!("invalid taint spec: {spec}, {}", problems.join("; ")));
    }
    Ok(Taint {
        key: key.to_string(),
        value: (!value.is_empty()).then(|| value.to_string()),
        effect: effect.to_string(),
        time_added: None,
    })
}

/// `parseTaints`: the taints to add and to remove (a trailing `-`).
fn parse_taints(specs: &[&String]) -> Result<(Vec<Taint>, Vec<Taint>), String> {
    let (mut add, mut remove) = (Vec::<Taint>::new(), Vec::new());
    for spec in specs {
        if let Some(spec) = spec.strip_suffix('-') {
            let taint = parse_taint(spec)?;
            remove.push(Taint { value: None, ..taint });
        } else {
            let taint = parse_taint(spec)?;
            if taint.effect.is_empty() {
                return Err(format!("invalid taint spec: {spec}"));
            }
            if add.iter().any(|t| t.key == taint.key && t.effect == taint.effect) {
                return Err(format!(
                    "duplicated taints with the same key and effect: {}",
                    go_taint(&taint)
                ));
            }
            add.push(taint);
        }
    }
    Ok((add, remove))
}

/// How Go prints a taint value with `%v`.
fn go_taint(taint: &Taint) -> String {
    format!(
        "{{{} {} {} <nil>}}",
        taint.key,
        taint.value.as_deref().unwrap_or_default(),
        taint.effect
    )
}

/// `reorganizeTaints`: the node's new taints and what kubectl says it did.
fn reorganize(
    old: &[Taint],
    overwrite: bool,
    add: &[Taint],
    remove: &[Taint],
) -> Result<(&'static str, Vec<Taint>), String> {
    let mut taints = add.to_vec();
    for taint in old {
        if !taints.iter().any(|t| t.key == taint.key && t.effect == taint.effect) {
            taints.push(taint.clone());
        }
    }
    let added = old.len() != taints.len();
    let mut missing = Vec::new();
    let mut deleted = false;
    for taint in remove {
        let before = taints.len();
        taints.retain(|t| {
            t.key != taint.key || (!taint.effect.is_empty() && t.effect != taint.effect)
        });
        deleted = taints.len() != before;
        if !deleted {
            missing.push(format!("taint \"{}\" not found", taint_string(taint)));
        }
    }
    match missing.as_slice() {
        [] => {}
        [one] => return Err(one.clone()),
        many => return Err(format!("[{}]", many.join(", "))),
    }
    let verb = if (added && deleted) || overwrite {
        "modified"
    } else if added {
        "tainted"
    } else {
        "untainted"
    };
    Ok((verb, taints))
}

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let mut resources = Vec::new();
    let mut specs = Vec::new();
    for arg in &parsed.args {
        let is_taint = arg.contains('=') || arg.contains(':') || arg.ends_with('-');
        if is_taint {
            specs.push(arg);
        } else if !specs.is_empty() {
            return Err(CommandError::Plain(format!(
                "all resources must be specified before taint changes: {arg}"
            )));
        } else {
            resources.push(arg.as_str());
        }
    }
    let Some(resource) = resources.first() else {
        return Err(CommandError::Plain(
            "one or more resources must be specified as <resource> <name>".into(),
        ));
    };
    if specs.is_empty() {
        return Err(CommandError::Plain("at least one taint update is required".into()));
    }
    let (add, remove) = parse_taints(&specs).map_err(CommandError::Plain)?;
    if !matches!(resource.to_ascii_lowercase().as_str(), "node" | "nodes" | "no") {
        return Err(CommandError::Plain(format!(
            "invalid resource type {resource}, only node types are supported"
        )));
    }
    let conflicts: Vec<String> = remove
        .iter()
        .filter(|r| {
            add.iter().any(|a| a.key == r.key && (r.effect.is_empty() || a.effect == r.effect))
        })
        .map(|r| format!("{{\"{}\":\"{}\"}}", r.key, r.effect))
        .collect();
    if !conflicts.is_empty() {
        return Err(CommandError::Plain(format!(
            "can not both modify and remove the following taint(s) in the same command: {}",
            conflicts.join(", ")
        )));
    }
    let selector = parsed.value("selector").unwrap_or_default();
    let all = parsed.bool("all");
    if all && !selector.is_empty() {
        return Err(CommandError::Plain(
            "setting 'all' parameter with a non empty selector is prohibited".into(),
        ));
    }
    let names: Vec<String> = if all || !selector.is_empty() {
        let selector = Selector::parse(selector).map_err(CommandError::Plain)?;
        inv.sim
            .api()
            .list::<Node>(None)
            .filter(|n| selector.matches(n.metadata.labels.as_ref()))
            .filter_map(|n| n.metadata.name.clone())
            .collect()
    } else if resources.len() < 2 {
        return Err(CommandError::Plain(
            "at least one resource name must be specified since 'all' parameter is not set".into(),
        ));
    } else {
        resources[1..].iter().map(|n| n.to_string()).collect()
    };
    for name in names {
        let node = inv.sim.api().get::<Node>("", &name).map_err(CommandError::Api)?.clone();
        let old = node.spec.as_ref().and_then(|s| s.taints.clone()).unwrap_or_default();
        if !parsed.bool("overwrite") {
            let existing: Vec<&str> = add
                .iter()
                .filter(|t| old.iter().any(|o| o.key == t.key && o.effect == t.effect))
                .map(|t| t.key.as_str())
                .collect();
            if !existing.is_empty() {
                return Err(CommandError::Plain(format!(
                    "node {name} already has {} taint(s) with same effect(s) and --overwrite is false",
                    existing.join(",")
                )));
            }
        }
        let (verb, taints) = reorganize(&old, parsed.bool("overwrite"), &add, &remove)
            .map_err(CommandError::Plain)?;
        let mut updated = node;
        updated.spec.get_or_insert_with(Default::default).taints =
            (!taints.is_empty()).then_some(taints);
        inv.sim.submit(|api| api.replace(updated)).map_err(CommandError::Api)?;
        inv.out.out(format!("node/{name} {verb}\n"));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: (!value.is_empty()).then(|| value.into()),
            effect: effect.into(),
            time_added: None,
        }
    }

    #[test]
    fn taint_specs_parse_as_kubectl_parses_them() {
        let cases = [
            (
                "key, value and effect",
                "dedicated=gpu:NoSchedule",
                Ok(taint("dedicated", "gpu", "NoSchedule")),
            ),
            ("key and effect", "bar:NoExecute", Ok(taint("bar", "", "NoExecute"))),
            ("a key alone (for removal)", "dedicated", Ok(taint("dedicated", "", ""))),
            (
                "an unknown effect",
                "a=b:Sometimes",
                Err("invalid taint effect: Sometimes, unsupported taint effect".to_string()),
            ),
            ("two colons", "a:b:NoSchedule", Err("invalid taint spec: a:b:NoSchedule".to_string())),
            (
                "two equals signs",
                "a=b=c:NoSchedule",
                Err("invalid taint spec: a=b=c:NoSchedule".to_string()),
            ),
        ];
        for (name, spec, want) in cases {
            assert_eq!(parse_taint(spec), want, "{name}");
        }
    }

    #[test]
    fn taints_are_reorganized_as_kubectl_does() {
        let old = vec![taint("a", "1", "NoSchedule")];
        let cases = [
            (
                "a new key is tainted",
                vec![taint("b", "", "NoSchedule")],
                vec![],
                false,
                Ok("tainted"),
                2,
            ),
            (
                "removing a key untaints",
                vec![],
                vec![taint("a", "", "")],
                false,
                Ok("untainted"),
                0,
            ),
            (
                "overwriting modifies",
                vec![taint("a", "2", "NoSchedule")],
                vec![],
                true,
                Ok("modified"),
                1,
            ),
            (
                "removing a missing taint fails",
                vec![],
                vec![taint("x", "", "NoSchedule")],
                false,
                Err("taint \"x:NoSchedule\" not found".to_string()),
                0,
            ),
            (
                "removing by key and effect keeps other effects",
                vec![],
                vec![taint("a", "", "NoExecute")],
                false,
                Err("taint \"a:NoExecute\" not found".to_string()),
                0,
            ),
        ];
        for (name, add, remove, overwrite, want, count) in cases {
            let got = reorganize(&old, overwrite, &add, &remove);
            assert_eq!(got.as_ref().map(|(verb, _)| *verb).map_err(Clone::clone), want, "{name}");
            if let Ok((_, taints)) = got {
                assert_eq!(taints.len(), count, "{name}");
            }
        }
    }
}
