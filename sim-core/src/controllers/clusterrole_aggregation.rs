//! The ClusterRole aggregation controller (`clusterroleaggregation`): a ClusterRole with an
//! `aggregationRule` gets as its rules those of every other ClusterRole its selectors match, in
//! name order, each rule once. This is how the bootstrap roles `admin`, `edit` and `view` are
//! built, and how a role labelled `rbac.authorization.k8s.io/aggregate-to-edit: "true"`
//! extends `edit`.

use crate::api::ApiServer;
use crate::api::selector::Selector;
use crate::time::SimTime;
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClusterRoleAggregationController {
    seen_api_version: u64,
}

impl ClusterRoleAggregationController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let seen = self.seen_api_version;
        let changed = api.kind_changed_since::<ClusterRole>(seen)
            || api.deleted_since::<ClusterRole>(seen).next().is_some();
        if !changed {
            self.seen_api_version = api.resource_version();
            return None;
        }
        // Every aggregated role, each from the roles as they are now: a role aggregated into
        // another (view into edit) is caught up at the next pass, which its own update causes
        // (it is newer than what this pass has seen).
        self.seen_api_version = api.resource_version();
        let aggregated: Vec<String> = api
            .list::<ClusterRole>(None)
            .filter(|r| r.aggregation_rule.is_some())
            .filter_map(|r| r.metadata.name.clone())
            .collect();
        for name in aggregated {
            let Ok(role) = api.get::<ClusterRole>("", &name) else { continue };
            let all: Vec<&ClusterRole> = api.list::<ClusterRole>(None).collect();
            let rules = aggregated_rules(role, &all);
            // Nil and empty rules are the same to the controller (`equality.Semantic`).
            if rules.as_slice() == role.rules.as_deref().unwrap_or_default() {
                continue;
            }
            let _ = api.update::<ClusterRole>("", &name, |r| {
                r.rules = (!rules.is_empty() || r.rules.is_some()).then_some(rules);
            });
        }
        None
    }
}

/// The rules an aggregated role gets: for each of its selectors, the matching roles (itself
/// excepted) sorted by name, their rules appended unless an equal rule is already there.
pub(crate) fn aggregated_rules(role: &ClusterRole, all: &[&ClusterRole]) -> Vec<PolicyRule> {
    let mut rules: Vec<PolicyRule> = Vec::new();
    let selectors = role.aggregation_rule.iter().flat_map(|a| a.cluster_role_selectors.iter());
    for selector in selectors.flatten() {
        let Some(selector) = Selector::from_label_selector(selector) else { continue };
        // `all` comes from the store in name order, as the controller sorts the matches.
        let matching = all.iter().filter(|other| {
            other.metadata.name != role.metadata.name
                && selector.matches(other.metadata.labels.as_ref())
        });
        for rule in matching.flat_map(|other| other.rules.iter().flatten()) {
            if !rules.contains(rule) {
                rules.push(rule.clone());
            }
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::rbac::bootstrap;
    use crate::rng::Rng;
    use k8s_openapi::api::rbac::v1::AggregationRule;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
    use std::collections::BTreeMap;

    fn role(name: &str, label: Option<&str>, resources: &[&str]) -> ClusterRole {
        ClusterRole {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: label.map(|l| BTreeMap::from([(l.to_string(), "true".to_string())])),
                ..Default::default()
            },
            rules: Some(
                resources
                    .iter()
                    .map(|r| PolicyRule {
                        api_groups: Some(vec!["stable.example.com".into()]),
                        resources: Some(vec![r.to_string()]),
                        verbs: vec!["get".into()],
                        ..Default::default()
                    })
                    .collect(),
            ),
            aggregation_rule: None,
        }
    }

    fn resources(role: &ClusterRole) -> Vec<String> {
        role.rules.iter().flatten().flat_map(|r| r.resources.iter().flatten().cloned()).collect()
    }

    #[test]
    fn a_labelled_role_extends_edit_and_through_it_admin_and_leaves_when_deleted() {
        let mut api = ApiServer::new(SimTime::from_unix_ms(1_000_000), Rng::new(1));
        bootstrap::create_all(&mut api);
        let mut controller = ClusterRoleAggregationController::default();
        controller.reconcile(&mut api);
        let version = api.resource_version();
        controller.reconcile(&mut api);
        assert_eq!(api.resource_version(), version, "the bootstrap roles are aggregated already");

        let edit_before = resources(api.get::<ClusterRole>("", "edit").unwrap()).len();
        api.create(role(
            "crontabs-edit",
            Some("rbac.authorization.k8s.io/aggregate-to-edit"),
            &["crontabs"],
        ))
        .unwrap();
        for _ in 0..3 {
            controller.reconcile(&mut api);
        }
        let edit = resources(api.get::<ClusterRole>("", "edit").unwrap());
        assert_eq!(edit.len(), edit_before + 1);
        assert_eq!(edit[0], "crontabs", "matches are taken in name order");
        assert!(
            resources(api.get::<ClusterRole>("", "admin").unwrap()).contains(&"crontabs".into())
        );
        assert!(
            !resources(api.get::<ClusterRole>("", "view").unwrap()).contains(&"crontabs".into())
        );

        api.delete::<ClusterRole>("", "crontabs-edit", Default::default()).unwrap();
        for _ in 0..3 {
            controller.reconcile(&mut api);
        }
        assert!(
            !resources(api.get::<ClusterRole>("", "admin").unwrap()).contains(&"crontabs".into())
        );
    }

    #[test]
    fn equal_rules_are_kept_once_and_the_role_itself_is_not_a_source() {
        let mut monitoring = role("monitoring", Some("aggregate-to-monitoring"), &["ignored"]);
        monitoring.aggregation_rule = Some(AggregationRule {
            cluster_role_selectors: Some(vec![LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    "aggregate-to-monitoring".to_string(),
                    "true".to_string(),
                )])),
                ..Default::default()
            }]),
        });
        let a = role("a", Some("aggregate-to-monitoring"), &["pods", "services"]);
        let b = role("b", Some("aggregate-to-monitoring"), &["services", "endpoints"]);
        let other = role("c", None, &["secrets"]);
        let rules = aggregated_rules(&monitoring, &[&a, &b, &other, &monitoring]);
        let names: Vec<_> =
            rules.iter().flat_map(|r| r.resources.iter().flatten().cloned()).collect();
        assert_eq!(names, ["pods", "services", "endpoints"]);
    }
}
