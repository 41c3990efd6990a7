//! NodePorts: a pod asking for host ports fits only on nodes where no other pod holds them.

use super::super::framework::{Code, CycleState, FilterPlugin, NodeInfo, Verdict, events, reject};

pub struct NodePorts;

const NAME: &str = "NodePorts";

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD | events::ASSIGNED_POD_DELETE
    }

    fn skip(&self, state: &CycleState<'_>) -> bool {
        state.info.host_ports.is_empty()
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        let clash = state
            .info
            .host_ports
            .iter()
            .any(|wanted| node.used_ports.iter().any(|used| used.conflicts(wanted)));
        if clash {
            reject(
                NAME,
                Code::Unschedulable,
                "node(s) didn't have free ports for the requested pod ports",
            )
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::framework::HostPort;

    fn port(ip: &str, protocol: &str, port: i32) -> HostPort {
        HostPort { ip: ip.into(), protocol: protocol.into(), port }
    }

    #[test]
    fn host_ports_conflict_as_kubernetes_checks_them() {
        let taken = port("0.0.0.0", "TCP", 8080);
        let cases = [
            ("the same port and protocol clash", port("0.0.0.0", "TCP", 8080), true),
            ("a wildcard address clashes with a specific one", port("10.0.0.1", "TCP", 8080), true),
            ("another protocol does not clash", port("0.0.0.0", "UDP", 8080), false),
            ("another port does not clash", port("0.0.0.0", "TCP", 8081), false),
        ];
        for (name, wanted, want) in cases {
            assert_eq!(taken.conflicts(&wanted), want, "{name}");
        }
        let specific = port("10.0.0.1", "TCP", 80);
        assert!(
            !specific.conflicts(&port("10.0.0.2", "TCP", 80)),
            "two specific addresses share a port"
        );
    }
}
