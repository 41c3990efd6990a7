//! The three-way merge behind `kubectl apply`: the live object, the new configuration and the
//! last applied one. Lists of named things merge item by item (strategic merge's patch merge
//! keys); other lists and scalars take the new configuration's value; fields that were in the
//! last applied configuration and are no longer in the new one are removed.

use serde_json::{Map, Value};

/// The key that identifies items of a list field, as the strategic merge patch schema gives it.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let key = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => "name",
        "volumeMounts" | "volumeDevices" => "mountPath",
        "hostAliases" => "ip",
        "conditions" => "type",
        // Container ports are keyed by containerPort, Service ports by port.
        "ports" if items.iter().any(|i| i.get("containerPort").is_some()) => "containerPort",
        "ports" => "port",
        _ => return None,
    };
    items.iter().all(|i| i.get(key).is_some()).then_some(key)
}

/// The object `kubectl apply` sends: `live` changed as `config` says relative to `last`.
pub fn three_way(live: &Value, config: &Value, last: Option<&Value>) -> Value {
    merge(live, config, last, "")
}

fn merge(live: &Value, config: &Value, last: Option<&Value>, field: &str) -> Value {
    match (live, config) {
        (Value::Object(live_map), Value::Object(config_map)) => {
            let last_map = last.and_then(Value::as_object);
            let mut result: Map<String, Value> = live_map.clone();
            for (key, value) in config_map {
                // A null in the patch deletes the field.
                if value.is_null() {
                    result.remove(key);
                    continue;
                }
                let merged = match live_map.get(key) {
                    Some(live_value) => {
                        merge(live_value, value, last_map.and_then(|m| m.get(key)), key)
                    }
                    None => value.clone(),
                };
                result.insert(key.clone(), merged);
            }
            for key in last_map.into_iter().flat_map(Map::keys) {
                if !config_map.contains_key(key) {
                    result.remove(key);
                }
            }
            Value::Object(result)
        }
        (Value::Array(live_items), Value::Array(config_items)) => {
            match merge_key(field, config_items) {
                Some(key) if merge_key(field, live_items) == Some(key) => {
                    let last_items = last.and_then(Value::as_array);
                    let find = |items: &[Value], item: &Value| {
                        items.iter().find(|i| i.get(key) == item.get(key)).cloned()
                    };
                    let mut result: Vec<Value> = config_items
                        .iter()
                        .map(|item| {
                            let last_item = last_items.and_then(|l| find(l, item));
                            match find(live_items, item) {
                                Some(live_item) => merge(&live_item, item, last_item.as_ref(), ""),
                                None => item.clone(),
                            }
                        })
                        .collect();
                    // Items someone else added stay; items the last configuration had are gone.
                    for item in live_items {
                        let in_config = find(config_items, item).is_some();
                        let was_applied = last_items.is_some_and(|l| find(l, item).is_some());
                        if !in_config && !was_applied {
                            result.push(item.clone());
                        }
                    }
                    Value::Array(result)
                }
                _ => config.clone(),
            }
        }
        _ => config.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_defaults_survive_and_removed_fields_go() {
        let live = json!({"metadata": {"labels": {"app": "web", "tier": "front"}, "uid": "u1"},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.26", "imagePullPolicy": "IfNotPresent"}]}});
        let last = json!({"metadata": {"labels": {"app": "web", "tier": "front"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}});
        let config = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}});
        let merged = three_way(&live, &config, Some(&last));
        assert_eq!(merged["metadata"], json!({"labels": {"app": "web"}, "uid": "u1"}));
        assert_eq!(
            merged["spec"]["containers"],
            json!([{"name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent"}])
        );
    }

    #[test]
    fn named_list_items_merge_by_key() {
        let live = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]});
        let last = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]});
        let config = json!({"env": [{"name": "A", "value": "10"}]});
        // A is updated, B (applied before, now gone) is removed, C (added by someone else) stays.
        assert_eq!(
            three_way(&live, &config, Some(&last))["env"],
            json!([{"name": "A", "value": "10"}, {"name": "C", "value": "3"}])
        );
    }

    #[test]
    fn plain_lists_are_replaced() {
        let live = json!({"args": ["a", "b"]});
        assert_eq!(three_way(&live, &json!({"args": ["c"]}), None)["args"], json!(["c"]));
    }
}
