//! The images' own programs (nginx, redis, http-echo, agnhost, stress…) as a learner sees them:
//! a timeline of log lines and an exit decided at start, the ports they listen on, how they
//! answer HTTP, and what they use.

use super::clock;
use super::image::{Image, Profile};
use super::{HttpAnswer, LogLine, Usage};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::time::Duration;

const MIB: u64 = 1024 * 1024;
/// The address kubelet's probes come from (the node's bridge).
const CLIENT_IP: &str = "10.244.0.1";

/// What is at a path under a file server's root.
pub(crate) enum Found {
    File(String),
    /// A directory, and the names in it.
    Directory(Vec<String>),
}

/// Looks paths up for a file server.
pub(crate) type DocumentRoot<'a> = dyn FnMut(&str) -> Option<Found> + 'a;

/// How a server answers requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Server {
    /// Only its timeline (pause, stress, a program that exits).
    Quiet,
    /// Serves files under a directory (nginx, httpd, agnhost test-webserver).
    Files {
        root: String,
        flavour: FileServer,
    },
    HttpEcho {
        text: String,
    },
    HelloApp {
        version: String,
    },
    /// agnhost liveness and registry.k8s.io/liveness: `/healthz` fails after 10 s.
    Liveness,
    Netexec,
    ServeHostname,
    Goproxy,
    Etcd,
    /// A control plane component: `/livez`, `/readyz` and `/healthz` answer `ok`.
    Health,
    /// CoreDNS's health (`/health` on 8080) and ready (`/ready` on 8181) plugins.
    CoreDns,
    /// Speaks a non-HTTP protocol (redis, mysql, postgres).
    Tcp,
    /// hpa-example's Apache: every request to `index.php` computes for a while; the CPU the
    /// requests offered to it take is `Program::offered_millis`.
    PhpApache,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum FileServer {
    Nginx,
    Httpd,
    Agnhost,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Port {
    number: u16,
    from: SimTime,
    grpc: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Event {
    Line { stderr: bool, text: String },
    Exit(i32),
}

/// What SIGTERM does to the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum OnTerm {
    /// Exits after this long with this code, logging its goodbye.
    Exit { after_ms: u64, code: i32 },
    /// Ignores it (PID 1 without a handler): SIGKILL ends it.
    Ignore,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Program {
    image: Image,
    pub(crate) server: Server,
    started_at: SimTime,
    /// Not yet written, in time order.
    pending: Vec<(SimTime, Event)>,
    ports: Vec<Port>,
    on_term: OnTerm,
    terminated: bool,
    cpu_millis: u64,
    /// Memory over time since start: (ms, bytes) points joined by straight lines.
    memory: Vec<(u64, u64)>,
    /// While CPU use is `busy_millis` (initialising, computing), until this instant.
    busy_until: Option<SimTime>,
    busy_millis: u64,
    requests: u64,
    hostname: String,
    /// CPU the requests sent to the program ask for (millicores); see `crate::traffic`.
    #[serde(default)]
    offered_millis: u64,
}

/// What the program would be, or `None` when `argv` is not one of the image's programs.
pub(crate) fn start(
    profile: &Profile,
    argv: &[String],
    env: &[(String, String)],
    hostname: &str,
    now: SimTime,
    via_entrypoint: bool,
) -> Option<Program> {
    let name = argv.first()?.rsplit('/').next().unwrap_or_default();
    let args = &argv[1..];
    let mut p = Program {
        image: profile.image,
        server: Server::Quiet,
        started_at: now,
        pending: Vec::new(),
        ports: Vec::new(),
        on_term: OnTerm::Exit { after_ms: 100, code: 0 },
        terminated: false,
        cpu_millis: 1,
        memory: vec![(0, 4 * MIB)],
        busy_until: None,
        busy_millis: 0,
        requests: 0,
        hostname: hostname.to_string(),
        offered_millis: 0,
    };
    let go_exit = OnTerm::Exit { after_ms: 5, code: 2 };
    match (profile.image, name) {
        (Image::Nginx, "nginx") => nginx(&mut p, profile, now, via_entrypoint),
        (Image::Httpd, "httpd-foreground" | "httpd") => httpd(&mut p, now),
        (Image::Redis, "redis-server") => redis(&mut p, now),
        (Image::Mysql, "mysqld") => mysql(&mut p, env, now),
        (Image::Postgres, "postgres") => postgres(&mut p, env, now),
        (Image::Perl, name) if name.starts_with("perl") => perl(&mut p, args, now),
        (Image::HttpEcho, "http-echo") => http_echo(&mut p, args, now),
        (Image::HelloApp, "hello-app") => {
            let version = if profile.tag.starts_with('2') { "2.0.0" } else { "1.0.0" };
            p.server = Server::HelloApp { version: version.to_string() };
            p.listen(8080, now, false);
            p.line(now, true, &format!("{} Server listening on port 8080", go_time(now)));
            p.on_term = go_exit;
            p.memory = vec![(0, 3 * MIB)];
        }
        (Image::Agnhost, "agnhost") => agnhost(&mut p, args, now),
        (Image::Liveness, "server") => {
            p.server = Server::Liveness;
            p.listen(8080, now, false);
            p.on_term = go_exit;
            p.memory = vec![(0, 3 * MIB)];
        }
        (Image::Goproxy, "goproxy") => {
            p.server = Server::Goproxy;
            p.listen(8080, now, false);
            p.on_term = go_exit;
            p.memory = vec![(0, 3 * MIB)];
        }
        (Image::Etcd, "etcd") => etcd(&mut p, args, now),
        (Image::PolinuxStress, "stress") => polinux_stress(&mut p, args, now),
        (Image::VishStress, "stress") => vish_stress(&mut p, args, now),
        (Image::HpaExample, "apache2-foreground" | "apache2") => php_apache(&mut p, now),
        (
            Image::ControlPlane,
            name @ ("kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kube-proxy"),
        ) => control_plane(&mut p, name, args, now),
        (Image::CoreDns, "coredns") => coredns(&mut p, now),
        (Image::IngressNginx, "nginx-ingress-controller") => ingress_nginx(&mut p, now),
        (Image::Pause, "pause") => {
            p.cpu_millis = 0;
            p.memory = vec![(0, 256 * 1024)];
            p.on_term = OnTerm::Exit { after_ms: 1, code: 0 };
        }
        (Image::Other, "app") => {}
        _ => return None,
    }
    Some(p)
}

impl Program {
    fn line(&mut self, at: SimTime, stderr: bool, text: &str) {
        self.pending.push((at, Event::Line { stderr, text: text.to_string() }));
    }

    fn exit(&mut self, at: SimTime, code: i32) {
        self.pending.push((at, Event::Exit(code)));
    }

    fn listen(&mut self, number: u16, from: SimTime, grpc: bool) {
        self.ports.push(Port { number, from, grpc });
    }

    /// Writes what is due by `now` into `log`; the exit, if it came.
    pub(crate) fn advance(
        &mut self,
        now: SimTime,
        log: &mut Vec<LogLine>,
    ) -> Option<(i32, SimTime)> {
        crate::sort::sort_by_key(&mut self.pending, |(at, _)| *at);
        let due = self.pending.iter().take_while(|(at, _)| *at <= now).count();
        for (at, event) in self.pending.drain(..due).collect::<Vec<_>>() {
            match event {
                Event::Line { stderr, text } => log.push(LogLine { at, stderr, text }),
                Event::Exit(code) => {
                    self.pending.clear();
                    self.ports.clear();
                    return Some((code, at));
                }
            }
        }
        None
    }

    /// When the program next writes or exits by itself.
    pub(crate) fn next_wake(&self) -> Option<SimTime> {
        self.pending.iter().map(|(at, _)| *at).min()
    }

    /// The next instant after `now` at which the program answers differently without writing
    /// anything: a port opening, `/healthz` starting to fail. A prober that has stopped looking
    /// needs to look again then.
    pub(crate) fn next_change(&self, now: SimTime) -> Option<SimTime> {
        let port_opens = self.ports.iter().map(|p| p.from).filter(|&at| at > now).min();
        let healthz_fails = matches!(self.server, Server::Liveness)
            .then(|| self.started_at + Duration::from_secs(10))
            .filter(|&at| at > now);
        [port_opens, healthz_fails].into_iter().flatten().min()
    }

    /// SIGTERM at `now`: when the program will have exited, if it handles the signal.
    pub(crate) fn terminate(&mut self, now: SimTime) -> Option<SimTime> {
        if let Some(at) =
            self.pending.iter().find(|(_, e)| matches!(e, Event::Exit(_))).map(|(at, _)| *at)
            && (self.terminated || at <= now + Duration::from_millis(500))
        {
            return Some(at);
        }
        let OnTerm::Exit { after_ms, code } = self.on_term else { return None };
        if self.terminated {
            return self.next_wake();
        }
        self.terminated = true;
        self.pending.retain(|(at, _)| *at <= now);
        let end = now + Duration::from_millis(after_ms);
        for (stderr, text) in self.goodbye(now) {
            self.line(now, stderr, &text);
        }
        self.exit(end, code);
        Some(end)
    }

    /// What the program logs when SIGTERM arrives.
    fn goodbye(&self, now: SimTime) -> Vec<(bool, String)> {
        let nginx_time = clock::format(now, "%Y/%m/%d %H:%M:%S");
        let redis_time = clock::format(now, "%d %b %Y %H:%M:%S");
        let millis = format!(".{:03}", clock::civil(now).millis);
        match (self.image, &self.server) {
            (Image::Nginx, Server::Files { .. }) => {
                let mut lines = vec![format!(
                    "{nginx_time} [notice] 1#1: signal 15 (SIGTERM) received, exiting"
                )];
                for worker in [29, 30] {
                    lines.push(format!("{nginx_time} [notice] {worker}#{worker}: exiting"));
                    lines.push(format!("{nginx_time} [notice] {worker}#{worker}: exit"));
                }
                for worker in [29, 30] {
                    lines.push(format!(
                        "{nginx_time} [notice] 1#1: signal 17 (SIGCHLD) received from {worker}"
                    ));
                    lines.push(format!(
                        "{nginx_time} [notice] 1#1: worker process {worker} exited with code 0"
                    ));
                }
                lines.push(format!("{nginx_time} [notice] 1#1: exit"));
                lines.into_iter().map(|l| (true, l)).collect()
            }
            (Image::Httpd, _) => vec![(
                true,
                format!(
                    "[{}] [mpm_event:notice] [pid 1:tid 1] AH00491: caught SIGTERM, shutting down",
                    apache_time(now)
                ),
            )],
            (Image::Redis, _) => vec![
                (
                    false,
                    format!(
                        "1:signal-handler ({}) Received SIGTERM scheduling shutdown...",
                        now.unix_ms() / 1000
                    ),
                ),
                (false, format!("1:M {redis_time}{millis} * User requested shutdown...")),
                (
                    false,
                    format!(
                        "1:M {redis_time}{millis} * Saving the final RDB snapshot before exiting."
                    ),
                ),
                (false, format!("1:M {redis_time}{millis} * DB saved on disk")),
                (
                    false,
                    format!("1:M {redis_time}{millis} # Redis is now ready to exit, bye bye..."),
                ),
            ],
            (Image::Postgres, _) => vec![
                (true, format!("{} UTC [1] LOG:  received smart shutdown request", pg_time(now))),
                (true, format!("{} UTC [1] LOG:  database system is shut down", pg_time(now))),
            ],
            (Image::Mysql, _) => vec![
                (
                    true,
                    format!(
                        "{} 0 [System] [MY-013172] [Server] Received SHUTDOWN from user <via user signal>. Shutting down mysqld (Version: 9.4.0).",
                        mysql_time(now)
                    ),
                ),
                (
                    true,
                    format!(
                        "{} 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete (mysqld 9.4.0)  MySQL Community Server - GPL.",
                        mysql_time(now)
                    ),
                ),
            ],
            (Image::Etcd, _) => vec![(
                true,
                format!(
                    "{{\"level\":\"info\",\"ts\":\"{}\",\"caller\":\"osutil/interrupt_unix.go:64\",\"msg\":\"received signal; shutting down\",\"signal\":\"terminated\"}}",
                    clock::rfc3339_micros(now)
                ),
            )],
            (Image::Pause, _) | (Image::Agnhost, Server::Quiet) => {
                vec![(true, "Shutting down, got signal: Terminated".to_string())]
            }
            (Image::HttpEcho, _) => {
                vec![(true, format!("{} [INFO] server is shutting down", go_time(now)))]
            }
            _ => Vec::new(),
        }
    }

    /// Sets the CPU the requests reaching the program ask for.
    pub(crate) fn set_offered_load(&mut self, millis: u64) {
        self.offered_millis = millis;
    }

    pub(crate) fn listens_on(&self, port: u16, now: SimTime) -> bool {
        self.ports.iter().any(|p| p.number == port && p.from <= now)
    }

    /// Ports open at `now`.
    pub(crate) fn open_ports(&self, now: SimTime) -> Vec<u16> {
        self.ports.iter().filter(|p| p.from <= now).map(|p| p.number).collect()
    }

    pub(crate) fn grpc_health(&self, port: u16, now: SimTime) -> Option<bool> {
        let open = self.ports.iter().find(|p| p.number == port && p.from <= now)?;
        Some(open.grpc)
    }

    pub(crate) fn usage(&self, now: SimTime) -> Usage {
        let mut cpu_millis = match self.busy_until {
            Some(until) if now < until => self.busy_millis,
            _ => self.cpu_millis,
        };
        if self.server == Server::PhpApache && self.listens_on(80, now) {
            cpu_millis += self.offered_millis;
        }
        Usage { cpu_millis, memory_bytes: self.memory_at(now) }
    }

    fn memory_at(&self, now: SimTime) -> u64 {
        let t = now.unix_ms().saturating_sub(self.started_at.unix_ms());
        let mut previous = (0, self.memory.first().map_or(0, |m| m.1));
        for &(at, bytes) in &self.memory {
            if t < at {
                let span = (at - previous.0).max(1);
                let done = t - previous.0;
                let value = i128::from(previous.1)
                    + (i128::from(bytes) - i128::from(previous.1)) * i128::from(done)
                        / i128::from(span);
                return value.max(0) as u64;
            }
            previous = (at, bytes);
        }
        previous.1
    }

    /// The next instant after `now` at which the memory curve bends (a step of the program).
    pub(crate) fn next_memory_change(&self, now: SimTime) -> Option<SimTime> {
        let start = self.started_at.unix_ms();
        let since = now.unix_ms().saturating_sub(start);
        let at = self.memory.iter().map(|(at, _)| *at).find(|at| *at > since)?;
        Some(SimTime::from_unix_ms(start + at))
    }

    /// The first instant at or after `now` when memory use exceeds `limit`.
    pub(crate) fn exceeds_memory_at(&self, limit: u64, now: SimTime) -> Option<SimTime> {
        if self.memory_at(now) > limit {
            return Some(now);
        }
        let start = self.started_at.unix_ms();
        let since = now.unix_ms().saturating_sub(start);
        let mut previous = (0u64, self.memory.first().map_or(0, |m| m.1));
        for &(at, bytes) in &self.memory {
            if at > since && bytes > limit && bytes > previous.1 {
                // Where the straight line from `previous` crosses the limit.
                let rise = u128::from(bytes - previous.1);
                let need = (u128::from(limit) + 1).saturating_sub(u128::from(previous.1));
                let offset = (u128::from(at - previous.0) * need).div_ceil(rise) as u64;
                let crossing = (previous.0 + offset).max(since);
                return Some(SimTime::from_unix_ms(start + crossing));
            }
            previous = (at, bytes);
        }
        None
    }

    /// An HTTP GET; `files` reads the document root for file servers.
    pub(crate) fn http_get(
        &mut self,
        port: u16,
        path: &str,
        user_agent: &str,
        now: SimTime,
        files: &mut DocumentRoot,
    ) -> Option<HttpAnswer> {
        if !self.listens_on(port, now) {
            return None;
        }
        self.requests += 1;
        let client_port = 40_000 + self.requests.wrapping_mul(7919) % 20_000;
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let answer = match &self.server {
            Server::Quiet | Server::Tcp => return None,
            Server::PhpApache => {
                let stamp = clock::format(now, "%d/%b/%Y:%H:%M:%S +0000");
                let answer = match route {
                    "/" | "/index.php" => ok("OK!"),
                    _ => HttpAnswer { status: 404, body: "Not Found".to_string() },
                };
                self.line(
                    now,
                    false,
                    &format!("{CLIENT_IP} - - [{stamp}] \"GET {path} HTTP/1.1\" {} {} \"-\" \"{user_agent}\"", answer.status, answer.body.len()),
                );
                answer
            }
            Server::Files { root, flavour } => {
                let (root, flavour) = (root.clone(), *flavour);
                let answer = serve_file(&root, route, flavour, files);
                let stamp = clock::format(now, "%d/%b/%Y:%H:%M:%S +0000");
                let bytes = answer.body.len();
                match flavour {
                    FileServer::Nginx => self.line(
                        now,
                        false,
                        &format!("{CLIENT_IP} - - [{stamp}] \"GET {path} HTTP/1.1\" {} {bytes} \"-\" \"{user_agent}\" \"-\"", answer.status),
                    ),
                    FileServer::Httpd => self.line(now, false, &format!("{CLIENT_IP} - - [{stamp}] \"GET {path} HTTP/1.1\" {} {bytes}", answer.status)),
                    FileServer::Agnhost => {}
                }
                answer
            }
            Server::HttpEcho { text } => {
                let answer = ok(&format!("{text}\n"));
                let line = format!(
                    "{} localhost:{port} {CLIENT_IP}:{client_port} \"GET {path} HTTP/1.1\" 200 {} \"{user_agent}\" 23.416µs",
                    go_time(now),
                    answer.body.len()
                );
                self.line(now, false, &line);
                answer
            }
            Server::HelloApp { version } => {
                let answer = ok(&format!(
                    "Hello, world!\nVersion: {version}\nHostname: {}\n",
                    self.hostname
                ));
                self.line(now, true, &format!("{} Serving request: {route}", go_time(now)));
                answer
            }
            Server::Liveness => match route {
                "/healthz" => {
                    let elapsed = now.since(self.started_at).as_secs_f64();
                    if elapsed > 10.0 {
                        HttpAnswer { status: 500, body: format!("error: {elapsed}") }
                    } else {
                        ok("ok")
                    }
                }
                "/started" => ok(&go_time(self.started_at)),
                _ => not_found(),
            },
            Server::Netexec => match route {
                "/hostname" => ok(&self.hostname.clone()),
                "/echo" => ok(&query_value(query, "msg")),
                "/healthz" | "/readyz" => ok("ok"),
                "/clientip" => ok(&format!("{CLIENT_IP}:{client_port}")),
                "/" => {
                    ok(&format!("NOW: {}", clock::format(now, "%Y-%m-%d %H:%M:%S.%N +0000 UTC")))
                }
                _ => not_found(),
            },
            Server::ServeHostname => ok(&self.hostname.clone()),
            Server::Goproxy => HttpAnswer {
                status: 500,
                body: "This is a proxy server. Does not respond to non-proxy requests.\n"
                    .to_string(),
            },
            Server::Health => match route {
                "/livez" | "/readyz" | "/healthz" => ok("ok"),
                _ => HttpAnswer { status: 403, body: "forbidden".to_string() },
            },
            Server::CoreDns => match route {
                "/health" | "/ready" => ok("OK"),
                _ => not_found(),
            },
            Server::Etcd => match route {
                "/health" | "/livez" | "/readyz" => ok("{\"health\":\"true\",\"reason\":\"\"}"),
                "/version" => ok("{\"etcdserver\":\"3.6.4\",\"etcdcluster\":\"3.6.0\"}"),
                _ => not_found(),
            },
        };
        Some(answer)
    }
}

fn ok(body: &str) -> HttpAnswer {
    HttpAnswer { status: 200, body: body.to_string() }
}

fn not_found() -> HttpAnswer {
    HttpAnswer { status: 404, body: "404 page not found\n".to_string() }
}

fn query_value(query: &str, key: &str) -> String {
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
        .unwrap_or_default();
    let mut out = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match raw.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A static file server's answer for `route` under `root`.
fn serve_file(
    root: &str,
    route: &str,
    flavour: FileServer,
    files: &mut DocumentRoot,
) -> HttpAnswer {
    let path = super::fs::normalize("/", &format!("{root}/{route}"));
    let found = match files(&path) {
        Some(Found::Directory(names)) if flavour == FileServer::Agnhost => {
            let mut body = String::from("<pre>\n");
            for name in names {
                body.push_str(&format!("<a href=\"{name}\">{name}</a>\n"));
            }
            body.push_str("</pre>\n");
            return ok(&body);
        }
        Some(Found::Directory(_)) => {
            match files(&format!("{}/index.html", path.trim_end_matches('/'))) {
                Some(Found::File(text)) => Ok(text),
                _ => Err(403),
            }
        }
        Some(Found::File(text)) => Ok(text),
        None => Err(404),
    };
    match (found, flavour) {
        (Ok(text), _) => ok(&text),
        (Err(code), FileServer::Nginx) => {
            let reason = if code == 403 { "403 Forbidden" } else { "404 Not Found" };
            HttpAnswer {
                status: code,
                body: format!(
                    "<html>\r\n<head><title>{reason}</title></head>\r\n<body>\r\n<center><h1>{reason}</h1></center>\r\n<hr><center>nginx/1.29.1</center>\r\n</body>\r\n</html>\r\n"
                ),
            }
        }
        (Err(code), FileServer::Httpd) => {
            let (title, text) = if code == 403 {
                (
                    "403 Forbidden",
                    "<h1>Forbidden</h1>\n<p>You don't have permission to access this resource.</p>",
                )
            } else {
                (
                    "404 Not Found",
                    "<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>",
                )
            };
            HttpAnswer {
                status: code,
                body: format!(
                    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>{title}</title>\n</head><body>\n{text}\n</body></html>\n"
                ),
            }
        }
        (Err(_), FileServer::Agnhost) => not_found(),
    }
}

/// Go's `log` prefix: `2026/11/25 23:59:00`.
fn go_time(at: SimTime) -> String {
    clock::format(at, "%Y/%m/%d %H:%M:%S")
}

/// glog's prefix: `I1125 23:59:00.000000       1 `.
fn glog(at: SimTime, file: &str) -> String {
    format!(
        "I{}.{:03}000       1 {file}] ",
        clock::format(at, "%m%d %H:%M:%S"),
        clock::civil(at).millis
    )
}

fn apache_time(at: SimTime) -> String {
    format!(
        "{}.{:03}000 {}",
        clock::format(at, "%a %b %d %H:%M:%S"),
        clock::civil(at).millis,
        clock::format(at, "%Y")
    )
}

fn pg_time(at: SimTime) -> String {
    format!("{}.{:03}", clock::format(at, "%Y-%m-%d %H:%M:%S"), clock::civil(at).millis)
}

fn mysql_time(at: SimTime) -> String {
    clock::rfc3339_micros(at)
}

fn ms(at: SimTime, millis: u64) -> SimTime {
    at + Duration::from_millis(millis)
}

fn nginx(p: &mut Program, profile: &Profile, now: SimTime, via_entrypoint: bool) {
    // The entrypoint's lines come first (stdout), then nginx's own notices (stderr).
    let entry = [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
    ];
    for line in entry.iter().filter(|_| via_entrypoint) {
        p.line(now, false, line);
    }
    let up = ms(now, 20);
    let t2 = go_time(up);
    let built = if profile.userland == super::Userland::Busybox {
        "built by gcc 14.2.0 (Alpine 14.2.0) "
    } else {
        "built by gcc 12.2.0 (Debian 12.2.0-14+deb12u1) "
    };
    let notices = [
        "using the \"epoll\" event method".to_string(),
        "nginx/1.29.1".to_string(),
        built.to_string(),
        "OS: Linux 6.8.0-1027-kubelab".to_string(),
        "getrlimit(RLIMIT_NOFILE): 1048576:1048576".to_string(),
        "start worker processes".to_string(),
        "start worker process 29".to_string(),
        "start worker process 30".to_string(),
    ];
    for notice in notices {
        p.line(up, true, &format!("{t2} [notice] 1#1: {notice}"));
    }
    p.server = Server::Files { root: "/usr/share/nginx/html".into(), flavour: FileServer::Nginx };
    p.listen(80, up, false);
    p.memory = vec![(0, 3 * MIB), (20, 5 * MIB)];
}

fn httpd(p: &mut Program, now: SimTime) {
    let up = ms(now, 30);
    let note = "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.1.5. Set the 'ServerName' directive globally to suppress this message";
    p.line(now, true, note);
    p.line(now, true, note);
    p.line(up, true, &format!("[{}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.65 (Unix) configured -- resuming normal operations", apache_time(up)));
    p.line(
        up,
        true,
        &format!(
            "[{}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'",
            apache_time(up)
        ),
    );
    p.server =
        Server::Files { root: "/usr/local/apache2/htdocs".into(), flavour: FileServer::Httpd };
    p.listen(80, up, false);
    p.memory = vec![(0, 4 * MIB), (30, 9 * MIB)];
}

/// hpa-example: php:5-apache running `apache2-foreground`.
fn php_apache(p: &mut Program, now: SimTime) {
    let up = ms(now, 40);
    let note = "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 10.244.1.5. Set the 'ServerName' directive globally to suppress this message";
    p.line(now, true, note);
    p.line(now, true, note);
    p.line(up, true, &format!("[{}] [mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.10 (Debian) PHP/5.6.14 configured -- resuming normal operations", apache_time(up)));
    p.line(
        up,
        true,
        &format!(
            "[{}] [core:notice] [pid 1] AH00094: Command line: 'apache2 -D FOREGROUND'",
            apache_time(up)
        ),
    );
    p.server = Server::PhpApache;
    p.listen(80, up, false);
    p.memory = vec![(0, 6 * MIB), (40, 11 * MIB)];
}

/// A shell loop that fetches a URL over and over (the HPA walkthrough's load generator),
/// run as one quiet program instead of a shell step every few milliseconds. Its requests reach
/// their server through `crate::traffic`; what wget prints for them is not kept.
pub(crate) fn load_generator(profile: &Profile, hostname: &str, now: SimTime) -> Program {
    Program {
        image: profile.image,
        server: Server::Quiet,
        started_at: now,
        pending: Vec::new(),
        ports: Vec::new(),
        on_term: OnTerm::Ignore,
        terminated: false,
        cpu_millis: 3,
        memory: vec![(0, 1_300_000)],
        busy_until: None,
        busy_millis: 0,
        requests: 0,
        hostname: hostname.to_string(),
        offered_millis: 0,
    }
}

/// The host a load-generating loop requests (`while sleep 0.01; do wget -q -O- http://php-apache;
/// done`): a shell `-c` script looping over wget or curl on an http URL.
pub fn load_generator_target(argv: &[String]) -> Option<String> {
    let shell = argv.first()?.rsplit('/').next()?;
    if !matches!(shell, "sh" | "ash" | "bash" | "dash") {
        return None;
    }
    let script = argv.iter().position(|a| a == "-c").and_then(|i| argv.get(i + 1))?;
    let loops = script.contains("while") || script.contains("for ");
    let fetches = script.contains("wget") || script.contains("curl");
    if !(loops && fetches && script.contains("done")) {
        return None;
    }
    let url = &script[script.find("http://")? + "http://".len()..];
    let host: String =
        url.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.').collect();
    (!host.is_empty()).then_some(host)
}

fn redis(p: &mut Program, now: SimTime) {
    let stamp = |at: SimTime| {
        format!("{}.{:03}", clock::format(at, "%d %b %Y %H:%M:%S"), clock::civil(at).millis)
    };
    let up = ms(now, 3);
    let lines = [
        (now, "1:C", "* oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
        (
            now,
            "1:C",
            "* Redis version=8.2.1, bits=64, commit=00000000, modified=1, pid=1, just started",
        ),
        (
            now,
            "1:C",
            "# Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf",
        ),
        (now, "1:M", "* monotonic clock: POSIX clock_gettime"),
        (now, "1:M", "* Running mode=standalone, port=6379."),
        (up, "1:M", "* Server initialized"),
        (up, "1:M", "* Ready to accept connections tcp"),
    ];
    for (at, role, text) in lines {
        p.line(at, false, &format!("{role} {} {text}", stamp(at)));
    }
    p.server = Server::Tcp;
    p.listen(6379, up, false);
    p.cpu_millis = 2;
    p.memory = vec![(0, 3 * MIB + 512 * 1024)];
}

fn env_set(env: &[(String, String)], name: &str) -> bool {
    env.iter().any(|(k, v)| k == name && !v.is_empty())
}

fn mysql(p: &mut Program, env: &[(String, String)], now: SimTime) {
    let stamp = |at: SimTime| format!("{}+00:00", clock::format(at, "%Y-%m-%d %H:%M:%S"));
    let note = |at| {
        format!(
            "{} [Note] [Entrypoint]: Entrypoint script for MySQL Server 9.4.0-1.el9 started.",
            stamp(at)
        )
    };
    p.line(now, false, &note(now));
    p.line(
        now,
        false,
        &format!("{} [Note] [Entrypoint]: Switching to dedicated user 'mysql'", stamp(now)),
    );
    p.line(now, false, &note(now));
    let password =
        ["MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"]
            .iter()
            .any(|name| env_set(env, name));
    if !password {
        let text = format!(
            "{} [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n    You need to specify one of the following as an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD",
            stamp(now)
        );
        for line in text.lines() {
            p.line(now, true, line);
        }
        p.exit(ms(now, 50), 1);
        p.memory = vec![(0, 2 * MIB)];
        return;
    }
    let init = ms(now, 1_000);
    let ready = ms(now, 8_000);
    p.line(
        init,
        false,
        &format!("{} [Note] [Entrypoint]: Initializing database files", stamp(init)),
    );
    p.line(
        ms(now, 6_000),
        false,
        &format!("{} [Note] [Entrypoint]: Database files initialized", stamp(ms(now, 6_000))),
    );
    p.line(
        ms(now, 7_000),
        false,
        &format!(
            "{} [Note] [Entrypoint]: MySQL init process done. Ready for start up.",
            stamp(ms(now, 7_000))
        ),
    );
    p.line(ready, true, &format!("{} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '9.4.0'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.", mysql_time(ready)));
    p.server = Server::Tcp;
    p.listen(3306, ready, false);
    p.listen(33060, ready, false);
    p.cpu_millis = 5;
    p.busy_until = Some(ready);
    p.busy_millis = 600;
    p.memory = vec![(0, 20 * MIB), (6_000, 250 * MIB), (8_000, 400 * MIB)];
    p.on_term = OnTerm::Exit { after_ms: 1_500, code: 0 };
}

fn postgres(p: &mut Program, env: &[(String, String)], now: SimTime) {
    let trust = env.iter().any(|(k, v)| k == "POSTGRES_HOST_AUTH_METHOD" && v == "trust");
    if !env_set(env, "POSTGRES_PASSWORD") && !trust {
        let text = "Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".

       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about \"trust\":
       https://www.postgresql.org/docs/current/auth-trust.html";
        for line in text.lines() {
            p.line(now, true, line);
        }
        p.exit(ms(now, 20), 1);
        p.memory = vec![(0, 2 * MIB)];
        return;
    }
    let lines = [
        (
            0,
            false,
            "The files belonging to this database system will be owned by user \"postgres\"."
                .to_string(),
        ),
        (0, false, "This user must also own the server process.".to_string()),
        (1_000, false, "Success. You can now start the database server using:".to_string()),
        (2_000, false, "PostgreSQL init process complete; ready for start up.".to_string()),
    ];
    for (at, stderr, text) in lines {
        p.line(ms(now, at), stderr, &text);
    }
    let ready = ms(now, 3_000);
    p.line(
        ready,
        true,
        &format!(
            "{} UTC [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
            pg_time(ready)
        ),
    );
    p.line(
        ready,
        true,
        &format!("{} UTC [1] LOG:  database system is ready to accept connections", pg_time(ready)),
    );
    p.server = Server::Tcp;
    p.listen(5432, ready, false);
    p.cpu_millis = 2;
    p.busy_until = Some(ready);
    p.busy_millis = 300;
    p.memory = vec![(0, 10 * MIB), (3_000, 30 * MIB)];
    p.on_term = OnTerm::Exit { after_ms: 300, code: 0 };
}

fn perl(p: &mut Program, args: &[String], now: SimTime) {
    let script = args
        .windows(2)
        .find(|w| w[0].starts_with('-') && w[0].ends_with('e') && !w[0].starts_with("--"))
        .map(|w| w[1].clone());
    let bignum = args.iter().any(|a| a.starts_with("-Mbignum"));
    p.memory = vec![(0, 8 * MIB)];
    p.on_term = OnTerm::Exit { after_ms: 1, code: 0 };
    let Some(script) = script else {
        if args.iter().any(|a| a == "-v") {
            p.line(now, false, "");
            p.line(
                now,
                false,
                "This is perl 5, version 40, subversion 3 (v5.40.3) built for x86_64-linux-gnu",
            );
            p.exit(now, 0);
            return;
        }
        // `perl -de0` with no terminal: the debugger starts, reads end-of-file and quits.
        for line in [
            "",
            "Loading DB routines from perl5db.pl version 1.80",
            "Editor support available.",
            "",
            "Enter h or 'h h' for help, or 'man perldebug' for more help.",
            "",
            "main::(-e:1):\t0",
        ] {
            p.line(now, false, line);
        }
        p.exit(ms(now, 10), 0);
        return;
    };
    let digits = script
        .find("bpi(")
        .and_then(|i| script[i + 4..].split(')').next())
        .and_then(|n| n.trim().parse::<usize>().ok());
    match digits {
        Some(n) if bignum && (1..=10_000).contains(&n) => {
            // Big-number π takes perl a few seconds: the Job runs a while.
            let done = ms(now, 2_000 + n as u64 * 2);
            p.line(done, false, &super::pi::pi(n));
            p.exit(done, 0);
            p.busy_until = Some(done);
            p.busy_millis = 1000;
            p.memory = vec![(0, 8 * MIB), (500, 24 * MIB)];
        }
        _ => {
            p.line(now, true, "kubelab: this perl program is not simulated (only `print bpi(N)` with -Mbignum=bpi is)");
            p.exit(now, 1);
        }
    }
}

fn http_echo(p: &mut Program, args: &[String], now: SimTime) {
    let mut text = None;
    let mut listen = ":5678".to_string();
    let mut rest = args.iter();
    let mut extra = false;
    while let Some(arg) = rest.next() {
        let trimmed = arg.trim_start_matches('-');
        let (key, value) = match trimmed.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (trimmed, None),
        };
        if !arg.starts_with('-') {
            extra = true;
            continue;
        }
        let value = value.or_else(|| rest.next().cloned());
        match key {
            "text" => text = value,
            "listen" => listen = value.unwrap_or_default(),
            _ => {}
        }
    }
    p.on_term = OnTerm::Exit { after_ms: 5, code: 0 };
    p.memory = vec![(0, 2 * MIB)];
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        p.line(now, true, "Missing -text option!");
        p.exit(now, 127);
        return;
    };
    if extra {
        p.line(now, true, "Too many arguments!");
        p.exit(now, 127);
        return;
    }
    let port = listen.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(5678);
    p.line(now, true, &format!("{} [INFO] server is listening on {listen}", go_time(now)));
    p.server = Server::HttpEcho { text };
    p.listen(port, now, false);
    p.cpu_millis = 0;
}

/// `--flag=value` or `--flag value` from Go-style arguments.
fn flag(args: &[String], name: &str) -> Option<String> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let bare = arg.trim_start_matches('-');
        if bare == name {
            return iter.next().cloned();
        }
        if let Some(value) = bare.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            return Some(value.to_string());
        }
    }
    None
}

fn agnhost(p: &mut Program, args: &[String], now: SimTime) {
    let go_exit = OnTerm::Exit { after_ms: 5, code: 2 };
    p.memory = vec![(0, 10 * MIB)];
    p.on_term = go_exit;
    let port =
        |name: &str, default: u16| flag(args, name).and_then(|v| v.parse().ok()).unwrap_or(default);
    match args.first().map(String::as_str) {
        Some("liveness") => {
            p.server = Server::Liveness;
            p.listen(8080, now, false);
        }
        Some("netexec") => {
            let http = port("http-port", 8080);
            let udp = port("udp-port", 8081);
            p.line(
                now,
                true,
                &format!("{}Started HTTP server on port {http}", glog(now, "log.go:245")),
            );
            p.line(
                now,
                true,
                &format!("{}Started UDP server on port  {udp}", glog(now, "log.go:245")),
            );
            p.server = Server::Netexec;
            p.listen(http, now, false);
        }
        Some("serve-hostname") => {
            let port = port("port", 9376);
            p.line(now, true, &format!("{} Serving on port {port}.", go_time(now)));
            p.server = Server::ServeHostname;
            p.listen(port, now, false);
        }
        Some("test-webserver") => {
            let port = port("port", 80);
            p.server = Server::Files { root: "/".into(), flavour: FileServer::Agnhost };
            p.listen(port, now, false);
        }
        Some("pause") => {
            p.line(now, false, "Paused");
            p.cpu_millis = 0;
            p.on_term = OnTerm::Exit { after_ms: 1, code: 0 };
        }
        Some(other) => {
            p.line(now, true, &format!("Error: unknown command \"{other}\" for \"app\""));
            p.line(now, true, "Run 'app --help' for usage.");
            p.exit(now, 1);
        }
        None => {
            p.line(now, false, "Usage:\n  app [command]");
            p.exit(now, 0);
        }
    }
}

fn etcd(p: &mut Program, args: &[String], now: SimTime) {
    let urls = flag(args, "listen-client-urls").unwrap_or_else(|| "http://localhost:2379".into());
    let ts = clock::rfc3339_micros(now);
    let line = |caller: &str, msg: &str| {
        format!("{{\"level\":\"info\",\"ts\":\"{ts}\",\"caller\":\"{caller}\",\"msg\":\"{msg}\"}}")
    };
    p.line(now, true, &line("etcdmain/etcd.go:64", "Running: "));
    p.line(now, true, &line("embed/etcd.go:140", "configuring peer listeners"));
    p.line(now, true, &line("embed/etcd.go:148", "configuring client listeners"));
    let up = ms(now, 500);
    p.line(
        up,
        true,
        &line("etcdserver/server.go:2064", "published local member to cluster through raft"),
    );
    p.line(
        up,
        true,
        &line(
            "embed/serve.go:187",
            "serving client traffic insecurely; this is strongly discouraged!",
        ),
    );
    // Listening on localhost only is unreachable from kubelet's probes.
    if urls.split(',').any(|u| !u.contains("localhost") && !u.contains("127.0.0.1")) {
        for url in urls.split(',') {
            if let Some(port) =
                url.rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse().ok())
            {
                p.listen(port, up, true);
            }
        }
    }
    // kubeadm's etcd serves its health endpoints on the metrics URL.
    if let Some(port) = flag(args, "listen-metrics-urls")
        .and_then(|url| url.rsplit(':').next()?.trim_end_matches('/').parse().ok())
    {
        p.listen(port, up, false);
    }
    p.server = Server::Etcd;
    p.cpu_millis = 15;
    p.memory = vec![(0, 20 * MIB), (500, 40 * MIB)];
    p.on_term = OnTerm::Exit { after_ms: 200, code: 0 };
}

/// kube-apiserver, kube-controller-manager and kube-scheduler as kubeadm runs them: a klog line
/// or two, their secure port, and health endpoints.
fn control_plane(p: &mut Program, name: &str, args: &[String], now: SimTime) {
    let (port, file, message, cpu_millis, memory) = match name {
        "kube-apiserver" => {
            let port = flag(args, "secure-port").and_then(|v| v.parse().ok()).unwrap_or(6443);
            (port, "server.go:150", "Version: v1.34.1", 45, 280 * MIB)
        }
        "kube-controller-manager" => {
            (10257, "controllermanager.go:191", "\"Starting\" version=\"v1.34.1\"", 12, 55 * MIB)
        }
        "kube-proxy" => (
            10256,
            "server_linux.go:263",
            "\"kube-proxy running in dual-stack mode\" primary ipFamily=\"IPv4\"",
            1,
            18 * MIB,
        ),
        _ => (
            10259,
            "server.go:167",
            "\"Starting Kubernetes Scheduler\" version=\"v1.34.1\"",
            4,
            24 * MIB,
        ),
    };
    p.line(now, true, &format!("{}{message}", glog(now, file)));
    p.listen(port, ms(now, 1_500), false);
    p.server = Server::Health;
    p.cpu_millis = cpu_millis;
    p.memory = vec![(0, memory)];
    p.on_term = OnTerm::Exit { after_ms: 300, code: 0 };
}

/// CoreDNS as kubeadm runs it: serving DNS on 53, health on 8080, ready on 8181, metrics on
/// 9153.
fn coredns(p: &mut Program, now: SimTime) {
    for line in [
        "maxprocs: Leaving GOMAXPROCS=2: CPU quota undefined",
        ".:53",
        "[INFO] plugin/reload: Running configuration SHA512 = 1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00c5e05f93523c894564e15b91770d3a07ae1cfbe861d15b37d4a0027e69c546ab112970993a3b03b",
        "CoreDNS-1.12.1",
        "linux/amd64, go1.24.1, 707c7c1",
    ] {
        p.line(now, false, line);
    }
    for port in [53, 8080, 8181, 9153] {
        p.listen(port, ms(now, 500), false);
    }
    p.server = Server::CoreDns;
    p.cpu_millis = 3;
    p.memory = vec![(0, 14 * MIB)];
    p.on_term = OnTerm::Exit { after_ms: 5_000, code: 0 };
}

/// ingress-nginx's controller: its banner, then nginx on 80 and 443 (the network routes what
/// arrives there by the Ingresses, `crate::network::ingress`), the admission webhook on 8443
/// and health on 10254.
fn ingress_nginx(p: &mut Program, now: SimTime) {
    for line in [
        "-------------------------------------------------------------------------------",
        "NGINX Ingress controller",
        "  Release:       v1.13.2",
        "  Build:         47e4a4d7ea1ee8cf5cb3bc8f1f39a1bbc2a71e0b",
        "  Repository:    https://github.com/kubernetes/ingress-nginx",
        "  nginx version: nginx/1.27.1",
        "",
        "-------------------------------------------------------------------------------",
        "",
    ] {
        p.line(now, false, line);
    }
    p.line(
        now,
        true,
        &format!("{}\"Starting NGINX Ingress controller\"", glog(now, "main.go:205")),
    );
    for port in [80, 443, 8443, 10254] {
        p.listen(port, ms(now, 2_000), false);
    }
    p.server = Server::Health;
    p.cpu_millis = 2;
    p.memory = vec![(0, 95 * MIB)];
    p.on_term = OnTerm::Exit { after_ms: 1_000, code: 0 };
}

/// A Go duration flag: `1ms`, `2s`, `1m`, `100us`.
fn go_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let number: f64 = text[..split].parse().ok()?;
    let ms_per_unit = match &text[split..] {
        "ns" => 1e-6,
        "us" | "µs" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 6e4,
        "h" => 3.6e6,
        _ => return None,
    };
    let ms = number * ms_per_unit;
    (ms.is_finite() && ms < 1e12).then(|| Duration::from_micros((ms * 1000.0) as u64))
}

/// A size as stress and Kubernetes write them: `150M`, `1G`, `100Mi`, `4096`.
fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits_end = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let number: f64 = text[..digits_end].parse().ok()?;
    let unit =
        match text[digits_end..].trim_end_matches(['i', 'B', 'b']).to_ascii_lowercase().as_str() {
            "" => 1.0,
            "k" => 1024.0,
            "m" => MIB as f64,
            "g" => 1024.0 * MIB as f64,
            _ => return None,
        };
    let bytes = number * unit;
    (bytes.is_finite() && bytes < 1e15).then_some(bytes as u64)
}

fn polinux_stress(p: &mut Program, args: &[String], now: SimTime) {
    let value = |long: &str, short: &str| {
        args.iter().position(|a| a == long || a == short).and_then(|i| args.get(i + 1)).cloned()
    };
    let count = |long, short| value(long, short).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let (cpu, io, vm, hdd) =
        (count("--cpu", "-c"), count("--io", "-i"), count("--vm", "-m"), count("--hdd", "-d"));
    if cpu + io + vm + hdd == 0 {
        for line in [
            "`stress' imposes certain types of compute stress on your system",
            "",
            "Usage: stress [OPTION [ARG]] ...",
            " -?, --help         show this help statement",
            "     --version      show version statement",
            " -v, --verbose      be verbose",
            " -q, --quiet        be quiet",
            " -n, --dry-run      show what would have been done",
            " -t, --timeout N    timeout after N seconds",
            " -c, --cpu N        spawn N workers spinning on sqrt()",
            " -i, --io N         spawn N workers spinning on sync()",
            " -m, --vm N         spawn N workers spinning on malloc()/free()",
            "     --vm-bytes B   malloc B bytes per vm worker (default is 256MB)",
            "     --vm-hang N    sleep N secs before free (default none, 0 is inf)",
            " -d, --hdd N        spawn N workers spinning on write()/unlink()",
            "",
            "Example: stress --cpu 8 --io 4 --vm 2 --vm-bytes 128M --timeout 10s",
        ] {
            p.line(now, false, line);
        }
        p.exit(now, 1);
        return;
    }
    let vm_bytes =
        value("--vm-bytes", "--vm-bytes").and_then(|v| parse_bytes(&v)).unwrap_or(256 * MIB);
    let hang = args.iter().any(|a| a == "--vm-hang");
    p.line(
        now,
        false,
        &format!("stress: info: [1] dispatching hogs: {cpu} cpu, {io} io, {vm} vm, {hdd} hdd"),
    );
    p.cpu_millis = cpu * 1000 + io * 50 + hdd * 200 + if hang { vm } else { vm * 1000 };
    let base = 700 * 1024;
    // Each vm worker touches its bytes within the first second.
    p.memory = vec![(0, base), (800, base + vm * (vm_bytes + 200 * 1024))];
    // PID 1 without a SIGTERM handler: stress waits for SIGKILL.
    p.on_term = OnTerm::Ignore;
    if let Some(timeout) =
        value("--timeout", "-t").and_then(|t| crate::time::parse_sleep_operand(&t))
    {
        let end = now + timeout;
        p.line(
            end,
            false,
            &format!("stress: info: [1] successful run completed in {}s", timeout.as_secs()),
        );
        p.exit(end, 0);
    }
}

fn vish_stress(p: &mut Program, args: &[String], now: SimTime) {
    let cpus: u64 = flag(args, "cpus").and_then(|v| v.parse().ok()).unwrap_or(0);
    let total = flag(args, "mem-total").and_then(|v| parse_bytes(&v)).unwrap_or(0);
    let step = flag(args, "mem-alloc-size").and_then(|v| parse_bytes(&v)).unwrap_or(4096).max(1);
    let pause = flag(args, "mem-alloc-sleep")
        .and_then(|v| go_duration(&v))
        .unwrap_or(Duration::from_millis(1));
    let logs = args.iter().any(|a| a.trim_start_matches('-') == "logtostderr");
    let base = 2 * MIB;
    p.cpu_millis = cpus * 1000;
    p.on_term = OnTerm::Exit { after_ms: 5, code: 2 };
    let steps = total.div_ceil(step);
    let grow_ms = (steps as u128 * pause.as_millis()).min(u128::from(u32::MAX)) as u64;
    p.memory = vec![(0, base), (grow_ms.max(1), base + total)];
    if logs {
        let (total_text, step_text) = (
            flag(args, "mem-total").unwrap_or("0".into()),
            flag(args, "mem-alloc-size").unwrap_or("4Ki".into()),
        );
        let sleep_text = flag(args, "mem-alloc-sleep").unwrap_or("1ms".into());
        p.line(now, true, &format!("{}Allocating \"{total_text}\" memory, in \"{step_text}\" chunks, with a {sleep_text} sleep between allocations", glog(now, "main.go:26")));
        for _ in 0..cpus {
            p.line(
                now,
                true,
                &format!("{}Spawning a thread to consume CPU", glog(now, "main.go:39")),
            );
        }
        let done = ms(now, grow_ms);
        p.line(
            done,
            true,
            &format!("{}Allocated \"{total_text}\" memory", glog(done, "main.go:29")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_stress_and_kubernetes_write_them() {
        let cases = [
            ("150M", 150 * MIB),
            ("100Mi", 100 * MIB),
            ("1G", 1024 * MIB),
            ("4096", 4096),
            ("2k", 2048),
        ];
        for (text, want) in cases {
            assert_eq!(parse_bytes(text), Some(want), "{text}");
        }
        assert_eq!(parse_bytes("lots"), None);
    }

    #[test]
    fn query_values_are_url_decoded() {
        assert_eq!(query_value("msg=hello+world%21", "msg"), "hello world!");
        assert_eq!(query_value("a=1&msg=x", "msg"), "x");
        assert_eq!(query_value("msg=%zz", "msg"), "%zz");
    }
}
