//! The namespace columns of `kubectl get namespaces`.

use super::{creation_age, table::Table};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Namespace;

pub fn table(namespaces: &[&Namespace], now: SimTime) -> Table {
    let mut table = Table::new(&["NAME", "STATUS", "AGE"]);
    for namespace in namespaces {
        table.row(vec![
            namespace.metadata.name.clone().unwrap_or_default(),
            namespace.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default(),
            creation_age(&namespace.metadata, now),
        ]);
    }
    table
}
