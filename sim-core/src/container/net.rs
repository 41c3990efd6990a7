//! The network as a container's programs reach it: name lookups through the pod's resolver,
//! TCP connections and HTTP requests. The kubelet hands a container a [`Network`] for the pod
//! it runs in; the cluster network behind it (`crate::network`) decides what answers.

/// What a container can do on the network. Every call is answered at once, in virtual time.
pub trait Network {
    /// Looks `name` up as the pod's resolver does (`/etc/resolv.conf`: the cluster DNS server,
    /// the namespace's search path, `ndots:5`), for A records or, with `srv`, SRV records.
    fn lookup(&mut self, name: &str, srv: bool) -> Lookup;
    /// Opens a TCP connection to `host:port` and, with a request, sends it and reads the answer.
    fn connect(&mut self, host: &str, port: u16, request: Option<&HttpRequest>) -> Connection;
}

/// The resolver's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The DNS server that answered (`10.96.0.10`).
    pub server: String,
    /// The fully qualified name that matched, with its records; `None` for NXDOMAIN.
    pub answer: Option<(String, Vec<Record>)>,
    /// No DNS server answered (no CoreDNS pod ready, or a NetworkPolicy in the way).
    pub timed_out: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    A(String),
    Cname(String),
    /// priority, weight, port, target.
    Srv(u16, u16, u16, String),
}

/// An HTTP request a client program sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The `Host` header (the URL's host unless a header says otherwise).
    pub host: String,
    pub https: bool,
    pub headers: Vec<(String, String)>,
    pub user_agent: String,
    pub body: Option<String>,
}

/// What became of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Connected; the HTTP status and body when a request was sent.
    Answered { ip: String, status: u16, body: String },
    /// Connected, but nothing speaks HTTP there (or no request was sent).
    Connected { ip: String },
    /// The name does not resolve.
    UnknownHost,
    /// RST or ICMP unreachable: nothing listens, or a Service without endpoints.
    Refused { ip: String },
    /// Dropped on the way (a NetworkPolicy, a node that does not forward, no route).
    TimedOut { ip: String },
}
