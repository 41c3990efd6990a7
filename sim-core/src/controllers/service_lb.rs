//! The cloud controller manager's service controller, for the lab's simulated cloud: every
//! Service of type LoadBalancer gets a load balancer [`PROVISIONING`] after it is seen
//! (EXTERNAL-IP `<pending>` until then), its address the lowest free one in
//! [`ADDRESS_POOL`] (203.0.113.0/24, the documentation range, so it can never be mistaken for
//! a real address). The load balancer sends traffic to the nodes' node ports; the network
//! model (`crate::network`) carries it.

use crate::api::{ApiServer, EventSource, EventType};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{LoadBalancerIngress, LoadBalancerStatus, Service};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long the simulated cloud takes to provision a load balancer.
pub const PROVISIONING: Duration = Duration::from_secs(10);
/// The simulated cloud's addresses: 203.0.113.10 to 203.0.113.250.
pub const ADDRESS_POOL: (&str, std::ops::RangeInclusive<u8>) = ("203.0.113", 10..=250);

const SOURCE: EventSource<'static> = EventSource { component: "service-controller", host: None };

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ServiceLoadBalancerController {
    seen_api_version: u64,
    /// Load balancers being provisioned: service uid → when they are ready.
    provisioning: BTreeMap<String, SimTime>,
}

impl ServiceLoadBalancerController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let due = self.provisioning.values().any(|&at| at <= now);
        if !due && !api.kind_changed_since::<Service>(self.seen_api_version) {
            return self.provisioning.values().min().copied();
        }
        let services: Vec<Service> = api.list::<Service>(None).cloned().collect();
        let wanted: Vec<String> = services
            .iter()
            .filter(|s| is_load_balancer(s))
            .filter_map(|s| s.metadata.uid.clone())
            .collect();
        self.provisioning.retain(|uid, _| wanted.contains(uid));
        for service in &services {
            let uid = service.metadata.uid.clone().unwrap_or_default();
            let namespace = service.metadata.namespace.clone().unwrap_or_default();
            let name = service.metadata.name.clone().unwrap_or_default();
            let has_address = ingress(service).is_some_and(|i| !i.is_empty());
            if !is_load_balancer(service) {
                if has_address {
                    // No longer a LoadBalancer: the cloud's one is deleted.
                    let _ = api.update::<Service>(&namespace, &name, |s| {
                        if let Some(status) = s.status.as_mut() {
                            status.load_balancer = Some(LoadBalancerStatus::default());
                        }
                    });
                    api.record_event(
                        service,
                        None,
                        SOURCE,
                        EventType::Normal,
                        "DeletedLoadBalancer",
                        "Deleted load balancer".to_string(),
                    );
                }
                continue;
            }
            if has_address {
                continue;
            }
            match self.provisioning.get(&uid) {
                None => {
                    self.provisioning.insert(uid, now + PROVISIONING);
                    api.record_event(
                        service,
                        None,
                        SOURCE,
                        EventType::Normal,
                        "EnsuringLoadBalancer",
                        "Ensuring load balancer".to_string(),
                    );
                }
                Some(&at) if at <= now => {
                    self.provisioning.remove(&uid);
                    let Some(ip) = free_address(api) else { continue };
                    let _ = api.update::<Service>(&namespace, &name, |s| {
                        s.status.get_or_insert_with(Default::default).load_balancer =
                            Some(LoadBalancerStatus {
                                ingress: Some(vec![LoadBalancerIngress {
                                    ip: Some(ip.clone()),
                                    ip_mode: Some("VIP".into()),
                                    ..Default::default()
                                }]),
                            });
                    });
                    api.record_event(
                        service,
                        None,
                        SOURCE,
                        EventType::Normal,
                        "EnsuredLoadBalancer",
                        "Ensured load balancer".to_string(),
                    );
                }
                Some(_) => {}
            }
        }
        self.seen_api_version = api.resource_version();
        self.provisioning.values().min().copied()
    }
}

fn is_load_balancer(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer")
}

fn ingress(service: &Service) -> Option<&Vec<LoadBalancerIngress>> {
    service.status.as_ref()?.load_balancer.as_ref()?.ingress.as_ref()
}

/// The lowest pool address no Service holds.
fn free_address(api: &ApiServer) -> Option<String> {
    let taken: Vec<String> = api
        .list::<Service>(None)
        .filter_map(ingress)
        .flatten()
        .filter_map(|i| i.ip.clone())
        .collect();
    let (prefix, range) = ADDRESS_POOL;
    range.map(|last| format!("{prefix}.{last}")).find(|ip| !taken.contains(ip))
}
