//! The event columns of `kubectl get events`.

use super::{age, table::Table};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Event;

pub fn table(events: &[&Event], now: SimTime, with_namespace: bool) -> Table {
    let mut header = vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
    if with_namespace {
        header.insert(0, "NAMESPACE");
    }
    let mut table = Table::new(&header);
    for event in events {
        let involved = &event.involved_object;
        let object = format!(
            "{}/{}",
            involved.kind.as_deref().unwrap_or_default().to_lowercase(),
            involved.name.as_deref().unwrap_or_default()
        );
        let last_seen = event.last_timestamp.as_ref().or(event.first_timestamp.as_ref());
        let mut row = vec![
            age(last_seen, now),
            event.type_.clone().unwrap_or_default(),
            event.reason.clone().unwrap_or_default(),
            object,
            event.message.clone().unwrap_or_default(),
        ];
        if with_namespace {
            row.insert(0, event.metadata.namespace.clone().unwrap_or_default());
        }
        table.row(row);
    }
    table
}
