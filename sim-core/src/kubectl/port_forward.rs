//! `kubectl port-forward`: listeners on the student's laptop (`127.0.0.1` and `[::1]` by
//! default, `--address` for others) whose connections reach one pod — named, or picked from a
//! Deployment's or Service's pods as kubectl picks one — through the API server and its kubelet.
//! Like the real command it runs until interrupted (the console follows it as it follows a
//! watch; `&` leaves it in the lab shell's background) and ends when its pod does.

use super::flags::{Flag, FlagKind, Parsed};
use super::watch::Watch;
use super::{CommandDef, CommandError, CommandResult, Invocation, resources, target};
use crate::Simulation;
use crate::api::ApiServer;
use crate::network::port_forward::{ForwardedConnection, LocalForward};
use crate::podutil;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::time::Duration;

pub const DEF: CommandDef = CommandDef {
    long: "Forward one or more local ports to a pod.\n\n Use resource type/name such as deployment/mydeployment to select a pod. Resource type defaults to 'pod' if omitted.\n\n If there are multiple pods matching the criteria, a pod will be selected automatically. The forwarding session ends when the selected pod terminates, and a rerun of the command is needed to resume forwarding.",
    examples: "  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod\n  kubectl port-forward pod/mypod 5000 6000\n\n  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in a pod selected by the deployment\n  kubectl port-forward deployment/mydeployment 5000 6000\n\n  # Listen on port 8443 locally, forwarding to the targetPort of the service's port named \"https\" in a pod selected by the service\n  kubectl port-forward service/myservice 8443:https\n\n  # Listen on port 8888 locally, forwarding to 5000 in the pod\n  kubectl port-forward pod/mypod 8888:5000\n\n  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod\n  kubectl port-forward --address 0.0.0.0 pod/mypod 8888:5000\n\n  # Listen on port 8888 on localhost and selected IP, forwarding to 5000 in the pod\n  kubectl port-forward --address localhost,10.19.21.23 pod/mypod 8888:5000\n\n  # Listen on a random port locally, forwarding to 5000 in the pod\n  kubectl port-forward pod/mypod :5000",
    usage: "kubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
    flags: &[
        Flag {
            long: "address",
            short: None,
            kind: FlagKind::Values,
            default: "[localhost]",
            usage: "Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.",
        },
        Flag::value(
            "pod-running-timeout",
            None,
            "1m0s",
            "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running",
        ),
    ],
    required: &[],
    subcommands: &[],
};

/// A running `kubectl port-forward`: the pod it reaches and the laptop's listeners.
#[derive(Clone, Debug)]
pub struct PortForward {
    namespace: String,
    pod: String,
    uid: String,
    listeners: Vec<LocalForward>,
    finished: bool,
}

impl PortForward {
    /// The laptop's addresses and ports it listens on.
    pub fn listeners(&self) -> &[LocalForward] {
        if self.finished { &[] } else { &self.listeners }
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn alive(&self, api: &ApiServer) -> bool {
        api.get::<Pod>(&self.namespace, &self.pod)
            .is_ok_and(|p| podutil::uid(p) == self.uid && podutil::phase(p) == "Running")
    }

    /// Lets `by` of cluster time pass; the session ends when its pod stops running.
    pub fn follow(&mut self, sim: &mut Simulation, by: Duration) -> String {
        if self.finished {
            return String::new();
        }
        if sim.advance_until(by, |api| !self.alive(api)) {
            return self.lose();
        }
        String::new()
    }

    /// Ends the session if its pod is gone, with kubectl's last words.
    pub fn check(&mut self, api: &ApiServer) -> String {
        if self.finished || self.alive(api) { String::new() } else { self.lose() }
    }

    fn lose(&mut self) -> String {
        self.finished = true;
        "error: lost connection to pod\n".to_string()
    }

    /// What kubectl prints for a connection through one of its listeners: the line for each,
    /// then the kubelet's error if there was one, which ends the session.
    pub fn handle(
        &mut self,
        connection: &ForwardedConnection,
        now: crate::time::SimTime,
    ) -> String {
        if self.finished
            || connection.uid != self.uid
            || !self.listeners.iter().any(|l| l.local_port == connection.local_port)
        {
            return String::new();
        }
        let mut text = format!("Handling connection for {}\n", connection.local_port);
        if let Some(error) = &connection.error {
            let stamp = now.strftime("%m%d %H:%M:%S%.6f");
            let err = format!(
                "an error occurred forwarding {} -> {}: {error}",
                connection.local_port, connection.remote_port
            );
            text.push_str(&format!(
                "E{stamp}   {KUBECTL_PID} portforward.go:424] \"Unhandled Error\" err={:?}\n",
                err
            ));
            text.push_str(&self.lose());
        }
        text
    }
}

/// The process id kubectl's klog lines carry.
const KUBECTL_PID: u32 = 4211;

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let [typed, ports @ ..] = parsed.args.as_slice() else {
        return Err(usage());
    };
    if ports.is_empty() {
        return Err(usage());
    }
    if let Some(timeout) = parsed.value("pod-running-timeout") {
        crate::time::parse_go_duration(timeout).ok().filter(|d| !d.is_zero()).ok_or_else(|| {
            CommandError::Usage("--pod-running-timeout must be higher than zero".into())
        })?;
    }
    let (pod, service) = forwardable_pod(inv, typed)?;
    let ports: Vec<String> = match &service {
        Some(service) => ports
            .iter()
            .map(|p| translate_service_port(p, service, &pod))
            .collect::<Result<_, _>>()?,
        None => ports.iter().map(|p| convert_named_port(p, &pod)).collect::<Result<_, _>>()?,
    };
    let phase = podutil::phase(&pod);
    if phase != "Running" {
        return Err(CommandError::Plain(format!(
            "unable to forward port because pod is not running. Current status={phase}"
        )));
    }
    let addresses = listen_addresses(parsed)?;
    let mut wanted = Vec::new();
    for port in &ports {
        wanted.push(parse_port(port)?);
    }
    let mut listeners = Vec::new();
    let mut listened = false;
    for (local, remote) in wanted {
        let mut local = local;
        let mut failures = Vec::new();
        let mut ok = 0;
        for address in &addresses {
            if local == 0 {
                let bytes = inv.sim.urandom(2);
                local = 32768 + (u16::from_be_bytes([bytes[0], bytes[1]]) % 28232);
            }
            let taken = inv
                .laptop_ports
                .iter()
                .cloned()
                .chain(listeners.iter().map(|l: &LocalForward| (l.address.clone(), l.local_port)))
                .any(|(a, p)| p == local && overlaps(&a, address));
            let protocol = if address.contains(':') { "tcp6" } else { "tcp4" };
            let shown = join_host_port(address, local);
            if taken {
                failures.push(format!(
                    "unable to create listener: Error listen {protocol} {shown}: bind: address already in use"
                ));
                continue;
            }
            ok += 1;
            inv.out.out(format!("Forwarding from {shown} -> {remote}\n"));
            listeners.push(LocalForward {
                address: address.clone(),
                local_port: local,
                remote_port: remote,
                namespace: inv.namespace.clone(),
                pod: podutil::name(&pod).to_string(),
                uid: podutil::uid(&pod).to_string(),
            });
        }
        if !failures.is_empty() {
            inv.out.err_line(format!(
                "Unable to listen on port {local}: Listeners failed to create with the following errors: [{}]",
                failures.join(" ")
            ));
        } else if ok > 0 {
            listened = true;
        }
    }
    if !listened {
        let all: Vec<String> = ports
            .iter()
            .filter_map(|p| parse_port(p).ok())
            .map(|(l, r)| format!("{{{l} {r}}}"))
            .collect();
        return Err(CommandError::Plain(format!(
            "unable to listen on any of the requested ports: [{}]",
            all.join(" ")
        )));
    }
    *inv.watch = Some(Watch::port_forward(PortForward {
        namespace: inv.namespace.clone(),
        pod: podutil::name(&pod).to_string(),
        uid: podutil::uid(&pod).to_string(),
        listeners,
        finished: false,
    }));
    Ok(0)
}

fn usage() -> CommandError {
    CommandError::Usage("TYPE/NAME and list of ports are required for port-forward".into())
}

/// Whether listening on `b` collides with a listener on `a` for the same port.
fn overlaps(a: &str, b: &str) -> bool {
    a == b || matches!(a, "0.0.0.0" | "::") || matches!(b, "0.0.0.0" | "::")
}

fn join_host_port(address: &str, port: u16) -> String {
    if address.contains(':') { format!("[{address}]:{port}") } else { format!("{address}:{port}") }
}

/// `--address`: `localhost` means both loopback addresses; sorted, as client-go sorts them.
fn listen_addresses(parsed: &Parsed) -> Result<Vec<String>, CommandError> {
    let given: Vec<String> = parsed
        .values("address")
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    let given = if given.is_empty() { vec!["localhost".to_string()] } else { given };
    let mut addresses = Vec::new();
    for address in given {
        if address == "localhost" {
            addresses.extend(["127.0.0.1".to_string(), "::1".to_string()]);
        } else if address.parse::<std::net::IpAddr>().is_ok() {
            addresses.push(address);
        } else {
            return Err(CommandError::Plain(format!("{address} is not a valid IP")));
        }
    }
    crate::sort::sort(&mut addresses);
    addresses.dedup();
    Ok(addresses)
}

/// `[LOCAL:]REMOTE` as client-go's `parsePorts` reads it (`:5000` picks a free local port).
fn parse_port(spec: &str) -> Result<(u16, u16), CommandError> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (local, remote) = match parts.as_slice() {
        [one] => (*one, *one),
        [local, remote] => (if local.is_empty() { "0" } else { *local }, *remote),
        _ => return Err(CommandError::Plain(format!("invalid port format '{spec}'"))),
    };
    let number = |text: &str, which: &str| {
        text.parse::<u16>().map_err(|_| {
            let why =
                if text.parse::<u64>().is_ok() { "value out of range" } else { "invalid syntax" };
            CommandError::Plain(format!(
                "error parsing {which} port '{text}': strconv.ParseUint: parsing {text:?}: {why}"
            ))
        })
    };
    let local = number(local, "local")?;
    let remote = number(remote, "remote")?;
    if remote == 0 {
        return Err(CommandError::Plain("remote port must be > 0".into()));
    }
    Ok((local, remote))
}

/// The pod to forward to, and the Service when one was named (its ports are translated).
fn forwardable_pod(
    inv: &mut Invocation<'_>,
    typed: &str,
) -> Result<(Pod, Option<Service>), CommandError> {
    let service = match typed.split_once('/') {
        Some((kind, name)) if resources::resolve(inv.sim.api(), kind)?.kind() == "Service" => {
            let service = inv
                .sim
                .api()
                .get::<Service>(&inv.namespace, name)
                .cloned()
                .map_err(CommandError::Api)?;
            if service.spec.as_ref().and_then(|s| s.selector.as_ref()).is_none_or(|s| s.is_empty())
            {
                return Err(CommandError::Plain(format!(
                    "cannot attach to *v1.Service: invalid service '{name}': Service is defined without a selector"
                )));
            }
            Some(service)
        }
        _ => None,
    };
    let (pod, _) = target::attachable_pod(inv, typed)?;
    Ok((pod, service))
}

/// kubectl's `splitPort`: `LOCAL:REMOTE`, or anything else as its first part twice.
fn split_port(spec: &str) -> (&str, &str) {
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [local, remote] => (local, remote),
        _ => (parts[0], parts[0]),
    }
}

/// A pod target's named remote port as its number (`convertPodNamedPortToNumber`).
fn convert_named_port(spec: &str, pod: &Pod) -> Result<String, CommandError> {
    let (local, remote) = split_port(spec);
    if remote.is_empty() {
        return Err(CommandError::Plain("remote port cannot be empty".into()));
    }
    if remote.parse::<i64>().is_ok() {
        return Ok(spec.to_string());
    }
    let number = container_port_by_name(pod, remote)?;
    Ok(if local == remote { number.to_string() } else { format!("{local}:{number}") })
}

fn container_port_by_name(pod: &Pod, name: &str) -> Result<i32, CommandError> {
    pod.spec
        .iter()
        .flat_map(|s| &s.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name))
        .map(|p| p.container_port)
        .ok_or_else(|| {
            CommandError::Plain(format!(
                "Pod '{}' does not have a named port '{name}'",
                podutil::name(pod)
            ))
        })
}

/// A Service's port as the container port behind it (`translateServicePortToTargetPort`).
fn translate_service_port(
    spec: &str,
    service: &Service,
    pod: &Pod,
) -> Result<String, CommandError> {
    let (local, remote) = split_port(spec);
    let name = service.metadata.name.as_deref().unwrap_or_default();
    let spec_ports: Vec<_> = service.spec.iter().flat_map(|s| s.ports.iter().flatten()).collect();
    let (mut local, port) = match remote.parse::<i32>() {
        Ok(port) => (local.to_string(), port),
        Err(_) => {
            let port = spec_ports
                .iter()
                .find(|p| p.name.as_deref() == Some(remote))
                .map(|p| p.port)
                .ok_or_else(|| {
                    CommandError::Plain(format!(
                        "Service '{name}' does not have a named port '{remote}'"
                    ))
                })?;
            let local = if local == remote { port.to_string() } else { local.to_string() };
            (local, port)
        }
    };
    let headless = service.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None");
    let container_port = if headless {
        port
    } else {
        let Some(service_port) = spec_ports.iter().find(|p| p.port == port) else {
            return Err(CommandError::Plain(format!(
                "Service {name} does not have a service port {port}"
            )));
        };
        match &service_port.target_port {
            Some(IntOrString::Int(0)) | None => service_port.port,
            Some(IntOrString::Int(target)) => *target,
            Some(IntOrString::String(named)) => container_port_by_name(pod, named)?,
        }
    };
    let remote = container_port.to_string();
    if local.is_empty() {
        local = "0".into();
    }
    Ok(if local == remote { remote } else { format!("{local}:{remote}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_as_client_go_reads_them() {
        assert_eq!(parse_port("8080:80").ok(), Some((8080, 80)));
        assert_eq!(parse_port("5000").ok(), Some((5000, 5000)));
        assert_eq!(parse_port(":5000").ok(), Some((0, 5000)));
        let message = |spec| match parse_port(spec) {
            Err(CommandError::Plain(m)) => m,
            _ => String::new(),
        };
        assert_eq!(message("1:2:3"), "invalid port format '1:2:3'");
        assert_eq!(message("8080:0"), "remote port must be > 0");
        assert_eq!(
            message("x:80"),
            "error parsing local port 'x': strconv.ParseUint: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            message("70000"),
            "error parsing local port '70000': strconv.ParseUint: parsing \"70000\": value out of range"
        );
    }

    #[test]
    fn localhost_listens_on_both_loopbacks() {
        assert_eq!(join_host_port("::1", 8080), "[::1]:8080");
        assert!(overlaps("0.0.0.0", "127.0.0.1"));
        assert!(!overlaps("::1", "127.0.0.1"));
    }
}
