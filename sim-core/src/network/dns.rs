//! Cluster DNS as CoreDNS's kubernetes plugin answers it at 10.96.0.10: Services
//! (`SVC.NS.svc.cluster.local`: the cluster IP, a headless Service's ready endpoints, an
//! ExternalName's CNAME), endpoints with a hostname (`web-0.nginx.default.svc.cluster.local`),
//! pods by address (`10-244-1-5.default.pod.cluster.local`) and SRV records for named ports
//! (`_http._tcp.SVC.NS.svc.cluster.local`); short names go through the pod's search path.

use crate::api::ApiServer;
use crate::container::net::{Lookup, Record};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

pub const CLUSTER_DNS_IP: &str = "10.96.0.10";
pub const CLUSTER_DOMAIN: &str = "cluster.local";
/// `options ndots:5` in a pod's /etc/resolv.conf.
const NDOTS: usize = 5;

/// A lookup from a pod in `namespace` (the search path `NS.svc.cluster.local svc.cluster.local
/// cluster.local`), or from a node or outside (`None`: names are tried as they are).
pub fn lookup(api: &ApiServer, namespace: Option<&str>, name: &str, srv: bool) -> Lookup {
    let name = name.trim_end_matches('.');
    let mut candidates: Vec<String> = Vec::new();
    let absolute = name.matches('.').count() >= NDOTS;
    if absolute {
        candidates.push(name.to_string());
    }
    if let Some(namespace) = namespace {
        for domain in [
            format!("{namespace}.svc.{CLUSTER_DOMAIN}"),
            format!("svc.{CLUSTER_DOMAIN}"),
            CLUSTER_DOMAIN.to_string(),
        ] {
            candidates.push(format!("{name}.{domain}"));
        }
    }
    if !absolute {
        candidates.push(name.to_string());
    }
    let answer = candidates.into_iter().find_map(|fqdn| {
        let records = answer(api, &fqdn, srv, 0)?;
        Some((fqdn, records))
    });
    Lookup { server: CLUSTER_DNS_IP.to_string(), answer, timed_out: false }
}

/// The records for one fully qualified name, `None` for NXDOMAIN.
fn answer(api: &ApiServer, fqdn: &str, srv: bool, depth: u8) -> Option<Vec<Record>> {
    let suffix = format!(".{CLUSTER_DOMAIN}");
    let local = fqdn.strip_suffix(&suffix)?;
    let labels: Vec<&str> = local.split('.').collect();
    match labels.as_slice() {
        [port, proto, service, namespace, "svc"] if srv => {
            let port = port.strip_prefix('_')?;
            let proto = proto.strip_prefix('_')?.to_uppercase();
            srv_records(api, namespace, service, port, &proto)
        }
        [service, namespace, "svc"] if !srv => {
            let service = api.get::<Service>(namespace, service).ok()?;
            let spec = service.spec.as_ref()?;
            if spec.type_.as_deref() == Some("ExternalName") {
                let target = spec.external_name.clone().unwrap_or_default();
                let mut records = vec![Record::Cname(target.clone())];
                if depth < 4
                    && let Some(more) = answer(api, &target, false, depth + 1)
                {
                    records.extend(more);
                }
                return Some(records);
            }
            match spec.cluster_ip.as_deref() {
                Some("None") => Some(
                    ready_endpoints(api, namespace, service.metadata.name.as_deref()?)
                        .into_iter()
                        .map(|(ip, _)| Record::A(ip))
                        .collect(),
                ),
                Some(ip) if !ip.is_empty() => Some(vec![Record::A(ip.to_string())]),
                _ => None,
            }
        }
        [hostname, service, namespace, "svc"] if !srv => {
            let found: Vec<Record> = ready_endpoints(api, namespace, service)
                .into_iter()
                .filter(|(_, h)| h.as_deref() == Some(*hostname))
                .map(|(ip, _)| Record::A(ip))
                .collect();
            (!found.is_empty()).then_some(found)
        }
        [dashed, _namespace, "pod"] if !srv => {
            let ip = dashed.replace('-', ".");
            let valid =
                ip.split('.').count() == 4 && ip.split('.').all(|o| o.parse::<u8>().is_ok());
            valid.then(|| vec![Record::A(ip)])
        }
        _ => None,
    }
}

/// A Service's ready endpoints from its EndpointSlices: (address, hostname).
fn ready_endpoints(
    api: &ApiServer,
    namespace: &str,
    service: &str,
) -> Vec<(String, Option<String>)> {
    let mut found: Vec<(String, Option<String>)> = api
        .list::<EndpointSlice>(Some(namespace))
        .filter(|s| {
            s.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("kubernetes.io/service-name"))
                .map(String::as_str)
                == Some(service)
        })
        .flat_map(|s| s.endpoints.iter())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .filter_map(|e| Some((e.addresses.first()?.clone(), e.hostname.clone())))
        .collect();
    crate::sort::sort(&mut found);
    found.dedup();
    found
}

/// `_PORT._PROTO.SVC.NS.svc.cluster.local`: the named port of the Service, pointing at the
/// Service's name (or each endpoint's, for a headless Service).
fn srv_records(
    api: &ApiServer,
    namespace: &str,
    service: &str,
    port_name: &str,
    protocol: &str,
) -> Option<Vec<Record>> {
    let object = api.get::<Service>(namespace, service).ok()?;
    let spec = object.spec.as_ref()?;
    let port = spec.ports.iter().flatten().find(|p| {
        p.name.as_deref() == Some(port_name) && p.protocol.as_deref().unwrap_or("TCP") == protocol
    })?;
    let port = u16::try_from(port.port).ok()?;
    let base = format!("{service}.{namespace}.svc.{CLUSTER_DOMAIN}");
    if spec.cluster_ip.as_deref() == Some("None") {
        let endpoints = ready_endpoints(api, namespace, service);
        let weight = if endpoints.is_empty() { 0 } else { (100 / endpoints.len()) as u16 };
        let records: Vec<Record> = endpoints
            .into_iter()
            .map(|(ip, hostname)| {
                let host = hostname.unwrap_or_else(|| ip.replace('.', "-"));
                Record::Srv(0, weight, port, format!("{host}.{base}"))
            })
            .collect();
        return (!records.is_empty()).then_some(records);
    }
    Some(vec![Record::Srv(0, 100, port, base)])
}
