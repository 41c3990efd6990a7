//! NodeName: a pod that names its node (`spec.nodeName` set before scheduling, or a pod dragged
//! onto a node) fits only there.

use super::super::framework::{FilterPlugin, NodeInfo, Verdict};
use k8s_openapi::api::core::v1::Pod;

pub struct NodeName;

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        "NodeName"
    }

    fn filter(&self, pod: &Pod, node: &NodeInfo<'_>) -> Verdict {
        match pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            Some(wanted) if !wanted.is_empty() && wanted != node.name => {
                Verdict::UnschedulableAndUnresolvable(vec![
                    "node(s) didn't match the requested node name".to_string(),
                ])
            }
            _ => Verdict::Fits,
        }
    }
}
