//! The registry of the default scheduler profile's plugins, in kube-scheduler's order.
//! Adding a plugin means writing its file and listing it here.

mod balanced_allocation;
mod image_locality;
mod node_name;
mod node_resources_fit;
mod node_unschedulable;
mod taint_toleration;

use super::framework::{FilterPlugin, ScorePlugin};

pub use taint_toleration::tolerates;

pub static FILTERS: &[&dyn FilterPlugin] = &[
    &node_unschedulable::NodeUnschedulable,
    &node_name::NodeName,
    &taint_toleration::TaintToleration,
    &node_resources_fit::NodeResourcesFit,
];

pub static SCORES: &[&dyn ScorePlugin] = &[
    &taint_toleration::TaintToleration,
    &node_resources_fit::NodeResourcesFit,
    &balanced_allocation::NodeResourcesBalancedAllocation,
    &image_locality::ImageLocality,
];
