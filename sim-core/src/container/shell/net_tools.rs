//! The network clients a container shell runs — `curl`, `wget`, `nslookup`, `nc` — over the
//! pod's [`Network`], with the messages curl and busybox print.

use super::commands::Tool;
use crate::container::net::{Connection, HttpRequest, Lookup, Network, Record};

/// The curl the images ship (curlimages/curl, Debian's).
const CURL_USER_AGENT: &str = "curl/8.16.0";

/// One run of a client: its arguments, what it prints, and where `-o FILE` goes.
pub struct Call<'a> {
    pub name: &'a str,
    pub args: &'a [String],
    pub out: String,
    pub err: String,
    /// busybox 1.28's `nslookup` format.
    pub legacy_nslookup: bool,
    /// Writes a downloaded file (name, text); false when it cannot.
    pub save: &'a mut dyn FnMut(&str, &str) -> bool,
}

/// Runs one of the clients in a container shell; `None` when `t.name` is not one.
pub(crate) fn run(t: &mut Tool, net: &mut dyn Network) -> Option<i32> {
    let cwd = t.cwd.to_string();
    let view = &mut t.ctx.view;
    let mut save = |file: &str, text: &str| {
        view.write(&crate::container::fs::normalize(&cwd, file), text, false).is_ok()
    };
    let mut call = Call {
        name: t.name,
        args: t.args,
        out: String::new(),
        err: String::new(),
        legacy_nslookup: t.ctx.legacy_nslookup,
        save: &mut save,
    };
    let code = client(&mut call, net);
    t.out.push_str(&call.out);
    t.err.push_str(&call.err);
    code
}

/// Runs `curl`, `wget`, `nslookup` or `nc`; `None` for other names.
pub fn client(t: &mut Call, net: &mut dyn Network) -> Option<i32> {
    Some(match t.name {
        "curl" => curl(t, net),
        "wget" => wget(t, net),
        "nslookup" => nslookup(t, net),
        "nc" => nc(t, net),
        _ => return None,
    })
}

/// A URL's parts: https?, host, port, path.
fn parse_url(url: &str) -> (bool, String, Option<u16>, String) {
    let (https, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.eq_ignore_ascii_case("https"), rest),
        None => (false, url),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.parse().ok()),
        None => (authority.to_string(), None),
    };
    (https, host, port, path)
}

fn curl(t: &mut Call, net: &mut dyn Network) -> i32 {
    let mut silent = false;
    let mut show_error = false;
    let mut verbose = false;
    let mut insecure = false;
    let mut ca_cert = false;
    let mut include = false;
    let mut head = false;
    let mut fail = false;
    let mut method: Option<String> = None;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut output: Option<String> = None;
    let mut max_time: Option<String> = None;
    let mut data: Option<String> = None;
    let mut url: Option<String> = None;
    let mut args = t.args.iter().cloned();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-s" | "--silent" => silent = true,
            "-S" | "--show-error" => show_error = true,
            "-v" | "--verbose" => verbose = true,
            "-k" | "--insecure" => insecure = true,
            "-i" | "--include" => include = true,
            "-I" | "--head" => head = true,
            "-f" | "--fail" => fail = true,
            "-L" | "--location" => {}
            "--cacert" => ca_cert = args.next().is_some(),
            "-X" | "--request" => method = args.next(),
            "-H" | "--header" => {
                if let Some((name, value)) = args.next().as_deref().and_then(|h| h.split_once(':'))
                {
                    headers.push((name.trim().to_string(), value.trim().to_string()));
                }
            }
            "-o" | "--output" => output = args.next(),
            "-m" | "--max-time" | "--connect-timeout" => max_time = args.next(),
            "-d" | "--data" | "--data-raw" => data = args.next(),
            "-A" | "--user-agent" => {
                if let Some(agent) = args.next() {
                    headers.push(("User-Agent".into(), agent));
                }
            }
            flag if flag.starts_with('-') && flag.len() > 1 && !flag.starts_with("--") => {
                // Bundled short flags (`-sS`, `-sk`, `-sv`).
                for c in flag[1..].chars() {
                    match c {
                        's' => silent = true,
                        'S' => show_error = true,
                        'v' => verbose = true,
                        'k' => insecure = true,
                        'i' => include = true,
                        'I' => head = true,
                        'f' => fail = true,
                        _ => {}
                    }
                }
            }
            flag if flag.starts_with("--") => {}
            _ => url = Some(arg),
        }
    }
    let errors = !silent || show_error;
    let Some(url) = url else {
        t.err.push_str("curl: try 'curl --help' or 'curl --manual' for more information\n");
        return 2;
    };
    let (https, host, port, path) = parse_url(&url);
    let port = port.unwrap_or(if https { 443 } else { 80 });
    let user_agent = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
        .map_or(CURL_USER_AGENT.to_string(), |(_, v)| v.clone());
    let host_header = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map_or(host.clone(), |(_, v)| v.clone());
    let method = method.unwrap_or_else(|| {
        if head {
            "HEAD".into()
        } else if data.is_some() {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    let request = HttpRequest {
        method: method.clone(),
        path: path.clone(),
        host: host_header.clone(),
        https,
        headers: headers.clone(),
        user_agent: user_agent.clone(),
        body: data,
    };
    if verbose {
        t.err.push_str(&format!("* Host {host}:{port} was resolved.\n"));
    }
    match net.connect(&host, port, Some(&request)) {
        Connection::UnknownHost => {
            if errors {
                t.err.push_str(&format!("curl: (6) Could not resolve host: {host}\n"));
            }
            6
        }
        Connection::Refused { ip } => {
            if verbose {
                t.err.push_str(&format!("*   Trying {ip}:{port}...\n"));
            }
            if errors {
                t.err.push_str(&format!(
                    "curl: (7) Failed to connect to {host} port {port} after 1 ms: Couldn't connect to server\n"
                ));
            }
            7
        }
        Connection::TimedOut { ip } => {
            if verbose {
                t.err.push_str(&format!("*   Trying {ip}:{port}...\n"));
            }
            // Without a limit, Linux gives up on the SYN retries after about 130 s.
            let after_ms = max_time
                .and_then(|m| m.parse::<f64>().ok())
                .map_or(134_000, |s| (s * 1000.0) as u64 + 2);
            if errors {
                t.err.push_str(&format!(
                    "curl: (28) Failed to connect to {host} port {port} after {after_ms} ms: Timeout was reached\n"
                ));
            }
            28
        }
        Connection::Connected { ip } => {
            // Something listens but does not speak HTTP (a database, a raw TCP server).
            if verbose {
                t.err.push_str(&format!(
                    "*   Trying {ip}:{port}...\n* Connected to {host} ({ip}) port {port}\n"
                ));
            }
            if errors {
                t.err.push_str("curl: (52) Empty reply from server\n");
            }
            52
        }
        Connection::Answered { ip, status, body } => {
            if https && !insecure && !ca_cert && !ip.is_empty() {
                if errors {
                    t.err.push_str("curl: (60) SSL certificate problem: unable to get local issuer certificate\nMore details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the webpage mentioned above.\n");
                }
                return 60;
            }
            if verbose {
                t.err.push_str(&format!(
                    "*   Trying {ip}:{port}...\n* Connected to {host} ({ip}) port {port}\n> {method} {path} HTTP/1.1\n> Host: {host_header}\n> User-Agent: {user_agent}\n> Accept: */*\n>\n< HTTP/1.1 {status} {}\n<\n",
                    reason(status)
                ));
            }
            if fail && status >= 400 {
                if errors {
                    t.err.push_str(&format!(
                        "curl: (22) The requested URL returned error: {status}\n"
                    ));
                }
                return 22;
            }
            let mut text = String::new();
            if include || head {
                text.push_str(&format!("HTTP/1.1 {status} {}\r\n\r\n", reason(status)));
            }
            if !head {
                text.push_str(&body);
            }
            if !silent && output.as_deref().is_some_and(|o| o != "-") {
                let size = text.len();
                t.err.push_str(&format!("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n100 {size:>5}  100 {size:>5}    0     0   {size:>4}      0 --:--:-- --:--:-- --:--:--  {size:>4}\n"));
            }
            match output.filter(|o| o != "-") {
                Some(file) => {
                    if !(t.save)(&file, &text) {
                        if errors {
                            t.err.push_str(&format!(
                                "curl: (23) Failure writing output to destination, passed {} returned 0\n",
                                text.len()
                            ));
                        }
                        return 23;
                    }
                }
                None => t.out.push_str(&text),
            }
            if verbose {
                t.err.push_str(&format!("* Connection #0 to host {host} left intact\n"));
            }
            0
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        301 => "Moved Permanently",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// busybox wget.
fn wget(t: &mut Call, net: &mut dyn Network) -> i32 {
    let mut quiet = false;
    let mut output: Option<String> = None;
    let mut spider = false;
    let mut timeout = false;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut url: Option<String> = None;
    let mut args = t.args.iter().cloned();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-q" => quiet = true,
            "-O" => output = args.next(),
            "-qO-" | "-qO" => {
                quiet = true;
                output = if arg == "-qO-" { Some("-".into()) } else { args.next() };
            }
            "--spider" | "-s" => spider = true,
            "-T" | "--timeout" => timeout = args.next().is_some(),
            "--header" => {
                if let Some((name, value)) = args.next().as_deref().and_then(|h| h.split_once(':'))
                {
                    headers.push((name.trim().to_string(), value.trim().to_string()));
                }
            }
            a if a.starts_with("-O") => output = Some(a[2..].to_string()),
            a if a.starts_with("-T") || a.starts_with("--timeout=") => timeout = true,
            a if a.starts_with('-') => {
                if a.contains('q') {
                    quiet = true;
                }
            }
            _ => url = Some(arg),
        }
    }
    let Some(url) = url else {
        t.err.push_str("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n");
        return 1;
    };
    let (https, host, port, path) = parse_url(&url);
    let port = port.unwrap_or(if https { 443 } else { 80 });
    let host_header = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map_or(host.clone(), |h| h.1.clone());
    let request = HttpRequest {
        method: "GET".into(),
        path: path.clone(),
        host: host_header,
        https,
        headers,
        user_agent: "Wget".into(),
        body: None,
    };
    let connection = net.connect(&host, port, Some(&request));
    let ip = match &connection {
        Connection::Answered { ip, .. }
        | Connection::Connected { ip }
        | Connection::Refused { ip }
        | Connection::TimedOut { ip } => ip.clone(),
        Connection::UnknownHost => {
            t.err.push_str(&format!("wget: bad address '{host}'\n"));
            return 1;
        }
    };
    if !quiet {
        t.err.push_str(&format!("Connecting to {host} ({ip}:{port})\n"));
    }
    match connection {
        Connection::Refused { .. } => {
            t.err.push_str(&format!(
                "wget: can't connect to remote host ({ip}): Connection refused\n"
            ));
            1
        }
        Connection::TimedOut { .. } => {
            if timeout {
                t.err.push_str("wget: download timed out\n");
            } else {
                t.err.push_str(&format!(
                    "wget: can't connect to remote host ({ip}): Connection timed out\n"
                ));
            }
            1
        }
        Connection::Connected { .. } | Connection::UnknownHost => {
            t.err.push_str("wget: error getting response: Connection reset by peer\n");
            1
        }
        Connection::Answered { status, body, .. } => {
            if status >= 400 {
                t.err.push_str(&format!(
                    "wget: server returned error: HTTP/1.1 {status} {}\n",
                    reason(status)
                ));
                return 1;
            }
            if spider {
                if !quiet {
                    t.err.push_str("remote file exists\n");
                }
                return 0;
            }
            let file = output.unwrap_or_else(|| {
                let name = path.rsplit('/').next().unwrap_or_default();
                let name = name.split('?').next().unwrap_or_default();
                if name.is_empty() { "index.html".into() } else { name.to_string() }
            });
            let size = body.len();
            if file == "-" {
                if !quiet {
                    t.err.push_str("writing to stdout\n");
                }
                t.out.push_str(&body);
                if !quiet {
                    t.err.push_str(&format!("-                    100% |********************************| {size:>5}  0:00:00 ETA\nwritten to stdout\n"));
                }
                return 0;
            }
            if !(t.save)(&file, &body) {
                t.err.push_str(&format!("wget: can't open '{file}': Permission denied\n"));
                return 1;
            }
            if !quiet {
                t.err.push_str(&format!("saving to '{file}'\n{file:<20} 100% |********************************| {size:>5}  0:00:00 ETA\n'{file}' saved\n"));
            }
            0
        }
    }
}

/// busybox nslookup: the 1.28 format the Kubernetes docs show for old busybox images, the
/// newer one for the rest.
fn nslookup(t: &mut Call, net: &mut dyn Network) -> i32 {
    let srv = t.args.iter().any(|a| a == "-type=srv" || a == "-q=srv" || a == "-type=SRV");
    let Some(name) = t.args.iter().find(|a| !a.starts_with('-')).cloned() else {
        t.err.push_str("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\nQuery DNS about HOST\n");
        return 1;
    };
    let lookup: Lookup = net.lookup(&name, srv);
    let legacy = t.legacy_nslookup;
    if lookup.timed_out && !legacy {
        t.out.push_str(";; connection timed out; no servers could be reached\n\n");
        return 1;
    }
    let server = lookup.server.clone();
    if legacy {
        // Its reverse lookup of the server goes unanswered too when no server answers.
        let server_name =
            if lookup.timed_out { "" } else { " kube-dns.kube-system.svc.cluster.local" };
        t.out.push_str(&format!("Server:    {server}\nAddress 1: {server}{server_name}\n\n"));
        match lookup.answer {
            None => {
                t.err.push_str(&format!("nslookup: can't resolve '{name}'\n"));
                1
            }
            Some((fqdn, records)) => {
                t.out.push_str(&format!("Name:      {name}\n"));
                let mut n = 0;
                for record in records {
                    if let Record::A(ip) = record {
                        n += 1;
                        t.out.push_str(&format!("Address {n}: {ip} {fqdn}\n"));
                    }
                }
                0
            }
        }
    } else {
        t.out.push_str(&format!("Server:\t\t{server}\nAddress:\t{server}:53\n\n"));
        match lookup.answer {
            None => {
                t.out.push_str(&format!("** server can't find {name}: NXDOMAIN\n\n"));
                1
            }
            Some((fqdn, records)) => {
                // After a CNAME, the addresses are the target's.
                let mut owner = fqdn.clone();
                for record in records {
                    match record {
                        Record::A(ip) => {
                            t.out.push_str(&format!("Name:\t{owner}\nAddress: {ip}\n"));
                        }
                        Record::Cname(target) => {
                            t.out.push_str(&format!("{owner}\tcanonical name = {target}\n"));
                            owner = target;
                        }
                        Record::Srv(priority, weight, port, target) => {
                            t.out.push_str(&format!(
                                "{fqdn}\tservice = {priority} {weight} {port} {target}\n"
                            ));
                        }
                    }
                }
                t.out.push('\n');
                0
            }
        }
    }
}

/// `nc -z HOST PORT` (and `-v`): whether something accepts connections there.
fn nc(t: &mut Call, net: &mut dyn Network) -> i32 {
    let verbose = t.args.iter().any(|a| a.starts_with('-') && a.contains('v'));
    let operands: Vec<String> = t
        .args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .filter(|a| a.parse::<u32>().is_err() || t.args.len() > 1)
        .cloned()
        .collect();
    let (Some(host), Some(port)) =
        (operands.first(), operands.get(1).and_then(|p| p.parse::<u16>().ok()))
    else {
        t.err.push_str("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n");
        return 1;
    };
    match net.connect(host, port, None) {
        Connection::UnknownHost => {
            t.err.push_str(&format!("nc: bad address '{host}'\n"));
            1
        }
        Connection::Answered { ip, .. } | Connection::Connected { ip } => {
            if verbose {
                t.err.push_str(&format!("{host} ({ip}:{port}) open\n"));
            }
            0
        }
        Connection::Refused { .. } => {
            if verbose {
                t.err.push_str(&format!("nc: {host} ({port}): Connection refused\n"));
            }
            1
        }
        Connection::TimedOut { .. } => {
            if verbose {
                t.err.push_str(&format!("nc: {host} ({port}): Connection timed out\n"));
            }
            1
        }
    }
}
