//! NodeUnschedulable: cordoned nodes (`spec.unschedulable`) take no new pods, unless the pod
//! tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint.

use super::super::framework::{FilterPlugin, NodeInfo, Verdict};
use super::tolerates;
use k8s_openapi::api::core::v1::{Pod, Taint};

pub struct NodeUnschedulable;

impl FilterPlugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        "NodeUnschedulable"
    }

    fn filter(&self, pod: &Pod, node: &NodeInfo<'_>) -> Verdict {
        let cordoned = node.node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
        let taint = Taint {
            key: "node.kubernetes.io/unschedulable".to_string(),
            effect: "NoSchedule".to_string(),
            ..Default::default()
        };
        if cordoned && !tolerates(pod, &taint) {
            Verdict::UnschedulableAndUnresolvable(vec!["node(s) were unschedulable".to_string()])
        } else {
            Verdict::Fits
        }
    }
}
