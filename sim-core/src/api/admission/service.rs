//! Service admission: defaults, cluster IP and node port allocation as the service REST storage
//! does them, and validation.

use super::Admission;
use crate::api::{ApiError, ApiServer, FieldError};
use k8s_openapi::api::core::v1::{Service, ServiceStatus};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

const TYPES: &[&str] = &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];
/// kubeadm's service CIDR 10.96.0.0/12: 2^20 addresses.
const SERVICE_CIDR_SIZE: u32 = 1 << 20;
/// The lower band is kept for static IPs (`min(max(16, size/16), 256)` addresses).
const STATIC_BAND: u32 = 256;
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<i32> = 30000..=32767;

/// `10.96.0.0` + `offset`.
pub fn service_ip(offset: u32) -> String {
    let address = (10u32 << 24) | (96 << 16) | offset;
    format!(
        "{}.{}.{}.{}",
        address >> 24,
        (address >> 16) & 255,
        (address >> 8) & 255,
        address & 255
    )
}

impl Admission for Service {
    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        let service_type = spec.type_.get_or_insert_with(|| "ClusterIP".into()).clone();
        if service_type != "ExternalName" {
            spec.session_affinity.get_or_insert_with(|| "None".into());
            spec.internal_traffic_policy.get_or_insert_with(|| "Cluster".into());
        }
        if service_type == "NodePort" || service_type == "LoadBalancer" {
            spec.external_traffic_policy.get_or_insert_with(|| "Cluster".into());
        }
        if service_type == "LoadBalancer" {
            spec.allocate_load_balancer_node_ports.get_or_insert(true);
        }
        for port in spec.ports.iter_mut().flatten() {
            port.protocol.get_or_insert_with(|| "TCP".into());
            port.target_port.get_or_insert(IntOrString::Int(port.port));
        }
        self.status.get_or_insert_with(|| ServiceStatus {
            load_balancer: Some(Default::default()),
            ..Default::default()
        });
    }

    /// Picks a free cluster IP from the dynamic band and free node ports, as the allocators do.
    fn allocate(&mut self, api: &mut ApiServer) -> Result<(), ApiError> {
        let used_ips: Vec<String> =
            api.list::<Service>(None).filter_map(|s| s.spec.as_ref()?.cluster_ip.clone()).collect();
        let used_ports: Vec<i32> = api
            .list::<Service>(None)
            .flat_map(|s| {
                s.spec
                    .iter()
                    .flat_map(|spec| spec.ports.iter().flatten())
                    .filter_map(|p| p.node_port)
            })
            .collect();
        let Some(spec) = self.spec.as_mut() else { return Ok(()) };
        let service_type = spec.type_.clone().unwrap_or_default();
        if service_type != "ExternalName" && spec.cluster_ip.as_deref().is_none_or(str::is_empty) {
            let ip = loop {
                let offset = STATIC_BAND
                    + api.rng_mut().below(u64::from(SERVICE_CIDR_SIZE - STATIC_BAND - 2)) as u32;
                let candidate = service_ip(offset);
                if !used_ips.contains(&candidate) {
                    break candidate;
                }
            };
            spec.cluster_ip = Some(ip.clone());
            spec.cluster_ips = Some(vec![ip]);
        } else if let Some(ip) = spec.cluster_ip.clone() {
            spec.cluster_ips.get_or_insert_with(|| vec![ip]);
        }
        if service_type != "ExternalName" {
            spec.ip_families.get_or_insert_with(|| vec!["IPv4".into()]);
            spec.ip_family_policy.get_or_insert_with(|| "SingleStack".into());
        }
        let wants_node_ports = service_type == "NodePort"
            || (service_type == "LoadBalancer"
                && spec.allocate_load_balancer_node_ports != Some(false));
        if wants_node_ports {
            let mut taken = used_ports;
            for (i, port) in spec.ports.iter_mut().flatten().enumerate() {
                if let Some(given) = port.node_port
                    && taken.contains(&given)
                {
                    return Err(ApiError::Invalid {
                        kind: "Service".into(),
                        group: String::new(),
                        name: self.metadata.name.clone().unwrap_or_default(),
                        causes: vec![FieldError::invalid_raw(
                            format!("spec.ports[{i}].nodePort"),
                            given.to_string(),
                            "provided port is already allocated",
                        )],
                    });
                }
                if port.node_port.is_none() {
                    let span = (NODE_PORT_RANGE.end() - NODE_PORT_RANGE.start() + 1) as u64;
                    let chosen = loop {
                        let candidate = NODE_PORT_RANGE.start() + api.rng_mut().below(span) as i32;
                        if !taken.contains(&candidate) {
                            break candidate;
                        }
                    };
                    port.node_port = Some(chosen);
                }
                taken.extend(port.node_port);
            }
        }
        Ok(())
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = Vec::new();
        let service_type = spec.type_.as_deref().unwrap_or("ClusterIP");
        if !TYPES.contains(&service_type) {
            errors.push(FieldError::not_supported("spec.type", service_type, TYPES));
        }
        let ports = spec.ports.as_deref().unwrap_or_default();
        let headless = spec.cluster_ip.as_deref() == Some("None");
        if service_type == "ExternalName" {
            if spec.external_name.as_deref().is_none_or(str::is_empty) {
                errors.push(FieldError::required("spec.externalName"));
            }
        } else if ports.is_empty() && !headless {
            errors.push(FieldError::required("spec.ports"));
        }
        for (i, port) in ports.iter().enumerate() {
            if ports.len() > 1 && port.name.as_deref().is_none_or(str::is_empty) {
                errors.push(FieldError::required(format!("spec.ports[{i}].name")));
            }
            if !(1..=65535).contains(&port.port) {
                errors.push(FieldError::invalid_raw(
                    format!("spec.ports[{i}].port"),
                    port.port.to_string(),
                    "must be between 1 and 65535, inclusive",
                ));
            }
            if let Some(protocol) = &port.protocol
                && !PROTOCOLS.contains(&protocol.as_str())
            {
                errors.push(FieldError::not_supported(
                    format!("spec.ports[{i}].protocol"),
                    protocol,
                    PROTOCOLS,
                ));
            }
            if let Some(node_port) = port.node_port
                && !NODE_PORT_RANGE.contains(&node_port)
            {
                errors.push(FieldError::invalid_raw(
                    format!("spec.ports[{i}].nodePort"),
                    node_port.to_string(),
                    "provided port is not in the valid range. The range of valid ports is 30000-32767",
                ));
            }
        }
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let new_ip = self.spec.as_ref().and_then(|s| s.cluster_ip.clone());
        let old_ip = old.spec.as_ref().and_then(|s| s.cluster_ip.clone());
        match (new_ip, old_ip) {
            (Some(new), Some(old)) if new != old && !new.is_empty() => {
                vec![FieldError::invalid_raw(
                    "spec.clusterIPs[0]",
                    format!("[]string{{{new:?}}}"),
                    "may not change once set",
                )]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_ips_count_up_from_the_network() {
        assert_eq!(service_ip(1), "10.96.0.1");
        assert_eq!(service_ip(10), "10.96.0.10");
        assert_eq!(service_ip(256 + 255), "10.96.1.255");
        assert_eq!(service_ip((1 << 20) - 2), "10.111.255.254");
    }
}
