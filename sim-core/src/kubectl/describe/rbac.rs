//! `kubectl describe` for RBAC: Roles and ClusterRoles (their rules broken down to one
//! resource each, compacted and sorted as `rbac.CompactRules` and `SortableRuleSlice` do) and
//! the bindings (role and subjects).

use super::{SKIPPED_ANNOTATIONS, Writer, text};
use k8s_openapi::api::rbac::v1::PolicyRule;
use serde_json::Value;

/// One row of a rule table: resources (with their group), non-resource URLs, names, verbs.
pub(crate) struct RuleRow {
    pub resource: String,
    pub urls: String,
    pub names: String,
    pub verbs: String,
}

/// Go's `%v` of a string slice: `[get list watch]`.
fn go_list(list: &[String]) -> String {
    format!("[{}]", list.join(" "))
}

/// `BreakdownRule` of every rule, then `CompactRules` (rules for one resource, and at most one
/// name, gather their verbs), sorted by the rule's protobuf `String()`.
pub(crate) fn rule_rows(rules: &[PolicyRule]) -> Vec<RuleRow> {
    let mut simple: Vec<PolicyRule> = Vec::new();
    let mut other: Vec<PolicyRule> = Vec::new();
    for rule in rules {
        for piece in breakdown(rule) {
            let is_simple = piece.non_resource_urls.is_none();
            let same = |r: &&mut PolicyRule| {
                r.api_groups == piece.api_groups
                    && r.resources == piece.resources
                    && r.resource_names == piece.resource_names
            };
            match simple.iter_mut().find(|r| is_simple && same(r)) {
                Some(existing) => existing.verbs.extend(piece.verbs),
                None if is_simple => simple.push(piece),
                None => other.push(piece),
            }
        }
    }
    let mut compact: Vec<PolicyRule> = other.into_iter().chain(simple).collect();
    let key = |r: &PolicyRule| {
        let list = |l: &Option<Vec<String>>| go_list(l.as_deref().unwrap_or_default());
        format!(
            "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
            go_list(&r.verbs),
            list(&r.api_groups),
            list(&r.resources),
            list(&r.resource_names),
            list(&r.non_resource_urls)
        )
    };
    crate::sort::sort_by_key(&mut compact, key);
    compact
        .iter()
        .map(|r| RuleRow {
            resource: combine_resource_group(r),
            urls: go_list(r.non_resource_urls.as_deref().unwrap_or_default()),
            names: go_list(r.resource_names.as_deref().unwrap_or_default()),
            verbs: go_list(&r.verbs),
        })
        .collect()
}

fn breakdown(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut pieces = Vec::new();
    let one = |s: &String| Some(vec![s.clone()]);
    for group in rule.api_groups.iter().flatten() {
        for resource in rule.resources.iter().flatten() {
            for verb in &rule.verbs {
                let piece = |names| PolicyRule {
                    api_groups: one(group),
                    resources: one(resource),
                    verbs: vec![verb.clone()],
                    resource_names: names,
                    non_resource_urls: None,
                };
                match rule.resource_names.as_deref().unwrap_or_default() {
                    [] => pieces.push(piece(None)),
                    names => pieces.extend(names.iter().map(|n| piece(one(n)))),
                }
            }
        }
    }
    for url in rule.non_resource_urls.iter().flatten() {
        for verb in &rule.verbs {
            pieces.push(PolicyRule {
                non_resource_urls: one(url),
                verbs: vec![verb.clone()],
                ..Default::default()
            });
        }
    }
    pieces
}

/// `resource.group/subresource`, as kubectl's `CombineResourceGroup` shows a resource.
fn combine_resource_group(rule: &PolicyRule) -> String {
    let Some(resource) = rule.resources.as_deref().and_then(<[String]>::first) else {
        return String::new();
    };
    let (name, sub) = match resource.split_once('/') {
        Some((name, sub)) => (name, Some(sub)),
        None => (resource.as_str(), None),
    };
    let mut combined = name.to_string();
    if let Some(group) = rule.api_groups.as_deref().and_then(<[String]>::first)
        && !group.is_empty()
    {
        combined = format!("{combined}.{group}");
    }
    if let Some(sub) = sub {
        combined = format!("{combined}/{sub}");
    }
    combined
}

pub(super) fn describe_role(w: &mut Writer, object: &Value) {
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    let rules: Vec<PolicyRule> = object
        .get("rules")
        .and_then(|r| serde::Deserialize::deserialize(r).ok())
        .unwrap_or_default();
    w.line(0, "PolicyRule:");
    w.line(1, "Resources\tNon-Resource URLs\tResource Names\tVerbs");
    w.line(1, "---------\t-----------------\t--------------\t-----");
    for row in rule_rows(&rules) {
        w.line(1, format!("{}\t{}\t{}\t{}", row.resource, row.urls, row.names, row.verbs));
    }
}

pub(super) fn describe_binding(w: &mut Writer, object: &Value) {
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, "Role:");
    w.line(1, format!("Kind:\t{}", text(object, "/roleRef/kind")));
    w.line(1, format!("Name:\t{}", text(object, "/roleRef/name")));
    w.line(0, "Subjects:");
    w.line(1, "Kind\tName\tNamespace");
    w.line(1, "----\t----\t---------");
    for subject in object.get("subjects").and_then(Value::as_array).into_iter().flatten() {
        w.line(
            1,
            format!(
                "{}\t{}\t{}",
                text(subject, "/kind"),
                text(subject, "/name"),
                text(subject, "/namespace")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        let strings = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        PolicyRule {
            api_groups: Some(strings(groups)),
            resources: Some(strings(resources)),
            verbs: strings(verbs),
            ..Default::default()
        }
    }

    #[test]
    fn rules_are_broken_down_compacted_and_sorted_as_kubectl_shows_them() {
        let rows = rule_rows(&[
            rule(&["apps"], &["deployments"], &["get"]),
            rule(&[""], &["pods", "pods/log"], &["get", "watch", "list"]),
        ]);
        let shown: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {} {} {}", r.resource, r.urls, r.names, r.verbs))
            .collect();
        assert_eq!(
            shown,
            [
                // `/` sorts before `]`, as in the protobuf text kubectl compares.
                "pods/log [] [] [get watch list]",
                "pods [] [] [get watch list]",
                "deployments.apps [] [] [get]",
            ]
        );
    }
}
